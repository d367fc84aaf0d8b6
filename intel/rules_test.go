package intel

import (
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
)

// helperAdvisory is a CSAF advisory whose products carry every kind of
// product_identification_helper.
const helperAdvisory = `{"document":{"category":"csaf_security_advisory","csaf_version":"2.0","title":"Acme infusion system","tracking":{"id":"TEST-HELPERS","initial_release_date":"2024-01-01T00:00:00Z","current_release_date":"2024-01-01T00:00:00Z"}},
"product_tree":{"branches":[{"category":"vendor","name":"Acme Medical Inc.","branches":[
 {"category":"product_name","name":"Volumat Pump","branches":[{"category":"product_version_range","name":"<= 4.2","product":{"product_id":"P1","name":"Volumat Pump <= 4.2","product_identification_helper":{"model_numbers":["VP-7000"],"skus":["VP7000-EU"]}}}]},
 {"category":"product_name","name":"Gateway","branches":[{"category":"product_version_range","name":"< 2.0","product":{"product_id":"P2","name":"Gateway < 2.0","product_identification_helper":{"cpe":"cpe:2.3:a:acme:gateway:*:*:*:*:*:*:*:*","purl":"pkg:generic/acme/gateway","serial_numbers":["GW-12*"],"hashes":[{"file_hashes":[{"algorithm":"sha256","value":"ABCD"}],"filename":"gw.bin"}],"x_generic_uris":[{"namespace":"https://example.org/ids","uri":"urn:acme:gateway"}]}}}]}
]}]},
"vulnerabilities":[{"cve":"CVE-2024-0001","product_status":{"known_affected":["P1","P2"]}}]}`

func helperMatcher(t *testing.T) *Matcher {
	t.Helper()
	a, err := ParseCSAF("helpers.json", []byte(helperAdvisory))
	if err != nil {
		t.Fatal(err)
	}
	p := a.Products[1]
	if p.CPE == "" || p.PURL == "" || len(p.SerialNumbers) != 1 || len(p.Hashes) != 1 || p.Hashes[0] != "sha256:abcd" || len(p.GenericURIs) != 1 || len(a.Products[0].SKUs) != 1 {
		t.Fatalf("helpers not read: %+v %+v", a.Products[0], p)
	}
	return NewMatcher([]*Advisory{a}, nil)
}

// Each identification helper names the device, and the match says which
// rule made it, with the confidence of the rule.
func TestIdentificationHelpers(t *testing.T) {
	m := helperMatcher(t)
	for _, c := range []struct {
		asset      ward.Asset
		rule, conf string
	}{
		{ward.Asset{Vendor: "Acme", Product: "Infusion pump", Model: "VP 7000", Version: "4.1"}, "model-number", "high"},
		{ward.Asset{Vendor: "Acme", Product: "Infusion pump", Model: "vp7000-eu", Version: "4.1"}, "sku", "high"},
		{ward.Asset{Vendor: "Acme", Product: "Infusion pump", Model: "VP-7000"}, "model-number", "medium"},
		{ward.Asset{Vendor: "Acme", Product: "Volumat", Version: "4.0"}, "product", "high"}, // "pump" does not decide
		{ward.Asset{Vendor: "Acme", Product: "Volumat Pump", Version: "4.0"}, "product", "high"},
		{ward.Asset{Vendor: "Other", Product: "box", CPE: "cpe:2.3:a:acme:gateway:1.5:*:*:*:*:*:*:*", Version: "1.5"}, "cpe", "high"},
		{ward.Asset{Vendor: "Other", Product: "box", PURL: "pkg:generic/acme/gateway@1.2"}, "purl", "high"},
		{ward.Asset{Vendor: "Other", Product: "box", Serial: "GW-12345", Version: "1.0"}, "serial-number", "high"},
		{ward.Asset{Vendor: "Other", Product: "box", PURL: "urn:acme:gateway", Version: "1.0"}, "generic-uri", "high"},
	} {
		c.asset.ID = "a"
		got := m.Match([]ward.Asset{c.asset})
		if len(got) != 1 || got[0].Rule != c.rule || got[0].Confidence != c.conf {
			t.Errorf("%+v: %+v, want rule %s at %s", c.asset, got, c.rule, c.conf)
		}
	}
	for _, a := range []ward.Asset{
		{ID: "a", Vendor: "Acme", Product: "Infusion pump", Model: "VP-7000", Version: "4.3"},
		{ID: "a", Vendor: "Other", Product: "box", Serial: "GW-99", Version: "1.0"},
		{ID: "a", Vendor: "Other", Product: "box", PURL: "pkg:generic/acme/gateway@2.0"},
	} {
		if got := m.Match([]ward.Asset{a}); len(got) != 0 {
			t.Errorf("%+v matched %+v", a, got)
		}
	}
}

// Vendor names meet through the lineage, and the match says how; a
// catalog's extra names are used once loaded.
func TestVendorLineage(t *testing.T) {
	adv := &Advisory{ID: "T-1", Title: "Baxter Configuration Tool", Products: []Product{{ID: "P", Vendor: "Baxter", Name: "Welch Allyn Product Configuration Tool", Range: "<=1.9.4.1"}},
		Vulns: []Vulnerability{{CVE: "CVE-2024-0002", Affected: []string{"P"}}}}
	m := NewMatcher([]*Advisory{adv}, nil)
	got := m.Match([]ward.Asset{{ID: "a", Vendor: "Welch Allyn", Product: "Product Configuration Tool", Version: "1.9.4.1"}})
	if len(got) != 1 || !strings.Contains(got[0].Why, "vendor Welch Allyn: Baxter International Inc., acquired 2021") {
		t.Fatalf("Welch Allyn against Baxter: %+v", got)
	}
	asset := []ward.Asset{{ID: "a", Vendor: "WA Medical", Product: "Product Configuration Tool", Version: "1.9"}}
	if got := m.Match(asset); len(got) != 0 {
		t.Fatalf("an unknown name matched: %+v", got)
	}
	vendors := append(catalog.BuiltinVendors(), catalog.Vendor{ID: "baxter", Names: []catalog.VendorName{{Name: "WA Medical", Relation: "brand", Year: 2024, Source: "test"}}})
	if got := NewMatcherWith([]*Advisory{adv}, nil, NewLineage(vendors)).Match(asset); len(got) != 1 {
		t.Fatalf("the catalog's name did not match: %+v", got)
	}
	for _, c := range [][2]string{
		{"Becton, Dickinson and Company (BD)", "BD"}, {"Becton Dickinson", "CareFusion"}, {"General Electric (GE)", "GE Healthcare"},
		{"Phillips", "Philips Healthcare"}, {"B. Braun Melsungen AG", "B. Braun"}, {"Innokas YhtymÃ¤ Oy", "Innokas Yhtymä Oy"},
		{"Dräger", "Draeger"}, {"Covidien", "Medtronic"}, {"Silex Technology and GE Healthcare", "GE"},
	} {
		a, b := builtinLineage().keys(c[0]), builtinLineage().keys(c[1])
		meet := false
		for _, k := range a {
			meet = meet || contains(b, k)
		}
		if !meet {
			t.Errorf("%q (%v) and %q (%v) do not meet", c[0], a, c[1], b)
		}
	}
}

// Software inside a device named without a package URL meets an advisory
// naming that software: VxWorks in a patient monitor.
func TestComponentsByName(t *testing.T) {
	adv := &Advisory{ID: "T-2", Title: "IPnet", Products: []Product{{ID: "P", Vendor: "Wind River", Name: "VxWorks", Range: "<= 6.5"}},
		Vulns: []Vulnerability{{CVE: "CVE-2019-12256", Affected: []string{"P"}}}}
	m := NewMatcher([]*Advisory{adv}, nil)
	mon := ward.Asset{ID: "mon", Vendor: "GE Healthcare", Product: "CARESCAPE B850", Components: []ward.Component{{Name: "VxWorks", Version: "6.5"}}}
	got := m.Match([]ward.Asset{mon})
	if len(got) != 1 || got[0].Rule != "component" || got[0].Confidence != "high" {
		t.Fatalf("%+v", got)
	}
	mon.Components[0].Version = "6.9"
	if got := m.Match([]ward.Asset{mon}); len(got) != 0 {
		t.Fatalf("VxWorks 6.9 matched <= 6.5: %+v", got)
	}
}

// A family-only match is low and one naming the product is kept instead
// when the same advisory has both; a product of the advisory matched by
// name with a sure version is high.
func TestConfidenceCalibrated(t *testing.T) {
	adv := &Advisory{ID: "T-3", Title: "Alaris", Products: []Product{
		{ID: "P1", Vendor: "BD", Name: "Alaris 8015 PC unit", Range: "<= 9.33"},
		{ID: "P2", Vendor: "BD", Name: "Alaris Syringe Module 8110", Range: "<= 9.33"},
	}, Vulns: []Vulnerability{{CVE: "CVE-2020-0001", Affected: []string{"P1"}}, {CVE: "CVE-2020-0002", Affected: []string{"P2"}}}}
	m := NewMatcher([]*Advisory{adv}, nil)
	got := m.Match([]ward.Asset{{ID: "a", Vendor: "BD", Product: "Alaris", Version: "9.19"}})
	if len(got) != 2 || got[0].Confidence != "low" || got[0].Rule != "family" {
		t.Fatalf("Alaris against two Alaris products: %+v", got)
	}
	got = m.Match([]ward.Asset{{ID: "a", Vendor: "BD", Product: "Alaris PC Unit 8015", Version: "9.19"}})
	if len(got) != 1 || got[0].CVE != "CVE-2020-0001" || got[0].Confidence != "high" || got[0].Rule != "model" {
		t.Fatalf("the PC unit: %+v", got)
	}
	got = m.Match([]ward.Asset{{ID: "a", Vendor: "BD", Product: "Alaris PC Unit 8015"}})
	if len(got) != 1 || got[0].Confidence != "medium" {
		t.Fatalf("the PC unit of unknown version: %+v", got)
	}
	// the model written into the version, as inventories do
	got = m.Match([]ward.Asset{{ID: "a", Vendor: "BD", Product: "Alaris PC Unit", Version: "9.19 model 8015"}})
	if len(got) != 1 || got[0].CVE != "CVE-2020-0001" || got[0].Confidence != "high" {
		t.Fatalf("the PC unit with its model in the version: %+v", got)
	}
	got = m.Match([]ward.Asset{{ID: "a", Vendor: "BD", Product: "Alaris PC Unit", Version: "9.19 model 8110"}})
	if len(got) != 1 || got[0].CVE != "CVE-2020-0002" {
		t.Fatalf("the syringe module's model in the version: %+v", got)
	}
}

// Matches group by asset in patching order, family-only matches apart.
func TestByAsset(t *testing.T) {
	ms := []Match{
		{Asset: "pacs", CVE: "CVE-1", CVSS: 5, Rule: "product"},
		{Asset: "pump", CVE: "CVE-2", CVSS: 4, Exploited: true, Rule: "model"},
		{Asset: "pacs", CVE: "CVE-3", CVSS: 9.8, Rule: "product"},
		{Asset: "pump", CVE: "CVE-4", CVSS: 9.9, Rule: "family", Confidence: "low"},
	}
	groups, family := ByAsset(ms)
	if len(groups) != 2 || groups[0].Asset != "pump" || groups[0].Exploited != 1 || groups[1].Asset != "pacs" ||
		groups[1].Matches[0].CVE != "CVE-3" || groups[1].MaxCVSS != 9.8 || len(family) != 1 || family[0].CVE != "CVE-4" {
		t.Fatalf("%+v %+v", groups, family)
	}
}

// The cases that matched wrongly before: a pump's version read against its
// Wi-Fi battery pack's range, a product family at high confidence.
func TestModulesAndFamiliesScoped(t *testing.T) {
	m := NewMatcher(loadAll(t), nil)
	for _, c := range []struct {
		asset ward.Asset
		// most is the highest confidence allowed; "" for no match
		most string
	}{
		{ward.Asset{Vendor: "B. Braun", Product: "Infusomat Space", Version: "686E"}, ""},
		{ward.Asset{Vendor: "B. Braun", Product: "Infusomat Space", Version: "U61"}, ""},
		{ward.Asset{Vendor: "Philips", Product: "PACS", Version: "12.2.1"}, "low"},
		{ward.Asset{Vendor: "BD", Product: "Alaris", Version: "9.19"}, "low"},
		{ward.Asset{Vendor: "BD", Product: "Alaris PC Unit 8015", Version: "9.19"}, "high"},
	} {
		c.asset.ID = "a"
		best := ""
		for _, g := range m.Match([]ward.Asset{c.asset}) {
			if confidenceRank[g.Confidence] > confidenceRank[best] {
				best = g.Confidence
			}
		}
		if best != c.most {
			t.Errorf("%s %s %s: best confidence %q, want %q", c.asset.Vendor, c.asset.Product, c.asset.Version, best, c.most)
		}
	}
}

// A vendor fix naming a version for a product listed for all versions:
// versions from it on are fixed, earlier ones say so.
func TestVendorFixFromRemediation(t *testing.T) {
	m := NewMatcher(loadAll(t), nil)
	got := m.Match([]ward.Asset{{ID: "a", Vendor: "Draeger", Product: "Infinity Delta XL", Version: "VF9.1"}})
	if len(got) == 0 || !strings.Contains(got[0].Why, "before VF10.1, the version the vendor's fix names") {
		t.Fatalf("%+v", got)
	}
	if got := m.Match([]ward.Asset{{ID: "a", Vendor: "Dräger", Product: "Infinity Delta", Version: "VF10.1"}}); len(got) != 0 {
		t.Fatalf("the fixed version matched: %+v", got)
	}
}
