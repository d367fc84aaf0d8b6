package assess

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
)

// Change is one candidate improvement of the hospital, as a change to the
// model that re-assessing can measure.
type Change struct {
	ID     string   `json:"id"`
	Action string   `json:"action"`
	Title  string   `json:"title"`
	Assets []string `json:"assets,omitempty"`
	Zone   string   `json:"zone,omitempty"`
	// Answers names the weakness the change removes.
	Answers string `json:"answers"`
	apply   func(m *ward.Model)
}

// PlanStep is a chosen change and what it removes.
type PlanStep struct {
	Rank int `json:"rank"`
	Change
	// Removed is the risk the change removes, given the steps before it:
	// the drop of the sum over open risks of score x assets.
	Removed int    `json:"risk_removed"`
	After   int    `json:"risk_after"`
	Why     string `json:"why"`
}

// Plan is a ranked list of changes.
type Plan struct {
	Before     int        `json:"risk_before"`
	After      int        `json:"risk_after"`
	Candidates int        `json:"candidates"`
	Steps      []PlanStep `json:"steps"`
}

// candidates derives changes from the findings: each weakness on a group of
// assets of one kind in one zone has a remedy that re-assessing can test.
func candidates(m *ward.Model, res *Result) []Change {
	assetIdx := map[string]int{}
	for i := range m.Assets {
		assetIdx[m.Assets[i].ID] = i
	}
	addControl := func(ids []string, control string) func(*ward.Model) {
		return func(m *ward.Model) {
			for _, id := range ids {
				a := &m.Assets[assetIdx[id]]
				if !slices.Contains(a.Controls, control) {
					a.Controls = append(slices.Clone(a.Controls), control)
				}
			}
		}
	}
	links := func(ids []string, fix func(l *ward.Link) bool, set func(l *ward.Link)) func(*ward.Model) {
		in := map[string]bool{}
		for _, id := range ids {
			in[id] = true
		}
		return func(m *ward.Model) {
			for i := range m.Links {
				l := &m.Links[i]
				if (in[l.From] || in[l.To]) && fix(l) {
					set(l)
				}
			}
		}
	}
	sensitiveData := func(l *ward.Link) bool {
		return !l.Encrypted && !attachment(l.Protocol) && slices.ContainsFunc(l.Data, func(d ward.DataClass) bool { return sensitive[d] })
	}
	var out []Change
	seenZone := map[string]bool{}
	for _, f := range res.Findings {
		groups := map[string][]string{}
		var keys []string
		for _, id := range f.Assets {
			a := &m.Assets[assetIdx[id]]
			k := string(a.Kind) + "\x00" + a.Zone
			if _, ok := groups[k]; !ok {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], id)
		}
		for _, k := range keys {
			ids := groups[k]
			kind, zone, _ := strings.Cut(k, "\x00")
			what := fmt.Sprintf("%d × %s in %s", len(ids), kind, zone)
			if len(ids) == 1 {
				what = ids[0]
			}
			c := Change{Answers: f.Weakness, Assets: ids}
			switch f.Weakness {
			case "internet-exposed", "no-mfa-on-exposed":
				if kind == "vpn-gateway" || f.Weakness == "no-mfa-on-exposed" {
					c.Action, c.Title, c.apply = "add-mfa", "Require MFA on "+what, addControl(ids, "mfa")
				} else {
					c.Action, c.Title = "remove-exposure", "Take "+what+" off the Internet"
					c.apply = func(m *ward.Model) {
						for _, id := range ids {
							m.Assets[assetIdx[id]].InternetExposed = false
						}
						internet := map[string]bool{}
						for _, z := range m.Zones {
							if z.Kind == "internet" {
								internet[z.ID] = true
							}
						}
						m.Links = slices.DeleteFunc(slices.Clone(m.Links), func(l ward.Link) bool {
							return internet[l.From] && slices.Contains(ids, l.To)
						})
					}
				}
			case "no-mfa-on-user-device":
				c.Action, c.Title, c.apply = "add-mfa", "Require MFA on "+what, addControl(ids, "mfa")
			case "remote-admin-from-outside", "vendor-access":
				c.Action, c.Title, c.apply = "secure-remote-access", "Broker remote access to "+what+" (on demand, MFA, recorded)", addControl(ids, "secure-remote-access")
			case "end-of-support":
				c.Action, c.Title = "replace", "Replace or upgrade "+what+" (out of support)"
				c.apply = func(m *ward.Model) {
					for _, id := range ids {
						m.Assets[assetIdx[id]].EndOfSupport = ""
					}
				}
			case "cleartext-sensitive", "wireless-clear":
				c.Action, c.Title = "encrypt-links", "Encrypt the links of "+what+" that carry sensitive data"
				c.apply = links(ids, func(l *ward.Link) bool {
					return sensitiveData(l) || ((l.Protocol == "wifi" || l.Protocol == "ble") && !l.Encrypted)
				}, func(l *ward.Link) { l.Encrypted = true })
			case "unauthenticated-inbound":
				c.Action, c.Title = "authenticate-links", "Require authentication on the links into "+what
				c.apply = links(ids, func(l *ward.Link) bool { return !l.Authenticated && !attachment(l.Protocol) }, func(l *ward.Link) { l.Authenticated = true })
			case "no-edr":
				c.Action, c.Title, c.apply = "add-edr", "Deploy EDR on "+what, addControl(ids, "edr")
			case "no-encryption-at-rest":
				c.Action, c.Title, c.apply = "encrypt-storage", "Encrypt storage on "+what, addControl(ids, "disk-encryption")
			case "single-instance":
				c.Action, c.Title, c.apply = "add-redundancy", "Add a standby for "+what, addControl(ids, "redundancy")
			case "flat-network", "untrusted-inbound":
				if seenZone[zone] {
					continue
				}
				seenZone[zone] = true
				c.Action, c.Title, c.Zone, c.Assets = "segment-zone", "Segment zone "+zone+" and filter its flows", zone, nil
				c.apply = func(m *ward.Model) {
					for i := range m.Zones {
						if z := &m.Zones[i]; z.ID == zone {
							z.Controls = append(slices.Clone(z.Controls), "segmentation", "firewall")
						}
					}
				}
			default:
				continue
			}
			c.ID = c.Action + ":" + zone + ":" + kind
			if c.Zone != "" {
				c.ID = c.Action + ":" + zone
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// cloneModel copies what changes may alter; the changes copy the lists
// inside assets and zones before they append to them.
func cloneModel(m *ward.Model) *ward.Model {
	c := *m
	c.Assets = slices.Clone(m.Assets)
	c.Links = slices.Clone(m.Links)
	c.Zones = slices.Clone(m.Zones)
	return &c
}

// scorer measures the risk of a model quickly: only the register, with the
// rules' answers for each set of facts kept between models.
type scorer struct {
	e          *evaluator
	opt        Options
	orgInRisks bool // threats or weaknesses read org: every change re-evaluates all
	mu         sync.Mutex
	cache      map[string]*outcome
}

// state is a model with the risk each asset contributes to it.
type state struct {
	m          *ward.Model
	contrib    []int
	total      int
	index      map[string]int
	neighbours [][]int
}

// contribution is the open risk on one asset: the sum of its risks' scores.
func (s *scorer) contribution(f *catalog.AssetFacts, orgKey string, e *evaluator, decided map[[2]string]bool) (int, error) {
	anon := *f
	anon.ID, anon.Name = "", ""
	b, err := json.Marshal(&anon)
	if err != nil {
		return 0, err
	}
	key := orgKey + string(b)
	s.mu.Lock()
	o, ok := s.cache[key]
	s.mu.Unlock()
	if !ok {
		if o, err = e.evaluate(f); err != nil {
			return 0, err
		}
		s.mu.Lock()
		s.cache[key] = o
		s.mu.Unlock()
	}
	total := 0
	for _, r := range o.risks {
		if !decided[[2]string{r.Threat, f.ID}] {
			total += r.Score
		}
	}
	return total, nil
}

func (s *scorer) prepare(m *ward.Model) (*ward.Model, []catalog.AssetFacts, string, *evaluator, map[[2]string]bool) {
	org, facts := Facts(m, s.opt.Today, s.opt.Vulnerabilities)
	orgKey := ""
	if s.orgInRisks {
		b, _ := json.Marshal(&org)
		orgKey = string(b)
	}
	decided := map[[2]string]bool{}
	for _, d := range m.Decisions {
		if !lapsed(d, s.opt.Today) {
			decided[[2]string{d.Threat, d.Asset}] = true
		}
	}
	e := *s.e
	e.org = &org
	return m, facts, orgKey, &e, decided
}

// full measures a model from scratch.
func (s *scorer) full(m *ward.Model) (*state, error) {
	_, facts, orgKey, e, decided := s.prepare(m)
	st := &state{m: m, contrib: make([]int, len(facts)), index: make(map[string]int, len(facts)), neighbours: make([][]int, len(facts))}
	for i := range facts {
		st.index[facts[i].ID] = i
		c, err := s.contribution(&facts[i], orgKey, e, decided)
		if err != nil {
			return nil, err
		}
		st.contrib[i] = c
		st.total += c
	}
	for _, l := range m.Links {
		a, okA := st.index[l.From]
		b, okB := st.index[l.To]
		if okA && okB {
			st.neighbours[a] = append(st.neighbours[a], b)
			st.neighbours[b] = append(st.neighbours[b], a)
		}
	}
	return st, nil
}

// with measures the model after a change, re-evaluating only the assets
// whose facts the change can alter: those it names, their neighbours, and
// the members of the zone it changes. When the catalog's threats or
// weaknesses read the organisation's facts, everything is re-evaluated.
func (s *scorer) with(st *state, c *Change) (int, error) {
	mm := cloneModel(st.m)
	c.apply(mm)
	if s.orgInRisks {
		n, err := s.full(mm)
		if err != nil {
			return 0, err
		}
		return n.total, nil
	}
	_, facts, orgKey, e, decided := s.prepare(mm)
	affected := map[int]bool{}
	for _, id := range c.Assets {
		if i, ok := st.index[id]; ok {
			affected[i] = true
			for _, j := range st.neighbours[i] {
				affected[j] = true
			}
		}
	}
	if c.Zone != "" {
		for i := range mm.Assets {
			if mm.Assets[i].Zone == c.Zone {
				affected[i] = true
			}
		}
	}
	total := st.total
	for i := range affected {
		n, err := s.contribution(&facts[i], orgKey, e, decided)
		if err != nil {
			return 0, err
		}
		total += n - st.contrib[i]
	}
	return total, nil
}

type gainItem struct {
	c     int
	gain  int
	round int
}

type gainQueue []gainItem

func (q gainQueue) Len() int { return len(q) }
func (q gainQueue) Less(i, j int) bool {
	if q[i].gain != q[j].gain {
		return q[i].gain > q[j].gain
	}
	return q[i].c < q[j].c
}
func (q gainQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *gainQueue) Push(x any)   { *q = append(*q, x.(gainItem)) }
func (q *gainQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// MakePlan chooses up to budget changes, each time the one that removes the
// most risk given those already chosen (greedy, with lazy re-evaluation:
// a change's gain is recomputed only when it reaches the top of the queue,
// since a change rarely gains from others). Every gain is measured by
// re-assessing the changed model.
func MakePlan(m *ward.Model, cat *catalog.Catalog, opt Options, budget int) (*Plan, error) {
	if cat.UsesIdentity() {
		return nil, fmt.Errorf("plan: the catalog has rules that read asset ids or names; planning needs rules that do not")
	}
	if opt.Vulnerabilities == nil && opt.Matches != nil {
		opt.Vulnerabilities = intel.Exposures(opt.Matches)
	}
	res, err := Assess(m, cat, opt)
	if err != nil {
		return nil, err
	}
	cands := Candidates(m, res, opt)
	s := &scorer{e: newEvaluator(cat, nil), opt: opt, orgInRisks: cat.RisksReadOrg(), cache: map[string]*outcome{}}
	st, err := s.full(m)
	if err != nil {
		return nil, err
	}
	before := st.total
	plan := &Plan{Before: before, After: before, Candidates: len(cands), Steps: []PlanStep{}}
	// First gains, on all cores.
	gains := make([]int, len(cands))
	errs := make([]error, len(cands))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range cands {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			after, err := s.with(st, &cands[i])
			gains[i], errs[i] = before-after, err
		})
	}
	wg.Wait()
	q := &gainQueue{}
	for i := range cands {
		if errs[i] != nil {
			return nil, errs[i]
		}
		heap.Push(q, gainItem{c: i, gain: gains[i]})
	}
	risk := before
	for len(plan.Steps) < budget && q.Len() > 0 {
		top := heap.Pop(q).(gainItem)
		if top.gain <= 0 {
			break
		}
		if r := len(plan.Steps); top.round != r {
			// Measured before the last step was chosen: measure again.
			after, err := s.with(st, &cands[top.c])
			if err != nil {
				return nil, err
			}
			top.gain, top.round = risk-after, r
			heap.Push(q, top)
			continue
		}
		next := cloneModel(st.m)
		cands[top.c].apply(next)
		if st, err = s.full(next); err != nil {
			return nil, err
		}
		after := st.total
		plan.Steps = append(plan.Steps, PlanStep{Rank: len(plan.Steps) + 1, Change: cands[top.c], Removed: risk - after, After: after,
			Why: fmt.Sprintf("removes the weakness %q: risk %d -> %d (-%d%%)", cands[top.c].Answers, risk, after, pct(risk-after, risk))})
		risk = after
	}
	plan.After = risk
	return plan, nil
}

// Candidates are the changes MakePlan chooses from, for rankings of other
// measures (loss avoided per euro).
func Candidates(m *ward.Model, res *Result, opt Options) []Change {
	if opt.Vulnerabilities == nil && opt.Matches != nil {
		opt.Vulnerabilities = intel.Exposures(opt.Matches)
	}
	cands := candidates(m, res)
	if c, ok := cutCandidate(m, opt); ok {
		cands = append(cands, c)
	}
	return cands
}

// Applied returns a copy of the model with the change made.
func (c *Change) Applied(m *ward.Model) *ward.Model {
	mm := cloneModel(m)
	c.apply(mm)
	return mm
}

// Apply returns a copy of the model with the plan's changes made.
func (p *Plan) Apply(m *ward.Model) *ward.Model {
	c := cloneModel(m)
	for _, s := range p.Steps {
		s.apply(c)
	}
	return c
}

func pct(part, whole int) int {
	if whole == 0 {
		return 0
	}
	return part * 100 / whole
}

// maxCutLinks bounds the links a cut candidate may block: past it, blocking
// is no longer a change one would make at once.
const maxCutLinks = 40

// cutCandidate proposes blocking or filtering the fewest links that every
// attack path from the entry points to the critical targets crosses.
func cutCandidate(m *ward.Model, opt Options) (Change, bool) {
	org, facts := Facts(m, opt.Today, opt.Vulnerabilities)
	ag := buildAttackGraph(m, facts, &org)
	cut, ok := ag.minimumCut(m, facts)
	if !ok || len(cut) == 0 || len(cut) > maxCutLinks {
		return Change{}, false
	}
	type key struct {
		from, to string
		p        ward.Protocol
		port     int
	}
	block := map[key]bool{}
	var names []string
	for _, li := range cut {
		l := m.Links[li]
		block[key{l.From, l.To, l.Protocol, l.Port}] = true
		names = append(names, fmt.Sprintf("%s->%s (%s)", l.From, l.To, l.Protocol))
	}
	return Change{
		ID: "filter-links:minimum-cut", Action: "filter-links", Answers: "attack paths to critical targets",
		Title: fmt.Sprintf("Block or filter %d links that every attack path to the critical targets crosses: %s", len(cut), strings.Join(names, ", ")),
		apply: func(m *ward.Model) {
			m.Links = slices.DeleteFunc(slices.Clone(m.Links), func(l ward.Link) bool { return block[key{l.From, l.To, l.Protocol, l.Port}] })
		},
	}, true
}
