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
// be (EPSS) by 2 (and makes the attack path through it likelier), and use
// in ransomware campaigns is a critical finding of its own.
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

	// The worst known vulnerability counts once, beside the other
	// weaknesses: +1 for a plain CVE, +2 for one exploited or likely to be.
	vulnEffect := func(r assess.Risk) int {
		for _, f := range r.Factors {
			if strings.Contains(f.Reason, "the worst of the known vulnerabilities counts") {
				return f.Effect
			}
		}
		return 0
	}
	plain, res := likelihood(intel.Match{CVE: "CVE-2020-0001", CVSS: 5.3})
	if vulnEffect(plain) != 1 || plain.Likelihood <= l0 || hasFinding(res, "exploited-vulnerabilities") {
		t.Errorf("plain CVE: likelihood %d (was %d), vulnerability +%d, want +1; %s", plain.Likelihood, l0, vulnEffect(plain), reasons(plain))
	}
	kev, res := likelihood(intel.Match{CVE: "CVE-2020-0002", CVSS: 5.3, Exploited: true})
	if vulnEffect(kev) != 2 || kev.Likelihood <= plain.Likelihood || !hasFinding(res, "exploited-vulnerabilities") || hasFinding(res, "ransomware-vulnerabilities") {
		t.Errorf("KEV CVE: likelihood %d (plain %d), vulnerability +%d, want +2; %s", kev.Likelihood, plain.Likelihood, vulnEffect(kev), reasons(kev))
	}
	epss, _ := likelihood(intel.Match{CVE: "CVE-2020-0003", CVSS: 5.3, EPSS: 0.42})
	if vulnEffect(epss) != 2 || !strings.Contains(reasons(epss), "EPSS 0.42") {
		t.Errorf("EPSS 0.42: likelihood %d, vulnerability +%d, want +2; %s", epss.Likelihood, vulnEffect(epss), reasons(epss))
	}
	ransom, res := likelihood(intel.Match{CVE: "CVE-2020-0004", CVSS: 9.8, Exploited: true, Ransomware: true})
	if vulnEffect(ransom) != 2 || !hasFinding(res, "ransomware-vulnerabilities") || !strings.Contains(reasons(ransom), "CISA KEV") {
		t.Errorf("ransomware CVE: likelihood %d; %s", ransom.Likelihood, reasons(ransom))
	}
}
