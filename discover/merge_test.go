package discover

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

func hospital() *ward.Model {
	return &ward.Model{
		Ward:         ward.FormatVersion,
		Organisation: ward.Organisation{ID: "h", Name: "H"},
		Zones: []ward.Zone{{ID: "internet", Kind: "internet", Trust: "untrusted"}, {ID: "imaging", Kind: "medical-devices", Trust: "medium"},
			{ID: "clinical", Kind: "clinical", Trust: "medium"}, {ID: "bms", Kind: "building-management", Trust: "low"}},
		Assets: []ward.Asset{
			{ID: "ct-01", Kind: "imaging-modality", Zone: "imaging", Vendor: "Siemens", Addresses: []string{"10.20.30.11"}},
			{ID: "xr-01", Kind: "imaging-modality", Zone: "imaging", Addresses: []string{"10.20.30.12"}},
			{ID: "pacs-01", Kind: "pacs", Zone: "clinical", Addresses: []string{"10.20.40.0/24"}},
			{ID: "ahu-01", Kind: "hvac", Zone: "bms", Addresses: []string{"10.20.70.20"}},
		},
		Links: []ward.Link{{From: "ct-01", To: "pacs-01", Protocol: "dicom", Port: 104, Encrypted: true}},
	}
}

func TestMergeScan(t *testing.T) {
	m := hospital()
	res, err := ReadNmap("scan.xml", strings.NewReader(scanXML), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := Merge(m, res, Options{})
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	// ct-01 matched by IP: the declared vendor kept, the conflict shown.
	if d.Matched != 1 || len(d.Conflicts) == 0 {
		t.Fatalf("diff: %+v", d)
	}
	c := d.Conflicts[slices.IndexFunc(d.Conflicts, func(c Conflict) bool { return c.Attribute == "vendor" })]
	if c.Target != "ct-01" || c.Declared != "Siemens" || c.Discovered != "Philips Medical Systems" || c.Kept != "declared" || m.Assets[0].Vendor != "Siemens" {
		t.Fatalf("conflict: %+v", c)
	}
	ct := m.Assets[0]
	if !slices.Contains(ct.Addresses, "00:09:fb:11:22:33") || !slices.Contains(ct.Addresses, "ct-01.st-example.local") || len(ct.Ports) != 2 {
		t.Fatalf("ct-01: %+v", ct)
	}
	// The BACnet controller joins the zone of its subnet; the unknown
	// device has no zone.
	if len(d.Added) != 1 || d.Added[0].Zone != "bms" || d.Added[0].Kind != "bms" || !strings.Contains(d.Added[0].ZoneWhy, "10.20.70.0/24") {
		t.Fatalf("added: %+v", d.Added)
	}
	if len(d.Unplaced) != 1 || d.Unplaced[0] != "10.20.60.77" {
		t.Fatalf("unplaced: %v", d.Unplaced)
	}
	// With --zone it is added, tagged for review; the zone is created.
	m = hospital()
	d = Merge(m, res, Options{Zone: "quarantine", PreferDiscovered: true})
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.Assets[0].Vendor != "Philips Medical Systems" || len(d.Review) != 1 || d.Review[0].Asset != "dev-10-20-60-77" {
		t.Fatalf("prefer discovered: %+v", d)
	}
	u := m.Assets[len(m.Assets)-1]
	if u.Zone != "quarantine" || u.Kind != "unknown" || !slices.Contains(u.Tags, ReviewTag) || u.Provenance != "scan" {
		t.Fatalf("unknown device: %+v", u)
	}
	var kindSrc ward.Source
	for _, s := range m.Assets[len(m.Assets)-2].Sources {
		if s.Attribute == "kind" {
			kindSrc = s
		}
	}
	if kindSrc.Origin != "nmap" || kindSrc.Confidence != 70 || kindSrc.Seen != "2025-10-14T09:31:00Z" || kindSrc.File != "scan.xml" || !strings.Contains(kindSrc.Reason, "BACnet") {
		t.Fatalf("kind source: %+v", kindSrc)
	}
	// Merging the same scan again changes nothing.
	d = Merge(m, res, Options{Zone: "quarantine"})
	if len(d.Added) != 0 || len(d.Changed) != 0 || len(d.Conflicts) != 0 {
		t.Fatalf("second merge: %+v", d)
	}
}

func TestMergeCapture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hand.pcapng")
	handMade(t, path)
	res := readCapture(t, path)
	m := hospital()
	m.Assets = append(m.Assets, ward.Asset{ID: "ws-01", Kind: "workstation", Zone: "clinical", Addresses: []string{"10.20.60.15"}})
	d := Merge(m, res, Options{Zone: "found"})
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	var fhir, inet *ward.Link
	for i := range m.Links {
		l := &m.Links[i]
		switch {
		case l.Protocol == "fhir":
			fhir = l
		case l.To == "internet":
			inet = l
		}
	}
	if fhir == nil || fhir.From != "ws-01" || fhir.Encrypted || fhir.Notes().Provenance != "passive" || !slices.Contains(fhir.Data, "phi") {
		t.Fatalf("FHIR link: %+v\n%+v", fhir, d)
	}
	if inet == nil || inet.From != "ws-01" || !inet.Encrypted {
		t.Fatalf("Internet link: %+v", inet)
	}
	if len(d.LinksAdded) < 6 {
		t.Fatalf("links: %+v", d.LinksAdded)
	}
}

// A link declared encrypted but seen in clear is a conflict.
func TestMergeLinkConflict(t *testing.T) {
	m := hospital()
	m.Assets[2].Addresses = append(m.Assets[2].Addresses, "10.20.40.5")
	res := &Result{Source: "pcap", File: "c.pcap", Flows: []*Flow{{Client: "10.20.30.11", Server: "10.20.40.5", Transport: "tcp", Port: 104, Protocol: "dicom", Data: []ward.DataClass{"images"}, Confidence: 95, Reason: "DICOM A-ASSOCIATE exchange"}},
		Hosts: []*Host{{IPs: []string{"10.20.30.11"}}, {IPs: []string{"10.20.40.5"}, Kind: "pacs"}, {IPs: []string{"10.20.40.6"}, Kind: "unknown"}}}
	d := Merge(m, res, Options{})
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(d.Conflicts) != 1 || d.Conflicts[0].Attribute != "encrypted" || d.Conflicts[0].Declared != "true" || !m.Links[0].Encrypted {
		t.Fatalf("conflicts: %+v", d.Conflicts)
	}
	// 10.20.40.6 is inside pacs-01's declared prefix, but no asset has the
	// address itself: a new asset in pacs-01's zone.
	if len(d.Added) != 1 || d.Added[0].Zone != "clinical" {
		t.Fatalf("added: %+v", d.Added)
	}
}

// What the wire or a scan shows may hold control characters (a banner
// that clears the screen); the model keeps them as U+FFFD, and stays
// valid, for new and matched assets and for links.
func TestMergeKeepsControlCharactersOut(t *testing.T) {
	m := hospital()
	evil := "Acme\x1b[2J\u202eexe"
	res := &Result{Source: "pcap", File: "c.pcap", Hosts: []*Host{
		{IPs: []string{"10.20.30.11"}, Name: "ct\n01", Product: evil, Version: "1\x00", Ports: []ward.Port{{Port: 80, Transport: "tcp", Product: evil}},
			Components: []ward.Component{{Name: evil, Version: "2\a"}}, Notes: map[string]Note{"product": {Reason: "banner " + evil}}},
		{IPs: []string{"10.20.30.99"}, Kind: "unknown", Vendor: evil, Description: "seen\tthere\x1b"},
	}, Flows: []*Flow{{Client: "10.20.30.99", Server: "10.20.40.7", Transport: "tcp", Port: 80, Protocol: "http", Reason: "banner " + evil, Details: []string{"GET /" + evil}}}}
	Merge(m, res, Options{Zone: "imaging"})
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range m.Assets {
		if a.Vendor == "Acme\ufffd[2J\ufffdexe" {
			found = true
		}
	}
	if !found {
		t.Errorf("the new asset's vendor was not kept with its controls replaced: %+v", m.Assets)
	}
}
