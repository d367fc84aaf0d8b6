package assess

import (
	"slices"
	"testing"

	"github.com/wardhealth/ward/demo"
)

// The demo's minimum cut between the network entry points and the critical
// targets is the planted ways in: the guest Wi-Fi firewall rule, the vendor
// gateway's remote sessions and the BMS vendor's line.
func TestDemoMinimumCut(t *testing.T) {
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	org, facts := Facts(m, "2026-11-23", nil)
	cut, _, ok := buildAttackGraph(m.Index(), facts, &org).minimumCut(m, facts)
	if !ok {
		t.Fatal("no finite cut on the demo")
	}
	var got []string
	for _, li := range cut {
		got = append(got, m.Links[li].From+">"+m.Links[li].To)
	}
	for _, want := range []string{"guest-wifi>pump-server", "vpn-vendor>pump-server", "vpn-vendor>ct-01", "vendor-support>bms-01"} {
		if !slices.Contains(got, want) {
			t.Errorf("cut %v lacks %s", got, want)
		}
	}
	// Removing the cut leaves no path from those entry points to a target.
	block := map[int]bool{}
	for _, li := range cut {
		block[li] = true
	}
	var kept = m.Links[:0:0]
	for i, l := range m.Links {
		if !block[i] {
			kept = append(kept, l)
		}
	}
	m.Links = kept
	m.Organisation.EntryPoints = nil
	org, facts = Facts(m, "2026-11-23", nil)
	ag := buildAttackGraph(m.Index(), facts, &org)
	g, src := ag.withSource([]string{"internet", "guest-wifi", "vendor-remote", "supplier"})
	tree := g.BestFrom(src)
	for i := range facts {
		if criticalWhy(&facts[i]) != "" && tree.P(i) > 0 {
			t.Errorf("%s still reachable after the cut", facts[i].ID)
		}
	}
}
