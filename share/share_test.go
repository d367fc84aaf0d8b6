package share_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/internal/refdata"
	"github.com/wardhealth/ward/share"
)

// The OASIS schemas and the CISA advisories the tests read, copied into
// the repository (see testdata/README.md and ../intel/testdata/README.md).
const (
	schemaDir  = "testdata/stix2-json-schemas/schemas"
	advisories = "../intel/testdata/csaf-icsma"
	pumps      = advisories + "/icsma-20-296-02.json"
)

// schemaBase is the $id prefix of the OASIS schemas, mapped to the local
// copies: the tests fetch nothing.
const schemaBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"

type localLoader struct{}

func (localLoader) Load(url string) (any, error) {
	rel, ok := strings.CutPrefix(url, schemaBase)
	if !ok {
		rel, ok = strings.CutPrefix(url, strings.Replace(schemaBase, "http://", "https://", 1))
	}
	if !ok {
		return nil, os.ErrNotExist
	}
	f, err := os.Open(filepath.Join(schemaDir, rel))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// validator compiles the OASIS schema of each STIX type.
func validator(t *testing.T) func(typ string) *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.UseLoader(localLoader{})
	cache := map[string]*jsonschema.Schema{}
	return func(typ string) *jsonschema.Schema {
		if s, ok := cache[typ]; ok {
			return s
		}
		var rel string
		for _, dir := range []string{"sdos", "sros", "common"} {
			if _, err := os.Stat(filepath.Join(schemaDir, dir, typ+".json")); err == nil {
				rel = dir + "/" + typ + ".json"
			}
		}
		if rel == "" {
			t.Fatalf("no OASIS schema for type %s", typ)
		}
		s, err := c.Compile(schemaBase + rel)
		if err != nil {
			t.Fatalf("compile %s: %v", rel, err)
		}
		cache[typ] = s
		return s
	}
}

// emitted is everything Ward emits for the demo hospital: identity,
// practices, the real medical-device advisories of dir, sightings, a note,
// a report and the TLP markings.
func emitted(t *testing.T, dir string) []share.Object {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	m, _ := demo.Model()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	advs, err := intel.LoadAdvisories(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := share.Identity(m.Organisation, "secret key", false, now)
	objs := []share.Object{id}
	objs = append(objs, share.Practices(cat, id.ID, share.Clear, now)...)
	objs = append(objs, share.Advisories(advs, id.ID, share.Green, now)...)
	objs = append(objs, share.Sightings(intel.NewMatcher(advs, nil).Match(m.Assets), id, share.Amber, now)...)
	objs = append(objs, share.Note("Patched the pumps of ward 3B.", []string{objs[1].ID}, id.ID, share.Red, now))
	objs = append(objs, share.Report("Medical-device advisories", objs[1:4], id.ID, share.AmberStrict, now))
	for _, l := range share.Levels {
		objs = append(objs, l.Marking())
	}
	return objs
}

// TestEmittedObjectsPassTheOASISSchemas validates every object Ward emits
// against the OASIS STIX 2.1 JSON schemas, with the advisories of testdata
// and with all of the reference data's when it is there.
func TestEmittedObjectsPassTheOASISSchemas(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { checkEmitted(t, advisories) })
	t.Run("reference", func(t *testing.T) { checkEmitted(t, refdata.Dir(t, "csaf-icsma")) })
}

func checkEmitted(t *testing.T, dir string) {
	schema := validator(t)
	objs := emitted(t, dir)
	types := map[string]int{}
	for _, o := range objs {
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema(o.Type).Validate(doc); err != nil {
			t.Errorf("%s does not validate: %v\n%s", o.ID, err, data)
		}
		types[o.Type]++
	}
	for _, want := range []string{"identity", "attack-pattern", "course-of-action", "relationship", "vulnerability", "indicator", "sighting", "note", "report", "marking-definition"} {
		if types[want] == 0 {
			t.Errorf("no %s emitted", want)
		}
	}
	t.Logf("validated %d objects: %v", len(objs), types)
}

// TestStableIDsAndRoundTrip: exporting twice gives the same ids; what is
// emitted parses back unchanged.
func TestStableIDsAndRoundTrip(t *testing.T) {
	a, b := emitted(t, advisories), emitted(t, advisories)
	for i := range a {
		if a[i].ID != b[i].ID {
			t.Fatalf("object %d: %s then %s", i, a[i].ID, b[i].ID)
		}
	}
	data, _ := json.Marshal(share.NewBundle(a))
	back, err := share.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(share.NewBundle(back))
	var x, y struct{ Objects []json.RawMessage }
	json.Unmarshal(data, &x)
	json.Unmarshal(again, &y)
	if len(x.Objects) != len(y.Objects) {
		t.Fatalf("%d objects back of %d", len(y.Objects), len(x.Objects))
	}
	for i := range x.Objects {
		var p, q any
		json.Unmarshal(x.Objects[i], &p)
		json.Unmarshal(y.Objects[i], &q)
		pj, _ := json.Marshal(p)
		qj, _ := json.Marshal(q)
		if string(pj) != string(qj) {
			t.Errorf("object %d changed:\n%s\n%s", i, pj, qj)
		}
	}
}

// TestSharedVulnerabilityReachesTheAssessment: a hub shares an advisory as
// STIX; a hospital that never saw the CSAF file reads it back, and its
// pumps are hit, and their risk rises.
func TestSharedVulnerabilityReachesTheAssessment(t *testing.T) {
	now := time.Now()
	advs, err := intel.LoadAdvisories(pumps)
	if err != nil {
		t.Fatal(err)
	}
	hub := share.Identity(demoOrg("national-csirt"), "hub key", true, now)
	data, _ := json.Marshal(share.NewBundle(share.Advisories(advs, hub.ID, share.Green, now)))
	objs, err := share.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	shared := share.ToAdvisories(objs)
	if len(shared) == 0 {
		t.Fatal("no advisory read back")
	}
	m, _ := demo.Model()
	direct := intel.NewMatcher(advs, nil).Match(m.Assets)
	viaSTIX := intel.NewMatcher(shared, nil).Match(m.Assets)
	cves := func(ms []intel.Match) []string {
		var out []string
		for _, x := range ms {
			out = append(out, x.Asset+" "+x.CVE)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	if d, v := cves(direct), cves(viaSTIX); len(v) == 0 || !slices.Equal(d, v) {
		t.Errorf("matches from CSAF %d, via STIX %d:\n%v\n%v", len(d), len(v), d, v)
	}
	cat, _ := catalog.Load()
	before, _ := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"})
	after, _ := assess.Assess(m, cat, assess.Options{Today: "2026-11-23", Matches: viaSTIX})
	if len(after.Vulnerabilities) == 0 || score(after, "pump-01") <= score(before, "pump-01") {
		t.Errorf("pump-01 risk %d before, %d after the shared advisory", score(before, "pump-01"), score(after, "pump-01"))
	}
}

func score(res *assess.Result, asset string) int {
	total := 0
	for _, r := range res.Risks {
		if slices.Contains(r.Assets, asset) {
			total += r.Score
		}
	}
	return total
}

// TestAnonymisation: what a hospital shares carries none of its names,
// asset ids, addresses or people, and sightings count without naming.
func TestAnonymisation(t *testing.T) {
	m, _ := demo.Model()
	now := time.Now()
	advs, err := intel.LoadAdvisories(advisories)
	if err != nil {
		t.Fatal(err)
	}
	matches := intel.NewMatcher(advs, nil).Match(m.Assets)
	if len(matches) == 0 {
		t.Fatalf("no advisory of %s matches the demo: nothing to share", advisories)
	}
	id := share.Identity(m.Organisation, "key", false, now)
	objs := append([]share.Object{id}, share.Sightings(matches, id, share.Green, now)...)
	// A careless note that names an asset, an address and a person.
	a := m.Assets[0]
	objs = append(objs, share.Note("Seen on "+a.ID+" at 10.20.30.40 (aa:bb:cc:dd:ee:ff), ask jane.doe@st-example.org", []string{id.ID}, id.ID, share.Green, now))
	out := share.NewAnonymiser(m).Objects(objs)
	data, _ := json.Marshal(out)
	text := string(data)
	for _, secret := range []string{m.Organisation.Name, m.Organisation.ID, a.ID, "10.20.30.40", "aa:bb:cc:dd:ee:ff", "jane.doe"} {
		if strings.Contains(text, secret) {
			t.Errorf("%q leaves the hospital", secret)
		}
	}
	for _, x := range m.Assets {
		if strings.Contains(text, `"`+x.ID+`"`) {
			t.Errorf("asset id %s leaves the hospital", x.ID)
		}
	}
	if !strings.Contains(text, "Healthcare organisation ") || !strings.Contains(text, share.Redacted) {
		t.Errorf("no pseudonym or no redaction: %.400s", text)
	}
	// The hub counts hospitals, not names: two hospitals, one pump CVE.
	other := share.Identity(demoOrg("north"), "key", false, now)
	both := append(share.Sightings(matches, id, share.Green, now), share.Sightings(matches[:1], other, share.Green, now)...)
	agg := share.Aggregate(both)
	found := false
	for _, s := range agg {
		if s.Vulnerability == matches[0].CVE {
			found = true
			if s.Organisations != 2 || s.Assets < 2 {
				t.Errorf("aggregate %+v", s)
			}
		}
	}
	if !found {
		t.Errorf("no aggregate for %s", matches[0].CVE)
	}
}

// TestTLPPolicy: each level, in both directions of the boundary: what
// the hospital may send to the community or the public, and what a hub may
// serve back out.
func TestTLPPolicy(t *testing.T) {
	cases := []struct {
		level                         share.TLP
		organisation, community, open bool
	}{
		{share.Red, true, false, false},
		{share.AmberStrict, true, false, false},
		{share.Amber, true, true, false},
		{share.Green, true, true, false},
		{share.Clear, true, true, true},
	}
	for _, p := range []share.Policy{share.DefaultPolicy, {}} {
		for _, c := range cases {
			o := share.Vulnerability("CVE-2020-25168", "", "", c.level, time.Now())
			got := [3]bool{p.Allows(&o, share.Organisation), p.Allows(&o, share.Community), p.Allows(&o, share.Public)}
			if got != [3]bool{c.organisation, c.community, c.open} {
				t.Errorf("%s under %+v: organisation/community/public %v", c.level, p, got)
			}
		}
	}
	// GREEN may be opened to the public by configuration; RED never leaves.
	open := share.Policy{Green: share.Public, Clear: share.Public}
	g := share.Vulnerability("CVE-1", "", "", share.Green, time.Now())
	r := share.Vulnerability("CVE-2", "", "", share.Red, time.Now())
	if !open.Allows(&g, share.Public) || open.Allows(&r, share.Community) {
		t.Error("configured policy")
	}
	// Unmarked objects are treated as AMBER; TLP 1.0 markings are read.
	u := share.Vulnerability("CVE-3", "", "", share.Clear, time.Now())
	u.ObjectMarkingRefs = nil
	if share.DefaultPolicy.Allows(&u, share.Public) || !share.DefaultPolicy.Allows(&u, share.Community) {
		t.Error("unmarked object")
	}
	u.ObjectMarkingRefs = []string{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"} // TLP 1.0 red
	if share.DefaultPolicy.Allows(&u, share.Community) {
		t.Error("TLP 1.0 red leaves")
	}
	kept, held := share.DefaultPolicy.Filter([]share.Object{g, r, u}, share.Community)
	if len(kept) != 1 || held != 2 {
		t.Errorf("filter kept %d, held %d", len(kept), held)
	}
	for _, s := range []string{"TLP:AMBER+STRICT", "amber+strict", "White", " tlp:red "} {
		if _, err := share.ParseTLP(s); err != nil {
			t.Errorf("ParseTLP(%q): %v", s, err)
		}
	}
	if _, err := share.ParseTLP("purple"); err == nil {
		t.Error("purple accepted")
	}
}

// TestParseRefusesBadObjects: malformed objects are refused with their
// position, and nothing is returned.
func TestParseRefusesBadObjects(t *testing.T) {
	good := `{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--0b7d6c4e-5a83-5d2b-9f3f-6e2b3b1c2d4e","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"CVE-2020-1"}`
	bad := map[string]string{
		`{"type":"vulnerability","spec_version":"2.0","id":"vulnerability--0b7d6c4e-5a83-5d2b-9f3f-6e2b3b1c2d4e","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}`:                                                                              "spec_version",
		`{"type":"vulnerability","spec_version":"2.1","id":"indicator--0b7d6c4e-5a83-5d2b-9f3f-6e2b3b1c2d4e","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}`:                                                                                  "is not vulnerability--UUID",
		`{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--0b7d6c4e-5a83-5d2b-9f3f-6e2b3b1c2d4e","created":"2026-01-02T00:00:00Z","modified":"2026-01-01T00:00:00Z"}`:                                                                              "modified is before created",
		`{"type":"indicator","spec_version":"2.1","id":"indicator--0b7d6c4e-5a83-5d2b-9f3f-6e2b3b1c2d4e","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[file:name = ]","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`: "pattern: column",
		`{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--0b7d6c4e-5a83-5d2b-9f3f-6e2b3b1c2d4e","created":"yesterday","modified":"2026-01-01T00:00:00Z"}`:                                                                                         "timestamp",
	}
	for obj, want := range bad {
		objs, err := share.ParseObjects([]byte("[" + good + "," + obj + "]"))
		if err == nil || !strings.Contains(err.Error(), "objects[1]") || !strings.Contains(err.Error(), want) || objs != nil {
			t.Errorf("%s: %v, want objects[1] ... %s", obj, err, want)
		}
	}
	if _, err := share.ParseBundle([]byte(`{"type":"report","id":"x","objects":[]}`)); err == nil {
		t.Error("a report taken for a bundle")
	}
}

func FuzzParseBundle(f *testing.F) {
	files, _ := filepath.Glob("testdata/stix2-json-schemas/examples/*.json")
	for _, name := range files {
		data, _ := os.ReadFile(name)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := share.ParseBundle(data)
		if err != nil {
			return
		}
		// What parses re-encodes and parses again the same.
		again, err := json.Marshal(share.NewBundle(objs))
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if _, err := share.ParseBundle(again); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}
