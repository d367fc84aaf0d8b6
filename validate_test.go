package ward

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// sameLinks finds, for every link that repeats an earlier one, the first
// it repeats: as keeping each key's first position in a map does, on links
// drawn from few ends, protocols and ports (long runs of one key, and
// keys alike but for one part).
func TestSameLinksAgreesWithAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ids := []string{"a", "b", "ab", "", "a\x00b"}
	protos := []Protocol{"https", "hl7", ""}
	for round := range 200 {
		links := make([]Link, r.IntN(300))
		for i := range links {
			links[i] = Link{From: ids[r.IntN(len(ids))], To: ids[r.IntN(len(ids))], Protocol: protos[r.IntN(len(protos))], Port: r.IntN(3)}
		}
		type key struct {
			from, to string
			proto    Protocol
			port     int
		}
		first := map[key]int{}
		want := map[int]int{}
		for i, l := range links {
			k := key{l.From, l.To, l.Protocol, l.Port}
			if j, ok := first[k]; ok {
				want[i] = j
			} else {
				first[k] = i
			}
		}
		got := sameLinks(links)
		if len(got) != len(want) {
			t.Fatalf("round %d: %d repeats, want %d", round, len(got), len(want))
		}
		for i, j := range want {
			if g, ok := got[i]; !ok || g != j {
				t.Fatalf("round %d: links[%d] repeats links[%d], got %d (%v)", round, i, j, g, ok)
			}
		}
	}
}

// A link listed twice is a problem at the second, naming the first; the
// same ends over another protocol or port are another link.
func TestDuplicateLinks(t *testing.T) {
	m := &Model{
		Organisation: Organisation{ID: "h", Name: "H", Kind: "hospital", Country: "BE"},
		Zones:        []Zone{{ID: "lan", Name: "LAN", Kind: "clinical", Trust: "medium"}},
		Assets: []Asset{
			{ID: "ehr", Name: "EHR", Kind: "ehr", Zone: "lan"},
			{ID: "pacs", Name: "PACS", Kind: "pacs", Zone: "lan"},
		},
		Links: []Link{
			{From: "ehr", To: "pacs", Protocol: "https", Port: 443},
			{From: "ehr", To: "pacs", Protocol: "https", Port: 8443},
			{From: "ehr", To: "pacs", Protocol: "dicom", Port: 443},
			{From: "ehr", To: "pacs", Protocol: "https", Port: 443},
			{From: "pacs", To: "ehr", Protocol: "https", Port: 443},
			{From: "ehr", To: "pacs", Protocol: "https", Port: 8443},
		},
	}
	var ve *ValidationError
	if !errors.As(m.Validate(), &ve) {
		t.Fatal("duplicate links accepted")
	}
	var dups []string
	for _, e := range ve.Errors {
		if strings.Contains(e.Message, "duplicate link") {
			dups = append(dups, e.Error())
		}
	}
	err := ve
	want := []string{
		"links[3]: duplicate link ehr -> pacs (https) (links[0] is the same link)",
		"links[5]: duplicate link ehr -> pacs (https) (links[1] is the same link)",
	}
	if strings.Join(dups, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s\nall:\n%v", strings.Join(dups, "\n"), strings.Join(want, "\n"), err)
	}
}
