package modelfile_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/synth"
	"go.yaml.in/yaml/v3"
)

// wholeDocument is a model file written the plain way, the whole model
// encoded at once: what Write, writing a list item by item, must give.
func wholeDocument(t *testing.T, m *ward.Model, f modelfile.Format) []byte {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if f == modelfile.JSON {
		if err := json.Indent(&buf, data, "", "  "); err != nil {
			t.Fatal(err)
		}
		buf.WriteByte('\n')
		return buf.Bytes()
	}
	n, err := modelfile.JSONToYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n.Content[0]); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriteItemByItem: writing a model's lists one item at a time gives
// the bytes of encoding the whole document, on the demo, the incident
// hospitals, generated hospitals of every variety and models with empty
// or missing sections.
func TestWriteItemByItem(t *testing.T) {
	models := map[string]*ward.Model{}
	d, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	models["demo"] = d
	for _, name := range []string{"vendor-gateway", "eprescription-ddos"} {
		m, err := modelfile.Load(filepath.Join("..", "assess", "testdata", "incidents", name, "hospital.yaml"), modelfile.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		models[name] = m
	}
	for _, v := range []synth.Variety{"low", "realistic", "high"} {
		m, err := synth.Generate(synth.Options{Assets: 300, Seed: 7, Variety: v})
		if err != nil {
			t.Fatal(err)
		}
		models["generated "+string(v)] = m
	}
	models["organisation only"] = &ward.Model{Ward: 1, Organisation: ward.Organisation{ID: "a", Name: "A <&> \"quoted\""}}
	models["empty lists"] = &ward.Model{Ward: 1, Organisation: ward.Organisation{ID: "a", Name: "A"}, Zones: []ward.Zone{}, Assets: []ward.Asset{{ID: "x", Kind: "ehr", Zone: "z"}}}
	models["nothing"] = &ward.Model{}
	for name, m := range models {
		for _, f := range []modelfile.Format{modelfile.YAML, modelfile.JSON} {
			var buf bytes.Buffer
			if err := modelfile.Write(&buf, m, f); err != nil {
				t.Fatalf("%s %s: %v", name, f, err)
			}
			if want := wholeDocument(t, m, f); !bytes.Equal(buf.Bytes(), want) {
				i := 0
				for i < min(buf.Len(), len(want)) && buf.Bytes()[i] == want[i] {
					i++
				}
				t.Errorf("%s %s: differs from the whole document at byte %d:\n%q\nwant\n%q", name, f, i, buf.Bytes()[max(0, i-80):min(buf.Len(), i+80)], want[max(0, i-80):min(len(want), i+80)])
			}
		}
	}
}
