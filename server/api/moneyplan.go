package api

import (
	"fmt"
	"net/http"

	"github.com/wardhealth/ward/server/internal/core"
)

// moneyJobFor reads the plan's parameters and returns its job.
func (s *handler) moneyJobFor(r *http.Request, c *core.Call) (*core.MoneyJob, error) {
	budget, err := core.BudgetParam(r)
	if err != nil {
		return nil, err
	}
	trials, err := core.TrialsParam(r)
	if err != nil {
		return nil, err
	}
	return s.MoneyJob(r, c.Org, budget, trials)
}

// apiMoneyPlan is the plan in money (docs/risk-method.md, "Changes in
// money"): 200 with the plan when it is done, else 202 Accepted with its
// status and, in Location, where to ask how far it has come.
func (s *handler) apiMoneyPlan(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	j, err := s.moneyJobFor(r, c)
	if err != nil {
		return err
	}
	plan, state, err := j.Result()
	switch state {
	case core.JobDone:
		core.WriteJSON(w, http.StatusOK, plan)
		return nil
	case core.JobFailed:
		return fmt.Errorf("plan in money %s: %w", c.Org, err)
	case core.JobCancelled:
		return core.Fail(http.StatusServiceUnavailable, "%v", err)
	}
	st := j.Status()
	w.Header().Set("Location", st.Status)
	w.Header().Set("Retry-After", "2")
	core.WriteJSON(w, http.StatusAccepted, st)
	return nil
}

// apiMoneyPlanStatus says how far the plan in money has come, starting it
// when no one has.
func (s *handler) apiMoneyPlanStatus(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	j, err := s.moneyJobFor(r, c)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, j.Status())
	return nil
}
