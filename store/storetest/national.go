package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// testNationalSharing: what organisations share with the hub is kept per
// organisation, replaced by a new setting, listed by organisation, each
// write with its audit entry; a batch of audit entries lands whole.
func testNationalSharing(t *testing.T, s ward.Store) {
	ctx := context.Background()
	if got, err := s.NationalSharings(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v %v", got, err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, x := range []ward.NationalSharing{{Org: "zeta", Level: ward.ShareCounts}, {Org: "alpha", Level: ward.ShareFull}, {Org: "alpha", Level: ward.ShareServices}} {
		x.Updated, x.By = now, "amy"
		entry := ward.AuditEntry{Time: now, Actor: "amy", Org: x.Org, Action: "national.sharing", Target: x.Org, Detail: string(x.Level)}
		if err := s.PutNationalSharing(ward.WithAudit(ctx, entry), x); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.NationalSharings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Org != "alpha" || got[0].Level != ward.ShareServices || got[1].Level != ward.ShareCounts || !got[0].Updated.Equal(now) || got[0].By != "amy" {
		t.Errorf("settings: %+v", got)
	}
	if err := s.AppendAudits(ctx, []ward.AuditEntry{{Time: now, Actor: "hub", Org: "alpha", Action: "national.read"}, {Time: now, Actor: "hub", Org: "zeta", Action: "national.read"}}); err != nil {
		t.Fatal(err)
	}
	entries, err := s.Audit(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Org+" "+e.Action)
	}
	want := []string{"zeta national.sharing", "alpha national.sharing", "alpha national.sharing", "alpha national.read", "zeta national.read"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit %v, want %v", actions, want)
	}
	if _, err := ward.VerifyAudit(entries, nil, nil); err != nil {
		t.Errorf("the chain: %v", err)
	}
}
