package intel

import (
	"fmt"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

// naive compares every asset with every advisory product, the way the
// index avoids.
func naive(advs []*Advisory, assets []ward.Asset) int {
	n := 0
	for i := range assets {
		a := &assets[i]
		for _, adv := range advs {
			for _, p := range adv.Products {
				if normVendor(a.Vendor) == normVendor(p.Vendor) && productMatches(a.Product, p.Name) {
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
