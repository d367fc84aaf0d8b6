package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/share"
)

type incidentOut struct {
	ward.Incident
	Clock  ward.Clock           `json:"clock"`
	Impact []ward.ServiceImpact `json:"clinical_impact"`
	Advice []ward.IncidentAdvice
}

// TestIncidentAPI walks an incident through the API: an analyst opens
// it, answers the NIS2 questions, takes a service down; a stale write is
// refused; the reports follow what the register holds; the admin records
// the early warning as sent and takes the STIX for the CSIRT; closing
// adds a control to the model; every write is in the audit log.
func TestIncidentAPI(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	alice, adele := ts.session(t, "alice"), ts.session(t, "adele")
	base := "/api/v1/orgs/st-example/incidents"
	aware := time.Now().UTC().Add(-30 * time.Hour).Truncate(time.Second)
	res := alice.do("POST", base, map[string]any{"title": "Ransomware on the PACS", "severity": "critical", "type": "ransomware",
		"aware_at": aware, "assets": []string{"pacs-01"}, "services": []string{"diagnostic-imaging"}})
	if res.code != http.StatusCreated {
		t.Fatalf("open: %d %s", res.code, res.body)
	}
	var inc incidentOut
	res.json(t, &inc)
	path := base + "/" + inc.ID
	if res.header.Get("Location") != path || res.header.Get("ETag") != `"v1"` || inc.Status != ward.IncidentSuspected {
		t.Errorf("opened %+v %v", inc.Incident, res.header)
	}
	if len(inc.Clock.Overdue) != 1 || inc.Clock.Overdue[0] != ward.EarlyWarning || inc.Clock.Next != ward.EarlyWarning {
		t.Errorf("30 hours after awareness: %+v", inc.Clock)
	}

	res = alice.do("PATCH", path, map[string]any{"status": "confirmed", "severe_disruption": true, "suspected_malicious": true,
		"outages": []map[string]any{{"service": "emergency-care", "from": aware}}, "actions": []string{"PACS isolated"}}, "If-Match", `"v1"`)
	if res.code != http.StatusOK || res.header.Get("ETag") != `"v2"` {
		t.Fatalf("update: %d %s", res.code, res.body)
	}
	res.json(t, &inc)
	if len(inc.Impact) != 2 || !slices.ContainsFunc(inc.Impact, func(s ward.ServiceImpact) bool { return s.Service == "emergency-care" && s.Exceeded && s.Ongoing }) {
		t.Errorf("clinical impact %+v", inc.Impact)
	}
	if res := alice.do("PATCH", path, map[string]any{"note": "late"}, "If-Match", `"v1"`); res.code != http.StatusPreconditionFailed {
		t.Errorf("a stale write: %d %s", res.code, res.body)
	}

	var ew struct {
		Kind         string
		Overdue      bool
		Significance struct{ Significant string }
		Malicious    string `json:"suspected_unlawful_or_malicious"`
	}
	alice.do("GET", path+"/reports/early-warning", nil).json(t, &ew)
	if ew.Kind != "early-warning" || !ew.Overdue || ew.Significance.Significant != "yes" || ew.Malicious != "yes" {
		t.Errorf("early warning %+v", ew)
	}
	html := alice.do("GET", path+"/reports/notification?format=html", nil)
	csp := html.header.Get("Content-Security-Policy")
	if html.code != http.StatusOK || !strings.Contains(html.body, "Initial assessment") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "script-src") {
		t.Errorf("notification as HTML: %d %s\n%.300s", html.code, csp, html.body)
	}
	if strings.Contains(html.body, "pacs-01") {
		t.Error("the notification names an asset")
	}

	if res := alice.do("POST", path+"/reports/early-warning/sent", map[string]any{"to": "CSIRT"}); res.code != http.StatusForbidden {
		t.Errorf("an analyst records a report as sent: %d", res.code)
	}
	res = adele.do("POST", path+"/reports/early-warning/sent", map[string]any{"to": "National health CSIRT", "reference": "CSIRT-2026-7"})
	if res.code != http.StatusOK {
		t.Fatalf("sent: %d %s", res.code, res.body)
	}
	res.json(t, &inc)
	if len(inc.Clock.Overdue) != 0 || inc.Clock.Next != ward.Notification || inc.Reports[0].By != "adele" {
		t.Errorf("after the early warning: %+v %+v", inc.Clock, inc.Reports)
	}
	bundle := adele.do("GET", path+"/stix?report=notification&tlp=green", nil)
	if bundle.code != http.StatusOK || !strings.Contains(bundle.body, share.IncidentCoreID) || strings.Contains(bundle.body, "pacs-01") || strings.Contains(bundle.body, "St. Example") {
		t.Errorf("STIX: %d %.400s", bundle.code, bundle.body)
	}
	objs, err := share.ParseBundle([]byte(bundle.body))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if tlp, _ := share.TLPOf(&o); o.Type == "incident" && tlp != share.Green {
			t.Errorf("the incident is marked %s", tlp)
		}
	}
	if res := adele.do("GET", path+"/stix?tlp=red", nil); res.code != http.StatusBadRequest {
		t.Errorf("RED out: %d", res.code)
	}

	res = alice.do("POST", path+"/close", map[string]any{"root_cause": "an unpatched VPN", "lessons": []map[string]any{
		{"text": "Offline copies of the images", "control": "offline-backup", "asset": "pacs-01"}}})
	if res.code != http.StatusOK {
		t.Fatalf("close: %d %s", res.code, res.body)
	}
	var closed struct {
		Incident incidentOut
		Changes  []string `json:"model_changes"`
	}
	res.json(t, &closed)
	if closed.Incident.Status != ward.IncidentClosed || len(closed.Changes) != 1 {
		t.Errorf("closed %+v", closed)
	}
	m, _ := ts.store.Model(context.Background(), "st-example")
	for _, a := range m.Assets {
		if a.ID == "pacs-01" && !slices.Contains(a.Controls, "offline-backup") {
			t.Errorf("the lesson did not reach the model: %v", a.Controls)
		}
	}
	if res := alice.do("PATCH", path, map[string]any{"note": "after"}); res.code != http.StatusConflict {
		t.Errorf("changing a closed incident: %d %s", res.code, res.body)
	}
	var list struct{ Items []incidentOut }
	alice.do("GET", base, nil).json(t, &list)
	if slices.ContainsFunc(list.Items, func(i incidentOut) bool { return i.ID == inc.ID }) {
		t.Error("the closed incident is listed as open")
	}
	alice.do("GET", base+"?status=all", nil).json(t, &list)
	if !slices.ContainsFunc(list.Items, func(i incidentOut) bool { return i.ID == inc.ID }) {
		t.Error("the closed incident is not in the whole register")
	}
	entries, _ := ts.store.Audit(context.Background(), "st-example", 0, 0)
	var actions []string
	for _, e := range entries {
		if e.Target == inc.ID {
			actions = append(actions, e.Actor+" "+e.Action)
		}
	}
	want := []string{"alice incident.open", "alice incident.update", "adele incident.report.sent", "adele incident.export", "alice model.lesson", "alice incident.close"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit %v, want %v", actions, want)
	}
}

// TestIncidentBadInput: bad input is answered with problem details that
// say what is wrong, field by field.
func TestIncidentBadInput(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	alice := ts.session(t, "alice")
	base := "/api/v1/orgs/st-example/incidents"
	cases := []struct {
		method, path string
		body         any
		code         int
		want         string
	}{
		{"POST", base, map[string]any{"title": "", "severity": "apocalyptic", "assets": []string{"pacs-1"}}, 422, `"field":"assets[0]"`},
		{"POST", base, map[string]any{"title": "x", "colour": "red"}, 400, "unknown field"},
		{"POST", base, "not json", 415, "application/json"},
		{"POST", base, map[string]any{"title": "x", "status": "closed"}, 422, "status"},
		{"PATCH", base + "/" + "INC-TEST-1", map[string]any{"outages": []map[string]any{{"service": "emergency-car"}}}, 422, `emergency-care`},
		{"PATCH", base + "/" + "INC-TEST-1", map[string]any{"restored": []string{"emergency-care"}}, 422, "no outage"},
		{"PATCH", base + "/" + "INC-TEST-1", map[string]any{"status": "closed"}, 422, "close"},
		{"PATCH", base + "/" + "INC-TEST-1", map[string]any{"evidence": []map[string]any{{"kind": "file", "sha256": "abc"}}}, 422, "SHA-256"},
		{"PATCH", base + "/nope", map[string]any{"note": "x"}, 404, "not in the register"},
		{"GET", base + "/INC-TEST-1/reports/weekly", nil, 404, "early-warning"},
		{"GET", base + "?status=sleeping", nil, 400, "status"},
		{"POST", base + "/INC-TEST-1/close", map[string]any{"lessons": []map[string]any{{"text": "x", "control": "mfa", "asset": "nope"}}}, 422, "lessons[0].asset"},
	}
	for _, c := range cases {
		res := alice.do(c.method, c.path, c.body)
		if res.code != c.code || res.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(res.body, c.want) {
			t.Errorf("%s %s %v: %d %s %s, want %d with %q", c.method, c.path, c.body, res.code, res.header.Get("Content-Type"), res.body, c.code, c.want)
		}
	}
	// Nothing of it was stored.
	if list, _ := ts.store.Incidents(context.Background(), "st-example", ward.IncidentFilter{}); len(list) != 1 || list[0].Version != 1 {
		t.Errorf("after bad input the register holds %+v", list)
	}
}

// TestSectorIncidents: the hub counts the incidents hospitals sent it,
// withholding what fewer than the minimum group sent.
func TestSectorIncidents(t *testing.T) {
	ts := newTestServer(t, server.Config{MinGroup: 2})
	ctx := context.Background()
	col := newCollection(t, ts, []string{"*"}, []string{"st-example", "north"})
	now := time.Now().UTC()
	for _, org := range []string{"st-example", "north"} {
		m, _ := ts.store.Model(ctx, org)
		id := share.Identity(m.Organisation, "k", false, now)
		inc := ward.Incident{ID: "INC-1", Org: org, Title: "x", Status: ward.IncidentConfirmed, Severity: "high", Type: "ransomware", AwareAt: now}
		if org == "north" {
			inc.Type = "denial-of-service"
		}
		objs, err := share.IncidentObjects(&inc, m, id, share.IncidentOptions{Report: ward.EarlyWarning, TLP: share.Amber}, now)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"objects": append(objs, id)})
		user := map[string]string{"st-example": "alice", "north": "nora"}[org]
		if res := ts.taxii(t, user, "POST", "/taxii2/api/collections/"+col+"/objects/", string(body)); res.code != http.StatusAccepted {
			t.Fatalf("%s sends: %d %s", org, res.code, res.body)
		}
	}
	var sec share.IncidentSector
	res := ts.session(t, "csirt").do("GET", "/api/v1/sector/incidents", nil)
	res.json(t, &sec)
	if len(sec.Received) != 2 || len(sec.ByWeek) != 1 || sec.ByWeek[0].Incidents != 2 || sec.ByWeek[0].Withheld {
		t.Errorf("sector %+v", sec)
	}
	for _, s := range sec.ByType {
		if !s.Withheld || s.Incidents != 0 {
			t.Errorf("one hospital's %s is shown: %+v", s.Key, s)
		}
	}
	if res := ts.session(t, "alice").do("GET", "/api/v1/sector/incidents", nil); res.code != http.StatusForbidden {
		t.Errorf("a hospital's analyst sees the sector: %d", res.code)
	}
	page := ts.session(t, "csirt").do("GET", "/sector", nil)
	if !strings.Contains(page.body, `id="incidents-received"`) || !strings.Contains(page.body, "fewer than 2 organisations") {
		t.Errorf("the sector page: %.500s", page.body)
	}
}

// TestIncidentToHubAndBack runs two servers: the hospital's admin sends
// the early warning to the hub from the API (the hospital's server sends
// to --hub); the hub sees the incident among the sector's, answers with a
// course of action; the hospital pulls it and sees it on the incident and
// its page.
func TestIncidentToHubAndBack(t *testing.T) {
	ctx := context.Background()
	hub := newTestServer(t, server.Config{})
	col := newCollection(t, hub, []string{"st-example"}, []string{"st-example"})
	peer := func() *share.Client {
		return &share.Client{APIRoot: hub.URL + "/taxii2/api/", User: "alice", Password: testPassword}
	}
	hosp := newTestServer(t, server.Config{Hub: peer(), HubCollection: col})
	adele := hosp.session(t, "adele")
	path := "/api/v1/orgs/st-example/incidents/" + testIncident
	if res := adele.do("POST", path+"/reports/early-warning/send", map[string]any{"tlp": "red"}); res.code != http.StatusUnprocessableEntity {
		t.Errorf("RED to the hub: %d %s", res.code, res.body)
	}
	res := adele.do("POST", path+"/reports/early-warning/send", map[string]any{"tlp": "amber"})
	if res.code != http.StatusOK {
		t.Fatalf("send: %d %s", res.code, res.body)
	}
	var sent struct {
		Incident incidentOut
		Status   share.Status
	}
	res.json(t, &sent)
	if sent.Status.FailureCount != 0 || len(sent.Incident.Shared) != 1 || sent.Incident.Reports[0].TLP != "amber" || sent.Incident.Clock.Next != ward.Notification {
		t.Fatalf("sent %+v", sent)
	}
	stix := sent.Incident.Shared[0].STIX

	var sec share.IncidentSector
	hub.session(t, "csirt").do("GET", "/api/v1/sector/incidents", nil).json(t, &sec)
	if len(sec.Received) != 1 || sec.Received[0].ID != stix || sec.Received[0].Report != "early-warning" {
		t.Fatalf("the hub received %+v", sec)
	}
	now := time.Now()
	csirt := share.Identity(ward.Organisation{ID: "national-csirt", Name: "National health CSIRT"}, "", true, now)
	advice := share.AdviceObjects(stix, "Reset the vendor's passwords", "Reset every vendor account and require MFA on the VPN.", csirt.ID, share.Amber, now)
	body, _ := json.Marshal(map[string]any{"objects": append(advice, csirt)})
	if res := hub.taxii(t, "root", "POST", "/taxii2/api/collections/"+col+"/objects/", string(body)); res.code != http.StatusAccepted {
		t.Fatalf("the hub's advice: %d %s", res.code, res.body)
	}

	if _, err := share.PullInto(ctx, peer(), hosp.store, col, col, now); err != nil {
		t.Fatal(err)
	}
	var inc incidentOut
	adele.do("GET", path, nil).json(t, &inc)
	if len(inc.Advice) != 1 || inc.Advice[0].Name != "Reset the vendor's passwords" || inc.Advice[0].From != csirt.ID {
		t.Errorf("advice on the incident: %+v", inc.Advice)
	}
	page := adele.do("GET", "/orgs/st-example/incidents/"+testIncident, nil)
	if !strings.Contains(page.body, "Advice from the CSIRT") || !strings.Contains(page.body, `id="send-form"`) {
		t.Errorf("the incident page: %.400s", page.body)
	}
	// A server without a hub says how to send.
	plain := newTestServer(t, server.Config{})
	if res := plain.session(t, "adele").do("POST", path+"/reports/early-warning/send", map[string]any{}); res.code != http.StatusConflict || !strings.Contains(res.body, "ward incident send") {
		t.Errorf("no hub: %d %s", res.code, res.body)
	}
	entries, _ := hosp.store.Audit(ctx, "st-example", 0, 0)
	if !slices.ContainsFunc(entries, func(e ward.AuditEntry) bool {
		return e.Action == "incident.send" && e.Actor == "adele" && e.Target == testIncident
	}) {
		t.Error("the send is not in the audit log")
	}
}
