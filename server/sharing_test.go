package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/share"
	"github.com/wardhealth/ward/store/sqlite"
)

// note is a GREEN note, as another tool would write it.
func note(id, extra string) string {
	return `{"type":"note","spec_version":"2.1","id":"note--` + id + `","created":"2026-11-30T10:00:00.123456Z","modified":"2026-11-30T10:00:00.123456Z",` +
		`"content":"pump firmware","object_refs":["vulnerability--0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b"],"confidence":0` + extra + `}`
}

const (
	green     = `"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"`
	redUpper  = `"marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"`
	red       = `"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"`
	statement = `"marking-definition--1b1b1b1b-1b1b-4b1b-8b1b-1b1b1b1b1b1b"`
	unknown   = `"marking-definition--2c2c2c2c-2c2c-4c2c-8c2c-2c2c2c2c2c2c"`
)

// TestTAXIIMarkings: every marking of an object counts, however written.
// Into a collection other organisations read, each object is kept or
// refused as its most restrictive marking says; kept objects are served
// byte for byte, at the precision they were written.
func TestTAXIIMarkings(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	community := newCollection(t, ts, []string{"*"}, []string{"st-example"})
	private := newCollection(t, ts, []string{"st-example"}, []string{"st-example"})
	statementDef := `{"type":"marking-definition","spec_version":"2.1","id":` + statement + `,"created":"2017-01-20T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright 2026, the authors"}}`
	cases := []struct {
		name, object string
		community    bool // kept in the community collection
	}{
		{"green", note("00000000-0000-4000-8000-000000000001", `,"object_marking_refs":[`+green+`]`), true},
		{"unmarked (amber)", note("00000000-0000-4000-8000-000000000002", ``), true},
		{"green, RED on its content", note("00000000-0000-4000-8000-000000000003", `,"object_marking_refs":[`+green+`],"granular_markings":[{"marking_ref":`+red+`,"selectors":["content"]}]`), false},
		{"RED in upper case", note("00000000-0000-4000-8000-000000000004", `,"object_marking_refs":[`+redUpper+`]`), false},
		{"green and a marking Ward cannot read", note("00000000-0000-4000-8000-000000000005", `,"object_marking_refs":[`+green+`,`+unknown+`]`), false},
		{"green and a copyright statement", note("00000000-0000-4000-8000-000000000006", `,"object_marking_refs":[`+green+`,`+statement+`]`), true},
		{"a language granular marking only", note("00000000-0000-4000-8000-000000000007", `,"object_marking_refs":[`+green+`],"granular_markings":[{"lang":"fr","selectors":["content"]}]`), true},
	}
	objects := []string{statementDef}
	for _, c := range cases {
		objects = append(objects, c.object)
	}
	env := `{"objects":[` + strings.Join(objects, ",") + `]}`
	res := ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+community+"/objects/", env)
	var st struct {
		Failures []struct{ ID, Message string }
	}
	json.Unmarshal([]byte(res.body), &st)
	refused := map[string]string{}
	for _, f := range st.Failures {
		refused[f.ID] = f.Message
	}
	for _, c := range cases {
		var h struct{ ID string }
		json.Unmarshal([]byte(c.object), &h)
		if _, no := refused[h.ID]; no == c.community {
			t.Errorf("%s: refused=%v (%s), want kept=%v", c.name, no, refused[h.ID], c.community)
		}
	}
	// Others read the community collection: nothing RED reaches them, and
	// what they read is what was sent.
	got := ts.taxii(t, "nora", "GET", "/taxii2/api/collections/"+community+"/objects/", "").body
	for _, c := range cases {
		if c.community && !strings.Contains(got, c.object) {
			t.Errorf("%s: not served as sent:\n%s", c.name, got)
		}
		if !c.community && strings.Contains(got, c.object) {
			t.Errorf("%s: served to another hospital", c.name)
		}
	}
	// Its own collection keeps them all, and serves the RED ones to it
	// alone.
	res = ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+private+"/objects/", env)
	var own struct {
		Failures []struct{ ID, Message string }
	}
	if json.Unmarshal([]byte(res.body), &own); len(own.Failures) != 0 {
		t.Errorf("own collection refused %+v", own.Failures)
	}
	if got := ts.taxii(t, "victor", "GET", "/taxii2/api/collections/"+private+"/objects/", "").body; strings.Count(got, `"type":"note"`) != len(cases) {
		t.Errorf("the organisation reads %d notes of %d", strings.Count(got, `"type":"note"`), len(cases))
	}
	if got := ts.taxii(t, "csirt", "GET", "/taxii2/api/collections/"+private+"/objects/", "").body; strings.Contains(got, "000000000003") || strings.Contains(got, "000000000004") {
		t.Errorf("the hub reads the hospital's RED notes")
	}

	// Versions and the manifest at the precision the object was written.
	base := "/taxii2/api/collections/" + community + "/objects/note--00000000-0000-4000-8000-000000000001/versions/"
	if v := ts.taxii(t, "alice", "GET", base, "").body; !strings.Contains(v, `"2026-11-30T10:00:00.123456Z"`) {
		t.Errorf("versions: %s", v)
	}
	if m := ts.taxii(t, "alice", "GET", "/taxii2/api/collections/"+community+"/manifest/", "").body; !strings.Contains(m, `"version":"2026-11-30T10:00:00.123456Z"`) {
		t.Errorf("manifest: %s", m)
	}
	// added_after the last date added of a page is after it: nothing again.
	page := ts.taxii(t, "alice", "GET", "/taxii2/api/collections/"+community+"/objects/", "")
	last := page.header.Get("X-TAXII-Date-Added-Last")
	if again := ts.taxii(t, "alice", "GET", "/taxii2/api/collections/"+community+"/objects/?added_after="+last, ""); strings.Contains(again.body, `"type":"note"`) {
		t.Errorf("added_after=%s returns the page again: %.300s", last, again.body)
	}
}

// TestTAXIIObservables: an observable without spec_version is read as 2.1;
// posted again unchanged, it is not a new version.
func TestTAXIIObservables(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	col := newCollection(t, ts, []string{"st-example"}, []string{"st-example"})
	sco := `{"type":"software","id":"software--a1a1a1a1-a1a1-5a1a-8a1a-a1a1a1a1a1a1","name":"Alaris PC Unit","vendor":"BD","version":"9.33.1"}`
	for range 2 {
		res := ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+col+"/objects/", `{"objects":[`+sco+`]}`)
		if !strings.Contains(res.body, `"success_count":1`) {
			t.Fatalf("observable without spec_version: %s", res.body)
		}
		time.Sleep(5 * time.Millisecond)
	}
	v := ts.taxii(t, "alice", "GET", "/taxii2/api/collections/"+col+"/objects/software--a1a1a1a1-a1a1-5a1a-8a1a-a1a1a1a1a1a1/versions/", "").body
	var versions struct{ Versions []string }
	json.Unmarshal([]byte(v), &versions)
	if len(versions.Versions) != 1 {
		t.Errorf("posted twice unchanged: %s", v)
	}
}

// TestTAXIIUnknownPaths: what is not a TAXII resource is a TAXII error.
func TestTAXIIUnknownPaths(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	col := newCollection(t, ts, []string{"st-example"}, []string{"st-example"})
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/taxii2/anything/", http.StatusNotFound},
		{"GET", "/taxii2/api/collections/" + col + "/objects/x/y/z/", http.StatusNotFound},
		{"PUT", "/taxii2/api/collections/" + col + "/objects/", http.StatusMethodNotAllowed},
	} {
		res := ts.taxii(t, "alice", c.method, c.path, "")
		if res.code != c.code || !strings.HasPrefix(res.header.Get("Content-Type"), "application/taxii+json") || !strings.Contains(res.body, `"http_status":"`) {
			t.Errorf("%s %s: %d %s %s", c.method, c.path, res.code, res.header.Get("Content-Type"), res.body)
		}
	}
	if res := ts.taxii(t, "alice", "PUT", "/taxii2/api/collections/"+col+"/objects/", ""); res.header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow: %q", res.header.Get("Allow"))
	}
}

// TestSectorView: the hub reads, in the API and the dashboard, how many
// hospitals sight each vulnerability and how many saw the same public
// source attack them, small groups withheld; a hospital's user may not.
func TestSectorView(t *testing.T) {
	ts := newTestServer(t, server.Config{MinGroup: 2})
	col := newCollection(t, ts, []string{"*"}, []string{"*"})
	now := time.Now().UTC()
	var add []ward.SharedObject
	for i, h := range []string{"h1", "h2", "h3"} {
		id := share.Identity(ward.Organisation{ID: h, Name: h}, "key", false, now)
		matches := []intel.Match{{Asset: "pump", CVE: "CVE-2020-25168"}}
		if i == 0 {
			matches = append(matches, intel.Match{Asset: "pacs", CVE: "CVE-2019-11687"})
		}
		// each saw 203.0.113.7 brute-force it; h1 alone 198.51.100.9
		src := []string{"203.0.113.7"}
		if i == 0 {
			src = append(src, "198.51.100.9")
		}
		var dets []ward.Detection
		for _, a := range src {
			dets = append(dets, ward.Detection{Rule: "ward-bruteforce-source", Techniques: []string{"T1110"}, Asset: "vpn", Source: a, Count: 12, FirstSeen: now, LastSeen: now})
		}
		objs := append(share.Sightings(matches, id, share.Amber, now), share.DetectionSightings(dets, id, share.Amber, now)...)
		for _, o := range objs {
			so, err := share.Shared(col, &o, h)
			if err != nil {
				t.Fatal(err)
			}
			add = append(add, so)
		}
	}
	if _, err := ts.store.AddObjects(context.Background(), add, now, nil); err != nil {
		t.Fatal(err)
	}
	var got struct {
		MinGroup int `json:"min_group"`
		Items    []share.SectorEntry
		Sources  []share.SourceCount
	}
	res := ts.session(t, "csirt").do("GET", "/api/v1/sector", nil)
	res.json(t, &got)
	if len(got.Items) != 2 || got.Items[0].Vulnerability != "CVE-2020-25168" || got.Items[0].Organisations != 3 || !got.Items[1].Withheld {
		t.Errorf("sector: %s", res.body)
	}
	if len(got.Sources) != 2 || got.Sources[0] != (share.SourceCount{Source: "203.0.113.7", Organisations: 3, Detections: 3}) || got.Sources[1] != (share.SourceCount{Withheld: true, Sources: 1}) {
		t.Errorf("sector's sources: %s", res.body)
	}
	if res := ts.session(t, "nora").do("GET", "/api/v1/sector", nil); res.code != http.StatusForbidden {
		t.Errorf("a hospital's admin reads the sector: %d", res.code)
	}
	page := ts.session(t, "csirt").do("GET", "/sector", nil)
	if page.code != http.StatusOK || !strings.Contains(page.body, "CVE-2020-25168") || !strings.Contains(page.body, "fewer than 2") ||
		!strings.Contains(page.body, `<td class="mono">203.0.113.7</td><td>3</td>`) || !strings.Contains(page.body, "1 more source seen by fewer than 2 organisations, withheld") {
		t.Errorf("sector page: %d %.500s", page.code, page.body)
	}
}

// TestOASISExamplesRoundTrip: the OASIS STIX 2.1 example bundles
// (share/testdata, BSD-3-Clause) are added over TAXII, pulled by
// another Ward's client into its store, and come out byte for byte as
// they went in.
func TestOASISExamplesRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../share/testdata/stix2-json-schemas/examples/*.json")
	if len(files) < 5 {
		t.Fatalf("only %d example bundles", len(files))
	}
	ts := newTestServer(t, server.Config{})
	col := newCollection(t, ts, []string{"st-example"}, []string{"st-example"})
	sent := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Type    string
			Objects []json.RawMessage
		}
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if b.Type != "bundle" {
			b.Objects = []json.RawMessage{data} // an object on its own
		}
		env, _ := json.Marshal(map[string]any{"objects": b.Objects})
		res := ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+col+"/objects/", string(env))
		var st struct {
			Failures []struct{ ID, Message string }
		}
		json.Unmarshal([]byte(res.body), &st)
		if res.code != http.StatusAccepted || len(st.Failures) > 0 {
			t.Errorf("%s: %d %+v", filepath.Base(f), res.code, st.Failures)
		}
		for _, o := range b.Objects {
			var h struct{ ID string }
			json.Unmarshal(o, &h)
			var wire bytes.Buffer // as the envelope carried it
			json.Compact(&wire, o)
			sent[h.ID] = wire.String()
		}
	}
	local, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	c := &share.Client{APIRoot: ts.URL + "/taxii2/api/", User: "alice", Password: testPassword}
	// Into a collection only the puller's organisation reads, so that
	// every marking may be kept.
	if err := local.PutCollection(context.Background(), ward.Collection{ID: "mine", Title: "mine", Readers: []string{}, Writers: []string{}, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rep, err := share.PullInto(context.Background(), c, local, col, "mine", time.Now())
	if err != nil || len(rep.Refused) > 0 {
		t.Fatalf("pull: %+v %v", rep, err)
	}
	page, _, _ := local.Objects(context.Background(), ward.ObjectFilter{Collection: "mine", Versions: []string{"all"}, Limit: 1000})
	if len(page) != len(sent) {
		t.Errorf("pulled %d objects, sent %d distinct", len(page), len(sent))
	}
	for _, o := range page {
		if string(o.Data) != sent[o.ID] {
			t.Errorf("%s changed on the way:\n%s\n%s", o.ID, sent[o.ID], o.Data)
		}
	}
}
