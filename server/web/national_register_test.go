package web

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server/internal/core"
)

// TestNationalRegisterAPI: three hospitals sharing their full model at a
// minimum group of three: the register assesses the hub's national
// services and counts the three hospitals' risks and baselines; each
// hospital's audit log has the read. At the default minimum group (5)
// the same three are withheld.
func TestNationalRegisterAPI(t *testing.T) {
	t.Parallel()
	e := newSectorWebEnvWith(t, ward.ShareFull, func(c *core.Config) { c.RegisterMinGroup = 3 }, "alpha", "beta", "gamma")
	var reg struct {
		MinGroup int `json:"min_group"`
		National []struct {
			Org      string   `json:"org"`
			Services []string `json:"national_services"`
			Risks    []struct {
				Assets  []string          `json:"assets"`
				Factors []json.RawMessage `json:"factors"`
			} `json:"risks"`
		} `json:"national"`
		Sector []struct {
			Kind      string          `json:"kind"`
			Hospitals int             `json:"hospitals"`
			Counts    map[string]*int `json:"counts"`
		} `json:"sector_risks"`
		Baselines []struct {
			Baseline  string `json:"baseline"`
			Hospitals int    `json:"hospitals"`
		} `json:"baselines"`
		Assessed int `json:"hospitals_assessed"`
	}
	body := e.get(t, "hub", "/api/v1/national/register")
	if err := json.Unmarshal([]byte(body), &reg); err != nil {
		t.Fatal(err)
	}
	if reg.MinGroup != 3 || reg.Assessed != 3 || len(reg.National) != 1 || reg.National[0].Org != "nha" || !slices.Equal(reg.National[0].Services, []string{"erx", "eid"}) {
		t.Fatalf("register: %s", body)
	}
	// Every line of the hub's register is explained.
	onErx := false
	for _, x := range reg.National[0].Risks {
		onErx = onErx || slices.Contains(x.Assets, "erx-app")
		if len(x.Factors) == 0 {
			t.Errorf("a line without factors: %+v", x)
		}
	}
	if !onErx {
		t.Error("no risk to the ePrescription platform")
	}
	// Every hospital has a spacecom pump: the pumps' rows count three.
	pump := false
	for _, x := range reg.Sector {
		if x.Hospitals != 3 {
			t.Errorf("a row of %d hospitals", x.Hospitals)
		}
		pump = pump || x.Kind == "infusion-pump"
	}
	if !pump || len(reg.Baselines) == 0 {
		t.Errorf("no pump row, or %d measures", len(reg.Baselines))
	}
	entries, _ := e.store.Audit(context.Background(), "beta", 0, 0)
	if !slices.ContainsFunc(entries, func(a ward.AuditEntry) bool { return a.Action == "national.read" && a.Detail == "register" }) {
		t.Errorf("beta's audit log has no read for the register: %+v", entries)
	}
	page := e.get(t, "hub", "/national/register")
	for _, want := range []string{`id="national-risks-nha"`, `id="sector-risks"`, `id="sector-baselines"`, "National services of National Health Agency", "from the 3 hospitals sharing their full model"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	d := newSectorWebEnvWith(t, ward.ShareFull, nil, "alpha", "beta", "gamma")
	if err := json.Unmarshal([]byte(d.get(t, "hub", "/api/v1/national/register")), &reg); err != nil || reg.MinGroup != 5 || len(reg.Sector) != 0 || len(reg.Baselines) != 0 || reg.Assessed != 3 {
		t.Errorf("at five: min group %d, %d rows, %d measures (%v)", reg.MinGroup, len(reg.Sector), len(reg.Baselines), err)
	}
}

// TestNationalExposureHistory: the hub counts who runs the advisory's
// pump each day it looks: three hospitals on the first day, two (fewer
// than the minimum group: withheld) once beta takes its pump out, none
// once alpha and gamma do; the API and the page's chart show the fall.
func TestNationalExposureHistory(t *testing.T) {
	t.Parallel()
	var day atomic.Int64
	day.Store(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Unix())
	e := newSectorWebEnvWith(t, ward.ShareServices, func(c *core.Config) { c.Now = func() time.Time { return time.Unix(day.Load(), 0) } }, "alpha", "beta", "gamma")
	type point struct {
		Day       string `json:"day"`
		Hospitals *int   `json:"hospitals"`
	}
	var res struct {
		Items []struct {
			Advisory  string  `json:"advisory"`
			Hospitals int     `json:"hospitals"`
			Below     bool    `json:"below_min_group"`
			History   []point `json:"history"`
		} `json:"items"`
	}
	look := func() string {
		t.Helper()
		res.Items = nil
		if err := json.Unmarshal([]byte(e.get(t, "hub", "/api/v1/national/exposure")), &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 || res.Items[0].Advisory != "ICSMA-20-296-02" {
			t.Fatalf("items: %+v", res.Items)
		}
		var out []string
		for _, p := range res.Items[0].History {
			v := "withheld"
			if p.Hospitals != nil {
				v = strconv.Itoa(*p.Hospitals)
			}
			out = append(out, p.Day+" "+v)
		}
		return strings.Join(out, ", ")
	}
	unplug := func(orgs ...string) {
		t.Helper()
		for _, org := range orgs {
			m, err := e.store.Model(context.Background(), org)
			if err != nil {
				t.Fatal(err)
			}
			m.Assets = slices.DeleteFunc(m.Assets, func(a ward.Asset) bool { return a.ID == "spacecom-1" })
			if err := e.store.PutModels(context.Background(), []*ward.Model{m}); err != nil {
				t.Fatal(err)
			}
		}
		day.Add(24 * 3600)
	}
	if h := look(); h != "2026-03-01 3" || res.Items[0].Hospitals != 3 {
		t.Errorf("day 1: %s", h)
	}
	// Looking again the same day changes nothing.
	if h := look(); h != "2026-03-01 3" {
		t.Errorf("day 1 again: %s", h)
	}
	unplug("beta")
	if h := look(); h != "2026-03-01 3, 2026-03-02 withheld" || !res.Items[0].Below || res.Items[0].Hospitals != 0 {
		t.Errorf("day 2: %s %+v", h, res.Items[0])
	}
	unplug("alpha", "gamma")
	if h := look(); h != "2026-03-01 3, 2026-03-02 withheld, 2026-03-03 0" || res.Items[0].Below {
		t.Errorf("day 3: %s %+v", h, res.Items[0])
	}
	page := e.get(t, "hub", "/national/concentration")
	if want := `aria-label="hospitals exposed from 2026-03-01 to 2026-03-03: 2026-03-01 3 2026-03-03 0; 1 days withheld"`; !strings.Contains(page, want) {
		t.Errorf("the page's chart lacks %s", want)
	}
}

// TestBrowserNationalRegister: the hub opens the national risk register
// from the what-if page in a real browser and reads the sector's rows.
func TestBrowserNationalRegister(t *testing.T) {
	t.Parallel()
	b, dir := browser(t)
	e := newSectorWebEnvWith(t, ward.ShareFull, func(c *core.Config) { c.RegisterMinGroup = 3 }, "alpha", "beta", "gamma")
	ctx, _ := tab(t, b)
	do(t, ctx,
		hubToNational(e),
		chromedp.WaitVisible(chromedp.CSS(`#national a[href="/national/register"]`)),
		chromedp.Click(chromedp.CSS(`#national a[href="/national/register"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sector-risks`)),
		shot(t, dir, "national-register"),
	)
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#national-risks-nha tr').length`)); n < 2 {
		t.Errorf("%d rows in the hub's register", n)
	}
	rows := read(t, ctx, chromedp.Text(chromedp.CSS(`#sector-risks`)))
	if !strings.Contains(rows, "infusion-pump") {
		t.Errorf("no pump row: %q", rows)
	}
	if x := read(t, ctx, chromedp.Text(chromedp.CSS(`#sector-baselines`))); !strings.Contains(x, "NIS2") {
		t.Errorf("no NIS2 measure: %q", x)
	}
}

// hubToNational signs in as the hub and opens the national what-if page.
func hubToNational(e *webEnv) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "hub"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), webPassword),
		chromedp.Click(chromedp.CSS(`.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`header a[href="/national"]`)),
		chromedp.Click(chromedp.CSS(`header a[href="/national"]`)),
	)
}

// TestNationalResultsKept: a what-if asked again is served from what was
// computed, each time audited as a read of every share; a hospital that
// changes its model changes the answer.
func TestNationalResultsKept(t *testing.T) {
	t.Parallel()
	e := newSectorWebEnv(t, "alpha", "beta", "gamma")
	ctx := context.Background()
	affected := func() int {
		t.Helper()
		var w struct {
			Affected int `json:"hospitals_affected"`
		}
		if err := json.Unmarshal([]byte(e.get(t, "hub", "/api/v1/national/whatif?fail=cloud:microsoft&for=2h")), &w); err != nil {
			t.Fatal(err)
		}
		return w.Affected
	}
	reads := func() int {
		entries, _ := e.store.Audit(ctx, "beta", 0, 0)
		n := 0
		for _, a := range entries {
			if a.Action == "national.read" {
				n++
			}
		}
		return n
	}
	if n := affected(); n != 3 {
		t.Fatalf("%d affected", n)
	}
	// The same reading within the hour is one entry (national.ReadAuditWindow);
	// another purpose is another.
	if n := affected(); n != 3 || reads() != 1 {
		t.Errorf("asked again: %d affected, %d reads of beta audited, want 1", n, reads())
	}
	e.get(t, "hub", "/api/v1/national/concentration")
	if reads() != 2 {
		t.Errorf("the concentration after the what-if: %d reads of beta audited, want 2", reads())
	}
	// gamma moves its telemedicine off Microsoft's cloud.
	m, err := e.store.Model(ctx, "gamma")
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Assets {
		if m.Assets[i].Vendor == "Microsoft" {
			m.Assets[i].Vendor = "OVHcloud"
		}
	}
	if err := e.store.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	if n := affected(); n != 2 {
		t.Errorf("after gamma's change: %d affected, want alpha and beta", n)
	}
}
