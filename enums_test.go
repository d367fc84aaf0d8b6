package ward_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

func TestRanksSurviveSuggestions(t *testing.T) {
	// Asking for a suggestion must not reorder the shared value lists.
	ward.Closest("hgh", ward.TrustLevel("").Enum())
	ward.Closest("critcal", ward.Level("").Enum())
	if ward.TrustLevel("untrusted").Rank() != 0 || ward.TrustLevel("high").Rank() != 3 {
		t.Fatal("trust ranks changed")
	}
	if ward.Level("none").Rank() != 0 || ward.Level("critical").Rank() != 4 || ward.Level("").Rank() != -1 {
		t.Fatal("level ranks changed")
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]string{"15m": "15m", "90m": "1h30m", "1h30m": "1h30m", "2d": "2d", "1w": "7d", "36h": "1d12h", "45s": "45s"} {
		d, err := ward.ParseDuration(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if d.String() != want {
			t.Errorf("%s formats as %s, want %s", in, d, want)
		}
	}
	for _, bad := range []string{"", "15", "m", "15 m", "1y", "-5m", "99999999999h"} {
		if _, err := ward.ParseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCPE(t *testing.T) {
	for _, ok := range []string{
		"cpe:2.3:o:fortinet:fortios:6.4.4:*:*:*:*:*:*:*",
		"cpe:2.3:a:philips:vue_pacs:12.2.6.410:*:*:*:*:*:*:*",
		`cpe:2.3:h:b._braun:spacecom:u61:*:*:en:*:*:*:*`,
		`cpe:2.3:a:vendor:prod\:uct:1.0:-:*:*:*:*:*:*`,
	} {
		if !ward.ValidCPE(ok) {
			t.Errorf("rejected %s", ok)
		}
	}
	for _, bad := range []string{
		"cpe:/a:vendor:product:1.0",
		"cpe:2.3:x:vendor:product:1.0:*:*:*:*:*:*:*",
		"cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*",
		"cpe:2.3:a:vendor:pro duct:1.0:*:*:*:*:*:*:*",
		"cpe:2.3:a:vendor:product:1.0:*:*:english:*:*:*:*",
	} {
		if ward.ValidCPE(bad) {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestPURL(t *testing.T) {
	if err := ward.CheckPURL("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"npm/left-pad", "pkg:", "pkg:npm/"} {
		if ward.CheckPURL(bad) == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestSummaryCountsWeaknesses(t *testing.T) {
	m := &ward.Model{
		Zones: []ward.Zone{{ID: "z", Kind: "medical-devices", Trust: "medium"}},
		Assets: []ward.Asset{
			{ID: "pump", Kind: "infusion-pump", Zone: "z", EndOfSupport: "2020-01-14"},
			{ID: "vpn", Kind: "vpn-gateway", Zone: "z", InternetExposed: true, EndOfSupport: "2030-01-01"},
		},
		Links: []ward.Link{{From: "pump", To: "vpn", Protocol: "ethernet"}, {From: "vpn", To: "pump", Protocol: "rdp"}},
	}
	s := m.Summarise("2026-11-23")
	if s.MedicalDevices != 1 || s.InternetExposed != 1 || s.EndOfSupport != 1 || s.Unencrypted != 1 {
		t.Fatalf("%+v", s)
	}
}

func TestDiscoveryFieldsAreChecked(t *testing.T) {
	m := ward.Model{
		Ward:         ward.FormatVersion,
		Organisation: ward.Organisation{ID: "h", Name: "H"},
		Zones:        []ward.Zone{{ID: "z", Kind: "clinical", Trust: "medium"}},
		Assets: []ward.Asset{{
			ID: "a", Kind: "unknown", Zone: "z", Serial: "SN1", Provenance: "inventory",
			Ports: []ward.Port{{Port: 104, Protocol: "dicom"}, {Port: 104, Transport: "tcp"}, {Port: 0, Transport: "icmp"}},
			Sources: []ward.Source{
				{Attribute: "kind", Origin: "nmap", Seen: "2025-10-14T09:30:00Z", Confidence: 60, Reason: "listens on 104/tcp"},
				{Attribute: "", Origin: "wire", Seen: "yesterday", Confidence: 101},
			},
		}, {ID: "b", Kind: "pacs", Zone: "z"}},
		Links: []ward.Link{{From: "a", To: "b", Protocol: "dicom", LinkNotes: &ward.LinkNotes{Provenance: "passive", Sources: []ward.Source{{Attribute: "protocol", Origin: "pcap"}}}}},
	}
	err := m.Validate()
	var ve *ward.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want problems, got %v", err)
	}
	var got []string
	for _, e := range ve.Errors {
		got = append(got, e.Path)
	}
	want := []string{"assets[0].ports[1].port", "assets[0].ports[2].port", "assets[0].ports[2].transport",
		"assets[0].sources[1].attribute", "assets[0].sources[1].source", "assets[0].sources[1].seen", "assets[0].sources[1].confidence"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("problems at %v, want %v\n%v", got, want, err)
	}
}

// Sensitive data is health data, credentials and device control, of the
// data classes a model may name; the others are not.
func TestSensitiveData(t *testing.T) {
	want := map[string]bool{"phi": true, "credentials": true, "prescriptions": true, "lab-results": true, "device-control": true, "images": true}
	for _, d := range ward.DataClass("").Enum() {
		if got := ward.DataClass(d).Sensitive(); got != want[d] {
			t.Errorf("%s: sensitive %v, want %v", d, got, want[d])
		}
		delete(want, d)
	}
	if len(want) > 0 {
		t.Errorf("sensitive classes that are no data class: %v", want)
	}
}
