package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/share"
)

const taxiiType = "application/taxii+json;version=2.1"

// taxii sends a TAXII request with HTTP Basic as a test user.
func (ts *testServer) taxii(t *testing.T, user, method, path string, body string, header ...string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, ts.URL+path, r)
	req.Header.Set("Accept", taxiiType)
	if body != "" {
		req.Header.Set("Content-Type", taxiiType)
	}
	if user != "" {
		req.SetBasicAuth(user, testPassword)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(data), resp.Header}
}

// envelope of the real ICSMA advisory as the hub shares it (GREEN), plus
// extra objects.
func envelope(t *testing.T, extra ...share.Object) (string, []share.Object) {
	advs, err := intel.LoadAdvisories("testdata/icsma-20-296-02.json")
	if err != nil {
		t.Fatal(err)
	}
	objs := append(share.Advisories(advs, "", share.Green, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), extra...)
	data, _ := json.Marshal(map[string]any{"objects": objs})
	return string(data), objs
}

func newCollection(t *testing.T, ts *testServer, readers, writers []string) string {
	t.Helper()
	id := fmt.Sprintf("%08x-0000-4000-8000-000000000000", time.Now().UnixNano()&0xffffffff)
	err := ts.store.PutCollection(context.Background(), ward.Collection{ID: id, Title: "Medical devices " + id[:8], Readers: readers, Writers: writers, Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestTAXII walks the TAXII 2.1 endpoints: discovery, API root,
// collections, adding an envelope (status), paging objects that share one
// date_added, filters, manifest, versions, one object, delete; and every
// error code the specification names.
func TestTAXII(t *testing.T) {
	ts := newTestServer(t, server.Config{MaxModelBytes: 1 << 20})
	col := newCollection(t, ts, []string{"*"}, []string{"st-example"})
	base := "/taxii2/api/collections/" + col + "/"

	res := ts.taxii(t, "alice", "GET", "/taxii2/", "")
	if res.code != 200 || res.header.Get("Content-Type") != taxiiType || !strings.Contains(res.body, `"api_roots":["/taxii2/api/"]`) {
		t.Fatalf("discovery: %d %s %s", res.code, res.header.Get("Content-Type"), res.body)
	}
	if res := ts.taxii(t, "alice", "GET", "/taxii2/api/", ""); !strings.Contains(res.body, taxiiType) {
		t.Errorf("API root: %s", res.body)
	}
	res = ts.taxii(t, "alice", "GET", "/taxii2/api/collections/", "")
	if !strings.Contains(res.body, col) || !strings.Contains(res.body, `"can_write":true`) {
		t.Errorf("collections for alice: %s", res.body)
	}
	if res := ts.taxii(t, "victor", "GET", "/taxii2/api/collections/"+col+"/", ""); !strings.Contains(res.body, `"can_read":true,"can_write":false`) {
		t.Errorf("collection for a viewer: %s", res.body)
	}

	body, objs := envelope(t)
	res = ts.taxii(t, "alice", "POST", base+"objects/", body)
	var st struct {
		ID                                     string
		Status                                 string
		TotalCount, SuccessCount, FailureCount int `json:"-"`
	}
	var counts struct {
		Total   int `json:"total_count"`
		Success int `json:"success_count"`
		Failure int `json:"failure_count"`
	}
	json.Unmarshal([]byte(res.body), &st)
	json.Unmarshal([]byte(res.body), &counts)
	if res.code != http.StatusAccepted || st.Status != "complete" || counts.Success != len(objs) || counts.Failure != 0 {
		t.Fatalf("add: %d %.400s", res.code, res.body)
	}
	if res := ts.taxii(t, "alice", "GET", "/taxii2/api/status/"+st.ID+"/", ""); res.code != 200 || !strings.Contains(res.body, st.ID) {
		t.Errorf("status: %d %s", res.code, res.body)
	}

	// Every object was added at one instant: pages of 7 still cover them
	// all, once each, in order.
	seen := map[string]bool{}
	path := base + "objects/?limit=7"
	for pages := 0; path != ""; pages++ {
		if pages > len(objs) {
			t.Fatal("pagination does not end")
		}
		res := ts.taxii(t, "victor", "GET", path, "")
		var env struct {
			More    bool
			Next    string
			Objects []share.Object
		}
		res.json(t, &env)
		if res.code != 200 || res.header.Get("X-TAXII-Date-Added-First") == "" || res.header.Get("X-TAXII-Date-Added-First") != res.header.Get("X-TAXII-Date-Added-Last") {
			t.Fatalf("page: %d %v", res.code, res.header)
		}
		for _, o := range env.Objects {
			if seen[o.ID] {
				t.Errorf("%s twice", o.ID)
			}
			seen[o.ID] = true
		}
		path = ""
		if env.More {
			path = base + "objects/?limit=7&next=" + env.Next
		}
	}
	if len(seen) != len(objs) {
		t.Errorf("%d objects paged of %d", len(seen), len(objs))
	}

	var vulnID string
	for _, o := range objs {
		if o.Type == "vulnerability" {
			vulnID = o.ID
			break
		}
	}
	filters := map[string]int{
		"match[type]=vulnerability":          countType(objs, "vulnerability"),
		"match[type]=indicator,relationship": countType(objs, "indicator") + countType(objs, "relationship"),
		"match[id]=" + vulnID:                1,
		"match[spec_version]=2.0":            0,
		"added_after=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339): 0,
	}
	for q, want := range filters {
		res := ts.taxii(t, "victor", "GET", base+"objects/?"+q, "")
		var env struct{ Objects []json.RawMessage }
		res.json(t, &env)
		if res.code != 200 || len(env.Objects) != want {
			t.Errorf("%s: %d, %d objects, want %d", q, res.code, len(env.Objects), want)
		}
	}

	// A second version of the vulnerability.
	var v share.Object
	for _, o := range objs {
		if o.ID == vulnID {
			v = o
		}
	}
	v.Modified = share.Stamp(v.Modified.Time().Add(24 * time.Hour))
	v.Props["description"] = "updated"
	data, _ := json.Marshal(map[string]any{"objects": []share.Object{v}})
	ts.taxii(t, "alice", "POST", base+"objects/", string(data))
	res = ts.taxii(t, "victor", "GET", base+"objects/"+vulnID+"/versions/", "")
	var vers struct{ Versions []string }
	res.json(t, &vers)
	if len(vers.Versions) != 2 {
		t.Errorf("versions: %s", res.body)
	}
	if res := ts.taxii(t, "victor", "GET", base+"objects/"+vulnID+"/", ""); !strings.Contains(res.body, "updated") || strings.Count(res.body, `"id"`) != 1 {
		t.Errorf("object, last version: %s", res.body)
	}
	if res := ts.taxii(t, "victor", "GET", base+"objects/"+vulnID+"/?match[version]=first", ""); strings.Contains(res.body, "updated") {
		t.Errorf("first version: %s", res.body)
	}
	res = ts.taxii(t, "victor", "GET", base+"manifest/?match[id]="+vulnID+"&match[version]=all", "")
	if strings.Count(res.body, `"media_type"`) != 2 {
		t.Errorf("manifest: %s", res.body)
	}
	if res := ts.taxii(t, "victor", "DELETE", base+"objects/"+vulnID+"/", ""); res.code != http.StatusForbidden {
		t.Errorf("viewer delete: %d", res.code)
	}
	if res := ts.taxii(t, "alice", "DELETE", base+"objects/"+vulnID+"/?match[version]=first", ""); res.code != 200 {
		t.Errorf("delete first: %d %s", res.code, res.body)
	}
	if res := ts.taxii(t, "victor", "GET", base+"objects/"+vulnID+"/versions/", ""); strings.Count(res.body, "Z\"") != 1 {
		t.Errorf("versions after delete: %s", res.body)
	}

	// The error codes.
	errs := []struct {
		name, user, method, path, body string
		header                         []string
		code                           int
	}{
		{"no credentials", "", "GET", "/taxii2/", "", nil, 401},
		{"wrong password", "mallory", "GET", "/taxii2/", "", nil, 401},
		{"not TAXII accepted", "alice", "GET", "/taxii2/", "", []string{"Accept", "text/html"}, 406},
		{"unknown collection", "alice", "GET", "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/objects/", "", nil, 404},
		{"unknown object", "alice", "GET", base + "objects/vulnerability--00000000-0000-4000-8000-000000000000/", "", nil, 404},
		{"unknown status", "alice", "GET", "/taxii2/api/status/nope/", "", nil, 404},
		{"bad limit", "alice", "GET", base + "objects/?limit=zero", "", nil, 400},
		{"bad next", "alice", "GET", base + "objects/?next=Li4v", "", nil, 400},
		{"bad version", "alice", "GET", base + "objects/?match[version]=newest", "", nil, 400},
		{"unknown parameter", "alice", "GET", base + "objects/?match[colour]=red", "", nil, 400},
		{"viewer writes", "victor", "POST", base + "objects/", body, nil, 403},
		{"wrong media type", "alice", "POST", base + "objects/", body, []string{"Content-Type", "application/json"}, 415},
		{"malformed envelope", "alice", "POST", base + "objects/", `{"objects": [`, nil, 400},
		{"empty envelope", "alice", "POST", base + "objects/", `{"objects": []}`, nil, 422},
		{"oversized envelope", "alice", "POST", base + "objects/", `{"objects": ["` + strings.Repeat("x", 2<<20) + `"]}`, nil, 413},
	}
	for _, e := range errs {
		res := ts.taxii(t, e.user, e.method, e.path, e.body, e.header...)
		var te struct {
			Title      string
			HTTPStatus string `json:"http_status"`
		}
		json.Unmarshal([]byte(res.body), &te)
		if res.code != e.code || te.HTTPStatus != fmt.Sprint(e.code) || !strings.HasPrefix(res.header.Get("Content-Type"), "application/taxii+json") {
			t.Errorf("%s: %d %s %s", e.name, res.code, res.header.Get("Content-Type"), res.body)
		}
	}
	// Objects that fail the checks are listed as failures, the rest added.
	bad := `{"objects": [{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[file:name = ]","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}, ` + strings.TrimPrefix(body, `{"objects":[`)
	res = ts.taxii(t, "alice", "POST", base+"objects/", bad)
	json.Unmarshal([]byte(res.body), &counts)
	if res.code != 202 || counts.Failure != 1 || counts.Success != len(objs) || !strings.Contains(res.body, "pattern: column") {
		t.Errorf("mixed envelope: %d %.300s", res.code, res.body)
	}
}

func countType(objs []share.Object, typ string) int {
	n := 0
	for _, o := range objs {
		if o.Type == typ {
			n++
		}
	}
	return n
}

// TestTAXIITLP: RED and AMBER+STRICT never enter a collection others
// read; in a collection of its own, an organisation gets them back and
// others do not; a collection one may not read is not found.
func TestTAXIITLP(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	community := newCollection(t, ts, []string{"*"}, []string{"st-example", "north"})
	mk := func(cve string, level share.TLP) share.Object {
		return share.Vulnerability(cve, "", "", level, time.Now())
	}
	levels := []share.TLP{share.Clear, share.Green, share.Amber, share.AmberStrict, share.Red}
	var objs []share.Object
	for i, l := range levels {
		objs = append(objs, mk(fmt.Sprintf("CVE-2026-%04d", i+1), l))
	}
	data, _ := json.Marshal(map[string]any{"objects": objs})
	res := ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+community+"/objects/", string(data))
	var counts struct {
		Success int `json:"success_count"`
		Failure int `json:"failure_count"`
	}
	json.Unmarshal([]byte(res.body), &counts)
	if counts.Success != 3 || counts.Failure != 2 || !strings.Contains(res.body, "TLP:RED does not leave its organisation") {
		t.Errorf("community collection: %s", res.body)
	}
	// A collection of st-example's own, read by no one else.
	private := newCollection(t, ts, []string{"st-example"}, []string{"st-example"})
	res = ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+private+"/objects/", string(data))
	json.Unmarshal([]byte(res.body), &counts)
	if counts.Success != 5 {
		t.Errorf("private collection: %s", res.body)
	}
	if res := ts.taxii(t, "victor", "GET", "/taxii2/api/collections/"+private+"/objects/", ""); strings.Count(res.body, `"type":"vulnerability"`) != 5 {
		t.Errorf("its organisation reads %s", res.body)
	}
	// The hub reads every collection, but not others' RED and AMBER+STRICT.
	res = ts.taxii(t, "csirt", "GET", "/taxii2/api/collections/"+private+"/objects/", "")
	if strings.Count(res.body, `"type":"vulnerability"`) != 3 || strings.Contains(res.body, share.Red.MarkingID()) {
		t.Errorf("the hub reads %s", res.body)
	}
	if res := ts.taxii(t, "nora", "GET", "/taxii2/api/collections/"+private+"/objects/", ""); res.code != 404 {
		t.Errorf("another hospital: %d", res.code)
	}
	if res := ts.taxii(t, "nora", "GET", "/taxii2/api/collections/", ""); strings.Contains(res.body, private) {
		t.Errorf("another hospital lists the private collection: %s", res.body)
	}
}

// TestSharedAdvisoryReachesTheAssessment: a vulnerability shared into a
// collection the hospital reads shows up on its pumps, in the API and the
// dashboard's data, with no CSAF file stored.
func TestSharedAdvisoryReachesTheAssessment(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	victor := ts.session(t, "victor")
	if res := victor.do("GET", "/api/v1/orgs/st-example/vulnerabilities?asset=pump-01", nil); !strings.Contains(res.body, `"total":0`) {
		t.Fatalf("before: %s", res.body)
	}
	col := newCollection(t, ts, []string{"*"}, []string{"st-example"})
	body, _ := envelope(t)
	if res := ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+col+"/objects/", body); res.code != 202 {
		t.Fatalf("share: %d %s", res.code, res.body)
	}
	res := victor.do("GET", "/api/v1/orgs/st-example/vulnerabilities?asset=pump-01", nil)
	if !strings.Contains(res.body, "CVE-2020-25168") || !strings.Contains(res.body, "STIX CVE-") {
		t.Errorf("after: %.400s", res.body)
	}
}

// TestTAXIIConcurrentAdds has several clients post envelopes at once, as
// hospitals reporting to one hub do: every object of every envelope is
// taken (no write may fail on the database's lock) and can be read back.
func TestTAXIIConcurrentAdds(t *testing.T) {
	ts := newTestServer(t, server.Config{MaxModelBytes: 1 << 20})
	col := newCollection(t, ts, []string{"*"}, []string{"st-example"})
	const clients, envelopes, per = 4, 5, 20
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	errs := make(chan error, clients*envelopes)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for e := range envelopes {
				var objs []share.Object
				for i := range per {
					objs = append(objs, share.Vulnerability(fmt.Sprintf("CVE-2026-%d%02d%03d", c, e, i), "concurrent", "", share.Green, now))
				}
				data, _ := json.Marshal(map[string]any{"objects": objs})
				req, _ := http.NewRequest("POST", ts.URL+"/taxii2/api/collections/"+col+"/objects/", strings.NewReader(string(data)))
				req.Header.Set("Accept", taxiiType)
				req.Header.Set("Content-Type", taxiiType)
				req.SetBasicAuth("alice", testPassword)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted || !strings.Contains(string(body), `"failure_count":0`) {
					errs <- fmt.Errorf("client %d envelope %d: %d %.300s", c, e, resp.StatusCode, body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	res := ts.taxii(t, "alice", "GET", "/taxii2/api/collections/"+col+"/manifest/?limit=1000", "")
	if n := strings.Count(res.body, `"id":"vulnerability--`); n != clients*envelopes*per {
		t.Errorf("manifest lists %d objects, want %d", n, clients*envelopes*per)
	}
}
