package catalog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/catalog"
)

func TestBuiltinLoads(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatalf("built-in catalog: %v", err)
	}
	groups := map[string]int{}
	for _, th := range c.Threats {
		groups[th.Group]++
	}
	for _, g := range catalog.Groups {
		if groups[g] == 0 {
			t.Errorf("no threat of group %s", g)
		}
	}
	for _, id := range []string{"ransomware", "malware", "denial-of-service", "credential-attack", "device-tampering", "phishing",
		"data-theft", "device-theft", "interception", "misconfiguration", "unauthorised-access", "byod", "overload",
		"software-failure", "end-of-support", "network-failure", "cloud-failure", "vendor-remote-access", "supplier-outage",
		"fire", "flood", "earthquake"} {
		if _, ok := c.Threat(id); !ok {
			t.Errorf("no threat %s", id)
		}
	}
	baselines := map[string]int{}
	for _, b := range c.Baselines {
		baselines[b.ID] = len(b.Measures)
	}
	if baselines["nis2"] != 10 {
		t.Errorf("NIS2 has %d measures, want (a) to (j)", baselines["nis2"])
	}
	for _, id := range []string{"enisa-smart-hospital", "hhs-cpg", "medical-device-requirements"} {
		if baselines[id] == 0 {
			t.Errorf("no baseline %s", id)
		}
	}
}

func TestUserCatalogErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "local.yaml"), []byte(`threats:
  - id: ransomware
    name: Again
    group: malicious
    likelihood: 9
    impacts: [safety]
    applies: asset.kindd == "ehr"
  - id: lift-failure
    name: Lift failure
    group: system-faillure
    likelihood: 2
    impacts: [availabilty]
    weaknesses: [end-of-suport]
    applies: asset.kind
controls:
  - {id: lift-maintenance, mitigates: [lift-falure], reduces: impact}
`), 0o644)
	_, err := catalog.Load(dir)
	if err == nil {
		t.Fatal("a broken catalog loaded")
	}
	got := err.Error()
	for _, want := range []string{
		`local.yaml:2:9: threats[0].id: duplicate threat id "ransomware" (already defined in builtin:threats.yaml)`,
		`local.yaml:5:17: threats[0].likelihood: likelihood 9 out of range`,
		`local.yaml:7:14: threats[0].applies: expression does not compile: ERROR: <input>:1:6: undefined field 'kindd'`,
		`local.yaml:10:12: threats[1].group: invalid value "system-faillure" (did you mean "system-failure"?)`,
		`local.yaml:12:15: threats[1].impacts[0]: invalid value "availabilty" (did you mean "availability"?)`,
		`local.yaml:14:14: threats[1].applies: expression gives string, not bool`,
		`local.yaml:16:5: controls[0].name: missing name`,
		`threats[1].weaknesses[0]: unknown weakness "end-of-suport" (did you mean "end-of-support"?)`,
		`controls[0].mitigates[0]: unknown threat "lift-falure" (did you mean "lift-failure"?)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestMissingDirectory(t *testing.T) {
	if _, err := catalog.Load(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("a missing catalog directory was accepted")
	}
}
