package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wardhealth/ward/server/internal/core"
)

// webMoneyPlan is the plan page ranked by money: the plan when it is
// done, else how far it has come, which the page asks again for
// (static/plan.js) until it is.
func (s *handler) webMoneyPlan(w http.ResponseWriter, r *http.Request, c *core.Call, budget int) error {
	trials, err := core.TrialsParam(r)
	if err != nil {
		return err
	}
	j, err := s.MoneyJob(r, c.Org, budget, trials)
	if err != nil {
		return err
	}
	page := planPage{Budget: budget, MaxBudget: core.MaxPlanBudget, By: "money"}
	plan, state, err := j.Result()
	switch state {
	case core.JobDone:
		page.Money = plan
		st := j.Status()
		page.Took = st.Finished.Sub(*st.Started).Round(time.Millisecond)
	case core.JobFailed:
		return fmt.Errorf("plan in money %s: %w", c.Org, err)
	default:
		st := j.Status()
		page.Job = &st
	}
	return s.render(w, r, c, http.StatusOK, "plan.html", "Mitigation plan in money", page)
}
