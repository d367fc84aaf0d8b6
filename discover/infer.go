package discover

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
)

// evidence is what is known of a host when its kind is guessed.
type evidence struct {
	ports []ward.Port // what it listens on
	// osType and deviceType are Nmap's OS class type and service device
	// type ("printer", "switch", "general purpose", ...); os is the OS name.
	osType, deviceType, os string
	macVendor              string
	// roles are what the wire showed it doing, e.g. "dicom-storage-scu".
	roles []string
	// names are the names it gave itself: an MQTT client id such as
	// "infusion-pump-17", an AE title, a host name.
	names []Identity
}

// guess is one rule's answer.
type guess struct {
	kind       ward.AssetKind
	confidence int
	reason     string
}

// vendorKinds maps manufacturers (as the IEEE OUI registry or Nmap names
// them, matched as lower-case substrings) to the kind they mostly make. The
// confidence is modest: a vendor of monitors also sells gateways.
var vendorKinds = []struct {
	names      []string
	kind       ward.AssetKind
	confidence int
}{
	{[]string{"baxter", "hospira", "b. braun", "b.braun", "braun melsungen", "carefusion", "alaris", "smiths medical", "fresenius kabi", "icu medical", "becton"}, "infusion-pump", 60},
	{[]string{"philips medical", "ge medical", "ge healthcare", "mindray", "nihon kohden", "spacelabs", "draeger", "drägerwerk", "dräger", "welch allyn", "masimo", "datex"}, "patient-monitor", 50},
	{[]string{"hamilton medical"}, "ventilator", 60},
	{[]string{"siemens healthineers", "siemens healthcare", "carestream", "fujifilm", "canon medical", "toshiba medical", "agfa", "hologic", "varian", "elekta"}, "imaging-modality", 50},
	{[]string{"fresenius medical care", "gambro", "nipro"}, "dialysis-machine", 60},
	{[]string{"zoll", "physio-control"}, "defibrillator", 60},
	{[]string{"sysmex", "roche diagnostics", "beckman coulter", "radiometer", "bio-rad", "ortho-clinical"}, "lab-analyser", 60},
	{[]string{"medtronic", "biotronik", "boston scientific", "st. jude"}, "medical-device", 50},
	{[]string{"ascom", "rauland", "hill-rom", "hillrom", "jeron"}, "nurse-call", 55},
	{[]string{"johnson controls", "honeywell", "schneider electric", "siemens building", "trane", "carrier", "tridium", "distech", "delta controls", "automated logic"}, "bms", 50},
	{[]string{"american power conversion", "eaton", "vertiv", "liebert"}, "power-supply", 60},
	{[]string{"zebra", "lexmark", "brother industries", "kyocera", "ricoh", "xerox"}, "printer", 55},
	{[]string{"fortinet", "palo alto", "sonicwall", "watchguard"}, "firewall", 55},
	{[]string{"cisco", "juniper", "aruba", "ubiquiti", "mikrotik", "extreme networks", "hewlett packard enterprise"}, "network-device", 40},
	{[]string{"vmware", "qemu", "xensource", "microsoft corporation"}, "server", 25},
}

// deviceTypes maps Nmap's OS class and device types.
var deviceTypes = map[string]ward.AssetKind{
	"printer": "printer", "switch": "switch", "router": "router", "firewall": "firewall",
	"wap": "wireless-controller", "broadband router": "router", "storage-misc": "storage",
	"power-device": "power-supply", "phone": "mobile-client", "load balancer": "network-device",
	"specialized": "", "general purpose": "",
}

// inferKind guesses what a host is from what it offers and how it behaves.
// Every rule that fires gives a kind with a confidence; the surest wins, and
// its reason explains it. Nothing fires: unknown, for review.
func inferKind(e evidence) (ward.AssetKind, int, string) {
	var guesses []guess
	add := func(k ward.AssetKind, c int, format string, a ...any) {
		guesses = append(guesses, guess{k, c, fmt.Sprintf(format, a...)})
	}
	vendor := strings.ToLower(e.macVendor)
	for _, v := range vendorKinds {
		for _, n := range v.names {
			if vendor != "" && strings.Contains(vendor, n) {
				add(v.kind, v.confidence, "network card made by %s", e.macVendor)
			}
		}
	}
	for _, t := range []string{e.osType, e.deviceType} {
		if k := deviceTypes[strings.ToLower(t)]; k != "" {
			add(k, 80, "Nmap classes it as %s", t)
		}
	}
	listens := func(p ward.Protocol) (ward.Port, bool) {
		for _, q := range e.ports {
			if q.Protocol == p {
				return q, true
			}
		}
		return ward.Port{}, false
	}
	product := func(words ...string) string {
		for _, q := range e.ports {
			lp := strings.ToLower(q.Product)
			for _, w := range words {
				if strings.Contains(lp, w) {
					return q.Product
				}
			}
		}
		return ""
	}
	has := func(role string) bool { return slices.Contains(e.roles, role) }
	portName := func(q ward.Port) string {
		t := q.Transport
		if t == "" {
			t = "tcp"
		}
		return fmt.Sprintf("%d/%s", q.Port, t)
	}

	if p := product("orthanc", "dcm4che", "conquest", "storescp", "pacs"); p != "" {
		add("pacs", 75, "runs %s, a DICOM archive", p)
	}
	if p := product("mirth", "rhapsody", "cloverleaf", "ensemble", "iguana"); p != "" {
		add("integration-engine", 80, "runs %s, an integration engine", p)
	}
	if p := product("fhir"); p != "" {
		add("ehr", 50, "runs %s, a FHIR server", p)
	}
	if q, ok := listens("dicom"); ok {
		add("pacs", 60, "accepts DICOM associations on %s, as an archive does", portName(q))
	}
	if has("dicom-scp") {
		add("pacs", 60, "accepted DICOM associations on the wire")
	}
	if has("dicom-storage-scu") {
		add("imaging-modality", 60, "sent images by DICOM C-STORE")
	}
	if has("dicom-worklist-scu") {
		add("imaging-modality", 55, "queried a DICOM modality worklist")
	}
	if q, ok := listens("hl7v2"); ok {
		add("integration-engine", 55, "receives HL7 v2 messages on %s", portName(q))
	}
	if has("hl7-receiver") {
		add("integration-engine", 50, "received HL7 v2 messages on the wire")
	}
	if has("fhir-server") {
		add("ehr", 50, "served FHIR resources on the wire")
	}
	if q, ok := listens("bacnet"); ok {
		add("bms", 70, "speaks BACnet on %s", portName(q))
	}
	if has("bacnet-device") {
		add("bms", 65, "answered BACnet on the wire")
	}
	if q, ok := listens("modbus"); ok {
		add("building-system", 55, "serves Modbus on %s, as controllers and gateways do", portName(q))
	}
	if has("modbus-server") {
		add("building-system", 50, "answered Modbus requests on the wire")
	}
	if q, ok := listens("knx"); ok {
		add("building-system", 60, "speaks KNX on %s", portName(q))
	}
	if q, ok := listens("mqtt"); ok {
		add("server", 50, "runs an MQTT broker on %s", portName(q))
	}
	if has("mqtt-broker") {
		add("server", 45, "acted as an MQTT broker on the wire")
	}
	_, kerberos := listens("kerberos")
	_, ldap := listens("ldap")
	if kerberos && ldap {
		add("directory", 85, "offers Kerberos and LDAP, as a domain controller does")
	}
	for _, q := range e.ports {
		if q.Port == 9100 || q.Port == 515 || q.Port == 631 {
			add("printer", 75, "accepts print jobs on %s", portName(q))
			break
		}
	}
	if q, ok := listens("sql"); ok {
		add("database", 55, "runs a database server on %s", portName(q))
	}
	os := strings.ToLower(e.os)
	_, rdp := listens("rdp")
	_, smb := listens("smb")
	switch {
	case (rdp || smb) && strings.Contains(os, "server"):
		add("server", 50, "runs %s", e.os)
	case rdp || smb || has("rdp-server"):
		add("workstation", 40, "offers remote desktop or file sharing, as Windows desktops do")
	}
	if _, ok := listens("ssh"); ok && strings.Contains(os, "linux") {
		add("server", 40, "runs %s with SSH", e.os)
	}
	_, http := listens("http")
	_, https := listens("https")
	if http || https || has("http-server") {
		add("server", 30, "serves web pages")
	}
	for _, n := range e.names {
		if k, word, ok := kindInText(n.Name, false); ok {
			add(k, 50, "its own name %q (%s) says %q", n.Name, n.Seen, word)
			break
		}
	}
	if len(guesses) == 0 {
		return "unknown", 0, "nothing seen identifies it"
	}
	best := guesses[0]
	for _, g := range guesses[1:] {
		if g.confidence > best.confidence {
			best = g
		}
	}
	return best.kind, best.confidence, best.reason
}
