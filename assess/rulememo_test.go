package assess

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/synth"
)

// The rules' answers remembered are the rules' answers: every asset of
// generated hospitals of each variety, evaluated with a memo and without,
// gets the same outcome, under the built-in catalog and under one with a
// rule taking the asset whole and a rule reading a fact nearly every asset
// has its own value of.
func TestRuleMemoAgreesWithEvaluating(t *testing.T) {
	dir := t.TempDir()
	err := os.WriteFile(filepath.Join(dir, "local.yaml"), []byte(`threats:
  - id: whole-asset
    name: A rule on the asset whole
    group: malicious
    likelihood: 2
    impacts: [availability]
    applies: '[asset].size() == 1 && asset.category == "medical-device"'
  - id: by-version
    name: A rule on versions
    group: malicious
    likelihood: 2
    impacts: [integrity]
    applies: asset.version.startsWith("1") || asset.components > 3
weaknesses:
  - id: odd-version
    title: A version of odd length
    severity: low
    applies: size(asset.version) % 2 == 1
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	local, err := catalog.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []synth.Variety{synth.VarietyLow, synth.VarietyRealistic, synth.VarietyHigh} {
		m, err := synth.Generate(synth.Options{Assets: 3000, Seed: 11, Variety: v, LinksPerAsset: 6})
		if err != nil {
			t.Fatal(err)
		}
		org, fs := facts(m.Index(), "2026-12-01", nil, nil)
		for name, cat := range map[string]*catalog.Catalog{"built-in": builtin, "local": local} {
			e := newEvaluator(cat, &org)
			e.lean = false
			ew := *e
			ew.memo = newRuleMemo(e)
			for i := range fs {
				want, _, err := e.evaluated(&fs[i])
				if err != nil {
					t.Fatal(err)
				}
				got, _, err := ew.evaluated(&fs[i])
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s catalog, %s variety, asset %s: remembered %+v, evaluated %+v", name, v, fs[i].ID, got, want)
				}
			}
			mm := ew.memo
			hits := 0
			for r := range mm.asked {
				hits += int(mm.asked[r] - mm.missed[r])
			}
			if rules := len(mm.of); hits < len(fs)*rules/2 {
				t.Errorf("%s catalog, %s variety: %d answers remembered of %d rules on %d assets; want most", name, v, hits, rules, len(fs))
			}
			if name != "local" {
				continue
			}
			whole := threatRule(cat, len(cat.Threats)-2)
			if mm.of[whole] != -1 || mm.asked[whole] != 0 {
				t.Errorf("%s variety: the rule on the asset whole was remembered (keyer %d, %d lookups)", v, mm.of[whole], mm.asked[whole])
			}
			if version := threatRule(cat, len(cat.Threats)-1); v != synth.VarietyLow && mm.of[version] != -1 {
				t.Errorf("%s variety: the rule on versions is still remembered after %d lookups, %d new", v, mm.asked[version], mm.missed[version])
			}
		}
	}
}
