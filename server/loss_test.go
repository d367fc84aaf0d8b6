package server_test

import (
	"net/http"
	"testing"

	"github.com/wardhealth/ward/server"
)

// The API gives the expected loss of an organisation, seeded: the same
// trials and seed give the same figures; out-of-range ones are refused.
func TestLossAPI(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	c := ts.login(t, "victor")
	res := c.do("GET", "/api/v1/orgs/st-example/loss?trials=2000&seed=3", nil)
	var q struct {
		Method    string
		Seed      uint64
		Trials    int
		Currency  string
		Mean      float64                               `json:"mean_annual_loss"`
		P99       float64                               `json:"p99"`
		Curve     []struct{ Loss, Probability float64 } `json:"loss_exceedance"`
		Scenarios []struct{ Threat string }
	}
	res.json(t, &q)
	if q.Method != "ward-fair-1" || q.Seed != 3 || q.Trials != 2000 || q.Currency != "EUR" || !(q.Mean > 0) || !(q.P99 >= q.Mean) || len(q.Curve) < 3 || len(q.Scenarios) == 0 {
		t.Errorf("loss: %+v", q)
	}
	if again := c.do("GET", "/api/v1/orgs/st-example/loss?trials=2000&seed=3", nil); again.body != res.body {
		t.Error("the same seed gave other figures")
	}
	for _, bad := range []string{"trials=10", "trials=many", "trials=1000000", "seed=0", "seed=-1"} {
		if r := c.do("GET", "/api/v1/orgs/st-example/loss?"+bad, nil); r.code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, r.code, r.body)
		}
	}
}
