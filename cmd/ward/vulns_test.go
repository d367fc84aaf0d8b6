package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// 'ward vulns' groups matches by device, the one to patch first first,
// keeps family-only matches apart, and takes vendor names from --catalog.
func TestVulnsByDeviceWithLineage(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "hospital.yaml")
	os.WriteFile(model, []byte(`ward: 1
organisation: {id: h1, name: Hospital}
zones:
  - {id: clinical, name: Clinical, kind: clinical, trust: medium}
assets:
  - {id: pct-01, kind: workstation, zone: clinical, vendor: WA Medical, product: Product Configuration Tool, version: 1.9.4.1}
  - {id: pump-09, kind: infusion-pump, zone: clinical, vendor: CareFusion, product: Alaris PC Unit 8015, version: 9.19}
  - {id: pump-10, kind: infusion-pump, zone: clinical, vendor: BD, product: Alaris, version: 9.19}
`), 0o644)
	cat := filepath.Join(dir, "catalog")
	os.Mkdir(cat, 0o755)
	os.WriteFile(filepath.Join(cat, "vendors.yaml"), []byte(`vendors:
  - id: baxter
    names:
      - {name: WA Medical, relation: misspelling, year: 2024, source: "our asset register"}
`), 0o644)
	advs := filepath.Join("..", "..", "intel", "testdata", "corpus")
	r := ward(t, dir, "vulns", model, "--advisories", advs)
	expect(t, r, 0, "pump-09  CareFusion Alaris PC Unit 8015 9.19:", "high        model", "By product family only", "pump-10  CVE-", "low         family")
	if strings.Contains(r.stdout, "pct-01") {
		t.Fatalf("WA Medical matched without the catalog:\n%s", r.stdout)
	}
	if strings.Index(r.stdout, "pump-09") > strings.Index(r.stdout, "By product family only") {
		t.Fatalf("family-only matches before the device's own:\n%s", r.stdout)
	}
	r = ward(t, dir, "vulns", model, "--advisories", advs, "--catalog", cat)
	expect(t, r, 0, "pct-01  WA Medical Product Configuration Tool 1.9.4.1: 1 CVE(s)", "ICSMA-24-151-01", "vendor WA Medical: Baxter International Inc., misspelling 2024")
	os.WriteFile(filepath.Join(cat, "vendors.yaml"), []byte("vendors:\n  - id: baxter\n    names:\n      - {name: WA Medical}\n"), 0o644)
	expect(t, ward(t, dir, "vulns", model, "--advisories", advs, "--catalog", cat), 1, "vendors.yaml:4:", "missing source")
}
