package national

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/internal/parallel"
)

// DefaultMinGroup is the fewest hospitals a count of the national risk
// register is shown for: below it, a count could point at one hospital.
const DefaultMinGroup = 5

// Register is the national risk register: the catalog's threats assessed
// on the national services (the hubs' own models, by the same assessment
// as any hospital's, with the same explained scores), the sector's
// hospital risks counted per threat and asset kind, and the hospitals'
// baselines rolled up per measure.
type Register struct {
	Date     string `json:"date"`
	MinGroup int    `json:"min_group"`
	// National is each hub's register.
	National []HubRegister `json:"national"`
	// Sector counts, per threat and asset kind, the hospitals at each
	// severity (a hospital at its worst line); Baselines, per measure, the
	// hospitals at each status.
	Sector    []SectorRisk    `json:"sector_risks"`
	Baselines []SectorMeasure `json:"baselines"`
	// Withheld counts the rows left out because fewer than MinGroup
	// hospitals are in them.
	SectorWithheld   int `json:"sector_risks_withheld"`
	BaselineWithheld int `json:"baselines_withheld"`
	// Assessed counts the hospitals sharing their full model (only a full
	// model has the controls an assessment needs); NotAssessed those that
	// share less, left out of the sector's counts.
	Assessed    int `json:"hospitals_assessed"`
	NotAssessed int `json:"hospitals_not_assessed"`
}

// HubRegister is a hub's assessment: the risks to its national services'
// assets, explained.
type HubRegister struct {
	Org     string         `json:"org"`
	Name    string         `json:"name"`
	Summary assess.Summary `json:"summary"`
	// Services are the national services the hub publishes.
	Services []string      `json:"national_services"`
	Risks    []assess.Risk `json:"risks"`
}

// Severities orders the severity counts of a row, worst first.
var Severities = []string{"critical", "high", "medium", "low"}

// SectorRisk is one threat on one asset kind across the sector.
type SectorRisk struct {
	Threat     string `json:"threat"`
	ThreatName string `json:"threat_name"`
	Kind       string `json:"kind"`
	// Hospitals is how many hospitals have the threat on assets of the
	// kind; Counts how many of them are at each severity (null: fewer
	// than the minimum group, withheld).
	Hospitals int             `json:"hospitals"`
	Counts    map[string]*int `json:"counts"`
	// Worst is the highest severity a shown count has.
	Worst string `json:"worst"`
}

// Count is a severity's or status's count, nil when withheld.
func (r SectorRisk) Count(sev string) *int { return r.Counts[sev] }

// Statuses orders the status counts of a measure.
var Statuses = []string{assess.Met, assess.Partly, assess.NotMet, assess.NotApplicable}

// SectorMeasure is one baseline measure across the sector.
type SectorMeasure struct {
	Baseline     string `json:"baseline"`
	BaselineName string `json:"baseline_name"`
	Measure      string `json:"measure"`
	Title        string `json:"title"`
	// Hospitals is how many hospitals were checked; Counts how many at
	// each status (null: withheld).
	Hospitals int             `json:"hospitals"`
	Counts    map[string]*int `json:"counts"`
	// MetPercent is the share of hospitals meeting it, of those it
	// applies to (-1: it applies to none).
	MetPercent int `json:"met_percent"`
}

// Count is a status's count, nil when withheld.
func (m SectorMeasure) Count(status string) *int { return m.Counts[status] }

// profile is what the register needs of one hospital's assessment: its
// worst severity per threat and asset kind, and its status per measure.
// It is kept with the member (Load's cache), made once per revision and
// feeds.
type profile struct {
	mu sync.Mutex
	profileData
}

type profileData struct {
	feeds string
	today string
	done  bool
	err   error
	risks map[[2]string]string // threat, kind -> worst severity
	names map[string]string    // threat -> name
	// measures: baseline, measure -> status; titles and baseline names.
	measures  map[[2]string]string
	titles    map[[2]string]string
	baselines map[string]string
}

// RegisterOptions steer the national register.
type RegisterOptions struct {
	Catalog *catalog.Catalog
	// Matcher matches the shared assets against the hub's feeds (nil:
	// no vulnerabilities); FeedKey names the feeds' state, so that a
	// hospital is assessed again when they change.
	Matcher *intel.Matcher
	FeedKey string
	Today   string
	// MinGroup is the fewest hospitals a count is shown for (default
	// DefaultMinGroup).
	MinGroup int
}

// Register assesses the national services and rolls up the hospitals'
// assessments. Each hospital sharing its full model is assessed once per
// revision and feeds (the result kept with the member in Load's cache),
// on every core.
func (s *Sector) Register(o RegisterOptions) (*Register, error) {
	if o.MinGroup <= 0 {
		o.MinGroup = DefaultMinGroup
	}
	r := &Register{Date: o.Today, MinGroup: o.MinGroup, National: []HubRegister{}, Sector: []SectorRisk{}, Baselines: []SectorMeasure{}}
	opt := func(m *ward.Model) assess.Options {
		x := assess.Options{Today: o.Today, Matches: []intel.Match{}}
		if o.Matcher != nil {
			x.Matches = o.Matcher.Match(m.Assets)
		}
		return x
	}
	for _, h := range s.Hubs {
		res, err := assess.Assess(h, o.Catalog, opt(h))
		if err != nil {
			return nil, fmt.Errorf("assess the national services of %s: %w", h.Organisation.ID, err)
		}
		hr := HubRegister{Org: h.Organisation.ID, Name: cmp.Or(h.Organisation.Name, h.Organisation.ID), Summary: res.Summary, Risks: res.Risks, Services: []string{}}
		for _, sv := range h.Services {
			hr.Services = append(hr.Services, sv.ID)
		}
		r.National = append(r.National, hr)
	}
	var full []*Member
	for i := range s.Members {
		m := &s.Members[i]
		if m.Level == ward.ShareFull && m.Model != nil {
			if m.prof == nil {
				m.prof = &profile{}
			}
			full = append(full, m)
		} else {
			r.NotAssessed++
		}
	}
	r.Assessed = len(full)
	work := make(chan *Member)
	var wg parallel.Group
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for m := range work {
				m.profileOf(o, opt)
			}
		})
	}
	for _, m := range full {
		work <- m
	}
	close(work)
	wg.Wait()
	risks := map[[2]string]map[string]int{}
	names := map[string]string{}
	measures := map[[2]string]map[string]int{}
	titles := map[[2]string]string{}
	baselines := map[string]string{}
	for _, m := range full {
		p := m.prof
		if p.err != nil {
			return nil, fmt.Errorf("assess %s: %w", m.Org.ID, p.err)
		}
		for k, sev := range p.risks {
			if risks[k] == nil {
				risks[k] = map[string]int{}
			}
			risks[k][sev]++
		}
		for k, n := range p.names {
			names[k] = n
		}
		for k, st := range p.measures {
			if measures[k] == nil {
				measures[k] = map[string]int{}
			}
			measures[k][st]++
		}
		for k, t := range p.titles {
			titles[k] = t
		}
		for k, n := range p.baselines {
			baselines[k] = n
		}
	}
	for k, by := range risks {
		total := sum(by)
		if total < o.MinGroup {
			r.SectorWithheld++
			continue
		}
		row := SectorRisk{Threat: k[0], ThreatName: cmp.Or(names[k[0]], k[0]), Kind: k[1], Hospitals: total, Counts: suppress(by, Severities, o.MinGroup), Worst: "none"}
		for _, sev := range Severities {
			if c := row.Counts[sev]; c != nil && *c > 0 {
				row.Worst = sev
				break
			}
		}
		r.Sector = append(r.Sector, row)
	}
	// Worst first; rows whose counts are all withheld last.
	rank := func(sev string) int {
		if i := slices.Index(Severities, sev); i >= 0 {
			return i
		}
		return len(Severities)
	}
	slices.SortFunc(r.Sector, func(a, b SectorRisk) int {
		return cmp.Or(cmp.Compare(rank(a.Worst), rank(b.Worst)), cmp.Compare(derefOr(b.Counts[b.Worst]), derefOr(a.Counts[a.Worst])),
			cmp.Compare(b.Hospitals, a.Hospitals), cmp.Compare(a.Threat, b.Threat), cmp.Compare(a.Kind, b.Kind))
	})
	for k, by := range measures {
		total := sum(by)
		if total < o.MinGroup {
			r.BaselineWithheld++
			continue
		}
		row := SectorMeasure{Baseline: k[0], BaselineName: cmp.Or(baselines[k[0]], k[0]), Measure: k[1], Title: titles[k], Hospitals: total, Counts: suppress(by, Statuses, o.MinGroup), MetPercent: -1}
		// The share is of counts that are all at or above the minimum
		// group, so it tells no more than the counts shown do.
		if applies := total - by[assess.NotApplicable]; applies > 0 && row.Counts[assess.Met] != nil && (by[assess.NotApplicable] == 0 || row.Counts[assess.NotApplicable] != nil) {
			row.MetPercent = 100 * by[assess.Met] / applies
		}
		r.Baselines = append(r.Baselines, row)
	}
	// NIS2's measures first: they are what the law asks of hospitals.
	slices.SortFunc(r.Baselines, func(a, b SectorMeasure) int {
		nis2 := func(m SectorMeasure) bool { return m.Baseline != "nis2" }
		return cmp.Or(compareBool(nis2(a), nis2(b)), cmp.Compare(a.Baseline, b.Baseline), cmp.Compare(a.Measure, b.Measure))
	})
	return r, nil
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func sum(by map[string]int) int {
	n := 0
	for _, x := range by {
		n += x
	}
	return n
}

func derefOr(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// suppress turns counts into what may be shown: a count of at least one
// hospital but fewer than min is withheld (nil), and when only one count
// of a row would be withheld, the smallest other count above zero is
// withheld with it, so that the row's total does not give it away.
func suppress(by map[string]int, order []string, min int) map[string]*int {
	out := make(map[string]*int, len(order))
	hidden := 0
	for _, k := range order {
		n := by[k]
		if n > 0 && n < min {
			hidden++
			continue
		}
		out[k] = &n
	}
	if hidden == 1 {
		smallest := ""
		for _, k := range order {
			if c := out[k]; c != nil && *c > 0 && (smallest == "" || *c < *out[smallest]) {
				smallest = k
			}
		}
		if smallest != "" {
			delete(out, smallest)
		}
	}
	for _, k := range order {
		if _, ok := out[k]; !ok {
			out[k] = nil
		}
	}
	return out
}

// profileOf assesses the member's shared model, once per revision (the
// member's lifetime in the cache), feeds and day.
func (m *Member) profileOf(o RegisterOptions, opt func(*ward.Model) assess.Options) {
	p := m.prof
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done && p.feeds == o.FeedKey && p.today == o.Today {
		return
	}
	p.profileData = profileData{feeds: o.FeedKey, today: o.Today, done: true, risks: map[[2]string]string{}, names: map[string]string{},
		measures: map[[2]string]string{}, titles: map[[2]string]string{}, baselines: map[string]string{}}
	res, err := assess.Assess(m.Model, o.Catalog, opt(m.Model))
	if err != nil {
		p.err = err
		return
	}
	for _, x := range res.Risks {
		k := [2]string{x.Threat, x.Kind}
		if prev, ok := p.risks[k]; !ok || assess.SeverityRank(x.Severity) > assess.SeverityRank(prev) {
			p.risks[k] = x.Severity
		}
		p.names[x.Threat] = x.ThreatName
	}
	for _, b := range res.Baselines {
		p.baselines[b.ID] = b.Name
		for _, ms := range b.Measures {
			k := [2]string{b.ID, ms.ID}
			p.measures[k] = ms.Status
			p.titles[k] = ms.Title
		}
	}
}

// FeedKey names the state of the stored feeds (what RegisterOptions
// needs to know when they change): a digest of each file's kind, name
// and hash.
func FeedKey(feeds []ward.Feed) string {
	h := sha256.New()
	for _, f := range feeds {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", f.Kind, f.Name, f.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}
