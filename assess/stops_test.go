package assess_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/demo"
)

// Stops answers as Fail does, for single assets and for groups of them.
func TestStopsIsFail(t *testing.T) {
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	var sets [][]string
	for _, a := range m.Assets {
		sets = append(sets, []string{a.ID})
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var set []string
		for range 1 + r.IntN(6) {
			set = append(set, m.Assets[r.IntN(len(m.Assets))].ID)
		}
		sets = append(sets, set)
	}
	if stopsAsFail(t, m, sets) == 0 {
		t.Fatal("no set stops a service")
	}
}

// stopsAsFail checks that Stops answers as Fail does for every set, and
// counts the services stopped.
func stopsAsFail(t *testing.T, m *ward.Model, sets [][]string) int {
	t.Helper()
	stops := assess.Stops(m, sets)
	stopped := 0
	for k, set := range sets {
		w, err := assess.Fail(m, set, 0)
		if err != nil {
			t.Fatal(err)
		}
		var want []int
		for i, s := range w.Services {
			if s.Stops {
				want = append(want, i)
			}
		}
		if !slices.Equal(stops[k], want) {
			t.Errorf("%s %v: Stops %v, Fail %v", m.Organisation.ID, set, stops[k], want)
		}
		stopped += len(want)
	}
	return stopped
}
