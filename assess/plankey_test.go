package assess

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward/catalog"
)

// The plan's cache key leaves out only facts that change no score: on a
// stirred hospital, every asset's facts with any one left-out fact
// changed score as before, and the plan's lean evaluation scores as the
// register's does.
func TestPlanKeyLeavesOutOnlyWhatNoScoreReads(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, vulns := stirred(t, 400, 3)
	opt := Options{Today: "2026-11-23", Vulnerabilities: vulns}
	s := newScorer(m, cat, opt, false)
	if len(s.key) == len(keyParts) {
		t.Fatal("the built-in catalog's key reads every fact: nothing is left out to check")
	}
	kept := map[string]bool{}
	for _, i := range s.key {
		kept[keyParts[i]] = true
	}
	st, err := s.measure(m, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeFor[catalog.AssetFacts]()
	seen := map[string]bool{}
	checked := 0
	for i := range st.facts {
		f := st.facts[i]
		if k := factsKey(&f); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		want, err := st.e.scores(&f)
		if err != nil {
			t.Fatal(err)
		}
		o, err := st.e.evaluate(&f)
		if err != nil {
			t.Fatal(err)
		}
		var whole []threatScore
		for _, k := range o.risks {
			r := st.e.table.risks[k]
			whole = append(whole, threatScore{r.Threat, r.Score})
		}
		if !slices.Equal(want, whole) {
			t.Fatalf("%s: the plan scores %v, the register %v", f.ID, want, whole)
		}
		for fi := range typ.NumField() {
			sf := typ.Field(fi)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if kept[name] || name == "id" || name == "name" {
				continue
			}
			g := f
			v := reflect.ValueOf(&g).Elem().Field(fi)
			switch v.Kind() {
			case reflect.String:
				v.SetString(v.String() + "-other")
			case reflect.Int:
				v.SetInt(v.Int() + 1)
			case reflect.Bool:
				v.SetBool(!v.Bool())
			case reflect.Float64:
				v.SetFloat(v.Float() + 0.5)
			case reflect.Slice:
				v.Set(reflect.ValueOf(append(slices.Clone(v.Interface().([]string)), "other")))
			default:
				t.Fatalf("field %s of kind %s: teach the test", sf.Name, v.Kind())
			}
			if s.key.of(&g) != s.key.of(&f) {
				t.Fatalf("the key reads %s, which it leaves out", name)
			}
			got, err := st.e.scores(&g)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s with %s changed scores %v, not %v: the plan's key must read %s", f.ID, name, got, want, name)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no fact left out was checked")
	}
	t.Logf("%d distinct assets, %d changes of a left-out fact", len(seen), checked)
}
