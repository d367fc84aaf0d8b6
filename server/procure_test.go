package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"

	"github.com/wardhealth/ward/internal/mds2form"
	"github.com/wardhealth/ward/server"
)

var procureData = filepath.Join("..", "procure", "testdata")

// procureBody is the API body for one of procure's test candidates: its
// candidate file, form and SBOM.
func procureBody(t testing.TB, name string) map[string]any {
	t.Helper()
	cand, err := os.ReadFile(filepath.Join(procureData, name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	form, err := os.ReadFile(filepath.Join(procureData, name+"-mds2.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"candidate": string(cand), "form": form, "form_name": name + "-mds2.xlsx"}
	for _, ext := range []string{"-sbom.cdx.json", "-sbom.spdx.json"} {
		if sbom, err := os.ReadFile(filepath.Join(procureData, name+ext)); err == nil {
			body["sbom"], body["sbom_name"] = sbom, name+ext
		}
	}
	return body
}

// TestProcureAPI: the report, with evidence and what the candidate adds;
// bad input as problem details with places; the stored model unchanged.
func TestProcureAPI(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	alice := ts.login(t, "alice")
	res := alice.do("POST", "/api/v1/orgs/st-example/procure", procureBody(t, "pump-borealis"))
	if res.code != http.StatusOK {
		t.Fatalf("%d %s", res.code, res.body)
	}
	var rep struct {
		Candidate    string
		Verdict      string
		Requirements []struct {
			Requirement, Status string
			Evidence            []struct{ Where string }
		}
		SBOM struct{ Format string }
		Adds struct {
			Risks []struct{ Threat string }
			Paths []string
		}
		Asset struct{ Provenance string }
	}
	res.json(t, &rep)
	if rep.Candidate != "borealis-v3" || !strings.HasPrefix(rep.Verdict, "fails 7 must") || rep.SBOM.Format != "SPDX-2.3" || len(rep.Adds.Risks) == 0 || rep.Asset.Provenance != "planned" {
		t.Errorf("report: %+v", rep)
	}
	for _, o := range rep.Requirements {
		if o.Requirement == "changeable-default-credentials" && (o.Status != "not-met" || o.Evidence[0].Where != "MDS2!C123") {
			t.Errorf("%+v", o)
		}
	}
	m, _ := ts.store.Model(t.Context(), "st-example")
	for _, a := range m.Assets {
		if a.ID == "borealis-v3" {
			t.Error("the check stored the candidate")
		}
	}

	table, _ := mds2form.Table()
	old, _ := mds2form.Form2013()
	for _, tc := range []struct {
		body   any
		status int
		want   string
	}{
		{map[string]any{"form": table, "form_name": "budget.xlsx"}, 422, "Budget: not an MDS2 form"},
		{map[string]any{"form": old, "form_name": "../../etc/old.xlsx"}, 422, `old.xlsx: MDS2!A2: an MDS2 form of another revision`},
		{map[string]any{"candidate": "candidate: {id: x, zone: nowhere}\n"}, 422, "nowhere"},
		{map[string]any{"candidate": "candidate:\n  id: x\n  colour: blue\n"}, 422, "candidate.yaml:3"},
		{map[string]any{}, 400, "send a candidate file"},
		{map[string]any{"form": "not base64!"}, 400, "malformed JSON body"},
		{map[string]any{"extra": 1}, 400, "unknown field"},
	} {
		res := alice.do("POST", "/api/v1/orgs/st-example/procure", tc.body)
		if res.code != tc.status || res.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(res.body, tc.want) {
			t.Errorf("%v: %d %s %s, want %d %q", tc.body, res.code, res.header.Get("Content-Type"), res.body, tc.status, tc.want)
		}
		var p struct{ Status int }
		json.Unmarshal([]byte(res.body), &p)
		if p.Status != tc.status {
			t.Errorf("problem status %d", p.Status)
		}
	}
}

// TestProcurePlaceAPI: an analyst places a candidate as planned, audited;
// the assessment leaves it out; a viewer may check but not place.
func TestProcurePlaceAPI(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	if res := ts.login(t, "victor").do("POST", "/api/v1/orgs/st-example/procure/place", procureBody(t, "pump-aurora")); res.code != http.StatusForbidden {
		t.Errorf("a viewer places: %d", res.code)
	}
	alice := ts.login(t, "alice")
	res := alice.do("POST", "/api/v1/orgs/st-example/procure/place", procureBody(t, "pump-aurora"))
	if res.code != http.StatusOK || res.header.Get("ETag") == "" {
		t.Fatalf("%d %s", res.code, res.body)
	}
	var out struct {
		Revision int64
		Report   struct{ Candidate string }
	}
	res.json(t, &out)
	m, err := ts.store.Model(t.Context(), "st-example")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range m.Assets {
		if a.ID == "aurora-lvp" {
			found = a.Provenance == "planned" && slices.Contains(a.Controls, "device-authentication")
		}
	}
	if !found || out.Report.Candidate != "aurora-lvp" {
		t.Errorf("the planned asset is not stored as planned, with its controls: %+v", out)
	}
	entries, err := ts.store.Audit(t.Context(), "st-example", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(e ward.AuditEntry) bool { return e.Action == "asset.planned" && e.Target == "aurora-lvp" }) {
		t.Error("no audit entry asset.planned")
	}
	if res := alice.do("POST", "/api/v1/orgs/st-example/assessments", nil); res.code >= 300 {
		t.Fatalf("assess: %d %s", res.code, res.body)
	}
	var assessment struct {
		Result struct{ Summary struct{ Assets int } }
	}
	alice.do("GET", "/api/v1/orgs/st-example/assessments/latest", nil).json(t, &assessment)
	if assessment.Result.Summary.Assets != len(m.Assets)-1 {
		t.Errorf("the assessment counts %d assets of %d stored, one planned", assessment.Result.Summary.Assets, len(m.Assets))
	}
}
