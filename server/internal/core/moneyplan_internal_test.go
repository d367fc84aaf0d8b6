package core

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/store/sqlite"
)

// TestMoneyPlanOfAnOldRevisionStops: when the model changes while its plan
// in money is computed, that plan answers no one any more: asking for the
// plan of the new revision stops it, so that the new one need not wait
// behind it (one plan runs at a time).
func TestMoneyPlanOfAnOldRevisionStops(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org := m.Organisation.ID
	ask := func() *MoneyJob {
		t.Helper()
		j, err := s.MoneyJob(httptest.NewRequest("GET", "/api/v1/orgs/"+org+"/money-plan", nil), org, 20, 100_000)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	old := ask()
	for old.Status().State == jobQueued {
		time.Sleep(10 * time.Millisecond)
	}
	m.Assets[0].Name = "renamed"
	if err := st.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	if again := ask(); again == old {
		t.Fatal("the plan of revision 1 answers for revision 2")
	}
	deadline := time.Now().Add(time.Minute)
	for old.Status().State == jobRunning && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := old.Status(); st.State != JobCancelled || !strings.Contains(st.Error, "the model changed (revision 2) before the plan of revision 1 was done") {
		t.Errorf("the plan of revision 1 after the model changed: %s %q", st.State, st.Error)
	}
}
