package assess_test

import (
	"fmt"
	"testing"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/synth"
)

// BenchmarkAssess measures a whole assessment of generated hospitals.
// `ward bench` measures it in a fresh process with peak memory.
func BenchmarkAssess(b *testing.B) {
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct{ assets, links int }{{10_000, 0}, {10_000, 50_000}, {100_000, 0}, {100_000, 1_000_000}} {
		n := size.assets
		m, err := synth.Generate(synth.Options{Assets: n, Seed: 1, Links: size.links})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%d-assets-%d-links", n, len(m.Links)), func(b *testing.B) {
			for b.Loop() {
				if _, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPlan measures a plan of ten changes on a generated hospital.
func BenchmarkPlan(b *testing.B) {
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1_000, 3_000} {
		m, err := synth.Generate(synth.Options{Assets: n, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%d-assets", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := assess.MakePlan(m, cat, assess.Options{Today: "2026-11-23"}, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
