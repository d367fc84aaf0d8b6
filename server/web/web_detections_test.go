package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// The detections kept in the store, as a hospital's analyst sees them: a
// brute force on the vendor VPN with its lines on the dashboard's page,
// in the HTML report, the same through the API, filtered by asset and
// time, bad filters refused.
func TestWebDetections(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	at := time.Date(2026, 12, 1, 9, 14, 0, 0, time.UTC)
	d := ward.Detection{Rule: "ward-bruteforce-source", Title: "Brute force from one source", Level: "high", Techniques: []string{"T1110", "T1110.001"},
		Asset: "vpn-vendor", Group: []string{"src_ip=203.0.113.7"}, Source: "203.0.113.7", Count: 14, FirstSeen: at, LastSeen: at.Add(130 * time.Second),
		Why: "10 or more hits of ssh_failed_logon within 10m", Origin: "syslog",
		Evidence: []ward.LogLine{{File: "syslog-udp 10.10.9.2", Line: 8, Text: "Dec  1 09:14:00 vpn-gw01 sshd[20400]: Failed password for root from 203.0.113.7 port 51200 ssh2"}}}
	d.ID = ward.DetectionID(d.Rule, d.Asset, "", d.Group, d.FirstSeen)
	if _, err := e.store.PutDetections(context.Background(), webOrg, []ward.Detection{d}); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(t, "admin", webPassword)
	status, body := c.get("/orgs/" + webOrg + "/detections")
	for _, want := range []string{"Brute force from one source", "src_ip=203.0.113.7", "<td>14</td>", "2026-12-01 09:16:10", "T1110, T1110.001",
		"syslog-udp 10.10.9.2:8  Dec  1 09:14:00 vpn-gw01 sshd[20400]: Failed password for root", `href="/orgs/` + webOrg + `/detections" class="here"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page (%d) lacks %q", status, want)
		}
	}
	// the report is a download of its own, not a dashboard page
	res, err := c.c.Get(c.base + "/orgs/" + webOrg + "/reports/html")
	if err != nil {
		t.Fatal(err)
	}
	report, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if body := string(report); !strings.Contains(body, `<section id="detections">`) || !strings.Contains(body, "<td>Brute force from one source</td><td>vpn-vendor</td>\n<td>src_ip=203.0.113.7</td><td>14</td>") {
		t.Error("the HTML report does not list the detection")
	}
	if _, body := c.get("/orgs/" + webOrg + "/detections?asset=pump-01"); !strings.Contains(body, "No detection kept") {
		t.Error("filtered by another asset, the detection is still listed")
	}
	for q, n := range map[string]int{"": 1, "?asset=vpn-vendor": 1, "?since=2026-12-01T10:00:00Z": 0} {
		status, body := c.get("/api/v1/orgs/" + webOrg + "/detections" + q)
		var out struct{ Detections []ward.Detection }
		if err := json.Unmarshal([]byte(body), &out); err != nil || status != http.StatusOK || len(out.Detections) != n {
			t.Errorf("API %s: %d %v %d detections", q, status, err, len(out.Detections))
		}
	}
	for _, q := range []string{"?since=yesterday", "?limit=0"} {
		if status, _ := c.get("/api/v1/orgs/" + webOrg + "/detections" + q); status != http.StatusBadRequest {
			t.Errorf("API %s: %d", q, status)
		}
	}
}

// A kept detection is an observation of the assessment the dashboard
// shows: the brute force raises the likelihood of brute force on the
// vendor VPN, and says so; the overview counts it, the asset's page lists
// it.
func TestDetectionsRaiseTheDashboardsRisks(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	ctx := context.Background()
	before, err := e.srv.Assessed(ctx, webOrg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	d := ward.Detection{Rule: "ward-bruteforce-source", Title: "Brute force from one source", Level: "high", Techniques: []string{"T1110", "T1110.001"},
		Asset: "vpn-vendor", Group: []string{"src_ip=203.0.113.7"}, Count: 14, FirstSeen: now.Add(-time.Hour), LastSeen: now.Add(-time.Hour + 130*time.Second)}
	d.ID = ward.DetectionID(d.Rule, d.Asset, "", d.Group, d.FirstSeen)
	if _, err := e.store.PutDetections(ctx, webOrg, []ward.Detection{d}); err != nil {
		t.Fatal(err)
	}
	after, err := e.srv.Assessed(ctx, webOrg)
	if err != nil {
		t.Fatal(err)
	}
	was := map[string]int{}
	for _, r := range before.Result.Risks {
		was[r.Threat+"/"+strings.Join(r.Assets, ",")] = r.Score
	}
	raised := 0
	for _, r := range after.Result.Risks {
		for _, f := range r.Factors {
			if strings.HasPrefix(f.Reason, "observed: 14 events of Brute force from one source from 1 source in 2m10s on vpn-vendor") {
				raised++
				if r.Score < was[r.Threat+"/"+strings.Join(r.Assets, ",")] {
					t.Errorf("%s: score %d, was %d", r.Threat, r.Score, was[r.Threat+"/"+strings.Join(r.Assets, ",")])
				}
			}
		}
	}
	if raised == 0 {
		t.Error("no risk of the dashboard's assessment counts the kept detection")
	}
	// The overview counts it; the asset's page lists it.
	c := e.signIn(t, "admin", webPassword)
	if _, body := c.get("/orgs/" + webOrg + "/"); !strings.Contains(body, `<b>1</b>detections in the last 30 days`) {
		t.Error("the overview does not count the detection")
	}
	if _, body := c.get("/orgs/" + webOrg + "/assets/vpn-vendor"); !strings.Contains(body, `<a href="/orgs/`+webOrg+`/detections#`+d.ID+`">Brute force from one source</a>`) || !strings.Contains(body, "src_ip=203.0.113.7") {
		t.Error("the asset's page does not list the detection")
	}
	if _, body := c.get("/orgs/" + webOrg + "/assets/pump-01"); !strings.Contains(body, "No detection kept on this asset.") {
		t.Error("another asset's page lists the detection")
	}
}
