package report_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/report"
)

// The report with the expected loss: the figures, one point of the curve
// per exceedance probability, falling left to right, and the top
// scenarios in money.
func TestReportWithLoss(t *testing.T) {
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	_, res := render(t, m)
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	q, err := quantify.Quantify(m, cat, res, quantify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.HTMLWithLoss(&buf, res, m, "test", q); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{`<section id="expected-loss">`, quantify.Money(q.Mean), quantify.Money(q.P99), q.Scenarios[0].ThreatName,
		fmt.Sprintf("seed %d", q.Seed), "cost per record", "patients diverted " + quantify.Money(q.Parts.Diversion), "reputation " + quantify.Money(q.Parts.Reputation)} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	pts := regexp.MustCompile(`<polyline class="lec" points="([^"]*)"`).FindStringSubmatch(page)
	if pts == nil {
		t.Fatal("no loss exceedance curve")
	}
	var prevX, prevY float64 = -1, -1
	n := 0
	for _, p := range strings.Fields(pts[1]) {
		var x, y float64
		if _, err := fmt.Sscanf(p, "%f,%f", &x, &y); err != nil {
			t.Fatal(err)
		}
		if x <= prevX || y <= prevY {
			t.Errorf("curve does not fall at %s (after %.1f,%.1f)", p, prevX, prevY)
		}
		prevX, prevY = x, y
		n++
	}
	if n != len(q.Curve)-1 {
		t.Errorf("%d points drawn, %d in the curve", n, len(q.Curve)-1)
	}
	// With the plan in money: its steps, and the curve before and after.
	if q.Plan, err = quantify.MakePlan(m, cat, assess.Options{Today: "2026-11-23"}, quantify.Options{Trials: 1000}, 2); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := report.HTMLWithLoss(&buf, res, m, "test", q); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Plan in money", q.Plan.Steps[0].Title, "after the plan", quantify.Money(q.Plan.CurveAfter[1].Loss)} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	var plain bytes.Buffer
	if err := report.HTML(&plain, res, m, "test"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "expected-loss") {
		t.Error("the report without --quantify shows a loss")
	}
}
