package assess_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
)

// TestExploitationRaisesLikelihood: what is known of a vulnerability's
// exploitation, not only that it exists, drives the likelihood: a plain
// CVE raises ransomware by 1, one exploited in the wild (KEV) or likely to
// be (EPSS) by 3, and use in ransomware campaigns is a critical finding of
// its own.
func TestExploitationRaisesLikelihood(t *testing.T) {
	m, _ := demo.Model()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	base, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	// An asset with no weakness that raises its ransomware likelihood.
	var asset string
	var l0 int
	for _, r := range base.Risks {
		raised := false
		for _, f := range r.Factors[1:] {
			raised = raised || f.Term == "likelihood" && f.Effect > 0
		}
		if r.Threat == "ransomware" && !raised && r.Likelihood <= 2 {
			asset, l0 = r.Assets[0], r.Likelihood
			break
		}
	}
	if asset == "" {
		t.Fatal("no asset with the base ransomware likelihood in the demo")
	}
	likelihood := func(match intel.Match) (assess.Risk, *assess.Result) {
		t.Helper()
		match.Asset, match.Advisory = asset, "TEST"
		res, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23", Matches: []intel.Match{match}})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := find(t, res, "ransomware", asset)
		return r, res
	}
	reasons := func(r assess.Risk) string {
		var out []string
		for _, f := range r.Factors {
			out = append(out, f.Reason)
		}
		return strings.Join(out, "; ")
	}
	hasFinding := func(res *assess.Result, weakness string) bool {
		for _, f := range res.Findings {
			if f.Weakness == weakness && slices.Contains(f.Assets, asset) {
				return true
			}
		}
		return false
	}

	plain, res := likelihood(intel.Match{CVE: "CVE-2020-0001", CVSS: 5.3})
	if plain.Likelihood != l0+1 || hasFinding(res, "exploited-vulnerabilities") {
		t.Errorf("plain CVE: likelihood %d, want %d; %s", plain.Likelihood, l0+1, reasons(plain))
	}
	kev, res := likelihood(intel.Match{CVE: "CVE-2020-0002", CVSS: 5.3, Exploited: true})
	if kev.Likelihood != l0+3 || !hasFinding(res, "exploited-vulnerabilities") || hasFinding(res, "ransomware-vulnerabilities") {
		t.Errorf("KEV CVE: likelihood %d, want %d; %s", kev.Likelihood, l0+3, reasons(kev))
	}
	epss, _ := likelihood(intel.Match{CVE: "CVE-2020-0003", CVSS: 5.3, EPSS: 0.42})
	if epss.Likelihood != l0+3 || !strings.Contains(reasons(epss), "EPSS 0.42") {
		t.Errorf("EPSS 0.42: likelihood %d, want 5; %s", epss.Likelihood, reasons(epss))
	}
	ransom, res := likelihood(intel.Match{CVE: "CVE-2020-0004", CVSS: 9.8, Exploited: true, Ransomware: true})
	if ransom.Likelihood != l0+3 || !hasFinding(res, "ransomware-vulnerabilities") || !strings.Contains(reasons(ransom), "ransomware campaigns") {
		t.Errorf("ransomware CVE: likelihood %d; %s", ransom.Likelihood, reasons(ransom))
	}
}
