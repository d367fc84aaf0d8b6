package synth_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/synth"
)

// distinctFacts counts the assets' distinct sets of facts, names aside:
// how many evaluations an assessment cannot share.
func distinctFacts(t *testing.T, o synth.Options) (int, int) {
	t.Helper()
	m, err := synth.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("%+v: invalid model: %v", o, err)
	}
	_, facts := assess.Facts(m, "2026-11-23", nil)
	seen := map[string]bool{}
	for i := range facts {
		f := facts[i]
		f.ID, f.Name = "", ""
		b, _ := json.Marshal(&f)
		seen[string(b)] = true
	}
	return len(seen), len(m.Links)
}

// Realistic variety gives most site assets facts of their own; low shares
// them among many; high more so than realistic.
func TestVarietyMakesDistinctFacts(t *testing.T) {
	const n = 3000
	counts := map[synth.Variety]int{}
	for _, v := range []synth.Variety{synth.VarietyLow, synth.VarietyRealistic, synth.VarietyHigh} {
		d, _ := distinctFacts(t, synth.Options{Assets: n, Seed: 5, Variety: v})
		counts[v] = d
	}
	t.Logf("distinct fact sets among %d assets: %v", n, counts)
	if counts[synth.VarietyLow]*3 > counts[synth.VarietyRealistic] {
		t.Errorf("realistic variety: %d distinct fact sets, want at least three times low's %d", counts[synth.VarietyRealistic], counts[synth.VarietyLow])
	}
	if counts[synth.VarietyRealistic] < n/3 {
		t.Errorf("realistic variety: %d distinct fact sets among %d assets, want a third of them at least", counts[synth.VarietyRealistic], n)
	}
	if counts[synth.VarietyHigh] <= counts[synth.VarietyRealistic] {
		t.Errorf("high variety: %d distinct fact sets, no more than realistic's %d", counts[synth.VarietyHigh], counts[synth.VarietyRealistic])
	}
}

// The same seed and options give the same hospital at every variety, and
// --links-per-asset is met on average.
func TestVarietyDeterministicAndDense(t *testing.T) {
	for _, v := range []synth.Variety{synth.VarietyLow, synth.VarietyRealistic, synth.VarietyHigh} {
		for _, f := range []float64{4, 8} {
			o := synth.Options{Assets: 2000, Seed: 9, Variety: v, LinksPerAsset: f}
			a, err := synth.Generate(o)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := synth.Generate(o)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Errorf("%s, %v links per asset: the same seed gave different hospitals", v, f)
			}
			if err := a.Validate(); err != nil {
				t.Fatalf("%s: invalid model: %v", v, err)
			}
			mean := float64(len(a.Links)) / float64(len(a.Assets))
			if math.Abs(mean-f) > 0.02*f {
				t.Errorf("%s: %.3f links per asset, asked for %v", v, mean, f)
			}
		}
	}
}

// Realistic variety spreads an advised product's versions on both sides
// of the advisory's line: SpaceCom up to U61 is affected (ICSMA-20-296-02).
func TestVarietySpreadsVersions(t *testing.T) {
	m, err := synth.Generate(synth.Options{Assets: 3000, Seed: 2, Variety: synth.VarietyRealistic})
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]int{}
	for _, a := range m.Assets {
		if a.Product == "SpaceCom" {
			versions[a.Version]++
		}
	}
	below, above := 0, 0
	for v, n := range versions {
		switch {
		case strings.HasPrefix(v, "U") && v <= "U61", strings.HasPrefix(v, "L") && v <= "L81":
			below += n
		default:
			above += n
		}
	}
	if len(versions) < 5 || below == 0 || above == 0 {
		t.Errorf("SpaceCom versions %v: want several, on both sides of U61/L81", versions)
	}
}

// Bad options are refused, naming the option.
func TestVarietyBadOptions(t *testing.T) {
	for _, c := range []struct {
		o    synth.Options
		want string
	}{
		{synth.Options{Assets: 1000, Variety: "medium"}, `variety "medium": use low, realistic or high`},
		{synth.Options{Assets: 1000, LinksPerAsset: 2}, "links-per-asset 2: the layout itself has 3."},
		{synth.Options{Assets: 1000, LinksPerAsset: math.NaN()}, "links-per-asset NaN"},
		{synth.Options{Assets: 1000, LinksPerAsset: -1}, "links-per-asset -1"},
	} {
		_, err := synth.Generate(c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.o, err, c.want)
		}
	}
}
