package ward

import "github.com/wardhealth/ward/internal/parallel"

// Index says where the assets and zones of a model are, by position, and
// resolves each link's two ends once. The analyses of an assessment (facts,
// exposure, the attack graph, the network of the single points of failure)
// each met every link's ends by id: at a million assets and ten million
// links, lookups in maps of a million ids were a fifth of the assessment's
// time, and each analysis built its own map. An Index is built once and
// shared; it reads the model as it was when built, so a model changed after
// needs a new one.
type Index struct {
	m      *Model
	assets map[string]int32
	zones  map[string]int32
	// zone is each asset's zone's position, -1 for a zone not in the
	// model: read for every link end, it is kept apart from the assets,
	// whose records are large.
	zone []int32
	// From and To are each link's ends, in link order.
	From, To []End
}

// End is one end of a link resolved: an asset's position in the model's
// assets, a zone's in its zones, or nothing (an end that names neither, as
// in part of a model).
type End int32

// NoEnd is the end of a link that names no asset or zone of the model.
const NoEnd End = -1

// Asset is the position of the end's asset, if it is one.
func (e End) Asset() (int, bool) { return int(e), e >= 0 }

// Zone is the position of the end's zone, if it is one.
func (e End) Zone() (int, bool) { return int(-2 - e), e <= -2 }

func zoneEnd(j int) End { return End(-2 - j) }

// Index builds the model's index. Ids are unique across assets and zones in
// a valid model; in another, the first asset or zone of an id is taken.
func (m *Model) Index() *Index {
	x := &Index{m: m,
		assets: make(map[string]int32, len(m.Assets)),
		zones:  make(map[string]int32, len(m.Zones)),
		zone:   make([]int32, len(m.Assets)),
		From:   make([]End, len(m.Links)),
		To:     make([]End, len(m.Links)),
	}
	for i := range m.Assets {
		if _, dup := x.assets[m.Assets[i].ID]; !dup {
			x.assets[m.Assets[i].ID] = int32(i)
		}
	}
	for j := range m.Zones {
		if _, dup := x.zones[m.Zones[j].ID]; !dup {
			x.zones[m.Zones[j].ID] = int32(j)
		}
	}
	for i := range m.Assets {
		x.zone[i] = -1
		if j, ok := x.zones[m.Assets[i].Zone]; ok {
			x.zone[i] = j
		}
	}
	// The links are resolved in ranges side by side: the maps are only
	// read, and each range writes its own part of From and To.
	n := len(m.Links)
	parallel.Split(n, parallel.Parts(n, resolvedApart), func(_, lo, hi int) { x.resolve(lo, hi) })
	return x
}

// resolvedApart is the fewest links resolved in ranges side by side.
var resolvedApart = 1 << 16

// resolve resolves the ends of links [lo, hi).
func (x *Index) resolve(lo, hi int) {
	// Links are often listed by their first end: the last one looked up
	// is asked again before the map.
	var last string
	lastEnd := NoEnd
	for li := lo; li < hi; li++ {
		l := &x.m.Links[li]
		if l.From != last || li == lo {
			last, lastEnd = l.From, x.End(l.From)
		}
		x.From[li] = lastEnd
		x.To[li] = x.End(l.To)
	}
}

// Model is the model the index was built from.
func (x *Index) Model() *Model { return x.m }

// Asset is the position of the asset of an id.
func (x *Index) Asset(id string) (int, bool) {
	i, ok := x.assets[id]
	return int(i), ok
}

// Zone is the position of the zone of an id.
func (x *Index) Zone(id string) (int, bool) {
	j, ok := x.zones[id]
	return int(j), ok
}

// End resolves an id as a link's end.
func (x *Index) End(id string) End {
	if i, ok := x.assets[id]; ok {
		return End(i)
	}
	if j, ok := x.zones[id]; ok {
		return zoneEnd(int(j))
	}
	return NoEnd
}

// ZoneOf is the zone an end is in (an asset) or is (a zone), by id; for an
// end that names nothing, its id.
func (x *Index) ZoneOf(e End, id string) string {
	if i, ok := e.Asset(); ok {
		if j := x.zone[i]; j >= 0 {
			return x.m.Zones[j].ID
		}
		return x.m.Assets[i].Zone
	}
	return id
}

// ZoneAt is the position of the zone an end is in (an asset) or is (a
// zone), -1 for an end that names nothing or an asset in no zone of the
// model.
func (x *Index) ZoneAt(e End) int {
	if i, ok := e.Asset(); ok {
		return int(x.zone[i])
	}
	if j, ok := e.Zone(); ok {
		return j
	}
	return -1
}

// ZoneKindOf is the kind of the zone an end is in or is, "" for an end
// that names nothing or an asset in no zone of the model.
func (x *Index) ZoneKindOf(e End) ZoneKind {
	if i, ok := e.Asset(); ok {
		if j := x.zone[i]; j >= 0 {
			return x.m.Zones[j].Kind
		}
		return ""
	}
	if j, ok := e.Zone(); ok {
		return x.m.Zones[j].Kind
	}
	return ""
}

// ZoneKind is the kind of the zone of an id, "" when there is none.
func (x *Index) ZoneKind(id string) ZoneKind {
	if j, ok := x.zones[id]; ok {
		return x.m.Zones[j].Kind
	}
	return ""
}
