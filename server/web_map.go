package server

import (
	"net/http"
	"net/url"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/report"
)

// MaxMapPaths is how many attack targets the map offers a path for: the
// most likely path to each of the most exposed targets, the first drawn.
const MaxMapPaths = 5

// mapPage is the interconnection map: the report's diagram, drawn with
// the data that static/map.js needs to make it interactive (which lines
// touch which asset, where each asset's page is) in data-* attributes,
// so the page needs no inline script and no second request.
type mapPage struct {
	Diagram report.Diagram
	Paths   []mapPath
	// AssetBase is the address of the asset pages, an id to be appended.
	AssetBase string
}

// mapPath is the most likely attack path to one target, with its lines.
type mapPath struct {
	Index  int
	Target assess.TargetPaths
	Path   assess.AttackPath
	Edges  []report.Edge
}

func (s *Server) webMap(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.assessed(r.Context(), c.org)
	if err != nil {
		return err
	}
	worst, _ := report.WorstOpen(v.Result)
	d := report.Draw(v.Model, worst)
	out := mapPage{Diagram: d, AssetBase: "/orgs/" + url.PathEscape(c.org) + "/assets/"}
	for _, tp := range v.Result.Paths {
		if len(out.Paths) == MaxMapPaths {
			break
		}
		if len(tp.Paths) == 0 {
			continue
		}
		out.Paths = append(out.Paths, mapPath{Index: len(out.Paths), Target: tp, Path: tp.Paths[0], Edges: d.Path(tp.Paths[0])})
	}
	return s.render(w, r, c, http.StatusOK, "map.html", "Interconnection map", out)
}
