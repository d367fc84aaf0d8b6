package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/server"
)

// moneyStatus is the API's status of a plan in money.
type moneyStatus struct {
	State      string `json:"state"`
	Measured   int    `json:"measured"`
	Candidates int    `json:"candidates"`
	Steps      int    `json:"steps"`
	Budget     int    `json:"budget"`
	Trials     int    `json:"trials"`
	Status     string `json:"status"`
	Result     string `json:"result"`
	Error      string `json:"error"`
}

// waitMoney asks the status until the plan is no longer queued or
// running, and returns the last status and how many answers showed it
// under way.
func waitMoney(t *testing.T, c *client, status string) (moneyStatus, int) {
	t.Helper()
	var st moneyStatus
	last, under := -1, 0
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res := c.do("GET", status, nil)
		if res.code != http.StatusOK {
			t.Fatalf("status: %d %s", res.code, res.body)
		}
		res.json(t, &st)
		if st.Measured < last {
			t.Errorf("progress went back: %d after %d", st.Measured, last)
		}
		last = st.Measured
		if st.State != "queued" && st.State != "running" {
			return st, under
		}
		under++
	}
	t.Fatalf("the plan in money is still %s", st.State)
	return st, under
}

// The plan in money is computed in the background: the API answers 202
// with where to ask how far it has come, then the plan; asked again, the
// same plan, kept; bad parameters are refused before anything starts.
func TestMoneyPlanAPI(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	c := ts.login(t, "victor")
	const plan = "/api/v1/orgs/st-example/money-plan?budget=2&trials=1000"
	res := c.do("GET", plan, nil)
	if res.code != http.StatusAccepted {
		t.Fatalf("first ask: %d %s", res.code, res.body)
	}
	var st moneyStatus
	res.json(t, &st)
	loc := res.header.Get("Location")
	if loc != st.Status || !strings.HasPrefix(loc, "/api/v1/orgs/st-example/money-plan/status?") || st.Budget != 2 || st.Trials != 1000 ||
		(st.State != "queued" && st.State != "running") || res.header.Get("Retry-After") == "" {
		t.Errorf("202: Location %q, %+v", loc, st)
	}
	// Asked again while it computes: the same job, not a second one.
	if again := c.do("GET", plan, nil); again.code != http.StatusAccepted && again.code != http.StatusOK {
		t.Errorf("asked again: %d", again.code)
	}
	done, under := waitMoney(t, c, loc)
	if done.State != "done" || done.Candidates < 5 || done.Measured < done.Candidates || done.Steps != 2 || done.Result != plan {
		t.Errorf("done: %+v", done)
	}
	t.Logf("seen under way %d times; %d measurements of %d candidates", under, done.Measured, done.Candidates)
	res = c.do("GET", done.Result, nil)
	var p struct {
		Trials int     `json:"trials"`
		Before float64 `json:"loss_before"`
		After  float64 `json:"loss_after"`
		Steps  []struct {
			Rank    int     `json:"rank"`
			Avoided float64 `json:"loss_avoided"`
			After   float64 `json:"loss_after"`
		} `json:"steps"`
		CurveAfter []struct{ Loss float64 } `json:"loss_exceedance_after"`
	}
	if res.code != http.StatusOK {
		t.Fatalf("result: %d %s", res.code, res.body)
	}
	res.json(t, &p)
	if p.Trials != 1000 || len(p.Steps) != 2 || !(p.After < p.Before) || p.Steps[1].After != p.After || len(p.CurveAfter) < 2 {
		t.Errorf("plan: %+v", p)
	}
	if kept := c.do("GET", plan, nil); kept.code != http.StatusOK || kept.body != res.body {
		t.Errorf("asked again when done: %d, same body %v", kept.code, kept.body == res.body)
	}
	for _, bad := range []string{"budget=0", "budget=21", "trials=10", "trials=lots"} {
		for _, path := range []string{"/api/v1/orgs/st-example/money-plan?", "/api/v1/orgs/st-example/money-plan/status?"} {
			if r := c.do("GET", path+bad, nil); r.code != http.StatusBadRequest || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s%s: %d %s", path, bad, r.code, r.body)
			}
		}
	}
}

// A plan under way stops when the server closes, and says so; the server
// then starts no other.
func TestMoneyPlanStopsOnClose(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	c := ts.login(t, "victor")
	res := c.do("GET", "/api/v1/orgs/st-example/money-plan?budget=20&trials=100000", nil)
	if res.code != http.StatusAccepted {
		t.Fatalf("%d %s", res.code, res.body)
	}
	loc := res.header.Get("Location")
	var st moneyStatus
	for st.State != "running" {
		c.do("GET", loc, nil).json(t, &st)
		time.Sleep(20 * time.Millisecond)
	}
	ts.srv.Close()
	c.do("GET", loc, nil).json(t, &st)
	if st.State != "cancelled" || !strings.Contains(st.Error, "the server stopped") {
		t.Errorf("after Close: %+v", st)
	}
	if r := c.do("GET", "/api/v1/orgs/st-example/money-plan?budget=3&trials=1000", nil); r.code != http.StatusServiceUnavailable {
		t.Errorf("a new plan after Close: %d %s", r.code, r.body)
	}
}
