package ward

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// A model's links are resolved in ranges side by side; the ends are those
// of resolving them one by one, whatever the ranges' bounds cut (runs of
// one first end, ends naming nothing).
func TestIndexInRangesAsOneByOne(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	defer func(n int) { resolvedApart = n }(resolvedApart)
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 50 {
		m := &Model{Zones: []Zone{{ID: "lan"}, {ID: "inet"}}}
		for i := range 1 + r.IntN(50) {
			m.Assets = append(m.Assets, Asset{ID: fmt.Sprintf("a%d", i), Zone: "lan"})
		}
		end := func() string {
			switch r.IntN(10) {
			case 0:
				return "lan"
			case 1:
				return "ghost"
			}
			return fmt.Sprintf("a%d", r.IntN(len(m.Assets)))
		}
		from := end()
		for range r.IntN(500) {
			if r.IntN(4) == 0 {
				from = end()
			}
			m.Links = append(m.Links, Link{From: from, To: end()})
		}
		resolvedApart = 1 << 30
		one := m.Index()
		resolvedApart = 1 + r.IntN(16)
		apart := m.Index()
		if !slices.Equal(one.From, apart.From) || !slices.Equal(one.To, apart.To) {
			t.Fatalf("round %d: the ends resolved in ranges differ from one by one", round)
		}
		for li, l := range m.Links {
			if one.From[li] != one.End(l.From) || one.To[li] != one.End(l.To) {
				t.Fatalf("round %d: link %d resolved as %d -> %d", round, li, one.From[li], one.To[li])
			}
		}
	}
}
