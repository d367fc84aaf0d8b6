package ward

// Enumerated values of the model. Each enum type lists its values through
// Enum, which validation, the JSON Schema and the documentation all use, so a
// value is added in exactly one place.

// OrgKind says what sort of organisation a model describes.
type OrgKind string

// Enum lists the valid organisation kinds.
func (OrgKind) Enum() []string {
	return []string{"hospital", "clinic", "laboratory", "ehealth-provider", "health-authority", "csirt", "other"}
}

// ZoneKind says what a zone is for.
type ZoneKind string

// Enum lists the valid zone kinds.
func (ZoneKind) Enum() []string {
	return []string{
		"internet", "dmz", "datacentre", "clinical", "medical-devices", "guest-wifi",
		"building-management", "cloud", "vendor-remote", "corporate",
		"management", "remote-care", "other",
	}
}

// TrustLevel is how far the hospital trusts whatever sits in a zone.
type TrustLevel string

// Enum lists trust levels from least to most trusted.
func (TrustLevel) Enum() []string { return []string{"untrusted", "low", "medium", "high"} }

// Rank orders trust levels: untrusted is 0, high is 3, unknown is -1.
func (t TrustLevel) Rank() int { return rank(t.Enum(), string(t)) }

// Level rates harm on one dimension (safety, availability, ...).
type Level string

// Enum lists levels from least to most severe.
func (Level) Enum() []string { return []string{"none", "low", "medium", "high", "critical"} }

// Rank orders levels: none is 0, critical is 4, empty or unknown is -1.
func (l Level) Rank() int { return rank(l.Enum(), string(l)) }

// Protocol is what a link speaks. "ethernet" and "wifi" links attach an
// asset to the network device it hangs off (an uplink), so the dependency of
// everything on a switch is in the model.
type Protocol string

// Enum lists the protocols Ward knows.
func (Protocol) Enum() []string {
	return []string{
		"hl7v2", "fhir", "dicom", "https", "http", "mqtt", "amqp", "rdp",
		"vnc", "smb", "ssh", "telnet", "ftp", "sftp", "bacnet", "modbus",
		"knx", "ble", "wifi", "zigbee", "rfid", "ldap", "ldaps", "kerberos",
		"radius", "dns", "ntp", "snmp", "syslog", "sql", "sip", "ipsec",
		"openvpn", "wireguard", "tls", "ethernet", "proprietary", "other",
	}
}

// Direction says which way a link's connections are opened.
type Direction string

// Enum lists link directions: "forward" (only From opens connections to
// To, the default) or "both".
func (Direction) Enum() []string { return []string{"forward", "both"} }

// DataClass is a kind of data an asset holds or a link carries.
type DataClass string

// Enum lists the data classes.
func (DataClass) Enum() []string {
	return []string{
		"phi", "pii", "prescriptions", "images", "lab-results",
		"device-telemetry", "device-control", "credentials", "billing",
		"research", "building-control", "location", "logs", "backups",
	}
}

// Provenance says where Ward learnt of an asset.
type Provenance string

// Enum lists provenances: declared in a model file, seen by an active scan,
// or seen on the wire by passive discovery.
func (Provenance) Enum() []string { return []string{"declared", "scan", "passive"} }

// ControlCategory groups controls after ENISA's good practices.
type ControlCategory string

// Enum lists the control categories.
func (ControlCategory) Enum() []string {
	return []string{"organisational", "technical", "physical", "manufacturer"}
}

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
