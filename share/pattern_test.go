package share

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/refdata"
)

// examplePatterns are the indicator patterns of the OASIS example bundles
// in dir and its subfolders.
func examplePatterns(t testing.TB, dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	var out []string
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var b struct{ Objects []map[string]any }
		if json.Unmarshal(data, &b) != nil {
			continue
		}
		for _, o := range b.Objects {
			if p, ok := o["pattern"].(string); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// The patterns of the OASIS examples are valid: those in testdata, and all
// of the reference data's when it is there.
func TestPatternsOfTheOASISExamples(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { checkPatterns(t, examplePatterns(t, "testdata/stix2-json-schemas/examples"), 6) })
	t.Run("reference", func(t *testing.T) {
		checkPatterns(t, examplePatterns(t, refdata.Dir(t, "stix2-json-schemas", "examples")), 20)
	})
}

func checkPatterns(t *testing.T, ps []string, least int) {
	if len(ps) < least {
		t.Fatalf("only %d example patterns, want at least %d", len(ps), least)
	}
	for _, p := range ps {
		if err := ValidatePattern(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestPatterns(t *testing.T) {
	valid := []string{
		"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
		"[software:cpe = 'cpe:2.3:h:bbraun:spacecom:*:*:*:*:*:*:*:*']",
		"[network-traffic:dst_port = 2575 AND network-traffic:protocols[*] = 'tcp']",
		"[ipv4-addr:value ISSUBSET '10.20.0.0/16'] AND [x-medical-device:model = 'SpaceCom'] WITHIN 300 SECONDS",
		"([file:name LIKE '%.exe'] OR [file:size > 1000000]) REPEATS 3 TIMES",
		"[process:name MATCHES '^ransom.*$'] FOLLOWEDBY [file:name = 'README.txt'] START t'2026-11-01T00:00:00Z' STOP t'2026-11-23T00:00:00Z'",
		"[user-account:is_privileged = true AND user-account:account_login NOT IN ('admin', 'root')]",
		"[artifact:payload_bin = b'aGVsbG8=' OR artifact:payload_bin = h'0a0b']",
		"[EXISTS windows-registry-key:values[0].name]",
		"[domain-name:value = 'it\\'s a \\\\ test']",
	}
	for _, p := range valid {
		if err := ValidatePattern(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	invalid := map[string]string{
		"":                                  "column 1: expected an observation",
		"file:name = 'x'":                   "column 1: expected an observation",
		"[file:name = 'x'":                  "expected ']'",
		"[file:name = 'x]":                  "string not closed",
		"[file:name == 'x']":                "column 13",
		"[File:name = 'x']":                 "object type",
		"[file name = 'x']":                 "expected ':'",
		"[file:name = x]":                   "expected a value",
		"[file:name IN 'x']":                "expected '('",
		"[file:name LIKE 3]":                "LIKE takes a string",
		"[file:size = 3] WITHIN -5 SECONDS": "positive number",
		"[file:size = 3] REPEATS 0 TIMES":   "positive whole number",
		"[file:size = 3] START t'yesterday' STOP t'2026-01-01T00:00:00Z'": "RFC 3339",
		"[file:name = 'x'] AND":               "expected an observation",
		"[file:name = 'x'] [file:name = 'y']": "after the pattern",
		"[file:hashes[x] = 'y']":              "list index",
		"[file:name = 'a\\b']":                "escaped",
		"[file:name = 'x'] # comment":         "unexpected character",
		"[artifact:payload_bin = h'abc']":     "even number",
	}
	for p, want := range invalid {
		err := ValidatePattern(p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", p, err, want)
		}
	}
}

func FuzzValidatePattern(f *testing.F) {
	for _, p := range examplePatterns(f, "testdata/stix2-json-schemas/examples") {
		f.Add(p)
	}
	f.Add("[a-b:c[*].'d' NOT IN (1, 2.5, 'x', true, t'2026-01-01T00:00:00Z')] FOLLOWEDBY ([x:y = b'QQ=='] OR [x:z != h'00']) WITHIN 1 SECONDS REPEATS 2 TIMES")
	f.Fuzz(func(t *testing.T, p string) {
		err := ValidatePattern(p)
		if err != nil && !strings.HasPrefix(err.Error(), "column ") {
			t.Errorf("%q: error without a column: %v", p, err)
		}
	})
}
