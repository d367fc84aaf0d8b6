package discover

import (
	"strings"

	"github.com/wardhealth/ward"
)

// wellKnown is what a server port usually speaks. A port is only a hint:
// the dissectors confirm or correct it from the content, and a confirmed
// protocol gets a higher confidence.
type wellKnown struct {
	protocol ward.Protocol
	name     string // as people say it: "DICOM", "HL7 v2 over MLLP"
	tls      bool   // the port is the protocol's TLS-wrapped variant
}

type portKey struct {
	port      int
	transport ward.Transport
}

var wellKnownPorts = map[portKey]wellKnown{
	{104, "tcp"}:   {"dicom", "DICOM", false},
	{11112, "tcp"}: {"dicom", "DICOM", false},
	{4242, "tcp"}:  {"dicom", "DICOM", false},
	{2761, "tcp"}:  {"dicom", "DICOM over TLS", true},
	{2762, "tcp"}:  {"dicom", "DICOM over TLS", true},
	{2575, "tcp"}:  {"hl7v2", "HL7 v2 over MLLP", false},
	{6661, "tcp"}:  {"hl7v2", "HL7 v2 over MLLP", false},
	{80, "tcp"}:    {"http", "HTTP", false},
	{8080, "tcp"}:  {"http", "HTTP", false},
	{8000, "tcp"}:  {"http", "HTTP", false},
	{443, "tcp"}:   {"https", "HTTPS", true},
	{8443, "tcp"}:  {"https", "HTTPS", true},
	{1883, "tcp"}:  {"mqtt", "MQTT", false},
	{8883, "tcp"}:  {"mqtt", "MQTT over TLS", true},
	{5672, "tcp"}:  {"amqp", "AMQP", false},
	{5671, "tcp"}:  {"amqp", "AMQP over TLS", true},
	{47808, "udp"}: {"bacnet", "BACnet/IP", false},
	{502, "tcp"}:   {"modbus", "Modbus/TCP", false},
	{3671, "udp"}:  {"knx", "KNXnet/IP", false},
	{445, "tcp"}:   {"smb", "SMB", false},
	{139, "tcp"}:   {"smb", "SMB over NetBIOS", false},
	{3389, "tcp"}:  {"rdp", "RDP", false},
	{5900, "tcp"}:  {"vnc", "VNC", false},
	{22, "tcp"}:    {"ssh", "SSH", true},
	{23, "tcp"}:    {"telnet", "Telnet", false},
	{21, "tcp"}:    {"ftp", "FTP", false},
	{389, "tcp"}:   {"ldap", "LDAP", false},
	{636, "tcp"}:   {"ldaps", "LDAP over TLS", true},
	{88, "tcp"}:    {"kerberos", "Kerberos", false},
	{88, "udp"}:    {"kerberos", "Kerberos", false},
	{53, "udp"}:    {"dns", "DNS", false},
	{53, "tcp"}:    {"dns", "DNS", false},
	{123, "udp"}:   {"ntp", "NTP", false},
	{161, "udp"}:   {"snmp", "SNMP", false},
	{162, "udp"}:   {"snmp", "SNMP traps", false},
	{514, "udp"}:   {"syslog", "syslog", false},
	{6514, "tcp"}:  {"syslog", "syslog over TLS", true},
	{1433, "tcp"}:  {"sql", "Microsoft SQL Server", false},
	{1521, "tcp"}:  {"sql", "Oracle", false},
	{3306, "tcp"}:  {"sql", "MySQL", false},
	{5432, "tcp"}:  {"sql", "PostgreSQL", false},
	{5060, "udp"}:  {"sip", "SIP", false},
	{5060, "tcp"}:  {"sip", "SIP", false},
	{5061, "tcp"}:  {"sip", "SIP over TLS", true},
	{1812, "udp"}:  {"radius", "RADIUS", false},
	{500, "udp"}:   {"ipsec", "IKE", true},
	{1194, "udp"}:  {"openvpn", "OpenVPN", true},
	{51820, "udp"}: {"wireguard", "WireGuard", true},
	{9100, "tcp"}:  {"proprietary", "raw printing (JetDirect)", false},
	{631, "tcp"}:   {"http", "IPP", false},
	{515, "tcp"}:   {"proprietary", "LPD printing", false},
}

// portProtocol is what a server port usually speaks.
func portProtocol(port int, transport ward.Transport) (wellKnown, bool) {
	if transport == "" {
		transport = "tcp"
	}
	w, ok := wellKnownPorts[portKey{port, transport}]
	return w, ok
}

// nmapServices maps Nmap's service names (nmap-services, nmap-service-probes)
// to protocols.
var nmapServices = map[string]ward.Protocol{
	"dicom": "dicom", "acr-nema": "dicom", "hl7": "hl7v2",
	"http": "http", "http-alt": "http", "http-proxy": "http", "https": "https", "https-alt": "https",
	"mqtt": "mqtt", "secure-mqtt": "mqtt", "amqp": "amqp",
	"bacnet": "bacnet", "modbus": "modbus", "mbap": "modbus",
	"microsoft-ds": "smb", "netbios-ssn": "smb", "smb": "smb",
	"ms-wbt-server": "rdp", "rdp": "rdp", "vnc": "vnc",
	"ssh": "ssh", "telnet": "telnet", "ftp": "ftp", "ldap": "ldap", "ldapssl": "ldaps",
	"kerberos-sec": "kerberos", "kerberos": "kerberos", "domain": "dns", "ntp": "ntp",
	"snmp": "snmp", "syslog": "syslog", "ms-sql-s": "sql", "mysql": "sql", "postgresql": "sql", "oracle-tns": "sql",
	"sip": "sip", "radius": "radius", "isakmp": "ipsec", "openvpn": "openvpn",
	"ipp": "http", "jetdirect": "proprietary", "printer": "proprietary",
}

// serviceProtocol maps an Nmap service to a protocol; tunnel "ssl" makes a
// plain protocol its TLS variant.
func serviceProtocol(name, tunnel string) (ward.Protocol, bool) {
	name = strings.TrimPrefix(strings.ToLower(name), "ssl/")
	p, ok := nmapServices[name]
	if ok && tunnel == "ssl" {
		switch p {
		case "http":
			p = "https"
		case "ldap":
			p = "ldaps"
		}
	}
	return p, ok
}

// encryptedByDefault says whether a protocol is encrypted by its nature.
func encryptedByDefault(p ward.Protocol) bool {
	switch p {
	case "https", "ssh", "ldaps", "sftp", "ipsec", "openvpn", "wireguard", "tls":
		return true
	}
	return false
}
