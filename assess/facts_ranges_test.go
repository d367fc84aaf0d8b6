package assess

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"
)

// On a large hospital the facts' pass over the links is shared between the
// cores, each for the assets of its range; the facts, and the causes kept
// behind each weakness, are those of one pass: on stirred hospitals (two-way
// links, rules, remote administration, clear text) and the real incident
// hospitals, with any number of workers.
func TestFactsInRangesAsOnePass(t *testing.T) {
	defer func(n int) { linksApart = n }(linksApart)
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	names, models, vulns := incidentHospitals(t)
	for k, seed := range []uint64{1, 2, 3} {
		m, v := stirred(t, 300+700*k, seed)
		names, models, vulns = append(names, fmt.Sprintf("stirred-%d", seed)), append(models, m), append(vulns, v)
	}
	for k, m := range models {
		x := m.Index()
		run := func(apart, workers int) (any, any, *causes) {
			linksApart = apart
			runtime.GOMAXPROCS(workers)
			why := newCauses(len(m.Assets))
			org, facts := facts(x, "2026-11-23", vulns[k], why)
			return org, facts, why
		}
		org, facts, why := run(1<<62, 1)
		for _, workers := range []int{2, 3, 7} {
			o, f, w := run(1, workers)
			if !reflect.DeepEqual(o, org) || !reflect.DeepEqual(f, facts) {
				t.Errorf("%s, %d workers: the facts differ from one pass's", names[k], workers)
			}
			if !reflect.DeepEqual(w.of, why.of) {
				t.Errorf("%s, %d workers: the causes differ from one pass's", names[k], workers)
			}
		}
		noted := 0
		for _, list := range why.of {
			for _, c := range list {
				noted += int(c.n)
			}
		}
		if noted == 0 {
			t.Errorf("%s: no causes noted: the case tells nothing", names[k])
		}
	}
}
