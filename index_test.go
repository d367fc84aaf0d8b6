package ward_test

import (
	"testing"

	"github.com/wardhealth/ward"
)

// Each link's ends resolve to what searching the assets, then the zones, by
// id finds: an asset's position, a zone's, or nothing; the same first end
// repeated (links listed by their first end) resolves alike.
func TestIndexResolvesLinkEnds(t *testing.T) {
	m := &ward.Model{
		Zones: []ward.Zone{{ID: "inet", Kind: "internet"}, {ID: "lan", Kind: "clinical"}},
		Assets: []ward.Asset{
			{ID: "ehr", Kind: "ehr", Zone: "lan"},
			{ID: "pacs", Kind: "pacs", Zone: "lan"},
			{ID: "erx", Kind: "external-service", Zone: "inet"},
		},
		Links: []ward.Link{
			{From: "ehr", To: "pacs"}, {From: "ehr", To: "lan"}, {From: "ehr", To: "gone"},
			{From: "inet", To: "erx"}, {From: "gone", To: "ehr"}, {From: "", To: "pacs"},
			{From: "pacs", To: "ehr"}, {From: "ehr", To: "erx"},
		},
	}
	find := func(id string) (asset, zone int) {
		asset, zone = -1, -1
		for i := range m.Assets {
			if m.Assets[i].ID == id {
				return i, -1
			}
		}
		for j := range m.Zones {
			if m.Zones[j].ID == id {
				return -1, j
			}
		}
		return -1, -1
	}
	x := m.Index()
	if len(x.From) != len(m.Links) || len(x.To) != len(m.Links) {
		t.Fatalf("%d and %d ends for %d links", len(x.From), len(x.To), len(m.Links))
	}
	check := func(li int, side string, e ward.End, id string) {
		wantA, wantZ := find(id)
		i, isAsset := e.Asset()
		j, isZone := e.Zone()
		switch {
		case wantA >= 0 && (!isAsset || i != wantA || isZone):
			t.Errorf("link %d %s %q: asset %d, %v; zone %d, %v; want asset %d", li, side, id, i, isAsset, j, isZone, wantA)
		case wantZ >= 0 && (!isZone || j != wantZ || isAsset):
			t.Errorf("link %d %s %q: asset %d, %v; zone %d, %v; want zone %d", li, side, id, i, isAsset, j, isZone, wantZ)
		case wantA < 0 && wantZ < 0 && (e != ward.NoEnd || isAsset || isZone):
			t.Errorf("link %d %s %q: %d, want no end", li, side, id, e)
		}
		want := id // a zone is its own; an id naming nothing is kept
		if isAsset {
			want = m.Assets[i].Zone
		}
		if got := x.ZoneOf(e, id); got != want {
			t.Errorf("link %d %s %q: in zone %q, want %q", li, side, id, got, want)
		}
		if got, want := x.ZoneKindOf(e), x.ZoneKind(want); got != want {
			t.Errorf("link %d %s %q: in a zone of kind %q, want %q", li, side, id, got, want)
		}
		wantAt := -1 // the zone's position, by a search of the zones
		for j := range m.Zones {
			if m.Zones[j].ID == want {
				wantAt = j
				break
			}
		}
		if got := x.ZoneAt(e); got != wantAt {
			t.Errorf("link %d %s %q: in zone number %d, want %d", li, side, id, got, wantAt)
		}
	}
	for li := range m.Links {
		check(li, "from", x.From[li], m.Links[li].From)
		check(li, "to", x.To[li], m.Links[li].To)
	}
	if k := x.ZoneKind("inet"); k != "internet" {
		t.Errorf("zone kind of inet: %q", k)
	}
	if k := x.ZoneKind("ehr"); k != "" {
		t.Errorf("zone kind of an asset: %q", k)
	}
	for i := range m.Assets {
		if x.External(i) != m.External(&m.Assets[i]) {
			t.Errorf("%s: external %v by the index, %v by the model", m.Assets[i].ID, x.External(i), m.External(&m.Assets[i]))
		}
	}
	if !x.External(2) || x.External(0) {
		t.Errorf("erx (in the internet zone) external: %v, ehr: %v", x.External(2), x.External(0))
	}
}
