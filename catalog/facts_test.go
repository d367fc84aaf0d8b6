package catalog_test

import (
	"reflect"
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
