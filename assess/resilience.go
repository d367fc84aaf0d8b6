package assess

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/graph"
)

// Resilience is, for one clinical service, what it needs and which single
// failures stop it.
type Resilience struct {
	Service   string `json:"service"`
	Name      string `json:"name"`
	MaxOutage string `json:"max_outage"`
	// Needs lists the assets the service depends on, directly or through
	// other services.
	Needs []string `json:"needs"`
	// SinglePoints are the assets whose failure alone stops the service.
	SinglePoints []SinglePoint `json:"single_points_of_failure"`
}

// SinglePoint is one single point of failure of a service.
type SinglePoint struct {
	Asset string `json:"asset"`
	Kind  string `json:"kind"`
	// Needed: the service depends on the asset itself; otherwise the asset
	// carries the only network path between things the service needs.
	Needed bool   `json:"needed"`
	Reason string `json:"reason"`
	Fix    string `json:"fix"`
}

// network is the physical connectivity of a model: every asset and zone a
// node. Cabling and radio links (ethernet, wifi, ble) are edges; an
// application link is an edge only when one of its ends has no cabling or
// radio link in the model, since otherwise its traffic rides on that
// cabling and gives no second path.
type network struct {
	g     *graph.Undirected
	index map[string]int
	names []string
	kinds []string
	spare []bool // the asset has a standby (the redundancy control)
}

func newNetwork(m *ward.Model) *network {
	nw := &network{index: map[string]int{}}
	add := func(id, kind string, spare bool) {
		nw.index[id] = len(nw.names)
		nw.names = append(nw.names, id)
		nw.kinds = append(nw.kinds, kind)
		nw.spare = append(nw.spare, spare)
	}
	for _, a := range m.Assets {
		add(a.ID, string(a.Kind), slices.Contains(a.Controls, "redundancy"))
	}
	for _, z := range m.Zones {
		add(z.ID, "zone", true)
	}
	nw.g = graph.NewUndirected(len(nw.names))
	physical := func(p ward.Protocol) bool { return p == "ethernet" || p == "wifi" || p == "ble" }
	attached := make([]bool, len(nw.names))
	for _, l := range m.Links {
		if physical(l.Protocol) {
			if a, ok := nw.index[l.From]; ok {
				attached[a] = true
			}
			if b, ok := nw.index[l.To]; ok {
				attached[b] = true
			}
		}
	}
	for _, l := range m.Links {
		a, okA := nw.index[l.From]
		b, okB := nw.index[l.To]
		if okA && okB && (physical(l.Protocol) || !attached[a] || !attached[b]) {
			nw.g.Add(a, b)
		}
	}
	return nw
}

// Needs resolves every service's dependencies to asset ids, through other
// services, in service order; each list is sorted.
func Needs(m *ward.Model) [][]string {
	svc := make(map[string]int, len(m.Services))
	for i, s := range m.Services {
		svc[s.ID] = i
	}
	assets := make(map[string]bool, len(m.Assets))
	for _, a := range m.Assets {
		assets[a.ID] = true
	}
	out := make([][]string, len(m.Services))
	for i := range m.Services {
		seen := map[string]bool{m.Services[i].ID: true}
		stack := slices.Clone(m.Services[i].DependsOn)
		for len(stack) > 0 {
			d := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[d] {
				continue
			}
			seen[d] = true
			if j, ok := svc[d]; ok {
				stack = append(stack, m.Services[j].DependsOn...)
			} else if assets[d] {
				out[i] = append(out[i], d)
			}
		}
		sort.Strings(out[i])
	}
	return out
}

// SinglePointsOfFailure finds, for every clinical service, the assets whose
// failure alone stops it: what it needs that has no standby, and the nodes
// of the network whose loss cuts what it needs apart (articulation points
// of the link graph, from one depth-first search). O(N + E + S * A * D log d)
// for S services needing D assets each and A articulation points of degree
// up to d; an asset with the redundancy control is taken to have a standby.
func SinglePointsOfFailure(m *ward.Model) []Resilience {
	nw := newNetwork(m)
	cuts := nw.g.Cuts()
	aps := cuts.Points()
	needs := Needs(m)
	out := []Resilience{}
	for i := range m.Services {
		s := &m.Services[i]
		r := Resilience{Service: s.ID, Name: s.Name, MaxOutage: s.MaxOutage.String(), Needs: needs[i], SinglePoints: []SinglePoint{}}
		need := map[int]bool{}
		for _, id := range r.Needs {
			need[nw.index[id]] = true
			if v := nw.index[id]; !nw.spare[v] {
				r.SinglePoints = append(r.SinglePoints, SinglePoint{Asset: id, Kind: nw.kinds[v], Needed: true,
					Reason: "the service needs it and it has no standby", Fix: "add redundancy to " + id})
			}
		}
		nodes := make([]int, len(r.Needs))
		for j, id := range r.Needs {
			nodes[j] = nw.index[id]
		}
		for _, ap := range aps {
			if nw.spare[ap] || need[ap] {
				continue
			}
			if a, b, split := cuts.Separates(ap, nodes); split {
				an, bn := nw.names[a], nw.names[b]
				r.SinglePoints = append(r.SinglePoints, SinglePoint{Asset: nw.names[ap], Kind: nw.kinds[ap],
					Reason: fmt.Sprintf("it carries the only path between %s and %s", an, bn),
					Fix:    fmt.Sprintf("add redundancy to %s, or a second path between %s and %s", nw.names[ap], an, bn)})
			}
		}
		sort.SliceStable(r.SinglePoints, func(a, b int) bool { return r.SinglePoints[a].Asset < r.SinglePoints[b].Asset })
		out = append(out, r)
	}
	return out
}

// apart reports two needed assets that labels put in different components.
func apart(needed []string, nw *network, labels []int) (string, string, bool) {
	first := -2
	firstID := ""
	for _, id := range needed {
		l := labels[nw.index[id]]
		if l < 0 {
			continue
		}
		if first == -2 {
			first, firstID = l, id
		} else if l != first {
			return firstID, id, true
		}
	}
	return "", "", false
}

// Impact is what a failure does to one clinical service.
type Impact struct {
	Service   string `json:"service"`
	Name      string `json:"name"`
	MaxOutage string `json:"max_outage"`
	// Stops: the service cannot be delivered while the failure lasts.
	Stops  bool     `json:"stops"`
	Causes []string `json:"causes,omitempty"`
	// Exceeds: the failure lasts longer than the service tolerates.
	Exceeds bool     `json:"exceeds,omitempty"`
	Fixes   []string `json:"fixes,omitempty"`
}

// WhatIf is the outcome of failing some assets.
type WhatIf struct {
	Failed   []string `json:"failed"`
	Absorbed []string `json:"absorbed_by_redundancy"`
	Duration string   `json:"duration,omitempty"`
	Services []Impact `json:"services"`
}

// Fail simulates the failure of the given assets for a duration (0 when
// unknown) and says which services stop. An asset with the redundancy
// control is taken over by its standby. Unknown ids are an error.
func Fail(m *ward.Model, failed []string, duration time.Duration) (*WhatIf, error) {
	nw := newNetwork(m)
	assets := map[string]bool{}
	for _, a := range m.Assets {
		assets[a.ID] = true
	}
	res := &WhatIf{Failed: []string{}, Absorbed: []string{}, Services: []Impact{}}
	if duration > 0 {
		res.Duration = ward.Duration(duration).String()
	}
	removed := make([]bool, nw.g.Len())
	down := map[string]bool{}
	for _, id := range failed {
		v, ok := nw.index[id]
		if !ok || !assets[id] {
			return nil, fmt.Errorf("no asset %q", id)
		}
		if nw.spare[v] {
			res.Absorbed = append(res.Absorbed, id)
			continue
		}
		res.Failed = append(res.Failed, id)
		removed[v] = true
		down[id] = true
	}
	labels := nw.g.Components(removed)
	needs := Needs(m)
	for i := range m.Services {
		s := &m.Services[i]
		im := Impact{Service: s.ID, Name: s.Name, MaxOutage: s.MaxOutage.String()}
		need := needs[i]
		var alive []string
		for _, id := range need {
			if down[id] {
				im.Causes = append(im.Causes, id+" is down")
				im.Fixes = append(im.Fixes, "add redundancy to "+id)
			} else {
				alive = append(alive, id)
			}
		}
		if a, b, split := apart(alive, nw, labels); split {
			im.Causes = append(im.Causes, fmt.Sprintf("%s can no longer reach %s", a, b))
			im.Fixes = append(im.Fixes, fmt.Sprintf("a second network path between %s and %s", a, b))
		}
		im.Stops = len(im.Causes) > 0
		im.Exceeds = im.Stops && duration > time.Duration(s.MaxOutage)
		res.Services = append(res.Services, im)
	}
	return res, nil
}

// Stops is Fail for many sets of failed assets at once, the network built
// once: for each set, the indices of the services (in m.Services) that
// stop. Unknown ids are ignored; an asset with a standby is absorbed.
func Stops(m *ward.Model, sets [][]string) [][]int {
	nw := newNetwork(m)
	needs := Needs(m)
	cut := make([]bool, nw.g.Len())
	for _, ap := range nw.g.Cuts().Points() {
		cut[ap] = true
	}
	needed := make([]bool, nw.g.Len())
	for _, ids := range needs {
		for _, id := range ids {
			needed[nw.index[id]] = true
		}
	}
	removed := make([]bool, nw.g.Len())
	labels := make([]int, nw.g.Len())
	queue := make([]int, 0, nw.g.Len())
	out := make([][]int, len(sets))
	for k, set := range sets {
		var failed []int
		isNeeded, cuts, leaves := false, false, true
		for _, id := range set {
			if v, ok := nw.index[id]; ok && v < len(m.Assets) && !nw.spare[v] {
				failed = append(failed, v)
				isNeeded = isNeeded || needed[v]
				cuts = cuts || cut[v]
				leaves = leaves && nw.g.Degree(v) <= 1
			}
		}
		// Assets no service needs cannot stop one when there is one that
		// cuts no path, or when all are at the end of a single link (no
		// path runs through them); others together may cut a path.
		if len(failed) == 0 || (!isNeeded && (leaves || (len(failed) == 1 && !cuts))) {
			continue
		}
		for _, v := range failed {
			removed[v] = true
		}
		labels = nw.g.ComponentsInto(removed, labels, queue)
		for i := range m.Services {
			var alive []string
			stops := false
			for _, id := range needs[i] {
				if removed[nw.index[id]] {
					stops = true
					break
				}
				alive = append(alive, id)
			}
			if !stops {
				_, _, stops = apart(alive, nw, labels)
			}
			if stops {
				out[k] = append(out[k], i)
			}
		}
		for _, v := range failed {
			removed[v] = false
		}
	}
	return out
}
