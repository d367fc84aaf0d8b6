package intel

import (
	"os"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// A device whose SBOM holds a vulnerable component is matched through the
// component; the same device with the fixed version is not.
func TestSBOMComponentMatches(t *testing.T) {
	f, err := os.Open("testdata/monitor-sbom.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	comps, err := ParseSBOM("monitor-sbom.json", f)
	if err != nil {
		t.Fatal(err)
	}
	if len(comps) != 4 || comps[2].Name != "log4j-core" {
		t.Fatalf("components %+v", comps)
	}
	data, err := os.ReadFile("testdata/component-advisory.json")
	if err != nil {
		t.Fatal(err)
	}
	adv, err := ParseCSAF("component-advisory.json", data)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher([]*Advisory{adv}, nil)
	vulnerable := ward.Asset{ID: "central", Vendor: "Philips", Product: "IntelliVue Information Center iX", Components: comps}
	got := m.Match([]ward.Asset{vulnerable})
	if len(got) != 1 || got[0].CVE != "CVE-2021-44228" || got[0].Confidence != "high" || !strings.Contains(got[0].Why, "component log4j-core 2.14.1") {
		t.Fatalf("matches %+v", got)
	}
	fixed := vulnerable
	fixed.Components = []ward.Component{{Name: "log4j-core", Version: "2.17.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"}}
	if got := m.Match([]ward.Asset{fixed}); len(got) != 0 {
		t.Fatalf("the fixed version matched: %+v", got)
	}
}

func TestMalformedSBOM(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":     `{"bomFormat":`,
		"other format": `{"bomFormat":"SPDX","specVersion":"1.5"}`,
		"old spec":     `{"bomFormat":"CycloneDX","specVersion":"1.3","components":[]}`,
		"bad purl":     `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"x","purl":"maven/x"}]}`,
		"no name":      `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library"}]}`,
	} {
		if _, err := ParseSBOM(name+".json", strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), name+".json") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzParseSBOM: any input is read or refused, never a panic.
func FuzzParseSBOM(f *testing.F) {
	data, err := os.ReadFile("testdata/monitor-sbom.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseSBOM("fuzz.json", strings.NewReader(string(data)))
	})
}
