package assess_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/synth"
)

// examples/redundancy.yaml, a hospital written for redundancy groups:
// eight infusion pumps on the pump switch, of which the infusion service
// needs six; two domain controllers, one of which is enough, both in
// server room A and both on UPS A; the EHR and the pump server cannot run
// without the directory. Reasoned before running Ward:
//   - no pump is a single point of failure; failing two stops nothing,
//     failing three stops infusion ("5 of 8 left, needs 6");
//   - neither domain controller is one, but server room A is (both copies
//     stand there), and so is UPS A (both copies depend on it: a common
//     cause), for infusion and records alike, through depends_on;
//   - failing both controllers stops both services: the EHR and the pump
//     server are down because they depend on them;
//   - the pump switch cuts every pump off the pump server: a network
//     single point of infusion, though no pump is needed alone;
//   - a standby (the redundancy control) still absorbs a failure, but two
//     members of a group do not stand in for each other.
func parseGroups(t *testing.T) *ward.Model {
	t.Helper()
	path := filepath.Join("..", "examples", "redundancy.yaml")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelfile.Parse(path, text, modelfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// asset finds an asset of the model by its id.
func asset(t *testing.T, m *ward.Model, id string) *ward.Asset {
	t.Helper()
	for i := range m.Assets {
		if m.Assets[i].ID == id {
			return &m.Assets[i]
		}
	}
	t.Fatalf("no asset %s", id)
	return nil
}

// fail runs the what-if and returns the services that stop, by id.
func fail(t *testing.T, m *ward.Model, ids ...string) (*assess.WhatIf, map[string]assess.Impact) {
	t.Helper()
	w, err := assess.Fail(m, ids, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]assess.Impact{}
	for _, s := range w.Services {
		if s.Stops {
			out[s.Service] = s
		}
	}
	return w, out
}

func keys(m map[string]assess.Impact) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func causes(im assess.Impact) string { return strings.Join(im.Causes, "; ") }

func TestNeedsFollowGroupsAndDependsOn(t *testing.T) {
	m := parseGroups(t)
	needs := assess.Needs(m)
	want := [][]string{
		{"dc-01", "dc-02", "pump-01", "pump-02", "pump-03", "pump-04", "pump-05", "pump-06", "pump-07", "pump-08", "pump-server", "ups-a"},
		{"dc-01", "dc-02", "ehr", "ups-a"},
	}
	for i := range want {
		if !slices.Equal(needs[i], want[i]) {
			t.Errorf("%s needs %v, want %v", m.Services[i].ID, needs[i], want[i])
		}
	}
}

func TestSinglePointsOfRedundancyGroups(t *testing.T) {
	m := parseGroups(t)
	res := assess.SinglePointsOfFailure(m)
	points := map[string]map[string]assess.SinglePoint{}
	for _, r := range res {
		points[r.Service] = map[string]assess.SinglePoint{}
		for _, p := range r.SinglePoints {
			k := p.Asset
			if p.Kind == "site" {
				k = "site:" + p.Site
			}
			points[r.Service][k] = p
		}
	}
	inf, rec := points["infusion"], points["records"]
	for id := range inf {
		if strings.HasPrefix(id, "pump-0") {
			t.Errorf("%s is a single point of infusion: %+v", id, inf[id])
		}
	}
	for _, svc := range []map[string]assess.SinglePoint{inf, rec} {
		for _, id := range []string{"dc-01", "dc-02"} {
			if p, ok := svc[id]; ok {
				t.Errorf("%s is a single point: %+v", id, p)
			}
		}
		ups, ok := svc["ups-a"]
		if !ok || ups.Reason != "all 2 copies of domain-controllers depend on ups-a: they are not independent" {
			t.Errorf("UPS A not named as the common cause: %+v", ups)
		}
		room, ok := svc["site:server-room-a"]
		if !ok || !strings.Contains(room.Reason, "domain-controllers") || !strings.Contains(room.Reason, "server-room-a") || room.Asset != "" {
			t.Errorf("server room A is not a single point: %+v", room)
		}
		if _, ok := svc["site:server-room-b"]; ok {
			t.Error("server room B holds no copy of a group")
		}
	}
	if p := inf["pump-server"]; p.Reason != "the service needs it and it has no standby" || !p.Needed {
		t.Errorf("pump server: %+v", p)
	}
	if p := rec["ehr"]; !p.Needed {
		t.Errorf("ehr: %+v", p)
	}
	if p, ok := inf["pump-sw"]; !ok || p.Needed || !strings.Contains(p.Reason, "infusion-pumps") {
		t.Errorf("the pump switch cuts the pumps off: %+v", p)
	}
	if _, ok := rec["pump-sw"]; ok {
		t.Error("records do not need the pumps")
	}
	if _, ok := rec["core-sw"]; ok {
		t.Error("records need the EHR alone on the network")
	}

	// A group that needs all its copies makes each one a single point.
	m.Redundancy[1].Need = 8
	for _, r := range assess.SinglePointsOfFailure(m) {
		if r.Service != "infusion" {
			continue
		}
		n := 0
		for _, p := range r.SinglePoints {
			if strings.HasPrefix(p.Asset, "pump-0") {
				n++
				if !strings.Contains(p.Reason, "infusion-pumps") || !p.Needed {
					t.Errorf("%+v", p)
				}
			}
		}
		if n != 8 {
			t.Errorf("%d pumps are single points when all 8 are needed: %+v", n, r.SinglePoints)
		}
	}
}

// A depends_on chain without groups: the service's asset needs what it
// depends on.
func TestSinglePointsThroughDependsOn(t *testing.T) {
	m := parseGroups(t)
	asset(t, m, "ehr").DependsOn = []string{"dc-01"} // on dc-01 alone
	for _, r := range assess.SinglePointsOfFailure(m) {
		if r.Service != "records" {
			continue
		}
		var got []string
		for _, p := range r.SinglePoints {
			if p.Asset == "dc-01" && p.Reason == "ehr needs it (depends_on)" && p.Needed {
				got = append(got, p.Asset)
			}
			if p.Asset == "dc-02" {
				t.Errorf("records need dc-01, not dc-02: %+v", p)
			}
		}
		if len(got) != 1 {
			t.Errorf("dc-01 is not a single point of records: %+v", r.SinglePoints)
		}
	}
}

func TestWhatIfPumpGroup(t *testing.T) {
	m := parseGroups(t)
	if _, got := fail(t, m, "pump-01", "pump-02"); len(got) != 0 {
		t.Errorf("two of eight pumps failing stops %v", keys(got))
	}
	_, got := fail(t, m, "pump-01", "pump-02", "pump-03")
	if !slices.Equal(keys(got), []string{"infusion"}) || !strings.Contains(causes(got["infusion"]), "infusion-pumps: 5 of 8 left, needs 6") {
		t.Errorf("three of eight pumps: %+v", got)
	}
	// The pump switch leaves every pump alive but cut off.
	_, got = fail(t, m, "pump-sw")
	if !slices.Equal(keys(got), []string{"infusion"}) || !strings.Contains(causes(got["infusion"]), "infusion-pumps: 0 of 8 left, needs 6") ||
		!strings.Contains(causes(got["infusion"]), "pump-sw") {
		t.Errorf("pump switch: %+v", got)
	}
}

func TestWhatIfDomainControllers(t *testing.T) {
	m := parseGroups(t)
	if _, got := fail(t, m, "dc-01"); len(got) != 0 {
		t.Errorf("one domain controller stops %v", keys(got))
	}
	w, got := fail(t, m, "dc-01", "dc-02")
	if !slices.Equal(keys(got), []string{"infusion", "records"}) {
		t.Fatalf("both domain controllers stop %v", keys(got))
	}
	if c := causes(got["records"]); !strings.Contains(c, "ehr is down: it depends on dc-01 and dc-02 (domain-controllers needs 1 of 2, 0 left)") {
		t.Errorf("records: %s", c)
	}
	if c := causes(got["infusion"]); !strings.Contains(c, "pump-server is down: it depends on dc-01 and dc-02") {
		t.Errorf("infusion: %s", c)
	}
	if !slices.Equal(w.Failed, []string{"dc-01", "dc-02"}) || !slices.Equal(w.AlsoDown, []string{"ehr", "pump-server"}) {
		t.Errorf("failed %v, also down %v", w.Failed, w.AlsoDown)
	}
	// The UPS takes both down with it, and the causes say so.
	w, got = fail(t, m, "ups-a")
	if !slices.Equal(keys(got), []string{"infusion", "records"}) || !strings.Contains(causes(got["records"]), "through ups-a") {
		t.Errorf("UPS A: %+v", got)
	}
	if !slices.Equal(w.AlsoDown, []string{"dc-01", "dc-02", "ehr", "pump-server"}) {
		t.Errorf("also down with the UPS: %v", w.AlsoDown)
	}
	// A standby absorbs dc-01's failure; dc-02 alone is not enough to stop.
	asset(t, m, "dc-01").Controls = []string{"redundancy"}
	w, got = fail(t, m, "dc-01", "dc-02")
	if len(got) != 0 || !slices.Equal(w.Absorbed, []string{"dc-01"}) {
		t.Errorf("with a standby for dc-01: absorbed %v, stops %v", w.Absorbed, keys(got))
	}
}

// A flat WAN: each site's core switch has a flow to the wan zone, and the
// WAN router is cabled to both. The flows are rules, not cables: the
// router is the one path between the sites, a single point of a service
// that needs both, and failing it stops the service.
func TestFlatWANIsNoCable(t *testing.T) {
	const wan = `ward: 1
organisation: {id: wan, name: Two Sites}
zones:
  - {id: wan, kind: other, trust: medium}
  - {id: a, kind: clinical, trust: medium}
  - {id: b, kind: clinical, trust: medium}
assets:
  - {id: router, kind: router, zone: wan}
  - {id: core-a, kind: switch, zone: a}
  - {id: core-b, kind: switch, zone: b}
  - {id: ehr, kind: ehr, zone: a}
  - {id: lis, kind: lis, zone: b}
links:
  - {from: core-a, to: wan, protocol: https, port: 443}
  - {from: core-b, to: wan, protocol: https, port: 443}
  - {from: core-a, to: router, protocol: ethernet}
  - {from: core-b, to: router, protocol: ethernet}
  - {from: ehr, to: core-a, protocol: ethernet}
  - {from: lis, to: core-b, protocol: ethernet}
services:
  - {id: lab, max_outage: 2h, depends_on: [ehr, lis]}
`
	m, err := modelfile.Parse("wan.yaml", []byte(wan), modelfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range assess.SinglePointsOfFailure(m)[0].SinglePoints {
		found = found || (p.Asset == "router" && !p.Needed)
	}
	if !found {
		t.Error("the WAN router is not a single point of failure")
	}
	if _, got := fail(t, m, "router"); !slices.Equal(keys(got), []string{"lab"}) {
		t.Errorf("failing the router stops %v", keys(got))
	}
}

// generatedWithGroups is a generated hospital of two sites with groups,
// sites and depends_on added.
func generatedWithGroups(t *testing.T) *ward.Model {
	t.Helper()
	m, err := synth.Generate(synth.Options{Assets: 2 * synth.SiteSize, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	redundant(m)
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

// Stops answers as Fail does on a model with groups and depends_on, for
// random sets of failed assets, most of them around what groups hold and
// what others depend on.
func TestStopsIsFailWithGroups(t *testing.T) {
	for _, m := range []*ward.Model{parseGroups(t), generatedWithGroups(t)} {
		var pool []string
		for _, g := range m.Redundancy {
			pool = append(pool, g.Of...)
		}
		for _, a := range m.Assets {
			pool = append(pool, a.DependsOn...)
			if a.Kind == "switch" || len(a.DependsOn) > 0 {
				pool = append(pool, a.ID)
			}
		}
		pool = slices.DeleteFunc(pool, func(id string) bool {
			return !slices.ContainsFunc(m.Assets, func(a ward.Asset) bool { return a.ID == id })
		})
		r := rand.New(rand.NewPCG(3, 4))
		var sets [][]string
		for _, a := range m.Assets {
			if len(sets) < 300 {
				sets = append(sets, []string{a.ID})
			}
		}
		for range 300 {
			var set []string
			for range 1 + r.IntN(5) {
				set = append(set, pool[r.IntN(len(pool))])
			}
			if r.IntN(3) == 0 {
				set = append(set, m.Assets[r.IntN(len(m.Assets))].ID)
			}
			sets = append(sets, set)
		}
		if stopsAsFail(t, m, sets) == 0 {
			t.Fatalf("%s: no set stops a service", m.Organisation.ID)
		}
	}
}

// A single point of failure of a service is an asset whose failure alone
// stops it in the what-if, and the other way round.
func TestSinglePointsAreSingleFailures(t *testing.T) {
	small, err := modelfile.Parse("small.yaml", []byte(whatIfHospital), modelfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	hospital, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*ward.Model{parseGroups(t), generatedWithGroups(t), small, hospital} {
		spof := map[[2]string]bool{}
		for _, r := range assess.SinglePointsOfFailure(m) {
			for _, p := range r.SinglePoints {
				if p.Kind != "site" {
					spof[[2]string{r.Service, p.Asset}] = true
				}
			}
		}
		sets := make([][]string, len(m.Assets))
		for i, a := range m.Assets {
			sets[i] = []string{a.ID}
		}
		for k, stopped := range assess.Stops(m, sets) {
			for i := range m.Services {
				key := [2]string{m.Services[i].ID, m.Assets[k].ID}
				if got := slices.Contains(stopped, i); got != spof[key] {
					t.Errorf("%s: failing %s stops it: %v; a single point: %v", key[0], key[1], got, spof[key])
				}
			}
		}
	}
}

// Copies that the model never connects to what the service needs are not
// lost by a network failure: what was apart before is not blamed on it.
func TestGroupApartBeforeIsNotBlamed(t *testing.T) {
	m := parseGroups(t)
	m.Links = slices.DeleteFunc(m.Links, func(l ward.Link) bool { return strings.HasPrefix(l.From, "pump-0") })
	if _, got := fail(t, m, "pump-sw"); len(got) != 0 {
		t.Errorf("the pump switch stops %v though no pump was connected", keys(got))
	}
	for _, p := range assess.SinglePointsOfFailure(m)[0].SinglePoints {
		if p.Asset == "pump-sw" {
			t.Errorf("the pump switch is a single point: %+v", p)
		}
	}
}

// depends_on may go round in a circle: each falls with the other, once.
func TestDependsOnCycle(t *testing.T) {
	m := parseGroups(t)
	asset(t, m, "ehr").DependsOn = []string{"pump-server"}
	asset(t, m, "pump-server").DependsOn = []string{"ehr"}
	if got := assess.Needs(m)[1]; !slices.Equal(got, []string{"ehr", "pump-server"}) {
		t.Errorf("records need %v", got)
	}
	w, got := fail(t, m, "ehr")
	if !slices.Equal(keys(got), []string{"infusion", "records"}) || !slices.Equal(w.AlsoDown, []string{"pump-server"}) ||
		!strings.Contains(causes(got["infusion"]), "pump-server is down: it depends on ehr") {
		t.Errorf("failing the EHR: also down %v, stops %+v", w.AlsoDown, got)
	}
	for _, r := range assess.SinglePointsOfFailure(m) {
		if r.Service == "records" && !slices.ContainsFunc(r.SinglePoints, func(p assess.SinglePoint) bool {
			return p.Asset == "pump-server" && p.Reason == "ehr needs it (depends_on)"
		}) {
			t.Errorf("records: %+v", r.SinglePoints)
		}
	}
}
