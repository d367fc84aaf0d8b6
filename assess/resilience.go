package assess

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
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
// cabling and gives no second path. A flow from or to a zone is a rule of
// what may talk, not a cable: it is no edge. An end host without cabling
// in the model (a workstation whose flows alone are modelled) is reached
// through its flows but carries no one else's traffic: each of its flows
// beyond the first attaches to a copy of it, so it never joins two others.
type network struct {
	g     *graph.Undirected
	index map[string]int // an asset's or zone's first node
	names []string       // per node: the asset or zone it stands for
	kinds []string
	spare []bool // the asset has a standby (the redundancy control)
	// copies lists, per first node, the further nodes of an end host
	// without cabling.
	copies map[int][]int
}

// nodes are all the nodes that stand for an asset.
func (nw *network) nodes(id string) []int {
	v, ok := nw.index[id]
	if !ok {
		return nil
	}
	return append([]int{v}, nw.copies[v]...)
}

// relays tells the kinds that carry others' traffic.
func relays(kind ward.AssetKind) bool {
	k, ok := ward.LookupKind(kind)
	return ok && k.Category == ward.CategoryNetwork
}

func newNetwork(m *ward.Model) *network {
	nw := &network{index: map[string]int{}, copies: map[int][]int{}}
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
	physical := func(p ward.Protocol) bool { return p == "ethernet" || p == "wifi" || p == "ble" }
	zone := make(map[string]bool, len(m.Zones))
	for _, z := range m.Zones {
		zone[z.ID] = true
	}
	relay := make([]bool, len(nw.names))
	for i, a := range m.Assets {
		relay[i] = relays(a.Kind)
	}
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
	type edge struct{ a, b int }
	var edges []edge
	flows := make([]int, len(nw.names))
	// end is the node a flow attaches to: an uncabled end host's own node
	// for its first flow, a copy of it for each further one.
	end := func(v int) int {
		if attached[v] || relay[v] || nw.kinds[v] == "zone" {
			return v
		}
		flows[v]++
		if flows[v] == 1 {
			return v
		}
		c := len(nw.names)
		nw.names = append(nw.names, nw.names[v])
		nw.kinds = append(nw.kinds, nw.kinds[v])
		nw.spare = append(nw.spare, nw.spare[v])
		nw.copies[v] = append(nw.copies[v], c)
		return c
	}
	for _, l := range m.Links {
		a, okA := nw.index[l.From]
		b, okB := nw.index[l.To]
		switch {
		case !okA || !okB:
		case physical(l.Protocol):
			edges = append(edges, edge{a, b})
		case zone[l.From] || zone[l.To]:
			// a rule, not a cable
		case !attached[a] || !attached[b]:
			edges = append(edges, edge{end(a), end(b)})
		}
	}
	nw.g = graph.NewUndirected(len(nw.names))
	for _, e := range edges {
		nw.g.Add(e.a, e.b)
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
		r := Resilience{Service: s.ID, Name: cmp.Or(s.Name, s.ID), MaxOutage: s.MaxOutage.String(), Needs: needs[i], SinglePoints: []SinglePoint{}}
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

// together tells whether labels put two assets in one component (any of
// their nodes; a removed node is labelled -1).
func (nw *network) together(a, b string, labels []int) bool {
	for _, x := range nw.nodes(a) {
		for _, y := range nw.nodes(b) {
			if labels[x] >= 0 && labels[x] == labels[y] {
				return true
			}
		}
	}
	return false
}

// cutOff finds two needed assets that were connected before the failure
// (labels before) and are not after, and the failed assets that stood in
// their component: what the failure itself disconnected.
func (nw *network) cutOff(needed []string, before, after []int, failed []string) (a, b string, through []string, ok bool) {
	for i := 0; i < len(needed); i++ {
		for j := i + 1; j < len(needed); j++ {
			if !nw.together(needed[i], needed[j], before) || nw.together(needed[i], needed[j], after) {
				continue
			}
			for _, f := range failed {
				if nw.together(f, needed[i], before) {
					through = append(through, f)
				}
			}
			return needed[i], needed[j], through, true
		}
	}
	return "", "", nil, false
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
		for _, n := range nw.nodes(id) {
			removed[n] = true
		}
		down[id] = true
	}
	before := nw.g.Components(make([]bool, nw.g.Len()))
	labels := nw.g.Components(removed)
	needs := Needs(m)
	for i := range m.Services {
		s := &m.Services[i]
		im := Impact{Service: s.ID, Name: cmp.Or(s.Name, s.ID), MaxOutage: s.MaxOutage.String()}
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
		if a, b, through, split := nw.cutOff(alive, before, labels, res.Failed); split {
			im.Causes = append(im.Causes, fmt.Sprintf("%s can no longer reach %s: the path ran through %s", a, b, strings.Join(through, ", ")))
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
	before := nw.g.Components(removed)
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
			for _, n := range nw.nodes(nw.names[v]) {
				removed[n] = true
			}
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
				stops = nw.split(alive, before, labels)
			}
			if stops {
				out[k] = append(out[k], i)
			}
		}
		for _, v := range failed {
			for _, n := range nw.nodes(nw.names[v]) {
				removed[n] = false
			}
		}
	}
	return out
}

// split tells whether assets connected before a failure (labels before)
// are apart after it, in time linear in the assets' nodes: each component
// of before must hold the assets in one component of after.
func (nw *network) split(ids []string, before, after []int) bool {
	seen := map[int]int{} // component before -> component after
	for _, id := range ids {
		for _, n := range nw.nodes(id) {
			if after[n] < 0 {
				continue
			}
			if a, ok := seen[before[n]]; ok && a != after[n] {
				return true
			}
			seen[before[n]] = after[n]
		}
	}
	return false
}
