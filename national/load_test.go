package national

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/sqlite"
)

// TestLoadFromSnapshots: a second load reads the snapshots the first
// stored, with the same answer and its own audit entries; a new revision
// is read from the model again, and so is a new level.
func TestLoadFromSnapshots(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var models []*ward.Model
	for _, id := range []string{"nha", "alpha", "beta", "gamma"} {
		models = append(models, load(t, id))
	}
	if err := st.PutModels(ctx, models); err != nil {
		t.Fatal(err)
	}
	for org, l := range map[string]ward.ShareLevel{"alpha": ward.ShareServices, "beta": ward.ShareFull, "gamma": ward.ShareCounts} {
		if err := st.PutNationalSharing(ctx, ward.NationalSharing{Org: org, Level: l, Updated: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	audit := ward.AuditEntry{Time: time.Now(), Actor: "hub"}
	answer := func() string {
		t.Helper()
		s, err := Load(ctx, st, audit, "2026-01-01", nil)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal([]any{s.WhatIf([]string{"cloud:microsoft"}, 2*time.Hour), s.Analyse(), s.Members})
		return string(data)
	}
	first := answer()
	for _, org := range []string{"alpha", "beta", "gamma"} {
		snap, err := st.NationalSnapshot(ctx, org)
		if err != nil || snap.Revision != 1 || len(snap.Data) == 0 {
			t.Fatalf("%s: snapshot %+v %v", org, snap.Revision, err)
		}
	}
	if second := answer(); second != first {
		t.Errorf("from the snapshots:\n%s\nfrom the models:\n%s", second, first)
	}
	entries, _ := st.Audit(ctx, "alpha", 0, 0)
	if len(entries) != 2 {
		t.Errorf("alpha's audit: %d entries, want one a load", len(entries))
	}
	// alpha moves its e-mail off Microsoft: the snapshot is stale.
	alpha := load(t, "alpha")
	alpha.Assets[2].Vendor = "Proton"
	if err := st.PutModels(ctx, []*ward.Model{alpha}); err != nil {
		t.Fatal(err)
	}
	s, err := Load(ctx, st, audit, "2026-01-01", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := s.WhatIf([]string{"cloud:microsoft"}, 2*time.Hour)
	for _, h := range w.Hospitals {
		if h.Org == "alpha" && len(h.Services) != 1 {
			t.Errorf("alpha after its change: %+v", h.Services)
		}
	}
	if snap, _ := st.NationalSnapshot(ctx, "alpha"); snap.Revision != 2 {
		t.Errorf("alpha's snapshot is of revision %d", snap.Revision)
	}
	// gamma shares more: its snapshot of counts does not serve.
	if err := st.PutNationalSharing(ctx, ward.NationalSharing{Org: "gamma", Level: ward.ShareServices, Updated: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if s, _ = Load(ctx, st, audit, "2026-01-01", nil); s.WhatIf([]string{"cloud:microsoft"}, time.Hour).Considered != 3 {
		t.Error("gamma's new level is not seen")
	}
}
