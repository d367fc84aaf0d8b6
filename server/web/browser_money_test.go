package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The plan in money in a real browser: the page first shows how far the
// background plan has come, its script (static/plan.js, under the CSP:
// no inline script) asks the status again and loads the page when the
// plan is done, and the plan is then shown, without a browser error.
func TestBrowserMoneyPlan(t *testing.T) {
	t.Parallel()
	b, dir := browser(t)
	e := newWebEnv(t)
	ctx, _ := tab(t, b)
	do(t, ctx,
		signInBrowser(e, "viewer"),
		chromedp.Navigate(e.ts.URL+"/orgs/"+webOrg+"/plan?by=money&budget=2&trials=1000"),
		chromedp.WaitVisible(chromedp.CSS(`#plan-progress`)),
		shot(t, dir, "plan-money-progress"),
	)
	if text := read(t, ctx, chromedp.Text(chromedp.CSS(`#plan-progress`))); !strings.Contains(text, "candidate changes") {
		t.Errorf("the progress says %q", text)
	}
	// The script updates the counts in place before the plan is done (or
	// the page is already the plan).
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById("plan-progress") || Number(document.querySelector("#plan-progress .job-measured").textContent) > 0`,
		chromedp.WithPollingTimeout(2*time.Minute))); err != nil && !strings.Contains(err.Error(), "navigated") {
		// Navigated: the plan came while the counts were read.
		t.Errorf("the progress never moved: %v", err)
	}
	// The page is loaded again when the plan is done: no person reloads it.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#plan-steps`)), shot(t, dir, "plan-money"))
	steps := read(t, ctx, chromedp.Text(chromedp.CSS(`#plan-steps`)))
	if !strings.Contains(steps, "Avoided a year") || read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#plan-steps table.list")[0].rows.length`)) != 3 {
		t.Errorf("the plan in money: %q", steps)
	}
}
