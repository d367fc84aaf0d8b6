package synth

import (
	"fmt"

	"github.com/wardhealth/ward"
)

// sharedCore adds the zones and systems every site of the group uses.
func (g *gen) sharedCore() {
	g.zone("internet", "internet", "untrusted", "Internet")
	g.zone("dmz", "dmz", "low", "Perimeter network", "firewall")
	g.zone("datacentre", "datacentre", "high", "Data centre", "firewall", "segmentation")
	g.zone("cloud", "cloud", "medium", "Cloud services")
	g.zone("vendor-remote", "vendor-remote", "low", "Vendors' networks")
	g.zone("remote-care", "remote-care", "untrusted", "Patients' homes")

	role := func(r, prefix string, kind ward.AssetKind, zone string, name string) *ward.Asset {
		a := g.asset(prefix, kind, zone)
		a.Name = name
		g.shared[r] = a.ID
		return a
	}
	os := func(a *ward.Asset) { g.dress(a, serverOS); a.Controls = g.serverControls() }

	fw := role("fw", "fw", "firewall", "dmz", "Edge firewall")
	fw.Criticality.Availability = "critical"
	role("core", "core-sw", "switch", "datacentre", "Data-centre core switch")
	role("wan", "wan-rtr", "router", "dmz", "WAN router")
	v := role("vpn-vendor", "vpn", "vpn-gateway", "dmz", "Vendor remote-maintenance gateway")
	v.InternetExposed = true
	v.Vendor, v.Product, v.Version = "Fortinet", "FortiGate", "6.4.4"
	if g.chance(0.5) {
		v.Controls = []string{"logging"}
	}
	s := role("vpn-staff", "vpn", "vpn-gateway", "dmz", "Staff VPN")
	s.InternetExposed, s.Controls = true, []string{"mfa", "logging"}
	p := role("portal", "web", "server", "dmz", "Patient portal")
	p.InternetExposed, p.Data = true, []ward.DataClass{"phi", "pii"}
	os(p)
	for _, r := range []struct {
		role, prefix string
		kind         ward.AssetKind
		name         string
		data         []ward.DataClass
	}{
		{"ehr1", "ehr", "ehr", "EHR application server 1", []ward.DataClass{"phi", "prescriptions"}},
		{"ehr2", "ehr", "ehr", "EHR application server 2", []ward.DataClass{"phi", "prescriptions"}},
		{"ehrdb", "db", "database", "EHR database", []ward.DataClass{"phi", "prescriptions", "lab-results"}},
		{"his", "his", "his", "Hospital information system", []ward.DataClass{"pii", "billing"}},
		{"erx", "erx", "eprescription", "ePrescription gateway", []ward.DataClass{"prescriptions", "pii"}},
		{"pacs", "pacs", "pacs", "PACS", []ward.DataClass{"images", "phi"}},
		{"ris", "ris", "ris", "Radiology information system", []ward.DataClass{"phi"}},
		{"lis", "lis", "lis", "Laboratory information system", []ward.DataClass{"lab-results", "phi"}},
		{"pharmacy", "pharm", "pharmacy", "Pharmacy system", []ward.DataClass{"prescriptions"}},
		{"engine", "hl7v2", "integration-engine", "Integration engine", []ward.DataClass{"phi"}},
		{"dc1", "dc", "directory", "Domain controller 1", []ward.DataClass{"credentials"}},
		{"dc2", "dc", "directory", "Domain controller 2", []ward.DataClass{"credentials"}},
		{"idp", "idp", "identity-provider", "Identity provider", []ward.DataClass{"credentials"}},
		{"files", "fs", "server", "File server", []ward.DataClass{"phi", "pii"}},
		{"backup", "bak", "backup", "Backup server", []ward.DataClass{"backups"}},
		{"hv1", "hv", "hypervisor", "Hypervisor 1", nil},
		{"hv2", "hv", "hypervisor", "Hypervisor 2", nil},
		{"san", "san", "storage", "Storage array", []ward.DataClass{"phi", "images"}},
	} {
		a := role(r.role, r.prefix, r.kind, "datacentre", r.name)
		a.Data = r.data
		os(a)
	}
	for i := range g.m.Assets { // the hypervisors back each other up
		if a := &g.m.Assets[i]; a.Kind == "hypervisor" {
			a.Controls = append(a.Controls, "redundancy")
		}
	}
	ext := role("national-erx", "ext", "external-service", "internet", "National ePrescription service")
	ext.Data = []ward.DataClass{"prescriptions"}
	for _, r := range []struct {
		role, prefix string
		kind         ward.AssetKind
		name         string
	}{
		{"cloud-backup", "cld", "backup", "Cloud backup"},
		{"tele", "cld", "telemedicine", "Telemedicine service"},
		{"mail", "cld", "cloud-service", "E-mail and office"},
		{"rpm", "cld", "remote-care", "Remote patient monitoring platform"},
	} {
		a := role(r.role, r.prefix, r.kind, "cloud", r.name)
		a.Controls = []string{"mfa", "disk-encryption"}
	}
	role("vendor", "vnd", "external-service", "vendor-remote", "Device vendor's support centre")

	sh := g.shared
	g.link(sh["wan"], sh["fw"], "ethernet", 0, false, false)
	g.link(sh["fw"], sh["core"], "ethernet", 0, false, false)
	for _, r := range []string{"vpn-vendor", "vpn-staff", "portal"} {
		g.link(sh[r], sh["fw"], "ethernet", 0, false, false)
		g.link("internet", sh[r], "https", 443, true, r != "vpn-vendor")
	}
	g.link("vendor-remote", sh["vpn-vendor"], "ipsec", 500, true, true)
	g.link(sh["vpn-vendor"], sh["engine"], "rdp", 3389, g.chance(0.5), true)
	g.link(sh["portal"], sh["ehr1"], "https", 443, true, true, "phi")
	for _, r := range []string{"ehr1", "ehr2", "ehrdb", "his", "erx", "pacs", "ris", "lis", "pharmacy", "engine", "dc1", "dc2", "idp", "files", "backup", "hv1", "hv2", "san"} {
		g.link(sh[r], sh["core"], "ethernet", 0, false, false)
	}
	g.link(sh["ehr1"], sh["ehrdb"], "sql", 1433, g.chance(0.5), true, "phi")
	g.link(sh["ehr2"], sh["ehrdb"], "sql", 1433, g.chance(0.5), true, "phi")
	g.link(sh["engine"], sh["ehr1"], "hl7v2", 2575, g.chance(0.3), false, "phi")
	g.link(sh["lis"], sh["engine"], "hl7v2", 2575, g.chance(0.3), false, "lab-results")
	g.link(sh["ris"], sh["engine"], "hl7v2", 2575, g.chance(0.3), false, "phi")
	g.link(sh["his"], sh["engine"], "hl7v2", 2575, g.chance(0.3), false, "pii")
	g.link(sh["pharmacy"], sh["ehr1"], "fhir", 443, true, true, "prescriptions")
	g.link(sh["ehr1"], sh["erx"], "fhir", 443, true, true, "prescriptions")
	g.link(sh["erx"], sh["national-erx"], "fhir", 443, true, true, "prescriptions")
	g.link(sh["ris"], sh["pacs"], "dicom", 104, false, false, "images")
	g.link(sh["pacs"], sh["san"], "other", 3260, false, false, "images")
	g.link(sh["backup"], sh["cloud-backup"], "https", 443, true, true, "backups")
	for _, r := range []string{"ehrdb", "files", "pacs", "lis", "dc1"} {
		g.link(sh["backup"], sh[r], "smb", 445, false, true, "backups")
	}
	g.link(sh["dc1"], sh["dc2"], "ldap", 389, false, true, "credentials")
	g.link(sh["idp"], sh["dc1"], "ldaps", 636, true, true, "credentials")
	g.link(sh["ehr1"], sh["tele"], "https", 443, true, true, "phi")
	g.link(sh["rpm"], sh["engine"], "fhir", 443, true, true, "phi")
}

func (g *gen) serverControls() []string {
	var c []string
	if g.chance(0.7) {
		c = append(c, "patch-management")
	}
	if g.chance(0.6) {
		c = append(c, "edr")
	}
	if g.chance(0.5) {
		c = append(c, "logging")
	}
	if g.chance(0.3) {
		c = append(c, "hardening")
	}
	return c
}

// device kinds and their shares of a site's remaining assets.
var siteMix = []struct {
	kind   ward.AssetKind
	prefix string
	share  float64
	zone   string // suffix of the site zone
}{
	{"workstation", "ws", 0.30, "clinical"},
	{"infusion-pump", "pump", 0.14, "meddev"},
	{"patient-monitor", "mon", 0.09, "meddev"},
	{"mobile-client", "mob", 0.08, "clinical"},
	{"printer", "prn", 0.05, "clinical"},
	{"wearable", "wear", 0.04, "home"},
	{"identification", "rfid", 0.03, "clinical"},
	{"rtls", "rtls", 0.04, "building"},
	{"hvac", "hvac", 0.03, "building"},
	{"access-control", "door", 0.02, "building"},
	{"ventilator", "vent", 0.02, "meddev"},
	{"imaging-modality", "mod", 0.02, "meddev"},
	{"imaging-workstation", "iws", 0.01, "meddev"},
	{"lab-analyser", "lab", 0.02, "meddev"},
	{"dialysis-machine", "dia", 0.01, "meddev"},
	{"anaesthesia-machine", "ana", 0.01, "meddev"},
	{"defibrillator", "defib", 0.01, "meddev"},
	{"implant-programmer", "impl", 0.005, "meddev"},
	{"server", "srv", 0.04, "clinical"},
	{"nurse-call", "nc", 0.015, "building"},
	{"workstation", "corp", 0.03, "corporate"},
}

// site adds one hospital site of n assets.
func (g *gen) site(s, n int) {
	p := fmt.Sprintf("s%02d", s)
	z := func(suffix string) string { return p + "-" + suffix }
	g.zone(z("clinical"), "clinical", "medium", fmt.Sprintf("Site %d clinical network", s), "segmentation")
	g.zone(z("meddev"), "medical-devices", "medium", fmt.Sprintf("Site %d medical-device network", s))
	g.zone(z("building"), "building-management", "low", fmt.Sprintf("Site %d building systems", s))
	g.zone(z("guest"), "guest-wifi", "untrusted", fmt.Sprintf("Site %d guest Wi-Fi", s), "wifi-isolation")
	g.zone(z("corporate"), "corporate", "medium", fmt.Sprintf("Site %d offices", s))
	home := "remote-care"

	start := len(g.m.Assets)
	infra := func(prefix string, kind ward.AssetKind, zone, name string) string {
		a := g.asset(p+"-"+prefix, kind, zone)
		a.Name = name
		return a.ID
	}
	core := infra("core", "switch", z("clinical"), fmt.Sprintf("Site %d core switch", s))
	wlc := infra("wlc", "wireless-controller", z("clinical"), fmt.Sprintf("Site %d wireless controller", s))
	guestAP := infra("ap", "wireless-controller", z("guest"), fmt.Sprintf("Site %d guest access point", s))
	pumpSrv := infra("pumpsrv", "server", z("meddev"), "Infusion pump server")
	central := infra("central", "patient-monitor", z("meddev"), "Central monitoring station")
	bms := infra("bms", "bms", z("building"), "Building management server")
	ncs := infra("ncsrv", "nurse-call", z("building"), "Nurse call server")
	rtlsSrv := infra("rtlssrv", "rtls", z("building"), "RTLS server")
	prnSrv := infra("prnsrv", "server", z("clinical"), "Print server")
	ups := infra("ups", "power-supply", z("building"), "UPS")
	gas := infra("gas", "medical-gas", z("building"), "Medical gas alarm panel")
	sh := g.shared
	g.link(core, sh["core"], "ethernet", 0, false, false)
	g.link(guestAP, core, "ethernet", 0, false, false)
	g.link("internet", guestAP, "wifi", 0, true, false)
	for _, id := range []string{wlc, pumpSrv, central, bms, ncs, rtlsSrv, prnSrv, ups, gas} {
		g.link(id, core, "ethernet", 0, false, false)
	}
	g.link(central, sh["engine"], "hl7v2", 2575, false, false, "device-telemetry", "phi")
	g.link(pumpSrv, sh["ehr1"], "hl7v2", 2575, g.chance(0.3), false, "device-control")
	g.link(sh["vpn-vendor"], pumpSrv, "rdp", 3389, true, g.chance(0.5))
	g.link(bms, ups, "modbus", 502, false, false, "building-control")
	g.link(bms, gas, "bacnet", 47808, false, false, "building-control")

	// Access switches: one per 40 wired assets.
	var access []string
	nextAccess := func() string {
		room := len(g.m.Assets)-start < n // the device itself is already added
		if room && (len(access) == 0 || g.counts[p+"-wired"]%40 == 0) {
			id := infra("acc", "switch", z("clinical"), "")
			g.link(id, core, "ethernet", 0, false, false)
			access = append(access, id)
		}
		g.counts[p+"-wired"]++
		if len(access) == 0 {
			return core
		}
		return access[len(access)-1]
	}

	for len(g.m.Assets)-start < n {
		m := g.pickMix()
		zone := z(m.zone)
		if m.zone == "home" {
			zone = home
		}
		a := g.asset(p+"-"+m.prefix, m.kind, zone)
		if ps, ok := devices[m.kind]; ok {
			g.dress(a, ps)
		}
		switch m.kind {
		case "workstation", "server", "imaging-workstation":
			if m.kind != "imaging-workstation" {
				g.dress(a, desktopOS)
				if m.kind == "server" {
					g.dress(a, serverOS)
				}
			}
			a.Controls = g.serverControls()
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(a.ID, sh["dc1"], "kerberos", 88, true, true, "credentials")
			if m.prefix == "corp" {
				g.link(a.ID, sh["his"], "https", 443, true, true, "billing")
			} else {
				g.link(a.ID, sh["ehr1"], "https", 443, true, true, "phi")
			}
			g.link(a.ID, sh["files"], "smb", 445, g.chance(0.4), true, "phi")
			g.link(a.ID, sh["mail"], "https", 443, true, true, "pii")
			if m.kind == "imaging-workstation" {
				g.link(a.ID, sh["pacs"], "dicom", 104, false, false, "images")
			}
		case "infusion-pump":
			a.Data = []ward.DataClass{"device-control"}
			g.link(a.ID, wlc, "wifi", 0, g.chance(0.6), g.chance(0.5))
			g.link(a.ID, pumpSrv, "proprietary", 8443, g.chance(0.5), g.chance(0.4), "device-control")
		case "patient-monitor", "ventilator", "anaesthesia-machine", "dialysis-machine", "defibrillator":
			a.Data = []ward.DataClass{"device-telemetry"}
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(a.ID, central, "proprietary", 24105, false, false, "device-telemetry")
		case "imaging-modality":
			a.Data = []ward.DataClass{"images"}
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(a.ID, sh["pacs"], "dicom", 104, g.chance(0.2), g.chance(0.3), "images")
			g.link(a.ID, sh["ris"], "dicom", 104, false, false, "phi")
			if g.chance(0.5) {
				g.link(sh["vpn-vendor"], a.ID, "rdp", 3389, true, true)
			}
		case "lab-analyser":
			a.Data = []ward.DataClass{"lab-results"}
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(a.ID, sh["lis"], "hl7v2", 2575, false, false, "lab-results")
		case "implant-programmer":
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(a.ID, sh["ehr1"], "https", 443, true, true, "phi")
		case "mobile-client":
			a.Data = []ward.DataClass{"phi"}
			g.link(a.ID, wlc, "wifi", 0, true, true)
			g.link(a.ID, sh["ehr1"], "https", 443, true, true, "phi")
			g.link(a.ID, sh["mail"], "https", 443, true, true, "pii")
		case "printer":
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(prnSrv, a.ID, "other", 9100, false, false, "phi")
		case "wearable":
			a.Data = []ward.DataClass{"device-telemetry", "phi"}
			g.link(a.ID, sh["rpm"], "https", 443, true, g.chance(0.8), "device-telemetry")
		case "identification":
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(a.ID, sh["his"], "https", 443, g.chance(0.5), true, "pii")
		case "rtls":
			g.link(a.ID, wlc, "wifi", 0, false, false)
			g.link(a.ID, rtlsSrv, "proprietary", 1144, false, false, "location")
		case "hvac", "access-control":
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(bms, a.ID, "bacnet", 47808, false, false, "building-control")
		case "nurse-call":
			g.link(a.ID, nextAccess(), "ethernet", 0, false, false)
			g.link(a.ID, ncs, "sip", 5060, false, false)
		}
	}
	g.siteServices(p, core, pumpSrv, central, ncs)
}

func (g *gen) pickMix() (m struct {
	kind   ward.AssetKind
	prefix string
	share  float64
	zone   string
}) {
	x := g.rnd.Float64()
	total := 0.0
	for _, e := range siteMix {
		total += e.share
	}
	x *= total
	for _, e := range siteMix {
		if x < e.share {
			return e
		}
		x -= e.share
	}
	return siteMix[0]
}

// siteServices adds the clinical services a site delivers.
func (g *gen) siteServices(p, core, pumpSrv, central, ncs string) {
	sh := g.shared
	add := func(id, name, outage string, safety ward.Level, deps ...string) {
		d, _ := ward.ParseDuration(outage)
		g.m.Services = append(g.m.Services, ward.Service{ID: p + "-" + id, Name: name, MaxOutage: d, PatientSafety: safety, DependsOn: deps})
	}
	add("emergency", "Emergency care", "15m", "critical", sh["ehr1"], sh["ehr2"], sh["ehrdb"], sh["dc1"], sh["core"], core, p+"-lab")
	add("medication", "Medication administration", "30m", "critical", pumpSrv, sh["pharmacy"], sh["ehr1"], core)
	add("icu", "Intensive care monitoring", "5m", "critical", central, core)
	add("nurse-call", "Nurse call", "15m", "high", ncs, core)
	add("imaging", "Diagnostic imaging", "4h", "high", sh["pacs"], sh["ris"], sh["san"], core)
	add("lab", "Laboratory results", "2h", "high", sh["lis"], sh["engine"], core)
}

// sharedServices adds the group-wide services.
func (g *gen) sharedServices() {
	sh := g.shared
	d := func(s string) ward.Duration { v, _ := ward.ParseDuration(s); return v }
	g.m.Services = append(g.m.Services,
		ward.Service{ID: "eprescription", Name: "ePrescription", MaxOutage: d("4h"), PatientSafety: "high", DependsOn: []string{sh["erx"], sh["national-erx"], sh["ehr1"], sh["fw"]}},
		ward.Service{ID: "telemedicine", Name: "Telemedicine consultations", MaxOutage: d("1d"), PatientSafety: "medium", DependsOn: []string{sh["tele"], sh["ehr1"]}},
		ward.Service{ID: "remote-monitoring", Name: "Remote patient monitoring", MaxOutage: d("8h"), PatientSafety: "high", DependsOn: []string{sh["rpm"], sh["engine"]}},
	)
}

// extraLinks adds application flows until the model has total links: from
// clients and devices to the data centre's servers and clinical systems,
// each flow new.
func (g *gen) extraLinks(total int) {
	if total <= len(g.m.Links) {
		return
	}
	clients, servers := g.ends()
	if len(clients) == 0 || len(servers) == 0 {
		return
	}
	seen := g.flows(total)
	for tries := 0; len(g.m.Links) < total && tries < 20*total; tries++ {
		g.flow(clients[g.rnd.IntN(len(clients))], servers[g.rnd.IntN(len(servers))], seen)
	}
}

// ends are the assets flows are added from (clients and devices) and to
// (the data centre's systems).
func (g *gen) ends() (clients, servers []int) {
	for i := range g.m.Assets {
		k, _ := ward.LookupKind(g.m.Assets[i].Kind)
		switch {
		case g.m.Assets[i].Zone == "datacentre":
			servers = append(servers, i)
		case k.Category == ward.CategoryEndpoint || k.Category == ward.CategoryMedicalDevice || k.Category == ward.CategoryMobile:
			clients = append(clients, i)
		}
	}
	return clients, servers
}

type flowKey struct {
	from, to string
	p        ward.Protocol
}

// flows are the model's flows so far, so that each flow added is new.
func (g *gen) flows(total int) map[flowKey]bool {
	seen := make(map[flowKey]bool, total)
	for _, l := range g.m.Links {
		seen[flowKey{l.From, l.To, l.Protocol}] = true
	}
	return seen
}

var flowProtocols = []struct {
	p    ward.Protocol
	port int
	enc  bool
	data ward.DataClass
}{{"https", 443, true, "phi"}, {"smb", 445, false, "phi"}, {"hl7v2", 2575, false, "phi"}, {"dicom", 104, false, "images"}, {"sql", 1433, true, "phi"}, {"ldap", 389, false, "credentials"}}

// flow adds a flow from client c to server s over a protocol drawn, unless
// the model has it.
func (g *gen) flow(c, s int, seen map[flowKey]bool) bool {
	pr := flowProtocols[g.rnd.IntN(len(flowProtocols))]
	f := flowKey{g.m.Assets[c].ID, g.m.Assets[s].ID, pr.p}
	if seen[f] {
		return false
	}
	seen[f] = true
	g.link(g.m.Assets[c].ID, g.m.Assets[s].ID, pr.p, pr.port, pr.enc || g.chance(0.3), g.chance(0.7), pr.data)
	return true
}
