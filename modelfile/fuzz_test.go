package modelfile_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/modelfile"
)

// FuzzParse feeds the reader arbitrary files. It must never panic or hang,
// and whatever it accepts must survive a write and a second read unchanged.
// Run: go test ./modelfile -fuzz FuzzParse
func FuzzParse(f *testing.F) {
	dm, err := demo.Model()
	if err != nil {
		f.Fatal(err)
	}
	var js bytes.Buffer
	if err := modelfile.Write(&js, dm, modelfile.JSON); err != nil {
		f.Fatal(err)
	}
	f.Add(demo.File, false)
	f.Add(js.Bytes(), true)
	f.Add([]byte(base), false)
	f.Add([]byte("ward: 1\norganisation: &o {id: a, name: b}\nzones: [{<<: *o, kind: dmz, trust: low}]\n"), false)
	f.Add([]byte(`{"ward":1,"organisation":{"id":"a","name":"b"},"assets":[{"id":"x","kind":"ehr","zone":"z"}]}`), true)
	lim := modelfile.Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxAliasNodes: 10_000}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "fuzz.yaml"
		if asJSON {
			name = "fuzz.json"
		}
		m, err := modelfile.Parse(name, data, lim)
		if err != nil {
			if _, ok := modelfile.AsErrors(err); !ok {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		for _, format := range []modelfile.Format{modelfile.YAML, modelfile.JSON} {
			var buf bytes.Buffer
			if err := modelfile.Write(&buf, m, format); err != nil {
				t.Fatal(err)
			}
			again, err := modelfile.Parse("again."+string(format), buf.Bytes(), modelfile.DefaultLimits)
			if err != nil {
				t.Fatalf("accepted model does not read back as %s: %v\n%s", format, err, buf.Bytes())
			}
			a, _ := json.Marshal(m)
			b, _ := json.Marshal(again)
			if !bytes.Equal(a, b) {
				t.Fatalf("%s round trip changed the model:\n%s\n%s", format, a, b)
			}
		}
	})
}

// FuzzDecodeJSON feeds the feed decoder arbitrary JSON: it must not panic,
// every error must be positioned Errors, and what it accepts must be valid
// UTF-8 without a repeated key. Run: go test ./modelfile -fuzz FuzzDecodeJSON
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"a": "x", "b": [1, 2, {"c": true}], "d": {"e": null}}`))
	f.Add([]byte(`{"a": "x", "a": "y"}`))
	f.Add([]byte("{\"a\": \"\xff\"}"))
	f.Add([]byte(`{"b": "not a list", "d": []}`))
	f.Add([]byte(`{"a": "\"\\\\", "\u0061": 1}`))
	type doc struct {
		A string `json:"a"`
		B []any  `json:"b"`
		D *struct {
			E *int `json:"e"`
		} `json:"d"`
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v doc
		err := modelfile.DecodeJSON("f.json", data, &v)
		if err != nil {
			es, ok := modelfile.AsErrors(err)
			if !ok || len(es) == 0 || es[0].File != "f.json" {
				t.Fatalf("error not positioned: %v", err)
			}
			return
		}
		if !utf8.Valid(data) || !json.Valid(data) {
			t.Fatalf("accepted invalid JSON or UTF-8: %q", data)
		}
	})
}
