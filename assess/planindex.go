package assess

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/graph"
	"github.com/wardhealth/ward/intel"
)

// scope says what a change touches, for the plan to re-evaluate only that.
// A change with a scope alters neither links' ends, nor rules, nor the
// organisation, nor what depends on what: the facts it can change are
// those of its assets (and, with links, of their links' other ends), and
// the attack steps it can change are those into and out of them (and into
// and out of its zone's flat network).
type scope struct {
	assets []string // the assets whose own attributes change
	links  bool     // the flags of those assets' links change: their other ends' facts too
	zones  []string // zones whose controls change: their members' facts and their flat networks
}

// index finds, in a state's model, what a change touches: the links of
// each asset, the members of each zone, who depends on whom, and the lean
// attack graph with the most likely path to every node.
type index struct {
	asset      map[string]int32
	linksOf    [][]int32          // per asset: the links it is an end of
	ends       [][2]int32         // per link: the assets it goes from and to (-1 for a zone)
	members    map[string][]int32 // per zone: its assets
	groups     map[string][]int32 // per redundancy group: its assets
	dependents [][]int32          // per asset: those depending on it, or on a group it is in
	// clearRadio counts per asset its ends of radio links without
	// encryption: ClearWireless is whether there is one, and a change of
	// some links' flags moves the count.
	clearRadio []int32
	node       map[string]int32 // attack graph nodes past the assets, by name
	arcs       []arc
	out, in    lists // per node: its arcs (indices into arcs)
	// dist is -log of the probability of the most likely path to each node
	// (+Inf when none), parent the arc it arrives over (-1 at the entry
	// points and where no path leads), children the nodes whose most
	// likely path continues from it.
	dist     []float64
	parent   []int32
	children lists
}

// lists are a list per node in one array, as few allocations as one list
// for each node would be many: the plan makes them again at every step.
type lists struct{ start, list []int32 }

// of is node v's list.
func (l *lists) of(v int32) []int32 { return l.list[l.start[v]:l.start[v+1]] }

// makeLists puts each item of n into the list of node at(item), in the
// items' order.
func makeLists(nodes, n int, at func(item int) int32) lists {
	l := lists{start: make([]int32, nodes+1), list: make([]int32, n)}
	for k := range n {
		if v := at(k); v >= 0 {
			l.start[v+1]++
		}
	}
	for v := range nodes {
		l.start[v+1] += l.start[v]
	}
	fill := slices.Clone(l.start[:nodes])
	for k := range n {
		if v := at(k); v >= 0 {
			l.list[fill[v]] = int32(k)
			fill[v]++
		}
	}
	l.list = l.list[:l.start[nodes]]
	return l
}

// newIndex indexes a model and its lean attack graph, and finds the most
// likely paths from the entry points as the graph package's Dijkstra does
// (the same sums of -log p in the same order, so the same numbers).
func newIndex(m *ward.Model, ag *attackGraph) *index {
	x := &index{node: map[string]int32{}, arcs: ag.arcs}
	x.structure(m)
	x.radio(m)
	for k := len(m.Assets); k < len(ag.names); k++ {
		x.node[ag.names[k]] = int32(k)
	}
	nodes := len(ag.names)
	x.dist, x.parent = make([]float64, nodes), make([]int32, nodes)
	for v := range x.dist {
		x.dist[v], x.parent[v] = math.Inf(1), -1
	}
	x.graph(nodes)
	q := &graph.Queue{}
	for _, s := range ag.entryNodes(m) {
		if x.dist[s] != 0 {
			x.dist[s] = 0
			q.Push(int32(s), 0)
		}
	}
	for q.Len() > 0 {
		it := q.Pop()
		u := it.Node
		if it.Cost > x.dist[u] {
			continue
		}
		for _, k := range x.out.of(u) {
			a := &x.arcs[k]
			if d := x.dist[u] + a.cost; d < x.dist[a.to] {
				x.dist[a.to], x.parent[a.to] = d, k
				q.Push(a.to, d)
			}
		}
	}
	x.tree()
	return x
}

// structure indexes the model: assets by id, their links, zones' members,
// redundancy groups and dependents.
func (x *index) structure(m *ward.Model) {
	n := len(m.Assets)
	x.asset, x.linksOf, x.members = make(map[string]int32, n), make([][]int32, n), map[string][]int32{}
	x.groups, x.dependents = map[string][]int32{}, make([][]int32, n)
	for i := range m.Assets {
		x.asset[m.Assets[i].ID] = int32(i)
		x.members[m.Assets[i].Zone] = append(x.members[m.Assets[i].Zone], int32(i))
	}
	x.ends = make([][2]int32, len(m.Links))
	for li := range m.Links {
		l := &m.Links[li]
		x.ends[li] = [2]int32{-1, -1}
		f, okf := x.asset[l.From]
		if okf {
			x.linksOf[f] = append(x.linksOf[f], int32(li))
			x.ends[li][0] = f
		}
		t, okt := x.asset[l.To]
		if okt {
			x.ends[li][1] = t
		}
		if okt && (!okf || t != f) {
			x.linksOf[t] = append(x.linksOf[t], int32(li))
		}
	}
	for _, g := range m.Redundancy {
		for _, id := range g.Of {
			if i, ok := x.asset[id]; ok {
				x.groups[g.ID] = append(x.groups[g.ID], i)
			}
		}
	}
	for i := range m.Assets {
		for _, d := range m.Assets[i].DependsOn {
			for _, j := range x.refers(d) {
				x.dependents[j] = append(x.dependents[j], int32(i))
			}
		}
	}
}

// radio counts each asset's ends of radio links without encryption.
func (x *index) radio(m *ward.Model) {
	x.clearRadio = make([]int32, len(m.Assets))
	for li := range m.Links {
		l := &m.Links[li]
		if l.Protocol != "wifi" && l.Protocol != "ble" {
			continue
		}
		for _, id := range []string{l.From, l.To} {
			if i, ok := x.asset[id]; ok {
				x.clearRadio[i] += int32(linkFlags(l, id).radio)
			}
		}
		if l.From == l.To {
			x.clearRadio[x.asset[l.From]] -= int32(linkFlags(l, l.From).radio) // counted once per link
		}
	}
}

// flagCounts are what a link's flags count on one of its ends.
type flagCounts struct{ clear, sensitive, unauthenticated, radio int }

func linkFlags(l *ward.Link, id string) flagCounts {
	var f catalog.AssetFacts
	recountFlags(&f, id, []*ward.Link{l})
	return flagCounts{f.Cleartext, f.ClearSensitive, f.Unauthenticated, b2i(f.ClearWireless)}
}

// graph lists each node's arcs out and in.
func (x *index) graph(nodes int) {
	x.out = makeLists(nodes, len(x.arcs), func(k int) int32 { return x.arcs[k].from })
	x.in = makeLists(nodes, len(x.arcs), func(k int) int32 { return x.arcs[k].to })
}

// tree lists the nodes whose most likely path continues from each node.
func (x *index) tree() {
	x.children = makeLists(len(x.parent), len(x.parent), func(v int) int32 {
		if k := x.parent[v]; k >= 0 {
			return x.arcs[k].from
		}
		return -1
	})
}

// nameOf names a node of the attack graph.
func (x *index) nameOf(m *ward.Model, v int) string {
	if v < len(m.Assets) {
		return m.Assets[v].ID
	}
	for name, k := range x.node {
		if int(k) == v {
			return name
		}
	}
	return fmt.Sprint(v)
}

// refers resolves a dependency to the assets it names: one asset, or the
// members of a redundancy group.
func (x *index) refers(id string) []int32 {
	if i, ok := x.asset[id]; ok {
		return []int32{i}
	}
	return x.groups[id]
}

// p is the probability of the most likely attack path to node v.
func (x *index) p(v int) float64 { return math.Exp(-x.dist[v]) }

// scratch is one worker's memory for re-finding paths: a value per node
// that counts only when its stamp is the current one, so that nothing is
// cleared between changes.
type scratch struct {
	cur     uint32
	stamp   []uint32 // val[v] holds v's distance when stamp[v] == cur
	inA     []uint32 // v's old path is broken when inA[v] == cur
	val     []float64
	par     []int32 // v's arc when stamped: an old arc's index, or len(arcs) + a fresh one's
	touched []int32
	q       graph.Queue
	// d, s, e mark per asset D, the part of the model and the other ends
	// of links whose flags change; link the part's links; at the place
	// in the part of an asset marked in s.
	d, s, e, link []uint32
	at, endAt     []int32
}

var scratches sync.Pool

func getScratch(nodes int) *scratch {
	if s, ok := scratches.Get().(*scratch); ok && len(s.stamp) == nodes {
		s.next()
		return s
	}
	s := &scratch{stamp: make([]uint32, nodes), inA: make([]uint32, nodes), val: make([]float64, nodes), par: make([]int32, nodes),
		d: make([]uint32, nodes), s: make([]uint32, nodes), e: make([]uint32, nodes), at: make([]int32, nodes), endAt: make([]int32, nodes)}
	s.next()
	return s
}

func (s *scratch) next() {
	s.cur++
	if s.cur == 0 { // wrapped: forget every stamp
		clear(s.stamp)
		clear(s.inA)
		clear(s.d)
		clear(s.s)
		clear(s.e)
		clear(s.link)
		s.cur = 1
	}
	s.touched = s.touched[:0]
	s.q.Reset()
}

// quick measures the model after a change with a scope, on the state's
// index, without copying the model. It computes again only:
//
//   - the facts of the assets the change touches (D), from the part of the
//     model they depend on (and of the other ends of links whose flags it
//     sets, the facts those flags make) (their links, the links' other ends, what they
//     depend on and who depends on them, all zones and rules); the facts
//     that depend on the whole model (vendor access, services, logons,
//     reach) are kept, since a change with a scope alters none of their
//     inputs, and reach is found below;
//   - the attack steps into and out of D (and the zone's flat network),
//     from the lean graph of that part;
//   - the most likely paths of the nodes whose path used a step that is
//     gone or changed (the subtrees below them, A), and of those a new or
//     likelier step makes likelier, by Dijkstra started from the unchanged
//     rest. Every other node keeps its path: its steps are all unchanged,
//     so its value is a path of the changed graph, and no path got likelier
//     except through a new step, from which the search starts;
//   - the risk of the assets whose facts or reach level changed.
//
// ok is false when the change reaches beyond what its scope says (a flat
// network appears): the caller then measures the whole model.
//
// With commit, quick also makes the state after the change (next), from
// the same pieces.
func (s *scorer) quick(st *state, c *Change, commit bool) (risk, exposure int, next *state, ok bool, err error) {
	x, m, sc := st.ix, st.m, c.touch
	var d []int32
	sp := getScratch(len(x.dist))
	defer scratches.Put(sp)
	if len(sp.link) < len(m.Links) {
		sp.link = append(sp.link, make([]uint32, len(m.Links)-len(sp.link))...)
	}
	inD := func(i int32) bool { return sp.d[i] == sp.cur }
	addD := func(i int32) {
		if !inD(i) {
			sp.d[i] = sp.cur
			d = append(d, i)
		}
	}
	for _, id := range sc.assets {
		if i, ok := x.asset[id]; ok {
			addD(i)
		}
	}
	for _, z := range sc.zones {
		for _, i := range x.members[z] {
			addD(i)
		}
	}
	other := func(li int32, i int32) (int32, bool) {
		e := x.ends[li]
		if e[1] == i {
			return e[0], e[0] >= 0
		}
		return e[1], e[1] >= 0
	}
	// The other ends of the links whose flags change: only their facts
	// that the flags make change (counted again below); their steps do
	// not, as no step reads those facts.
	var ends []int32
	if sc.links {
		for _, i := range d {
			for _, li := range x.linksOf[i] {
				if j, ok := other(li, i); ok && !inD(j) && sp.e[j] != sp.cur {
					sp.e[j], sp.endAt[j] = sp.cur, int32(len(ends))
					ends = append(ends, j)
				}
			}
		}
	}
	// The part of the model D's facts and steps are made of.
	var part []int32
	addS := func(i int32) {
		if sp.s[i] != sp.cur {
			sp.s[i] = sp.cur
			part = append(part, i)
		}
	}
	var links []int32
	for _, i := range d {
		addS(i)
		for _, li := range x.linksOf[i] {
			if sp.link[li] != sp.cur {
				sp.link[li] = sp.cur
				links = append(links, li)
			}
			if j, ok := other(li, i); ok {
				addS(j)
			}
		}
		for _, dep := range m.Assets[i].DependsOn {
			for _, j := range x.refers(dep) {
				addS(j)
			}
		}
		for _, j := range x.dependents[i] {
			addS(j)
		}
	}
	slices.Sort(part)
	for k, i := range part {
		sp.at[i] = int32(k)
	}
	slices.Sort(links)
	pb := partBuffers.Get().(*partBuffer)
	defer partBuffers.Put(pb)
	pb.assets, pb.links = slices.Grow(pb.assets[:0], len(part))[:len(part)], slices.Grow(pb.links[:0], len(links))[:len(links)]
	sm := &ward.Model{Ward: m.Ward, Organisation: m.Organisation, Zones: slices.Clone(m.Zones), Rules: m.Rules, Redundancy: m.Redundancy,
		Assets: pb.assets, Links: pb.links}
	for k, i := range part {
		sm.Assets[k] = m.Assets[i]
	}
	for k, li := range links {
		sm.Links[k] = m.Links[li]
	}
	c.apply(sm)
	var vulns map[string]intel.Exposure
	if base := s.opt.Vulnerabilities; base != nil {
		patched := map[string]bool{}
		for _, id := range st.patched {
			patched[id] = true
		}
		for _, id := range c.Patched {
			patched[id] = true
		}
		vulns = map[string]intel.Exposure{}
		for k := range sm.Assets {
			if e, ok := base[sm.Assets[k].ID]; ok && !patched[sm.Assets[k].ID] {
				vulns[sm.Assets[k].ID] = e
			}
		}
	}
	// Only D's facts are computed: the rest of the part keeps its own.
	pb.want = slices.Grow(pb.want[:0], len(part))[:len(part)]
	for k, i := range part {
		pb.want[k] = inD(i)
	}
	sx := sm.Index()
	_, sf := factsIn(pb.facts, sx, s.opt.Today, vulns, nil, pb.want)
	pb.facts = sf
	// The ends' counts move by what the links changed count on them now
	// and counted before.
	// An end's facts are found by its place in ends (sp.endAt), kept in
	// the part's buffer.
	pb.ends = slices.Grow(pb.ends[:0], len(ends))[:len(ends)]
	pb.radio = slices.Grow(pb.radio[:0], len(ends))[:len(ends)]
	for k, j := range ends {
		pb.ends[k], pb.radio[k] = st.facts[j], endRadio{}
	}
	endFacts := func(i int32) (*catalog.AssetFacts, bool) {
		if sp.e[i] != sp.cur {
			return nil, false
		}
		return &pb.ends[sp.endAt[i]], true
	}
	if len(ends) > 0 {
		for k, li := range links {
			was, now := &m.Links[li], &sm.Links[k]
			for side, id := range [2]string{was.From, was.To} {
				j := x.ends[li][side]
				if j < 0 || sp.e[j] != sp.cur || was.From == was.To {
					continue
				}
				at := sp.endAt[j]
				f := &pb.ends[at]
				a, b := linkFlags(was, id), linkFlags(now, id)
				f.Cleartext += b.clear - a.clear
				f.ClearSensitive += b.sensitive - a.sensitive
				f.Unauthenticated += b.unauthenticated - a.unauthenticated
				pb.radio[at] = endRadio{true, pb.radio[at].by + b.radio - a.radio}
			}
		}
		for k, j := range ends {
			if r := pb.radio[k]; r.met {
				pb.ends[k].ClearWireless = int(x.clearRadio[j])+r.by > 0
			}
		}
	}
	// The part's facts, written over those of the sub-model: D's as
	// computed but for what depends on the whole model, the rest kept.
	cf := sf
	for k, i := range part {
		if !inD(i) {
			cf[k] = st.facts[i]
			if f, ok := endFacts(i); ok {
				cf[k] = *f
			}
			continue
		}
		f, old := &cf[k], &st.facts[i]
		f.VendorAccess, f.Authenticates, f.Reach = old.VendorAccess, old.Authenticates, old.Reach
		f.Services, f.MinOutageMinutes, f.PatientSafety = old.Services, old.MinOutageMinutes, old.PatientSafety
	}
	sag := newAttackGraph(sx, cf, &st.org, true, pb.want)

	// The steps into and out of N: D and the zones' flat networks (hubs),
	// marked beside D's assets.
	var hubs []int32
	for _, z := range sc.zones {
		if h, ok := x.node["flat network "+z]; ok {
			hubs = append(hubs, h)
			sp.d[h] = sp.cur
		}
	}
	inN := func(v int32) bool { return sp.d[v] == sp.cur }
	// The part's other nodes (zones, rules, flat networks, entry points)
	// are found in the state's by name once each: -2 not yet, -1 none.
	pb.nodes = slices.Grow(pb.nodes[:0], len(sag.names)-len(part))[:len(sag.names)-len(part)]
	for k := range pb.nodes {
		pb.nodes[k] = -2
	}
	global := func(v int32) (int32, bool) {
		if int(v) < len(part) {
			return part[v], true
		}
		g := &pb.nodes[int(v)-len(part)]
		if *g == -2 {
			*g = -1
			if k, ok := x.node[sag.names[v]]; ok {
				*g = k
			}
		}
		return *g, *g >= 0
	}
	var fresh []arc
	newOut, newIn := map[int32][]int32{}, map[int32][]int32{}
	for _, a := range sag.arcs {
		f, okf := global(a.from)
		t, okt := global(a.to)
		if !(okf && inN(f)) && !(okt && inN(t)) {
			continue
		}
		if !okf || !okt {
			return 0, 0, nil, false, nil // a node the model had not: measure it whole
		}
		k := int32(len(fresh))
		fresh = append(fresh, arc{f, t, a.cost})
		newOut[f] = append(newOut[f], k)
		newIn[t] = append(newIn[t], k)
	}
	// G' is the old graph with the arcs incident to N replaced by fresh.
	get := func(v int32) float64 {
		if sp.stamp[v] == sp.cur {
			return sp.val[v]
		}
		return x.dist[v]
	}
	set := func(v int32, dv float64, ref int32) {
		if sp.stamp[v] != sp.cur {
			sp.stamp[v] = sp.cur
			sp.touched = append(sp.touched, v)
		}
		sp.val[v], sp.par[v] = dv, ref
	}
	old := int32(len(x.arcs)) // refs from old on are fresh arcs
	eachIn := func(v int32, fn func(from int32, cost float64, ref int32)) {
		if !inN(v) {
			for _, k := range x.in.of(v) {
				if a := &x.arcs[k]; !inN(a.from) {
					fn(a.from, a.cost, k)
				}
			}
		}
		for _, k := range newIn[v] {
			fn(fresh[k].from, fresh[k].cost, old+k)
		}
	}
	eachOut := func(u int32, fn func(to int32, cost float64, ref int32)) {
		if !inN(u) {
			for _, k := range x.out.of(u) {
				if a := &x.arcs[k]; !inN(a.to) {
					fn(a.to, a.cost, k)
				}
			}
		}
		for _, k := range newOut[u] {
			fn(fresh[k].to, fresh[k].cost, old+k)
		}
	}
	// A: the subtrees of the nodes whose path's last step is gone or
	// changed. Only a step incident to N can be: into a node of N, or
	// from one into its tree children.
	// same finds the fresh arc that replaces w's old one, or -1.
	same := func(w int32) int32 {
		a := &x.arcs[x.parent[w]]
		for _, j := range newIn[w] {
			if fresh[j].from == a.from && fresh[j].cost == a.cost {
				return j
			}
		}
		return -1
	}
	kept := func(w int32) bool {
		k := x.parent[w]
		if k < 0 {
			return true
		}
		if a := &x.arcs[k]; !inN(w) && !inN(a.from) {
			return true
		}
		return same(w) >= 0
	}
	var broken []int32
	roots := append(slices.Clone(d), hubs...)
	for _, v := range slices.Clone(roots) {
		roots = append(roots, x.children.of(v)...)
	}
	var stack []int32
	for _, w := range roots {
		if sp.inA[w] == sp.cur || kept(w) {
			continue
		}
		stack = append(stack[:0], w)
		sp.inA[w] = sp.cur
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			broken = append(broken, v)
			for _, ch := range x.children.of(v) {
				if sp.inA[ch] != sp.cur {
					sp.inA[ch] = sp.cur
					stack = append(stack, ch)
				}
			}
		}
	}
	for _, v := range broken {
		set(v, math.Inf(1), -1)
	}
	relax := func(to int32, dv float64, ref int32) {
		if dv < get(to) {
			set(to, dv, ref)
			sp.q.Push(to, dv)
		}
	}
	for _, v := range broken {
		eachIn(v, func(from int32, cost float64, ref int32) {
			if sp.inA[from] != sp.cur {
				relax(v, x.dist[from]+cost, ref)
			}
		})
	}
	for j, a := range fresh {
		if sp.inA[a.from] != sp.cur {
			relax(a.to, x.dist[a.from]+a.cost, old+int32(j))
		}
	}
	for sp.q.Len() > 0 {
		it := sp.q.Pop()
		if it.Cost > get(it.Node) {
			continue
		}
		eachOut(it.Node, func(to int32, cost float64, ref int32) { relax(to, it.Cost+cost, ref) })
	}

	// The risk of the assets whose facts or reach changed.
	risk, exposure = st.risk, st.exposure
	var changed map[int32]catalog.AssetFacts
	var contrib map[int32]int
	if commit {
		changed, contrib = map[int32]catalog.AssetFacts{}, map[int32]int{}
	}
	score := func(i int32) error {
		p := math.Exp(-get(i))
		var f catalog.AssetFacts
		ef, isEnd := endFacts(i)
		switch {
		case inD(i):
			f = cf[sp.at[i]]
		case isEnd:
			f = *ef
		default:
			f = st.facts[i]
		}
		old := &st.facts[i]
		if reach := reachLevel(p); inD(i) || isEnd || reach != old.Reach {
			f.Reach = reach
			c, _, err := s.contribution(&f, "", st.e, s.decided)
			if err != nil {
				return err
			}
			risk += c - st.contrib[i]
			if commit {
				changed[i], contrib[i] = f, c
			}
		}
		if criticalWhy(old) != "" {
			exposure -= exposurePoints(st.reach[i])
		}
		if criticalWhy(&f) != "" {
			exposure += exposurePoints(p)
		}
		return nil
	}
	for _, i := range d {
		if err := score(i); err != nil {
			return 0, 0, nil, false, err
		}
	}
	for _, i := range ends {
		if err := score(i); err != nil {
			return 0, 0, nil, false, err
		}
	}
	for _, v := range sp.touched {
		if _, isEnd := endFacts(v); int(v) < len(m.Assets) && !inD(v) && !isEnd {
			if err := score(v); err != nil {
				return 0, 0, nil, false, err
			}
		}
	}
	if commit {
		next, err = s.commit(st, c, &commitPieces{fresh: fresh, inN: inN, sp: sp, same: same, changed: changed, contrib: contrib})
		if err != nil || next == nil {
			return 0, 0, nil, false, err
		}
	}
	return risk, exposure, next, true, nil
}

// partBuffer holds the assets and links of the part of the model quick
// re-evaluates, kept between candidates: they are the largest of its
// allocations, a part being thousands of assets for a change to every
// workstation of a site.
type partBuffer struct {
	assets []ward.Asset
	links  []ward.Link
	facts  []catalog.AssetFacts
	want   []bool
	ends   []catalog.AssetFacts // the facts of the other ends of links whose flags change
	radio  []endRadio
	nodes  []int32 // the part's graph's nodes past its assets, in the state's
}

// endRadio is what the changed links move an end's count of radio links
// without encryption by, if any of them has the end.
type endRadio struct {
	met bool
	by  int
}

var partBuffers = sync.Pool{New: func() any { return new(partBuffer) }}

// commitPieces are what quick found of a change, to make the next state.
type commitPieces struct {
	fresh   []arc
	inN     func(int32) bool
	sp      *scratch
	same    func(int32) int32
	changed map[int32]catalog.AssetFacts // facts that changed, with their reach
	contrib map[int32]int
}

// commit makes the state after a change from what quick found: the model
// changed, the facts and risks of the assets quick scored, the attack
// graph with the arcs incident to N replaced, and the most likely paths
// quick found again.
func (s *scorer) commit(st *state, c *Change, q *commitPieces) (*state, error) {
	x := st.ix
	// A change whose scope leaves links' flags alone changes no link in
	// place (taking assets off the Internet copies the links it keeps):
	// the next model shares them.
	mc := *st.m
	m := &mc
	m.Assets, m.Zones = slices.Clone(st.m.Assets), slices.Clone(st.m.Zones)
	if c.touch.links {
		m.Links = slices.Clone(st.m.Links)
	}
	c.apply(m)
	next := &state{m: m, org: st.org, facts: slices.Clone(st.facts), contrib: slices.Clone(st.contrib), reach: slices.Clone(st.reach),
		patched: append(slices.Clip(st.patched), c.Patched...)}
	for i, f := range q.changed {
		old := &next.facts[i]
		next.org.Exposed += b2i(f.Exposed) - b2i(old.Exposed)
		next.org.EOS += b2i(f.EOS) - b2i(old.EOS)
		*old = f
		next.contrib[i] = q.contrib[i]
	}
	for i := range next.facts {
		next.reach[i] = 0
	}
	ix := &index{asset: x.asset, linksOf: x.linksOf, ends: x.ends, members: x.members, groups: x.groups, dependents: x.dependents, node: x.node}
	if len(m.Links) != len(st.m.Links) {
		ix.structure(m)
	}
	ix.radio(m)
	remap := make([]int32, len(x.arcs))
	ix.arcs = make([]arc, 0, len(x.arcs)+len(q.fresh))
	for k, a := range x.arcs {
		if q.inN(a.from) || q.inN(a.to) {
			remap[k] = -1
			continue
		}
		remap[k] = int32(len(ix.arcs))
		ix.arcs = append(ix.arcs, a)
	}
	base := int32(len(ix.arcs))
	ix.arcs = append(ix.arcs, q.fresh...)
	ix.dist, ix.parent = slices.Clone(x.dist), make([]int32, len(x.parent))
	old := int32(len(x.arcs))
	ref := func(r int32) int32 {
		switch {
		case r < 0:
			return -1
		case r >= old:
			return base + r - old
		}
		return remap[r]
	}
	for v, k := range x.parent {
		if q.sp.stamp[v] == q.sp.cur {
			ix.dist[v], ix.parent[v] = q.sp.val[v], ref(q.sp.par[v])
			continue
		}
		if k >= 0 && remap[k] < 0 {
			j := q.same(int32(v))
			if j < 0 {
				return nil, fmt.Errorf("plan: the attack path to %s lost its step unnoticed", x.nameOf(st.m, v))
			}
			ix.parent[v] = base + j
			continue
		}
		ix.parent[v] = ref(k)
	}
	ix.graph(len(x.dist))
	ix.tree()
	e := *st.e
	e.org = &next.org
	next.e = &e
	for i := range next.facts {
		if criticalWhy(&next.facts[i]) != "" {
			next.reach[i] = ix.p(i)
		}
	}
	next.ix = ix
	risk, exposure := 0, 0
	for i := range next.facts {
		risk += next.contrib[i]
		if criticalWhy(&next.facts[i]) != "" {
			exposure += exposurePoints(next.reach[i])
		}
	}
	next.risk, next.exposure = risk, exposure
	// The reach of the facts kept is that of the paths found again.
	for i := range next.facts {
		if next.facts[i].Reach != reachLevel(ix.p(i)) {
			return nil, fmt.Errorf("plan: the reach of %s changed unscored", next.facts[i].ID)
		}
	}
	return next, nil
}

// factsKey is a cheap structural key of an asset's facts but its names:
// assets with the same key get the same answers from the catalog.
// TestFactsKeyNamesEveryField sees that it names every other field.
func factsKey(f *catalog.AssetFacts) string { return wholeKey.of(f) }

// keyBuf is a key being written: strings end in 0, numbers in 1, so that
// no two sequences of parts write the same bytes. Its methods return the
// buffer grown, as append does, so that it can stay on the stack.
type keyBuf []byte

// str writes s after its length, so that no two lists of strings write
// the same bytes, whatever the strings hold.
func (b keyBuf) str(s string) keyBuf { return append(b.num(len(s)), s...) }
func (b keyBuf) num(n int) keyBuf    { return append(strconv.AppendInt(b, int64(n), 36), 1) }
func (b keyBuf) real(x float64) keyBuf {
	return append(strconv.AppendFloat(b, x, 'g', -1, 64), 1)
}
func (b keyBuf) flag(x bool) keyBuf {
	if x {
		return append(b, 't')
	}
	return append(b, 'f')
}
func (b keyBuf) list(xs []string) keyBuf {
	b = b.num(len(xs))
	for _, x := range xs {
		b = b.str(x)
	}
	return b
}

// keyParts name all the facts but the asset's id and name (by their json
// names), in the order keys write them; keyBuf.part writes each.
var keyParts = []string{"kind", "category", "zone", "zone_kind", "zone_trust", "segmented", "vendor", "product", "version", "has_cpe", "has_purl", "components", "data", "holds_phi", "controls", "own_controls", "end_of_support", "eos", "safety", "availability", "confidentiality", "integrity", "exposed", "external", "untrusted_inbound", "remote_access", "vendor_access", "cleartext", "clear_sensitive", "unauthenticated", "wireless", "clear_wireless", "protocols", "services", "min_outage_minutes", "patient_safety", "vulnerabilities", "exploited", "ransomware_exploited", "max_cvss", "max_epss", "authenticates", "reach"}

// part writes fact i of keyParts. A switch rather than a function per
// part keeps the key's buffer on the stack: the plan writes a key for
// every asset a change touches.
func (b keyBuf) part(i int, f *catalog.AssetFacts) keyBuf {
	switch i {
	case 0:
		return b.str(f.Kind)
	case 1:
		return b.str(f.Category)
	case 2:
		return b.str(f.Zone)
	case 3:
		return b.str(f.ZoneKind)
	case 4:
		return b.num(f.ZoneTrust)
	case 5:
		return b.flag(f.Segmented)
	case 6:
		return b.str(f.Vendor)
	case 7:
		return b.str(f.Product)
	case 8:
		return b.str(f.Version)
	case 9:
		return b.flag(f.HasCPE)
	case 10:
		return b.flag(f.HasPURL)
	case 11:
		return b.num(f.Components)
	case 12:
		return b.list(f.Data)
	case 13:
		return b.flag(f.HoldsPHI)
	case 14:
		return b.list(f.Controls)
	case 15:
		return b.list(f.OwnControls)
	case 16:
		return b.str(f.EndOfSupport)
	case 17:
		return b.flag(f.EOS)
	case 18:
		return b.num(f.Safety)
	case 19:
		return b.num(f.Availability)
	case 20:
		return b.num(f.Confidentiality)
	case 21:
		return b.num(f.Integrity)
	case 22:
		return b.flag(f.Exposed)
	case 23:
		return b.flag(f.External)
	case 24:
		return b.flag(f.UntrustedInbound)
	case 25:
		return b.list(f.RemoteAccess)
	case 26:
		return b.flag(f.VendorAccess)
	case 27:
		return b.num(f.Cleartext)
	case 28:
		return b.num(f.ClearSensitive)
	case 29:
		return b.num(f.Unauthenticated)
	case 30:
		return b.flag(f.Wireless)
	case 31:
		return b.flag(f.ClearWireless)
	case 32:
		return b.list(f.Protocols)
	case 33:
		return b.list(f.Services)
	case 34:
		return b.num(f.MinOutageMinutes)
	case 35:
		return b.num(f.PatientSafety)
	case 36:
		return b.num(f.Vulnerabilities)
	case 37:
		return b.num(f.Exploited)
	case 38:
		return b.num(f.RansomwareExploited)
	case 39:
		return b.real(f.MaxCVSS)
	case 40:
		return b.real(f.MaxEPSS)
	case 41:
		return b.num(f.Authenticates)
	case 42:
		return b.num(f.Reach)
	}
	return b
}

// keyer writes a key of some of the facts: indices into keyParts.
type keyer []int

var wholeKey = func() keyer {
	k := make(keyer, len(keyParts))
	for i := range k {
		k[i] = i
	}
	return k
}()

func (k keyer) of(f *catalog.AssetFacts) string {
	var buf [512]byte
	return string(k.appendTo(buf[:0], f))
}

// appendTo appends the key of f to dst.
func (k keyer) appendTo(dst []byte, f *catalog.AssetFacts) []byte {
	b := keyBuf(dst)
	for _, i := range k {
		b = b.part(i, f)
	}
	return b
}

// projection is the keyer of the named facts only (json names), in
// keyParts' order; ok is false when a name is not among keyParts (an id
// or a name, which no key may read).
func projection(fields []string) (k keyer, ok bool) {
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
	}
	for i, p := range keyParts {
		if want[p] {
			k = append(k, i)
			delete(want, p)
		}
	}
	return k, len(want) == 0
}
