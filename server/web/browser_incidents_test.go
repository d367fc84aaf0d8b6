package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// browseIncidents: an analyst opens an incident from the navigation's
// Incidents page, answers the NIS2 question of significance, and prints
// the notification; the printable report's inline style passes the
// Content Security Policy (a refusal would be a console error, which
// fails the test).
func browseIncidents(t *testing.T, b context.Context, dir string, e *webEnv) {
	ctx, _ := tab(t, b)
	do(t, ctx,
		signInBrowser(e, "analyst"),
		chromedp.Click(chromedp.CSS(`header nav a[href$="/incidents"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#open-incident`)),
		chromedp.SendKeys(chromedp.CSS(`#open-incident input[name=title]`), "Shadow copies deleted on the PACS"),
		chromedp.SetValue(chromedp.CSS(`#open-incident select[name=severity]`), "critical"),
		chromedp.SetValue(chromedp.CSS(`#open-incident select[name=type]`), "ransomware"),
		chromedp.SetValue(chromedp.CSS(`#open-incident select[name=asset]`), "pacs-01"),
		chromedp.Click(chromedp.CSS(`#open-incident button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#nis2-clock`)),
		shot(t, dir, "incident-opened"),
	)
	if due := read(t, ctx, chromedp.Text(chromedp.CSS(`#deadline-early-warning`))); !strings.Contains(due, "due in 23h") && !strings.Contains(due, "due in 1d") {
		t.Errorf("the early warning's deadline: %q", due)
	}
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#update-incident select[name=severe_disruption]`), "yes"),
		chromedp.SetValue(chromedp.CSS(`#update-incident select[name=down]`), "diagnostic-imaging"),
		chromedp.Click(chromedp.CSS(`#update-incident button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#saved`)),
		shot(t, dir, "incident-updated"),
	)
	if why := read(t, ctx, chromedp.Text(chromedp.CSS(`#nis2-clock p`))); !strings.Contains(why, "significant under NIS2") {
		t.Errorf("after answering: %q", why)
	}
	if impact := read(t, ctx, chromedp.Text(chromedp.CSS(`#clinical-impact`))); !strings.Contains(impact, "still down") {
		t.Errorf("clinical impact: %q", impact)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#deadline-notification a`)),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
		shot(t, dir, "incident-notification"),
	)
	if h := read(t, ctx, chromedp.Text(chromedp.CSS(`h1`))); h != "Incident notification" {
		t.Errorf("the printable report's heading: %q", h)
	}
	// The style sheet applied: the heading is not the browser's default size.
	if size := read(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('h1')).fontSize`)); size != "24px" {
		t.Errorf("the report's style was not applied (h1 %s)", size)
	}
}
