// Package graph holds the graph algorithms Ward's analyses need, on plain
// integer-numbered nodes: articulation points and connected components for
// single points of failure, and the k most likely loop-free paths for attack
// paths. It knows nothing of hospitals.
package graph

import (
	"math"
	"slices"
	"sort"

	"github.com/wardhealth/ward/internal/hugepage"
)

// Undirected is an undirected graph on nodes 0..N-1.
type Undirected struct {
	adj [][]int
}

// NewUndirected makes a graph of n nodes and no edges.
func NewUndirected(n int) *Undirected { return &Undirected{adj: make([][]int, n)} }

// Len is the number of nodes.
func (g *Undirected) Len() int { return len(g.adj) }

// Degree is the number of edges at v.
func (g *Undirected) Degree(v int) int { return len(g.adj[v]) }

// Add joins a and b; loops are ignored.
func (g *Undirected) Add(a, b int) {
	if a == b {
		return
	}
	g.adj[a] = append(g.adj[a], b)
	g.adj[b] = append(g.adj[b], a)
}

// ArticulationPoints returns, sorted, the nodes whose removal splits their
// connected component: Tarjan's low-link algorithm, O(N + E), iterative so
// that long chains cannot exhaust the stack.
func (g *Undirected) ArticulationPoints() []int {
	n := len(g.adj)
	disc := make([]int, n) // discovery time + 1; 0 = unvisited
	low := make([]int, n)
	parent := make([]int, n)
	next := make([]int, n) // next neighbour index to visit
	isAP := make([]bool, n)
	time := 0
	for root := range n {
		if disc[root] != 0 {
			continue
		}
		time++
		disc[root], low[root], parent[root] = time, time, -1
		children := 0
		stack := []int{root}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			if next[u] < len(g.adj[u]) {
				v := g.adj[u][next[u]]
				next[u]++
				if disc[v] == 0 {
					time++
					disc[v], low[v], parent[v] = time, time, u
					if u == root {
						children++
					}
					stack = append(stack, v)
				} else if v != parent[u] {
					low[u] = min(low[u], disc[v])
				}
				continue
			}
			stack = stack[:len(stack)-1]
			if p := parent[u]; p >= 0 {
				low[p] = min(low[p], low[u])
				if p != root && low[u] >= disc[p] {
					isAP[p] = true
				}
			}
		}
		if children > 1 {
			isAP[root] = true
		}
	}
	var out []int
	for v, ap := range isAP {
		if ap {
			out = append(out, v)
		}
	}
	return out
}

// Components labels each node with its connected component, leaving out
// the removed nodes (label -1). Labels run from 0. O(N + E).
func (g *Undirected) Components(removed []bool) []int {
	return g.ComponentsInto(removed, make([]int, len(g.adj)), nil)
}

// ComponentsInto is Components writing into label (one entry per node)
// with queue as scratch space, for callers that label many times: with a
// queue of capacity Len(), it allocates nothing.
func (g *Undirected) ComponentsInto(removed []bool, label, queue []int) []int {
	for i := range label {
		label[i] = -1
	}
	c := 0
	queue = queue[:0] // every node enters once: the queue never outgrows Len()
	for s := range g.adj {
		if label[s] >= 0 || (removed != nil && removed[s]) {
			continue
		}
		label[s] = c
		head := len(queue)
		queue = append(queue, s)
		for ; head < len(queue); head++ {
			for _, v := range g.adj[queue[head]] {
				if label[v] < 0 && (removed == nil || !removed[v]) {
					label[v] = c
					queue = append(queue, v)
				}
			}
		}
		c++
	}
	return label
}

// Directed is a directed graph whose arcs carry a probability of being
// taken (0 < p <= 1) and an id the caller uses to explain them.
type Directed struct {
	arcs [][]arc
}

// arc is an Arc as the graph keeps it, in 24 bytes rather than 32: a group
// of hospitals' attack graph has tens of millions.
type arc struct {
	to, id  int32
	p, cost float64
}

func (a arc) public() Arc { return Arc{To: int(a.to), P: a.p, ID: int(a.id), cost: a.cost} }

// Arc is one step from a node.
type Arc struct {
	To   int
	P    float64
	ID   int
	cost float64 // -log P
}

// NewDirected makes a graph of n nodes and no arcs.
func NewDirected(n int) *Directed { return &Directed{arcs: make([][]arc, n)} }

// Len is the number of nodes.
func (g *Directed) Len() int { return len(g.arcs) }

// Add adds an arc from a to b with probability p (0 < p <= 1). Nodes and
// ids are 32-bit numbers.
func (g *Directed) Add(a, b int, p float64, id int) {
	if !Kept(a, b, p) {
		return
	}
	if int(int32(id)) != id || int(int32(b)) != b {
		panic("graph: a node or arc id beyond 32 bits")
	}
	g.arcs[a] = append(g.arcs[a], arc{to: int32(b), id: int32(id), p: min(p, 1), cost: -math.Log(min(p, 1))})
}

// Kept tells whether Add keeps an arc from a to b of probability p: one
// that can be taken and leads elsewhere.
func Kept(a, b int, p float64) bool { return p > 0 && a != b }

// Reserve makes room, in one block, for the arcs each node of a graph
// without arcs will have: out[a] from node a. A graph of tens of millions
// of arcs grown by appending holds a third more than it needs and leaves as
// much again to collect. A node given more arcs than its room is grown
// as before.
func (g *Directed) Reserve(out []int) {
	total := 0
	for a, d := range out {
		if len(g.arcs[a]) > 0 {
			panic("graph: room reserved in a graph with arcs")
		}
		total += d
	}
	block := make([]arc, total)
	hugepage.Slice(block)
	for a, d := range out {
		g.arcs[a] = block[:0:d]
		block = block[d:]
	}
}

// Path is a loop-free sequence of arcs and its probability, the product of
// its arcs'.
type Path struct {
	Nodes []int
	Arcs  []Arc
	P     float64
}

// Most returns up to k loop-free paths from src to dst, most likely first:
// Yen's algorithm over Dijkstra on -log p, O(k N (E + N log N)).
func (g *Directed) Most(src, dst, k int) []Path {
	first, ok := g.dijkstra(src, dst, nil, nil)
	if !ok || k <= 0 {
		return nil
	}
	found := []Path{first}
	var candidates []Path
	for len(found) < k {
		last := found[len(found)-1]
		for i := 0; i < len(last.Nodes)-1; i++ {
			spur := last.Nodes[i]
			root := last.Nodes[:i+1]
			bannedArcs := map[[2]int]bool{} // (from, arc id)
			for _, p := range found {
				if len(p.Nodes) > i && slices.Equal(p.Nodes[:i+1], root) {
					bannedArcs[[2]int{spur, p.Arcs[i].ID}] = true
				}
			}
			bannedNodes := make([]bool, len(g.arcs))
			for _, v := range root[:i] {
				bannedNodes[v] = true
			}
			tail, ok := g.dijkstra(spur, dst, bannedNodes, bannedArcs)
			if !ok {
				continue
			}
			p := Path{Nodes: append(slices.Clone(root[:i]), tail.Nodes...), Arcs: append(slices.Clone(last.Arcs[:i]), tail.Arcs...)}
			p.P = 1
			for _, a := range p.Arcs {
				p.P *= a.P
			}
			if !containsPath(found, p) && !containsPath(candidates, p) {
				candidates = append(candidates, p)
			}
		}
		if len(candidates) == 0 {
			break
		}
		best := 0
		for i, c := range candidates {
			b := candidates[best]
			// Equal within rounding: the shorter path first.
			if d := cost(c) - cost(b); d < -1e-9 || (d < 1e-9 && len(c.Nodes) < len(b.Nodes)) {
				best = i
			}
		}
		found = append(found, candidates[best])
		candidates = slices.Delete(candidates, best, best+1)
	}
	return found
}

func cost(p Path) float64 {
	c := 0.0
	for _, a := range p.Arcs {
		c += a.cost
	}
	return c
}

func containsPath(ps []Path, p Path) bool {
	for _, q := range ps {
		if len(q.Arcs) == len(p.Arcs) && slices.EqualFunc(q.Arcs, p.Arcs, func(a, b Arc) bool { return a.ID == b.ID && a.To == b.To }) && q.Nodes[0] == p.Nodes[0] {
			return true
		}
	}
	return false
}

// dijkstra finds the most likely path avoiding banned nodes and arcs.
func (g *Directed) dijkstra(src, dst int, bannedNodes []bool, bannedArcs map[[2]int]bool) (Path, bool) {
	n := len(g.arcs)
	dist := make([]float64, n)
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	prev := make([]int, n)
	prevArc := make([]arc, n)
	for i := range prev {
		prev[i] = -1
	}
	dist[src] = 0
	q := &Queue{}
	q.Push(int32(src), 0)
	for q.Len() > 0 {
		it := q.Pop()
		u := int(it.Node)
		if it.Cost > dist[u] {
			continue
		}
		if u == dst {
			break
		}
		for _, a := range g.arcs[u] {
			to := int(a.to)
			if (bannedNodes != nil && bannedNodes[to]) || bannedArcs[[2]int{u, int(a.id)}] {
				continue
			}
			if d := dist[u] + a.cost; d < dist[to] {
				dist[to], prev[to], prevArc[to] = d, u, a
				q.Push(int32(to), d)
			}
		}
	}
	if math.IsInf(dist[dst], 1) {
		return Path{}, false
	}
	var nodes []int
	var arcs []Arc
	for v := dst; v != src; v = prev[v] {
		nodes = append(nodes, v)
		arcs = append(arcs, prevArc[v].public())
	}
	nodes = append(nodes, src)
	slices.Reverse(nodes)
	slices.Reverse(arcs)
	return Path{Nodes: nodes, Arcs: arcs, P: math.Exp(-dist[dst])}, true
}

// Tree holds the most likely path from its sources to every node.
type Tree struct {
	g    *Directed
	dist []float64
	prev []int
	arc  []arc
}

// BestFrom runs Dijkstra once from src: O((N + E) log N).
func (g *Directed) BestFrom(src int) *Tree { return g.BestFromAny([]int{src}) }

// BestFromAny runs Dijkstra once from all of srcs together, as from a
// source joined to each of them, without copying the graph to add one: a
// path starts at the source it is likeliest from.
func (g *Directed) BestFromAny(srcs []int) *Tree {
	n := len(g.arcs)
	t := &Tree{g: g, dist: make([]float64, n), prev: make([]int, n), arc: make([]arc, n)}
	for i := range t.dist {
		t.dist[i], t.prev[i] = math.Inf(1), -1
	}
	q := &Queue{}
	for _, s := range srcs {
		if t.dist[s] != 0 {
			t.dist[s] = 0
			q.Push(int32(s), 0)
		}
	}
	for q.Len() > 0 {
		it := q.Pop()
		u := int(it.Node)
		if it.Cost > t.dist[u] {
			continue
		}
		for _, a := range g.arcs[u] {
			to := int(a.to)
			if d := t.dist[u] + a.cost; d < t.dist[to] {
				t.dist[to], t.prev[to], t.arc[to] = d, u, a
				q.Push(int32(to), d)
			}
		}
	}
	return t
}

// P is the probability of the most likely path to v, 0 when unreachable.
func (t *Tree) P(v int) float64 { return math.Exp(-t.dist[v]) }

// Reaches says whether a path leads to v: whether Path finds one.
func (t *Tree) Reaches(v int) bool { return !math.IsInf(t.dist[v], 1) }

// Path returns the most likely path to v, or false when v is unreachable.
func (t *Tree) Path(v int) (Path, bool) {
	if math.IsInf(t.dist[v], 1) {
		return Path{}, false
	}
	var nodes []int
	var arcs []Arc
	u := v
	for ; t.prev[u] >= 0; u = t.prev[u] {
		nodes = append(nodes, u)
		arcs = append(arcs, t.arc[u].public())
	}
	nodes = append(nodes, u)
	slices.Reverse(nodes)
	slices.Reverse(arcs)
	return Path{Nodes: nodes, Arcs: arcs, P: t.P(v)}, true
}

// Clone copies the graph with extra nodes added at the end. The copy
// shares the arcs' storage with g until either adds to a node: each node's
// list is clipped to its length, so that adding copies it first.
func (g *Directed) Clone(extra int) *Directed {
	c := &Directed{arcs: make([][]arc, len(g.arcs)+extra)}
	for i, as := range g.arcs {
		c.arcs[i] = slices.Clip(as)
	}
	return c
}

// Cuts answers, after one depth-first search, which nodes a single node's
// removal separates: O(N + E) to build, O(log d) per node asked about.
type Cuts struct {
	disc, end, root []int
	// sep[x] lists, by discovery time, the children of x whose subtrees
	// removing x cuts off.
	sep [][]int
	// up[v] is the nearest articulation point above v in the search's
	// tree, -1 when none is: the only nodes whose removal can part v
	// from the rest of its component walk up from it.
	up []int32
}

// Cuts builds the separation structure of the graph.
func (g *Undirected) Cuts() *Cuts {
	n := len(g.adj)
	c := &Cuts{disc: make([]int, n), end: make([]int, n), root: make([]int, n), sep: make([][]int, n)}
	low := make([]int, n)
	parent := make([]int, n)
	next := make([]int, n)
	order := make([]int32, 0, n) // the nodes by discovery time
	time := 0
	for r := range n {
		if c.disc[r] != 0 {
			continue
		}
		time++
		c.disc[r], low[r], parent[r], c.root[r] = time, time, -1, r
		order = append(order, int32(r))
		stack := []int{r}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			if next[u] < len(g.adj[u]) {
				v := g.adj[u][next[u]]
				next[u]++
				if c.disc[v] == 0 {
					time++
					c.disc[v], low[v], parent[v], c.root[v] = time, time, u, r
					order = append(order, int32(v))
					stack = append(stack, v)
				} else if v != parent[u] {
					low[u] = min(low[u], c.disc[v])
				}
				continue
			}
			stack = stack[:len(stack)-1]
			c.end[u] = time // the last discovery time in u's subtree
			if p := parent[u]; p >= 0 {
				low[p] = min(low[p], low[u])
				if low[u] >= c.disc[p] {
					c.sep[p] = append(c.sep[p], u)
				}
			}
		}
		// The root cuts its children apart only when it has more than one.
		if len(c.sep[r]) < 2 {
			c.sep[r] = nil
		}
	}
	// A parent is discovered before its children: its up is known.
	c.up = make([]int32, n)
	for _, v := range order {
		switch p := parent[v]; {
		case p < 0:
			c.up[v] = -1
		case len(c.sep[p]) > 0:
			c.up[v] = int32(p)
		default:
			c.up[v] = c.up[p]
		}
	}
	return c
}

// Above lists, sorted, the articulation points that have some of the
// nodes below them in the search's tree: the only ones whose removal can
// leave two of the nodes apart (Split is false for every other). It costs
// the number it lists, not the number of articulation points, which is
// what makes asking it for each of many small sets linear. seen is room
// of one mark per node, kept from call to call with a new mark each time.
func (c *Cuts) Above(nodes []int, seen []int32, mark int32) []int {
	var out []int
	for _, v := range nodes {
		for x := c.up[v]; x >= 0 && seen[x] != mark; x = c.up[x] {
			seen[x] = mark
			out = append(out, int(x))
		}
	}
	slices.Sort(out)
	return out
}

// Points lists the articulation points, sorted.
func (c *Cuts) Points() []int {
	var out []int
	for x, kids := range c.sep {
		if len(kids) > 0 {
			out = append(out, x)
		}
	}
	return out
}

// Separates reports two of the nodes that are connected but would be apart
// once x is removed (x itself is ignored among them).
func (c *Cuts) Separates(x int, nodes []int) (int, int, bool) {
	kids := c.sep[x]
	if len(kids) == 0 {
		return 0, 0, false
	}
	// group: -1 for the rest of x's component, else the index of the
	// cut-off child subtree holding the node.
	group := func(v int) int {
		i := sort.Search(len(kids), func(i int) bool { return c.disc[kids[i]] > c.disc[v] }) - 1
		if i >= 0 && c.disc[v] <= c.end[kids[i]] {
			return i
		}
		return -1
	}
	first, firstGroup := -1, 0
	for _, v := range nodes {
		if v == x || c.root[v] != c.root[x] {
			continue
		}
		g := group(v)
		if first < 0 {
			first, firstGroup = v, g
		} else if g != firstGroup {
			return first, v, true
		}
	}
	return 0, 0, false
}

// Set is a set of nodes prepared for many Separates questions: their
// discovery times, sorted.
type Set struct {
	c    *Cuts
	disc []int
}

// Set prepares the nodes for Split.
func (c *Cuts) Set(nodes []int) *Set {
	s := &Set{c: c, disc: make([]int, 0, len(nodes))}
	for _, v := range nodes {
		s.disc = append(s.disc, c.disc[v])
	}
	slices.Sort(s.disc)
	s.disc = slices.Compact(s.disc)
	return s
}

// count is how many of the set's nodes were discovered from a to b.
func (s *Set) count(a, b int) int {
	return sort.SearchInts(s.disc, b+1) - sort.SearchInts(s.disc, a)
}

// Split answers as Separates does, whether removing x leaves apart two of
// the set's nodes that were connected, without naming them: O(min(k, m)
// log m) for k subtrees that x cuts off and m nodes of the set below x in
// the search, so that a node under which none of the set lies costs one
// binary search.
func (s *Set) Split(x int) bool {
	c := s.c
	kids := c.sep[x]
	if len(kids) == 0 {
		return false
	}
	lo, hi := sort.SearchInts(s.disc, c.disc[x]+1), sort.SearchInts(s.disc, c.end[x]+1)
	if hi == lo {
		return false // none below x: all are in the rest of its component
	}
	r := c.root[x]
	total := s.count(c.disc[r], c.end[r]) - s.count(c.disc[x], c.disc[x])
	groups, inKids := 0, 0
	if hi-lo <= len(kids) {
		last := -1
		for _, t := range s.disc[lo:hi] {
			i := sort.Search(len(kids), func(i int) bool { return c.disc[kids[i]] > t }) - 1
			if i >= 0 && t <= c.end[kids[i]] {
				inKids++
				if i != last {
					groups++ // times are sorted: a subtree's nodes come together
					last = i
				}
			}
		}
	} else {
		for _, k := range kids {
			if n := s.count(c.disc[k], c.end[k]); n > 0 {
				groups++
				inKids += n
			}
		}
	}
	if total > inKids {
		groups++ // the rest of x's component
	}
	return groups >= 2
}

// Inf is a capacity no cut can pay.
const Inf = 1 << 40

// Network is a flow network for minimum cuts: directed arcs with integer
// capacities.
type Network struct {
	n       int
	head    []int // first arc leaving each node
	nextArc []int // next arc leaving the same node
	to      []int
	cap     []int64
	id      []int
}

// NewNetwork makes a flow network of n nodes.
func NewNetwork(n int) *Network {
	nw := &Network{n: n, head: make([]int, n)}
	for i := range nw.head {
		nw.head[i] = -1
	}
	return nw
}

// Add adds an arc of the given capacity, and its residual twin; id names it
// to the caller (use -1 for arcs that are never part of a cut).
func (nw *Network) Add(from, to int, capacity int64, id int) {
	nw.to = append(nw.to, to, from)
	nw.cap = append(nw.cap, capacity, 0)
	nw.id = append(nw.id, id, -1)
	nw.nextArc = append(nw.nextArc, nw.head[from], nw.head[to])
	nw.head[from] = len(nw.to) - 2
	nw.head[to] = len(nw.to) - 1
}

// MinCut computes a minimum cut between the sources and the sinks and
// returns the ids of the cut arcs and the cut's capacity; ok is false when
// no finite cut exists. The flow is found by Dinic's method: a
// breadth-first search ranks the nodes by their distance from the sources
// over arcs with room left, then depth-first searches push flow along
// arcs one rank up until none is left at that distance (O(E √V) phases'
// worth for unit arcs, where augmenting one shortest path at a time, as
// Edmonds-Karp does, searches the whole graph for each unit of flow). The
// cut is the same whatever maximum flow is found: the arcs from the nodes
// the sources still reach to those they do not.
func (nw *Network) MinCut(sources, sinks []int) (ids []int, capacity int64, ok bool) {
	s, t := nw.n, nw.n+1
	nw.head = append(nw.head, -1, -1)
	for _, v := range sources {
		nw.Add(s, v, Inf, -1)
	}
	for _, v := range sinks {
		nw.Add(v, t, Inf, -1)
	}
	n := nw.n + 2
	var flow int64
	level := make([]int32, n)
	iter := make([]int, n)
	queue := make([]int, 0, n)
	// push sends up to f from u toward t along arcs one rank up, and
	// returns how much it sent.
	var push func(u int, f int64) int64
	push = func(u int, f int64) int64 {
		if u == t {
			return f
		}
		for ; iter[u] >= 0; iter[u] = nw.nextArc[iter[u]] {
			a := iter[u]
			if v := nw.to[a]; nw.cap[a] > 0 && level[v] == level[u]+1 {
				if d := push(v, min(f, nw.cap[a])); d > 0 {
					nw.cap[a] -= d
					nw.cap[a^1] += d
					return d
				}
			}
		}
		return 0
	}
	for {
		for i := range level {
			level[i] = -1
		}
		level[s] = 0
		queue = append(queue[:0], s)
		for k := 0; k < len(queue); k++ {
			u := queue[k]
			for a := nw.head[u]; a >= 0; a = nw.nextArc[a] {
				if v := nw.to[a]; nw.cap[a] > 0 && level[v] < 0 {
					level[v] = level[u] + 1
					queue = append(queue, v)
				}
			}
		}
		if level[t] < 0 {
			break
		}
		copy(iter, nw.head)
		for {
			f := push(s, Inf)
			if f == 0 {
				break
			}
			flow += f
			if flow >= Inf {
				return nil, flow, false
			}
		}
	}
	// The cut: arcs from nodes reachable from s in the residual graph to
	// nodes that are not.
	reach := make([]bool, n)
	reach[s] = true
	queue = append(queue[:0], s)
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for a := nw.head[u]; a >= 0; a = nw.nextArc[a] {
			if v := nw.to[a]; nw.cap[a] > 0 && !reach[v] {
				reach[v] = true
				queue = append(queue, v)
			}
		}
	}
	for a := 0; a < len(nw.to); a += 2 {
		from := nw.to[a+1]
		if reach[from] && !reach[nw.to[a]] && nw.id[a] >= 0 {
			ids = append(ids, nw.id[a])
		}
	}
	slices.Sort(ids)
	return ids, flow, true
}
