package web

import (
	"net/http"

	"github.com/wardhealth/ward/server/internal/core"
	"github.com/wardhealth/ward/share"
)

// sectorPage is the dashboard's sector view.
type sectorPage struct {
	MinGroup int
	Entries  []share.SectorEntry
	// Sources are the public addresses several organisations' detections
	// saw attack them.
	Sources   []share.SourceCount
	Incidents share.IncidentSector
}

func (s *handler) webSector(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	entries, sources, err := s.Sector(r, c)
	if err != nil {
		return err
	}
	incidents, err := s.SectorIncidents(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "sector.html", "Sector", sectorPage{MinGroup: s.Cfg.MinGroup, Entries: entries, Sources: sources, Incidents: incidents})
}
