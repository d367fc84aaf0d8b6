package quantify

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
)

// A control never raises the expected loss: every candidate change,
// measured with the same seed, leaves the loss where it was or lowers it.
// A change can also move the most likely attack path to an asset to
// another entry point, and with it the asset's scenarios to another shared
// cause, or split a line of the register in two: those are drawn from
// other incidents, and the loss moves by the noise of the simulation
// alone, and may rise by that, here at most 0.5 %. Otherwise every
// simulated year loses as much or less.
func TestControlsNeverRaiseLoss(t *testing.T) {
	m, cat, res := load(t, "")
	opt := Options{Trials: 2000}
	base := run(t, m, cat, res, opt)
	causes := func(q *Result) map[string]string {
		out := map[string]string{}
		for _, s := range q.Scenarios {
			out[s.Threat+" "+strings.Join(s.Assets, " ")] = s.Cause
		}
		return out
	}
	before := causes(base)
	lowered, moved := 0, 0
	cands := assess.Candidates(m, res, assess.Options{Today: today})
	for _, c := range cands {
		mm := c.Applied(m)
		q := run(t, mm, cat, assessed(t, mm, cat), opt)
		// The same scenarios (a line of the register may split or merge
		// as its assets' factors change) in the same causes.
		same := true
		for k, cause := range causes(q) {
			if was, ok := before[k]; !ok || was != cause {
				same = false
			}
		}
		if same {
			// Every simulated year loses as much or less: so does every
			// point of the curve.
			for i := 1; i < len(q.Curve) && i < len(base.Curve); i++ {
				if q.Curve[i].P == base.Curve[i].P && q.Curve[i].Loss > base.Curve[i].Loss {
					t.Errorf("%s: loss exceeded with probability %g: %.0f -> %.0f", c.ID, q.Curve[i].P, base.Curve[i].Loss, q.Curve[i].Loss)
				}
			}
		}
		switch {
		case same && q.Mean > base.Mean:
			t.Errorf("%s: expected loss %.0f -> %.0f", c.ID, base.Mean, q.Mean)
		case !same && q.Mean > base.Mean*1.01:
			t.Errorf("%s moves scenarios to other causes: expected loss %.0f -> %.0f, more than the noise", c.ID, base.Mean, q.Mean)
		case !same:
			moved++
		}
		if q.Mean < base.Mean {
			lowered++
		}
	}
	if lowered == 0 {
		t.Error("no change lowers the expected loss")
	}
	t.Logf("of %d changes, %d lower the loss; %d move or split scenarios", len(cands), lowered, moved)
}

// The plan in money: steps ranked by loss avoided per euro, each measured,
// the loss falling step by step to the plan's end.
func TestPlanByMoney(t *testing.T) {
	m, cat, _ := load(t, "")
	opt := Options{Trials: 2000}
	p, err := MakePlan(m, cat, assess.Options{Today: today}, opt, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 5 || p.Candidates < 5 {
		t.Fatalf("%d steps of %d candidates", len(p.Steps), p.Candidates)
	}
	loss := p.Before
	ids := []string{}
	for _, s := range p.Steps {
		if s.Avoided <= 0 || !near(s.After, loss-s.Avoided, 1e-9) || s.Cost <= 0 || !near(s.PerEuro, s.Avoided/s.Cost, 1e-9) {
			t.Errorf("step %d %s: avoided %.0f, after %.0f from %.0f, cost %.0f, per euro %.3f", s.Rank, s.ID, s.Avoided, s.After, loss, s.Cost, s.PerEuro)
		}
		if slices.Contains(ids, s.ID) {
			t.Errorf("%s chosen twice", s.ID)
		}
		ids = append(ids, s.ID)
		loss = s.After
	}
	if p.After != loss || !(p.After < p.Before) || p.CurveAfter[1].Loss > p.CurveBefore[1].Loss {
		t.Errorf("plan: %.0f -> %.0f, curve %v -> %v", p.Before, p.After, p.CurveBefore, p.CurveAfter)
	}
	// Applying the plan gives the loss it promises.
	mm := p.Apply(m)
	q := run(t, mm, cat, assessed(t, mm, cat), opt)
	if q.Mean != p.After {
		t.Errorf("applied plan: %.0f, promised %.0f", q.Mean, p.After)
	}
	for _, s := range p.Steps {
		t.Logf("%d %-40s avoided %10.0f cost %8.0f per euro %8.2f", s.Rank, s.ID, s.Avoided, s.Cost, s.PerEuro)
	}
}

// A change that costs nothing comes first, and the plan still writes as
// JSON.
func TestFreeChange(t *testing.T) {
	m, cat, _ := load(t, "")
	m.Costs.Changes = []ward.ChangeCost{{Action: "encrypt-links"}}
	p, err := MakePlan(m, cat, assess.Options{Today: today}, Options{Trials: 1000}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) == 0 || p.Steps[0].Action != "encrypt-links" || p.Steps[0].Cost != 0 || p.Steps[0].PerEuro != 0 {
		t.Fatalf("steps %+v", p.Steps)
	}
	if _, err := json.Marshal(p); err != nil {
		t.Error(err)
	}
}

// The plan keeps the outcome of every cause it has simulated and draws
// again only the causes a change touches: what it measures is exactly
// what a whole simulation of the changed model gives, mean and curve, and
// most candidates draw little.
func TestKeptCausesAreExact(t *testing.T) {
	m, cat, res := load(t, "")
	opt := Options{Trials: 1000, Seed: 5, Workers: 2}
	k := newKept(opt)
	base, err := k.quantify(m, cat, res, true)
	if err != nil {
		t.Fatal(err)
	}
	if whole := run(t, m, cat, res, opt); base.Mean != whole.Mean || !slices.Equal(base.Curve, whole.Curve) {
		t.Fatalf("kept %.2f %v, whole %.2f %v", base.Mean, base.Curve, whole.Mean, whole.Curve)
	}
	causes := len(k.outs)
	cands := assess.Candidates(m, res, assess.Options{Today: today})
	drawn, measured := 0, 0
	// Every third candidate: a third of the kinds of change and of the
	// places, and the test stays short under the race detector.
	for i, c := range cands {
		if i%3 != 0 {
			continue
		}
		mm := c.Applied(m)
		r := assessed(t, mm, cat)
		before := len(k.outs)
		got, err := k.quantify(mm, cat, r, i%2 == 0)
		measured++
		if err != nil {
			t.Fatal(err)
		}
		drawn += len(k.outs) - before
		whole := run(t, mm, cat, r, opt)
		if got.Mean != whole.Mean || got.Parts != whole.Parts || (i%2 == 0 && !slices.Equal(got.Curve, whole.Curve)) {
			t.Errorf("%s: kept %.4f %v, whole %.4f %v", c.ID, got.Mean, got.Curve, whole.Mean, whole.Curve)
		}
	}
	if drawn >= measured*causes/4 {
		t.Errorf("%d candidates drew %d causes again, of %d each", measured, drawn, causes)
	}
	t.Logf("%d causes; %d candidates drew %d causes again (%.1f each)", causes, measured, drawn, float64(drawn)/float64(measured))
}

// A plan tells how far it has come, and stops when it is called off.
func TestPlanProgressAndCancel(t *testing.T) {
	m, cat, _ := load(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen []Progress
	// One worker: the measurements come one at a time.
	_, err := MakePlanContext(ctx, m, cat, assess.Options{Today: today}, Options{Trials: 1000, Workers: 1}, 3, func(p Progress) {
		seen = append(seen, p)
		if p.Measured == 5 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("called off after 5 measurements: %v", err)
	}
	if last := seen[len(seen)-1]; len(seen) != 6 || last.Measured != 5 || last.Candidates < 5 || last.Budget != 3 || last.Steps != 0 {
		t.Errorf("progress %+v", seen)
	}
	seen = nil
	p, err := MakePlanContext(context.Background(), m, cat, assess.Options{Today: today}, Options{Trials: 1000}, 2, func(p Progress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if last := seen[len(seen)-1]; last.Steps != len(p.Steps) || last.Measured < p.Candidates {
		t.Errorf("last progress %+v of a plan of %d steps, %d candidates", last, len(p.Steps), p.Candidates)
	}
}

// Every default cost of a change is in docs/risk-method.md's table, and
// the figures built from public prices and hours of work are what their
// basis says: hours x the labour cost, dollars at the 2024 rate.
func TestChangeCostsDocumented(t *testing.T) {
	doc := mustRead(t, "../docs/risk-method.md")
	hours := func(h float64) float64 { return math.Round(h * LabourHour) }
	usd := func(perMonth, users float64) float64 { return perMonth * 12 * users / USDPerEUR }
	derived := map[string][2]float64{
		"add-mfa":              {hours(1), math.Round(usd(6, 1))},
		"add-edr":              {hours(0.5), math.Round(usd((5.20+7.99)/2, 1))},
		"secure-remote-access": {hours(40), math.Round(usd(7, 10))},
		"encrypt-links":        {hours(12), hours(2)},
		"authenticate-links":   {hours(12), hours(2)},
		"encrypt-storage":      {hours(2), hours(0.5)},
		"remove-exposure":      {hours(8), 0},
		"filter-links":         {hours(80), hours(16)},
		"close-rule":           {hours(4), 0},
		"patch":                {hours(4), 0},
		"tier-admin":           {hours(160), math.Round(usd(9, 10) + 16*LabourHour)},
	}
	for action, c := range changeCosts {
		if d, ok := derived[action]; ok && d != c {
			t.Errorf("%s: %v, its basis gives %v", action, c, d)
		}
		re := regexp.MustCompile("\\| `" + action + "`[^|]*\\| ([0-9,]+) \\| ([0-9,]+) \\|")
		m := re.FindStringSubmatch(doc)
		if m == nil {
			re = regexp.MustCompile("`[a-z-]+`, `" + action + "`[^|]*\\| ([0-9,]+) \\| ([0-9,]+) \\|")
			m = re.FindStringSubmatch(doc)
		}
		if m == nil || m[1] != Money(c[0]) || m[2] != Money(c[1]) {
			t.Errorf("%s: %s once, %s a year; the table says %v", action, Money(c[0]), Money(c[1]), m)
		}
	}
}
