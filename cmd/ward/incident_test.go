package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/share"
)

// incidentID opens an incident and returns its id.
func incidentID(t *testing.T, data string, args ...string) string {
	t.Helper()
	r := ward(t, data, append([]string{"incident", "open", "--format", "json"}, args...)...)
	expect(t, r, 0)
	var out struct{ ID string }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.ID == "" {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	return out.ID
}

// sharing runs the binary on a data directory with the hub's password in
// the environment, as 'ward share' and 'ward incident send' read it; a
// failure fails the test.
func sharing(t *testing.T, data string) func(args ...string) string {
	env := append(os.Environ(), "WARD_DATA="+data, "WARD_DB=", "WARD_SHARE_PASSWORD="+hubPassword)
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ward %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}

// TestIncidentCommands walks an incident through the command line: opened
// 30 hours ago, its early warning is overdue; the questions of Art. 23(3)
// and an outage make it significant, with the emergency department over
// its maximum outage; the early warning is recorded as sent; the reports
// say what the register holds; closing adds a control to the model; every
// step is in the audit log, which verifies.
func TestIncidentCommands(t *testing.T) {
	data := demoData(t)
	aware := time.Now().UTC().Add(-30 * time.Hour).Format(time.RFC3339)
	expect(t, ward(t, data, "incident", "open", "--title", "x", "--asset", "pacs-1"), 1, `no asset "pacs-1"`, `did you mean "pacs-01"?`)
	expect(t, ward(t, data, "incident", "open"), 2, "--title")
	expect(t, ward(t, data, "incident", "open", "--title", "x", "--aware-at", "yesterday"), 2, "--aware-at")
	id := incidentID(t, data, "--title", "Ransomware on the PACS", "--severity", "critical", "--type", "ransomware", "--asset", "pacs-01", "--aware-at", aware)
	expect(t, ward(t, data, "incident", "list"), 0, id, "OVERDUE early-warning")

	evidence := filepath.Join(t.TempDir(), "ransom-note.txt")
	os.WriteFile(evidence, []byte("your files are encrypted\n"), 0o644)
	expect(t, ward(t, data, "incident", "update", id, "--status", "confirmed", "--severe-disruption", "yes", "--malicious", "yes",
		"--down", "emergency-care@"+aware, "--action", "PACS isolated", "--evidence-file", evidence), 0, "updated (version 2)")
	expect(t, ward(t, data, "incident", "update", id, "--severe-disruption", "maybe"), 2, "yes or no")
	expect(t, ward(t, data, "incident", "update", id, "--restored", "diagnostic-imaging"), 1, "no outage going on")
	expect(t, ward(t, data, "incident", "update", "INC-NOPE", "--note", "x"), 1, "no incident")
	expect(t, ward(t, data, "incident", "show", id), 0, "NIS2 Art. 23(3): significant", "OVER ITS MAXIMUM TOLERABLE OUTAGE", "sha256 ", "PACS isolated")

	var shown struct {
		Clock struct {
			Next    string
			Overdue []string
		}
		Impact []struct {
			Service  string
			Exceeded bool
		} `json:"clinical_impact"`
	}
	r := ward(t, data, "incident", "show", id, "--format", "json")
	expect(t, r, 0)
	json.Unmarshal([]byte(r.stdout), &shown)
	if len(shown.Clock.Overdue) != 1 || len(shown.Impact) != 1 || !shown.Impact[0].Exceeded {
		t.Errorf("shown %+v", shown)
	}

	expect(t, ward(t, data, "incident", "sent", id, "--kind", "early-warning", "--to", "National health CSIRT", "--reference", "R-7"), 0, "recorded as sent")
	expect(t, ward(t, data, "incident", "list"), 0, "notification in ")
	expect(t, ward(t, data, "incident", "update", id, "--intermediate-asked-by", "National health CSIRT", "--intermediate-due", time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)), 0, "Intermediate report:", "OVERDUE")
	expect(t, ward(t, data, "incident", "update", id, "--intermediate-asked-by", "CSIRT"), 2, "go together")
	expect(t, ward(t, data, "incident", "sent", id, "--kind", "intermediate", "--to", "National health CSIRT"), 0)
	r = ward(t, data, "incident", "report", id, "--kind", "notification")
	expect(t, r, 0, `"initial_assessment"`, `"pacs": 1`, `"services_over_max_outage": 1`)
	if strings.Contains(r.stdout, "pacs-01") {
		t.Error("the notification names an asset")
	}
	html := filepath.Join(t.TempDir(), "final.html")
	expect(t, ward(t, data, "incident", "report", id, "--kind", "final", "--format", "html", "-o", html), 0, "wrote")
	if b, _ := os.ReadFile(html); !strings.Contains(string(b), "Lessons learned") || !strings.Contains(string(b), "R-7") {
		t.Errorf("the final report: %.300s", b)
	}
	expect(t, ward(t, data, "incident", "report", id, "--kind", "weekly"), 2, "--kind")

	expect(t, ward(t, data, "incident", "close", id, "--root-cause", "an unpatched VPN", "--lesson", "Offline copies of the images",
		"--control", "offline-backup@pacs-01", "--decision", "mitigated:ransomware@pacs-01"), 0, "closed", "control offline-backup on pacs-01")
	expect(t, ward(t, data, "incident", "list"), 0, "no open incident")
	expect(t, ward(t, data, "incident", "list", "--all"), 0, id)
	expect(t, ward(t, data, "incident", "update", id, "--note", "x"), 1, "closed")
	r = ward(t, data, "export", "--format", "json")
	expect(t, r, 0)
	if !strings.Contains(r.stdout, `"offline-backup"`) || !strings.Contains(r.stdout, `"mitigated"`) {
		t.Error("the lessons did not reach the model")
	}
	expect(t, ward(t, data, "audit", "list"), 0, "incident.open", "incident.update", "incident.report.sent", "model.lesson", "incident.close")
	expect(t, ward(t, data, "audit", "verify"), 0)
}

// TestDetectOpensIncidents: a brute force on the vendor VPN opens an
// incident; the same log read again changes nothing; a medium detection
// with no open incident opens none.
func TestDetectOpensIncidents(t *testing.T) {
	data := demoData(t)
	r := ward(t, data, "detect", "../../detect/testdata/auth.log", "--asset", "vpn-vendor", "--open-incidents", "--format", "json")
	expect(t, r, 0)
	var out struct {
		Incidents []struct {
			Incident string
			Opened   bool
			Severity string
		}
	}
	json.Unmarshal([]byte(r.stdout), &out)
	if len(out.Incidents) != 1 || !out.Incidents[0].Opened || out.Incidents[0].Severity != "critical" {
		t.Fatalf("%+v", out)
	}
	expect(t, ward(t, data, "detect", "../../detect/testdata/auth.log", "--asset", "vpn-vendor", "--open-incidents"), 0, "no incident opened")
	expect(t, ward(t, data, "incident", "show", out.Incidents[0].Incident), 0, "unauthorized-access-system", "detection", "auth.log:")
	expect(t, ward(t, data, "detect", "../../detect/testdata/auth.log", "--model", "../../demo/st-example-general.yaml", "--open-incidents"), 1, "stored model")
}

// TestIncidentFederation: a hospital's incident reaches the hub as STIX
// (incident-core, anonymised, TLP chosen for the report); the hub sees it
// in the sector's incidents and answers with advice; the hospital pulls
// the advice and sees it on the incident.
func TestIncidentFederation(t *testing.T) {
	hubData, hospData := t.TempDir(), demoData(t)
	addUser(t, hubData, "csirt", hubPassword, "--admin")
	addUser(t, hubData, "st-example-sync", hubPassword, "--org", "st-example", "--role", "analyst")
	const col = "5d1c0c0e-8f41-4b7e-9a7e-2c1f0b9d4e11"
	expect(t, ward(t, hubData, "share", "collections", "add", "--id", col, "--title", "Incidents", "--readers", "national-csirt,st-example", "--writers", "national-csirt,st-example"), 0)
	hub := serveIn(t, hubData, nil)

	id := incidentID(t, hospData, "--title", "Ransomware on pacs-01", "--severity", "critical", "--type", "ransomware", "--asset", "pacs-01",
		"--description", "Images of patient Jane Roe encrypted")
	expect(t, ward(t, hospData, "incident", "update", id, "--severe-disruption", "yes", "--technique", "T1490"), 0)
	run := sharing(t, hospData)
	expect(t, ward(t, hospData, "incident", "send", id, "--to", hub+"/taxii2/api/", "--collection", col, "--report", "early-warning", "--tlp", "red", "--user", "x"), 2, "do not leave")
	out := run("incident", "send", id, "--to", hub+"/taxii2/api/", "--collection", col, "--report", "early-warning", "--tlp", "amber", "--user", "st-example-sync")
	if !strings.Contains(out, "the hub took") || !strings.Contains(out, "refused 0") {
		t.Fatalf("send: %s", out)
	}
	got := taxiiGet(t, hub+"/taxii2/api/collections/"+col+"/objects/?match[type]=incident", "csirt", hubPassword)
	if !strings.Contains(got, share.IncidentCoreID) || !strings.Contains(got, share.Amber.MarkingID()) {
		t.Errorf("the hub's incident: %.500s", got)
	}
	all := taxiiGet(t, hub+"/taxii2/api/collections/"+col+"/objects/", "csirt", hubPassword)
	for _, secret := range []string{"pacs-01", "Jane Roe", "St. Example", "st-example"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q reached the hub", secret)
		}
	}

	r := ward(t, hubData, "incident", "sector", "--format", "json")
	expect(t, r, 0)
	var sec share.IncidentSector
	json.Unmarshal([]byte(r.stdout), &sec)
	if len(sec.Received) != 1 || sec.Received[0].Type != "ransomware" || sec.Received[0].Report != "early-warning" || len(sec.ByType) != 1 || !sec.ByType[0].Withheld {
		t.Fatalf("the hub's sector: %s", r.stdout)
	}
	stixID := sec.Received[0].ID
	expect(t, ward(t, hubData, "incident", "advise", stixID, "--collection", col, "--name", "Restore from the offline copy",
		"--text", "Do not pay; restore the PACS from the offline copy and reset the vendor's credentials."), 0, "advice on "+stixID)
	expect(t, ward(t, hubData, "incident", "advise", "vulnerability--5d1c0c0e-8f41-4b7e-9a7e-2c1f0b9d4e11", "--collection", col, "--text", "x"), 2, "incident--")

	run("share", "pull", "--from", hub+"/taxii2/api/", "--collection", col, "--user", "st-example-sync")
	expect(t, ward(t, hospData, "incident", "show", id), 0, "advice from the CSIRT", "Restore from the offline copy: Do not pay")
	r = ward(t, hospData, "incident", "show", id, "--format", "json")
	var shown struct {
		Advice []struct{ Name, Type string }
		Shared []struct{ STIX string }
	}
	json.Unmarshal([]byte(r.stdout), &shown)
	if len(shown.Advice) != 1 || shown.Advice[0].Type != "course-of-action" || shown.Shared[0].STIX != stixID {
		t.Errorf("the incident as the hospital sees it: %s", r.stdout)
	}
	expect(t, ward(t, hospData, "audit", "list"), 0, "incident.send")
}
