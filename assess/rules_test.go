package assess_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
)

// rulesHospital: a phished workstation in corporate, pumps behind a rule
// that lets corporate reach the device network.
func rulesHospital(rules ...ward.Rule) *ward.Model {
	return &ward.Model{Ward: 1, Organisation: ward.Organisation{ID: "r", Name: "R", EntryPoints: []ward.EntryPoint{"phishing"}},
		Zones: []ward.Zone{
			{ID: "corporate", Kind: "corporate", Trust: "medium"},
			{ID: "medical-devices", Kind: "medical-devices", Trust: "medium", Controls: []string{"segmentation"}},
		},
		Assets: []ward.Asset{
			{ID: "ws-1", Kind: "workstation", Zone: "corporate"},
			{ID: "pump-1", Kind: "infusion-pump", Zone: "medical-devices"},
		},
		Rules: rules,
	}
}

// A zone-to-zone rule is a step of attack paths from any zone an entry
// point reaches, not only from entry zones; a deny rule before it is a
// filter; the plan can close it.
func TestRulesInAttackPaths(t *testing.T) {
	cat, _ := catalog.Load()
	allow := ward.Rule{ID: "r-12", From: "corporate", To: "medical-devices"}
	m := rulesHospital(allow)
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := assess.Assess(m, cat, assess.Options{Today: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, tp := range res.Paths {
		if tp.Target != "pump-1" {
			continue
		}
		for _, p := range tp.Paths {
			words = append(words, p.Words())
		}
	}
	if len(words) == 0 || !strings.HasPrefix(words[0], "phishing -> ws-1 -> corporate -> pump-1 (rule r-12)") {
		t.Fatalf("paths to pump-1: %v", words)
	}
	open, _ := find(t, res, "device-tampering", "pump-1")
	if open.Path == nil || !slices.ContainsFunc(open.Path.Steps, func(s assess.Step) bool {
		return s.Rule == "r-12" && strings.Contains(s.Via, "allowed by rule r-12 (corporate -> medical-devices, any)")
	}) {
		t.Errorf("tampering on pump-1 does not keep its path through r-12: %+v", open.Path)
	}
	plan, err := assess.MakePlan(m, cat, assess.Options{Today: "2026-12-01"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	for _, s := range plan.Steps {
		closed = closed || slices.Contains(s.Rules, "r-12")
	}
	if !closed {
		t.Errorf("the plan does not close r-12: %+v", plan.Steps)
	}

	// The same rule behind a deny rule for the pump: no way in.
	m = rulesHospital(ward.Rule{ID: "r-11", From: "corporate", To: "pump-1", Action: "deny"}, allow)
	res, err = assess.Assess(m, cat, assess.Options{Today: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range res.Paths {
		if tp.Target == "pump-1" {
			t.Errorf("a path to pump-1 crosses the deny rule: %+v", tp.Paths)
		}
	}
	// Both ends of the scale here (a lone workstation's phishing is
	// unlikely to reach a pump): the attack-path term tells them apart.
	pathTerm := func(r assess.Risk) int {
		for _, f := range r.Factors {
			if strings.Contains(f.Reason, "attack path") && !strings.Contains(f.Reason, "counted in") {
				return f.Effect
			}
		}
		t.Fatalf("no attack-path term: %+v", r.Factors)
		return 0
	}
	filtered, _ := find(t, res, "device-tampering", "pump-1")
	if pathTerm(filtered) >= pathTerm(open) {
		t.Errorf("tampering on pump-1: attack path %+d behind the filter, %+d without", pathTerm(filtered), pathTerm(open))
	}
}
