package modelfile_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// docs/model.md must name every field, enumerated value, asset kind and
// built-in control, so the documentation cannot fall behind the code.
func TestModelDocsAreComplete(t *testing.T) {
	doc, err := os.ReadFile("../docs/model.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	need := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if e, ok := reflect.Zero(t).Interface().(ward.Enumerated); ok {
			for _, v := range e.Enum() {
				need[v] = true
			}
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" { // an embedded struct's fields are the outer one's
				need[name] = true
			}
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[ward.Model]())
	for _, c := range ward.BuiltinControls() {
		need[c.ID] = true
	}
	for _, k := range ward.Kinds() {
		need[string(k.Category)] = true
	}
	for word := range need {
		if !strings.Contains(text, "`"+word+"`") && !strings.Contains(text, word+":") {
			t.Errorf("docs/model.md does not mention `%s`", word)
		}
	}
}
