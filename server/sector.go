package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/share"
)

// sector is the hub's view of the sightings shared with it: per
// vulnerability, how many organisations sight it and patch progress over
// time, and the public sources several organisations' detections saw
// attack them, from every collection, with small groups withheld.
func (s *Server) sector(r *http.Request, c *call) ([]share.SectorEntry, []share.SourceCount, error) {
	objs, err := s.shared(r, c, []string{"sighting", "vulnerability", "indicator"})
	if err != nil {
		return nil, nil, err
	}
	// Sightings of vulnerabilities make the sector's vulnerabilities;
	// those of indicators (detections' attacking sources) its sources.
	var vulns []share.Object
	for _, o := range objs {
		if o.Type == "vulnerability" || o.Type == "sighting" && strings.HasPrefix(o.Str("sighting_of_ref"), "vulnerability--") {
			vulns = append(vulns, o)
		}
	}
	return share.Sector(vulns, s.cfg.MinGroup), share.Sources(objs, s.cfg.MinGroup), nil
}

// shared reads every version of the objects of some types that the
// caller sees, from every collection.
func (s *Server) shared(r *http.Request, c *call, types []string) ([]share.Object, error) {
	cols, err := s.cfg.Store.Collections(r.Context())
	if err != nil {
		return nil, err
	}
	var objs []share.Object
	for _, col := range cols {
		f := ward.ObjectFilter{Collection: col.ID, Types: types, Versions: []string{"all"}, Limit: 1000}
		for {
			page, more, err := s.cfg.Store.Objects(r.Context(), f)
			if err != nil {
				return nil, err
			}
			for _, o := range visible(page, c) {
				var so share.Object
				if json.Unmarshal(o.Data, &so) == nil {
					objs = append(objs, so)
				}
			}
			if !more || len(page) == 0 {
				break
			}
			f.After = page[len(page)-1].Seq
		}
	}
	return objs, nil
}

func (s *Server) apiSector(w http.ResponseWriter, r *http.Request, c *call) error {
	entries, sources, err := s.sector(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"min_group": s.cfg.MinGroup, "items": entries, "sources": sources})
	return nil
}

// sectorPage is the dashboard's sector view.
type sectorPage struct {
	MinGroup int
	Entries  []share.SectorEntry
	// Sources are the public addresses several organisations' detections
	// saw attack them.
	Sources   []share.SourceCount
	Incidents share.IncidentSector
}

func (s *Server) webSector(w http.ResponseWriter, r *http.Request, c *call) error {
	entries, sources, err := s.sector(r, c)
	if err != nil {
		return err
	}
	incidents, err := s.sectorIncidents(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "sector.html", "Sector", sectorPage{MinGroup: s.cfg.MinGroup, Entries: entries, Sources: sources, Incidents: incidents})
}
