package web

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
)

// Map geometry, in SVG user units.
const (
	mapCell    = 18  // distance between two assets in a zone
	mapPad     = 12  // inner margin of a zone box
	mapHead    = 28  // a zone box's title band
	mapGap     = 36  // between zone boxes
	mapEntries = 190 // the column of entry points on the left
	// mapLabelMax is the most labels drawn at once: beyond it only the
	// worst assets are labelled, the rest on hover.
	mapLabelMax = 400
)

type point struct{ X, Y int }

// mapZone is a zone's box.
type mapZone struct {
	ID, Name, Kind string
	X, Y, W, H     int
	Assets         int
	// Layers is how many layers its assets fall in.
	Layers int
}

// mapNode is an asset's dot. Label is set for the assets always named:
// those whose worst open risk is critical and the attack targets.
type mapNode struct {
	ID, Name, Kind, Zone string
	Severity             string
	X, Y                 int
	Label                string
}

// mapLabel is an asset's name on the map: beside its dot, or above or
// below it with a leader line when the places beside are taken.
type mapLabel struct {
	For, Text string
	X, Y      int // the text's anchor, on its baseline
	Anchor    string
	// Leader runs from the dot to the label, when it is set apart.
	Leader        bool
	LX1, LY1, LY2 int
}

// box is a rectangle: left, top, right, bottom.
type box struct{ x1, y1, x2, y2 int }

func (a box) overlaps(b box) bool { return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2 }

// labelWidth is about how wide a label is drawn (10-unit text).
func labelWidth(s string) int { return 6*len([]rune(s)) + 4 }

func (l mapLabel) box() box {
	w := labelWidth(l.Text)
	x := l.X
	switch l.Anchor {
	case "end":
		x -= w
	case "middle":
		x -= w / 2
	}
	return box{x, l.Y - 10, x + w, l.Y + 3}
}

// placeLabel finds a place for an asset's label that overlaps none taken:
// right of the dot, left of it, above, below, then further above or
// below with a leader line.
func placeLabel(n *mapNode, taken []box) (mapLabel, bool) {
	cands := []mapLabel{
		{X: n.X + 8, Y: n.Y + 4, Anchor: "start"},
		{X: n.X - 8, Y: n.Y + 4, Anchor: "end"},
		{X: n.X, Y: n.Y - 8, Anchor: "middle"},
		{X: n.X, Y: n.Y + 17, Anchor: "middle"},
	}
	for k := 1; k <= 6; k++ {
		cands = append(cands, mapLabel{X: n.X, Y: n.Y - 8 - 13*k, Anchor: "middle", Leader: true},
			mapLabel{X: n.X, Y: n.Y + 17 + 13*k, Anchor: "middle", Leader: true})
	}
	for _, c := range cands {
		c.For, c.Text = n.ID, n.Label
		b := c.box()
		if slices.ContainsFunc(taken, b.overlaps) {
			continue
		}
		if c.Leader {
			c.LX1, c.LY1, c.LY2 = n.X, n.Y, c.Y-10
			if c.Y > n.Y {
				c.LY1, c.LY2 = n.Y, c.Y-10
			} else {
				c.LY2 = c.Y + 3
			}
		}
		return c, true
	}
	return mapLabel{}, false
}

// mapBundle is every link between two zones, drawn as one edge from
// border to border with the count at its middle.
type mapBundle struct {
	A, B           string
	X1, Y1, X2, Y2 int
	MX, MY         int
	Count          int
	Width          float64
}

// mapEntry is an entry point of the attack paths, drawn left of the zones.
type mapEntry struct {
	ID, Name string
	X, Y     int
}

// mapLayout is the whole drawing, and the table static/map.js reads to
// highlight an asset's links and to search (Data).
type mapLayout struct {
	W, H    int
	Zones   []mapZone
	Nodes   []mapNode
	Bundles []mapBundle
	Entries []mapEntry
	Labels  []mapLabel
	// Lines and Clear are the links inside zones, as SVG path data: one
	// element each rather than one per link, so that a 10,000-asset
	// hospital's map stays light to draw and to pan.
	Lines, Clear string
	Data         mapData
	pos          map[string]point
}

// mapData is what the script needs and the SVG does not carry, by asset
// index: names, kinds, zones, severities, and every link as three
// numbers (from, to, clear) where an index at or past the assets' count
// is a zone (index - len(assets) into Zones).
type mapData struct {
	ID    []string `json:"id"`
	Name  []string `json:"name"`
	Kind  []string `json:"kind"`
	Zone  []string `json:"zone"`
	Sev   []string `json:"sev"`
	X     []int    `json:"x"`
	Y     []int    `json:"y"`
	Links []int    `json:"links"`
	// ZX, ZY is where a link to a zone ends: the middle of its title band.
	ZX []int `json:"zx"`
	ZY []int `json:"zy"`
}

// drawn tells whether a link is drawn: cabling is left out, as in the
// report's diagram; the application links are what an attacker uses.
func drawn(l *ward.Link) bool { return l.Protocol != "ethernet" }

// layoutMap lays a model out; worst is each asset's worst open risk, paths
// the attack paths whose targets are labelled and whose entries are drawn.
func layoutMap(m *ward.Model, worst map[string]string, paths []assess.TargetPaths) *mapLayout {
	zones := slices.Clone(m.Zones)
	slices.SortStableFunc(zones, func(a, b ward.Zone) int { return cmp.Compare(a.Trust.Rank(), b.Trust.Rank()) })
	zoneIdx := map[string]int{}
	for i, z := range zones {
		zoneIdx[z.ID] = i
	}
	assetIdx := make(map[string]int, len(m.Assets))
	members := make([][]int, len(zones))
	for i := range m.Assets {
		a := &m.Assets[i]
		assetIdx[a.ID] = i
		if z, ok := zoneIdx[a.Zone]; ok {
			members[z] = append(members[z], i)
		}
	}
	// Neighbours inside the zone, and whether an asset talks outside it.
	inner := make([][]int, len(m.Assets))
	door := make([]bool, len(m.Assets))
	for k := range m.Links {
		l := &m.Links[k]
		if !drawn(l) {
			continue
		}
		a, okA := assetIdx[l.From]
		b, okB := assetIdx[l.To]
		switch {
		case okA && okB && m.Assets[a].Zone == m.Assets[b].Zone:
			inner[a] = append(inner[a], b)
			inner[b] = append(inner[b], a)
		case okA && okB:
			door[a], door[b] = true, true
		case okA:
			door[a] = true
		case okB:
			door[b] = true
		}
	}
	targets := map[string]bool{}
	for _, tp := range paths {
		targets[tp.Target] = true
	}

	out := &mapLayout{pos: make(map[string]point, len(m.Assets)+len(zones))}
	// Each zone's assets in layers, then rows of at most cols assets.
	type placed struct {
		rows  [][]int
		cols  int
		count int
	}
	laid := make([]placed, len(zones))
	for zi, mem := range members {
		layers := zoneLayers(m, mem, inner, door)
		cols := max(4, int(math.Ceil(math.Sqrt(float64(len(mem))*2))))
		var rows [][]int
		for _, layer := range layers {
			for len(layer) > 0 {
				n := min(cols, len(layer))
				rows = append(rows, layer[:n])
				layer = layer[n:]
			}
		}
		laid[zi] = placed{rows: rows, cols: cols, count: len(layers)}
	}
	// Boxes in order of trust, left to right, in shelves as wide as the
	// whole would be square.
	area, widest := 0, 0
	boxes := make([]mapZone, len(zones))
	for zi, z := range zones {
		name := cmp.Or(z.Name, z.ID)
		title := 16 + 7*(len([]rune(name))+3+len(strconv.Itoa(len(members[zi]))))
		w := max(laid[zi].cols*mapCell+2*mapPad, title, 150)
		if len(members[zi]) == 0 {
			w = max(title, 150)
		}
		h := mapHead + max(1, len(laid[zi].rows))*mapCell + mapPad
		boxes[zi] = mapZone{ID: z.ID, Name: name, Kind: string(z.Kind), W: w, H: h, Assets: len(members[zi]), Layers: laid[zi].count}
		area += (w + mapGap) * (h + mapGap)
		widest = max(widest, w)
	}
	shelf := max(widest, 700, int(math.Sqrt(float64(area))*1.3))
	x, y, rowH := mapEntries, 10, 0
	for zi := range boxes {
		b := &boxes[zi]
		if x > mapEntries && x+b.W > mapEntries+shelf {
			x, y, rowH = mapEntries, y+rowH+mapGap, 0
		}
		b.X, b.Y = x, y
		x += b.W + mapGap
		rowH = max(rowH, b.H)
		out.W = max(out.W, b.X+b.W+10)
		out.H = max(out.H, b.Y+b.H+10)
		out.pos[b.ID] = point{b.X + b.W/2, b.Y + mapHead/2}
		out.Data.ZX = append(out.Data.ZX, b.X+b.W/2)
		out.Data.ZY = append(out.Data.ZY, b.Y+mapHead/2)
	}
	out.Zones = boxes
	// The assets.
	out.Nodes = make([]mapNode, 0, len(m.Assets))
	nodeOf := make([]int, len(m.Assets))
	for i := range nodeOf {
		nodeOf[i] = -1
	}
	for zi, p := range laid {
		b := boxes[zi]
		for r, row := range p.rows {
			// A row narrower than the box is centred under the widest.
			off := (b.W - 2*mapPad - len(row)*mapCell) / 2
			for c, ai := range row {
				a := &m.Assets[ai]
				nx, ny := b.X+mapPad+off+c*mapCell+mapCell/2, b.Y+mapHead+r*mapCell+mapCell/2
				nodeOf[ai] = len(out.Nodes)
				out.Nodes = append(out.Nodes, mapNode{ID: a.ID, Name: a.Name, Kind: string(a.Kind), Zone: a.Zone, Severity: worst[a.ID], X: nx, Y: ny})
				out.pos[a.ID] = point{nx, ny}
			}
		}
	}
	// Labels: the attack targets first, then the critical assets, within
	// the budget of labels, each placed where it covers no other label
	// nor a zone's title.
	var taken []box
	for _, b := range boxes {
		taken = append(taken, box{b.X, b.Y, b.X + 16 + 7*len([]rune(b.Name)) + 30, b.Y + mapHead - 6})
	}
	for pass := range 2 {
		for k := range out.Nodes {
			n := &out.Nodes[k]
			if len(out.Labels) == mapLabelMax {
				break
			}
			if n.Label != "" || (pass == 0 && !targets[n.ID]) || (pass == 1 && n.Severity != "critical") {
				continue
			}
			n.Label = shorten(cmp.Or(n.Name, n.ID), 24)
			if l, ok := placeLabel(n, taken); ok {
				taken = append(taken, l.box())
				out.Labels = append(out.Labels, l)
			}
		}
	}
	// The script's table, in the order of the dots.
	d := &out.Data
	for _, n := range out.Nodes {
		d.ID = append(d.ID, n.ID)
		d.Name = append(d.Name, n.Name)
		d.Kind = append(d.Kind, n.Kind)
		d.Zone = append(d.Zone, n.Zone)
		d.Sev = append(d.Sev, n.Severity)
		d.X = append(d.X, n.X)
		d.Y = append(d.Y, n.Y)
	}
	// Links: inside a zone drawn one by one (in one path), between zones
	// counted per pair of zones.
	var lines, clear strings.Builder
	type pair struct{ a, b int }
	bundle := map[pair]int{}
	var order []pair
	end := func(id string) (int, int, bool) { // node index or zone, zone
		if i, ok := assetIdx[id]; ok && nodeOf[i] >= 0 {
			return nodeOf[i], zoneIdx[m.Assets[i].Zone], true
		}
		if z, ok := zoneIdx[id]; ok {
			return len(out.Nodes) + z, z, true
		}
		return 0, 0, false
	}
	for k := range m.Links {
		l := &m.Links[k]
		if !drawn(l) {
			continue
		}
		a, za, okA := end(l.From)
		b, zb, okB := end(l.To)
		if !okA || !okB {
			continue
		}
		sensitive := !l.Encrypted && slices.ContainsFunc(l.Data, ward.DataClass.Sensitive)
		flag := 0
		if sensitive {
			flag = 1
		}
		d.Links = append(d.Links, a, b, flag)
		if za == zb && a < len(out.Nodes) && b < len(out.Nodes) {
			sb := &lines
			if sensitive {
				sb = &clear
			}
			na, nb := out.Nodes[a], out.Nodes[b]
			fmt.Fprintf(sb, "M%d %dL%d %d", na.X, na.Y, nb.X, nb.Y)
			continue
		}
		if za == zb {
			continue // an asset's link to its own zone: its zone's rules
		}
		p := pair{min(za, zb), max(za, zb)}
		if bundle[p] == 0 {
			order = append(order, p)
		}
		bundle[p]++
	}
	out.Lines, out.Clear = lines.String(), clear.String()
	for _, p := range order {
		za, zb := boxes[p.a], boxes[p.b]
		ca, cb := point{za.X + za.W/2, za.Y + za.H/2}, point{zb.X + zb.W/2, zb.Y + zb.H/2}
		a, b := border(za, cb), border(zb, ca)
		out.Bundles = append(out.Bundles, mapBundle{A: za.ID, B: zb.ID, X1: a.X, Y1: a.Y, X2: b.X, Y2: b.Y,
			MX: (a.X + b.X) / 2, MY: (a.Y + b.Y) / 2, Count: bundle[p], Width: math.Min(1.5+math.Log2(float64(bundle[p])), 9)})
	}
	// Entry points that begin a path, in the left column.
	seen := map[string]bool{}
	for _, tp := range paths {
		for _, p := range tp.Paths {
			if !seen[p.Entry] {
				seen[p.Entry] = true
				e := mapEntry{ID: p.Entry, Name: entryName(p.Entry), X: 90}
				e.Y = 40 + 56*len(out.Entries)
				out.Entries = append(out.Entries, e)
				out.pos[p.Entry] = point{e.X, e.Y}
				out.H = max(out.H, e.Y+40)
			}
		}
	}
	return out
}

// zoneLayers orders a zone's assets in layers by distance from its doors
// (the assets linked outside it) over the links inside it; assets the
// doors do not reach come last, by kind. Each layer after the first is
// sorted by the mean place of its neighbours in the layer before.
func zoneLayers(m *ward.Model, mem []int, inner [][]int, door []bool) [][]int {
	if len(mem) == 0 {
		return nil
	}
	depth := map[int]int{}
	var queue []int
	for _, i := range mem {
		if door[i] {
			depth[i] = 0
			queue = append(queue, i)
		}
	}
	if len(queue) == 0 {
		// No door: start from the asset with the most links.
		best := mem[0]
		for _, i := range mem {
			if len(inner[i]) > len(inner[best]) {
				best = i
			}
		}
		depth[best] = 0
		queue = append(queue, best)
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, j := range inner[i] {
			if _, ok := depth[j]; !ok {
				depth[j] = depth[i] + 1
				queue = append(queue, j)
			}
		}
	}
	deepest := 0
	for _, dd := range depth {
		deepest = max(deepest, dd)
	}
	layers := make([][]int, deepest+2)
	for _, i := range mem {
		dd, ok := depth[i]
		if !ok {
			dd = deepest + 1
		}
		layers[dd] = append(layers[dd], i)
	}
	byKind := func(a, b int) int {
		return cmp.Or(cmp.Compare(m.Assets[a].Kind, m.Assets[b].Kind), cmp.Compare(m.Assets[a].ID, m.Assets[b].ID))
	}
	slices.SortFunc(layers[0], byKind)
	place := map[int]float64{}
	for k, i := range layers[0] {
		place[i] = float64(k)
	}
	for L := 1; L < len(layers); L++ {
		bary := map[int]float64{}
		for _, i := range layers[L] {
			sum, n := 0.0, 0
			for _, j := range inner[i] {
				if p, ok := place[j]; ok && depth[j] == L-1 {
					sum += p
					n++
				}
			}
			if n > 0 {
				bary[i] = sum / float64(n)
			} else {
				bary[i] = math.Inf(1)
			}
		}
		slices.SortFunc(layers[L], func(a, b int) int { return cmp.Or(cmp.Compare(bary[a], bary[b]), byKind(a, b)) })
		// Places are spread over the previous layer's width so that the
		// next layer's barycentres compare alike.
		scale := float64(max(1, len(layers[L-1]))) / float64(max(1, len(layers[L])))
		for k, i := range layers[L] {
			place[i] = float64(k) * scale
		}
	}
	return slices.DeleteFunc(layers, func(l []int) bool { return len(l) == 0 })
}

// border is where the line from a box's centre towards p leaves the box.
func border(b mapZone, p point) point {
	cx, cy := float64(b.X)+float64(b.W)/2, float64(b.Y)+float64(b.H)/2
	dx, dy := float64(p.X)-cx, float64(p.Y)-cy
	if dx == 0 && dy == 0 {
		return point{int(cx), int(cy)}
	}
	t := math.Inf(1)
	if dx != 0 {
		t = math.Min(t, float64(b.W)/2/math.Abs(dx))
	}
	if dy != 0 {
		t = math.Min(t, float64(b.H)/2/math.Abs(dy))
	}
	return point{int(math.Round(cx + dx*t)), int(math.Round(cy + dy*t))}
}

// shorten cuts a label to n characters with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// entryNames are the entry points as a person says them.
var entryNames = map[string]string{
	"internet":      "the Internet",
	"guest-wifi":    "the guest Wi-Fi",
	"vendor-remote": "a vendor's remote access",
	"phishing":      "a phishing e-mail",
	"physical":      "physical access",
	"supplier":      "a supplier",
}

func entryName(id string) string {
	e := strings.TrimPrefix(id, "entry:")
	return cmp.Or(entryNames[e], e)
}

// pathPoints are the places an attack path passes on the map, from its
// entry: assets, zones, entry points; the hops it has no place for (rules,
// a zone's flat network) are left out.
func (l *mapLayout) pathPoints(p assess.AttackPath) []point {
	var out []point
	add := func(id string) {
		q, ok := l.pos[id]
		if !ok || (len(out) > 0 && out[len(out)-1] == q) {
			return
		}
		out = append(out, q)
	}
	add(p.Entry)
	for _, s := range p.Steps {
		add(s.To)
	}
	return out
}
