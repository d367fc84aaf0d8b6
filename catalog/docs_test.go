package catalog_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/wardhealth/ward/catalog"
)

// docs/catalog.md must describe every fact a rule can read.
func TestCatalogDocsListEveryFact(t *testing.T) {
	doc, err := os.ReadFile("../docs/catalog.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[catalog.AssetFacts](), reflect.TypeFor[catalog.OrgFacts]()} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if !strings.Contains(string(doc), "`"+name+"`") {
				t.Errorf("docs/catalog.md does not describe %s.%s", typ.Name(), name)
			}
		}
	}
}

// The example of docs/catalog.md loads.
func TestCatalogDocsExampleLoads(t *testing.T) {
	doc, err := os.ReadFile("../docs/catalog.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "```yaml\n")
	end := strings.Index(text[start+8:], "```")
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/example.yaml", []byte(text[start+8:start+8+end]), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.Load(dir); err != nil {
		t.Fatalf("the documented example does not load: %v", err)
	}
}
