package modelfile

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

// The fast JSON path must take what Ward writes, and refuse what encoding/json
// would accept but the general path does not.
func TestStrictKeys(t *testing.T) {
	m, err := synth.Generate(synth.Options{Assets: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m.Assets[0].Name = `A&E "resus" <bay 1>` // escaped by encoding/json
	var buf bytes.Buffer
	if err := Write(&buf, m, JSON); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	counts, ok := strictKeys([]byte(good))
	if !ok {
		t.Fatal("the fast path refuses Ward's own JSON")
	}
	if counts["assets"] != len(m.Assets) || counts["links"] != len(m.Links) || counts["zones"] != len(m.Zones) || counts["services"] != len(m.Services) {
		t.Errorf("counts %v, want %d assets, %d links, %d zones, %d services", counts, len(m.Assets), len(m.Links), len(m.Zones), len(m.Services))
	}
	for name, bad := range map[string]string{
		"case":        strings.Replace(good, `"zone":`, `"Zone":`, 1),
		"duplicate":   strings.Replace(good, `"zone": "dmz"`, `"zone": "dmz", "zone": "dmz"`, 1),
		"unknown":     strings.Replace(good, `"zone": "dmz"`, `"zone": "dmz", "colour": "red"`, 1),
		"misplaced":   strings.Replace(good, `"zone": "dmz"`, `"zone": "dmz", "protocol": "ssh"`, 1),
		"escaped key": strings.Replace(good, `"zone":`, `"zon\u0065":`, 1),
		"unbalanced":  good[:len(good)-3],
	} {
		if _, ok := strictKeys([]byte(bad)); ok {
			t.Errorf("%s: the fast path accepts it", name)
		}
	}
}

// generalParse reads JSON the slow way only.
func generalParse(data []byte) (*ward.Model, error) {
	root, perr := parseJSON(context.Background(), data, DefaultLimits.MaxDepth)
	if perr != nil {
		return nil, perr
	}
	d := decoder{ctx: context.Background(), file: "f.json", lim: DefaultLimits, aliasBudget: DefaultLimits.MaxAliasNodes}
	var m ward.Model
	d.decodeRoot(root, reflect.ValueOf(&m).Elem())
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	return &m, nil
}

// FuzzJSONPaths checks that whatever the fast JSON path accepts, the general
// path accepts too, as the same model. Run:
// go test ./modelfile -run XXX -fuzz FuzzJSONPaths -fuzzminimizetime 5s
func FuzzJSONPaths(f *testing.F) {
	m, err := synth.Generate(synth.Options{Assets: 60, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, m, JSON); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"ward":1,"organisation":{"id":"a","name":"b"},"zones":[{"id":"z","kind":"dmz","trust":"low","controls":null}]}`))
	f.Add([]byte(`{"ward":1,"assets":[{"id":"x","kind":"ehr","zone":"z","internet_exposed":true,"criticality":{"safety":"high"}}],"links":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := fastJSON(data)
		if !ok {
			return
		}
		slow, err := generalParse(data)
		if err != nil {
			t.Fatalf("fast path accepted what the general path refuses: %v", err)
		}
		a, _ := json.Marshal(fast)
		b, _ := json.Marshal(slow)
		if !bytes.Equal(a, b) {
			t.Fatalf("paths disagree:\nfast %s\nslow %s", a, b)
		}
	})
}
