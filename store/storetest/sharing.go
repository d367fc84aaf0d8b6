package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// testSharing: collections and object versions; listing pages in the
// order added even when many share one date_added; TAXII's filters.
func testSharing(t *testing.T, s ward.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	col := ward.Collection{ID: "91a7b528-80eb-42ed-a74d-c6fbd5a26116", Title: "Medical devices", Readers: []string{"*"}, Writers: []string{"hub"}, Created: t0}
	if err := s.PutCollection(ctx, col); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Collection(ctx, col.ID); err != nil || got.Title != "Medical devices" || len(got.Writers) != 1 || got.Readers[0] != "*" {
		t.Fatalf("collection %+v, %v", got, err)
	}
	if _, err := s.Collection(ctx, "nope"); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("missing collection: %v", err)
	}
	obj := func(id, typ string, version time.Time) ward.SharedObject {
		return ward.SharedObject{Collection: col.ID, ID: id, Version: version, Type: typ, SpecVersion: "2.1", TLP: "green", Org: "hub",
			Data: []byte(fmt.Sprintf(`{"id":%q,"modified":%q}`, id, version.Format(time.RFC3339)))}
	}
	// 25 objects added at one instant, then a second version of one and a
	// new object later.
	var batch []ward.SharedObject
	for i := range 25 {
		typ := "vulnerability"
		if i%5 == 0 {
			typ = "indicator"
		}
		batch = append(batch, obj(fmt.Sprintf("%s--%02d", typ, i), typ, t0))
	}
	if n, err := s.AddObjects(ctx, batch, t0, nil); err != nil || n != 25 {
		t.Fatalf("add: %d, %v", n, err)
	}
	if n, _ := s.AddObjects(ctx, batch[:3], t0.Add(time.Second), nil); n != 0 {
		t.Errorf("re-adding the same versions added %d", n)
	}
	t1 := t0.Add(time.Minute)
	if n, err := s.AddObjects(ctx, []ward.SharedObject{obj("vulnerability--01", "vulnerability", t1), obj("note--99", "note", t1)}, t1, nil); err != nil || n != 2 {
		t.Fatalf("add later: %d, %v", n, err)
	}
	gen, err := s.Generation(ctx, col.ID)
	if err != nil || gen != 2 {
		t.Errorf("generation after two additions with new versions: %d, %v", gen, err)
	}
	if c, _ := s.Collection(ctx, col.ID); c.Generation != gen {
		t.Errorf("collection read at generation %d, want %d", c.Generation, gen)
	}
	if g, _ := s.Generation(ctx, "empty"); g != 0 {
		t.Errorf("generation of nothing: %d", g)
	}
	// Pages of 10 through 26 latest versions, all but two added at t0.
	var seen []string
	f := ward.ObjectFilter{Collection: col.ID, Limit: 10}
	for pages := 0; ; pages++ {
		page, more, err := s.Objects(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			seen = append(seen, o.ID)
		}
		if !more {
			break
		}
		if pages > 5 || len(page) != 10 {
			t.Fatalf("page %d: %d objects", pages, len(page))
		}
		f.After = page[len(page)-1].Seq
	}
	if len(seen) != 26 {
		t.Fatalf("%d objects listed: %v", len(seen), seen)
	}
	dup := map[string]bool{}
	for _, id := range seen {
		if dup[id] {
			t.Errorf("%s listed twice", id)
		}
		dup[id] = true
	}
	if seen[len(seen)-1] != "note--99" && seen[len(seen)-2] != "note--99" {
		t.Errorf("later objects not last: %v", seen[20:])
	}
	count := func(f ward.ObjectFilter) int {
		t.Helper()
		f.Collection = col.ID
		page, _, err := s.Objects(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return len(page)
	}
	cases := []struct {
		name string
		f    ward.ObjectFilter
		want int
	}{
		{"types", ward.ObjectFilter{Types: []string{"indicator"}}, 5},
		{"ids", ward.ObjectFilter{IDs: []string{"vulnerability--01", "note--99"}}, 2},
		{"all versions", ward.ObjectFilter{IDs: []string{"vulnerability--01"}, Versions: []string{"all"}}, 2},
		{"first version", ward.ObjectFilter{IDs: []string{"vulnerability--01"}, Versions: []string{"first"}}, 1},
		{"a version", ward.ObjectFilter{IDs: []string{"vulnerability--01"}, Versions: []string{t0.Format(time.RFC3339)}}, 1},
		{"added after", ward.ObjectFilter{AddedAfter: t0}, 2},
		{"spec version", ward.ObjectFilter{SpecVersions: []string{"2.0"}}, 0},
	}
	for _, c := range cases {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if _, _, err := s.Objects(ctx, ward.ObjectFilter{Collection: col.ID, Versions: []string{"newest"}}); err == nil {
		t.Error("a bad version filter was applied")
	}
	if n, err := s.DeleteObject(ctx, col.ID, "vulnerability--01", []string{"first"}); err != nil || n != 1 {
		t.Errorf("delete first version: %d, %v", n, err)
	}
	if got := count(ward.ObjectFilter{IDs: []string{"vulnerability--01"}, Versions: []string{"all"}}); got != 1 {
		t.Errorf("versions left: %d", got)
	}
	if g, _ := s.Generation(ctx, col.ID); g != gen+1 {
		t.Errorf("generation after a deletion: %d, was %d", g, gen)
	}
	if n, _ := s.DeleteObject(ctx, col.ID, "vulnerability--01", nil); n != 1 {
		t.Errorf("delete all: %d", n)
	}
	if v, err := s.SyncState(ctx, "hub|col"); err != nil || v != "" {
		t.Errorf("sync state before: %q, %v", v, err)
	}
	s.PutSyncState(ctx, "hub|col", "2026-11-23T09:00:00Z")
	s.PutSyncState(ctx, "hub|col", "2026-11-23T10:00:00Z")
	if v, _ := s.SyncState(ctx, "hub|col"); v != "2026-11-23T10:00:00Z" {
		t.Errorf("sync state %q", v)
	}
	if _, err := s.AddObjects(ctx, []ward.SharedObject{obj("note--98", "note", t1)}, t1, &ward.AdditionStatus{ID: "st-1", Collection: col.ID, Data: []byte(`{"status":"complete"}`)}); err != nil {
		t.Fatal(err)
	}
	if data, err := s.Status(ctx, "st-1"); err != nil || string(data) != `{"status":"complete"}` {
		t.Errorf("status %s, %v", data, err)
	}
	if _, err := s.Status(ctx, "st-2"); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("missing status: %v", err)
	}
}
