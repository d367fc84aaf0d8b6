package web

import (
	"cmp"
	"context"
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server/internal/core"
)

// registerDetectionPages adds the dashboard's pages of the same.
func (s *handler) registerDetectionPages() {
	s.Page("GET", "/orgs/{org}/detections", core.OrgViewer, s.webDetections)
}

// detectionsPage lists the detections, with the asset names of the model.
type detectionsPage struct {
	Detections []ward.Detection
	Names      map[string]string
	Asset      string
}

func (s *handler) webDetections(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	ds, err := s.Detections(r, c.Org)
	if err != nil {
		return err
	}
	m, _, err := s.Model(r, c.Org)
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
func (s *handler) recentDetections(ctx context.Context, org string) (int, error) {
	ds, err := s.Cfg.Store.Detections(ctx, org, ward.DetectionFilter{Since: s.Cfg.Now().Add(-core.ObservedFor), Limit: 1000})
	return len(ds), err
}
