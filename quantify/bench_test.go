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

// BenchmarkPlanByMoney measures a plan in money of five steps at 10,000
// simulated years: the demo and a generated 1,000-asset hospital (the
// 10,000-asset one takes half a minute of CPU: docs/performance.md times
// it with the binary).
func BenchmarkPlanByMoney(b *testing.B) {
	for _, c := range []struct {
		name   string
		assets int
	}{{"demo", 0}, {"1000-assets", 1000}} {
		b.Run(c.name, func(b *testing.B) {
			m, cat, _ := load(b, "")
			if c.assets > 0 {
				var err error
				if m, err = synth.Generate(synth.Options{Assets: c.assets, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				p, err := MakePlan(m, cat, assess.Options{Today: today}, Options{}, 5)
				if err != nil || len(p.Steps) == 0 {
					b.Fatal(err, p)
				}
			}
		})
	}
}
