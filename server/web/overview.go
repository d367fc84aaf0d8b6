package web

import (
	"slices"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/server/internal/core"
)

// overview is the dashboard's first page of an organisation.
type overview struct {
	Summary  ward.Summary
	Result   *assess.Result
	Revision int64
	Open     []sevCount
	Top      []assess.Risk
	// Heat[i][j] counts open risks (by asset) at likelihood 5-i, impact
	// j+1.
	Heat      [5][5]heatCell
	Baselines []baselineBar
	// BaselinesH is the height of the coverage chart.
	BaselinesH int
	// Exploited lists the assets hit by a vulnerability in the KEV
	// catalog, with how many.
	Exploited []exposedAsset
	// Loss is the expected loss (docs/risk-method.md, "Expected loss").
	Loss *quantify.Result
	// Incidents counts the open incidents and those with a NIS2 report
	// overdue.
	Incidents, Overdue int
	// Detections counts the detections kept in the last ObservedFor.
	Detections int
	// History is the open risks over the stored runs (web_history.go).
	History historyChart
}

type sevCount struct {
	Severity string
	Count    int
}

type heatCell struct {
	Likelihood, Impact, Count int
	Severity                  string
}

type baselineBar struct {
	assess.BaselineResult
	// Width is the bar's length in the 0-500 SVG coordinate space; Y its
	// row: a name above a bar.
	Width, Y int
}

type exposedAsset struct {
	Asset string
	intel.Exposure
}

// baselineRow is the height of one baseline in the coverage chart.
const baselineRow = 40

// overviewOf is the part of the overview that depends on the view alone,
// worked out once; the caller adds what the store holds beside it
// (incidents, detections, the history).
func overviewOf(v *core.View) overview {
	o, _ := v.Keep("overview", func() (any, error) { return newOverview(v), nil })
	return o.(overview)
}

func newOverview(v *core.View) overview {
	res := v.Result
	o := overview{Summary: v.Model.Summarise(res.Date), Result: res, Revision: v.Revision}
	for _, s := range []string{"critical", "high", "medium", "low"} {
		o.Open = append(o.Open, sevCount{s, res.Summary.Open[s]})
	}
	for i := range 5 {
		for j := range 5 {
			l, im := 5-i, j+1
			o.Heat[i][j] = heatCell{Likelihood: l, Impact: im, Severity: assess.SeverityOf(l * im)}
		}
	}
	for _, r := range res.Risks {
		if r.Status != assess.Open {
			continue
		}
		if len(o.Top) < 10 {
			o.Top = append(o.Top, r)
		}
		o.Heat[5-r.Likelihood][r.Impact-1].Count += len(r.Assets)
	}
	for i, b := range res.Baselines {
		o.Baselines = append(o.Baselines, baselineBar{BaselineResult: b, Width: b.Coverage * 5, Y: i * baselineRow})
	}
	o.BaselinesH = len(o.Baselines)*baselineRow + 4
	for id, e := range intel.Exposures(res.Vulnerabilities) {
		if e.Exploited > 0 {
			o.Exploited = append(o.Exploited, exposedAsset{id, e})
		}
	}
	slices.SortFunc(o.Exploited, func(a, b exposedAsset) int {
		if a.Exploited != b.Exploited {
			return b.Exploited - a.Exploited
		}
		if a.Asset < b.Asset {
			return -1
		}
		return 1
	})
	return o
}
