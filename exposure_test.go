package ward_test

import (
	"slices"
	"testing"

	"github.com/wardhealth/ward"
)

// Reachable from the Internet: declared, or a link from the internet zone
// reaches it; a cable is no way in, and a service out on the Internet is
// external, not exposed.
func TestExposure(t *testing.T) {
	m := &ward.Model{
		Zones: []ward.Zone{{ID: "inet", Kind: "internet"}, {ID: "dmz", Kind: "dmz"}, {ID: "lan", Kind: "clinical"}},
		Assets: []ward.Asset{
			{ID: "portal", Kind: "server", Zone: "dmz", InternetExposed: true},
			{ID: "ap", Kind: "wireless-controller", Zone: "dmz"},
			{ID: "fw", Kind: "firewall", Zone: "dmz"},
			{ID: "ehr", Kind: "ehr", Zone: "lan"},
			{ID: "erx", Kind: "external-service", Zone: "inet"},
		},
		Links: []ward.Link{
			{From: "inet", To: "ap", Protocol: "wifi", LinkNotes: &ward.LinkNotes{Description: "open guest network"}},
			{From: "inet", To: "fw", Protocol: "ethernet"},
			{From: "portal", To: "ehr", Protocol: "https"},
			{From: "inet", To: "erx", Protocol: "https"},
		},
	}
	got := m.Exposure()
	want := []string{"declared reachable from the Internet (internet_exposed)", "a wifi link from the Internet reaches it (open guest network)", "", "", ""}
	if !slices.Equal(got, want) {
		t.Errorf("exposure %q, want %q", got, want)
	}
	if s := m.Summarise("2026-01-01"); s.InternetExposed != 2 {
		t.Errorf("summary counts %d reachable", s.InternetExposed)
	}
	for i, ext := range []bool{false, false, false, false, true} {
		if m.External(&m.Assets[i]) != ext {
			t.Errorf("%s external: %v", m.Assets[i].ID, !ext)
		}
	}
	ends := m.LinkEnds()
	if !ends[0].Exposed || !ends[2].Exposed || !ends[3].Exposed {
		t.Errorf("link ends %+v", ends)
	}
}

func TestExposureThroughRules(t *testing.T) {
	m := &ward.Model{
		Zones: []ward.Zone{{ID: "inet", Kind: "internet"}, {ID: "dmz", Kind: "dmz"}, {ID: "lan", Kind: "clinical"}},
		Assets: []ward.Asset{
			{ID: "web", Kind: "server", Zone: "dmz"},
			{ID: "mail", Kind: "server", Zone: "dmz"},
			{ID: "ehr", Kind: "ehr", Zone: "lan"},
		},
		Rules: []ward.Rule{
			{ID: "r-1", From: "inet", To: "mail", Action: "deny"},
			{ID: "r-2", From: "inet", To: "dmz", Protocol: "https", Port: 443},
			{ID: "r-3", From: "dmz", To: "lan"},
		},
	}
	got := m.Exposure()
	if got[0] != "rule r-2 (inet -> dmz, https/443) lets the Internet reach it" {
		t.Errorf("web: %q", got[0])
	}
	if got[1] != "" {
		t.Errorf("mail is behind the deny rule r-1, got %q", got[1])
	}
	if got[2] != "" {
		t.Errorf("ehr is reached from the dmz, not from the Internet: %q", got[2])
	}
}
