package server

import (
	"net/http"
	"strconv"

	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/report"
)

// Bounds of the trials a request may ask for.
const (
	minLossTrials = 1_000
	maxLossTrials = 100_000
)

// loss is the view's expected loss for a number of trials and a seed,
// simulated once per revision.
func (v *view) loss(cat *catalog.Catalog, trials int, seed uint64) (*quantify.Result, error) {
	v.lossMu.Lock()
	defer v.lossMu.Unlock()
	key := [2]uint64{uint64(trials), seed}
	if q, ok := v.losses[key]; ok {
		return q, nil
	}
	q, err := quantify.Quantify(v.Model, cat, v.Result, quantify.Options{Trials: trials, Seed: seed})
	if err != nil {
		return nil, err
	}
	if v.losses == nil {
		v.losses = map[[2]uint64]*quantify.Result{}
	}
	v.losses[key] = q
	return q, nil
}

// trialsParam reads the simulated years a request asks for (?trials=),
// quantify.DefaultTrials when it asks for none.
func trialsParam(r *http.Request) (int, error) {
	t := r.URL.Query().Get("trials")
	if t == "" {
		return quantify.DefaultTrials, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < minLossTrials || n > maxLossTrials {
		return 0, fail(http.StatusBadRequest, "trials %q: a whole number from %d to %d", t, minLossTrials, maxLossTrials)
	}
	return n, nil
}

// apiLoss is the organisation's expected loss in money
// (docs/risk-method.md, "Expected loss").
func (s *Server) apiLoss(w http.ResponseWriter, r *http.Request, c *call) error {
	seed := uint64(quantify.DefaultSeed)
	trials, err := trialsParam(r)
	if err != nil {
		return err
	}
	if sd := r.URL.Query().Get("seed"); sd != "" {
		n, err := strconv.ParseUint(sd, 10, 64)
		if err != nil || n == 0 {
			return fail(http.StatusBadRequest, "seed %q: a whole number of 1 or more", sd)
		}
		seed = n
	}
	v, err := s.assessed(r.Context(), c.org)
	if err != nil {
		return err
	}
	q, err := v.loss(s.cfg.Catalog, trials, seed)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

// MaxLossRows is the most scenarios the dashboard's loss page lists.
const MaxLossRows = 30

type lossPage struct {
	Q     *quantify.Result
	Curve report.Curve
	Top   []quantify.Scenario
}

// webLoss is the dashboard's page of the expected loss.
func (s *Server) webLoss(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.assessed(r.Context(), c.org)
	if err != nil {
		return err
	}
	q, err := v.loss(s.cfg.Catalog, quantify.DefaultTrials, quantify.DefaultSeed)
	if err != nil {
		return err
	}
	page := lossPage{Q: q, Curve: report.LossCurve(q), Top: q.Scenarios[:min(len(q.Scenarios), MaxLossRows)]}
	return s.render(w, r, c, http.StatusOK, "loss.html", "Expected loss", page)
}
