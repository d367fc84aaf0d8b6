package core

import (
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
	ds, err := s.Cfg.Store.Detections(ctx, org, ward.DetectionFilter{Since: s.Cfg.Now().Add(-ObservedFor), Limit: 1000})
	if err != nil {
		return nil, err
	}
	return detect.Observations(ds), nil
}

// detectionStamp changes when a detection is kept or grows, for the cache
// of assessments.
func (s *Server) detectionStamp(ctx context.Context, org string) (string, error) {
	ds, err := s.Cfg.Store.Detections(ctx, org, ward.DetectionFilter{Since: s.Cfg.Now().Add(-ObservedFor), Limit: 1})
	if err != nil || len(ds) == 0 {
		return "", err
	}
	return fmt.Sprintf("%s:%d:%d", ds[0].ID, ds[0].Count, ds[0].LastSeen.UnixNano()), nil
}

// detectionFilter reads ?asset=, ?since= (RFC 3339) and ?limit= (1 to
// 1,000).
func detectionFilter(r *http.Request) (ward.DetectionFilter, error) {
	q := r.URL.Query()
	f := ward.DetectionFilter{Asset: q.Get("asset"), Limit: 1000}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return f, Fail(http.StatusBadRequest, "since %q: a time as RFC 3339 (2026-12-01T09:00:00Z)", v)
		}
		f.Since = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, Fail(http.StatusBadRequest, "limit %q: a number from 1 to 1000", v)
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) Detections(r *http.Request, org string) ([]ward.Detection, error) {
	if _, err := s.Cfg.Store.Revision(r.Context(), org); err != nil {
		return nil, err
	}
	f, err := detectionFilter(r)
	if err != nil {
		return nil, err
	}
	return s.Cfg.Store.Detections(r.Context(), org, f)
}
