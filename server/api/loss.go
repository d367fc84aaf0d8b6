package api

import (
	"net/http"
	"strconv"

	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/server/internal/core"
)

// apiLoss is the organisation's expected loss in money
// (docs/risk-method.md, "Expected loss").
func (s *handler) apiLoss(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	seed := uint64(quantify.DefaultSeed)
	trials, err := core.TrialsParam(r)
	if err != nil {
		return err
	}
	if sd := r.URL.Query().Get("seed"); sd != "" {
		n, err := strconv.ParseUint(sd, 10, 64)
		if err != nil || n == 0 {
			return core.Fail(http.StatusBadRequest, "seed %q: a whole number of 1 or more", sd)
		}
		seed = n
	}
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	q, err := v.Loss(s.Cfg.Catalog, trials, seed)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, q)
	return nil
}
