package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// TestWebIncidents: an analyst opens an incident through the form (and
// is told, field by field, what is wrong with a bad one), answers the
// NIS2 questions and takes a service down; the page shows the clock and
// the clinical impact; an admin records the early warning as sent; the
// printable report allows its own style and nothing else; closing adds a
// control to the model. A viewer sees no form.
func TestWebIncidents(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	analyst := e.signIn(t, "analyst", webPassword)
	list := "/orgs/" + webOrg + "/incidents"
	status, body := analyst.get(list)
	wantAll(t, "the register", body, webIncident, `id="open-incident"`, "early-warning by")
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", list, status)
	}
	status, body = analyst.submit(list, url.Values{"title": {"Flood"}, "severity": {"high"}, "asset": {"erx-gw-1"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("a bad incident: %d", status)
	}
	wantAll(t, "a bad incident", body, "form-errors", "assets[0]", `did you mean`)
	status, body = analyst.submit(list, url.Values{"title": {"Flood on the ePrescription gateway"}, "severity": {"high"}, "type": {"denial-of-service"},
		"asset": {"erx-gw"}, "service": {""}, "aware_at": {""}})
	if status != http.StatusOK || !strings.Contains(body, `id="nis2-clock"`) {
		t.Fatalf("open: %d %.400s", status, body)
	}
	incs, _ := e.store.Incidents(context.Background(), webOrg, ward.IncidentFilter{})
	var id string
	for _, i := range incs {
		if i.Title == "Flood on the ePrescription gateway" {
			id = i.ID
		}
	}
	if id == "" {
		t.Fatalf("not stored: %+v", incs)
	}
	if _, body := analyst.get("/orgs/" + webOrg + "/"); !strings.Contains(body, `id="incidents-card"`) || !strings.Contains(body, "<b>2</b>open incidents") {
		t.Error("the overview does not count the open incidents")
	}
	page := list + "/" + id
	status, body = analyst.submit(page, url.Values{"status": {"confirmed"}, "severity": {"high"}, "severe_disruption": {"yes"}, "damage_to_others": {""},
		"down": {"eprescription"}, "down_from": {""}, "action": {"Rate limit on the gateway"}})
	if status != http.StatusOK {
		t.Fatalf("update: %d %.300s", status, body)
	}
	wantAll(t, "after the update", body, `id="saved"`, "significant under NIS2 Art. 23(3)", "still down", "Rate limit on the gateway")
	if strings.Contains(body, `id="sent-form"`) {
		t.Error("an analyst is offered to record reports as sent")
	}
	admin := e.signIn(t, "admin", webPassword)
	admin.get(page)
	if status, body = admin.submit(page+"/sent", url.Values{"kind": {"early-warning"}, "to": {"National health CSIRT"}, "reference": {"R-1"}, "sent": {""}}); status != http.StatusOK {
		t.Fatalf("sent: %d", status)
	}
	wantAll(t, "after sending", body, `id="reports-sent"`, "Early warning: ", "by admin to National health CSIRT")

	res, err := admin.c.Get(e.ts.URL + page + "/reports/notification")
	if err != nil {
		t.Fatal(err)
	}
	report, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(report), "Incident notification") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "script-src") {
		t.Errorf("the printable notification: %d %s", res.StatusCode, csp)
	}

	viewer := e.signIn(t, "viewer", webPassword)
	if _, body := viewer.get(page); strings.Contains(body, `id="update-incident"`) || strings.Contains(body, `id="close-incident"`) {
		t.Error("a viewer is offered to change the incident")
	}
	if status, _ := viewer.submit(page, url.Values{"note": {"x"}}); status != http.StatusForbidden {
		t.Errorf("a viewer changes the incident: %d", status)
	}

	// A file as evidence: its SHA-256, not the file.
	analyst.get(page)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", analyst.csrf)
	fw, _ := mw.CreateFormFile("file", `C:\\Users\\it\\ransom-note.txt`)
	fw.Write([]byte("pay us\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+page+"/evidence", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	status, body = analyst.do(req)
	sum := sha256.Sum256([]byte("pay us\n"))
	if status != http.StatusOK {
		t.Fatalf("evidence: %d", status)
	}
	wantAll(t, "after the evidence", body, "sha256 "+hex.EncodeToString(sum[:]), "ransom-note.txt, 7 bytes")
	if strings.Contains(body, `C:\`) {
		t.Error("the client's path is kept")
	}
	if status, body = analyst.submit(page+"/evidence", url.Values{}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "paste a log line") {
		t.Errorf("empty evidence: %d", status)
	}

	analyst.get(page)
	status, body = analyst.submit(page+"/close", url.Values{"root_cause": {"a botnet"}, "lesson": {"Rate limits at the edge"}, "control": {"ddos-protection"}, "control_asset": {"erx-gw"}})
	if status != http.StatusOK {
		t.Fatalf("close: %d %.300s", status, body)
	}
	wantAll(t, "closed", body, `id="lessons"`, "Rate limits at the edge", "closed")
	m, _ := e.store.Model(context.Background(), webOrg)
	for _, a := range m.Assets {
		if a.ID == "erx-gw" && !slices.Contains(a.Controls, "ddos-protection") {
			t.Errorf("the lesson did not reach the model: %v", a.Controls)
		}
	}
}
