package incident_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/detect"
	"github.com/wardhealth/ward/incident"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func demoModel(t *testing.T) *ward.Model {
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestClock: the early warning 24 h and the notification 72 h after
// awareness, the final report a month after the notification was sent;
// what is due next and what is overdue; no clock for an incident judged
// not significant.
func TestClock(t *testing.T) {
	m := demoModel(t)
	i, err := incident.Open(m, incident.Opening{Title: "Ransomware on the PACS", Severity: "critical", AwareAt: t0, Assets: []string{"pacs-01"}}, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	c := i.Clock(t0.Add(2 * time.Hour))
	if !c.Applies || c.Next != ward.EarlyWarning || !c.NextDue.Equal(t0.Add(24*time.Hour)) || len(c.Overdue) != 0 {
		t.Fatalf("at 2 h: %+v", c)
	}
	c = i.Clock(t0.Add(30 * time.Hour))
	if len(c.Overdue) != 1 || c.Overdue[0] != ward.EarlyWarning || c.Deadlines[0].Left != "-6h" {
		t.Errorf("at 30 h: %+v", c)
	}
	if err := incident.MarkSent(&i, ward.SentReport{Kind: ward.EarlyWarning, By: "adele", To: "CSIRT"}, t0.Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := incident.MarkSent(&i, ward.SentReport{Kind: ward.Notification, By: "adele"}, t0.Add(70*time.Hour)); err != nil {
		t.Fatal(err)
	}
	c = i.Clock(t0.Add(80 * time.Hour))
	final := c.Deadlines[2]
	if c.Next != ward.FinalReport || final.Estimated || !final.Due.Equal(t0.Add(70*time.Hour).AddDate(0, 1, 0)) || len(c.Overdue) != 0 {
		t.Errorf("after the notification: %+v", c)
	}
	// The CSIRT asks for an intermediate report by day 5.
	if _, err := incident.Apply(&i, m, incident.Change{Request: &ward.ReportRequest{From: "CSIRT", Due: t0.Add(120 * time.Hour)}}, "alice", t0.Add(80*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if c := i.Clock(t0.Add(121 * time.Hour)); c.Next != ward.IntermediateReport || len(c.Overdue) != 1 || c.Overdue[0] != ward.IntermediateReport {
		t.Errorf("the intermediate report asked for: %+v", c)
	}
	incident.MarkSent(&i, ward.SentReport{Kind: ward.IntermediateReport, By: "adele"}, t0.Add(119*time.Hour))
	if c := i.Clock(t0.Add(121 * time.Hour)); c.Next != ward.FinalReport || len(c.Overdue) != 0 {
		t.Errorf("after the intermediate report: %+v", c)
	}
	if _, err := incident.Apply(&i, m, incident.Change{Request: &ward.ReportRequest{From: "CSIRT"}}, "alice", t0); err == nil {
		t.Error("a request with no due date")
	}
	no := false
	if _, err := incident.Apply(&i, m, incident.Change{SevereDisruption: &no, DamageToOthers: &no}, "alice", t0.Add(81*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if c := i.Clock(t0.Add(90 * 24 * time.Hour)); c.Applies || len(c.Overdue) != 0 || c.Next != "" {
		t.Errorf("not significant: %+v", c)
	}
}

// TestCheckedAgainstTheModel: assets and services must be the model's;
// every problem is named with its field.
func TestCheckedAgainstTheModel(t *testing.T) {
	m := demoModel(t)
	_, err := incident.Open(m, incident.Opening{Title: "x", Severity: "huge", Assets: []string{"pacs-1"}, Services: []string{"emergency-car"}}, "alice", t0)
	var ve *ward.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 3 {
		t.Fatalf("%v", err)
	}
	if !strings.Contains(err.Error(), "severity") || !strings.Contains(ve.Errors[2].Hint, `"emergency-care"`) {
		t.Errorf("%+v", ve.Errors)
	}
}

// TestClinicalImpactAndClose: an outage longer than the service's
// max_outage is exceeded; closing with lessons adds a decision and a
// control to the model and ends the outage.
func TestClinicalImpactAndClose(t *testing.T) {
	m := demoModel(t)
	i, err := incident.Open(m, incident.Opening{Title: "EHR down", Severity: "high", AwareAt: t0}, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := incident.Apply(&i, m, incident.Change{Outages: []ward.Outage{{Service: "emergency-care", From: t0}}}, "alice", t0); err != nil {
		t.Fatal(err)
	}
	imp := i.ClinicalImpact(m, t0.Add(20*time.Minute))
	if len(imp) != 1 || !imp[0].Exceeded || !imp[0].Ongoing || imp[0].Down.String() != "20m" || imp[0].MaxOutage.String() != "15m" {
		t.Fatalf("impact %+v", imp)
	}
	if _, err := incident.Apply(&i, m, incident.Change{Restored: []string{"emergency-care"}}, "alice", t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if imp := i.ClinicalImpact(m, t0.Add(time.Hour)); imp[0].Exceeded || imp[0].Ongoing {
		t.Errorf("restored after 10 minutes: %+v", imp)
	}
	next, changes, err := incident.Close(&i, m, incident.Closing{RootCause: "an unpatched vendor VPN", Lessons: []ward.Lesson{
		{Text: "Offline backups of the EHR", Control: "offline-backup", Asset: "ehr-db"},
		{Text: "MFA everywhere", Control: "mfa"},
		{Text: "The old VPN stays until March", Decision: &ward.Decision{Threat: "ransomware", Asset: "vpn-vendor", Status: "accepted", Until: "2027-03-01"}},
	}}, "alice", t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 3 || i.Status != ward.IncidentClosed || next == m {
		t.Fatalf("%v %+v", changes, i.Status)
	}
	if m.Organisation.Controls != nil && len(m.Organisation.Controls) == len(next.Organisation.Controls) {
		t.Errorf("the model itself was changed, or no control was added")
	}
	if _, err := incident.Apply(&i, m, incident.Change{Note: "late"}, "alice", t0.Add(3*time.Hour)); !errors.Is(err, incident.ErrClosed) {
		t.Errorf("a change after closing: %v", err)
	}
	if _, _, err := incident.ApplyLessons(m, []ward.Lesson{{Text: "x", Control: "mfa", Asset: "nope"}}, "alice", t0); err == nil {
		t.Error("a lesson on an unknown asset was applied")
	}
}

// TestFromDetections: a critical detection opens an incident, a later
// high one on the same asset joins it, a medium one elsewhere is left.
func TestFromDetections(t *testing.T) {
	m := demoModel(t)
	dets := []detect.Detection{
		{Rule: "ward-success-after-bruteforce", Title: "Successful logon after a brute force", Level: "critical", Techniques: []string{"T1110", "T1078"},
			Asset: "vpn-vendor", Group: []string{"src_ip=203.0.113.7"}, Count: 1, FirstSeen: t0, LastSeen: t0,
			Samples: []detect.Sample{{File: "auth.log", Line: 38, Text: "Accepted password for root from 203.0.113.7"}}},
		{Rule: "ward-bruteforce-source", Title: "Brute force from one source", Level: "high", Techniques: []string{"T1110"}, Asset: "vpn-vendor", Count: 14, FirstSeen: t0, LastSeen: t0},
		{Rule: "ward-portscan", Title: "Port scan", Level: "medium", Asset: "erx-gw", Count: 40, FirstSeen: t0, LastSeen: t0},
		{Rule: "ward-portscan", Title: "Port scan", Level: "high", Count: 40, FirstSeen: t0, LastSeen: t0},
	}
	out := incident.FromDetections(m, nil, dets, "ward detect", t0)
	if len(out.Opened) != 1 || len(out.Joined) != 0 || out.Left != 2 {
		t.Fatalf("%+v", out)
	}
	inc := out.Opened[0]
	if inc.Severity != "critical" || inc.Type != "unauthorized-access-system" || len(inc.Evidence) != 2 || inc.Evidence[0].Line != 38 {
		t.Errorf("opened %+v", inc)
	}
	inc.Version = 1
	if same := incident.FromDetections(m, []ward.Incident{inc}, dets[:2], "ward detect", t0.Add(time.Hour)); len(same.Joined)+len(same.Opened) != 0 {
		t.Errorf("the same log read again changed the register: %+v", same)
	}
	later := dets[1]
	later.LastSeen = t0.Add(time.Hour)
	again := incident.FromDetections(m, []ward.Incident{inc}, []detect.Detection{later}, "ward detect", t0.Add(time.Hour))
	if len(again.Opened) != 0 || len(again.Joined) != 1 || again.Joined[0].Version != 1 || len(again.Joined[0].Incident.Evidence) != 3 {
		t.Errorf("joined %+v", again)
	}
}

// TestReports: each report says what its paragraph asks; the HTML is one
// file whose inline style is the one the CSP hash allows.
func TestReports(t *testing.T) {
	m := demoModel(t)
	yes := true
	i, _ := incident.Open(m, incident.Opening{Title: "Ransomware", Severity: "critical", AwareAt: t0, Assets: []string{"pacs-01", "ehr-db"}}, "alice", t0)
	incident.Apply(&i, m, incident.Change{SevereDisruption: &yes, SuspectedMalicious: &yes, Outages: []ward.Outage{{Service: "diagnostic-imaging", From: t0}},
		Evidence: []ward.Evidence{{Kind: "file", Text: "ransom note", SHA256: strings.Repeat("ab", 32)}}, Actions: []string{"PACS isolated"}}, "alice", t0)
	for _, kind := range ward.ReportKinds {
		r, err := incident.Build(kind, &i, m, t0.Add(30*time.Hour), incident.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(r)
		s := string(b)
		if strings.Contains(s, "pacs-01") {
			t.Errorf("%s names an asset: %s", kind, s)
		}
		if (kind == ward.EarlyWarning) != (r.Assessment == nil) || (kind == ward.FinalReport) != (r.Final != nil) {
			t.Errorf("%s: sections %s", kind, s)
		}
		if kind == ward.EarlyWarning && (!r.Overdue || r.Significance.Significant != "yes" || r.SuspectedMalicious != "yes" || r.CrossBorder != "not yet known") {
			t.Errorf("early warning %s", s)
		}
		if kind == ward.Notification && (r.Assessment.Assets != 2 || r.Assessment.AssetKinds["pacs"] != 1 || len(r.Indicators) != 1) {
			t.Errorf("notification %s", s)
		}
		var h bytes.Buffer
		if err := incident.WriteHTML(&h, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h.String(), "Art. 23(3)") || !strings.Contains(h.String(), r.Title) {
			t.Errorf("%s HTML: %.300s", kind, h.String())
		}
		style := regexp.MustCompile(`(?s)<style>(.*)</style>`).FindStringSubmatch(h.String())
		if style == nil {
			t.Fatalf("no style")
		}
		sum := sha256.Sum256([]byte(style[1]))
		if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; incident.StyleHash() != want {
			t.Errorf("the style's hash is %s, StyleHash %s", want, incident.StyleHash())
		}
	}
	if _, err := incident.Build("weekly", &i, m, t0, incident.Options{}); err == nil {
		t.Error("an unknown report was built")
	}
}
