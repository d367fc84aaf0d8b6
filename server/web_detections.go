package server

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/detect"
)

// ObservedFor is how long a kept detection counts as an observation in
// the assessment the dashboard shows: what was seen in the last 30 days.
const ObservedFor = 30 * 24 * time.Hour

// observed are the organisation's detections of the last ObservedFor, as
// the assessment's observations (detect.Observations).
func (s *Server) observed(ctx context.Context, org string) ([]assess.Observation, error) {
	ds, err := s.cfg.Store.Detections(ctx, org, ward.DetectionFilter{Since: s.cfg.Now().Add(-ObservedFor), Limit: 1000})
	if err != nil {
		return nil, err
	}
	return detect.Observations(ds), nil
}

// detectionStamp changes when a detection is kept or grows, for the cache
// of assessments.
func (s *Server) detectionStamp(ctx context.Context, org string) (string, error) {
	ds, err := s.cfg.Store.Detections(ctx, org, ward.DetectionFilter{Since: s.cfg.Now().Add(-ObservedFor), Limit: 1})
	if err != nil || len(ds) == 0 {
		return "", err
	}
	return fmt.Sprintf("%s:%d:%d", ds[0].ID, ds[0].Count, ds[0].LastSeen.UnixNano()), nil
}

// registerDetections adds the routes of the detections kept in the
// store: the API's list and the dashboard's page.
func (s *Server) registerDetections() {
	s.handle("GET", "/api/v1/orgs/{org}/detections", orgViewer, s.apiDetections)
	s.page("GET", "/orgs/{org}/detections", orgViewer, s.webDetections)
}

// detectionFilter reads ?asset=, ?since= (RFC 3339) and ?limit= (1 to
// 1,000).
func detectionFilter(r *http.Request) (ward.DetectionFilter, error) {
	q := r.URL.Query()
	f := ward.DetectionFilter{Asset: q.Get("asset"), Limit: 1000}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return f, fail(http.StatusBadRequest, "since %q: a time as RFC 3339 (2026-12-01T09:00:00Z)", v)
		}
		f.Since = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, fail(http.StatusBadRequest, "limit %q: a number from 1 to 1000", v)
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) detections(r *http.Request, org string) ([]ward.Detection, error) {
	if _, err := s.cfg.Store.Revision(r.Context(), org); err != nil {
		return nil, err
	}
	f, err := detectionFilter(r)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.Detections(r.Context(), org, f)
}

func (s *Server) apiDetections(w http.ResponseWriter, r *http.Request, c *call) error {
	ds, err := s.detections(r, c.org)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"detections": ds})
	return nil
}

// detectionsPage lists the detections, with the asset names of the model.
type detectionsPage struct {
	Detections []ward.Detection
	Names      map[string]string
	Asset      string
}

func (s *Server) webDetections(w http.ResponseWriter, r *http.Request, c *call) error {
	ds, err := s.detections(r, c.org)
	if err != nil {
		return err
	}
	m, _, err := s.model(r, c.org)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range m.Assets {
		names[a.ID] = cmp.Or(a.Name, a.ID)
	}
	return s.render(w, r, c, http.StatusOK, "detections.html", "Detections", detectionsPage{Detections: ds, Names: names, Asset: r.URL.Query().Get("asset")})
}

// recentDetections counts the detections kept in the last ObservedFor.
func (s *Server) recentDetections(ctx context.Context, org string) (int, error) {
	ds, err := s.cfg.Store.Detections(ctx, org, ward.DetectionFilter{Since: s.cfg.Now().Add(-ObservedFor), Limit: 1000})
	return len(ds), err
}
