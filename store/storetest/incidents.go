package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// testIncidents: an incident is stored with its audit entry, versions
// guard concurrent writers, it outlives a model import, and goes with its
// organisation.
func testIncidents(t *testing.T, s ward.Store) {
	ctx := context.Background()
	m := model(t, 60, 1, "hosp-a")
	if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	aware := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	inc := ward.Incident{ID: "INC-1", Org: "hosp-a", Title: "Ransomware on the PACS", Status: ward.IncidentSuspected, Severity: "high",
		AwareAt: aware, OpenedAt: aware, Assets: []string{m.Assets[0].ID}}
	audited := ward.WithAudit(ctx, ward.AuditEntry{Time: aware, Actor: "alice", Org: "hosp-a", Action: "incident.open", Target: "INC-1"})
	if err := s.PutIncident(audited, inc, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutIncident(ctx, inc, 0); !errors.Is(err, ward.ErrExists) {
		t.Errorf("opening it twice: %v", err)
	}
	got, err := s.Incident(ctx, "hosp-a", "INC-1")
	if err != nil || got.Version != 1 || got.Title != inc.Title || !got.AwareAt.Equal(aware) {
		t.Fatalf("read back: %+v %v", got, err)
	}
	entries, err := s.Audit(ctx, "hosp-a", 0, 0)
	if err != nil || len(entries) != 1 || entries[0].Action != "incident.open" {
		t.Errorf("audit: %+v %v", entries, err)
	}
	got.Status = ward.IncidentConfirmed
	if err := s.PutIncident(ctx, got, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.PutIncident(ctx, got, 1); !errors.Is(err, ward.ErrConflict) {
		t.Errorf("a stale write: %v", err)
	}
	if err := s.PutIncident(ctx, ward.Incident{ID: "INC-9", Org: "hosp-a"}, 3); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("updating a missing incident: %v", err)
	}
	closed := ward.Incident{ID: "INC-0", Org: "hosp-a", Title: "Old", Status: ward.IncidentClosed, Severity: "low", AwareAt: aware.Add(-48 * time.Hour)}
	if err := s.PutIncident(ctx, closed, 0); err != nil {
		t.Fatal(err)
	}
	// A new import of the model keeps the register.
	if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Incidents(ctx, "hosp-a", ward.IncidentFilter{})
	if err != nil || len(all) != 2 || all[0].ID != "INC-1" || all[0].Version != 2 {
		t.Fatalf("all: %+v %v", all, err)
	}
	open, _ := s.Incidents(ctx, "hosp-a", ward.IncidentFilter{Open: true})
	if len(open) != 1 || open[0].ID != "INC-1" {
		t.Errorf("open: %+v", open)
	}
	if other, _ := s.Incidents(ctx, "hosp-b", ward.IncidentFilter{}); len(other) != 0 {
		t.Errorf("another organisation sees %d incidents", len(other))
	}
	// Closing with a change of the model: both in one transaction, or
	// neither.
	rev, _ := s.Revision(ctx, "hosp-a")
	cur, _ := s.Incident(ctx, "hosp-a", "INC-1")
	cur.Status = ward.IncidentClosed
	m.Organisation.Controls = append(m.Organisation.Controls, "mfa")
	stale := ward.WithIncident(ctx, cur, cur.Version-1)
	if err := s.PutModelAt(stale, m, rev); !errors.Is(err, ward.ErrConflict) {
		t.Errorf("a model put with a stale incident: %v", err)
	}
	if r, _ := s.Revision(ctx, "hosp-a"); r != rev {
		t.Errorf("the model was stored though its incident was refused: revision %d, was %d", r, rev)
	}
	both := ward.WithAudit(ward.WithIncident(ctx, cur, cur.Version), ward.AuditEntry{Time: aware, Actor: "alice", Org: "hosp-a", Action: "incident.close", Target: "INC-1"})
	if err := s.PutModelAt(both, m, rev); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Incident(ctx, "hosp-a", "INC-1"); got.Status != ward.IncidentClosed || got.Version != cur.Version+1 {
		t.Errorf("closed with the model: %+v", got)
	}
	if err := s.DeleteOrganisation(ctx, "hosp-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incident(ctx, "hosp-a", "INC-1"); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("after the organisation went: %v", err)
	}
}
