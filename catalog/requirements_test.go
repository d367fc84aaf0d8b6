package catalog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/catalog"
)

// The device requirements cover the themes procurement asks about, each
// naming MDS2 questions, a fact or a check, and a clause.
func TestDeviceRequirements(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	themes := map[string]int{}
	for _, r := range c.DeviceRequirements {
		themes[r.Theme]++
		if r.Clause == "" || (r.Level != "must" && r.Level != "should") {
			t.Errorf("%s: %+v", r.ID, r)
		}
	}
	for _, th := range []string{"authentication", "authorisation", "audit", "malware", "patching", "support", "encryption-at-rest",
		"encryption-in-transit", "remote-service", "sbom", "network", "configuration"} {
		if themes[th] == 0 {
			t.Errorf("no requirement of theme %s", th)
		}
	}
}

// A --catalog file replaces a requirement by its id, removes one with
// level off, adds new ones; a broken one is placed.
func TestDeviceRequirementsOverride(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ours.yaml"), []byte(`device_requirements:
  - id: support-period
    theme: support
    title: Ten years of updates
    level: must
    check: support
    min_years: 10
    clause: The supplier shall supply security updates for ten years.
  - id: emergency-access
    level: "off"
  - id: no-bluetooth
    theme: network
    title: No Bluetooth
    level: should
    mds2: [CONN-1.1.2]
    expect: "no"
    clause: The device should have no Bluetooth radio, or one that can be switched off.
`), 0o644)
	c, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]catalog.DeviceRequirement{}
	for _, r := range c.DeviceRequirements {
		ids[r.ID] = r
	}
	if ids["support-period"].MinYears != 10 || ids["no-bluetooth"].Expect != "no" {
		t.Errorf("override: %+v %+v", ids["support-period"], ids["no-bluetooth"])
	}
	if _, ok := ids["emergency-access"]; ok {
		t.Error("level off did not remove emergency-access")
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "bad.yaml"), []byte("device_requirements:\n  - id: x\n    theme: support\n    title: X\n    level: must\n    mds2: [paut8]\n    control: nothing\n    clause: C.\n"), 0o644)
	_, err = catalog.Load(bad)
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:6:`) || !strings.Contains(err.Error(), `"paut8" is not an MDS2 question id`) || !strings.Contains(err.Error(), `unknown control "nothing"`) {
		t.Errorf("bad requirement: %v", err)
	}
}

// The example of docs/procurement.md loads.
func TestProcurementDocsExampleLoads(t *testing.T) {
	docExampleLoads(t, "../docs/procurement.md", "```yaml\ndevice_requirements:")
}
