package national

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

// gobRound is what gob, the format before, makes of a member.
func gobRound(t *testing.T, m Member) Member {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	var out Member
	if err := gob.NewDecoder(&buf).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestShareCodec: a share at every level comes back as gob gives it back
// (every field a projection keeps set in the hand-made model, and a
// generated hospital's), in a fraction of gob's size; bad data is an
// error, never a panic.
func TestShareCodec(t *testing.T) {
	hand := &ward.Model{Ward: 1, Organisation: ward.Organisation{ID: "h", Name: "H", Kind: "hospital", Country: "DE", Region: "DE-BY"},
		Zones: []ward.Zone{{ID: "dc", Kind: "datacentre", Trust: "high"}},
		Assets: []ward.Asset{
			{ID: "a", Kind: "server", Zone: "dc", Vendor: "V", Product: "P", Version: "1", Model: "M", Site: "s1", CPE: "cpe:2.3:a:v:p:1:*:*:*:*:*:*:*", PURL: "pkg:generic/p@1",
				InternetExposed: true, Controls: []string{"redundancy", "mfa"}, DependsOn: []string{"b"}, EndOfSupport: "2025-01-01",
				Criticality: ward.Criticality{Safety: "high", Availability: "critical", Confidentiality: "low", Integrity: "medium"}},
			{ID: "b", Kind: "external-service", Zone: "dc", National: "erx", Tags: []string{"tlp:red"}},
		},
		Links:      []ward.Link{{ID: "l1", From: "a", To: "b", Protocol: "https", Port: 443, Encrypted: true, Authenticated: true}},
		Redundancy: []ward.RedundancyGroup{{ID: "g", Name: "G", Need: 1, Of: []string{"a", "b"}}},
		Services:   []ward.Service{{ID: "s", Name: "S", MaxOutage: ward.Duration(7200e9), PatientSafety: "high", DependsOn: []string{"a"}}},
	}
	gen, err := synth.Generate(synth.Options{Assets: 500, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*ward.Model{hand, gen} {
		for _, l := range []ward.ShareLevel{ward.ShareCounts, ward.ShareServices, ward.ShareFull} {
			mem := newMember(m, l)
			mem.prof, mem.ix = nil, nil
			data, err := encodeShare(&mem)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeShare(data)
			if err != nil {
				t.Fatalf("%s at %s: %v", m.Organisation.ID, l, err)
			}
			if want := gobRound(t, mem); !reflect.DeepEqual(got, want) {
				t.Errorf("%s at %s:\n%+v\nwant\n%+v", m.Organisation.ID, l, got, want)
			}
			var buf bytes.Buffer
			gob.NewEncoder(&buf).Encode(mem)
			if l == ward.ShareServices && m == gen && len(data)*2 > buf.Len() {
				t.Errorf("a share of %d bytes, gob's %d", len(data), buf.Len())
			}
			for cut := range min(len(data), 400) {
				if _, err := decodeShare(data[:cut]); err == nil && cut < len(data) && l != ward.ShareFull {
					t.Errorf("%s at %s: %d of %d bytes decode", m.Organisation.ID, l, cut, len(data))
					break
				}
			}
		}
	}
}

// BenchmarkShare: a 2,000-asset hospital's share at the services level,
// encoded and decoded as gob (the format before) and compact, side by
// side.
func BenchmarkShare(b *testing.B) {
	m, err := synth.Generate(synth.Options{Assets: 2000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	mem := newMember(m, ward.ShareServices)
	var g bytes.Buffer
	if err := gob.NewEncoder(&g).Encode(mem); err != nil {
		b.Fatal(err)
	}
	data, err := encodeShare(&mem)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d assets, %d links: gob %d bytes, compact %d bytes", len(m.Assets), len(m.Links), g.Len(), len(data))
	b.Run("decode-gob", func(b *testing.B) {
		for b.Loop() {
			var out Member
			if err := gob.NewDecoder(bytes.NewReader(g.Bytes())).Decode(&out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-compact", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeShare(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode-gob", func(b *testing.B) {
		for b.Loop() {
			var buf bytes.Buffer
			gob.NewEncoder(&buf).Encode(mem)
		}
	})
	b.Run("encode-compact", func(b *testing.B) {
		for b.Loop() {
			encodeShare(&mem)
		}
	})
}
