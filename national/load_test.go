package national

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
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
	st := storedSector(t, "nha", "alpha", "beta", "gamma")
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

// countingReader counts the models read. Load reads models on several
// workers at once, so the count is kept under a lock.
type countingReader struct {
	*sqlite.Store
	mu     sync.Mutex
	models map[string]int
}

func (c *countingReader) Model(ctx context.Context, org string) (*ward.Model, error) {
	c.mu.Lock()
	c.models[org]++
	c.mu.Unlock()
	return c.Store.Model(ctx, org)
}

// TestReshareAtWrite: what a hospital shares is made when its model is
// written (as ward import and the API do), so that the national view then
// reads no hospital's model, only the hub's; a share whose revision is not
// known for sure is not made; a new day needs no new share.
func TestReshareAtWrite(t *testing.T) {
	ctx := context.Background()
	st := storedSector(t, "nha", "alpha", "beta", "gamma")
	for org, l := range map[string]ward.ShareLevel{"alpha": ward.ShareServices, "beta": ward.ShareFull, "gamma": ward.ShareCounts} {
		if err := st.PutNationalSharing(ctx, ward.NationalSharing{Org: org, Level: l, Updated: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// alpha and beta are written again, alpha with its e-mail moved off
	// Microsoft; gamma is written twice (someone else wrote between).
	alpha := load(t, "alpha")
	alpha.Assets[2].Vendor = "Proton"
	written := []*ward.Model{alpha, load(t, "beta"), load(t, "gamma")}
	before, _ := st.Revisions(ctx)
	if err := st.PutModels(ctx, written); err != nil {
		t.Fatal(err)
	}
	if err := st.PutModels(ctx, []*ward.Model{load(t, "gamma")}); err != nil {
		t.Fatal(err)
	}
	after, _ := st.Revisions(ctx)
	revs := Written(before, after, written)
	if _, ok := revs["gamma"]; ok || revs["alpha"] != after["alpha"] || len(revs) != 2 {
		t.Fatalf("written at %v (before %v, after %v)", revs, before, after)
	}
	if err := Reshare(ctx, st, written, revs); err != nil {
		t.Fatal(err)
	}
	r := &countingReader{Store: st, models: map[string]int{}}
	audit := ward.AuditEntry{Time: time.Now(), Actor: "hub"}
	s, err := Load(ctx, r, audit, "2026-01-01", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.models["alpha"]+r.models["beta"] != 0 || r.models["gamma"] != 1 || r.models["nha"] != 1 {
		t.Errorf("models read: %v, want the hub's and gamma's only", r.models)
	}
	for _, h := range s.WhatIf([]string{"cloud:microsoft"}, 2*time.Hour).Hospitals {
		if h.Org == "alpha" && len(h.Services) != 1 {
			t.Errorf("alpha's share is not its new model: %+v", h.Services)
		}
	}
	// A day later the shares still serve.
	r.models = map[string]int{}
	if _, err := Load(ctx, r, audit, "2026-01-02", nil); err != nil {
		t.Fatal(err)
	}
	if len(r.models) != 1 || r.models["nha"] != 1 {
		t.Errorf("a new day read %v", r.models)
	}
}

// slowAudits counts the transactions of audit entries, each taking a
// while, as a loaded database's do.
type slowAudits struct {
	*sqlite.Store
	mu    sync.Mutex
	calls int
}

func (s *slowAudits) AppendAudits(ctx context.Context, entries []ward.AuditEntry) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	return s.Store.AppendAudits(ctx, entries)
}

// TestAuditsTogether: twenty reads at once each have their entries in
// the log when Open returns, written in fewer transactions than reads.
func TestAuditsTogether(t *testing.T) {
	ctx := context.Background()
	st := storedSector(t, "nha", "alpha", "beta", "gamma")
	for _, org := range []string{"alpha", "beta", "gamma"} {
		if err := st.PutNationalSharing(ctx, ward.NationalSharing{Org: org, Level: ward.ShareServices, Updated: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	s := &slowAudits{Store: st}
	cache := NewCache()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := Open(ctx, s, ward.AuditEntry{Time: time.Now(), Actor: fmt.Sprintf("hub-%d", i)}, cache); err != nil {
				t.Error(err)
				return
			}
			entries, _ := st.Audit(ctx, "beta", 0, 0)
			mine := 0
			for _, e := range entries {
				if e.Actor == fmt.Sprintf("hub-%d", i) {
					mine++
				}
			}
			if mine != 1 {
				t.Errorf("hub-%d: %d entries in beta's log when Open returned", i, mine)
			}
		})
	}
	wg.Wait()
	if s.calls >= 20 || s.calls == 0 {
		t.Errorf("%d transactions for 20 reads", s.calls)
	}
	if entries, _ := st.Audit(ctx, "gamma", 0, 0); len(entries) != 20 {
		t.Errorf("gamma's log: %d entries", len(entries))
	}
}

// TestReadsAuditedOncePerWindow: a reading of a share is one entry in
// the hospital's log per ReadAuditWindow; another reader, address,
// purpose or revision is another entry, and so is the same reading once
// the window has passed.
func TestReadsAuditedOncePerWindow(t *testing.T) {
	ctx := context.Background()
	st := storedSector(t, "nha", "alpha", "beta")
	if err := st.PutNationalSharing(ctx, ward.NationalSharing{Org: "beta", Level: ward.ShareServices, Updated: time.Now()}); err != nil {
		t.Fatal(err)
	}
	betaReads := func() int {
		entries, _ := st.Audit(ctx, "beta", 0, 0)
		n := 0
		for _, e := range entries {
			if e.Action == "national.read" {
				n++
			}
		}
		return n
	}
	cache := NewCache()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	read := func(actor, remote, purpose string, at time.Duration) {
		t.Helper()
		if _, err := Open(ctx, st, ward.AuditEntry{Time: t0.Add(at), Actor: actor, Remote: remote, Detail: purpose}, cache); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		what                   string
		actor, remote, purpose string
		at                     time.Duration
		want                   int
	}{
		{"the first read", "hub", "10.0.0.1", "what-if", 0, 1},
		{"the same read ten minutes on", "hub", "10.0.0.1", "what-if", 10 * time.Minute, 1},
		{"another purpose", "hub", "10.0.0.1", "concentration", 11 * time.Minute, 2},
		{"another address", "hub", "10.0.0.2", "what-if", 12 * time.Minute, 3},
		{"another reader", "csirt", "10.0.0.1", "what-if", 13 * time.Minute, 4},
		{"the first read an hour on", "hub", "10.0.0.1", "what-if", 61 * time.Minute, 5},
		{"and again just after", "hub", "10.0.0.1", "what-if", 62 * time.Minute, 5},
	} {
		read(c.actor, c.remote, c.purpose, c.at)
		if n := betaReads(); n != c.want {
			t.Fatalf("%s: %d reads in beta's log, want %d", c.what, n, c.want)
		}
	}
	// beta writes its model: the next read is of another revision.
	if err := st.PutModels(ctx, []*ward.Model{load(t, "beta")}); err != nil {
		t.Fatal(err)
	}
	read("hub", "10.0.0.1", "what-if", 63*time.Minute)
	if n := betaReads(); n != 6 {
		t.Errorf("a new revision read: %d reads in beta's log, want 6", n)
	}
	// Without a cache every read is audited.
	for range 2 {
		if _, err := Open(ctx, st, ward.AuditEntry{Time: t0.Add(64 * time.Minute), Actor: "hub"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := betaReads(); n != 8 {
		t.Errorf("without a cache: %d reads in beta's log, want 8", n)
	}
}

// storedSector is a store (closed when the test ends) holding the models
// of testdata/sector named.
func storedSector(t *testing.T, ids ...string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var models []*ward.Model
	for _, id := range ids {
		models = append(models, load(t, id))
	}
	if err := st.PutModels(context.Background(), models); err != nil {
		t.Fatal(err)
	}
	return st
}
