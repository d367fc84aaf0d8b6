package assess_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/synth"
)

// Scores discriminate (docs/risk-method.md, "Scores that discriminate"):
// few register lines are critical, a quarter at most critical or high, on
// the demo and on generated hospitals of several sizes.
func TestSeverityShares(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	models := map[string]func() (*ward.Model, error){
		"demo":     demo.Model,
		"gen 1000": func() (*ward.Model, error) { return synth.Generate(synth.Options{Assets: 1000, Seed: 1}) },
		"gen 3000": func() (*ward.Model, error) { return synth.Generate(synth.Options{Assets: 3000, Seed: 7}) },
	}
	for name, make := range models {
		m, err := make()
		if err != nil {
			t.Fatal(err)
		}
		res, err := assess.Assess(m, cat, assess.Options{Today: "2026-12-01"})
		if err != nil {
			t.Fatal(err)
		}
		crit, high := 0, 0
		for _, r := range res.Risks {
			switch r.Severity {
			case "critical":
				crit++
			case "high":
				high++
			}
		}
		n := len(res.Risks)
		t.Logf("%s: %d register lines, %d critical (%.1f%%), %d high (%.1f%%)", name, n, crit, pctOf(crit, n), high, pctOf(high, n))
		if pctOf(crit, n) > 5 || pctOf(crit+high, n) > 25 {
			t.Errorf("%s: %.1f%% critical and %.1f%% critical or high lines; want at most 5%% and 25%%", name, pctOf(crit, n), pctOf(crit+high, n))
		}
	}
}

func pctOf(part, whole int) float64 { return 100 * float64(part) / float64(whole) }

// Twins: two assets alike but for one fact score apart, in the direction
// the fact says.
func TestTwinsScoreApart(t *testing.T) {
	cat, _ := catalog.Load()
	score := func(m *ward.Model, opt assess.Options, threat, asset string) int {
		t.Helper()
		opt.Today = "2026-12-01"
		res, err := assess.Assess(m, cat, opt)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := find(t, res, threat, asset)
		return r.Score
	}
	m, _ := demo.Model()
	// A pump with a vulnerability exploited in the wild, and its patched twin.
	kev := assess.Options{Matches: []intel.Match{{Asset: "pump-01", Advisory: "TEST", CVE: "CVE-2020-25150", CVSS: 8.8, Exploited: true}}}
	if a, b := score(m, kev, "device-tampering", "pump-01"), score(m, kev, "device-tampering", "pump-02"); a <= b {
		t.Errorf("pump with an exploited vulnerability scores %d, its patched twin %d", a, b)
	}
	// Two workstations alike but for EDR.
	m, _ = demo.Model()
	for i := range m.Assets {
		if m.Assets[i].ID == "ws-ed-02" {
			m.Assets[i].Controls = []string{"patch-management"}
			m.Assets[i].Product, m.Assets[i].Version = "Windows 11", "23H2"
		}
	}
	if a, b := score(m, assess.Options{}, "ransomware", "ws-ed-02"), score(m, assess.Options{}, "ransomware", "ws-ed-01"); a <= b {
		t.Errorf("workstation without EDR scores %d for ransomware, its twin with EDR %d", a, b)
	}
	// A server the Internet reaches, and its twin inside.
	tw := &ward.Model{Ward: 1, Organisation: ward.Organisation{ID: "t", Name: "T"},
		Zones: []ward.Zone{{ID: "net", Kind: "internet", Trust: "untrusted"}, {ID: "dmz", Kind: "dmz", Trust: "low"}, {ID: "dc", Kind: "datacentre", Trust: "high", Controls: []string{"segmentation"}}},
		Assets: []ward.Asset{
			{ID: "web", Kind: "server", Zone: "dmz", Data: []ward.DataClass{"phi"}},
			{ID: "app", Kind: "server", Zone: "dc", Data: []ward.DataClass{"phi"}},
		},
		Rules: []ward.Rule{{ID: "r-1", From: "net", To: "web", Protocol: "https", Port: 443}},
	}
	if err := tw.Validate(); err != nil {
		t.Fatal(err)
	}
	if a, b := score(tw, assess.Options{}, "data-theft", "web"), score(tw, assess.Options{}, "data-theft", "app"); a <= b {
		t.Errorf("server the Internet reaches through rule r-1 scores %d for data theft, its twin inside %d", a, b)
	}
}

// Explanations name what causes them: the links behind a weakness, the
// path and the rule behind the attack-path term.
func TestExplanationsNameThings(t *testing.T) {
	res := demoResult(t)
	named := false
	for _, f := range res.Findings {
		if f.Weakness != "cleartext-sensitive" {
			continue
		}
		for k, a := range f.Assets {
			if a == "lis-01" {
				named = strings.Contains(f.Evidence[k], "lis-01 -> hl7-engine (hl7v2")
				if !named {
					t.Errorf("clear-text finding on lis-01 does not name the HL7 feed: %q", f.Evidence[k])
				}
			}
		}
	}
	if !named {
		t.Error("no clear-text finding on lis-01")
	}
	r, _ := find(t, res, "data-theft", "lis-01")
	if !slices.ContainsFunc(r.Factors, func(f assess.Factor) bool { return strings.Contains(f.Reason, "lis-01 -> hl7-engine") }) {
		t.Errorf("data theft on lis-01 does not name the clear-text link: %+v", r.Factors)
	}

	cat, _ := catalog.Load()
	m := &ward.Model{Ward: 1, Organisation: ward.Organisation{ID: "t", Name: "T"},
		Zones:  []ward.Zone{{ID: "net", Kind: "internet", Trust: "untrusted"}, {ID: "dmz", Kind: "dmz", Trust: "low"}},
		Assets: []ward.Asset{{ID: "web", Kind: "server", Zone: "dmz", Data: []ward.DataClass{"phi"}}},
		Rules:  []ward.Rule{{ID: "r-1", From: "net", To: "web", Protocol: "https", Port: 443}},
	}
	res, err := assess.Assess(m, cat, assess.Options{Today: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = find(t, res, "data-theft", "web")
	if r.Path == nil || !slices.ContainsFunc(r.Factors, func(f assess.Factor) bool { return strings.Contains(f.Reason, "internet -> net -> web (rule r-1)") }) {
		t.Errorf("data theft on web does not name its path through rule r-1: %+v", r.Factors)
	}
}
