package web

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/national"
	"github.com/wardhealth/ward/server/internal/core"
)

// registerNationalPages adds the dashboard's pages of the same.
func (s *handler) registerNationalPages() {
	s.Page("GET", "/orgs/{org}/national-sharing", core.OrgViewer, s.webNationalSharing)
	s.Page("POST", "/orgs/{org}/national-sharing", core.OrgAdmin, s.webPutNationalSharing)
	s.Page("GET", "/national", core.SectorReader, s.webNational)
	s.Page("GET", "/national/concentration", core.SectorReader, s.webNationalConcentration)
	s.Page("GET", "/national/map", core.SectorReader, s.webNationalMap)
	s.Page("GET", "/national/register", core.SectorReader, s.webNationalRegister)
}

// sharingPage shows what the organisation shares with the hub, and lets
// its administrators change it.
type sharingPage struct {
	Sharing ward.NationalSharing
	Levels  []string
	Saved   bool
}

func (s *handler) webNationalSharing(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	x, err := s.Sharing(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "national_sharing.html", "Sharing with the hub",
		sharingPage{Sharing: x, Levels: ward.ShareLevel("").Enum(), Saved: r.URL.Query().Get("saved") != ""})
}

func (s *handler) webPutNationalSharing(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := r.ParseForm(); err != nil {
		return core.Fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	if _, err := s.PutSharing(r, c, ward.ShareLevel(r.PostFormValue("level")), "form"); err != nil {
		return err
	}
	http.Redirect(w, r, "/orgs/"+url.PathEscape(c.Org)+"/national-sharing?saved=1", http.StatusSeeOther)
	return nil
}

// nationalPage is the national what-if page.
type nationalPage struct {
	Services []national.Service
	Members  []core.NationalMember
	Targets  []string
	Fail     string
	For      string
	Result   *national.WhatIf
	Error    string
}

// problemText is a refusal as a sentence for a page.
func problemText(pr *core.Problem) string {
	out := pr.Detail
	for _, e := range pr.Errors {
		out = strings.TrimSpace(out + " " + e.Message + " " + e.Hint)
	}
	return out
}

func (s *handler) webNational(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	q := r.URL.Query()
	p := nationalPage{Fail: q.Get("fail"), For: q.Get("for")}
	names, d, qerr := core.WhatIfQuery(r)
	if pr, ok := qerr.(*core.Problem); ok {
		p.Error = problemText(pr)
	} else if qerr != nil {
		return qerr
	}
	key := fmt.Sprintf("%q %q %q %d", p.Fail, p.For, names, d)
	return s.keptPage(w, r, c, "what-if page "+r.URL.RawQuery, key, "national.html", "National what-if", func(sec *national.Sector) (any, error) {
		p.Services, p.Members, p.Targets = sec.Services, core.Members(sec), sec.Targets()
		if p.Fail == "" || p.Error != "" {
			return p, nil
		}
		keys, err := sec.Resolve(names)
		if err != nil {
			p.Error = err.Error()
			return p, nil
		}
		p.Result = sec.WhatIf(keys, d)
		return p, nil
	})
}

// keptPage renders a national page's content once per state of the
// shares (nationalResult) and serves it within each caller's layout: a
// page of 500 hospitals is large, and the same for every hub user.
func (s *handler) keptPage(w http.ResponseWriter, r *http.Request, c *core.Call, purpose, key, tmpl, title string, compute func(*national.Sector) (any, error)) error {
	html, err := core.NationalResult(s.Server, r, c, purpose, "page "+tmpl+" "+key, func(sec *national.Sector) (template.HTML, error) {
		data, err := compute(sec)
		if err != nil {
			return "", err
		}
		ps, err := loadPages()
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := ps[tmpl].ExecuteTemplate(&buf, "content", pageData{Data: data}); err != nil {
			return "", err
		}
		return template.HTML(buf.String()), nil
	})
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "national_kept.html", title, html)
}

// concentrationPage is the concentration tables and the exposure.
type concentrationPage struct {
	Analysis  *national.Analysis
	Providers []national.Concentration
	Devices   []national.Concentration
	Exposures []national.Exposure
	// Trends are the exposures' histories drawn, by advisory.
	Trends   map[string]*trend
	Withheld int
	MinGroup int
}

func (s *handler) webNationalConcentration(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	feeds, err := s.FeedKey(r.Context())
	if err != nil {
		return err
	}
	return s.keptPage(w, r, c, "concentration page", feeds, "national_concentration.html", "Concentration", func(sec *national.Sector) (any, error) {
		a := sec.Analyse()
		p := concentrationPage{Analysis: a, MinGroup: s.Cfg.MinGroup}
		for _, x := range a.Concentration {
			if x.Kind == national.KindDevice {
				p.Devices = append(p.Devices, x)
			} else {
				p.Providers = append(p.Providers, x)
			}
		}
		x, err := s.ExposureOf(r.Context(), sec)
		if err != nil {
			return nil, err
		}
		p.Exposures, p.Withheld = x.Items, x.Withheld
		p.Trends = map[string]*trend{}
		for _, e := range p.Exposures {
			p.Trends[e.Advisory] = drawTrend(e.History)
		}
		return p, nil
	})
}

// sectorMap is the sector drawn as SVG: hospitals as nodes grouped by
// region (the organisation's ISO 3166-2 region, else its country) on the
// left, national services and providers on the right,
// a line for each dependency.
type sectorMap struct {
	Width, Height int
	Groups        []mapGroup
	Providers     []mapProvider
	Edges         []mapEdge
	// Runs are what the national services run on: a curve from a
	// national service to a provider (or national service) it needs.
	Runs []mapRun
	// Hidden counts the providers not drawn (only the most depended on
	// are).
	Hidden int
}

func abs(x int) int { return max(x, -x) }

type mapGroup struct {
	// Region is the group's label: a region code, or a country for the
	// hospitals that name no region.
	Region     string
	X, Y, W, H int
	Hospitals  []mapHospital
}

// MaxMapProviders is how many providers the sector map draws.
const MaxMapProviders = 40

func drawSector(sec *national.Sector, a *national.Analysis) sectorMap {
	const perRow, step, pad, provH = 12, 26, 14, 28
	m := sectorMap{Width: 1180}
	by := map[string][]national.Member{}
	for _, mem := range sec.Members {
		region := cmp.Or(mem.Org.Region, mem.Org.Country, "—")
		by[region] = append(by[region], mem)
	}
	countries := make([]string, 0, len(by))
	for k := range by {
		countries = append(countries, k)
	}
	sort.Strings(countries)
	pos := map[string][2]int{}
	y := 20
	for _, ctry := range countries {
		list := by[ctry]
		rows := (len(list) + perRow - 1) / perRow
		g := mapGroup{Region: ctry, X: 10, Y: y, W: perRow*step + 2*pad, H: rows*step + 2*pad + 14}
		for i, mem := range list {
			hx, hy := g.X+pad+(i%perRow)*step+step/2, g.Y+pad+14+(i/perRow)*step+step/2
			g.Hospitals = append(g.Hospitals, mapHospital{Org: mem.Org.ID, Name: cmp.Or(mem.Org.Name, mem.Org.ID), Level: string(mem.Level), X: hx, Y: hy})
			pos[mem.Org.ID] = [2]int{hx, hy}
		}
		m.Groups = append(m.Groups, g)
		y += g.H + 12
	}
	py := 20
	for _, c := range a.Concentration {
		if c.Kind == national.KindDevice {
			continue
		}
		if len(m.Providers) == MaxMapProviders {
			m.Hidden++
			continue
		}
		p := mapProvider{Key: c.Key, Name: c.Name, Kind: c.Kind, Hospitals: c.Hospitals, X: 760, Y: py, W: 320}
		m.Providers = append(m.Providers, p)
		for _, org := range c.Orgs {
			if h, ok := pos[org]; ok {
				m.Edges = append(m.Edges, mapEdge{X1: h[0], Y1: h[1], X2: p.X, Y2: p.Y + provH/2, Kind: c.Kind})
			}
		}
		py += provH + 8
	}
	// National services no member binds to yet are drawn too.
	for _, sv := range sec.Services {
		if len(sv.Bound) == 0 && len(m.Providers) < MaxMapProviders {
			m.Providers = append(m.Providers, mapProvider{Key: national.KindNational + ":" + sv.ID, Name: sv.Name, Kind: national.KindNational, X: 760, Y: py, W: 320})
			py += provH + 8
		}
	}
	// What the national services run on: a curve on the right from each
	// national service to the providers of the hub's assets it needs,
	// and to the national services it needs.
	box := map[string]mapProvider{}
	for _, p := range m.Providers {
		box[p.Key] = p
	}
	for _, h := range sec.Hubs {
		zone := map[string]ward.ZoneKind{}
		for _, z := range h.Zones {
			zone[z.ID] = z.Kind
		}
		assets := map[string]*ward.Asset{}
		for i := range h.Assets {
			assets[h.Assets[i].ID] = &h.Assets[i]
		}
		for _, sv := range h.Services {
			from, ok := box[national.KindNational+":"+sv.ID]
			if !ok {
				continue
			}
			seen := map[string]bool{}
			for _, d := range sv.DependsOn {
				keys := []string{national.KindNational + ":" + d}
				if a, ok := assets[d]; ok {
					keys = national.Providers(a, zone[a.Zone])
				}
				for _, k := range keys {
					to, ok := box[k]
					if !ok || seen[k] || k == from.Key {
						continue
					}
					seen[k] = true
					y1, y2 := from.Y+provH/2, to.Y+provH/2
					m.Runs = append(m.Runs, mapRun{X: from.X + from.W, Y1: y1, Y2: y2, CX: from.X + from.W + 24 + abs(y2-y1)/6, CY: (y1 + y2) / 2, Kind: to.Kind})
				}
			}
		}
	}
	m.Height = max(y, py) + 20
	slices.SortStableFunc(m.Edges, func(a, b mapEdge) int { return strings.Compare(a.Kind, b.Kind) })
	return m
}

func (s *handler) webNationalMap(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.keptPage(w, r, c, "sector map", "", "national_map.html", "Sector map", func(sec *national.Sector) (any, error) {
		return drawSector(sec, sec.Analyse()), nil
	})
}

// registerPage is the national risk register page: each hub's top lines.
type registerPage struct {
	*national.Register
	Top        int
	Severities []string
	Statuses   []string
}

// MaxRegisterLines is how many of a hub's register lines the page shows.
const MaxRegisterLines = 30

func (s *handler) webNationalRegister(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	feeds, err := s.FeedKey(r.Context())
	if err != nil {
		return err
	}
	return s.keptPage(w, r, c, "register page", feeds, "national_register.html", "National risk register", func(sec *national.Sector) (any, error) {
		reg, err := s.RegisterOf(r.Context(), sec, feeds)
		if err != nil {
			return nil, err
		}
		return registerPage{Register: reg, Top: MaxRegisterLines, Severities: national.Severities, Statuses: national.Statuses}, nil
	})
}

type mapRun struct {
	X, Y1, Y2, CX, CY int
	Kind              string
}

// Stroke is the run's colour.
func (r mapRun) Stroke() string { return kindColour(r.Kind) }

type mapHospital struct {
	Org, Name, Level string
	X, Y             int
}

type mapProvider struct {
	Key, Name, Kind string
	Hospitals       int
	X, Y, W         int
}

type mapEdge struct {
	X1, Y1, X2, Y2 int
	Kind           string
}

// kindColour is the colour of a provider kind on the sector map.
func kindColour(kind string) string {
	switch kind {
	case national.KindNational:
		return "#1f6feb"
	case national.KindCloud:
		return "#8250df"
	case national.KindTelecom:
		return "#bf8700"
	case national.KindRemote:
		return "#cf222e"
	}
	return "#57606a"
}

// Fill is the provider's colour.
func (p mapProvider) Fill() string { return kindColour(p.Kind) }

// Stroke is the edge's colour.
func (e mapEdge) Stroke() string { return kindColour(e.Kind) }

// Fill is the hospital's colour: darker the more it shares.
func (h mapHospital) Fill() string {
	if h.Level == string(ward.ShareCounts) {
		return "#d0d7de"
	}
	return "#2da44e"
}
