package intel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/internal/refdata"
)

// loadAll reads every CISA medical-device advisory, as copied into
// testdata/corpus beside the matching corpus.
func loadAll(t testing.TB) []*Advisory {
	t.Helper()
	return loadDir(t, filepath.Join("testdata", "corpus"))
}

// loadSome reads the advisories copied into testdata/csaf-icsma: those
// the demo hospital's devices are named in, and a few more.
func loadSome(t testing.TB) []*Advisory {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "csaf-icsma", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/csaf-icsma: %d advisories, %v", len(files), err)
	}
	advs, err := LoadAdvisories(files...)
	if err != nil {
		t.Fatal(err)
	}
	return advs
}

// loadDir reads the CSAF advisories (icsma-*.json) of a folder.
func loadDir(t testing.TB, dir string) []*Advisory {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "icsma-*.json"))
	if err != nil || len(files) < 100 {
		t.Fatalf("advisories of %s: %d files, %v", dir, len(files), err)
	}
	var out []*Advisory
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a, err := ParseCSAF(filepath.Base(f), b)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		out = append(out, a)
	}
	return out
}

// Every CISA medical-device advisory imports: those in testdata, and all
// of the reference data when it is there.
func TestAllICSMAAdvisoriesImport(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { checkICSMA(t, loadSome(t)) })
	t.Run("reference", func(t *testing.T) { checkICSMA(t, loadAll(t)) })
}

func checkICSMA(t *testing.T, advs []*Advisory) {
	products, vulns := 0, 0
	for _, a := range advs {
		if !strings.HasPrefix(strings.ToUpper(a.ID), "ICSMA-") || len(a.Products) == 0 {
			t.Errorf("%s: %d products", a.ID, len(a.Products))
		}
		products += len(a.Products)
		vulns += len(a.Vulns)
	}
	t.Logf("%d advisories, %d products, %d vulnerabilities", len(advs), products, vulns)
}

// The KEV catalog imports: the excerpt in testdata (three entries of the
// real catalog), and the whole catalog of the reference data when it is
// there.
func TestKEVImports(t *testing.T) {
	for _, c := range []struct {
		name, dir string
		entries   int
	}{{"testdata", filepath.Join("testdata", "kev"), 3}, {"reference", "", 1404}} {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if dir == "" {
				dir = refdata.Dir(t, "kev")
			}
			b, err := os.ReadFile(filepath.Join(dir, "known_exploited_vulnerabilities.json"))
			if err != nil {
				t.Fatal(err)
			}
			k, err := ParseKEV("kev.json", b)
			if err != nil {
				t.Fatal(err)
			}
			if k.Version != "2025.08.25" || len(k.Entries) != c.entries {
				t.Fatalf("KEV %s with %d entries, want 2025.08.25 with %d", k.Version, len(k.Entries), c.entries)
			}
		})
	}
	if _, err := ParseKEV("x.json", []byte(`{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-20-1"}]}`)); err == nil {
		t.Fatal("a bad CVE id was accepted")
	}
}

// Assets at an affected version match, at a fixed one they do not.
func TestAffectedAndFixedVersions(t *testing.T) {
	m := NewMatcher(loadSome(t), nil)
	cases := []struct {
		vendor, product, version string
		advisory                 string
		want                     bool
	}{
		{"B. Braun Medical", "SpaceCom", "U61", "ICSMA-20-296-02", true},
		{"B. Braun", "SpaceCom", "U60", "ICSMA-20-296-02", true},
		{"B. Braun Medical", "SpaceCom", "U62", "ICSMA-20-296-02", false},
		{"B. Braun Medical", "Battery pack with Wi-Fi", "L80", "ICSMA-20-296-02", true},
		{"B. Braun Medical", "Battery pack with Wi-Fi", "L82", "ICSMA-20-296-02", false},
		{"Philips", "Vue PACS", "12.2.6.410", "ICSMA-24-200-01", true},
		{"Philips", "Vue PACS", "12.2.8.410", "ICSMA-24-200-01", false},
		{"Fresenius Kabi", "Agilia Connect", "D24", "ICSMA-21-355-01", true},
		{"Fresenius Kabi", "Agilia Connect", "D26", "ICSMA-21-355-01", false},
		{"Medtronic", "MiniMed 640G", "MMT-1712", "ICSMA-22-263-01", true},
		{"Medtronic", "MiniMed 640G", "MMT-9999", "ICSMA-22-263-01", false},
	}
	for _, c := range cases {
		got := m.Match([]ward.Asset{{ID: "a", Vendor: c.vendor, Product: c.product, Version: c.version}})
		hit := false
		for _, g := range got {
			hit = hit || strings.EqualFold(g.Advisory, c.advisory)
		}
		if hit != c.want {
			t.Errorf("%s %s %s against %s: matched %v, want %v (%v)", c.vendor, c.product, c.version, c.advisory, hit, c.want, got)
		}
	}
}

// The demo's pumps and PACS are hit by the advisories planted for them.
func TestDemoMatches(t *testing.T) {
	dm, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	ms := NewMatcher(loadAll(t), nil).Match(dm.Assets)
	exp := Exposures(ms)
	if exp["pump-01"].Count == 0 || exp["pacs-01"].Count == 0 {
		t.Fatalf("pumps %+v, PACS %+v", exp["pump-01"], exp["pacs-01"])
	}
	// the SpaceCom U61 by ICSMA-20-296-02, its Wi-Fi battery pack L81 by
	// ICSMA-21-294-01 too (Battery Pack SP with Wi-Fi <= L81)
	seen := map[string]bool{}
	for _, m := range ms {
		if m.Asset != "pump-01" {
			continue
		}
		seen[m.Advisory] = true
		if m.Confidence != "high" || m.Advisory != "ICSMA-20-296-02" && m.Advisory != "ICSMA-21-294-01" {
			t.Errorf("pump match: %+v", m)
		}
	}
	if !seen["ICSMA-20-296-02"] || !seen["ICSMA-21-294-01"] {
		t.Errorf("pump-01 matched by %v, want ICSMA-20-296-02 and ICSMA-21-294-01", seen)
	}
}

// Versions as advisories and devices print them, in order, and the
// ranges advisories write.
func TestVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		cmp  int
		ok   bool
	}{
		{"1.9", "1.10", -1, true}, {"U61", "U62", -1, true}, {"U61", "L81", 0, false}, {"12.2.8.410", "12.2.8.410", 0, true},
		{"2.0", "2.0.1", -1, true}, {"D25", "d25", 0, true}, {"", "1", 0, false},
		{"4.20", "4.20 SR1", -1, true},
		{"4.20 SR1", "4.20 SR2", -1, true},
		{"4.20 SP2", "4.21", -1, true},
		{"1.3.1 Build 9", "1.3.1 Build 13", -1, true},
		{"M.04", "N", -1, true},
		{"B.12", "B.06.18", 1, true},
		{"B.06.12", "B.06.18", -1, true},
		{"2.01", "2.0.3", -1, true},
		{"1.7.15", "1.7.15b", -1, true},
		{"3.0 D15", "3.0 D16", -1, true},
		{"012U000061", "U61", 0, true},
		{"012U000093", "U61", 1, true},
		{"054U000093", "L81", 0, false},
		{"HD23", "BT03", 0, false},
		{"VM5.0", "VM6.0", -1, true},
		{"2023.3", "2024.1", -1, true},
		{"R4.1L1", "R4.1L2", -1, true},
	} {
		cmp, ok := compareVersions(c.a, c.b)
		if cmp != c.cmp || ok != c.ok {
			t.Errorf("compare %q %q = %d %v, want %d %v", c.a, c.b, cmp, ok, c.cmp, c.ok)
		}
	}
	for _, c := range []struct {
		v, expr  string
		in, sure bool
	}{
		{"anything", "vers:all/*", true, true},
		{"U50", "<= U61 |<= L81", true, true},
		{"L90", "<= U61 |<= L81", false, true},
		{"4.8", ">= 4.4 | <= 4.12", true, true},
		{"4.13", ">= 4.4 | <= 4.12", false, true},
		{"11.0", "<=11.2 on Windows 8.1 with IIS 7.5", true, false},
		{"14.1.7", "14.1.x", true, true},
		{"650c", "620 | 650 | 650c", true, true},
		{"1.5", "vers:generic/>=1.0|<2.0", true, true},
		{"8.2.1", "< 8.2.2", true, true},
		{"8.2.2", "< 8.2.2", false, true},
		{"8.2.2.1", "< 8.2.2", false, true},
		{"3.0", "< 3.x", false, true},
		{"2.9", "< 3.x", true, true},
		{"12.2.6.0", "<= 12.2.x.x", true, true},
		{"12.3", "<= 12.2.x.x", false, true},
		{"5.4.1", "5.x.x", true, true},
		{"C.02", "A.01 <= C.0x | 4.0", true, true},
		{"M.00.03", "Rev B-M", true, true},
		{"N.00.01", "Rev B-M", false, true},
		{"K.00.02", "<= K", true, true},
		{"2.3.6.1", "<= 2.3.6", true, false},
		{"B.02.01", "B.02 | C.02 | C.03", true, false},
		{"1.4.3", "(Release 1.3.2 1.4.0 1.4.1 1.4.3 1.4.5)", true, true},
		{"1.3.1 Build 13", "1.3.1 Build 13", true, true},
		{"2.3.6", "2.3.6 and  below", true, true},
		{"A.07.107", "<= S4 A.07.107", true, true},
		{"3.0 D16", "<= 3.0 D15", false, true},
		{"3.5.12.P30", "LPI 3.5.12.P30", true, true},
		{"1.4.2.0", "1.4.2.0-9d9eff4", true, true},
		{"054U000092", "053L000091 (global) / 054U000091 (U.S.) and 053L000092 (global) / 054U000092 (U.S.)", true, true},
		{"1.2", "< august 28", true, false},
		{"", "<= 2.3.6", true, false},
		{"2.0.3", "<= GEH-1.1 (integrated into GE MobileLink)", false, true},
	} {
		got := inRange(c.v, c.expr)
		if got.In != c.in || got.Sure != c.sure {
			t.Errorf("%q in %q: %+v, want in=%v sure=%v", c.v, c.expr, got, c.in, c.sure)
		}
	}
}

func TestMalformedAdvisories(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":        `{"document":`,
		"no document":     `{}`,
		"csaf 1.2":        `{"document":{"csaf_version":"1.2","tracking":{"id":"X"}},"product_tree":{}}`,
		"no tracking id":  `{"document":{"csaf_version":"2.0"},"product_tree":{}}`,
		"unknown product": `{"document":{"csaf_version":"2.0","tracking":{"id":"X"}},"product_tree":{"branches":[]},"vulnerabilities":[{"cve":"CVE-2020-0001","product_status":{"known_affected":["P1"]}}]}`,
		"product no id":   `{"document":{"csaf_version":"2.0","tracking":{"id":"X"}},"product_tree":{"branches":[{"category":"vendor","name":"V","product":{"name":"n"}}]}}`,
	} {
		if _, err := ParseCSAF(name+".json", []byte(doc)); err == nil || !strings.Contains(err.Error(), name+".json") {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

// FuzzParseCSAF: any input is parsed or refused, never a panic.
func FuzzParseCSAF(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "corpus", "icsma-20-296-02.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"document":{"csaf_version":"2.0","tracking":{"id":"X"}},"product_tree":{"branches":[{"category":"vendor","name":"V","branches":[{"category":"product_version_range","name":"<= 2","product":{"product_id":"P"}}]}]},"vulnerabilities":[{"cve":"CVE-2020-0001","product_status":{"known_affected":["P"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseCSAF("fuzz.json", data)
		if err != nil {
			return
		}
		NewMatcher([]*Advisory{a}, nil).Match([]ward.Asset{{ID: "x", Vendor: "V", Product: "P", Version: "1"}})
	})
}

// FuzzInRange: ranges never panic and a version always equals itself.
func FuzzInRange(f *testing.F) {
	for _, s := range []string{"<= U61 |<= L81", ">= 4.4 | <= 4.12", "vers:all/*", "14.1.x", "1.2.3"} {
		f.Add("1.2.3", s)
	}
	f.Fuzz(func(t *testing.T, v, expr string) {
		inRange(v, expr)
		if c, ok := compareVersions(v, v); ok && c != 0 {
			t.Fatalf("%q differs from itself", v)
		}
	})
}
