package graph

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
)

func TestArticulationPoints(t *testing.T) {
	// Two triangles joined through 1-3, a leaf 6 on 5, and a chain 7-8-9:
	// worked by hand, removing 1, 3, 5 or 8 splits a component.
	g := NewUndirected(10)
	for _, e := range [][2]int{{0, 1}, {1, 2}, {2, 0}, {1, 3}, {3, 4}, {4, 5}, {5, 3}, {5, 6}, {7, 8}, {8, 9}} {
		g.Add(e[0], e[1])
	}
	if got := g.ArticulationPoints(); !slices.Equal(got, []int{1, 3, 5, 8}) {
		t.Fatalf("articulation points %v, want [1 3 5 8]", got)
	}
	removed := make([]bool, 10)
	removed[3] = true
	c := g.Components(removed)
	if c[0] != c[2] || c[0] == c[4] || c[4] != c[6] || c[3] != -1 || c[7] != c[9] {
		t.Fatalf("components without 3: %v", c)
	}
}

// A long chain must not exhaust the stack.
func TestArticulationPointsLongChain(t *testing.T) {
	n := 200_000
	g := NewUndirected(n)
	for i := 1; i < n; i++ {
		g.Add(i-1, i)
	}
	if got := len(g.ArticulationPoints()); got != n-2 {
		t.Fatalf("%d articulation points on a chain of %d", got, n)
	}
}

// The textbook example of Yen's algorithm, C to H, with costs as -log p.
func TestMostLikelyPaths(t *testing.T) {
	const C, D, E, F, G, H = 0, 1, 2, 3, 4, 5
	g := NewDirected(6)
	for i, a := range []struct {
		from, to int
		cost     float64
	}{{C, D, 3}, {C, E, 2}, {D, F, 4}, {E, D, 1}, {E, F, 2}, {E, G, 3}, {F, G, 2}, {F, H, 1}, {G, H, 2}} {
		g.Add(a.from, a.to, math.Exp(-a.cost), i)
	}
	paths := g.Most(C, H, 3)
	want := [][]int{{C, E, F, H}, {C, E, G, H}, {C, D, F, H}}
	wantCost := []float64{5, 7, 8}
	if len(paths) != 3 {
		t.Fatalf("%d paths", len(paths))
	}
	for i, p := range paths {
		if !slices.Equal(p.Nodes, want[i]) || math.Abs(-math.Log(p.P)-wantCost[i]) > 1e-9 {
			t.Errorf("path %d: %v cost %.3f, want %v cost %.0f", i, p.Nodes, -math.Log(p.P), want[i], wantCost[i])
		}
	}
	if g.Most(H, C, 3) != nil {
		t.Error("a path against the arcs")
	}
}

// allSimple enumerates every loop-free path, the slow way.
func allSimple(g *Directed, src, dst int) []Path {
	var out []Path
	on := make([]bool, g.Len())
	var walk func(u int, p Path)
	walk = func(u int, p Path) {
		if u == dst {
			out = append(out, Path{Nodes: slices.Clone(p.Nodes), Arcs: slices.Clone(p.Arcs), P: p.P})
			return
		}
		on[u] = true
		for _, ga := range g.arcs[u] {
			if a := ga.public(); !on[a.To] {
				walk(a.To, Path{Nodes: append(p.Nodes, a.To), Arcs: append(p.Arcs, a), P: p.P * a.P})
			}
		}
		on[u] = false
	}
	walk(src, Path{Nodes: []int{src}, P: 1})
	return out
}

// On random small graphs, Yen's k paths are the k most likely of all simple
// paths.
func TestMostAgreesWithEnumeration(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 4 + rnd.IntN(6)
		g := NewDirected(n)
		id := 0
		for a := range n {
			for b := range n {
				if a != b && rnd.Float64() < 0.35 {
					g.Add(a, b, 0.05+0.9*rnd.Float64(), id)
					id++
				}
			}
		}
		all := allSimple(g, 0, n-1)
		sort.SliceStable(all, func(i, j int) bool { return all[i].P > all[j].P })
		k := 5
		got := g.Most(0, n-1, k)
		if len(got) != min(k, len(all)) {
			t.Fatalf("trial %d: %d paths, want %d", trial, len(got), min(k, len(all)))
		}
		for i := range got {
			if math.Abs(got[i].P-all[i].P) > 1e-12 {
				t.Fatalf("trial %d: path %d has p=%g, the %d-th most likely simple path has %g", trial, i, got[i].P, i+1, all[i].P)
			}
		}
	}
}

func TestBestFromAgreesWithMost(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for trial := range 100 {
		n := 3 + rnd.IntN(8)
		g := NewDirected(n)
		for a := range n {
			for b := range n {
				if a != b && rnd.Float64() < 0.3 {
					g.Add(a, b, 0.05+0.9*rnd.Float64(), a*n+b)
				}
			}
		}
		tree := g.BestFrom(0)
		for v := 1; v < n; v++ {
			best := g.Most(0, v, 1)
			p, ok := tree.Path(v)
			if (len(best) == 1) != ok || (ok && math.Abs(p.P-best[0].P) > 1e-12) {
				t.Fatalf("trial %d node %d: tree %v %v, Yen %v", trial, v, ok, p.P, best)
			}
		}
	}
}

// Cuts answers as removing the node and labelling components does.
func TestCutsAgreeWithComponents(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for trial := range 300 {
		n := 2 + rnd.IntN(14)
		g := NewUndirected(n)
		for a := range n {
			for b := a + 1; b < n; b++ {
				if rnd.Float64() < 0.2 {
					g.Add(a, b)
				}
			}
		}
		c := g.Cuts()
		seen, mark := make([]int32, n), int32(0)
		if !slices.Equal(c.Points(), g.ArticulationPoints()) {
			t.Fatalf("trial %d: cut points %v, articulation points %v", trial, c.Points(), g.ArticulationPoints())
		}
		before := g.Components(nil)
		for x := range n {
			removed := make([]bool, n)
			removed[x] = true
			after := g.Components(removed)
			nodes := rnd.Perm(n)[:1+rnd.IntN(n)]
			// Expected: two nodes connected before and apart after.
			want := false
			for _, a := range nodes {
				for _, b := range nodes {
					if a != x && b != x && before[a] == before[b] && after[a] != after[b] && before[a] == before[x] {
						want = true
					}
				}
			}
			_, _, got := c.Separates(x, nodes)
			if got != want {
				t.Fatalf("trial %d: removing %d separates %v: got %v, want %v", trial, x, nodes, got, want)
			}
			if split := c.Set(nodes).Split(x); split != want {
				t.Fatalf("trial %d: removing %d splits %v: got %v, want %v", trial, x, nodes, split, want)
			}
			// Above: exactly the cut points with one of the nodes below
			// them in the search, sorted once each; every point that
			// splits the nodes among them.
			mark++
			above := c.Above(nodes, seen, mark)
			var below []int
			for _, p := range c.Points() {
				if slices.ContainsFunc(nodes, func(v int) bool { return c.disc[v] > c.disc[p] && c.disc[v] <= c.end[p] }) {
					below = append(below, p)
				}
			}
			if !slices.Equal(above, below) {
				t.Fatalf("trial %d: above %v: got %v, want %v", trial, nodes, above, below)
			}
			if want && !slices.Contains(above, x) {
				t.Fatalf("trial %d: %d splits %v but is not above them (%v)", trial, x, nodes, above)
			}
		}
	}
}

// BenchmarkMostVsEnumeration compares Yen's k paths with enumerating every
// simple path and sorting, on one small dense graph.
func BenchmarkMostVsEnumeration(b *testing.B) {
	rnd := rand.New(rand.NewPCG(7, 8))
	n := 11
	g := NewDirected(n)
	id := 0
	for a := range n {
		for c := range n {
			if a != c && rnd.Float64() < 0.5 {
				g.Add(a, c, 0.1+0.8*rnd.Float64(), id)
				id++
			}
		}
	}
	b.Run("yen-k5", func(b *testing.B) {
		for b.Loop() {
			g.Most(0, n-1, 5)
		}
	})
	b.Run("enumerate-all", func(b *testing.B) {
		for b.Loop() {
			all := allSimple(g, 0, n-1)
			sort.Slice(all, func(i, j int) bool { return all[i].P > all[j].P })
		}
	})
}

// A network worked by hand: entry 0 reaches targets 5 and 6 through two
// narrow points; the minimum cut is arcs 3 (2->4) and 5 (3->5), capacity 2,
// although the entry has three arcs out.
func TestMinCut(t *testing.T) {
	nw := NewNetwork(7)
	for id, a := range [][3]int{{0, 1, 1}, {0, 2, 1}, {1, 2, 1}, {2, 4, 1}, {0, 3, 1}, {3, 5, 1}, {4, 5, 1}, {4, 6, 1}, {1, 3, 1}} {
		nw.Add(a[0], a[1], int64(a[2]), id)
	}
	ids, c, ok := nw.MinCut([]int{0}, []int{5, 6})
	if !ok || c != 2 || !slices.Equal(ids, []int{3, 5}) {
		t.Fatalf("cut %v capacity %d ok %v, want [3 5] 2", ids, c, ok)
	}
	// An uncuttable path (infinite arcs all the way) has no finite cut.
	nw = NewNetwork(3)
	nw.Add(0, 1, Inf, -1)
	nw.Add(1, 2, Inf, -1)
	if _, _, ok := nw.MinCut([]int{0}, []int{2}); ok {
		t.Fatal("a finite cut through uncuttable arcs")
	}
}

// On random graphs the cut separates sources from sinks, and its capacity
// equals the number of arc-disjoint paths (Menger), counted by brute force
// for unit capacities on tiny graphs.
func TestMinCutSeparates(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	for trial := range 200 {
		n := 4 + rnd.IntN(7)
		type arc struct{ a, b int }
		var arcs []arc
		nw := NewNetwork(n)
		for a := range n {
			for b := range n {
				if a != b && rnd.Float64() < 0.3 {
					nw.Add(a, b, 1, len(arcs))
					arcs = append(arcs, arc{a, b})
				}
			}
		}
		ids, c, ok := nw.MinCut([]int{0}, []int{n - 1})
		if !ok || int(c) != len(ids) {
			t.Fatalf("trial %d: cut %v capacity %d", trial, ids, c)
		}
		// Without the cut arcs, n-1 is unreachable from 0.
		cut := map[int]bool{}
		for _, id := range ids {
			cut[id] = true
		}
		seen := map[int]bool{0: true}
		stack := []int{0}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for id, a := range arcs {
				if a.a == u && !cut[id] && !seen[a.b] {
					seen[a.b] = true
					stack = append(stack, a.b)
				}
			}
		}
		if seen[n-1] {
			t.Fatalf("trial %d: the cut %v does not separate", trial, ids)
		}
		// No smaller set separates: try every set of size len(ids)-1.
		if len(ids) > 0 && len(arcs) <= 16 {
			for mask := 0; mask < 1<<len(arcs); mask++ {
				if bitsSet(mask) != len(ids)-1 {
					continue
				}
				seen := map[int]bool{0: true}
				stack := []int{0}
				for len(stack) > 0 {
					u := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					for id, a := range arcs {
						if a.a == u && mask&(1<<id) == 0 && !seen[a.b] {
							seen[a.b] = true
							stack = append(stack, a.b)
						}
					}
				}
				if !seen[n-1] {
					t.Fatalf("trial %d: %d arcs separate, the cut has %d", trial, len(ids)-1, len(ids))
				}
			}
		}
	}
}

func bitsSet(x int) int {
	n := 0
	for ; x > 0; x &= x - 1 {
		n++
	}
	return n
}

// A clone shares the arcs' storage, yet arcs added to either afterwards,
// at the same node, belong to that graph only.
func TestCloneIsIndependent(t *testing.T) {
	g := NewDirected(3)
	g.Add(0, 1, 0.5, 9)
	g.Add(0, 1, 0.5, 10)
	g.Add(0, 2, 0.5, 11) // the list has room to spare after three appends
	c := g.Clone(1)
	g.Add(0, 1, 0.9, 12)
	c.Add(0, 3, 0.8, 13)
	ids := func(g *Directed) (out []int) {
		for _, a := range g.arcs[0] {
			out = append(out, int(a.id))
		}
		return out
	}
	if got := ids(g); !slices.Equal(got, []int{9, 10, 11, 12}) {
		t.Errorf("original: %v", got)
	}
	if got := ids(c); !slices.Equal(got, []int{9, 10, 11, 13}) {
		t.Errorf("clone: %v", got)
	}
	if p, ok := c.BestFrom(0).Path(3); !ok || p.P != 0.8 {
		t.Errorf("clone's own arc: %v %v", p, ok)
	}
}

// A graph whose room was reserved holds the arcs a graph grown arc by arc
// holds, in the same order; a node given more than its room grows without
// writing over its neighbours', and the same searches find the same paths.
func TestReservedGraphAsGrown(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 100 {
		n := 2 + r.IntN(40)
		type add struct {
			a, b int
			p    float64
		}
		var adds []add
		for range r.IntN(300) {
			adds = append(adds, add{r.IntN(n), r.IntN(n), []float64{0, 0.1, 0.5, 1, 2}[r.IntN(5)]})
		}
		grown, reserved := NewDirected(n), NewDirected(n)
		out := make([]int, n)
		for _, x := range adds {
			if Kept(x.a, x.b, x.p) {
				out[x.a]++
			}
		}
		if round%3 == 0 && n > 2 {
			out[1] = max(0, out[1]-2) // too little room for one node
		}
		reserved.Reserve(out)
		for id, x := range adds {
			grown.Add(x.a, x.b, x.p, id)
			reserved.Add(x.a, x.b, x.p, id)
		}
		for a := range n {
			if !slices.Equal(grown.arcs[a], reserved.arcs[a]) {
				t.Fatalf("round %d: node %d's arcs reserved %v, grown %v", round, a, reserved.arcs[a], grown.arcs[a])
			}
		}
		for dst := range n {
			g, rs := grown.Most(0, dst, 3), reserved.Most(0, dst, 3)
			if !reflect.DeepEqual(g, rs) {
				t.Fatalf("round %d: paths to %d differ: %v / %v", round, dst, rs, g)
			}
		}
	}
}
