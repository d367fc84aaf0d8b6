package ward

// Enumerated values of the model. Each enum type lists its values through
// Enum, which validation, the JSON Schema and the documentation all use, so a
// value is added in exactly one place.

// OrgKind says what sort of organisation a model describes.
type OrgKind string

var orgKindValues = []string{"hospital", "clinic", "laboratory", "ehealth-provider", "health-authority", "csirt", "other"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (OrgKind) Enum() []string { return orgKindValues }

// ZoneKind says what a zone is for.
type ZoneKind string

var zoneKindValues = []string{
	"internet", "dmz", "datacentre", "clinical", "medical-devices", "guest-wifi",
	"building-management", "cloud", "vendor-remote", "corporate",
	"management", "remote-care", "other",
}

// Enum lists the valid values; the slice is shared and must not be changed.
func (ZoneKind) Enum() []string { return zoneKindValues }

// TrustLevel is how far the hospital trusts whatever sits in a zone.
type TrustLevel string

var trustLevelValues = []string{"untrusted", "low", "medium", "high"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (TrustLevel) Enum() []string { return trustLevelValues }

// Rank orders trust levels: untrusted is 0, high is 3, unknown is -1.
func (t TrustLevel) Rank() int { return rank(t.Enum(), string(t)) }

// Level rates harm on one dimension (safety, availability, ...).
type Level string

var levelValues = []string{"none", "low", "medium", "high", "critical"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (Level) Enum() []string { return levelValues }

// Rank orders levels: none is 0, critical is 4, empty or unknown is -1.
func (l Level) Rank() int { return rank(l.Enum(), string(l)) }

// Protocol is what a link speaks. "ethernet" and "wifi" links attach an
// asset to the network device it hangs off (an uplink), so the dependency of
// everything on a switch is in the model.
type Protocol string

var protocolValues = []string{
	"hl7v2", "fhir", "dicom", "https", "http", "mqtt", "amqp", "rdp",
	"vnc", "smb", "ssh", "telnet", "ftp", "sftp", "bacnet", "modbus",
	"knx", "ble", "wifi", "zigbee", "rfid", "ldap", "ldaps", "kerberos",
	"radius", "dns", "ntp", "snmp", "syslog", "sql", "sip", "ipsec",
	"openvpn", "wireguard", "tls", "ethernet", "proprietary", "other",
}

// Enum lists the valid values; the slice is shared and must not be changed.
func (Protocol) Enum() []string { return protocolValues }

// Direction says which way a link's connections are opened.
type Direction string

// Direction "forward" means only From opens connections to To (the
// default); "both" means either end does.
var directionValues = []string{"forward", "both"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (Direction) Enum() []string { return directionValues }

// DataClass is a kind of data an asset holds or a link carries.
type DataClass string

var dataClassValues = []string{
	"phi", "pii", "prescriptions", "images", "lab-results",
	"device-telemetry", "device-control", "credentials", "billing",
	"research", "building-control", "location", "logs", "backups",
}

// Enum lists the valid values; the slice is shared and must not be changed.
func (DataClass) Enum() []string { return dataClassValues }

// Sensitive tells whether the data is sensitive: data about patients'
// health, credentials and the control of devices. In clear text on a link
// it is a weakness, and the report and the dashboard mark such links.
func (d DataClass) Sensitive() bool {
	switch d {
	case "phi", "credentials", "prescriptions", "lab-results", "device-control", "images":
		return true
	}
	return false
}

// Provenance says where Ward learnt of an asset.
type Provenance string

// A provenance is "declared" in a model file, "inventory" for an asset read
// from the hospital's asset-management export, "scan" for an asset seen by
// an active scan, "passive" for one seen on the wire, "planned" for a
// device not bought yet ('ward procure'): in the model where it would
// stand, left out of assessment unless asked for (Model.WithoutPlanned).
var provenanceValues = []string{"declared", "inventory", "scan", "passive", "planned"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (Provenance) Enum() []string { return provenanceValues }

// RuleAction says what a rule does with the connections it matches.
type RuleAction string

// An empty action is "allow".
var ruleActionValues = []string{"allow", "deny"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (RuleAction) Enum() []string { return ruleActionValues }

// ControlCategory groups controls after ENISA's good practices.
type ControlCategory string

var controlCategoryValues = []string{"organisational", "technical", "physical", "manufacturer"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (ControlCategory) Enum() []string { return controlCategoryValues }

// Enumerated is implemented by every enum type of the model.
type Enumerated interface{ Enum() []string }

func rank(values []string, v string) int {
	for i, x := range values {
		if x == v {
			return i
		}
	}
	return -1
}

// DecisionStatus is how a risk is treated.
type DecisionStatus string

var decisionStatusValues = []string{"accepted", "mitigated", "false-positive"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (DecisionStatus) Enum() []string { return decisionStatusValues }

// EntryPoint is where an attacker can start: the Internet, the guest
// Wi-Fi, a vendor's remote access, a phished user, physical access to
// devices in public areas (assets tagged public-area, and portable devices),
// or a compromised supplier or cloud service.
type EntryPoint string

var entryPointValues = []string{"internet", "guest-wifi", "vendor-remote", "phishing", "physical", "supplier"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (EntryPoint) Enum() []string { return entryPointValues }

// SourceKind names where one attribute came from: a model file
// ("declared"), an Nmap scan, a CSV inventory export or a packet capture.
type SourceKind string

var sourceKindValues = []string{"declared", "nmap", "csv", "pcap"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (SourceKind) Enum() []string { return sourceKindValues }

// Transport is the transport protocol of a port.
type Transport string

var transportValues = []string{"tcp", "udp", "sctp"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (Transport) Enum() []string { return transportValues }
