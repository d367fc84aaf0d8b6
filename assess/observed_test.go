package assess

import (
	"strings"
	"testing"

	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
)

// An observed brute force on the vendor VPN raises the likelihood of the
// brute-force threat there, and only there, with what was seen as the
// reason.
func TestObservedAttackRaisesLikelihood(t *testing.T) {
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	before, err := Assess(m, cat, Options{Today: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	const seen = "observed: 142 failed logons from 3 sources in 10 min on vpn-vendor"
	after, err := Assess(m, cat, Options{Today: "2026-12-01", Observed: []Observation{{Asset: "vpn-vendor", Techniques: []string{"T1110.001"}, Text: seen}}})
	if err != nil {
		t.Fatal(err)
	}
	find := func(res *Result, asset string) []Risk {
		var out []Risk
		for _, r := range res.Risks {
			for _, a := range r.Assets {
				if a == asset {
					out = append(out, r)
				}
			}
		}
		return out
	}
	raised := 0
	for _, r := range find(after, "vpn-vendor") {
		has := false
		for _, f := range r.Factors {
			if f.Reason == seen {
				has = f.Term == "likelihood" && f.Effect == ObservedRaise
			}
		}
		bruteForce := strings.Contains(strings.Join(r.Attack, " "), "T1110")
		if has != bruteForce {
			t.Errorf("%s (%v): observed factor %v", r.Threat, r.Attack, has)
		}
		if !has {
			continue
		}
		raised++
		if len(r.Assets) != 1 {
			t.Errorf("the observed risk is shared with %v", r.Assets)
		}
		for _, b := range find(before, "vpn-vendor") {
			if b.Threat == r.Threat && r.Likelihood <= b.Likelihood && b.Likelihood < 5 {
				t.Errorf("%s: likelihood %d before, %d after", r.Threat, b.Likelihood, r.Likelihood)
			}
		}
	}
	if raised == 0 {
		t.Fatal("no risk on vpn-vendor was raised")
	}
	// Nothing else moved.
	for _, r := range find(after, "vpn-staff") {
		for _, f := range r.Factors {
			if strings.HasPrefix(f.Reason, "observed:") {
				t.Errorf("vpn-staff got %q", f.Reason)
			}
		}
	}
}
