package server

import (
	"encoding/json"
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/share"
)

// sector is the hub's view of the sightings shared with it: per
// vulnerability, how many organisations sight it and patch progress over
// time, from every collection, with small groups withheld.
func (s *Server) sector(r *http.Request, c *call) ([]share.SectorEntry, error) {
	objs, err := s.shared(r, c, []string{"sighting", "vulnerability"})
	if err != nil {
		return nil, err
	}
	return share.Sector(objs, s.cfg.MinGroup), nil
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
	entries, err := s.sector(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"min_group": s.cfg.MinGroup, "items": entries})
	return nil
}

// sectorPage is the dashboard's sector view.
type sectorPage struct {
	MinGroup  int
	Entries   []share.SectorEntry
	Incidents share.IncidentSector
}

func (s *Server) webSector(w http.ResponseWriter, r *http.Request, c *call) error {
	entries, err := s.sector(r, c)
	if err != nil {
		return err
	}
	incidents, err := s.sectorIncidents(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "sector.html", "Sector", sectorPage{s.cfg.MinGroup, entries, incidents})
}
