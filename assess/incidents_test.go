package assess_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"go.yaml.in/yaml/v3"
)

// The hospitals under testdata/incidents were written from public accounts
// of real incidents, and what a CISO expects of them (expected.yaml) was
// reasoned before Ward ran on them: evidence on models the demo did not
// shape. Each expectation is checked and reported on its own.
type riskRef struct {
	Threat string `yaml:"threat"`
	Asset  string `yaml:"asset"`
}

type expectations struct {
	Reasoning string `yaml:"reasoning"`
	TopRisks  []struct {
		riskRef `yaml:",inline"`
		Within  int    `yaml:"within"`
		Why     string `yaml:"why"`
	} `yaml:"top_risks"`
	NotTop []struct {
		riskRef `yaml:",inline"`
		Within  int    `yaml:"within"`
		Why     string `yaml:"why"`
	} `yaml:"not_top"`
	Above []struct {
		A   riskRef `yaml:"a"`
		B   riskRef `yaml:"b"`
		Why string  `yaml:"why"`
	} `yaml:"above"`
	Severity struct {
		MaxCritical     float64 `yaml:"max_critical_share"`
		MaxHighCritical float64 `yaml:"max_high_or_critical_share"`
	} `yaml:"severity"`
	PlanFirst []struct {
		Action string `yaml:"action"`
		Target string `yaml:"target"`
		Within int    `yaml:"within"`
		Why    string `yaml:"why"`
	} `yaml:"plan_first"`
	SinglePoints    []spof `yaml:"single_points"`
	NotSinglePoints []spof `yaml:"not_single_points"`
	WhatIf          []struct {
		Fail  []string `yaml:"fail"`
		Stops []string `yaml:"stops"`
		Keeps []string `yaml:"keeps"`
		Why   string   `yaml:"why"`
	} `yaml:"whatif"`
	Paths []struct {
		Target string   `yaml:"target"`
		Via    []string `yaml:"via"`
		Why    string   `yaml:"why"`
	} `yaml:"paths"`
}

type spof struct {
	Service string `yaml:"service"`
	Asset   string `yaml:"asset"`
	Why     string `yaml:"why"`
}

func TestIncidentHospitals(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/incidents/*/hospital.yaml")
	if len(dirs) < 2 {
		t.Fatalf("want the incident hospitals under testdata/incidents, found %v", dirs)
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range dirs {
		dir := filepath.Dir(file)
		t.Run(filepath.Base(dir), func(t *testing.T) { checkIncidentHospital(t, cat, dir) })
	}
}

func checkIncidentHospital(t *testing.T, cat *catalog.Catalog, dir string) {
	m, err := modelfile.Load(filepath.Join(dir, "hospital.yaml"), modelfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want expectations
	if err := yaml.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	advisories, _ := filepath.Glob(filepath.Join(dir, "feeds", "icsma-*.json"))
	advs, err := intel.LoadAdvisories(advisories...)
	if err != nil {
		t.Fatal(err)
	}
	var kev *intel.KEV
	if k := filepath.Join(dir, "feeds", "known_exploited_vulnerabilities.json"); fileExists(k) {
		if kev, err = intel.LoadKEV(k); err != nil {
			t.Fatal(err)
		}
	}
	opt := assess.Options{Today: "2026-12-01", Matches: intel.NewMatcher(advs, kev).Match(m.Assets)}
	res, err := assess.Assess(m, cat, opt)
	if err != nil {
		t.Fatal(err)
	}
	// rank gives the register line (from 1) of a threat on an asset.
	rank := func(r riskRef) (int, *assess.Risk) {
		for i := range res.Risks {
			if res.Risks[i].Threat == r.Threat && slices.Contains(res.Risks[i].Assets, r.Asset) {
				return i + 1, &res.Risks[i]
			}
		}
		return 0, nil
	}
	// gaps.yaml lists, apart from the expectations and after Ward ran,
	// those Ward does not meet yet and why: each is reported, not failed,
	// and one that comes to hold must leave the list.
	gaps := map[string]string{}
	if raw, err := os.ReadFile(filepath.Join(dir, "gaps.yaml")); err == nil {
		var list []struct{ Expectation, Why string }
		if err := yaml.Unmarshal(raw, &list); err != nil {
			t.Fatalf("gaps.yaml: %v", err)
		}
		for _, g := range list {
			gaps[g.Expectation] = g.Why
		}
	}
	held, total, open := 0, 0, 0
	check := func(key string, ok bool, format string, args ...any) {
		total++
		why, gap := gaps[key]
		delete(gaps, key)
		switch {
		case ok && gap:
			t.Errorf("%s now holds: take it out of gaps.yaml", key)
		case ok:
			held++
		case gap:
			open++
			t.Logf("known gap %s: %s\n    (%s)", key, fmt.Sprintf(format, args...), why)
		default:
			t.Errorf(format, args...)
		}
	}
	defer func() {
		for key := range gaps {
			t.Errorf("gaps.yaml names %s, which expected.yaml does not have", key)
		}
	}()
	for _, e := range want.TopRisks {
		n, _ := rank(e.riskRef)
		check("top_risks "+e.Threat+" "+e.Asset, n > 0 && n <= e.Within, "top risk %s on %s: line %d, want within %d (%s)", e.Threat, e.Asset, n, e.Within, e.Why)
	}
	for _, e := range want.NotTop {
		n, _ := rank(e.riskRef)
		check("not_top "+e.Threat+" "+e.Asset, n == 0 || n > e.Within, "%s on %s: line %d, want below %d (%s)", e.Threat, e.Asset, n, e.Within, e.Why)
	}
	for _, e := range want.Above {
		_, a := rank(e.A)
		_, b := rank(e.B)
		check("above "+e.A.Threat+" "+e.A.Asset+" "+e.B.Threat+" "+e.B.Asset, a != nil && (b == nil || a.Score > b.Score), "%s on %s should score above %s on %s: %s vs %s (%s)", e.A.Threat, e.A.Asset, e.B.Threat, e.B.Asset, score(a), score(b), e.Why)
	}
	if s := want.Severity; s.MaxCritical > 0 {
		crit, high := 0, 0
		for _, r := range res.Risks {
			switch r.Severity {
			case "critical":
				crit++
			case "high":
				high++
			}
		}
		n := float64(len(res.Risks))
		check("severity critical", float64(crit)/n <= s.MaxCritical, "critical lines %d of %.0f, want at most %.0f%%", crit, n, 100*s.MaxCritical)
		check("severity high_or_critical", float64(crit+high)/n <= s.MaxHighCritical, "critical and high lines %d of %.0f, want at most %.0f%%", crit+high, n, 100*s.MaxHighCritical)
	}
	if len(want.PlanFirst) > 0 {
		plan, err := assess.MakePlan(m, cat, opt, 10)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, s := range plan.Steps {
			steps = append(steps, fmt.Sprintf("%d %s -%d (risk -%d, exposure -%d) %s", s.Rank, s.Action, s.Removed, s.RiskRemoved, s.ExposureRemoved, s.Title))
		}
		for _, e := range want.PlanFirst {
			found := 0
			for _, s := range plan.Steps {
				if s.Rank <= e.Within && s.Action == e.Action && (slices.Contains(s.Assets, e.Target) || s.Zone == e.Target || slices.Contains(s.Rules, e.Target) || strings.Contains(s.Title, e.Target)) {
					found = s.Rank
					break
				}
			}
			check("plan_first "+e.Action+" "+e.Target, found > 0, "plan: no %s on %s within the first %d steps (%s); steps:\n  %s", e.Action, e.Target, e.Within, e.Why, strings.Join(steps, "\n  "))
		}
	}
	spofs := map[string][]string{}
	for _, r := range res.Resilience {
		for _, p := range r.SinglePoints {
			spofs[r.Service] = append(spofs[r.Service], p.Asset)
		}
	}
	for _, e := range want.SinglePoints {
		check("single_points "+e.Service+" "+e.Asset, slices.Contains(spofs[e.Service], e.Asset), "%s should be a single point of failure of %s (%s); got %v", e.Asset, e.Service, e.Why, spofs[e.Service])
	}
	for _, e := range want.NotSinglePoints {
		check("not_single_points "+e.Service+" "+e.Asset, !slices.Contains(spofs[e.Service], e.Asset), "%s should not be a single point of failure of %s (%s)", e.Asset, e.Service, e.Why)
	}
	for _, e := range want.WhatIf {
		w, err := assess.Fail(m, e.Fail, 0)
		if err != nil {
			t.Fatal(err)
		}
		stopped := map[string]bool{}
		for _, s := range w.Services {
			stopped[s.Service] = s.Stops
		}
		for _, s := range e.Stops {
			check(fmt.Sprintf("whatif %v stops %s", e.Fail, s), stopped[s], "failing %v should stop %s (%s)", e.Fail, s, e.Why)
		}
		for _, s := range e.Keeps {
			check(fmt.Sprintf("whatif %v keeps %s", e.Fail, s), !stopped[s], "failing %v should keep %s going (%s)", e.Fail, s, e.Why)
		}
	}
	for _, e := range want.Paths {
		var seen []string
		ok := false
		for _, tp := range res.Paths {
			if tp.Target != e.Target {
				continue
			}
			for _, p := range tp.Paths {
				var on []string
				for _, s := range p.Steps {
					on = append(on, s.From, s.To, s.Rule)
				}
				seen = append(seen, p.Words())
				ok = ok || !slices.ContainsFunc(e.Via, func(v string) bool { return !slices.Contains(on, v) })
			}
		}
		check("paths "+e.Target+" "+strings.Join(e.Via, " "), ok, "no attack path to %s through %v (%s); paths: %v", e.Target, e.Via, e.Why, seen)
	}
	t.Logf("%s: %d of %d expectations held, %d known gaps", dir, held, total, open)
}

func score(r *assess.Risk) string {
	if r == nil {
		return "none"
	}
	return fmt.Sprint(r.Score)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

var _ = ward.FormatVersion
