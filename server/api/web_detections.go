package api

import (
	"net/http"

	"github.com/wardhealth/ward/server/internal/core"
)

// registerDetections adds the routes of the detections kept in the
// store: the API's list and the dashboard's page.
func (s *handler) registerDetections() {
	s.Handle("GET", "/api/v1/orgs/{org}/detections", core.OrgViewer, s.apiDetections)
}

func (s *handler) apiDetections(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	ds, err := s.Detections(r, c.Org)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"detections": ds})
	return nil
}
