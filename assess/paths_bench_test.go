package assess

import (
	"fmt"
	"testing"

	"github.com/wardhealth/ward/synth"
)

// BenchmarkAttackPaths measures the attack graph and the paths to every
// critical target (k paths for the most exposed ten, the best one for the
// rest), facts computed beforehand.
func BenchmarkAttackPaths(b *testing.B) {
	for _, size := range []struct{ assets, links int }{{10_000, 50_000}, {100_000, 1_000_000}} {
		m, err := synth.Generate(synth.Options{Assets: size.assets, Seed: 1, Links: size.links})
		if err != nil {
			b.Fatal(err)
		}
		org, facts := Facts(m, "2026-11-23", nil)
		b.Run(fmt.Sprintf("%d-assets-%d-links", size.assets, len(m.Links)), func(b *testing.B) {
			for b.Loop() {
				ag := buildAttackGraph(m.Index(), facts, &org)
				if len(AttackPaths(ag, m, facts, ag.reach(m, facts), DefaultPaths, DefaultTargets)) == 0 {
					b.Fatal("no paths")
				}
			}
		})
	}
}

// BenchmarkFacts measures the facts of every asset, with the causes behind
// each weakness kept, the model's index made beforehand.
func BenchmarkFacts(b *testing.B) {
	for _, size := range []struct{ assets, links int }{{100_000, 1_000_000}} {
		m, err := synth.Generate(synth.Options{Assets: size.assets, Seed: 1, Links: size.links})
		if err != nil {
			b.Fatal(err)
		}
		x := m.Index()
		// The links read in one pass, and by the cores side by side.
		for _, apart := range []int{1 << 62, linksApart} {
			b.Run(fmt.Sprintf("%d-assets-%d-links-apart-%v", size.assets, len(m.Links), apart <= len(m.Links)), func(b *testing.B) {
				defer func(n int) { linksApart = n }(linksApart)
				linksApart = apart
				for b.Loop() {
					if _, f := facts(x, "2026-11-23", nil, newCauses(len(m.Assets))); len(f) != len(m.Assets) {
						b.Fatal("facts missing")
					}
				}
			})
		}
	}
}
