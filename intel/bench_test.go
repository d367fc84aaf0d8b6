package intel

import (
	"fmt"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

// naive compares every asset with every advisory product, the way the
// vendor index and the cache of names avoid.
func naive(advs []*Advisory, assets []ward.Asset) int {
	n := 0
	l := builtinLineage()
	for i := range assets {
		a := &assets[i]
		ak := l.keys(a.Vendor)
		af := productForm(a.Product, func([]string) bool { return false })
		for _, adv := range advs {
			for _, p := range adv.Products {
				pk := l.keys(p.Vendor)
				same := false
				for _, k := range ak {
					same = same || contains(pk, k)
				}
				if same && meets(af, productForm(p.Name, func([]string) bool { return false }), nil) != noName {
					n++
				}
			}
		}
	}
	return n
}

// BenchmarkMatch matches 100,000 generated assets against every CISA
// medical-device advisory of the reference data, with the vendor index and
// with a nested loop.
func BenchmarkMatch(b *testing.B) {
	advs := loadAll(b)
	m, err := synth.Generate(synth.Options{Assets: 100_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	matcher := NewMatcher(advs, nil)
	b.Run(fmt.Sprintf("indexed-%d-assets", len(m.Assets)), func(b *testing.B) {
		for b.Loop() {
			matcher.Match(m.Assets)
		}
	})
	b.Run(fmt.Sprintf("nested-loop-%d-assets", len(m.Assets)), func(b *testing.B) {
		for b.Loop() {
			naive(advs, m.Assets)
		}
	})
}
