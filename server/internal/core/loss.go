package core

import (
	"net/http"
	"strconv"

	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/quantify"
)

// Bounds of the trials a request may ask for.
const (
	minLossTrials = 1_000
	maxLossTrials = 100_000
)

// Loss is the view's expected loss for a number of trials and a seed,
// simulated once per revision.
func (v *View) Loss(cat *catalog.Catalog, trials int, seed uint64) (*quantify.Result, error) {
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

// TrialsParam reads the simulated years a request asks for (?trials=),
// quantify.DefaultTrials when it asks for none.
func TrialsParam(r *http.Request) (int, error) {
	t := r.URL.Query().Get("trials")
	if t == "" {
		return quantify.DefaultTrials, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < minLossTrials || n > maxLossTrials {
		return 0, Fail(http.StatusBadRequest, "trials %q: a whole number from %d to %d", t, minLossTrials, maxLossTrials)
	}
	return n, nil
}
