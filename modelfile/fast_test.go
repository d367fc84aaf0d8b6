package modelfile

import (
	"bytes"
	"strings"
	"testing"

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
