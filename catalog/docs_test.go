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
	docExampleLoads(t, "../docs/catalog.md", "```yaml\n")
}

// docExampleLoads loads, as a catalog file, the first YAML block of a
// document that starts with start.
func docExampleLoads(t *testing.T, file, start string) {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	i := strings.Index(text, start)
	if i < 0 {
		t.Fatalf("%s has no example starting %q", file, start)
	}
	i += len("```yaml\n")
	end := strings.Index(text[i:], "```")
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/example.yaml", []byte(text[i:i+end]), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.Load(dir); err != nil {
		t.Fatalf("the example of %s does not load: %v", file, err)
	}
}
