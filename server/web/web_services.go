package web

import (
	"cmp"
	"fmt"
	"net/http"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/server/internal/core"
)

// servicePage lists the clinical services: what each needs and which
// single failures stop it, the resilience half of the assessment.
type servicePage struct {
	Services []serviceRow
	// Fragile counts the services with at least one single point of
	// failure.
	Fragile int
}

type serviceRow struct {
	ward.Service
	Deps []depRef
	// Needs counts the assets the service needs, directly or through
	// other services.
	Needs        int
	SinglePoints []assess.SinglePoint
	// Names names the single points' assets.
	Names map[string]string
}

// depRef is one thing a service depends on: an asset or another service.
type depRef struct {
	ID, Name string
	Service  bool
}

func (s *handler) webServices(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCached(w, r, c, v, "services.html", "Clinical services", func() (any, error) {
		m := v.Model
		res := map[string]assess.Resilience{}
		for _, rs := range v.Result.Resilience {
			res[rs.Service] = rs
		}
		names := map[string]string{}
		isService := map[string]bool{}
		for _, a := range m.Assets {
			names[a.ID] = cmp.Or(a.Name, a.ID)
		}
		for _, sv := range m.Services {
			names[sv.ID] = cmp.Or(sv.Name, sv.ID)
			isService[sv.ID] = true
		}
		out := servicePage{}
		for _, sv := range m.Services {
			row := serviceRow{Service: sv, Names: names}
			for _, d := range sv.DependsOn {
				row.Deps = append(row.Deps, depRef{ID: d, Name: cmp.Or(names[d], d), Service: isService[d]})
			}
			if rs, ok := res[sv.ID]; ok {
				row.Needs, row.SinglePoints = len(rs.Needs), rs.SinglePoints
			}
			if len(row.SinglePoints) > 0 {
				out.Fragile++
			}
			out.Services = append(out.Services, row)
		}
		return out, nil
	})
}

// planPage is a mitigation plan computed for the page.
type planPage struct {
	Budget, MaxBudget int
	// By is risk or money.
	By    string
	Plan  *assess.Plan
	Money *quantify.Plan
	// Job is the plan in money while it is computed.
	Job *core.MoneyPlanStatus
	// Removed is the share of the risk the plan removes, in percent.
	Removed int
	// Bars draw each step's removal; BarsH is the chart's height.
	Bars  []planBar
	BarsH int
	Took  time.Duration
}

type planBar struct {
	Rank, Y, Width, Removed int
}

func (s *handler) webPlan(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	budget, err := core.BudgetParam(r)
	if err != nil {
		return err
	}
	by := r.URL.Query().Get("by")
	switch by {
	case "", "risk":
		by = "risk"
	case "money":
		return s.webMoneyPlan(w, r, c, budget)
	default:
		return core.Fail(http.StatusBadRequest, "by %q: risk or money", by)
	}
	plan, took, err := s.plan(r, c.Org, budget)
	if err != nil {
		return err
	}
	out := planPage{Budget: budget, MaxBudget: core.MaxPlanBudget, By: by, Plan: plan, Took: took.Round(time.Millisecond)}
	if plan.Before > 0 {
		out.Removed = (plan.Before - plan.After) * 100 / plan.Before
	}
	most := 1
	for _, st := range plan.Steps {
		most = max(most, st.Removed)
	}
	for i, st := range plan.Steps {
		out.Bars = append(out.Bars, planBar{Rank: st.Rank, Y: i * 26, Width: st.Removed * 400 / most, Removed: st.Removed})
	}
	out.BarsH = len(out.Bars)*26 + 4
	return s.render(w, r, c, http.StatusOK, "plan.html", "Mitigation plan", out)
}

// plan makes the mitigation plan of an organisation's current model for a
// budget. Planning re-assesses the model once per candidate change, which
// takes seconds on a large hospital, so it runs only when the plan page
// asks, once for requests arriving together, and its result is kept with
// the assessments (same revision, feeds and day).
func (s *handler) plan(r *http.Request, org string, budget int) (*assess.Plan, time.Duration, error) {
	ctx := r.Context()
	stamp, _, err := s.FeedStamp(ctx)
	if err != nil {
		return nil, 0, err
	}
	v, err := s.Assessed(ctx, org)
	if err != nil {
		return nil, 0, err
	}
	key := fmt.Sprintf("plan|%d|%s|%d|%s|%s", budget, org, v.Revision, stamp, v.Result.Date)
	if p, ok := s.Results.Get(key); ok {
		return p.Result.Plan, 0, nil
	}
	start := time.Now()
	p, err, _ := s.Flight.Do(key, func() (any, error) {
		plan, err := assess.MakePlan(v.Model, s.Cfg.Catalog, assess.Options{Today: v.Result.Date, Matches: v.Result.Vulnerabilities}, budget)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", org, err)
		}
		// Kept as a view whose result holds only the plan.
		s.Results.Put(key, &core.View{Model: v.Model, Revision: v.Revision, Result: &assess.Result{Plan: plan}})
		return plan, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return p.(*assess.Plan), time.Since(start), nil
}
