package web

import (
	"net/http"

	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/report"
	"github.com/wardhealth/ward/server/internal/core"
)

// MaxLossRows is the most scenarios the dashboard's loss page lists.
const MaxLossRows = 30

type lossPage struct {
	Q     *quantify.Result
	Curve report.Curve
	Top   []quantify.Scenario
}

// webLoss is the dashboard's page of the expected loss.
func (s *handler) webLoss(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	q, err := v.Loss(s.Cfg.Catalog, quantify.DefaultTrials, quantify.DefaultSeed)
	if err != nil {
		return err
	}
	page := lossPage{Q: q, Curve: report.LossCurve(q), Top: q.Scenarios[:min(len(q.Scenarios), MaxLossRows)]}
	return s.render(w, r, c, http.StatusOK, "loss.html", "Expected loss", page)
}
