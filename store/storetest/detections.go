package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// testDetections: a detection is stored with its audit entry, grows in
// place under its id, is listed latest seen first and by asset, belongs
// to its organisation only, and needs one.
func testDetections(t *testing.T, s ward.Store) {
	ctx := context.Background()
	a, b := model(t, 60, 1, "org-a"), model(t, 60, 2, "org-b")
	if err := s.PutModels(ctx, []*ward.Model{a, b}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 14, 0, 0, time.UTC)
	bf := ward.Detection{Rule: "ward-bruteforce-source", Title: "Brute force from one source", Level: "high", Techniques: []string{"T1110"},
		Asset: a.Assets[0].ID, Group: []string{"src_ip=203.0.113.7"}, Source: "203.0.113.7", Count: 10, FirstSeen: at, LastSeen: at.Add(time.Minute),
		Evidence: []ward.LogLine{{File: "auth.log", Line: 8, Text: "Failed password for root from 203.0.113.7"}}, Origin: "syslog"}
	bf.ID = ward.DetectionID(bf.Rule, bf.Asset, "", bf.Group, bf.FirstSeen)
	flood := ward.Detection{Rule: "ward-web-flood-source", Title: "Flood", Asset: a.Assets[1].ID, Count: 300, FirstSeen: at.Add(time.Hour), LastSeen: at.Add(time.Hour)}
	flood.ID = ward.DetectionID(flood.Rule, flood.Asset, "", nil, flood.FirstSeen)
	audited := ward.WithAudit(ctx, ward.AuditEntry{Time: at, Actor: "test", Org: "org-a", Action: "detection.record", Target: bf.ID, Detail: "2 new"})
	if n, err := s.PutDetections(audited, "org-a", []ward.Detection{bf, flood}); err != nil || n != 2 {
		t.Fatalf("put: %d %v", n, err)
	}
	bf.Count, bf.LastSeen = 14, at.Add(2*time.Minute)
	if n, err := s.PutDetections(ctx, "org-a", []ward.Detection{bf}); err != nil || n != 0 {
		t.Fatalf("put again: %d %v", n, err)
	}
	got, err := s.Detections(ctx, "org-a", ward.DetectionFilter{})
	if err != nil || len(got) != 2 || got[0].ID != flood.ID || got[1].Count != 14 || !got[1].LastSeen.Equal(bf.LastSeen) || got[1].Evidence[0].Line != 8 {
		t.Fatalf("detections: %+v %v", got, err)
	}
	if got, _ := s.Detections(ctx, "org-a", ward.DetectionFilter{Asset: a.Assets[0].ID}); len(got) != 1 || got[0].Source != "203.0.113.7" {
		t.Errorf("by asset: %+v", got)
	}
	if got, _ := s.Detections(ctx, "org-a", ward.DetectionFilter{Since: at.Add(30 * time.Minute)}); len(got) != 1 {
		t.Errorf("since: %+v", got)
	}
	if got, _ := s.Detections(ctx, "org-b", ward.DetectionFilter{}); len(got) != 0 {
		t.Errorf("another organisation's: %+v", got)
	}
	if _, err := s.PutDetections(ctx, "org-none", []ward.Detection{bf}); !errors.Is(err, ward.ErrNotFound) {
		t.Errorf("no organisation: %v", err)
	}
	entries, err := s.Audit(ctx, "org-a", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || e.Action == "detection.record" && e.Target == bf.ID
	}
	if !found {
		t.Errorf("no audit entry: %+v", entries)
	}
}
