package assess

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/wardhealth/ward"
)

// logonsBySet is who logs on through whom found with a set of the pairs
// met, as logons was written first: the reference it must agree with.
func logonsBySet(x *ward.Index) [][2]int {
	m := x.Model()
	groups := map[string][]string{}
	for _, g := range m.Redundancy {
		groups[g.ID] = g.Of
	}
	seen := map[[2]int]bool{}
	var out [][2]int
	add := func(from, j int, identityOnly bool) {
		if from == j || seen[[2]int{from, j}] {
			return
		}
		if k, _ := ward.LookupKind(m.Assets[j].Kind); identityOnly && k.Category != ward.CategoryIdentity {
			return
		}
		seen[[2]int{from, j}] = true
		out = append(out, [2]int{from, j})
	}
	for li := range m.Links {
		i, ok := x.From[li].Asset()
		j, ok2 := x.To[li].Asset()
		if logon(m.Links[li].Protocol) && ok && ok2 {
			add(i, j, false)
		}
	}
	for i := range m.Assets {
		for _, d := range m.Assets[i].DependsOn {
			if of, ok := groups[d]; ok {
				for _, id := range of {
					if j, ok := x.Asset(id); ok {
						add(i, j, true)
					}
				}
			} else if j, ok := x.Asset(d); ok {
				add(i, j, true)
			}
		}
	}
	return out
}

// Each pair of user and authority is listed once, in the order first met,
// as a set of pairs finds them: on the incident hospitals and on stirred
// ones given repeated logon links, logons to oneself, and dependencies on
// identity systems, on other assets and on redundancy groups.
func TestLogonsOnceInOrderMet(t *testing.T) {
	names, models, _ := incidentHospitals(t)
	for k, seed := range []uint64{1, 2, 3} {
		m, _ := stirred(t, 400+600*k, seed)
		r := rand.New(rand.NewPCG(seed, 7))
		var idps []string
		for i := range m.Assets {
			if k, _ := ward.LookupKind(m.Assets[i].Kind); k.Category == ward.CategoryIdentity {
				idps = append(idps, m.Assets[i].ID)
			}
		}
		if len(idps) == 0 {
			t.Fatalf("stirred-%d: no identity systems: the case tells nothing", seed)
		}
		m.Redundancy = append(m.Redundancy, ward.RedundancyGroup{ID: "directories", Of: idps})
		protocols := []ward.Protocol{"kerberos", "ldap", "ldaps", "radius", "https"}
		var again []ward.Link
		for _, l := range m.Links {
			if logon(l.Protocol) {
				again = append(again, l)
			}
		}
		for range len(m.Assets) {
			a := &m.Assets[r.IntN(len(m.Assets))]
			switch r.IntN(5) {
			case 0: // a logon again
				if len(again) > 0 {
					m.Links = append(m.Links, again[r.IntN(len(again))])
				}
			case 4: // a logon, to oneself at times
				to := idps[r.IntN(len(idps))]
				if r.IntN(5) == 0 {
					to = a.ID
				}
				m.Links = append(m.Links, ward.Link{From: a.ID, To: to, Protocol: protocols[r.IntN(len(protocols))]})
			case 1:
				a.DependsOn = append(a.DependsOn, idps[r.IntN(len(idps))])
			case 2:
				a.DependsOn = append(a.DependsOn, "directories")
			default:
				a.DependsOn = append(a.DependsOn, m.Assets[r.IntN(len(m.Assets))].ID)
			}
		}
		names, models = append(names, fmt.Sprintf("stirred-%d", seed)), append(models, m)
	}
	for k, m := range models {
		x := m.Index()
		want := logonsBySet(x)
		if got := logons(x); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d logons, %d by a set of pairs, or in another order", names[k], len(got), len(want))
		}
		if len(want) == 0 {
			t.Errorf("%s: no logons: the case tells nothing", names[k])
		}
	}
}
