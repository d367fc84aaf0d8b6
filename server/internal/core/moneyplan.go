package core

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

// Job states.
const (
	jobQueued    = "queued"
	jobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
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
	jobs map[string]*MoneyJob
	// finished lists the finished jobs, oldest first.
	finished []finishedJob
}

type finishedJob struct {
	key string
	job *MoneyJob
}

func newMoneyJobs() *moneyJobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &moneyJobs{ctx: ctx, cancel: cancel, turn: make(chan struct{}, 1), jobs: map[string]*MoneyJob{}}
}

// MoneyJob is one plan in money being computed, or computed.
type MoneyJob struct {
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

func (j *MoneyJob) Status() MoneyPlanStatus {
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

// Result is the plan when it is done.
func (j *MoneyJob) Result() (*quantify.Plan, string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.plan, j.state, j.err
}

// MoneyJob returns the plan in money for the organisation's current model,
// starting it when no one has, or when the last try failed.
func (s *Server) MoneyJob(r *http.Request, org string, budget, trials int) (*MoneyJob, error) {
	ctx := r.Context()
	stamp, _, err := s.FeedStamp(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.Assessed(ctx, org)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%s|%s|%d|%d", org, v.Revision, stamp, v.Result.Date, budget, trials)
	js := s.money
	js.mu.Lock()
	defer js.mu.Unlock()
	if j, ok := js.jobs[key]; ok {
		if _, state, _ := j.Result(); state != JobFailed {
			return j, nil
		}
	}
	if js.ctx.Err() != nil {
		return nil, Fail(http.StatusServiceUnavailable, "the server is stopping")
	}
	// A plan of an older revision of the model answers no one any more:
	// it is stopped, so that this one need not wait for it.
	for _, old := range js.jobs {
		if old.org == org && old.rev < v.Revision {
			old.cancel(fmt.Errorf("%w (revision %d) before the plan of revision %d was done", errSuperseded, v.Revision, old.rev))
		}
	}
	ctx, cancel := context.WithCancelCause(js.ctx)
	j := &MoneyJob{org: org, rev: v.Revision, budget: budget, trials: trials, state: jobQueued, queued: s.Cfg.Now().UTC(), cancel: cancel}
	js.jobs[key] = j
	js.wg.Go(func() {
		defer cancel(nil)
		select {
		case js.turn <- struct{}{}:
		case <-ctx.Done():
			j.finish(nil, context.Cause(ctx), s.Cfg.Now())
			return
		}
		defer func() { <-js.turn }()
		j.mu.Lock()
		j.state, j.started = jobRunning, s.Cfg.Now().UTC()
		j.mu.Unlock()
		// A fault in the plan fails this job: on a goroutine of its own it
		// would end the server.
		plan, err := func() (plan *quantify.Plan, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("the plan failed: %v", r)
				}
			}()
			return quantify.MakePlanContext(ctx, v.Model, s.Cfg.Catalog, assess.Options{Today: v.Result.Date, Matches: v.Result.Vulnerabilities},
				quantify.Options{Trials: trials}, budget, func(p quantify.Progress) {
					j.mu.Lock()
					j.progress = p
					j.mu.Unlock()
				})
		}()
		if err != nil && !errors.Is(err, context.Canceled) {
			s.Log.Error("plan in money", "org", org, "err", err)
		}
		if errors.Is(err, context.Canceled) {
			err = context.Cause(ctx)
		}
		j.finish(plan, err, s.Cfg.Now())
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

func (j *MoneyJob) finish(plan *quantify.Plan, err error, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.ended = now.UTC()
	switch {
	case errors.Is(err, context.Canceled):
		j.state, j.err = JobCancelled, errors.New("the server stopped before the plan was done")
	case errors.Is(err, errSuperseded):
		j.state, j.err = JobCancelled, err
	case err != nil:
		j.state, j.err = JobFailed, err
	default:
		j.state, j.plan = JobDone, plan
	}
}

// Close stops the plans in money under way and waits for them to stop.
// The server answers no more plans afterwards; call it when the HTTP
// server has shut down.
func (s *Server) Close() {
	s.money.cancel()
	s.money.wg.Wait()
}

// BudgetParam reads how many changes a plan may hold (?budget=).
func BudgetParam(r *http.Request) (int, error) {
	b := r.URL.Query().Get("budget")
	if b == "" {
		return DefaultPlanBudget, nil
	}
	n, err := strconv.Atoi(b)
	if err != nil || n < 1 || n > MaxPlanBudget {
		return 0, Fail(http.StatusBadRequest, "budget %q: a number of changes from 1 to %d", b, MaxPlanBudget)
	}
	return n, nil
}
