package quantify

import (
	"testing"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/synth"
)

// BenchmarkQuantify measures 10,000 simulated years of the demo and of a
// generated 10,000-asset hospital, the assessment done beforehand.
func BenchmarkQuantify(b *testing.B) {
	b.Run("demo", func(b *testing.B) {
		m, cat, res := load(b, "")
		for b.Loop() {
			run(b, m, cat, res, Options{})
		}
	})
	b.Run("10000-assets-50000-links", func(b *testing.B) {
		m, err := synth.Generate(synth.Options{Assets: 10_000, Links: 50_000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		cat, err := catalog.Load()
		if err != nil {
			b.Fatal(err)
		}
		res, err := assess.Assess(m, cat, assess.Options{Today: today})
		if err != nil {
			b.Fatal(err)
		}
		q := run(b, m, cat, res, Options{})
		b.Logf("%d scenarios, %d register lines; mean %.0f", len(q.Scenarios), len(res.Risks), q.Mean)
		for b.Loop() {
			run(b, m, cat, res, Options{})
		}
	})
}
