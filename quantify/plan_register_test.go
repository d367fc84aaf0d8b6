package quantify

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
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

// A change that leaves a model's structure as it was stops the same
// services for every failure the plan asks about: the memo of the plan in
// money may serve the stops of one model for the other. Checked for every
// candidate change of the demo and of generated hospitals, low and
// realistic, on the failure of each asset alone, of each zone's assets and
// of the register's lines; and a change of the structure is seen.
func TestStructureIsWhatStopsReads(t *testing.T) {
	dm, cat, _ := load(t, "")
	models := map[string]*ward.Model{"demo": dm}
	for _, v := range []synth.Variety{synth.VarietyLow, synth.VarietyRealistic} {
		m, err := synth.Generate(synth.Options{Assets: 200, Seed: 5, Variety: v})
		if err != nil {
			t.Fatal(err)
		}
		models[fmt.Sprint("200-", v)] = m
	}
	for name, m := range models {
		t.Run(name, func(t *testing.T) {
			res, err := assess.Assess(m, cat, assess.Options{Today: today})
			if err != nil {
				t.Fatal(err)
			}
			var sets [][]string
			zones := map[string][]string{}
			for _, a := range m.Assets {
				sets = append(sets, []string{a.ID})
				zones[a.Zone] = append(zones[a.Zone], a.ID)
			}
			for _, ids := range zones {
				sets = append(sets, ids)
			}
			for _, r := range res.Risks {
				sets = append(sets, r.Assets)
			}
			base, fp := assess.Stops(m, sets), structure(m)
			same, other := 0, 0
			for _, c := range assess.Candidates(m, res, assess.Options{Today: today}) {
				mm := c.Applied(m)
				if structure(mm) != fp {
					other++
					continue
				}
				same++
				if got := assess.Stops(mm, sets); !reflect.DeepEqual(got, base) {
					t.Errorf("%s leaves the structure as it was but stops other services", c.ID)
				}
			}
			if same == 0 {
				t.Errorf("no candidate leaves the structure as it was: nothing checked")
			}
			// Each part of the structure moves the digest.
			for what, change := range map[string]func(*ward.Model){
				"a dependency":  func(m *ward.Model) { m.Assets[0].DependsOn = append(m.Assets[0].DependsOn, m.Assets[1].ID) },
				"a standby":     func(m *ward.Model) { m.Assets[0].Controls = append(m.Assets[0].Controls, "redundancy") },
				"a kind":        func(m *ward.Model) { m.Assets[0].Kind = "switch" },
				"a link's end":  func(m *ward.Model) { m.Links[0].To = m.Assets[2].ID },
				"a protocol":    func(m *ward.Model) { m.Links[0].Protocol = "ethernet-x" },
				"a service":     func(m *ward.Model) { m.Services[0].DependsOn = nil },
				"a group":       func(m *ward.Model) { m.Redundancy = append(m.Redundancy, ward.RedundancyGroup{ID: "g", Need: 1}) },
				"a zone's name": func(m *ward.Model) { m.Zones[0].ID += "-x" },
			} {
				mm := *m
				mm.Assets, mm.Links, mm.Services, mm.Zones = slices.Clone(m.Assets), slices.Clone(m.Links), slices.Clone(m.Services), slices.Clone(m.Zones)
				mm.Assets[0].DependsOn, mm.Assets[0].Controls = slices.Clone(m.Assets[0].DependsOn), slices.Clone(m.Assets[0].Controls)
				change(&mm)
				if structure(&mm) == fp {
					t.Errorf("%s changed, the structure stayed", what)
				}
			}
			t.Logf("%d candidates of the same structure, %d of another", same, other)
		})
	}
}
