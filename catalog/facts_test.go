package catalog_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/wardhealth/ward/catalog"
)

// Equal sees a change in any one field of the facts.
func TestEqualNamesEveryField(t *testing.T) {
	typ := reflect.TypeFor[catalog.AssetFacts]()
	for i := range typ.NumField() {
		var a, b catalog.AssetFacts
		f := reflect.ValueOf(&b).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Int:
			f.SetInt(1)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Float64:
			f.SetFloat(0.5)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"x"}))
		default:
			t.Fatalf("field %s of kind %s: teach the test", typ.Field(i).Name, f.Kind())
		}
		if a.Equal(&b) {
			t.Errorf("Equal misses a change of %s", typ.Field(i).Name)
		}
		if !b.Equal(&b) {
			t.Errorf("facts differ from themselves in %s", typ.Field(i).Name)
		}
	}
}

// RiskReads names the fields the threats' and weaknesses' rules select,
// and every field when a rule uses the asset whole.
func TestRiskReads(t *testing.T) {
	c := &catalog.Catalog{
		Threats:    []catalog.Threat{{Applies: `asset.kind == "pacs" && asset.exposed`}},
		Weaknesses: []catalog.Weakness{{Applies: `"mfa" in asset.controls || asset.exposed`, Evidence: `asset.vendor`}},
	}
	fields, all := c.RiskReads()
	if all || !reflect.DeepEqual(fields, []string{"controls", "exposed", "kind"}) {
		t.Errorf("RiskReads = %v, all %v; want [controls exposed kind] (evidence only explains)", fields, all)
	}
	c.Threats = append(c.Threats, catalog.Threat{Applies: `[asset].size() > 0`})
	if _, all := c.RiskReads(); !all {
		t.Error("a rule that takes the asset whole reads every field; RiskReads says not")
	}
	def, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	fields, all = def.RiskReads()
	if all || !slices.Contains(fields, "exposed") || slices.Contains(fields, "zone") {
		t.Errorf("the default catalog's rules read %v (all %v); want exposed among them and not the zone's name", fields, all)
	}
}
