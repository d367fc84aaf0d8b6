package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/quantify"
)

// The plan in money measures every candidate change by simulating the
// changed model: seconds on the demo, minutes on a large hospital. So it
// is computed in the background, one plan at a time for the whole server
// (a plan takes every core it is given), once per organisation,
// revision, feeds, day, budget and trials, and its result kept; the page
// and the API show how far it has come meanwhile.

// Job states.
const (
	jobQueued    = "queued"
	jobRunning   = "running"
	jobDone      = "done"
	jobFailed    = "failed"
	jobCancelled = "cancelled"
)

// errSuperseded stops a plan in money of a model that changed since.
var errSuperseded = errors.New("the model changed")

// maxMoneyJobs is how many finished plans in money are kept.
const maxMoneyJobs = 16

// moneyJobs runs the plans in money.
type moneyJobs struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// turn lets one plan compute at a time.
	turn chan struct{}
	mu   sync.Mutex
	jobs map[string]*moneyJob
	// finished lists the finished jobs, oldest first.
	finished []finishedJob
}

type finishedJob struct {
	key string
	job *moneyJob
}

func newMoneyJobs() *moneyJobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &moneyJobs{ctx: ctx, cancel: cancel, turn: make(chan struct{}, 1), jobs: map[string]*moneyJob{}}
}

// moneyJob is one plan in money being computed, or computed.
type moneyJob struct {
	org            string
	rev            int64
	budget, trials int
	// cancel stops the job, saying why (the server stops, the model
	// changed).
	cancel         context.CancelCauseFunc
	mu             sync.Mutex
	state          string
	progress       quantify.Progress
	queued         time.Time
	started, ended time.Time
	plan           *quantify.Plan
	err            error
}

// MoneyPlanStatus is how far a plan in money has come (the API's status
// resource).
type MoneyPlanStatus struct {
	Organisation string `json:"organisation"`
	Budget       int    `json:"budget"`
	Trials       int    `json:"trials"`
	// State is queued, running, done, failed or cancelled (the server
	// stopped).
	State string `json:"state"`
	quantify.Progress
	Queued   time.Time  `json:"queued"`
	Started  *time.Time `json:"started,omitempty"`
	Finished *time.Time `json:"finished,omitempty"`
	Error    string     `json:"error,omitempty"`
	// Status is where to ask again; Result where the plan is, when done.
	Status string `json:"status"`
	Result string `json:"result"`
}

func (j *moneyJob) status() MoneyPlanStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	q := url.Values{"budget": {strconv.Itoa(j.budget)}, "trials": {strconv.Itoa(j.trials)}}.Encode()
	st := MoneyPlanStatus{Organisation: j.org, Budget: j.budget, Trials: j.trials, State: j.state, Progress: j.progress, Queued: j.queued,
		Status: "/api/v1/orgs/" + url.PathEscape(j.org) + "/money-plan/status?" + q,
		Result: "/api/v1/orgs/" + url.PathEscape(j.org) + "/money-plan?" + q}
	if !j.started.IsZero() {
		st.Started = &j.started
	}
	if !j.ended.IsZero() {
		st.Finished = &j.ended
	}
	if j.err != nil {
		st.Error = j.err.Error()
	}
	return st
}

// result is the plan when it is done.
func (j *moneyJob) result() (*quantify.Plan, string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.plan, j.state, j.err
}

// moneyJob returns the plan in money for the organisation's current model,
// starting it when no one has, or when the last try failed.
func (s *Server) moneyJob(r *http.Request, org string, budget, trials int) (*moneyJob, error) {
	ctx := r.Context()
	stamp, _, err := s.feedStamp(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.assessed(ctx, org)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%s|%s|%d|%d", org, v.Revision, stamp, v.Result.Date, budget, trials)
	js := s.money
	js.mu.Lock()
	defer js.mu.Unlock()
	if j, ok := js.jobs[key]; ok {
		if _, state, _ := j.result(); state != jobFailed {
			return j, nil
		}
	}
	if js.ctx.Err() != nil {
		return nil, fail(http.StatusServiceUnavailable, "the server is stopping")
	}
	// A plan of an older revision of the model answers no one any more:
	// it is stopped, so that this one need not wait for it.
	for _, old := range js.jobs {
		if old.org == org && old.rev < v.Revision {
			old.cancel(fmt.Errorf("%w (revision %d) before the plan of revision %d was done", errSuperseded, v.Revision, old.rev))
		}
	}
	ctx, cancel := context.WithCancelCause(js.ctx)
	j := &moneyJob{org: org, rev: v.Revision, budget: budget, trials: trials, state: jobQueued, queued: s.cfg.Now().UTC(), cancel: cancel}
	js.jobs[key] = j
	js.wg.Go(func() {
		defer cancel(nil)
		select {
		case js.turn <- struct{}{}:
		case <-ctx.Done():
			j.finish(nil, context.Cause(ctx), s.cfg.Now())
			return
		}
		defer func() { <-js.turn }()
		j.mu.Lock()
		j.state, j.started = jobRunning, s.cfg.Now().UTC()
		j.mu.Unlock()
		plan, err := quantify.MakePlanContext(ctx, v.Model, s.cfg.Catalog, assess.Options{Today: v.Result.Date, Matches: v.Result.Vulnerabilities},
			quantify.Options{Trials: trials}, budget, func(p quantify.Progress) {
				j.mu.Lock()
				j.progress = p
				j.mu.Unlock()
			})
		if err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("plan in money", "org", org, "err", err)
		}
		if errors.Is(err, context.Canceled) {
			err = context.Cause(ctx)
		}
		j.finish(plan, err, s.cfg.Now())
		js.mu.Lock()
		defer js.mu.Unlock()
		js.finished = append(js.finished, finishedJob{key, j})
		for len(js.finished) > maxMoneyJobs {
			// A failed job's key may have a newer try under way.
			if old := js.finished[0]; js.jobs[old.key] == old.job {
				delete(js.jobs, old.key)
			}
			js.finished = js.finished[1:]
		}
	})
	return j, nil
}

func (j *moneyJob) finish(plan *quantify.Plan, err error, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ended = now.UTC()
	switch {
	case errors.Is(err, context.Canceled):
		j.state, j.err = jobCancelled, errors.New("the server stopped before the plan was done")
	case errors.Is(err, errSuperseded):
		j.state, j.err = jobCancelled, err
	case err != nil:
		j.state, j.err = jobFailed, err
	default:
		j.state, j.plan = jobDone, plan
	}
}

// Close stops the plans in money under way and waits for them to stop.
// The server answers no more plans afterwards; call it when the HTTP
// server has shut down.
func (s *Server) Close() {
	s.money.cancel()
	s.money.wg.Wait()
}

// budgetParam reads how many changes a plan may hold (?budget=).
func budgetParam(r *http.Request) (int, error) {
	b := r.URL.Query().Get("budget")
	if b == "" {
		return DefaultPlanBudget, nil
	}
	n, err := strconv.Atoi(b)
	if err != nil || n < 1 || n > MaxPlanBudget {
		return 0, fail(http.StatusBadRequest, "budget %q: a number of changes from 1 to %d", b, MaxPlanBudget)
	}
	return n, nil
}

// moneyJobFor reads the plan's parameters and returns its job.
func (s *Server) moneyJobFor(r *http.Request, c *call) (*moneyJob, error) {
	budget, err := budgetParam(r)
	if err != nil {
		return nil, err
	}
	trials, err := trialsParam(r)
	if err != nil {
		return nil, err
	}
	return s.moneyJob(r, c.org, budget, trials)
}

// apiMoneyPlan is the plan in money (docs/risk-method.md, "Changes in
// money"): 200 with the plan when it is done, else 202 Accepted with its
// status and, in Location, where to ask how far it has come.
func (s *Server) apiMoneyPlan(w http.ResponseWriter, r *http.Request, c *call) error {
	j, err := s.moneyJobFor(r, c)
	if err != nil {
		return err
	}
	plan, state, err := j.result()
	switch state {
	case jobDone:
		writeJSON(w, http.StatusOK, plan)
		return nil
	case jobFailed:
		return fmt.Errorf("plan in money %s: %w", c.org, err)
	case jobCancelled:
		return fail(http.StatusServiceUnavailable, "%v", err)
	}
	st := j.status()
	w.Header().Set("Location", st.Status)
	w.Header().Set("Retry-After", "2")
	writeJSON(w, http.StatusAccepted, st)
	return nil
}

// apiMoneyPlanStatus says how far the plan in money has come, starting it
// when no one has.
func (s *Server) apiMoneyPlanStatus(w http.ResponseWriter, r *http.Request, c *call) error {
	j, err := s.moneyJobFor(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j.status())
	return nil
}

// webMoneyPlan is the plan page ranked by money: the plan when it is
// done, else how far it has come, which the page asks again for
// (static/plan.js) until it is.
func (s *Server) webMoneyPlan(w http.ResponseWriter, r *http.Request, c *call, budget int) error {
	trials, err := trialsParam(r)
	if err != nil {
		return err
	}
	j, err := s.moneyJob(r, c.org, budget, trials)
	if err != nil {
		return err
	}
	page := planPage{Budget: budget, MaxBudget: MaxPlanBudget, By: "money"}
	plan, state, err := j.result()
	switch state {
	case jobDone:
		page.Money = plan
		st := j.status()
		page.Took = st.Finished.Sub(*st.Started).Round(time.Millisecond)
	case jobFailed:
		return fmt.Errorf("plan in money %s: %w", c.org, err)
	default:
		st := j.status()
		page.Job = &st
	}
	return s.render(w, r, c, http.StatusOK, "plan.html", "Mitigation plan in money", page)
}
