package national

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/internal/parallel"
)

// Concentration is how many hospitals depend on one provider, one
// national service or one device model, and how many of them have a
// clinical service that stops when it fails.
type Concentration struct {
	Key  string `json:"key"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Hospitals counts the members with an asset depending on it; Assets
	// those assets.
	Hospitals int `json:"hospitals"`
	Assets    int `json:"assets"`
	// Stopped counts the hospitals with a clinical service that stops
	// when it fails alone (devices: not computed); Services those
	// services.
	Stopped  int      `json:"hospitals_stopped"`
	Services int      `json:"services_stopped"`
	Orgs     []string `json:"orgs"`
}

// Analysis is the sector's concentration and its national single points
// of failure.
type Analysis struct {
	// Concentration lists providers, national services and device models
	// by the number of hospitals depending on them, most first.
	Concentration []Concentration `json:"concentration"`
	// SinglePoints are the targets whose failure alone stops clinical
	// services in two hospitals or more, most hospitals first.
	SinglePoints []Concentration `json:"national_single_points_of_failure"`
	Considered   int             `json:"hospitals_considered"`
}

// Analyse computes the concentration and the national single points of
// failure: every target is failed alone in every member's shared model,
// each model's network built once for all of them (assess.Stops).
func (s *Sector) Analyse() *Analysis {
	names := map[string]string{}
	for _, sv := range s.Services {
		names[KindNational+":"+sv.ID] = sv.Name
	}
	conc := map[string]*Concentration{}
	entry := func(key string) *Concentration {
		c := conc[key]
		if c == nil {
			kind, _, _ := strings.Cut(key, ":")
			c = &Concentration{Key: key, Kind: kind, Orgs: []string{}}
			conc[key] = c
		}
		return c
	}
	// What each target takes down at the hubs.
	targets := s.Targets()
	downFor := make([]map[string]bool, len(targets))
	for i := range downFor {
		downFor[i] = map[string]bool{}
		if id, ok := strings.CutPrefix(targets[i], KindNational+":"); ok {
			downFor[i][id] = true
		}
	}
	for _, h := range s.Hubs {
		for _, a := range h.Assets {
			names["asset:"+a.ID] = cmp.Or(a.Name, a.ID)
		}
		ix := indexModel(h)
		for k, n := range ix.names {
			if _, ok := names[k]; !ok {
				names[k] = n
			}
		}
		sets := make([][]string, len(targets))
		for i, t := range targets {
			sets[i] = append(failedIn(ix, []string{t}, nil), hubAssets(h, []string{t})...)
		}
		for i, stops := range assess.Stops(h, sets) {
			for _, k := range stops {
				downFor[i][h.Services[k].ID] = true
			}
		}
	}
	for i := range downFor {
		s.closeOver(downFor[i])
	}
	type result struct {
		org      string
		counts   map[string]int // key -> assets
		stops    []int          // per target: services stopped
		hasModel bool
	}
	results := make([]result, len(s.Members))
	var mu sync.Mutex
	work := make(chan int)
	var wg parallel.Group
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range work {
				m := s.Members[j].Model
				ix := s.Members[j].indexOf()
				local := map[string]string{}
				for k, n := range ix.names {
					local[k] = n
				}
				r := result{org: s.Members[j].Org.ID, counts: map[string]int{}, stops: make([]int, len(targets)), hasModel: true}
				for k, ids := range ix.assets {
					r.counts[k] = len(ids)
				}
				for i := range m.Assets {
					if k := DeviceKey(&m.Assets[i]); k != "" {
						r.counts[k]++
						if _, ok := local[k]; !ok {
							a := &m.Assets[i]
							local[k] = strings.TrimSpace(a.Vendor + " " + a.Product + " " + a.Model)
						}
					}
				}
				sets := make([][]string, len(targets))
				for i, t := range targets {
					sets[i] = failedIn(ix, []string{t}, downFor[i])
				}
				for i, stops := range assess.Stops(m, sets) {
					r.stops[i] = len(stops)
				}
				results[j] = r
				mu.Lock()
				for k, n := range local {
					if _, ok := names[k]; !ok {
						names[k] = n
					}
				}
				mu.Unlock()
			}
		})
	}
	for j := range s.Members {
		if s.Members[j].Model != nil {
			work <- j
		}
	}
	close(work)
	wg.Wait()
	a := &Analysis{Concentration: []Concentration{}, SinglePoints: []Concentration{}}
	spof := map[string]*Concentration{}
	for _, r := range results {
		if !r.hasModel {
			continue
		}
		a.Considered++
		for k, n := range r.counts {
			c := entry(k)
			c.Hospitals++
			c.Assets += n
			c.Orgs = append(c.Orgs, r.org)
		}
		for i, n := range r.stops {
			if n == 0 {
				continue
			}
			c := entry(targets[i])
			c.Stopped++
			c.Services += n
			if spof[targets[i]] == nil {
				spof[targets[i]] = c
			}
		}
	}
	for _, c := range conc {
		c.Name = cmp.Or(names[c.Key], strings.TrimPrefix(c.Key, "asset:"))
		sort.Strings(c.Orgs)
		if c.Hospitals > 0 {
			a.Concentration = append(a.Concentration, *c)
		}
	}
	for _, c := range spof {
		if c.Stopped >= 2 {
			a.SinglePoints = append(a.SinglePoints, *c)
		}
	}
	order := func(by func(c *Concentration) int) func(x, y Concentration) int {
		return func(x, y Concentration) int {
			return cmp.Or(cmp.Compare(by(&y), by(&x)), cmp.Compare(x.Key, y.Key))
		}
	}
	slices.SortFunc(a.Concentration, order(func(c *Concentration) int { return c.Hospitals }))
	slices.SortFunc(a.SinglePoints, order(func(c *Concentration) int { return c.Stopped*1_000_000 + c.Services }))
	return a
}

// Exposure is one advisory's reach in the sector: how many hospitals run a
// device it names, from what they share.
type Exposure struct {
	Advisory  string   `json:"advisory"`
	CVEs      []string `json:"cves"`
	Products  []string `json:"products"`
	Hospitals int      `json:"hospitals"`
	Assets    int      `json:"assets"`
	Exploited bool     `json:"exploited,omitempty"`
	Orgs      []string `json:"orgs"`
	// Below marks an advisory that reached the minimum group on an
	// earlier day and fewer hospitals now (but not none): its counts are
	// withheld, its history shown.
	Below bool `json:"below_min_group,omitempty"`
	// History is the advisory's reach by day, as the hub recorded it:
	// patch progress.
	History []Point `json:"history,omitempty"`
}

// Point is an advisory's reach on a day; Hospitals is nil when it was
// fewer than the minimum group (but not none): withheld.
type Point struct {
	Day       string `json:"day"`
	Hospitals *int   `json:"hospitals"`
}

// Points are ward.ExposurePoint series as they may be shown, by
// advisory: counts of fewer than minGroup hospitals withheld, a count of
// none shown (it singles no one out).
func Points(history []ward.ExposurePoint, minGroup int) map[string][]Point {
	out := map[string][]Point{}
	for _, p := range history {
		pt := Point{Day: p.Day}
		if n := p.Hospitals; n == 0 || n >= minGroup {
			pt.Hospitals = &n
		}
		out[p.Advisory] = append(out[p.Advisory], pt)
	}
	return out
}

// Record is what the hub keeps of the exposures computed on a day.
func Record(all []Exposure) []ward.ExposurePoint {
	out := make([]ward.ExposurePoint, len(all))
	for i, e := range all {
		out[i] = ward.ExposurePoint{Advisory: e.Advisory, Hospitals: e.Hospitals, Assets: e.Assets}
	}
	return out
}

// Exposures matches the members' shared assets against the advisories
// and counts, per advisory, the hospitals and assets named. Advisories
// reaching fewer than minGroup hospitals are withheld, so that no hospital
// can be singled out: only how many are withheld is told.
func (s *Sector) Exposures(m *intel.Matcher, minGroup int) (items []Exposure, withheld int) {
	return Withhold(s.Exposed(m), minGroup)
}

// Exposed is every advisory's reach, small groups included: what the
// hub records (ward.NationalStore.RecordExposures) and never shows as
// it is.
func (s *Sector) Exposed(m *intel.Matcher) []Exposure {
	by := map[string]*Exposure{}
	seen := map[string]map[string]bool{}
	for _, mem := range s.Members {
		if mem.Model == nil {
			continue
		}
		assets := map[string]bool{}
		for _, x := range m.Match(mem.Model.Assets) {
			e := by[x.Advisory]
			if e == nil {
				e = &Exposure{Advisory: x.Advisory, CVEs: []string{}, Products: []string{}, Orgs: []string{}}
				by[x.Advisory] = e
				seen[x.Advisory] = map[string]bool{}
			}
			if x.CVE != "" && !slices.Contains(e.CVEs, x.CVE) {
				e.CVEs = append(e.CVEs, x.CVE)
			}
			if x.Product != "" && !slices.Contains(e.Products, x.Product) {
				e.Products = append(e.Products, x.Product)
			}
			e.Exploited = e.Exploited || x.Exploited
			if k := x.Advisory + "\x00" + x.Asset; !assets[k] {
				assets[k] = true
				e.Assets++
			}
			if !seen[x.Advisory][mem.Org.ID] {
				seen[x.Advisory][mem.Org.ID] = true
				e.Hospitals++
				e.Orgs = append(e.Orgs, mem.Org.ID)
			}
		}
	}
	all := make([]Exposure, 0, len(by))
	for _, e := range by {
		sort.Strings(e.CVEs)
		sort.Strings(e.Orgs)
		all = append(all, *e)
	}
	return all
}

// Withhold keeps the advisories reaching minGroup hospitals or more, most
// hospitals first, and counts those left out.
func Withhold(all []Exposure, minGroup int) (items []Exposure, withheld int) {
	items = []Exposure{}
	for _, e := range all {
		if e.Hospitals < minGroup {
			withheld++
			continue
		}
		items = append(items, e)
	}
	slices.SortFunc(items, func(x, y Exposure) int {
		return cmp.Or(cmp.Compare(y.Hospitals, x.Hospitals), cmp.Compare(y.Assets, x.Assets), cmp.Compare(x.Advisory, y.Advisory))
	})
	return items, withheld
}

// Levels is every member's share level, for the hub's list.
func (s *Sector) Levels() map[string]ward.ShareLevel {
	out := map[string]ward.ShareLevel{}
	for _, m := range s.Members {
		out[m.Org.ID] = m.Level
	}
	return out
}

// ExposureOverTime matches the shared assets against the feeds, records
// the day's counts at the hub (small groups too: they are the hub's, and
// never shown as they are) and returns the advisories reaching minGroup
// hospitals or more, each with its history: how many hospitals it
// reached each day it was counted, so that patch progress shows.
func (s *Sector) ExposureOverTime(ctx context.Context, st ward.NationalStore, m *intel.Matcher, today string, minGroup int) (items []Exposure, withheld int, err error) {
	all := s.Exposed(m)
	if err := st.RecordExposures(ctx, today, Record(all)); err != nil {
		return nil, 0, fmt.Errorf("record the day's exposure: %w", err)
	}
	history, err := st.ExposureHistory(ctx, "")
	if err != nil {
		return nil, 0, fmt.Errorf("read the exposure history: %w", err)
	}
	series := Points(history, minGroup)
	items, withheld = Withhold(all, minGroup)
	shown := map[string]bool{}
	for i := range items {
		items[i].History = series[items[i].Advisory]
		shown[items[i].Advisory] = true
	}
	// An advisory shown on an earlier day stays, so that its fall shows:
	// at none, as none; at fewer than minGroup, withheld (Below).
	now := map[string]Exposure{}
	for _, e := range all {
		now[e.Advisory] = e
	}
	for _, adv := range sortedKeys(series) {
		if shown[adv] || !slices.ContainsFunc(series[adv], func(p Point) bool { return p.Hospitals != nil && *p.Hospitals > 0 }) {
			continue
		}
		e := Exposure{Advisory: adv, CVEs: []string{}, Products: []string{}, Orgs: []string{}, History: series[adv]}
		if x, ok := now[adv]; ok {
			e.CVEs, e.Products, e.Exploited, e.Below = x.CVEs, x.Products, x.Exploited, true
		}
		items = append(items, e)
	}
	return items, withheld, nil
}
