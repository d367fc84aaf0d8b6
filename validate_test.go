package ward

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
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

// A large model's assets and links are checked in ranges side by side; the
// problems, and their order, are those of checking them one by one: drawn
// models full of mistakes (unknown ends, zone-to-zone and self links,
// repeated links and link ids, bad enums and ports), some with more
// problems than are reported.
func TestValidateInRangesAsOneByOne(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	defer func(n int) { checkedApart = n }(checkedApart)
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 40 {
		m := &Model{Ward: FormatVersion,
			Organisation: Organisation{ID: "h", Name: "H", Kind: "hospital", Country: "BE"},
			Zones: []Zone{{ID: "lan", Name: "LAN", Kind: "clinical", Trust: "medium"},
				{ID: "net", Name: "Internet", Kind: "internet", Trust: "untrusted"}},
		}
		kinds := []AssetKind{"ehr", "pacs", "infusion-pump", "toaster"}
		for i := range 50 + r.IntN(400) {
			a := Asset{ID: fmt.Sprintf("a%d", i), Name: "A", Kind: kinds[r.IntN(len(kinds))], Zone: "lan"}
			if r.IntN(20) == 0 {
				a.Zone = "nowhere"
			}
			if r.IntN(20) == 0 {
				a.DependsOn = []string{fmt.Sprintf("a%d", r.IntN(600))}
			}
			m.Assets = append(m.Assets, a)
		}
		ends := func() string {
			switch r.IntN(30) {
			case 0:
				return "lan"
			case 1:
				return "net"
			case 2:
				return "ghost"
			case 3:
				return ""
			}
			return fmt.Sprintf("a%d", r.IntN(len(m.Assets)))
		}
		protos := []Protocol{"https", "hl7", "dicom", "smoke-signals"}
		for range r.IntN(3000) {
			l := Link{From: ends(), To: ends(), Protocol: protos[r.IntN(len(protos))], Port: r.IntN(4)}
			if r.IntN(50) == 0 {
				l.Port = 70000
			}
			if r.IntN(10) == 0 {
				l.ID = fmt.Sprintf("l%d", r.IntN(40))
			}
			if r.IntN(40) == 0 {
				l.Direction = "sideways"
			}
			m.Links = append(m.Links, l)
		}
		checkedApart = 1 << 30
		one := m.Validate()
		checkedApart = 1 + r.IntN(64)
		apart := m.Validate()
		if one == nil || apart == nil {
			t.Fatalf("round %d: a model full of mistakes passed: %v / %v", round, one, apart)
		}
		a, b := one.(*ValidationError).Errors, apart.(*ValidationError).Errors
		if !slices.Equal(a, b) {
			for k := range min(len(a), len(b)) {
				if a[k] != b[k] {
					t.Fatalf("round %d (ranges from %d): problem %d is %v, one by one %v", round, checkedApart, k, b[k], a[k])
				}
			}
			t.Fatalf("round %d: %d problems in ranges, %d one by one", round, len(b), len(a))
		}
		// The links' problems in link order, a link's repeat last of its.
		last, repeated := -1, false
		for _, e := range b {
			var i int
			if _, err := fmt.Sscanf(e.Path, "links[%d]", &i); err != nil {
				continue
			}
			if i < last || i == last && repeated {
				t.Fatalf("round %d: %v after a problem of links[%d]", round, e, last)
			}
			last, repeated = i, strings.HasPrefix(e.Message, "duplicate link ") && !strings.HasPrefix(e.Message, "duplicate link id ")
		}
	}
}
