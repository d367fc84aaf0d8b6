package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// testUsers: users with memberships round-trip, names are unique, failed
// sign-ins count and lock.
func testUsers(t *testing.T, s ward.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	alice := ward.User{ID: "u1", Name: "alice", PasswordHash: "$argon2id$x", Created: now,
		Memberships: []ward.Membership{{Org: "st-example", Role: ward.RoleAnalyst}, {Org: "north", Role: ward.RoleViewer}}}
	if err := s.PutUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUser(ctx, ward.User{ID: "u2", Name: "alice", Created: now}); !errors.Is(err, ward.ErrExists) {
		t.Errorf("second alice: %v, want ErrExists", err)
	}
	hub := ward.User{ID: "u3", Name: "csirt", Created: now, Memberships: []ward.Membership{{Org: ward.AllOrganisations, Role: ward.RoleHub}}}
	if err := s.PutUser(ctx, hub); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "u1" || got.PasswordHash != "$argon2id$x" || !got.Created.Equal(now) || len(got.Memberships) != 2 ||
		got.RoleIn("st-example") != ward.RoleAnalyst || got.RoleIn("north") != ward.RoleViewer || got.RoleIn("south") != "" {
		t.Errorf("alice %+v", got)
	}
	if h, _ := s.User(ctx, "u3"); h.RoleIn("anything") != ward.RoleHub {
		t.Errorf("hub role %+v", h)
	}
	// Replacing changes memberships.
	alice.Memberships = []ward.Membership{{Org: "st-example", Role: ward.RoleAdmin}}
	if err := s.PutUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, "u1"); len(got.Memberships) != 1 || got.RoleIn("st-example") != ward.RoleAdmin {
		t.Errorf("replaced memberships %+v", got.Memberships)
	}
	if _, err := s.User(ctx, "nobody"); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("missing user: %v", err)
	}
	// Three failures are free, then waits of 1 s, 2 s, 4 s.
	b := ward.LoginBackoff{Free: 3, First: time.Second, Max: 4 * time.Second, Forget: time.Hour}
	for i, want := range []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		u, err := s.LoginFailed(ctx, "u1", now, b)
		if err != nil {
			t.Fatal(err)
		}
		if u.FailedLogins != i+1 || !u.LockedUntil.Equal(now.Add(want)) {
			t.Errorf("after %d failures: %d, held back until %v, want %v", i+1, u.FailedLogins, u.LockedUntil, now.Add(want))
		}
	}
	// An hour after the last wait ended, the failures are forgotten.
	later := now.Add(4*time.Second + time.Hour + time.Minute)
	if u, err := s.LoginFailed(ctx, "u1", later, b); err != nil || u.FailedLogins != 1 || !u.LockedUntil.Equal(later) {
		t.Errorf("a failure long after: %d failures, until %v (%v)", u.FailedLogins, u.LockedUntil, err)
	}
	if err := s.LoginSucceeded(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, "u1"); u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("after success %+v", u)
	}
	if us, _ := s.Users(ctx); len(us) != 2 || us[0].Name != "alice" || us[1].Name != "csirt" {
		t.Errorf("users %+v", us)
	}
	// Sessions and tokens go with their user.
	s.PutSession(ctx, ward.Session{Hash: "h1", UserID: "u1", CSRF: "c", Created: now, Expires: now.Add(time.Hour)})
	s.PutToken(ctx, ward.Token{ID: "t1", UserID: "u1", Name: "ci", Hash: "th1", Scope: ward.ScopeRead, Created: now, Expires: now.Add(time.Hour)})
	if err := s.DeleteUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h1", now); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("session of a deleted user: %v", err)
	}
	if _, err := s.TokenByHash(ctx, "th1", now); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("token of a deleted user: %v", err)
	}
}

// testSessionsAndTokens: lookups by hash honour expiry; tokens list and
// revoke per user.
func testSessionsAndTokens(t *testing.T, s ward.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"u1", "u2"} {
		if err := s.PutUser(ctx, ward.User{ID: id, Name: "user-" + id, Created: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutSession(ctx, ward.Session{Hash: "h1", UserID: "u1", CSRF: "csrf1", Created: now, Expires: now.Add(time.Hour), Remote: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, "h1", now.Add(59*time.Minute))
	if err != nil || got.UserID != "u1" || got.CSRF != "csrf1" || got.Remote != "10.0.0.1" || !got.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("session %+v, %v", got, err)
	}
	if _, err := s.Session(ctx, "h1", now.Add(time.Hour)); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("expired session: %v", err)
	}
	s.PutSession(ctx, ward.Session{Hash: "h2", UserID: "u1", CSRF: "c", Created: now, Expires: now.Add(time.Hour)})
	if err := s.DeleteSession(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h2", now); err != nil {
		t.Errorf("other session gone: %v", err)
	}
	if err := s.DeleteSessions(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h2", now); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("signed out everywhere: %v", err)
	}

	tok := ward.Token{ID: "t1", UserID: "u1", Name: "scanner", Hash: "hash1", Scope: ward.ScopeWrite, Org: "st-example", Created: now, Expires: now.Add(24 * time.Hour)}
	if err := s.PutToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	s.PutToken(ctx, ward.Token{ID: "t2", UserID: "u1", Name: "old", Hash: "hash2", Scope: ward.ScopeRead, Created: now.Add(-time.Hour), Expires: now.Add(-time.Minute)})
	if got, err := s.TokenByHash(ctx, "hash1", now); err != nil || got.Name != "scanner" || got.Scope != ward.ScopeWrite || got.Org != "st-example" {
		t.Errorf("token %+v, %v", got, err)
	}
	if _, err := s.TokenByHash(ctx, "hash2", now); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("expired token: %v", err)
	}
	if ts, _ := s.Tokens(ctx, "u1"); len(ts) != 2 || ts[0].ID != "t1" {
		t.Errorf("tokens %+v", ts)
	}
	if err := s.DeleteToken(ctx, "u2", "t1"); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("another user revoked a token: %v", err)
	}
	if err := s.DeleteToken(ctx, "u1", "t1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByHash(ctx, "hash1", now); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("revoked token: %v", err)
	}
}

// testAudit: entries chain, list by organisation, and verify.
func testAudit(t *testing.T, s ward.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.UTC)
	for i, org := range []string{"st-example", "north", "st-example"} {
		e, err := s.AppendAudit(ctx, ward.AuditEntry{Time: now.Add(time.Duration(i) * time.Second), Actor: "alice", Org: org, Action: "model.import", Target: org, Remote: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(i+1) || e.Hash == "" || (i == 0) != (e.Prev == "") {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	all, err := s.Audit(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ward.VerifyAudit(all, nil, nil); err != nil || len(all) != 3 {
		t.Errorf("verify %d entries: %v", len(all), err)
	}
	if some, _ := s.Audit(ctx, "st-example", 1, 10); len(some) != 1 || some[0].Seq != 3 {
		t.Errorf("st-example after 1: %+v", some)
	}
	tampered := append([]ward.AuditEntry(nil), all...)
	tampered[1].Actor = "mallory"
	if _, err := ward.VerifyAudit(tampered, nil, nil); err == nil {
		t.Error("a changed entry verifies")
	}
	if _, err := ward.VerifyAudit(append(all[:1:1], all[2]), nil, nil); err == nil {
		t.Error("a removed entry verifies")
	}

	// From here the chain is keyed and its head kept in a file.
	keyed, ok := s.(interface {
		SetAudit(key []byte, headFile string)
	})
	if !ok {
		t.Fatal("the store cannot key its audit chain (SetAudit)")
	}
	key := []byte("a key kept outside the database")
	headFile := filepath.Join(t.TempDir(), "audit.head")
	keyed.SetAudit(key, headFile)
	defer keyed.SetAudit(nil, "")
	// A write and its entry go in one transaction: both or neither.
	u := ward.User{ID: "u9", Name: "ines", PasswordHash: "$argon2id$x", Created: now, Memberships: []ward.Membership{}}
	entry := ward.AuditEntry{Time: now, Actor: "root", Action: "user.create", Target: "ines"}
	if err := s.PutUser(ward.WithAudit(ctx, entry), u); err != nil {
		t.Fatal(err)
	}
	u.ID = "u10" // the same name: refused, and so is its entry
	if err := s.PutUser(ward.WithAudit(ctx, entry), u); !errors.Is(err, ward.ErrExists) {
		t.Fatalf("a second user named ines: %v", err)
	}
	tok := ward.Token{ID: "t9", UserID: "u9", Name: "ci", Hash: "h9", Scope: ward.ScopeRead, Created: now, Expires: now.Add(time.Hour)}
	if err := s.PutToken(ward.WithAudit(ctx, ward.AuditEntry{Time: now, Actor: "ines", Action: "token.create", Target: "ci"}), tok); err != nil {
		t.Fatal(err)
	}
	all, _ = s.Audit(ctx, "", 0, 0)
	if len(all) != 5 || all[3].Action != "user.create" || all[4].Action != "token.create" || !all[4].Keyed || all[2].Keyed {
		t.Fatalf("entries after the writes: %+v", all)
	}
	head, err := readHead(headFile)
	if err != nil || head.Seq != 5 || head.Hash != all[4].Hash {
		t.Fatalf("head %+v (%v), want entry 5", head, err)
	}
	check, err := ward.VerifyAudit(all, key, &head)
	if err != nil || check.Unkeyed != 3 || check.Entries != 5 {
		t.Errorf("keyed chain: %+v %v", check, err)
	}
	if _, err := ward.VerifyAudit(all, []byte("another key"), &head); err == nil {
		t.Error("the chain verifies under another key")
	}
	// Someone who can write the database but has not the key: rewriting
	// an entry and recomputing the chain without the key, removing the
	// last entries, removing every one — each is named.
	rewritten := append([]ward.AuditEntry(nil), all...)
	rewritten[3].Actor = "mallory"
	prev := rewritten[2].Hash
	for i := 3; i < len(rewritten); i++ {
		rewritten[i].Prev, rewritten[i].Keyed = prev, false
		rewritten[i].Hash = rewritten[i].ChainHash(nil)
		prev = rewritten[i].Hash
	}
	for name, c := range map[string][]ward.AuditEntry{"rewritten unkeyed": rewritten, "last entry removed": all[:4], "every entry removed": nil} {
		if _, err := ward.VerifyAudit(c, key, &head); err == nil {
			t.Errorf("%s: verifies", name)
		}
	}
}

func readHead(path string) (ward.AuditHead, error) {
	var h ward.AuditHead
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &h)
	}
	return h, err
}

// testRevisions: each put bumps the revision; PutModelAt refuses a stale
// one; assessments are kept per organisation and survive model puts.
func testRevisions(t *testing.T, s ward.Store) {
	ctx := context.Background()
	m := model(t, 60, 1, "st-example")
	if rev, err := s.Revision(ctx, "st-example"); err != nil || rev != 0 {
		t.Fatalf("revision before: %d, %v", rev, err)
	}
	if err := s.PutModelAt(ctx, m, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutModelAt(ctx, m, 0); !errors.Is(err, ward.ErrConflict) {
		t.Errorf("stale put: %v", err)
	}
	if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	if rev, _ := s.Revision(ctx, "st-example"); rev != 2 {
		t.Errorf("revision after two puts: %d", rev)
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	id1, err := s.PutAssessment(ctx, ward.Assessment{Org: "st-example", Revision: 2, Created: now, Actor: "alice", Data: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	id2, _ := s.PutAssessment(ctx, ward.Assessment{Org: "st-example", Revision: 2, Created: now.Add(time.Minute), Actor: "bob", Data: []byte(`{"a":2}`)})
	if err := s.PutModelAt(ctx, m, 2); err != nil {
		t.Fatal(err)
	}
	latest, err := s.Assessment(ctx, "st-example", 0)
	if err != nil || latest.ID != id2 || string(latest.Data) != `{"a":2}` || latest.Actor != "bob" {
		t.Errorf("latest %+v, %v", latest, err)
	}
	if first, _ := s.Assessment(ctx, "st-example", id1); string(first.Data) != `{"a":1}` || !first.Created.Equal(now) {
		t.Errorf("first %+v", first)
	}
	if _, err := s.Assessment(ctx, "north", id1); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("another organisation's assessment: %v", err)
	}
	if list, _ := s.Assessments(ctx, "st-example", 10); len(list) != 2 || list[0].ID != id2 || list[0].Data != nil {
		t.Errorf("list %+v", list)
	}
	if err := s.DeleteOrganisation(ctx, "st-example"); err != nil {
		t.Fatal(err)
	}
	if rev, _ := s.Revision(ctx, "st-example"); rev != 0 {
		t.Errorf("revision after delete: %d", rev)
	}
	if _, err := s.Assessment(ctx, "st-example", 0); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("assessment after delete: %v", err)
	}
	if revs, err := s.Revisions(ctx); err != nil || revs["st-example"] != 0 {
		t.Errorf("revisions after delete: %v, %v", revs, err)
	}
	// Made again under the same id, it goes on from the deleted one's
	// revision (3), so that no revision names two models.
	if err := s.PutModelAt(ctx, m, 0); err != nil {
		t.Fatalf("put after delete: %v", err)
	}
	if rev, _ := s.Revision(ctx, "st-example"); rev != 4 {
		t.Errorf("revision of the organisation made again: %d, want 4", rev)
	}
	if revs, _ := s.Revisions(ctx); revs["st-example"] != 4 {
		t.Errorf("revisions of the organisation made again: %v", revs)
	}
	if err := s.PutModelAt(ctx, m, 3); !errors.Is(err, ward.ErrConflict) {
		t.Errorf("a put against the deleted organisation's revision: %v", err)
	}
}
