package assess_test

import (
	"fmt"
	"testing"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/synth"
)

// varieties are the generator's varieties the benchmarks run at: realistic
// (assets that differ as a real inventory's do) and low beside it, to show
// what assets with the same facts sharing their evaluation saves.
var varieties = []synth.Variety{synth.VarietyRealistic, synth.VarietyLow}

// BenchmarkAssess measures a whole assessment of generated hospitals.
// `ward bench` measures it in a fresh process with peak memory.
func BenchmarkAssess(b *testing.B) {
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct{ assets, links int }{{10_000, 0}, {10_000, 50_000}, {100_000, 0}, {100_000, 1_000_000}} {
		for _, v := range varieties {
			n := size.assets
			m, err := synth.Generate(synth.Options{Assets: n, Seed: 1, Links: size.links, Variety: v})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%d-assets-%d-links-%s", n, len(m.Links), v), func(b *testing.B) {
				for b.Loop() {
					if _, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkPlan measures a plan of ten changes on a generated hospital
// (the targets: 10,000 assets in under a second, growing near-linearly;
// 'ward plan' on 'ward gen' files of 1k to 100k measures the rest).
func BenchmarkPlan(b *testing.B) {
	cat, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1_000, 3_000, 10_000} {
		for _, v := range varieties {
			m, err := synth.Generate(synth.Options{Assets: n, Seed: 1, Variety: v})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%d-assets-%s", n, v), func(b *testing.B) {
				for b.Loop() {
					if _, err := assess.MakePlan(m, cat, assess.Options{Today: "2026-11-23"}, 10); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
