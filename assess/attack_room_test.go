package assess

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/graph"
)

// The attack graph's room is made for the steps the links make, counted
// beforehand: the count is the links' steps the graph then holds, on
// stirred hospitals (two-way links, zones as ends) and the incident ones.
func TestLinkStepsCounted(t *testing.T) {
	names, models, vulns := incidentHospitals(t)
	m, v := stirred(t, 800, 4)
	names, models, vulns = append(names, "stirred"), append(models, m), append(vulns, v)
	for k, m := range models {
		x := m.Index()
		org, facts := facts(x, "2026-11-23", vulns[k], nil)
		ag := buildAttackGraph(x, facts, &org)
		made := 0
		for _, s := range ag.steps {
			if s.link > 0 {
				made++
			}
		}
		if n := linkSteps(x); n != made || made == 0 {
			t.Errorf("%s: %d link steps counted, %d made", names[k], n, made)
		}
	}
}

// The links' steps are made in ranges side by side, each written at the
// place counted for it: the graph is the one a single pass makes, step for
// step and technique for technique, full and lean (where links from an
// asset to itself make arcs the graph drops, leaving gaps to close).
func TestAttackGraphInRangesAsOnePass(t *testing.T) {
	defer func(n int) { linkStepsApart = n }(linkStepsApart)
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	names, models, vulns := incidentHospitals(t)
	for k, seed := range []uint64{1, 2} {
		m, v := stirred(t, 500+900*k, seed)
		// A few links from an asset to itself, spread over the ranges.
		for i := 0; i < len(m.Assets); i += len(m.Assets) / 5 {
			at := i * len(m.Links) / len(m.Assets)
			self := ward.Link{From: m.Assets[i].ID, To: m.Assets[i].ID, Protocol: "https", Direction: "both"}
			m.Links = slices.Insert(m.Links, at, self)
		}
		names, models, vulns = append(names, fmt.Sprintf("stirred-%d", seed)), append(models, m), append(vulns, v)
	}
	type made struct {
		steps    []step
		techs    []string
		from, to []int32
		arcs     []arc
		g        *graph.Directed
	}
	for k, m := range models {
		x := m.Index()
		org, facts := facts(x, "2026-11-23", vulns[k], nil)
		build := func(apart, workers int, lean bool) made {
			linkStepsApart = apart
			runtime.GOMAXPROCS(workers)
			ag := newAttackGraph(x, facts, &org, lean, nil)
			var out made
			out.steps, out.from, out.to, out.arcs = ag.steps, ag.from, ag.to, ag.arcs
			for _, s := range ag.steps {
				out.techs = append(out.techs, ag.techs[s.tech])
			}
			out.g = ag.g
			return out
		}
		for _, lean := range []bool{false, true} {
			one := build(1<<62, 1, lean)
			if len(one.steps)+len(one.arcs) == 0 {
				t.Fatalf("%s: no steps: the case tells nothing", names[k])
			}
			for _, workers := range []int{2, 3, 7} {
				if got := build(1, workers, lean); !reflect.DeepEqual(got, one) {
					t.Errorf("%s, lean %v, %d workers: the graph differs from one pass's", names[k], lean, workers)
				}
			}
		}
		// A lean graph of some assets wanted has the steps into and out
		// of them that the whole lean graph has, in its order, in ranges
		// or in one pass: those the plan reads.
		want := make([]bool, len(m.Assets))
		for i := range want {
			want[i] = i%3 == 0 || i%7 == 1
		}
		incident := func(arcs []arc) []arc {
			var out []arc
			for _, a := range arcs {
				if (int(a.from) < len(want) && want[a.from]) || (int(a.to) < len(want) && want[a.to]) {
					out = append(out, a)
				}
			}
			return out
		}
		linkStepsApart = 1 << 62
		all := incident(newAttackGraph(x, facts, &org, true, nil).arcs)
		if len(all) == 0 {
			t.Fatalf("%s: no steps of the assets wanted", names[k])
		}
		for _, workers := range []int{1, 3} {
			linkStepsApart = 1
			runtime.GOMAXPROCS(workers)
			if got := incident(newAttackGraph(x, facts, &org, true, want).arcs); !reflect.DeepEqual(got, all) {
				t.Errorf("%s, %d workers: %d steps of the assets wanted, %d in the whole graph", names[k], workers, len(got), len(all))
			}
		}
	}
}
