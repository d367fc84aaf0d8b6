package catalog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/catalog"
)

// Every built-in vendor name says how it relates, since when and where
// that is recorded.
func TestBuiltinVendorsHaveYearAndSource(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Vendors) < 10 {
		t.Fatalf("%d built-in vendors", len(cat.Vendors))
	}
	names := 0
	for _, v := range cat.Vendors {
		for _, n := range v.Names {
			names++
			if n.Year < 1800 || n.Source == "" || n.Relation == "" {
				t.Errorf("%s: %+v", v.ID, n)
			}
		}
	}
	if len(catalog.BuiltinVendors()) != len(cat.Vendors) || names < 50 {
		t.Errorf("BuiltinVendors %d, Load %d vendors, %d names", len(catalog.BuiltinVendors()), len(cat.Vendors), names)
	}
}

// A catalog file adds names to a built-in vendor by its id, and new
// vendors; names without a year or source are refused at their place.
func TestVendorsExtendedByCatalogFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lineage.yaml", `vendors:
  - id: baxter
    names:
      - {name: Hill-Rom Welch Allyn, relation: brand, year: 2019, source: "our asset register, 2019"}
  - id: acme
    name: Acme Medical Devices
    names:
      - {name: ACME MD, relation: abbreviation, year: 2024, source: "purchase orders"}
`)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, v := range cat.Vendors {
		for _, n := range v.Names {
			found[v.ID+"/"+n.Name] = true
		}
	}
	if !found["baxter/Hill-Rom Welch Allyn"] || !found["baxter/Welch Allyn"] || !found["acme/ACME MD"] {
		t.Errorf("names after the extension: %v", found)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "bad.yaml"), []byte("vendors:\n  - id: x\n    names:\n      - {name: X, relation: cousin}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = catalog.Load(bad)
	if err == nil {
		t.Fatal("a vendor without a name, a relation out of the list, no year, no source: accepted")
	}
	for _, want := range []string{"bad.yaml:2:", "missing name", "cousin", "year 0", "missing source"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// The vendor example of docs/vulnerabilities.md loads as a catalog file.
func TestVulnerabilityDocsVendorExampleLoads(t *testing.T) {
	docExampleLoads(t, "../docs/vulnerabilities.md", "```yaml\nvendors:")
}
