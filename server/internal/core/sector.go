package core

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/share"
)

// Sector is the hub's view of the sightings shared with it: per
// vulnerability, how many organisations sight it and patch progress over
// time, and the public sources several organisations' detections saw
// attack them, from every collection, with small groups withheld.
func (s *Server) Sector(r *http.Request, c *Call) ([]share.SectorEntry, []share.SourceCount, error) {
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
	return share.Sector(vulns, s.Cfg.MinGroup), share.Sources(objs, s.Cfg.MinGroup), nil
}

// shared reads every version of the objects of some types that the
// caller sees, from every collection.
func (s *Server) shared(r *http.Request, c *Call, types []string) ([]share.Object, error) {
	cols, err := s.Cfg.Store.Collections(r.Context())
	if err != nil {
		return nil, err
	}
	var objs []share.Object
	for _, col := range cols {
		f := ward.ObjectFilter{Collection: col.ID, Types: types, Versions: []string{"all"}, Limit: 1000}
		for {
			page, more, err := s.Cfg.Store.Objects(r.Context(), f)
			if err != nil {
				return nil, err
			}
			for _, o := range Visible(page, c) {
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
