package assess_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
)

// randomHospital is a small model drawn at random: cabling and flows
// (some to hosts without cabling, some to the zone), redundancy groups
// with sites, depends_on between assets and on groups (circles allowed),
// standbys, and services needing assets and groups.
func randomHospital(r *rand.Rand) *ward.Model {
	m := &ward.Model{Ward: 1, Organisation: ward.Organisation{ID: "random"}, Zones: []ward.Zone{{ID: "z", Kind: "clinical", Trust: "medium"}}}
	kinds := []ward.AssetKind{"switch", "switch", "server", "workstation", "infusion-pump", "directory", "power-supply", "ehr"}
	n := 6 + r.IntN(12)
	id := func(i int) string { return fmt.Sprintf("a%02d", i) }
	for i := range n {
		a := ward.Asset{ID: id(i), Kind: kinds[r.IntN(len(kinds))], Zone: "z"}
		if r.IntN(8) == 0 {
			a.Controls = []string{"redundancy"}
		}
		m.Assets = append(m.Assets, a)
	}
	for range n + r.IntN(2*n) {
		a, b := r.IntN(n), r.IntN(n)
		if a == b {
			continue
		}
		switch r.IntN(6) {
		case 0, 1, 2:
			m.Links = append(m.Links, ward.Link{From: id(a), To: id(b), Protocol: "ethernet"})
		case 3, 4:
			m.Links = append(m.Links, ward.Link{From: id(a), To: id(b), Protocol: "https", Port: 443})
		default:
			m.Links = append(m.Links, ward.Link{From: id(a), To: "z", Protocol: "https", Port: 443})
		}
	}
	for g := range 1 + r.IntN(2) {
		var of []string
		for _, i := range r.Perm(n)[:2+r.IntN(3)] {
			of = append(of, id(i))
			if r.IntN(2) == 0 {
				m.Assets[i].Site = []string{"room-a", "room-b"}[r.IntN(2)]
			}
		}
		m.Redundancy = append(m.Redundancy, ward.RedundancyGroup{ID: fmt.Sprintf("g%d", g), Need: 1 + r.IntN(len(of)), Of: of})
	}
	for range r.IntN(n) {
		i := r.IntN(n)
		if r.IntN(4) == 0 {
			m.Assets[i].DependsOn = append(m.Assets[i].DependsOn, m.Redundancy[r.IntN(len(m.Redundancy))].ID)
		} else if j := r.IntN(n); j != i {
			m.Assets[i].DependsOn = append(m.Assets[i].DependsOn, id(j))
		}
	}
	for s := range 1 + r.IntN(3) {
		svc := ward.Service{ID: fmt.Sprintf("s%d", s), MaxOutage: ward.Duration(3600e9)}
		for range 1 + r.IntN(3) {
			svc.DependsOn = append(svc.DependsOn, id(r.IntN(n)))
		}
		if r.IntN(2) == 0 {
			svc.DependsOn = append(svc.DependsOn, m.Redundancy[r.IntN(len(m.Redundancy))].ID)
		}
		m.Services = append(m.Services, svc)
	}
	return m
}

// On random hospitals, an asset is a single point of a service exactly
// when failing it alone stops the service, and Stops answers as Fail on
// random sets of failures.
func TestResilienceOnRandomHospitals(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 500 {
		m := randomHospital(r)
		spof := map[[2]string]bool{}
		for _, res := range assess.SinglePointsOfFailure(m) {
			for _, p := range res.SinglePoints {
				if p.Kind != "site" {
					spof[[2]string{res.Service, p.Asset}] = true
				}
			}
		}
		var sets [][]string
		for _, a := range m.Assets {
			sets = append(sets, []string{a.ID})
		}
		for k, stopped := range assess.Stops(m, sets) {
			for i, s := range m.Services {
				if got := slices.Contains(stopped, i); got != spof[[2]string{s.ID, m.Assets[k].ID}] {
					t.Fatalf("trial %d: failing %s stops %s: %v; a single point: %v\n%+v", trial, m.Assets[k].ID, s.ID, got, !got, m)
				}
			}
		}
		for range 10 {
			var set []string
			for range 1 + r.IntN(4) {
				set = append(set, m.Assets[r.IntN(len(m.Assets))].ID)
			}
			sets = append(sets, set)
		}
		stopsAsFail(t, m, sets)
		if t.Failed() {
			t.Fatalf("trial %d: %+v", trial, m)
		}
	}
}
