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
			{From: "inet", To: "ap", Protocol: "wifi", Description: "open guest network"},
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
