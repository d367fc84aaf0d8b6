package assess_test

import (
	"testing"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/synth"
)

// BenchmarkResilience measures single points of failure and a batch of
// what-ifs (every asset alone, as quantify asks) on a generated hospital
// group of 10,000 assets, as generated and with redundancy groups, sites
// and depends_on added.
func BenchmarkResilience(b *testing.B) {
	for _, groups := range []bool{false, true} {
		m, err := synth.Generate(synth.Options{Assets: 10_000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		name := "generated"
		if groups {
			redundant(m)
			name = "with-groups"
		}
		sets := make([][]string, 0, len(m.Assets))
		for _, a := range m.Assets {
			sets = append(sets, []string{a.ID})
		}
		b.Run("single-points/"+name, func(b *testing.B) {
			for b.Loop() {
				assess.SinglePointsOfFailure(m)
			}
		})
		b.Run("stops/"+name, func(b *testing.B) {
			for b.Loop() {
				assess.Stops(m, sets)
			}
		})
	}
}
