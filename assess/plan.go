package assess

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/internal/parallel"
)

// Change is one candidate improvement of the hospital, as a change to the
// model that re-assessing can measure.
type Change struct {
	ID     string   `json:"id"`
	Action string   `json:"action"`
	Title  string   `json:"title"`
	Assets []string `json:"assets,omitempty"`
	Zone   string   `json:"zone,omitempty"`
	// Zones are the zones a change segments when it is on several zones
	// alike (Zone is the first).
	Zones []string `json:"zones,omitempty"`
	// Rules are the firewall rules the change closes or filters.
	Rules []string `json:"rules,omitempty"`
	// Patched are the assets whose matched vulnerabilities the change
	// fixes: the model itself does not change (Options.Patched).
	Patched []string `json:"patched,omitempty"`
	// Answers names the weakness the change removes ("; " between
	// several, when the same remedy answers more than one on its assets).
	Answers string `json:"answers"`
	// Places is how many places (the assets of one kind in one zone, a
	// zone, a rule, a single point of failure) the change is made on;
	// Alike, when it groups more than one or part of one, says what they
	// have in common (docs/attack-paths.md, "Candidates grouped").
	Places int    `json:"places"`
	Alike  string `json:"alike,omitempty"`
	apply  func(m *ward.Model)
	// touch says what apply changes, so that the plan re-evaluates only
	// that; nil when the change alters links, rules or the organisation,
	// which the plan then measures on the whole model.
	touch *scope
}

// PlanStep is a chosen change and what it removes.
type PlanStep struct {
	Rank int `json:"rank"`
	Change
	// Removed is what the change removes, given the steps before it: the
	// drop of the open register risk (the sum over open risks of score x
	// assets) plus the path exposure of the critical targets (100 x the
	// probability of the most likely attack path to each). RiskRemoved and
	// ExposureRemoved are its two parts.
	Removed         int `json:"removed"`
	After           int `json:"after"`
	RiskRemoved     int `json:"risk_removed"`
	ExposureRemoved int `json:"exposure_removed"`
	// Breaks names the critical targets whose most likely attack path the
	// change makes less likely.
	Breaks string `json:"breaks,omitempty"`
	Why    string `json:"why"`
}

// Plan is a ranked list of changes.
type Plan struct {
	// Before and After are register risk plus path exposure.
	Before         int `json:"before"`
	After          int `json:"after"`
	RiskBefore     int `json:"risk_before"`
	RiskAfter      int `json:"risk_after"`
	ExposureBefore int `json:"exposure_before"`
	ExposureAfter  int `json:"exposure_after"`
	Candidates     int `json:"candidates"`
	// Places is how many places the candidates are made on: the
	// candidates there would be were places alike not grouped.
	Places int        `json:"places"`
	Steps  []PlanStep `json:"steps"`
}

// pathCandidates are the changes that attack paths suggest beyond the
// findings and the places of pathPlaces: tiering the administration of a
// directory that others log on through, and offline backups against
// ransomware.
func pathCandidates(m *ward.Model, res *Result) []Change {
	var out []Change
	var dirs []string
	users := map[int]bool{}
	for _, pair := range logons(m.Index()) {
		users[pair[1]] = true
	}
	for i := range m.Assets {
		a := &m.Assets[i]
		if k, _ := ward.LookupKind(a.Kind); users[i] && k.Category == ward.CategoryIdentity && !slices.Contains(a.Controls, "privileged-access-management") {
			dirs = append(dirs, a.ID)
		}
	}
	if len(dirs) > 0 {
		ids := dirs
		out = append(out, Change{ID: "tier-admin", Action: "tier-admin", Assets: ids, Answers: "credential theft onto the directory", Places: 1,
			Title: "Tier the administration of " + strings.Join(ids, ", ") + ": privileged accounts only from privileged-access workstations, never on user systems",
			apply: func(m *ward.Model) {
				for _, a := range byID(m, ids) {
					a.Controls = append(slices.Clone(a.Controls), "privileged-access-management")
				}
			}, touch: &scope{assets: ids}})
	}
	if !slices.Contains(m.Organisation.Controls, "offline-backup") && slices.ContainsFunc(res.Risks, func(r Risk) bool { return r.Threat == "ransomware" }) {
		// The backup systems are where the copies are taken offline.
		var backups []string
		for _, a := range m.Assets {
			if a.Kind == "backup" && !slices.Contains(a.Controls, "offline-backup") {
				backups = append(backups, a.ID)
			}
		}
		title := "Keep offline, tested backups of the clinical systems (restorable when the domain is lost)"
		if len(backups) > 0 {
			title = "Take copies of " + strings.Join(backups, ", ") + " offline, out of the domain, and test restoring them (restorable when the domain is lost)"
		}
		out = append(out, Change{ID: "offline-backup", Action: "offline-backup", Answers: "ransomware's harm", Assets: backups, Title: title, Places: 1,
			apply: func(m *ward.Model) {
				m.Organisation.Controls = append(slices.Clone(m.Organisation.Controls), "offline-backup")
			}})
	}
	return out
}

// byID finds the model's assets of the given ids wherever they are in it,
// so that a change applies alike to the whole model and to the part of it
// the plan re-evaluates.
func byID(m *ward.Model, ids []string) []*ward.Asset {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var out []*ward.Asset
	for i := range m.Assets {
		if want[m.Assets[i].ID] {
			out = append(out, &m.Assets[i])
		}
	}
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

// scorer measures what the plan minimises on a model quickly: the open
// register risk plus the path exposure of the critical targets, with the
// rules' answers for each set of facts kept between models.
type scorer struct {
	e          *evaluator
	opt        Options
	orgInRisks bool // threats or weaknesses read org: every change re-evaluates all
	// full measures every change on the whole changed model, as the
	// incremental measure (quick) is checked against.
	full    bool
	decided map[[2]string]bool // (threat, asset) with a standing decision
	mu      sync.Mutex
	cache   map[string]*answers
	// key is of the facts that decide an asset's risks, for the cache.
	key keyer
}

// state is a model with the risk each asset contributes to it.
type state struct {
	m       *ward.Model
	org     catalog.OrgFacts
	facts   []catalog.AssetFacts
	contrib []int
	// reach is the probability of the most likely attack path to each
	// critical target (0 for the other assets).
	reach    []float64
	risk     int
	exposure int
	// patched are the assets the steps so far have patched.
	patched []string
	ix      *index
	e       *evaluator // with the state's organisation
	// answers are the catalog's answers for each asset, in the first
	// state only: the findings the candidates come from.
	answers []*answers
}

// total is what the plan minimises.
func (st *state) total() int { return st.risk + st.exposure }

// exposurePoints weighs the most likely path to a critical target: 100
// points for a path that surely succeeds, as much as four register risks
// at the top of the scale, since a critical target's own risks count
// once in the register however many ways lead to it.
func exposurePoints(p float64) int { return int(math.Round(100 * p)) }

// threatScore is what the plan keeps of a risk the catalog finds on a set
// of facts: the threat (for decisions on the asset) and the score; the
// rest of the outcome would make the cache of every facts measured grow
// by kilobytes each.
type threatScore struct {
	threat string
	score  int
}

// answers are the catalog's answers the plan keeps for a set of facts: the
// risks, and the weaknesses present (the ids, from the catalog).
type answers struct {
	risks      []threatScore
	weaknesses []string
}

// scoreReads are the facts the scoring of a threat reads beyond its rules
// (evaluator.score): the reach, the controls, and the impact dimensions
// with what raises them. The names of kinds and services only explain.
var scoreReads = []string{"reach", "controls", "safety", "patient_safety", "availability", "min_outage_minutes",
	"confidentiality", "holds_phi", "data", "integrity"}

// newScorer readies the plan's measure of a model: the decisions standing
// on its date, and the key that shares the catalog's answers between
// assets alike in what the risk rules and the scoring read.
func newScorer(m *ward.Model, cat *catalog.Catalog, opt Options, full bool) *scorer {
	s := &scorer{e: newEvaluator(cat, nil), opt: opt, orgInRisks: cat.RisksReadOrg(), full: full, decided: map[[2]string]bool{},
		cache: map[string]*answers{}, key: wholeKey}
	if fields, all := cat.RiskReads(); !all {
		if k, ok := projection(append(fields, scoreReads...)); ok {
			s.key = k
		}
	}
	for _, d := range m.Decisions {
		if !lapsed(d, opt.Today) {
			s.decided[[2]string{d.Threat, d.Asset}] = true
		}
	}
	return s
}

// contribution is the open risk on one asset: the sum of its risks' scores.
// Assets with the same facts but their names share the catalog's answers.
func (s *scorer) contribution(f *catalog.AssetFacts, orgKey string, e *evaluator, decided map[[2]string]bool) (int, *answers, error) {
	key := orgKey + s.key.of(f)
	s.mu.Lock()
	a, ok := s.cache[key]
	s.mu.Unlock()
	if !ok {
		// The rules see a copy: what they are given escapes to the heap,
		// and most calls find their answer cached without it.
		g := *f
		var err error
		if a, err = e.answer(&g); err != nil {
			return 0, nil, err
		}
		s.mu.Lock()
		s.cache[key] = a
		s.mu.Unlock()
	}
	total := 0
	for _, r := range a.risks {
		if !decided[[2]string{r.threat, f.ID}] {
			total += r.score
		}
	}
	return total, a, nil
}

// measure computes a model's facts, with the attack paths' reach, and
// scores the assets whose facts differ from prev's (all when prev is nil).
func (s *scorer) measure(m *ward.Model, prev *state, patched []string) (*state, error) {
	x := m.Index()
	org, facts := facts(x, s.opt.Today, s.opt.Patched(patched...).Vulnerabilities, nil)
	return s.measureFacts(x, prev, patched, org, facts)
}

// measureFacts is measure on the model's facts, computed already.
func (s *scorer) measureFacts(x *ward.Index, prev *state, patched []string, org catalog.OrgFacts, facts []catalog.AssetFacts) (*state, error) {
	m := x.Model()
	ag := newAttackGraph(x, facts, &org, true, nil)
	ix := newIndex(m, ag)
	for i := range facts {
		facts[i].Reach = reachLevel(ix.p(i))
	}
	orgKey := ""
	if s.orgInRisks {
		b, _ := json.Marshal(&org)
		orgKey = string(b)
	}
	e := *s.e
	e.org = &org
	st := &state{m: m, org: org, facts: facts, contrib: make([]int, len(facts)), reach: make([]float64, len(facts)), patched: patched, ix: ix, e: &e}
	if prev == nil {
		st.answers = make([]*answers, len(facts))
	}
	same := prev != nil && !s.orgInRisks && len(prev.facts) == len(facts)
	for i := range facts {
		if same && facts[i].Equal(&prev.facts[i]) {
			st.contrib[i] = prev.contrib[i]
		} else {
			c, a, err := s.contribution(&facts[i], orgKey, &e, s.decided)
			if err != nil {
				return nil, err
			}
			st.contrib[i] = c
			if prev == nil {
				st.answers[i] = a
			}
		}
		st.risk += st.contrib[i]
		if criticalWhy(&facts[i]) != "" {
			st.reach[i] = ix.p(i)
			st.exposure += exposurePoints(st.reach[i])
		}
	}
	return st, nil
}

// with measures the model after a change on the whole model: the facts
// and paths are computed again, and only the assets whose facts the
// change altered are scored again.
func (s *scorer) with(st *state, c *Change) (*state, error) {
	mm := cloneModel(st.m)
	c.apply(mm)
	return s.measure(mm, st, append(slices.Clip(st.patched), c.Patched...))
}

// next is the state after a change, made from what the change touches
// when it says, else by measuring the whole changed model.
func (s *scorer) next(st *state, c *Change) (*state, error) {
	if c.touch != nil && !s.orgInRisks && !s.full {
		_, _, next, ok, err := s.quick(st, c, true)
		if err != nil || ok {
			return next, err
		}
	}
	return s.with(st, c)
}

// after is what the plan minimises once the change is made: measured on
// what the change touches when it says (quick), else on the whole model.
func (s *scorer) after(st *state, c *Change) (int, error) {
	if c.touch != nil && !s.orgInRisks && !s.full {
		risk, exposure, _, ok, err := s.quick(st, c, false)
		if err != nil || ok {
			return risk + exposure, err
		}
	}
	next, err := s.with(st, c)
	if err != nil {
		return 0, err
	}
	return next.total(), nil
}

// breaks names the critical targets whose most likely path a step made
// less likely, the largest drops first, at most three.
func breaks(before, after *state) string {
	type drop struct {
		id       string
		from, to float64
	}
	var ds []drop
	for i := range before.reach {
		if before.reach[i]-after.reach[i] > 0.005 {
			ds = append(ds, drop{before.facts[i].ID, before.reach[i], after.reach[i]})
		}
	}
	if len(ds) == 0 {
		return ""
	}
	sort.SliceStable(ds, func(a, b int) bool { return ds[a].from-ds[a].to > ds[b].from-ds[b].to })
	var parts []string
	for _, d := range ds[:min(3, len(ds))] {
		parts = append(parts, fmt.Sprintf("%s %.2g -> %.2g", d.id, d.from, d.to))
	}
	out := "paths weakened: " + strings.Join(parts, ", ")
	if len(ds) > 3 {
		out += fmt.Sprintf(" and %d more", len(ds)-3)
	}
	return out
}

// aheadUsed counts the gains measured ahead that reached the top of the
// queue, for the tests to see that the case used some.
var aheadUsed atomic.Int64

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
	return makePlan(m, cat, opt, budget, false, false)
}

// makePlan is MakePlan, each change measured on the whole model when full,
// each place a candidate of its own when alone (the plan before places
// alike were grouped, which the grouped plan is checked against).
func makePlan(m *ward.Model, cat *catalog.Catalog, opt Options, budget int, full, alone bool) (*Plan, error) {
	if cat.UsesIdentity() {
		return nil, fmt.Errorf("plan: the catalog has rules that read asset ids or names; planning needs rules that do not")
	}
	if opt.Vulnerabilities == nil && opt.Matches != nil {
		opt.Vulnerabilities = intel.Exposures(opt.Matches)
	}
	s := newScorer(m, cat, opt, full)
	var res *Result
	var st *state
	var err error
	if slices.ContainsFunc(m.Rules, func(r ward.Rule) bool { return !r.Denies() }) {
		// Rules to close are those the attack paths of the register
		// cross: the assessment finds them.
		ropt := opt
		ropt.forCandidates = true
		if res, err = Assess(m, cat, ropt); err != nil {
			return nil, err
		}
		// The assessment's facts are the model's: only their reach is
		// found again, on the plan's lean attack graph.
		st, err = s.measureFacts(m.Index(), nil, nil, res.org, res.facts)
		res.facts = nil
	} else {
		res, st, err = s.candidateInputs(m)
	}
	if err != nil {
		return nil, err
	}
	st.answers = nil
	cands, places := candidatesOf(m, res, opt, alone)
	before := st.total()
	plan := &Plan{Before: before, After: before, RiskBefore: st.risk, ExposureBefore: st.exposure, Candidates: len(cands), Steps: []PlanStep{}}
	plan.Places = places
	// First gains, on all cores.
	gains := make([]int, len(cands))
	errs := make([]error, len(cands))
	var wg parallel.Group
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range cands {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			after, err := s.after(st, &cands[i])
			if err == nil {
				gains[i] = before - after
			}
			errs[i] = err
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
	// Gains measured again ahead in a round: when the top of the queue was
	// measured before the last step, the next stale ones are measured
	// beside it on the other cores, and each is used if its candidate
	// reaches the top in the same round, where measuring it then would
	// give the same gain (or error). The steps are those of measuring one
	// at a time.
	type measured struct {
		gain int
		err  error
	}
	ahead, aheadRound := map[int]measured{}, -1
	for len(plan.Steps) < budget && q.Len() > 0 {
		top := heap.Pop(q).(gainItem)
		if top.gain <= 0 {
			break
		}
		if r := len(plan.Steps); top.round != r {
			// Measured before the last step was chosen: measure again.
			if aheadRound != r {
				clear(ahead)
				aheadRound = r
			}
			if _, ok := ahead[top.c]; ok {
				aheadUsed.Add(1)
			} else {
				batch := []int{top.c}
				var looked []gainItem
				for len(batch) < cap(sem) && len(looked) < 4*cap(sem) && q.Len() > 0 {
					it := heap.Pop(q).(gainItem)
					looked = append(looked, it)
					if _, ok := ahead[it.c]; !ok && it.round != r && it.gain > 0 {
						batch = append(batch, it.c)
					}
				}
				for _, it := range looked {
					heap.Push(q, it)
				}
				out := make([]measured, len(batch))
				parallel.Split(len(batch), len(batch), func(k, _, _ int) {
					after, err := s.after(st, &cands[batch[k]])
					out[k] = measured{st.total() - after, err}
				})
				for k, c := range batch {
					ahead[c] = out[k]
				}
			}
			m := ahead[top.c]
			if m.err != nil {
				return nil, m.err
			}
			top.gain, top.round = m.gain, r
			heap.Push(q, top)
			continue
		}
		next, err := s.next(st, &cands[top.c])
		if err != nil {
			return nil, err
		}
		c := cands[top.c]
		why := fmt.Sprintf("%s: risk %d -> %d, path exposure %d -> %d", c.Purpose(), st.risk, next.risk, st.exposure, next.exposure)
		plan.Steps = append(plan.Steps, PlanStep{Rank: len(plan.Steps) + 1, Change: c, Removed: st.total() - next.total(), After: next.total(),
			RiskRemoved: st.risk - next.risk, ExposureRemoved: st.exposure - next.exposure, Breaks: breaks(st, next), Why: why})
		st = next
	}
	plan.After, plan.RiskAfter, plan.ExposureAfter = st.total(), st.risk, st.exposure
	return plan, nil
}

// candidateInputs measures the model's first state and makes, from the
// catalog's answers the measure finds, what the candidates read of an
// assessment when the model has no rules to close: the findings (the
// weaknesses present, on which assets), the threats present, the single
// points of failure, the minimum cut; the whole assessment would evaluate
// every asset again with the register's explanations.
func (s *scorer) candidateInputs(m *ward.Model) (*Result, *state, error) {
	x := m.Index()
	org, facts := facts(x, s.opt.Today, s.opt.Vulnerabilities, nil)
	cut := &minCut{}
	cut.links, cut.rules, cut.ok = buildAttackGraph(x, facts, &org).minimumCut(m, facts)
	st, err := s.measureFacts(x, nil, nil, org, facts)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{cut: cut, Resilience: singlePoints(x)}
	weakness := map[string]*catalog.Weakness{}
	for i := range s.e.cat.Weaknesses {
		weakness[s.e.cat.Weaknesses[i].ID] = &s.e.cat.Weaknesses[i]
	}
	findings := map[string]int{}
	threats := map[string]bool{}
	for i := range facts {
		for _, id := range st.answers[i].weaknesses {
			k, ok := findings[id]
			if !ok {
				w := weakness[id]
				k = len(res.Findings)
				findings[id] = k
				res.Findings = append(res.Findings, Finding{Weakness: id, Title: w.Title, Severity: w.Severity, Remedy: w.Remedy})
			}
			res.Findings[k].Assets = append(res.Findings[k].Assets, facts[i].ID)
		}
		for _, r := range st.answers[i].risks {
			if !threats[r.threat] {
				threats[r.threat] = true
				res.Risks = append(res.Risks, Risk{Threat: r.threat})
			}
		}
	}
	sortFindings(res.Findings)
	return res, st, nil
}

// Candidates are the changes MakePlan chooses from, for rankings of other
// measures (loss avoided per euro).
func Candidates(m *ward.Model, res *Result, opt Options) []Change {
	if opt.Vulnerabilities == nil && opt.Matches != nil {
		opt.Vulnerabilities = intel.Exposures(opt.Matches)
	}
	cands, _ := candidatesOf(m, res, opt, false)
	return cands
}

// candidatesOf are the candidates, each place alone when asked, and how
// many places they are made on.
func candidatesOf(m *ward.Model, res *Result, opt Options, alone bool) ([]Change, int) {
	if opt.Vulnerabilities == nil && opt.Matches != nil {
		opt.Vulnerabilities = intel.Exposures(opt.Matches)
	}
	cands, n := candidates(m, res, alone)
	if c, ok := cutCandidate(m, res, opt); ok {
		cands = append(cands, c)
		n++
	}
	return cands, n
}

// Purpose says what the change is for: the weakness it removes, or what
// the attack paths or single points of failure ask of it.
func (c *Change) Purpose() string {
	var weak, other []string
	for _, a := range strings.Split(c.Answers, answersSep) {
		if strings.ContainsRune(a, ' ') {
			other = append(other, a)
		} else {
			weak = append(weak, strconv.Quote(a))
		}
	}
	var parts []string
	switch len(weak) {
	case 0:
	case 1:
		parts = append(parts, "removes the weakness "+weak[0])
	default:
		parts = append(parts, "removes the weaknesses "+strings.Join(weak[:len(weak)-1], ", ")+" and "+weak[len(weak)-1])
	}
	if len(other) > 0 {
		parts = append(parts, "answers "+strings.Join(other, " and "))
	}
	return strings.Join(parts, " and ")
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

// minCut is a minimum cut of the attack graph: the links and rules
// (indices into the model's) that every path to the critical targets
// crosses, ok false when none separates them.
type minCut struct {
	links, rules []int
	ok           bool
}

// maxCutLinks bounds the links a cut candidate may block: past it, blocking
// is no longer a change one would make at once.
const maxCutLinks = 40

// cutCandidate proposes blocking or filtering the fewest links that every
// attack path from the entry points to the critical targets crosses.
// res's cut is used when the assessment found it.
func cutCandidate(m *ward.Model, res *Result, opt Options) (Change, bool) {
	c := res.cut
	if c == nil {
		x := m.Index()
		org, facts := facts(x, opt.Today, opt.Vulnerabilities, nil)
		ag := buildAttackGraph(x, facts, &org)
		c = &minCut{}
		c.links, c.rules, c.ok = ag.minimumCut(m, facts)
	}
	cut, rules, ok := c.links, c.rules, c.ok
	if !ok || len(cut)+len(rules) == 0 || len(cut)+len(rules) > maxCutLinks {
		return Change{}, false
	}
	type key struct {
		from, to string
		p        ward.Protocol
		port     int
	}
	block := map[key]bool{}
	closed := map[string]bool{}
	var names []string
	for _, li := range cut {
		l := m.Links[li]
		block[key{l.From, l.To, l.Protocol, l.Port}] = true
		names = append(names, fmt.Sprintf("%s->%s (%s)", l.From, l.To, l.Protocol))
	}
	for _, ri := range rules {
		r := &m.Rules[ri]
		closed[r.ID] = true
		names = append(names, "rule "+r.Describe())
	}
	what := fmt.Sprintf("%d links", len(cut))
	if len(rules) > 0 {
		what = fmt.Sprintf("%d links and %d rules", len(cut), len(rules))
	}
	return Change{
		ID: "filter-links:minimum-cut", Action: "filter-links", Answers: "attack paths to critical targets", Places: 1,
		Title: fmt.Sprintf("Block or filter the %s that every attack path to the critical targets crosses: %s", what, strings.Join(names, ", ")),
		Rules: slices.Sorted(maps.Keys(closed)),
		apply: func(m *ward.Model) {
			m.Links = slices.DeleteFunc(slices.Clone(m.Links), func(l ward.Link) bool { return block[key{l.From, l.To, l.Protocol, l.Port}] })
			m.Rules = slices.DeleteFunc(slices.Clone(m.Rules), func(r ward.Rule) bool { return closed[r.ID] })
		},
	}, true
}
