package assess

import (
	"cmp"
	"fmt"
	"maps"
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
	// other services, the members of the redundancy groups it depends on,
	// and what those depend on in turn (depends_on).
	Needs []string `json:"needs"`
	// SinglePoints are the assets, and the sites, whose failure alone
	// stops the service.
	SinglePoints []SinglePoint `json:"single_points_of_failure"`
}

// SinglePoint is one single point of failure of a service.
type SinglePoint struct {
	Asset string `json:"asset"`
	// Kind is the asset's kind, or "site".
	Kind string `json:"kind"`
	// Needed: the service depends on the asset itself (or on what depends
	// on it, or on a group whose copies it takes down); otherwise the
	// asset carries the only network path between things the service
	// needs.
	Needed bool `json:"needed"`
	// Site is the site of a Kind "site" single point (Asset is empty):
	// it holds more copies of a redundancy group than the group can spare.
	Site   string `json:"site,omitempty"`
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

func newNetwork(x *ward.Index) *network {
	m := x.Model()
	nw := &network{index: make(map[string]int, len(m.Assets)+len(m.Zones)), copies: map[int][]int{}}
	add := func(id, kind string, spare bool) {
		nw.index[id] = len(nw.names)
		nw.names = append(nw.names, id)
		nw.kinds = append(nw.kinds, kind)
		nw.spare = append(nw.spare, spare)
	}
	for i := range m.Assets {
		a := &m.Assets[i]
		add(a.ID, string(a.Kind), slices.Contains(a.Controls, "redundancy"))
	}
	for _, z := range m.Zones {
		add(z.ID, "zone", true)
	}
	physical := func(p ward.Protocol) bool { return p == "ethernet" || p == "wifi" || p == "ble" }
	relay := make([]bool, len(nw.names))
	for i, a := range m.Assets {
		relay[i] = relays(a.Kind)
	}
	attached := make([]bool, len(nw.names))
	// node is the node of a link's end: an asset's, a zone's after the
	// assets', -1 for an end that names nothing.
	node := func(e ward.End) int {
		if i, ok := e.Asset(); ok {
			return i
		}
		if j, ok := e.Zone(); ok {
			return len(m.Assets) + j
		}
		return -1
	}
	for li := range m.Links {
		if physical(m.Links[li].Protocol) {
			if a := node(x.From[li]); a >= 0 {
				attached[a] = true
			}
			if b := node(x.To[li]); b >= 0 {
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
	for li := range m.Links {
		l := &m.Links[li]
		a, b := node(x.From[li]), node(x.To[li])
		_, fromZone := x.From[li].Zone()
		_, toZone := x.To[li].Zone()
		switch {
		case a < 0 || b < 0:
		case physical(l.Protocol):
			edges = append(edges, edge{a, b})
		case fromZone || toZone:
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

// deps is what depends on what in a model: the assets and redundancy
// groups each service needs directly (through other services), what each
// asset depends on, and the groups. Assets are numbered as in m.Assets
// (and as the network's first nodes); a dependency on a group g is n + g.
type deps struct {
	nw     *network
	n      int      // assets
	ids    []string // per asset
	nodes  [][]int  // per asset: its nodes in the network
	groups []group
	on     [][]int // per asset: the assets (i) and groups (n+g) it depends on
	rev    [][]int // per asset: the assets that depend on it
	grev   [][]int // per group: the assets that depend on it
	member [][]int // per asset: the groups it is in
	// per service: the assets and the groups it needs directly, through
	// other services (not through depends_on: that is the cascade's)
	assets, grps [][]int
	// per asset and per group: the services that need it directly
	assetSvc, groupSvc [][]int
}

// group is a redundancy group: need of its members keep it going.
type group struct {
	id   string
	need int // 1 to len(of); 0 for a group of no known member
	of   []int
}

// newDeps builds the dependencies and the network of a model.
func newDeps(x *ward.Index) *deps {
	m := x.Model()
	nw := newNetwork(x)
	d := dependencies(m, nw.index)
	d.nw = nw
	for v := range d.n {
		d.nodes[v] = append([]int{v}, nw.copies[v]...)
	}
	return d
}

// dependencies builds the dependencies alone; index numbers the assets
// as m.Assets does (and may number zones after them).
func dependencies(m *ward.Model, index map[string]int) *deps {
	n := len(m.Assets)
	d := &deps{n: n, ids: make([]string, n), nodes: make([][]int, n), on: make([][]int, n), rev: make([][]int, n), member: make([][]int, n)}
	for v := range n {
		d.ids[v] = m.Assets[v].ID
	}
	asset := func(id string) (int, bool) {
		v, ok := index[id]
		return v, ok && v < n
	}
	gi := map[string]int{}
	in := make([]int, n) // the group (+1) an asset was last seen in
	for _, rg := range m.Redundancy {
		if _, dup := gi[rg.ID]; dup {
			continue
		}
		g := group{id: rg.ID}
		for _, id := range rg.Of {
			if v, ok := asset(id); ok && in[v] != len(d.groups)+1 {
				in[v] = len(d.groups) + 1
				g.of = append(g.of, v)
			}
		}
		g.need = min(max(rg.Need, 1), len(g.of))
		gi[rg.ID] = len(d.groups)
		for _, v := range g.of {
			d.member[v] = append(d.member[v], len(d.groups))
		}
		d.groups = append(d.groups, g)
	}
	d.grev = make([][]int, len(d.groups))
	// ref resolves a dependency to an asset (i) or a group (n+g).
	ref := func(id string) (int, bool) {
		if v, ok := asset(id); ok {
			return v, true
		}
		g, ok := gi[id]
		return n + g, ok
	}
	for i := range m.Assets {
		for _, id := range m.Assets[i].DependsOn {
			x, ok := ref(id)
			if !ok || x == i || slices.Contains(d.on[i], x) {
				continue
			}
			d.on[i] = append(d.on[i], x)
			if x < n {
				d.rev[x] = append(d.rev[x], i)
			} else {
				d.grev[x-n] = append(d.grev[x-n], i)
			}
		}
	}
	svc := make(map[string]int, len(m.Services))
	for i, s := range m.Services {
		svc[s.ID] = i
	}
	d.assets, d.grps = make([][]int, len(m.Services)), make([][]int, len(m.Services))
	d.assetSvc, d.groupSvc = make([][]int, n), make([][]int, len(d.groups))
	for i := range m.Services {
		seen := map[string]bool{m.Services[i].ID: true}
		stack := slices.Clone(m.Services[i].DependsOn)
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[id] {
				continue
			}
			seen[id] = true
			if j, ok := svc[id]; ok {
				stack = append(stack, m.Services[j].DependsOn...)
			} else if x, ok := ref(id); ok && x < n {
				d.assets[i] = append(d.assets[i], x)
				d.assetSvc[x] = append(d.assetSvc[x], i)
			} else if ok {
				d.grps[i] = append(d.grps[i], x-n)
				d.groupSvc[x-n] = append(d.groupSvc[x-n], i)
			}
		}
		slices.SortFunc(d.assets[i], func(a, b int) int { return strings.Compare(d.ids[a], d.ids[b]) })
		slices.SortFunc(d.grps[i], func(a, b int) int { return strings.Compare(d.groups[a].id, d.groups[b].id) })
	}
	return d
}

// Needs resolves every service's dependencies to asset ids, in service
// order, each list sorted: the assets it depends on directly or through
// other services, the members of the redundancy groups it depends on, and
// what all of those depend on in turn (depends_on, transitively).
func Needs(m *ward.Model) [][]string {
	index := make(map[string]int, len(m.Assets))
	for i, a := range m.Assets {
		index[a.ID] = i
	}
	return dependencies(m, index).needs()
}

func (d *deps) needs() [][]string {
	out := make([][]string, len(d.assets))
	seen := make([]bool, d.n+len(d.groups))
	for i := range d.assets {
		var stack, touched []int
		push := func(x int) {
			if !seen[x] {
				seen[x] = true
				touched = append(touched, x)
				stack = append(stack, x)
			}
		}
		for _, v := range d.assets[i] {
			push(v)
		}
		for _, g := range d.grps[i] {
			push(d.n + g)
		}
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if x >= d.n {
				for _, v := range d.groups[x-d.n].of {
					push(v)
				}
				continue
			}
			out[i] = append(out[i], d.ids[x])
			for _, y := range d.on[x] {
				push(y)
			}
		}
		for _, x := range touched {
			seen[x] = false
		}
		sort.Strings(out[i])
	}
	return out
}

// cascade is what a failure takes down: the failed assets and all that
// depend on them, transitively; a group fails when fewer than it needs of
// its members are left, and takes down what depends on it.
type cascade struct {
	down []bool
	// why, per asset down: -1 when it failed itself, else the dependency
	// (an asset i, a group n+g) that took it down.
	why  []int
	at   []int // per asset down: its place in list
	left []int // per group: the members not down
	list []int // the assets down, in the order they went
	hit  []int // the groups that lost a member
}

func (d *deps) newCascade() *cascade {
	c := &cascade{down: make([]bool, d.n), why: make([]int, d.n), at: make([]int, d.n), left: make([]int, len(d.groups))}
	for g := range d.groups {
		c.left[g] = len(d.groups[g].of)
	}
	return c
}

// fail takes the roots down, and what depends on them.
func (d *deps) fail(c *cascade, roots []int) {
	head := len(c.list)
	take := func(v, why int) {
		if !c.down[v] {
			c.down[v], c.why[v], c.at[v] = true, why, len(c.list)
			c.list = append(c.list, v)
		}
	}
	for _, v := range roots {
		take(v, -1)
	}
	for ; head < len(c.list); head++ {
		v := c.list[head]
		for _, w := range d.rev[v] {
			take(w, v)
		}
		for _, g := range d.member[v] {
			if c.left[g] == len(d.groups[g].of) {
				c.hit = append(c.hit, g)
			}
			c.left[g]--
			if c.left[g] == d.groups[g].need-1 {
				for _, w := range d.grev[g] {
					take(w, d.n+g)
				}
			}
		}
	}
}

// first is the member of group g that went down first, -1 if none did.
func (d *deps) first(c *cascade, g int) int {
	f := -1
	for _, v := range d.groups[g].of {
		if c.down[v] && (f < 0 || c.at[v] < c.at[f]) {
			f = v
		}
	}
	return f
}

// reset undoes fail.
func (d *deps) reset(c *cascade) {
	for _, v := range c.list {
		c.down[v] = false
	}
	for _, g := range c.hit {
		c.left[g] = len(d.groups[g].of)
	}
	c.list, c.hit = c.list[:0], c.hit[:0]
}

// broken tells whether group g has fewer members left than it needs.
func (c *cascade) broken(d *deps, g int) bool { return c.left[g] < d.groups[g].need }

// lost lists group g's members that are down.
func (d *deps) lost(c *cascade, g int) []string {
	var out []string
	for _, v := range d.groups[g].of {
		if c.down[v] {
			out = append(out, d.nw.names[v])
		}
	}
	return out
}

// roots names the failed assets through which v went down, sorted.
func (d *deps) roots(c *cascade, v int) []string {
	seen := map[int]bool{}
	var out []string
	var walk func(x int)
	walk = func(x int) {
		if seen[x] {
			return
		}
		seen[x] = true
		switch {
		case x >= d.n:
			for _, m := range d.groups[x-d.n].of {
				if c.down[m] {
					walk(m)
				}
			}
		case c.why[x] < 0:
			out = append(out, d.nw.names[x])
		default:
			walk(c.why[x])
		}
	}
	walk(v)
	sort.Strings(out)
	return out
}

// netCheck is what netChange asks of the network: its articulation points,
// and the nodes of every asset a service needs or a group it needs holds.
type netCheck struct {
	cut    []bool
	needed *graph.Set
}

func (d *deps) netCheck(cuts *graph.Cuts) netCheck {
	nc := netCheck{cut: make([]bool, d.nw.g.Len())}
	for _, x := range cuts.Points() {
		nc.cut[x] = true
	}
	var nodes []int
	for i := range d.assets {
		for _, v := range d.assets[i] {
			nodes = append(nodes, d.nodes[v]...)
		}
		for _, g := range d.grps[i] {
			for _, v := range d.groups[g].of {
				nodes = append(nodes, d.nodes[v]...)
			}
		}
	}
	nc.needed = cuts.Set(nodes)
	return nc
}

// netChange tells whether taking the cascade's assets off the network can
// change what reaches what among the rest that services need: two nodes
// that each join others can, and so can one articulation point, when it
// separates needed nodes; nodes at the end of a single link cannot.
func (d *deps) netChange(c *cascade, nc netCheck) bool {
	joins, join := 0, -1
	for _, v := range c.list {
		for _, x := range d.nodes[v] {
			if nc.cut[x] || d.nw.g.Degree(x) >= 2 {
				joins, join = joins+1, x
			}
		}
	}
	switch joins {
	case 0:
		return false
	case 1:
		return nc.cut[join] && nc.needed.Split(join)
	}
	return true
}

// removed marks the nodes of the assets down.
func (d *deps) removed(c *cascade, removed []bool, on bool) {
	for _, v := range c.list {
		for _, x := range d.nodes[v] {
			removed[x] = on
		}
	}
}

// verdict tells whether service i stops under the cascade, the network
// labelled before the failure and after it (after nil: the network is as
// it was). With im, it writes the causes and the fixes.
func (d *deps) verdict(i int, c *cascade, before, after []int, im *Impact) bool {
	stops := false
	cause := func(text, fix string) {
		stops = true
		if im != nil {
			im.Causes = append(im.Causes, text)
			im.Fixes = append(im.Fixes, fix)
		}
	}
	var alive []int
	for _, v := range d.assets[i] {
		if !c.down[v] {
			alive = append(alive, v)
			continue
		}
		if im == nil {
			return true
		}
		cause(d.downBecause(c, v))
	}
	for _, g := range d.grps[i] {
		if c.broken(d, g) {
			if im == nil {
				return true
			}
			gr := &d.groups[g]
			lost := d.lost(c, g)
			text := fmt.Sprintf("%s: %d of %d left, needs %d (%s down", gr.id, c.left[g], len(gr.of), gr.need, strings.Join(lost, ", "))
			fix := d.groupFix(c, g, lost)
			if r := d.roots(c, d.n+g); !slices.Equal(r, lost) {
				text += " through " + strings.Join(r, ", ")
			}
			cause(text+")", fix)
		}
	}
	if after == nil || len(alive) == 0 {
		return stops
	}
	// Two assets connected before the failure and apart after it.
	split := false
	for j, a := range alive {
		for _, b := range alive[j+1:] {
			split = split || (d.together(a, b, before) && !d.together(a, b, after))
		}
	}
	if split {
		if im == nil {
			return true
		}
		a, b, through, _ := d.nw.cutOff(d.names(alive), before, after, d.names(c.list))
		cause(fmt.Sprintf("%s can no longer reach %s: the path ran through %s", a, b, strings.Join(through, ", ")),
			fmt.Sprintf("a second network path between %s and %s", a, b))
	}
	// A member that reached an asset the service needs before the failure
	// and reaches none of them after it is lost too.
	for _, g := range d.grps[i] {
		if c.broken(d, g) {
			continue
		}
		gr := &d.groups[g]
		var cutOff []string
		for _, v := range gr.of {
			if !c.down[v] && d.cutOff(v, alive, before, after) {
				cutOff = append(cutOff, d.nw.names[v])
			}
		}
		if left := c.left[g] - len(cutOff); left < gr.need {
			if im == nil {
				return true
			}
			var through []string
			for _, f := range c.list {
				if d.nw.together(d.nw.names[f], cutOff[0], before) {
					through = append(through, d.nw.names[f])
				}
			}
			names := strings.Join(d.names(alive), ", ")
			cause(fmt.Sprintf("%s: %d of %d left, needs %d (%s cut off from %s through %s)", gr.id, left, len(gr.of), gr.need,
				strings.Join(cutOff, ", "), names, strings.Join(through, ", ")),
				fmt.Sprintf("a second network path between %s and the copies of %s", names, gr.id))
		}
	}
	return stops
}

// cutOff tells whether asset v shared a component with one of the assets
// before the failure and does not after it.
func (d *deps) cutOff(v int, assets []int, before, after []int) bool {
	for _, a := range assets {
		if d.together(v, a, before) && !d.together(v, a, after) {
			return true
		}
	}
	return false
}

// together tells whether labels put two assets in one component (any of
// their nodes; a removed node is labelled -1).
func (d *deps) together(a, b int, labels []int) bool {
	for _, x := range d.nodes[a] {
		for _, y := range d.nodes[b] {
			if labels[x] >= 0 && labels[x] == labels[y] {
				return true
			}
		}
	}
	return false
}

// downBecause says why a needed asset is down, and what would have helped.
func (d *deps) downBecause(c *cascade, v int) (string, string) {
	id := d.nw.names[v]
	w := c.why[v]
	if w < 0 {
		return id + " is down", "add redundancy to " + id
	}
	roots := strings.Join(d.roots(c, v), ", ")
	if w < d.n {
		text := fmt.Sprintf("%s is down: it depends on %s", id, d.nw.names[w])
		if c.why[w] >= 0 {
			text += ", down through " + roots
		}
		return text, "add redundancy to " + roots
	}
	g := w - d.n
	gr := &d.groups[g]
	lost := d.lost(c, g)
	text := fmt.Sprintf("%s is down: it depends on %s (%s needs %d of %d, %d left)", id, and(lost), gr.id, gr.need, len(gr.of), c.left[g])
	if r := d.roots(c, w); !slices.Equal(r, lost) {
		text += ", down through " + strings.Join(r, ", ")
	}
	return text, d.groupFix(c, g, lost)
}

// groupFix says what would have kept group g going: copies independent of
// what took its lost ones down, or more copies.
func (d *deps) groupFix(c *cascade, g int, lost []string) string {
	id := d.groups[g].id
	if r := d.roots(c, d.n+g); !slices.Equal(r, lost) {
		return fmt.Sprintf("make the copies of %s independent of %s", id, strings.Join(r, ", "))
	}
	return fmt.Sprintf("more copies in %s than it needs", id)
}

// and joins names as a sentence does: "a", "a and b", "a, b and c".
func and(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func (d *deps) names(vs []int) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = d.nw.names[v]
	}
	return out
}

// SinglePointsOfFailure finds, for every clinical service, what alone stops
// it: an asset it needs (directly, through other services, or through what
// those depend on) that has no standby; a copy of a redundancy group whose
// loss alone leaves fewer than the group needs; a common cause that takes
// down more copies of a group than it can spare, an asset they all depend
// on or a site they share; and the nodes of the network whose loss cuts
// what it needs apart (articulation points of the link graph, from one
// depth-first search), a group counting as reached while enough of its
// copies stay connected with the rest. An asset with the redundancy
// control is taken to have a standby.
//
// Cost: O(N + E) for the search, O(S * A * D log d) for S services
// needing D assets, A articulation points of degree up to d; each asset
// that others depend on or that a group holds is failed once with what
// depends on it, and those whose cascade can change the network, the
// articulation points that cut a group's copies off and the sites holding
// more copies than a group can spare, are simulated exactly (one component
// labelling each, O(N + E)).
func SinglePointsOfFailure(m *ward.Model) []Resilience { return singlePoints(m.Index()) }

// singlePoints is SinglePointsOfFailure on the model's index.
func singlePoints(x *ward.Index) []Resilience {
	m := x.Model()
	d := newDeps(x)
	nw := d.nw
	cuts := nw.g.Cuts()
	nc := d.netCheck(cuts)
	needs := d.needs()
	out := make([]Resilience, len(m.Services))
	// listed: per service, the assets (by index) and sites already named
	listed := make([]map[int]bool, len(m.Services))
	sites := make([]map[string]bool, len(m.Services))
	add := func(i int, sp SinglePoint) {
		if sp.Kind == "site" {
			if !sites[i][sp.Site] {
				sites[i][sp.Site] = true
				out[i].SinglePoints = append(out[i].SinglePoints, sp)
			}
		} else if v := nw.index[sp.Asset]; !listed[i][v] {
			listed[i][v] = true
			out[i].SinglePoints = append(out[i].SinglePoints, sp)
		}
	}
	for i := range m.Services {
		s := &m.Services[i]
		out[i] = Resilience{Service: s.ID, Name: cmp.Or(s.Name, s.ID), MaxOutage: s.MaxOutage.String(), Needs: needs[i], SinglePoints: []SinglePoint{}}
		listed[i], sites[i] = map[int]bool{}, map[string]bool{}
		for _, v := range d.assets[i] {
			if !nw.spare[v] {
				add(i, SinglePoint{Asset: nw.names[v], Kind: nw.kinds[v], Needed: true,
					Reason: "the service needs it and it has no standby", Fix: "add redundancy to " + nw.names[v]})
			}
		}
	}
	sim := newSimulator(d)
	c := d.newCascade()
	// Assets that others depend on, and copies of groups: failed with
	// what falls with them, which settles them.
	settled := make([]bool, d.n)
	mark := make([]int, len(m.Services))
	for x := range d.n {
		if nw.spare[x] || (len(d.rev[x]) == 0 && len(d.member[x]) == 0) {
			continue
		}
		d.fail(c, []int{x})
		settled[x] = true
		var affected []int
		after := []int(nil)
		if d.netChange(c, nc) {
			after = sim.after(c)
			for i := range m.Services {
				affected = append(affected, i)
			}
		} else {
			pick := func(svcs []int) {
				for _, i := range svcs {
					if mark[i] != x+1 {
						mark[i] = x + 1
						affected = append(affected, i)
					}
				}
			}
			for _, v := range c.list {
				pick(d.assetSvc[v])
			}
			for _, g := range c.hit {
				pick(d.groupSvc[g])
			}
		}
		for _, i := range affected {
			if !listed[i][x] && d.verdict(i, c, sim.before, after, nil) {
				add(i, d.explain(i, x, c, sim.before, after))
			}
		}
		d.reset(c)
	}
	// Articulation points: what they cut apart, as today for the assets a
	// service needs; when it needs groups too, the few that cut copies off
	// are simulated.
	flagged := map[int][]int{}
	seen := make([]int32, nw.g.Len())
	for i := range m.Services {
		// nodes: those of the assets the service needs, copies of an end
		// host without cabling too. With copies, an asset reaches another
		// through any of its nodes, which one search cannot tell: what
		// splits them is simulated.
		var nodes, members []int
		copies := false
		for _, v := range d.assets[i] {
			nodes = append(nodes, d.nodes[v]...)
			copies = copies || len(d.nodes[v]) > 1
		}
		if len(nodes) > 0 {
			for _, g := range d.grps[i] {
				for _, v := range d.groups[g].of {
					members = append(members, d.nodes[v]...)
				}
			}
		}
		set, withGroups := cuts.Set(nodes), (*graph.Set)(nil)
		if len(members) > 0 {
			withGroups = cuts.Set(append(slices.Clone(nodes), members...))
		}
		// Only the articulation points above the nodes can split them:
		// asking each of them for every service grew with the
		// services times the points, both as many as the assets.
		above := cuts.Above(slices.Concat(nodes, members), seen, int32(i+1))
		for _, ap := range above {
			if ap >= d.n || nw.spare[ap] || settled[ap] || listed[i][ap] {
				continue
			}
			split := set.Split(ap)
			switch {
			case split && !copies:
				a, b, _ := cuts.Separates(ap, nodes)
				an, bn := nw.names[a], nw.names[b]
				add(i, SinglePoint{Asset: nw.names[ap], Kind: nw.kinds[ap],
					Reason: fmt.Sprintf("it carries the only path between %s and %s", an, bn),
					Fix:    fmt.Sprintf("add redundancy to %s, or a second path between %s and %s", nw.names[ap], an, bn)})
			case split || (withGroups != nil && withGroups.Split(ap)):
				flagged[ap] = append(flagged[ap], i)
			}
		}
	}
	for _, ap := range slices.Sorted(maps.Keys(flagged)) {
		d.fail(c, []int{ap})
		after := sim.after(c)
		for _, i := range flagged[ap] {
			if d.verdict(i, c, sim.before, after, nil) {
				add(i, d.explain(i, ap, c, sim.before, after))
			}
		}
		d.reset(c)
	}
	// Sites holding more copies of a group than it can spare.
	for g := range d.groups {
		gr := &d.groups[g]
		bySite := map[string][]int{}
		for _, v := range gr.of {
			if site := m.Assets[v].Site; site != "" && !nw.spare[v] {
				bySite[site] = append(bySite[site], v)
			}
		}
		for _, site := range slices.Sorted(maps.Keys(bySite)) {
			vs := bySite[site]
			if len(vs) <= len(gr.of)-gr.need {
				continue
			}
			d.fail(c, vs)
			var after []int
			if d.netChange(c, nc) {
				after = sim.after(c)
			}
			reason := fmt.Sprintf("%d of %d copies of %s stand on site %s: %d are left, it needs %d", len(vs), len(gr.of), gr.id, site, len(gr.of)-len(vs), gr.need)
			if len(vs) == len(gr.of) {
				reason = fmt.Sprintf("all %d copies of %s stand on site %s: they fail together", len(vs), gr.id, site)
			}
			for i := range m.Services {
				if d.verdict(i, c, sim.before, after, nil) {
					add(i, SinglePoint{Kind: "site", Site: site, Needed: true, Reason: reason,
						Fix: fmt.Sprintf("put a copy of %s on another site", gr.id)})
				}
			}
			d.reset(c)
		}
	}
	for i := range out {
		slices.SortStableFunc(out[i].SinglePoints, func(a, b SinglePoint) int {
			site := func(p SinglePoint) int {
				if p.Kind == "site" {
					return 1
				}
				return 0
			}
			return cmp.Or(cmp.Compare(site(a), site(b)), cmp.Compare(a.Asset, b.Asset), cmp.Compare(a.Site, b.Site))
		})
	}
	return out
}

// explain says why asset x, failing with what depends on it, stops service
// i: an asset the service needs depends on it, or a group loses too many
// copies with it (a common cause), or the network is cut.
func (d *deps) explain(i, x int, c *cascade, before, after []int) SinglePoint {
	id := d.nw.names[x]
	sp := SinglePoint{Asset: id, Kind: d.nw.kinds[x], Needed: true}
	// innermost is the group nearest to x on the way down from y: each
	// step goes to what went down earlier, so the walk ends.
	innermost := func(y int) int {
		g := -1
		for y >= 0 && y < d.n && c.why[y] >= 0 {
			w := c.why[y]
			if w >= d.n {
				g = w - d.n
				y = d.first(c, g)
				continue
			}
			y = w
		}
		return g
	}
	for _, v := range d.assets[i] {
		if !c.down[v] {
			continue
		}
		if g := innermost(v); g >= 0 {
			return d.commonCause(sp, g, x, c)
		}
		sp.Reason, sp.Fix = d.nw.names[v]+" needs it (depends_on)", "add redundancy to "+id
		return sp
	}
	for _, g := range d.grps[i] {
		if c.broken(d, g) {
			if h := innermost(d.first(c, g)); h >= 0 {
				g = h
			}
			return d.commonCause(sp, g, x, c)
		}
	}
	im := &Impact{}
	d.verdict(i, c, before, after, im)
	sp.Needed = false
	sp.Reason, sp.Fix = strings.Join(im.Causes, "; "), strings.Join(im.Fixes, "; ")
	return sp
}

// commonCause says how x takes down more copies of group g than it can
// spare.
func (d *deps) commonCause(sp SinglePoint, g, x int, c *cascade) SinglePoint {
	gr := &d.groups[g]
	id := d.nw.names[x]
	n := len(gr.of)
	k := n - c.left[g]
	verb := "depend on"
	if slices.Contains(gr.of, x) {
		verb = "fall with"
	}
	sp.Fix = fmt.Sprintf("make the copies of %s independent of %s", gr.id, id)
	switch {
	case verb == "fall with" && k == 1:
		sp.Reason = fmt.Sprintf("one of the %d copies of %s, which needs %d: without it %d are left", n, gr.id, gr.need, c.left[g])
		sp.Fix = "add a copy to " + gr.id
	case k == n:
		sp.Reason = fmt.Sprintf("all %d copies of %s %s %s: they are not independent", n, gr.id, verb, id)
	default:
		sp.Reason = fmt.Sprintf("%d of %d copies of %s %s %s: %d are left, it needs %d", k, n, gr.id, verb, id, c.left[g], gr.need)
	}
	return sp
}

// simulator labels the network's components after failures, the labels
// before them computed once.
type simulator struct {
	d                     *deps
	before, labels, queue []int
	removed               []bool
}

func newSimulator(d *deps) *simulator {
	n := d.nw.g.Len()
	s := &simulator{d: d, removed: make([]bool, n), labels: make([]int, n), queue: make([]int, 0, n)}
	s.before = d.nw.g.Components(s.removed)
	return s
}

// after labels the network without the cascade's assets; the labels are
// overwritten by the next call.
func (s *simulator) after(c *cascade) []int {
	s.d.removed(c, s.removed, true)
	s.labels = s.d.nw.g.ComponentsInto(s.removed, s.labels, s.queue)
	s.d.removed(c, s.removed, false)
	return s.labels
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
	// AlsoDown are the assets that fail with the failed ones: they depend
	// on one (depends_on), or on a group left with fewer than it needs.
	AlsoDown []string `json:"also_down"`
	Duration string   `json:"duration,omitempty"`
	Services []Impact `json:"services"`
}

// Fail simulates the failure of the given assets for a duration (0 when
// unknown) and says which services stop. An asset with the redundancy
// control is taken over by its standby; what depends on a failed asset
// fails with it, and so does what depends on a group left with fewer
// copies than it needs. A service stops only for what the failure itself
// causes: what was apart before it is not blamed on it. Unknown ids are an
// error.
func Fail(m *ward.Model, failed []string, duration time.Duration) (*WhatIf, error) {
	d := newDeps(m.Index())
	nw := d.nw
	res := &WhatIf{Failed: []string{}, Absorbed: []string{}, AlsoDown: []string{}, Services: []Impact{}}
	if duration > 0 {
		res.Duration = ward.Duration(duration).String()
	}
	var roots []int
	for _, id := range failed {
		v, ok := nw.index[id]
		if !ok || v >= d.n {
			return nil, fmt.Errorf("no asset %q", id)
		}
		if nw.spare[v] {
			res.Absorbed = append(res.Absorbed, id)
			continue
		}
		res.Failed = append(res.Failed, id)
		roots = append(roots, v)
	}
	c := d.newCascade()
	d.fail(c, roots)
	for _, v := range c.list {
		if c.why[v] >= 0 {
			res.AlsoDown = append(res.AlsoDown, nw.names[v])
		}
	}
	sort.Strings(res.AlsoDown)
	sim := newSimulator(d)
	after := sim.after(c)
	for i := range m.Services {
		s := &m.Services[i]
		im := Impact{Service: s.ID, Name: cmp.Or(s.Name, s.ID), MaxOutage: s.MaxOutage.String()}
		im.Stops = d.verdict(i, c, sim.before, after, &im)
		im.Exceeds = im.Stops && duration > time.Duration(s.MaxOutage)
		res.Services = append(res.Services, im)
	}
	return res, nil
}

// Stops is Fail for many sets of failed assets at once, the network built
// once: for each set, the indices of the services (in m.Services) that
// stop. Unknown ids are ignored; an asset with a standby is absorbed.
func Stops(m *ward.Model, sets [][]string) [][]int {
	d := newDeps(m.Index())
	nw := d.nw
	nc := d.netCheck(nw.g.Cuts())
	// needed: a service needs the asset, or a group it needs holds it.
	needed := make([]bool, d.n)
	for i := range d.assets {
		for _, v := range d.assets[i] {
			needed[v] = true
		}
		for _, g := range d.grps[i] {
			for _, v := range d.groups[g].of {
				needed[v] = true
			}
		}
	}
	sim := newSimulator(d)
	c := d.newCascade()
	var roots []int
	out := make([][]int, len(sets))
	for k, set := range sets {
		roots = roots[:0]
		for _, id := range set {
			if v, ok := nw.index[id]; ok && v < d.n && !nw.spare[v] {
				roots = append(roots, v)
			}
		}
		if len(roots) == 0 {
			continue
		}
		d.fail(c, roots)
		// What no service needs cannot stop one unless it changes what
		// reaches what.
		isNeeded := slices.ContainsFunc(c.list, func(v int) bool { return needed[v] })
		change := d.netChange(c, nc)
		if isNeeded || change {
			var after []int
			if change {
				after = sim.after(c)
			}
			for i := range m.Services {
				if d.verdict(i, c, sim.before, after, nil) {
					out[k] = append(out[k], i)
				}
			}
		}
		d.reset(c)
	}
	return out
}
