package main_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// "Reachable from the Internet" is one set of assets in the summary, in
// ward assets --exposed and in the assessment's finding; a service out on
// the Internet, which the hospital cannot change, gets advice it can act
// on instead of "take it off the Internet".
func TestReachableFromTheInternetIsOneDefinition(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "assets", "--exposed", "--format", "json")
	expect(t, r, 0)
	var listed struct {
		Assets []struct {
			ID        string
			Reachable string `json:"reachable_from_internet"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range listed.Assets {
		if a.Reachable == "" {
			t.Errorf("%s is listed without saying why it is reachable", a.ID)
		}
		ids = append(ids, a.ID)
	}
	if !slices.Contains(ids, "guest-ap") || slices.Contains(ids, "national-erx") {
		t.Errorf("reachable: %v (the open guest network's access points in, the national service out)", ids)
	}
	expect(t, ward(t, data, "summary"), 0, strconv.Itoa(len(ids))+" assets reachable from the Internet")

	r = ward(t, data, "assess", "--format", "json")
	expect(t, r, 0)
	var res struct {
		Findings []struct {
			Weakness, Title, Remedy string
			Assets                  []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{}
	remedy := map[string]string{}
	for _, f := range res.Findings {
		found[f.Weakness], remedy[f.Weakness] = f.Assets, f.Remedy
	}
	exposed := slices.Clone(found["internet-exposed"])
	slices.Sort(exposed)
	slices.Sort(ids)
	if !slices.Equal(exposed, ids) {
		t.Errorf("the finding names %v, ward assets --exposed %v", exposed, ids)
	}
	if !slices.Contains(found["external-service"], "national-erx") {
		t.Fatalf("no external-service finding on the national ePrescription service: %v", found["external-service"])
	}
	if r := remedy["external-service"]; strings.Contains(r, "off the Internet") || !strings.Contains(r, "mutual TLS") {
		t.Errorf("advice for a service the hospital cannot change: %q", r)
	}
	// The plan proposes nothing the hospital cannot do to it.
	r = ward(t, data, "plan", "--budget", "20")
	expect(t, r, 0)
	if strings.Contains(r.stdout, "national-erx off the Internet") {
		t.Errorf("the plan takes the national service off the Internet:\n%s", r.stdout)
	}
}

// The PACS, hit by a CVE in the KEV catalog, has a critical finding; its
// worst open risk is critical too, and says why. Without EPSS data the
// finding says EPSS "-", as everywhere else.
func TestCriticalFindingMakesACriticalRisk(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "assess", "--format", "json", "--advisories", filepath.Join(feedData, "csaf-icsma"),
		"--kev", filepath.Join(feedData, "kev", "known_exploited_vulnerabilities.json"))
	expect(t, r, 0)
	var res struct {
		Findings []struct {
			Weakness, Severity string
			Assets, Evidence   []string
		}
		Risks []struct {
			Severity, Status string
			Assets           []string
			Factors          []struct{ Term, Reason string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	evidence := ""
	for _, f := range res.Findings {
		if i := slices.Index(f.Assets, "pacs-01"); i >= 0 && f.Weakness == "exploited-vulnerabilities" && f.Severity == "critical" {
			evidence = f.Evidence[i]
		}
	}
	if !strings.HasSuffix(evidence, "highest EPSS -") {
		t.Fatalf("pacs-01's KEV finding: %q", evidence)
	}
	raised := false
	for _, rk := range res.Risks {
		if slices.Contains(rk.Assets, "pacs-01") && rk.Severity == "critical" && rk.Status == "open" {
			for _, f := range rk.Factors {
				raised = raised || f.Term == "likelihood" && strings.Contains(f.Reason, "Vulnerabilities exploited in the wild")
			}
		}
	}
	if !raised {
		t.Error("pacs-01 has a critical finding and no open critical risk that says so")
	}
}
