package assess

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/synth"
)

// hospital is a model to plan for, with its vulnerabilities; sites when
// it is a group of sites.
type hospital struct {
	name  string
	m     *ward.Model
	vulns map[string]intel.Exposure
	sites bool
}

// The plan with places alike grouped reaches the same residual risk and
// path exposure as the plan of one candidate per place, or less, in no
// more steps, on the incident hospitals, on generated ones of one site and
// of several, and on stirred ones; with several sites it has fewer
// candidates, and a change on several zones alike.
func TestGroupedPlanNoWorse(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var hs []hospital
	names, models, vulns := incidentHospitals(t)
	for i := range names {
		hs = append(hs, hospital{names[i], models[i], vulns[i], false})
	}
	sizes := []struct {
		assets int
		v      synth.Variety
	}{{800, synth.VarietyLow}, {800, synth.VarietyRealistic}, {3000, synth.VarietyLow}, {3000, synth.VarietyRealistic}}
	if raceEnabled {
		sizes = sizes[:2]
	}
	for _, size := range sizes {
		m, err := synth.Generate(synth.Options{Assets: size.assets, Seed: 1, Variety: size.v})
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, hospital{fmt.Sprintf("generated-%d-%s", size.assets, size.v), m, nil, size.assets > synth.SiteSize})
	}
	sm, sv := stirred(t, 1600, 3)
	hs = append(hs, hospital{"stirred-1600-3", sm, sv, true})
	for _, h := range hs {
		t.Run(h.name, func(t *testing.T) {
			opt := Options{Today: "2026-11-23", Vulnerabilities: h.vulns}
			for _, budget := range []int{5, 10} {
				grouped, err := makePlan(h.m, cat, opt, budget, false, false)
				if err != nil {
					t.Fatal(err)
				}
				alone, err := makePlan(h.m, cat, opt, budget, false, true)
				if err != nil {
					t.Fatal(err)
				}
				if grouped.After > alone.After || len(grouped.Steps) > len(alone.Steps) {
					t.Errorf("budget %d: grouped plan leaves %d in %d steps, one candidate per place %d in %d", budget, grouped.After, len(grouped.Steps), alone.After, len(alone.Steps))
				}
				if grouped.Places != alone.Candidates {
					t.Errorf("budget %d: the grouped plan's candidates are on %d places, there are %d", budget, grouped.Places, alone.Candidates)
				}
				ids := map[string]bool{}
				for _, st := range grouped.Steps {
					if ids[st.ID] {
						t.Errorf("budget %d: two steps %s", budget, st.ID)
					}
					ids[st.ID] = true
				}
				if grouped.Candidates > alone.Candidates {
					t.Errorf("budget %d: %d candidates grouped, %d alone", budget, grouped.Candidates, alone.Candidates)
				}
				if h.sites && grouped.Candidates >= alone.Candidates {
					t.Errorf("budget %d: a group of sites has %d candidates grouped of %d places: none grouped", budget, grouped.Candidates, alone.Candidates)
				}
				t.Logf("budget %d: %d candidates (%d places): %d -> %d in %d steps; alone %d -> %d in %d steps", budget, grouped.Candidates, grouped.Places,
					grouped.Before, grouped.After, len(grouped.Steps), alone.Before, alone.After, len(alone.Steps))
			}
		})
	}
}

// candidateOf finds the candidate of an action holding an asset.
func candidateOf(cands []Change, action, asset string) *Change {
	for i := range cands {
		if cands[i].Action == action && slices.Contains(cands[i].Assets, asset) {
			return &cands[i]
		}
	}
	return nil
}

// Grouping never merges changes whose effect differs: an asset stirred so
// that the remedy removes more from it than from the others (a radio link
// in clear beside its clear-text flows, so that encrypting its links also
// answers wireless-clear) leaves its group and the group keeps the rest; a
// zone given another trust leaves the group of zones segmented alike; an
// asset changed in nothing the risk model reads (its name) stays.
func TestGroupingSplitsWhatDiffers(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := synth.Generate(synth.Options{Assets: 3000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Today: "2026-11-23"}
	cands := func(m *ward.Model) []Change {
		res, err := Assess(m, cat, opt)
		if err != nil {
			t.Fatal(err)
		}
		return Candidates(m, res, opt)
	}
	before := cands(m)
	seen := map[string]bool{}
	for _, c := range before {
		if seen[c.ID] {
			t.Errorf("two candidates %s", c.ID)
		}
		seen[c.ID] = true
	}
	// A group on several sites' assets whose links are encrypted for
	// clear-text flows alone.
	var g *Change
	for i := range before {
		c := &before[i]
		if c.Action == "encrypt-links" && c.Answers == "cleartext-sensitive" && c.Places > 1 && len(c.Assets) > 2 {
			g = c
			break
		}
	}
	if g == nil {
		t.Fatal("no change encrypting the links of assets on several places alike")
	}
	if g.Alike == "" {
		t.Fatalf("%s: %d places and nothing says what they have in common", g.ID, g.Places)
	}
	stirredID, keptID := g.Assets[len(g.Assets)/2], g.Assets[1]
	mm := cloneModel(m)
	var zone string
	for _, a := range byID(mm, []string{stirredID}) {
		zone = a.Zone
	}
	mm.Links = append(mm.Links, ward.Link{From: stirredID, To: zone, Protocol: "wifi"})
	for _, a := range byID(mm, []string{keptID}) {
		a.Name = "renamed " + a.Name
	}
	after := cands(mm)
	rest := candidateOf(after, "encrypt-links", keptID)
	if rest == nil || len(rest.Assets) != len(g.Assets)-1 || slices.Contains(rest.Assets, stirredID) {
		t.Fatalf("the group %s of %d assets after one got a radio link in clear: %v", g.ID, len(g.Assets), rest)
	}
	alone := candidateOf(after, "encrypt-links", stirredID)
	if alone == nil || !strings.Contains(alone.Answers, "wireless-clear") || slices.Contains(alone.Assets, keptID) {
		t.Fatalf("the asset %s with a radio link in clear: %v", stirredID, alone)
	}

	// Zones segmented alike; one given another trust leaves.
	var zg *Change
	for i := range before {
		if before[i].Action == "segment-zone" && len(before[i].Zones) > 1 {
			zg = &before[i]
			break
		}
	}
	if zg == nil {
		t.Fatal("no segmentation of several zones alike")
	}
	odd := zg.Zones[len(zg.Zones)-1]
	mz := cloneModel(m)
	for i := range mz.Zones {
		if z := &mz.Zones[i]; z.ID == odd {
			z.Trust = map[ward.TrustLevel]ward.TrustLevel{"low": "medium"}[z.Trust]
			if z.Trust == "" {
				z.Trust = "low"
			}
		}
	}
	found := false
	for _, c := range cands(mz) {
		if c.Action != "segment-zone" {
			continue
		}
		zones := append([]string{c.Zone}, c.Zones...)
		if slices.Contains(zones, odd) && len(c.Zones) > 1 {
			t.Errorf("zone %s of another trust still segmented with %v", odd, c.Zones)
		}
		if c.Zone == odd && len(c.Zones) == 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("zone %s of another trust has no segmentation of its own", odd)
	}
}

// Without rules to close, the plan takes its candidates' inputs from its
// own first measure (candidateInputs) rather than from an assessment: the
// same findings on the same assets in the same order, the same threats,
// the same single points of failure and the same candidates.
func TestCandidateInputsAreTheAssessments(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var hs []hospital
	for _, v := range []synth.Variety{synth.VarietyLow, synth.VarietyRealistic} {
		m, err := synth.Generate(synth.Options{Assets: 2500, Seed: 2, Variety: v})
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, hospital{fmt.Sprintf("generated-2500-%s", v), m, nil, false})
	}
	sm, sv := stirred(t, 1600, 3)
	sm.Rules = slices.DeleteFunc(slices.Clone(sm.Rules), func(r ward.Rule) bool { return !r.Denies() })
	hs = append(hs, hospital{"stirred-1600-3-deny-rules-only", sm, sv, true})
	names, models, vulns := incidentHospitals(t)
	for i := range names {
		m := cloneModel(models[i])
		m.Rules = nil
		hs = append(hs, hospital{names[i] + "-without-rules", m, vulns[i], false})
	}
	for _, h := range hs {
		t.Run(h.name, func(t *testing.T) {
			opt := Options{Today: "2026-11-23", Vulnerabilities: h.vulns}
			ropt := opt
			ropt.forCandidates = true
			want, err := Assess(h.m, cat, ropt)
			if err != nil {
				t.Fatal(err)
			}
			res, st, err := newScorer(h.m, cat, opt, false).candidateInputs(h.m)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != len(want.Findings) {
				t.Fatalf("%d findings, the assessment %d", len(res.Findings), len(want.Findings))
			}
			for i := range want.Findings {
				g, w := &res.Findings[i], &want.Findings[i]
				if g.Weakness != w.Weakness || g.Severity != w.Severity || g.Title != w.Title || !slices.Equal(g.Assets, w.Assets) {
					t.Errorf("finding %d: %s on %d assets, the assessment %s on %d", i, g.Weakness, len(g.Assets), w.Weakness, len(w.Assets))
				}
			}
			threats := func(rs []Risk) []string {
				var out []string
				for _, r := range rs {
					out = append(out, r.Threat)
				}
				slices.Sort(out)
				return slices.Compact(out)
			}
			if g, w := threats(res.Risks), threats(want.Risks); !slices.Equal(g, w) {
				t.Errorf("threats %v, the assessment's %v", g, w)
			}
			if !reflect.DeepEqual(res.Resilience, want.Resilience) || !reflect.DeepEqual(res.cut, want.cut) {
				t.Error("single points of failure or minimum cut differ")
			}
			a, _ := candidatesOf(h.m, res, opt, false)
			b, _ := candidatesOf(h.m, want, opt, false)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Error("the candidates differ")
			}
			if len(a) == 0 || st.total() == 0 {
				t.Errorf("%d candidates, %d to remove: nothing compared", len(a), st.total())
			}
		})
	}
}
