package server

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/national"
)

// The national authority's view (docs/national.md): the hub's national
// services, what each organisation shares with it, and over that the
// dependencies across operators.

func (s *Server) registerNational() {
	s.handle("GET", "/api/v1/national", sectorReader, s.apiNational)
	s.handle("GET", "/api/v1/national/whatif", sectorReader, s.apiNationalWhatIf)
	s.handle("GET", "/api/v1/national/concentration", sectorReader, s.apiNationalConcentration)
	s.handle("GET", "/api/v1/national/exposure", sectorReader, s.apiNationalExposure)
	s.handle("GET", "/api/v1/national/register", sectorReader, s.apiNationalRegister)
	s.handle("GET", "/api/v1/orgs/{org}/national-sharing", orgViewer, s.apiNationalSharing)
	s.handle("PUT", "/api/v1/orgs/{org}/national-sharing", orgAdmin, s.apiPutNationalSharing)
	s.page("GET", "/orgs/{org}/national-sharing", orgViewer, s.webNationalSharing)
	s.page("POST", "/orgs/{org}/national-sharing", orgAdmin, s.webPutNationalSharing)
	s.page("GET", "/national", sectorReader, s.webNational)
	s.page("GET", "/national/concentration", sectorReader, s.webNationalConcentration)
	s.page("GET", "/national/map", sectorReader, s.webNationalMap)
	s.page("GET", "/national/register", sectorReader, s.webNationalRegister)
}

// sharing is what an organisation shares with the hub (none without a
// setting).
func (s *Server) sharing(ctx context.Context, org string) (ward.NationalSharing, error) {
	all, err := s.cfg.Store.NationalSharings(ctx)
	if err != nil {
		return ward.NationalSharing{}, err
	}
	for _, x := range all {
		if x.Org == org {
			return x, nil
		}
	}
	return ward.NationalSharing{Org: org, Level: ward.ShareNone}, nil
}

// hubMayRead lets a caller whose only role in an organisation is the hub
// role into the organisation's own routes only when it shares its full
// model with the hub, and records the read in the audit log; otherwise
// the organisation is not found, as for anyone without a role there.
func (s *Server) hubMayRead(r *http.Request, c *call) error {
	x, err := s.sharing(r.Context(), c.org)
	if err != nil {
		return err
	}
	if x.Level != ward.ShareFull {
		return fail(http.StatusNotFound, "organisation %q: not found (it does not share its model with the hub)", c.org)
	}
	return s.audit(r.Context(), c, "hub.read", r.URL.Path, "")
}

// reshare makes again what the organisation shares with the hub after
// its model is written at rev, so that the national view reads the share
// rather than the model; a failure costs only that shortcut.
func (s *Server) reshare(ctx context.Context, m *ward.Model, rev int64) {
	if err := national.Reshare(context.WithoutCancel(ctx), s.cfg.Store, []*ward.Model{m}, map[string]int64{m.Organisation.ID: rev}); err != nil {
		s.log.Warn("national share not made", "org", m.Organisation.ID, "err", err)
	}
}

// sectorError is a binding to nothing as a conflict.
func sectorError(err error) error {
	if be := (*national.BindingError)(nil); errors.As(err, &be) {
		return fail(http.StatusConflict, "%v", err)
	}
	return err
}

// nationalResult is what compute makes of the sector, kept by key, day
// and the fingerprint of what the sector is read from (every share's
// level and revision): the national pages are read far more often than
// hospitals change, and a result of 500 hospitals takes a second or more
// to make. Every request is audited as a read of each share all the same
// (national.Open), kept result or not; requests that miss together wait
// for one computation. Errors are not kept.
func nationalResult[T any](s *Server, r *http.Request, c *call, purpose, key string, compute func(*national.Sector) (T, error)) (T, error) {
	var zero T
	ctx := r.Context()
	rd, err := national.Open(ctx, s.cfg.Store, s.entry(c, "national.read", "", purpose), s.national)
	if err != nil {
		return zero, err
	}
	today := national.Today(s.cfg.Now())
	k := key + "\x00" + today + "\x00" + rd.Fingerprint()
	if v, ok := s.nationalResults.get(k); ok {
		return v.(T), nil
	}
	v, err, _ := s.nationalFlight.Do(k, func() (any, error) {
		if v, ok := s.nationalResults.get(k); ok {
			return v, nil
		}
		// The first caller's cancellation must not fail the others.
		sec, err := rd.Load(context.WithoutCancel(ctx), s.cfg.Store, today, s.national)
		if err != nil {
			return nil, sectorError(err)
		}
		v, err := compute(sec)
		if err != nil {
			return nil, err
		}
		s.nationalResults.put(k, v)
		return v, nil
	})
	if err != nil {
		return zero, err
	}
	return v.(T), nil
}

// feedKey names the state of the hub's stored feeds, for the results
// that read them.
func (s *Server) feedKey(ctx context.Context) (string, error) {
	list, err := s.cfg.Store.Feeds(ctx)
	if err != nil {
		return "", err
	}
	return national.FeedKey(list), nil
}

// nationalMember is a member as the API lists it.
type nationalMember struct {
	Org     string          `json:"org"`
	Name    string          `json:"name"`
	Country string          `json:"country,omitempty"`
	Level   ward.ShareLevel `json:"level"`
	Summary *ward.Summary   `json:"summary,omitempty"`
}

func members(sec *national.Sector) []nationalMember {
	out := []nationalMember{}
	for _, m := range sec.Members {
		sum := m.Summary
		out = append(out, nationalMember{Org: m.Org.ID, Name: m.Org.Name, Country: m.Org.Country, Level: m.Level, Summary: &sum})
	}
	return out
}

// sectorBasics is who is in the sector and what may fail.
type sectorBasics struct {
	Services []national.Service `json:"national_services"`
	Members  []nationalMember   `json:"members"`
	Targets  []string           `json:"targets"`
}

func (s *Server) sectorBasics(r *http.Request, c *call, purpose string) (sectorBasics, error) {
	return nationalResult(s, r, c, purpose, "basics", func(sec *national.Sector) (sectorBasics, error) {
		return sectorBasics{Services: sec.Services, Members: members(sec), Targets: sec.Targets()}, nil
	})
}

func (s *Server) apiNational(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := s.sectorBasics(r, c, "members")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// whatIfQuery reads ?fail= (comma-separated or repeated) and ?for=.
func whatIfQuery(r *http.Request) (fail []string, d time.Duration, err error) {
	q := r.URL.Query()
	for _, v := range q["fail"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				fail = append(fail, f)
			}
		}
	}
	if v := q.Get("for"); v != "" {
		x, perr := ward.ParseDuration(v)
		if perr != nil {
			return nil, 0, invalid(modelfile.Errors{{File: "query", Field: "for", Message: perr.Error(), Hint: "a duration such as 30m, 4h or 2d"}})
		}
		d = time.Duration(x)
	}
	return fail, d, nil
}

// nationalWhatIf is the what-if the query asks for: bad input is refused
// before anything is read.
func (s *Server) nationalWhatIf(r *http.Request, c *call, purpose string) (*national.WhatIf, error) {
	names, d, err := whatIfQuery(r)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, invalid(modelfile.Errors{{File: "query", Field: "fail", Message: "name what fails", Hint: "a national service (erx), a provider (cloud:microsoft) or a hub asset; GET /api/v1/national lists the targets"}})
	}
	key := fmt.Sprintf("whatif %q %d", names, d)
	return nationalResult(s, r, c, purpose, key, func(sec *national.Sector) (*national.WhatIf, error) {
		keys, err := sec.Resolve(names)
		if err != nil {
			return nil, invalid(modelfile.Errors{{File: "query", Field: "fail", Message: err.Error()}})
		}
		return sec.WhatIf(keys, d), nil
	})
}

func (s *Server) apiNationalWhatIf(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := s.nationalWhatIf(r, c, "what-if "+r.URL.RawQuery)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) analysis(r *http.Request, c *call, purpose string) (*national.Analysis, error) {
	return nationalResult(s, r, c, purpose, "analysis", func(sec *national.Sector) (*national.Analysis, error) { return sec.Analyse(), nil })
}

func (s *Server) apiNationalConcentration(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.analysis(r, c, "concentration")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// exposure is the advisories' reach, small groups withheld.
type exposure struct {
	MinGroup int                 `json:"min_group"`
	Withheld int                 `json:"withheld"`
	Items    []national.Exposure `json:"items"`
}

// exposures matches what is shared against the hub's feeds, recording
// the day's counts for the history (once per day, feeds and state of the
// shares: the counts would not change).
func (s *Server) exposures(r *http.Request, c *call, purpose string) (exposure, error) {
	feeds, err := s.feedKey(r.Context())
	if err != nil {
		return exposure{}, err
	}
	return nationalResult(s, r, c, purpose, "exposure "+feeds, func(sec *national.Sector) (exposure, error) {
		return s.exposureOf(r.Context(), sec)
	})
}

// exposureOf matches the sector against the feeds and records the day's
// counts.
func (s *Server) exposureOf(ctx context.Context, sec *national.Sector) (exposure, error) {
	ctx = context.WithoutCancel(ctx)
	f, err := intel.LoadStored(ctx, s.cfg.Store)
	if err != nil {
		return exposure{}, err
	}
	x := exposure{MinGroup: s.cfg.MinGroup}
	x.Items, x.Withheld, err = sec.ExposureOverTime(ctx, s.cfg.Store, f.Matcher(), national.Today(s.cfg.Now()), s.cfg.MinGroup)
	return x, err
}

func (s *Server) apiNationalExposure(w http.ResponseWriter, r *http.Request, c *call) error {
	x, err := s.exposures(r, c, "exposure")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

func (s *Server) apiNationalSharing(w http.ResponseWriter, r *http.Request, c *call) error {
	x, err := s.sharing(r.Context(), c.org)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

func (s *Server) apiPutNationalSharing(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		Level ward.ShareLevel `json:"level"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	x, err := s.putSharing(r, c, in.Level, "body")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

// putSharing stores what the organisation shares with the hub, audited;
// field names where a bad level came from (the API's body, the form).
func (s *Server) putSharing(r *http.Request, c *call, level ward.ShareLevel, field string) (ward.NationalSharing, error) {
	if level.Rank() < 0 {
		return ward.NationalSharing{}, invalid(modelfile.Errors{{File: field, Field: "level", Message: fmt.Sprintf("level %q: none, counts, services or full", level)}})
	}
	x := ward.NationalSharing{Org: c.org, Level: level, Updated: s.cfg.Now().UTC(), By: c.user.Name}
	if err := s.cfg.Store.PutNationalSharing(s.audited(r.Context(), c, "national.sharing", c.org, string(level)), x); err != nil {
		return ward.NationalSharing{}, err
	}
	if err := national.ReshareStored(r.Context(), s.cfg.Store, c.org); err != nil {
		s.log.Warn("national share not made", "org", c.org, "err", err)
	}
	return x, nil
}

// sharingPage shows what the organisation shares with the hub, and lets
// its administrators change it.
type sharingPage struct {
	Sharing ward.NationalSharing
	Levels  []string
	Saved   bool
}

func (s *Server) webNationalSharing(w http.ResponseWriter, r *http.Request, c *call) error {
	x, err := s.sharing(r.Context(), c.org)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "national_sharing.html", "Sharing with the hub",
		sharingPage{Sharing: x, Levels: ward.ShareLevel("").Enum(), Saved: r.URL.Query().Get("saved") != ""})
}

func (s *Server) webPutNationalSharing(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := r.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	if _, err := s.putSharing(r, c, ward.ShareLevel(r.PostFormValue("level")), "form"); err != nil {
		return err
	}
	http.Redirect(w, r, "/orgs/"+url.PathEscape(c.org)+"/national-sharing?saved=1", http.StatusSeeOther)
	return nil
}

// nationalPage is the national what-if page.
type nationalPage struct {
	Services []national.Service
	Members  []nationalMember
	Targets  []string
	Fail     string
	For      string
	Result   *national.WhatIf
	Error    string
}

// problemText is a refusal as a sentence for a page.
func problemText(pr *problem) string {
	out := pr.Detail
	for _, e := range pr.Errors {
		out = strings.TrimSpace(out + " " + e.Message + " " + e.Hint)
	}
	return out
}

func (s *Server) webNational(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	p := nationalPage{Fail: q.Get("fail"), For: q.Get("for")}
	names, d, qerr := whatIfQuery(r)
	if pr, ok := qerr.(*problem); ok {
		p.Error = problemText(pr)
	} else if qerr != nil {
		return qerr
	}
	key := fmt.Sprintf("%q %q %q %d", p.Fail, p.For, names, d)
	return s.keptPage(w, r, c, "what-if page "+r.URL.RawQuery, key, "national.html", "National what-if", func(sec *national.Sector) (any, error) {
		p.Services, p.Members, p.Targets = sec.Services, members(sec), sec.Targets()
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
func (s *Server) keptPage(w http.ResponseWriter, r *http.Request, c *call, purpose, key, tmpl, title string, compute func(*national.Sector) (any, error)) error {
	html, err := nationalResult(s, r, c, purpose, "page "+tmpl+" "+key, func(sec *national.Sector) (template.HTML, error) {
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

func (s *Server) webNationalConcentration(w http.ResponseWriter, r *http.Request, c *call) error {
	feeds, err := s.feedKey(r.Context())
	if err != nil {
		return err
	}
	return s.keptPage(w, r, c, "concentration page", feeds, "national_concentration.html", "Concentration", func(sec *national.Sector) (any, error) {
		a := sec.Analyse()
		p := concentrationPage{Analysis: a, MinGroup: s.cfg.MinGroup}
		for _, x := range a.Concentration {
			if x.Kind == national.KindDevice {
				p.Devices = append(p.Devices, x)
			} else {
				p.Providers = append(p.Providers, x)
			}
		}
		x, err := s.exposureOf(r.Context(), sec)
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

type mapRun struct {
	X, Y1, Y2, CX, CY int
	Kind              string
}

// Stroke is the run's colour.
func (r mapRun) Stroke() string { return kindColour(r.Kind) }

func abs(x int) int { return max(x, -x) }

type mapGroup struct {
	// Region is the group's label: a region code, or a country for the
	// hospitals that name no region.
	Region     string
	X, Y, W, H int
	Hospitals  []mapHospital
}

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

func (s *Server) webNationalMap(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.keptPage(w, r, c, "sector map", "", "national_map.html", "Sector map", func(sec *national.Sector) (any, error) {
		return drawSector(sec, sec.Analyse()), nil
	})
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

// fullySharing lists the organisations that share their full model with
// the hub: those whose own pages the hub role reads.
func (s *Server) fullySharing(ctx context.Context) (map[string]bool, error) {
	all, err := s.cfg.Store.NationalSharings(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, x := range all {
		if x.Level == ward.ShareFull {
			out[x.Org] = true
		}
	}
	return out, nil
}

// nationalRegister is the national risk register over the sector, against the
// hub's stored feeds.
func (s *Server) nationalRegister(r *http.Request, c *call) (*national.Register, error) {
	feeds, err := s.feedKey(r.Context())
	if err != nil {
		return nil, err
	}
	return nationalResult(s, r, c, "register", "register "+feeds, func(sec *national.Sector) (*national.Register, error) {
		return s.registerOf(r.Context(), sec, feeds)
	})
}

// registerOf is the sector's register against the hub's feeds.
func (s *Server) registerOf(ctx context.Context, sec *national.Sector, feeds string) (*national.Register, error) {
	f, err := intel.LoadStored(context.WithoutCancel(ctx), s.cfg.Store)
	if err != nil {
		return nil, err
	}
	return sec.Register(national.RegisterOptions{Catalog: s.cfg.Catalog, Matcher: f.Matcher(), FeedKey: feeds,
		Today: national.Today(s.cfg.Now()), MinGroup: s.cfg.RegisterMinGroup})
}

func (s *Server) apiNationalRegister(w http.ResponseWriter, r *http.Request, c *call) error {
	reg, err := s.nationalRegister(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reg)
	return nil
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

func (s *Server) webNationalRegister(w http.ResponseWriter, r *http.Request, c *call) error {
	feeds, err := s.feedKey(r.Context())
	if err != nil {
		return err
	}
	return s.keptPage(w, r, c, "register page", feeds, "national_register.html", "National risk register", func(sec *national.Sector) (any, error) {
		reg, err := s.registerOf(r.Context(), sec, feeds)
		if err != nil {
			return nil, err
		}
		return registerPage{Register: reg, Top: MaxRegisterLines, Severities: national.Severities, Statuses: national.Statuses}, nil
	})
}
