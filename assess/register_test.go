package assess

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/synth"
)

// Registers assess a model as Assess with RegisterOnly does, for what a
// simulation of loss reads: the same lines in the same order, with the same
// threat, assets, kind, zone, status, likelihood, impact and score, and the
// same likeliest path to every critical target (likeliestPaths is
// AttackPaths with one path). Checked on the demo, the incident hospitals
// and stirred generated ones, each model and then every candidate's changed
// model, the answers kept from the models before.
func TestRegistersEqualAssess(t *testing.T) {
	type hospital struct {
		name  string
		m     *ward.Model
		vulns map[string]intel.Exposure
		seen  []Observation
	}
	dm, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	// The demo as it is, and with attacks seen on some of its assets
	// (evaluated for each model, never kept).
	var seen []Observation
	for i := 0; i < len(dm.Assets); i += 9 {
		seen = append(seen, Observation{Asset: dm.Assets[i].ID, Techniques: []string{"T1486", "T1110"}, Text: "observed: test"})
	}
	hs := []hospital{{"demo", dm, nil, nil}, {"demo-observed", dm, nil, seen}}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	names, models, vulns := incidentHospitals(t)
	for i := range names {
		hs = append(hs, hospital{names[i], models[i], vulns[i], nil})
	}
	for _, seed := range []uint64{1, 2} {
		sm, sv := stirred(t, 250, seed)
		hs = append(hs, hospital{fmt.Sprintf("stirred-250-%d", seed), sm, sv, nil})
	}
	rm, err := synth.Generate(synth.Options{Assets: 300, Seed: 3, Variety: synth.VarietyRealistic})
	if err != nil {
		t.Fatal(err)
	}
	hs = append(hs, hospital{"realistic-300", rm, nil, nil})
	for _, h := range hs {
		t.Run(h.name, func(t *testing.T) {
			rs, opt := NewRegisters(cat), Options{Today: "2026-11-23", Vulnerabilities: h.vulns, Observed: h.seen}
			check := func(what string, m *ward.Model, opt Options) {
				o := opt
				o.RegisterOnly = true
				want, err := Assess(m, cat, o)
				if err != nil {
					t.Fatal(err)
				}
				got, err := rs.Assess(m, opt)
				if err != nil {
					t.Fatal(err)
				}
				if w, g := simulatedLines(want), simulatedLines(got); !reflect.DeepEqual(w, g) {
					t.Errorf("%s: the register's lines differ from Assess's: %d lines, want %d", what, len(g), len(w))
				}
				if !reflect.DeepEqual(got.Paths, want.Paths) {
					t.Errorf("%s: the likeliest paths differ from Assess's", what)
				}
			}
			// The candidates come from the whole assessment.
			res, err := Assess(h.m, cat, opt)
			if err != nil {
				t.Fatal(err)
			}
			check("the model", h.m, opt)
			for _, c := range Candidates(h.m, res, opt) {
				check(c.ID, c.Applied(h.m), opt.Patched(c.Patched...))
			}
		})
	}
}

// simulatedLine is what a simulation of loss reads of a register line.
type simulatedLine struct {
	Threat, Kind, Zone, Status        string
	Assets                            []string
	Likelihood, Impact, Score, Attack int
	HarmLimited                       bool
}

func simulatedLines(res *Result) []simulatedLine {
	var out []simulatedLine
	for _, r := range res.Risks {
		l := simulatedLine{r.Threat, r.Kind, r.Zone, r.Status, r.Assets, r.Likelihood, r.Impact, r.Score, len(r.Attack), false}
		for _, f := range r.Factors {
			l.HarmLimited = l.HarmLimited || (f.Term == "impact" && f.Effect < 0)
		}
		out = append(out, l)
	}
	return out
}

// One Registers assessing many changed models side by side, as the plan's
// first round does, numbers their risks alike while its table is made
// again under them: every model's lines are Assess's.
func TestRegistersSideBySide(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := synth.Generate(synth.Options{Assets: 300, Seed: 5, Variety: synth.VarietyRealistic})
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Today: "2026-11-23"}
	res, err := Assess(m, cat, opt)
	if err != nil {
		t.Fatal(err)
	}
	cands := Candidates(m, res, opt)
	want := make([][]simulatedLine, len(cands))
	for i, c := range cands {
		o := opt.Patched(c.Patched...)
		o.RegisterOnly = true
		w, err := Assess(c.Applied(m), cat, o)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = simulatedLines(w)
	}
	rs := NewRegisters(cat)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			// Each goes through every candidate, from its own start.
			for j := range cands {
				i := (j + w*len(cands)/4) % len(cands)
				got, err := rs.Assess(cands[i].Applied(m), opt.Patched(cands[i].Patched...))
				if err != nil {
					t.Error(err)
					return
				}
				if !reflect.DeepEqual(simulatedLines(got), want[i]) {
					t.Errorf("%s: the register's lines differ from Assess's", cands[i].ID)
				}
			}
		})
	}
	wg.Wait()
	if rs.live == 0 {
		t.Error("the risk table was never made again")
	}
}
