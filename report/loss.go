package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/quantify"
)

// MaxLossRows is the most scenarios listed in money.
const MaxLossRows = 10

// lossView is the expected-loss section: the figures, the curve drawn,
// the top scenarios in money.
type lossView struct {
	Q     *quantify.Result
	Top   []quantify.Scenario
	Curve Curve
	// Compare pairs the curve before and after the plan, when there is one.
	Compare []comparePoint
}

// comparePoint is a year's loss exceeded with probability P, before and
// after the plan; After is absent when fewer years than that lose anything.
type comparePoint struct {
	P             float64
	Before, After float64
	HasAfter      bool
}

func compare(p *quantify.Plan) []comparePoint {
	after := map[float64]float64{}
	for _, pt := range p.CurveAfter {
		after[pt.P] = pt.Loss
	}
	var out []comparePoint
	for _, pt := range p.CurveBefore[1:] {
		a, ok := after[pt.P]
		out = append(out, comparePoint{P: pt.P, Before: pt.Loss, After: a, HasAfter: ok})
	}
	return out
}

// Curve is a loss exceedance curve laid out in SVG coordinates, both axes
// logarithmic, for the report and the dashboard.
type Curve struct {
	W, H   int
	Points string // polyline points
	Dots   []CurveMark
	XTicks []CurveMark
	YTicks []CurveMark
}

// CurveMark is a point of the curve or a tick of an axis, with its label.
type CurveMark struct {
	X, Y  float64
	Label string
}

// HTMLWithLoss writes the report with the assessment's expected loss in a
// section of its own, after the top risks.
func HTMLWithLoss(w io.Writer, res *assess.Result, m *ward.Model, version string, q *quantify.Result) error {
	lv := &lossView{Q: q, Top: q.Scenarios[:min(len(q.Scenarios), MaxLossRows)], Curve: LossCurve(q)}
	if q.Plan != nil {
		lv.Compare = compare(q.Plan)
	}
	return render(w, res, m, version, lv, nil)
}

// LossCurve lays out a result's loss exceedance curve.
func LossCurve(q *quantify.Result) Curve {
	const left, right, top, bottom = 70.0, 20.0, 12.0, 36.0
	c := Curve{W: 640, H: 280}
	var pts []quantify.Point
	for _, p := range q.Curve {
		if p.Loss > 0 {
			pts = append(pts, p)
		}
	}
	if len(pts) == 0 {
		return c
	}
	lo, hi := math.Floor(math.Log10(pts[0].Loss)), math.Ceil(math.Log10(pts[len(pts)-1].Loss))
	if hi <= lo {
		hi = lo + 1
	}
	// Both axes logarithmic, so the rare years show: probability from
	// the rarest point's power of ten up to 1.
	pmin := math.Pow(10, math.Floor(math.Log10(pts[len(pts)-1].P)))
	w, h := float64(c.W)-left-right, float64(c.H)-top-bottom
	x := func(loss float64) float64 { return left + w*(math.Log10(loss)-lo)/(hi-lo) }
	y := func(p float64) float64 { return top + h*(-math.Log10(p))/(-math.Log10(pmin)) }
	var b strings.Builder
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x(p.Loss), y(p.P))
		c.Dots = append(c.Dots, CurveMark{X: x(p.Loss), Y: y(p.P), Label: fmt.Sprintf("%g %%: %s", 100*p.P, quantify.Money(p.Loss))})
	}
	c.Points = b.String()
	for e := lo; e <= hi; e++ {
		c.XTicks = append(c.XTicks, CurveMark{X: x(math.Pow(10, e)), Y: top + h + 16, Label: quantify.Money(math.Pow(10, e))})
	}
	for p := 1.0; p >= pmin*0.999; p /= 10 {
		c.YTicks = append(c.YTicks, CurveMark{X: left - 6, Y: y(p) + 4, Label: fmt.Sprintf("%g %%", 100*p)})
	}
	return c
}
