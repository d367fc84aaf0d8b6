package share_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/share"
	"github.com/wardhealth/ward/store/sqlite"
)

// TestLevel: the one TLP decision, from every marking an object carries,
// against every audience.
func TestLevel(t *testing.T) {
	green, red := share.Green.MarkingID(), share.Red.MarkingID()
	statement := "marking-definition--1b1b1b1b-1b1b-4b1b-8b1b-1b1b1b1b1b1b"
	unknown := "marking-definition--2c2c2c2c-2c2c-4c2c-8c2c-2c2c2c2c2c2c"
	neutral := map[string]bool{statement: true}
	cases := []struct {
		name     string
		refs     []string
		granular []share.GranularMarking
		want     share.TLP // "" for unmarked (AMBER by the policy)
		reaches  []share.Audience
	}{
		{"unmarked", nil, nil, "", []share.Audience{share.Organisation, share.Community}},
		{"clear", []string{share.Clear.MarkingID()}, nil, share.Clear, []share.Audience{share.Organisation, share.Community, share.Public}},
		{"green", []string{green}, nil, share.Green, []share.Audience{share.Organisation, share.Community}},
		{"green, RED granular", []string{green}, []share.GranularMarking{{MarkingRef: red, Selectors: []string{"content"}}}, share.Red, []share.Audience{share.Organisation}},
		{"RED granular only", nil, []share.GranularMarking{{MarkingRef: red, Selectors: []string{"name"}}}, share.Red, []share.Audience{share.Organisation}},
		{"RED, UUID in upper case", []string{"marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"}, nil, share.Red, []share.Audience{share.Organisation}},
		{"TLP 1.0 red", []string{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"}, nil, share.Red, []share.Audience{share.Organisation}},
		{"amber and green: amber", []string{green, share.Amber.MarkingID()}, nil, share.Amber, []share.Audience{share.Organisation, share.Community}},
		{"amber+strict granular", []string{green}, []share.GranularMarking{{MarkingRef: share.AmberStrict.MarkingID(), Selectors: []string{"description"}}}, share.AmberStrict, []share.Audience{share.Organisation}},
		{"green and an unknown marking", []string{green, unknown}, nil, share.Red, []share.Audience{share.Organisation}},
		{"green and a statement", []string{green, statement}, nil, share.Green, []share.Audience{share.Organisation, share.Community}},
		{"clear and a language", []string{share.Clear.MarkingID()}, []share.GranularMarking{{Lang: "fr", Selectors: []string{"name"}}}, share.Clear, []share.Audience{share.Organisation, share.Community, share.Public}},
	}
	for _, c := range cases {
		got, marked := share.Level(c.refs, c.granular, neutral)
		if (c.want == "") == marked || marked && got != c.want {
			t.Errorf("%s: %q marked=%v, want %q", c.name, got, marked, c.want)
		}
		// The policy applies the same decision (unknown markings count
		// as RED, there being no neutral ones outside an envelope).
		if c.name == "green and a statement" {
			continue
		}
		o := share.Object{ObjectMarkingRefs: c.refs, GranularMarkings: c.granular}
		for _, a := range []share.Audience{share.Organisation, share.Community, share.Public} {
			want := false
			for _, r := range c.reaches {
				want = want || r == a
			}
			if share.DefaultPolicy.Allows(&o, a) != want {
				t.Errorf("%s to %s: allowed=%v, want %v", c.name, a, !want, want)
			}
		}
	}
}

// peer is a TAXII server of another make: it serves fixed objects, as
// they are, dates added included.
func peer(t *testing.T, objects []string, added time.Time) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", share.TAXIIMediaType)
		after := r.URL.Query().Get("added_after")
		if after != "" {
			if at, err := time.Parse(time.RFC3339Nano, after); err == nil && !added.After(at) {
				fmt.Fprint(w, `{"more":false}`)
				return
			}
		}
		w.Header().Set("X-TAXII-Date-Added-First", added.Format("2006-01-02T15:04:05.000000Z"))
		w.Header().Set("X-TAXII-Date-Added-Last", added.Format("2006-01-02T15:04:05.000000Z"))
		fmt.Fprintf(w, `{"more":false,"objects":[%s]}`, strings.Join(objects, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestPullKeepsObjectsAsSent: a pull keeps what the peer sent byte for
// byte (microseconds, confidence 0, an official marking without modified,
// an observable without spec_version or created), refuses what it may not
// keep in a collection every organisation reads (RED in any form) or what
// is not valid, naming each, and goes on with the rest; a second pull
// with nothing new writes nothing.
func TestPullKeepsObjectsAsSent(t *testing.T) {
	objects := []string{
		`{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--3d3d3d3d-3d3d-4d3d-8d3d-3d3d3d3d3d3d","created":"2026-11-30T10:00:00.123456Z","modified":"2026-11-30T10:00:00.123456Z","name":"CVE-2020-25168","confidence":0,"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`,
		`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber"}}}`,
		`{"type":"software","id":"software--a1a1a1a1-a1a1-5a1a-8a1a-a1a1a1a1a1a1","name":"Alaris PC Unit","vendor":"BD"}`,
		`{"type":"note","spec_version":"2.1","id":"note--4e4e4e4e-4e4e-4e4e-8e4e-4e4e4e4e4e4e","created":"2026-11-30T10:00:00Z","modified":"2026-11-30T10:00:00Z","content":"x","object_refs":["software--a1a1a1a1-a1a1-5a1a-8a1a-a1a1a1a1a1a1"],"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],"granular_markings":[{"marking_ref":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","selectors":["content"]}]}`,
		`{"type":"note","spec_version":"2.1","id":"note--5f5f5f5f-5f5f-4f5f-8f5f-5f5f5f5f5f5f","created":"2026-11-30T10:00:00Z","modified":"2026-11-30T10:00:00Z","content":"x","object_refs":["software--a1a1a1a1-a1a1-5a1a-8a1a-a1a1a1a1a1a1"],"object_marking_refs":["marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"]}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--6a6a6a6a-6a6a-4a6a-8a6a-6a6a6a6a6a6a","created":"2026-11-30T10:00:00Z","modified":"2026-11-30T10:00:00Z","pattern":"[software:name = ","pattern_type":"stix","valid_from":"2026-11-30T10:00:00Z"}`,
		`{"type":"report","spec_version":"2.1","id":"report--7b7b7b7b-7b7b-4b7b-8b7b-7b7b7b7b7b7b","created":"2026-11-30T10:00:00.000001Z","modified":"2026-11-30T10:00:00.000001Z","name":"after the bad ones","published":"2026-11-30T10:00:00Z","object_refs":["note--4e4e4e4e-4e4e-4e4e-8e4e-4e4e4e4e4e4e"]}`,
	}
	kept := []int{0, 1, 2, 6}
	added := time.Date(2026, 11, 30, 12, 0, 0, 123456000, time.UTC)
	p := peer(t, objects, added)
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := &share.Client{APIRoot: p.URL + "/api/"}
	rep, err := share.PullInto(ctx, c, s, "remote", "local", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Received != len(objects) || rep.Added != len(kept) || len(rep.Refused) != 3 {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Refused {
		if r.ID == "" || r.Reason == "" {
			t.Errorf("refusal without a name or reason: %+v", r)
		}
	}
	page, _, err := s.Objects(ctx, ward.ObjectFilter{Collection: "local", Versions: []string{"all"}, Limit: 100})
	if err != nil || len(page) != len(kept) {
		t.Fatalf("stored %d objects (%v), want %d", len(page), err, len(kept))
	}
	for i, k := range kept {
		if string(page[i].Data) != objects[k] {
			t.Errorf("stored\n%s\nwant\n%s", page[i].Data, objects[k])
		}
	}
	if page[0].Version.Nanosecond() != 123456000 {
		t.Errorf("version %v lost its microseconds", page[0].Version)
	}
	// Nothing new: nothing is written.
	state, _ := s.SyncState(ctx, "pull|"+c.APIRoot+"|remote|local")
	gen, _ := s.Generation(ctx, "local")
	rep, err = share.PullInto(ctx, c, s, "remote", "local", time.Now())
	if err != nil || rep.Received != 0 || rep.Added != 0 {
		t.Errorf("second pull: %+v %v", rep, err)
	}
	if again, _ := s.SyncState(ctx, "pull|"+c.APIRoot+"|remote|local"); again != state || state == "" {
		t.Errorf("sync state %q -> %q", state, again)
	}
	if g, _ := s.Generation(ctx, "local"); g != gen {
		t.Errorf("generation %d -> %d", gen, g)
	}
}

// TestRestamp: sending the same content again sends the same objects, so
// the peer keeps one version; a change keeps created and moves modified.
func TestRestamp(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := share.Identity(demoOrg("st-example"), "key", false, time.Now())
	day1 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	first, _ := share.Restamp(ctx, s, []share.Object{id, share.Vulnerability("CVE-2020-25168", "", id.ID, share.Amber, day1)}, day1)
	day2 := day1.Add(24 * time.Hour)
	second, _ := share.Restamp(ctx, s, []share.Object{id, share.Vulnerability("CVE-2020-25168", "", id.ID, share.Amber, day2)}, day2)
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(second)
	if string(a) != string(b) {
		t.Errorf("unchanged content sent differently:\n%s\n%s", a, b)
	}
	day3 := day2.Add(24 * time.Hour)
	changed, _ := share.Restamp(ctx, s, []share.Object{share.Vulnerability("CVE-2020-25168", "now described", id.ID, share.Amber, day3)}, day3)
	if !changed[0].Created.Time().Equal(first[1].Created.Time()) || !changed[0].Modified.Time().Equal(day3) {
		t.Errorf("changed: created %v (want %v), modified %v (want %v)", changed[0].Created.Time(), first[1].Created.Time(), changed[0].Modified.Time(), day3)
	}
	// A hospital's vulnerability is not the hub's.
	if hub := share.Vulnerability("CVE-2020-25168", "", "", share.Green, day1); hub.ID == first[1].ID {
		t.Error("the hospital's vulnerability has the hub's id")
	}
}

// TestSector: four hospitals sight one pump CVE on day 1, one of them
// patches on day 2; one hospital alone sights another CVE. With groups of
// at least 3: the pump CVE is shown with 3 organisations and 5 assets now,
// 4 then 3 over time; the lone one is withheld throughout.
func TestSector(t *testing.T) {
	day1 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	day2 := day1.Add(24 * time.Hour)
	var objs []share.Object
	counts := map[string]int{"a": 2, "b": 1, "c": 3, "d": 1}
	for _, h := range []string{"a", "b", "c", "d"} {
		id := share.Identity(demoOrg(h), "key", false, day1)
		var matches []intel.Match
		for i := range counts[h] {
			matches = append(matches, intel.Match{Asset: fmt.Sprint("pump-", i), CVE: "CVE-2020-25168"})
		}
		if h == "d" {
			matches = append(matches, intel.Match{Asset: "pacs", CVE: "CVE-2019-11687"})
		}
		objs = append(objs, share.Sightings(matches, id, share.Amber, day1)...)
		if h == "a" {
			objs = append(objs, share.Cleared([]string{"CVE-2020-25168"}, id, share.Amber, day2)...)
		}
	}
	got := share.Sector(objs, 3)
	if len(got) != 2 {
		t.Fatalf("%d entries: %+v", len(got), got)
	}
	pump, lone := got[0], got[1]
	if pump.Vulnerability != "CVE-2020-25168" || pump.Organisations != 3 || pump.Assets != 5 || pump.Withheld {
		t.Errorf("pump CVE: %+v", pump)
	}
	if len(pump.History) != 2 || pump.History[0] != (share.SectorPoint{Date: "2026-11-02", Organisations: 4}) || pump.History[1] != (share.SectorPoint{Date: "2026-11-03", Organisations: 3}) {
		t.Errorf("pump CVE over time: %+v", pump.History)
	}
	if lone.Vulnerability != "CVE-2019-11687" || !lone.Withheld || lone.Organisations != 0 || lone.Assets != 0 {
		t.Errorf("lone CVE: %+v", lone)
	}
	for _, p := range lone.History {
		if !p.Withheld || p.Organisations != 0 {
			t.Errorf("lone CVE over time: %+v", lone.History)
		}
	}
}
