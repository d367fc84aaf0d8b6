package quantify

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/synth"
)

// The plan in money with each changed model measured on the assets its
// change touches (assess.Registers) is the plan with each assessed whole,
// to the byte of its JSON: the steps chosen, their figures, the curves.
// On the demo, the hospitals of real incidents with the vulnerabilities
// their feeds name, and generated hospitals of several sizes and
// varieties, some with known vulnerabilities (patch candidates) and
// standing decisions.
func TestPlanRegistersEqualWhole(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	type hospital struct {
		name  string
		m     *ward.Model
		vulns map[string]intel.Exposure
	}
	var hs []hospital
	demo, err := modelfile.Load("../demo/st-example-general.yaml", modelfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	hs = append(hs, hospital{"demo", demo, nil})
	files, _ := filepath.Glob("../assess/testdata/incidents/*/hospital.yaml")
	if len(files) < 2 {
		t.Fatalf("want the incident hospitals under assess/testdata/incidents, found %v", files)
	}
	for _, file := range files {
		m, err := modelfile.Load(file, modelfile.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		feeds := filepath.Join(filepath.Dir(file), "feeds")
		advisories, _ := filepath.Glob(filepath.Join(feeds, "icsma-*.json"))
		advs, err := intel.LoadAdvisories(advisories...)
		if err != nil {
			t.Fatal(err)
		}
		// A hospital without the catalog of exploited ones matches
		// without it.
		kev, err := intel.LoadKEV(filepath.Join(feeds, "known_exploited_vulnerabilities.json"))
		if err != nil {
			kev = nil
		}
		vulns := intel.Exposures(intel.NewMatcher(advs, kev).Match(m.Assets))
		hs = append(hs, hospital{filepath.Base(filepath.Dir(file)), m, vulns})
	}
	sizes := []struct {
		assets  int
		variety synth.Variety
		seed    uint64
	}{{120, synth.VarietyLow, 1}, {300, synth.VarietyRealistic, 2}, {600, synth.VarietyRealistic, 3}, {800, synth.VarietyLow, 4}}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, sz := range sizes {
		m, err := synth.Generate(synth.Options{Assets: sz.assets, Seed: sz.seed, Variety: sz.variety})
		if err != nil {
			t.Fatal(err)
		}
		// Known vulnerabilities on some assets, and a decision standing
		// on one and lapsed on another, so that patches are candidates
		// and lines carry statuses.
		vulns := map[string]intel.Exposure{}
		for i := 0; i < len(m.Assets); i += 7 {
			vulns[m.Assets[i].ID] = intel.Exposure{Count: 1 + i%3, Exploited: i % 2, MaxCVSS: 9.8, MaxEPSS: 0.5}
		}
		m.Decisions = append(m.Decisions,
			ward.Decision{Threat: "ransomware", Asset: m.Assets[3].ID, Status: "accepted", Justification: "replaced next year", Date: "2026-01-10", By: "ciso"},
			ward.Decision{Threat: "ransomware", Asset: m.Assets[5].ID, Status: "accepted", Justification: "until the upgrade", Date: "2025-01-10", Until: "2026-01-10", By: "ciso"})
		hs = append(hs, hospital{fmt.Sprintf("%d-%s", sz.assets, sz.variety), m, vulns})
	}
	for _, h := range hs {
		t.Run(h.name, func(t *testing.T) {
			aopt := assess.Options{Today: today, Vulnerabilities: h.vulns}
			opt := Options{Trials: 2000}
			plan := func(whole bool) []byte {
				p, err := makePlan(context.Background(), h.m, cat, aopt, opt, 8, nil, whole)
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.MarshalIndent(p, "", " ")
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			quick, whole := plan(false), plan(true)
			if string(quick) != string(whole) {
				t.Errorf("the plan measured on what each change touches differs from the plan assessed whole:\n%s\nwant\n%s", quick, whole)
			}
			var p Plan
			if err := json.Unmarshal(whole, &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Steps) == 0 {
				t.Errorf("no step chosen: the comparison says little")
			}
			t.Logf("%d candidates, %d steps, loss %.0f -> %.0f", p.Candidates, len(p.Steps), p.Before, p.After)
		})
	}
}
