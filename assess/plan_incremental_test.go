package assess

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/synth"
)

// stirred is a generated hospital made less regular: firewall rules
// (allow and deny, some for remote administration), flat and segmented
// zones swapped, links made two-way, logons through the directories by
// dependency, declared Internet exposure and known vulnerabilities, so
// that every kind of attack step and fact is in play.
func stirred(t testing.TB, assets int, seed uint64) (*ward.Model, map[string]intel.Exposure) {
	t.Helper()
	m, err := synth.Generate(synth.Options{Assets: assets, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(seed, 7))
	pick := func(n int) int { return rnd.IntN(n) }
	protocols := []ward.Protocol{"rdp", "ssh", "https", "smb", "hl7v2", ""}
	for k := range 12 {
		from, to := m.Zones[pick(len(m.Zones))].ID, m.Zones[pick(len(m.Zones))].ID
		if pick(3) == 0 {
			to = m.Assets[pick(len(m.Assets))].ID
		}
		r := ward.Rule{ID: fmt.Sprintf("r-%d", k), From: from, To: to, Protocol: protocols[pick(len(protocols))], Port: []int{0, 3389, 443}[pick(3)]}
		if pick(4) == 0 {
			r.Action = "deny"
		}
		m.Rules = append(m.Rules, r)
	}
	for i := range m.Zones {
		z := &m.Zones[i]
		if z.Kind == "internet" || pick(3) != 0 {
			continue
		}
		if slices.Contains(z.Controls, "segmentation") {
			z.Controls = slices.DeleteFunc(slices.Clone(z.Controls), func(c string) bool { return c == "segmentation" })
		} else {
			z.Controls = append(slices.Clone(z.Controls), "segmentation")
		}
	}
	for i := range m.Links {
		if pick(10) == 0 {
			m.Links[i].Direction = "both"
		}
	}
	var dirs []string
	for _, a := range m.Assets {
		if a.Kind == "directory" || a.Kind == "identity-provider" {
			dirs = append(dirs, a.ID)
		}
	}
	if len(dirs) >= 2 {
		m.Redundancy = append(m.Redundancy, ward.RedundancyGroup{ID: "directories", Need: 1, Of: dirs[:2]})
	}
	vulns := map[string]intel.Exposure{}
	for i := range m.Assets {
		a := &m.Assets[i]
		switch pick(20) {
		case 0:
			a.DependsOn = append(a.DependsOn, "directories")
		case 1:
			a.DependsOn = append(a.DependsOn, dirs[pick(len(dirs))])
		case 2:
			a.InternetExposed = true
		case 3, 4:
			vulns[a.ID] = intel.Exposure{Count: 1 + pick(3), Exploited: pick(2), MaxCVSS: 9.8}
		}
	}
	return m, vulns
}

// incidentHospitals are the hospitals of real incidents under testdata,
// with the vulnerabilities their feeds name.
func incidentHospitals(t testing.TB) (names []string, models []*ward.Model, vulns []map[string]intel.Exposure) {
	t.Helper()
	files, _ := filepath.Glob("testdata/incidents/*/hospital.yaml")
	if len(files) < 2 {
		t.Fatalf("want the incident hospitals under testdata/incidents, found %v", files)
	}
	for _, file := range files {
		m, err := modelfile.Load(file, modelfile.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(file)
		advisories, _ := filepath.Glob(filepath.Join(dir, "feeds", "icsma-*.json"))
		advs, err := intel.LoadAdvisories(advisories...)
		if err != nil {
			t.Fatal(err)
		}
		var kev *intel.KEV
		if k := filepath.Join(dir, "feeds", "known_exploited_vulnerabilities.json"); exists(k) {
			if kev, err = intel.LoadKEV(k); err != nil {
				t.Fatal(err)
			}
		}
		names = append(names, filepath.Base(dir))
		models = append(models, m)
		vulns = append(vulns, intel.Exposures(intel.NewMatcher(advs, kev).Match(m.Assets)))
	}
	return names, models, vulns
}

// The measure on what a change touches (quick) equals the measure of the
// whole changed model, for every candidate of generated, stirred and real
// incident hospitals, before any step and after the plan's first steps.
func TestQuickMeasureEqualsWhole(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	if cat.RisksReadOrg() {
		t.Fatal("the built-in catalog's risks read the organisation: the plan measures every change whole, and this test has nothing to check")
	}
	type hospital struct {
		name  string
		m     *ward.Model
		vulns map[string]intel.Exposure
	}
	var hs []hospital
	names, models, vulns := incidentHospitals(t)
	for i := range names {
		hs = append(hs, hospital{names[i], models[i], vulns[i]})
	}
	for _, size := range []struct {
		assets int
		seed   uint64
	}{{200, 1}} {
		m, _ := synth.Generate(synth.Options{Assets: size.assets, Seed: size.seed})
		hs = append(hs, hospital{fmt.Sprintf("generated-%d-%d", size.assets, size.seed), m, nil})
	}
	if !raceEnabled {
		m, _ := synth.Generate(synth.Options{Assets: 300, Seed: 6, Variety: synth.VarietyHigh, LinksPerAsset: 5})
		hs = append(hs, hospital{"generated-300-high-variety", m, nil})
	}
	// A group of two sites, and stirred ones.
	for _, size := range []struct {
		assets int
		seed   uint64
	}{{200, 1}, {300, 2}, {1600, 3}} {
		if raceEnabled && size.assets > 200 {
			continue // under the race detector, the smaller ones, for time
		}
		sm, sv := stirred(t, size.assets, size.seed)
		hs = append(hs, hospital{fmt.Sprintf("stirred-%d-%d", size.assets, size.seed), sm, sv})
	}
	for _, h := range hs {
		t.Run(h.name, func(t *testing.T) {
			opt := Options{Today: "2026-11-23", Vulnerabilities: h.vulns}
			res, err := Assess(h.m, cat, opt)
			if err != nil {
				t.Fatal(err)
			}
			cands := Candidates(h.m, res, opt)
			s := newScorer(h.m, cat, opt, false)
			s.orgInRisks = false
			st, err := s.measure(h.m, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			quick, actions := 0, map[string]int{}
			rounds := 2
			if len(h.m.Assets) > 1000 {
				rounds = 1
			}
			every := 4
			if raceEnabled {
				every = 16 // the race detector makes each measure of the whole model slow
			}
			for round := range rounds {
				best, bestGain := -1, 0
				var bestNext *state
				for i := range cands {
					c := &cands[i]
					if len(h.m.Assets) > 1000 && i%every != 0 {
						continue // a sample of a large group's candidates, for time
					}
					whole, err := s.with(st, c)
					if err != nil {
						t.Fatal(err)
					}
					gain := st.total() - whole.total()
					if gain > bestGain {
						best, bestGain, bestNext = i, gain, whole
					}
					if c.touch == nil {
						continue
					}
					risk, exposure, next, ok, err := s.quick(st, c, true)
					if err != nil {
						t.Fatal(err)
					}
					if !ok {
						continue
					}
					quick++
					actions[c.Action]++
					if risk != whole.risk || exposure != whole.exposure {
						t.Errorf("round %d, %s: quick risk %d exposure %d, whole model %d and %d", round, c.ID, risk, exposure, whole.risk, whole.exposure)
					}
					sameState(t, fmt.Sprintf("round %d, %s", round, c.ID), next, whole)
					if i == best {
						bestNext = next // the next round measures from the state quick made
					}
				}
				if best < 0 {
					break
				}
				st = bestNext
			}
			if quick == 0 {
				t.Errorf("no candidate of %d was measured on what it touches", len(cands))
			}
			t.Logf("%d assets, %d candidates, %d measures on what they touch: %v", len(h.m.Assets), len(cands), quick, actions)
		})
	}
}

// The plan is the same whether each change is measured on what it touches
// or on the whole changed model.
func TestPlanIncrementalEqualsFull(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	sizes := []struct {
		assets int
		seed   uint64
	}{{300, 5}, {1600, 4}}
	if raceEnabled {
		sizes = sizes[:1] // a group of sites takes a minute measured whole under the race detector
	}
	for _, size := range sizes {
		seed := size.seed
		m, vulns := stirred(t, size.assets, seed)
		opt := Options{Today: "2026-11-23", Vulnerabilities: vulns}
		quick, err := makePlan(m, cat, opt, 8, false, false)
		if err != nil {
			t.Fatal(err)
		}
		full, err := makePlan(m, cat, opt, 8, true, false)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(quick)
		b, _ := json.Marshal(full)
		if string(a) != string(b) {
			t.Errorf("seed %d: incremental plan\n%s\nwhole-model plan\n%s", seed, a, b)
		}
		if len(quick.Steps) < 5 {
			t.Errorf("seed %d: only %d steps", seed, len(quick.Steps))
		}
	}
}

// factsKey tells apart facts that differ in any one field but the names.
func TestFactsKeyNamesEveryField(t *testing.T) {
	typ := reflect.TypeFor[catalog.AssetFacts]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		var a, b catalog.AssetFacts
		f := reflect.ValueOf(&b).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Int:
			f.SetInt(1)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Float64:
			f.SetFloat(0.5)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"x"}))
		default:
			t.Fatalf("field %s of kind %s: teach the test", name, f.Kind())
		}
		same := factsKey(&a) == factsKey(&b)
		if name == "ID" || name == "Name" {
			if !same {
				t.Errorf("the key reads %s: assets alike but their names would not share answers", name)
			}
			continue
		}
		if same {
			t.Errorf("factsKey misses a change of %s", name)
		}
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// sameState checks that the state quick made after a change is the one
// measuring the whole changed model gives: every asset's facts, risk and
// reach, every node's most likely path, the totals.
func sameState(t *testing.T, what string, got, want *state) {
	t.Helper()
	if got.risk != want.risk || got.exposure != want.exposure {
		t.Errorf("%s: next state risk %d exposure %d, whole model %d and %d", what, got.risk, got.exposure, want.risk, want.exposure)
	}
	for i := range want.facts {
		if !got.facts[i].Equal(&want.facts[i]) {
			t.Errorf("%s: facts of %s\n%+v\nwant\n%+v", what, want.facts[i].ID, got.facts[i], want.facts[i])
			return
		}
		if got.contrib[i] != want.contrib[i] || got.reach[i] != want.reach[i] {
			t.Errorf("%s: %s risk %d reach %v, want %d and %v", what, want.facts[i].ID, got.contrib[i], got.reach[i], want.contrib[i], want.reach[i])
			return
		}
	}
	// Nodes past the assets are compared by name: a flat network a
	// change segments is gone from the whole model's graph, and stays
	// without steps in quick's.
	wantNode := func(v int) (int, bool) {
		if v < len(want.facts) {
			return v, true
		}
		for name, k := range got.ix.node {
			if int(k) == v {
				w, ok := want.ix.node[name]
				return int(w), ok
			}
		}
		return 0, false
	}
	for v := range got.ix.dist {
		w, ok := wantNode(v)
		if !ok {
			if !math.IsInf(got.ix.dist[v], 1) {
				t.Errorf("%s: node %d the whole model has not is reached", what, v)
			}
			continue
		}
		if got.ix.dist[v] != want.ix.dist[w] {
			t.Errorf("%s: path to node %d: %v, want %v", what, v, got.ix.dist[v], want.ix.dist[w])
			return
		}
		if k := got.ix.parent[v]; k >= 0 {
			if a := got.ix.arcs[k]; int(a.to) != v || got.ix.dist[a.from]+a.cost != got.ix.dist[v] {
				t.Errorf("%s: node %d's path arrives over arc %d %+v, which does not lead to it at its distance", what, v, k, a)
				return
			}
		}
	}
	if len(got.ix.arcs) != len(want.ix.arcs) {
		t.Errorf("%s: %d attack steps, whole model %d", what, len(got.ix.arcs), len(want.ix.arcs))
	}
	if got.org.Exposed != want.org.Exposed || got.org.EOS != want.org.EOS {
		t.Errorf("%s: organisation %+v, want %+v", what, got.org, want.org)
	}
}

// The gains measured again ahead, side by side, make the plan that
// measuring one at a time makes: with one worker nothing is measured
// ahead, with more the next stale candidates are.
func TestPlanMeasuredAheadAsOneAtATime(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	for _, seed := range []uint64{3, 4} {
		m, vulns := stirred(t, 900, seed)
		opt := Options{Today: "2026-11-23", Vulnerabilities: vulns}
		plan := func(workers int) string {
			runtime.GOMAXPROCS(workers)
			p, err := makePlan(m, cat, opt, 10, false, false)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(p)
			return string(b)
		}
		used := aheadUsed.Load()
		one := plan(1)
		if aheadUsed.Load() != used {
			t.Errorf("seed %d: gains measured ahead with one worker", seed)
		}
		for _, workers := range []int{2, 5} {
			if got := plan(workers); got != one {
				t.Errorf("seed %d, %d workers: plan\n%s\none at a time\n%s", seed, workers, got, one)
			}
		}
		if aheadUsed.Load() == used {
			t.Errorf("seed %d: no gain measured ahead was used: the case tells nothing", seed)
		}
	}
}
