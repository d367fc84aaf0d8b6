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
