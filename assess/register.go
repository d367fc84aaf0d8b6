package assess

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/graph"
	"github.com/wardhealth/ward/intel"
)

// registerLines groups the assets' risks, numbered in t, into the
// register's lines, in the order each line first appears (the assets'
// order, then the catalog's), with the status of the decisions on them;
// matched says which of the model's decisions met a risk. A line is a
// grouping key of t's and the decision that treats it, if any.
func registerLines(m *ward.Model, facts []catalog.AssetFacts, outcomes []*outcome, t *riskTable, today string) (lines []*Risk, matched []bool) {
	decisions := make(map[[2]string]int, len(m.Decisions))
	for i, d := range m.Decisions {
		decisions[[2]string{d.Threat, d.Asset}] = i
	}
	matched = make([]bool, len(m.Decisions))
	// What was numbered so far: the outcomes' risks are, and others'
	// evaluations may add to t meanwhile (Registers), past these.
	t.mu.Lock()
	table, group := t.risks, t.group
	t.mu.Unlock()
	type line struct {
		group    int32
		decision string
	}
	risks := map[line]*Risk{}
	for i := range facts {
		f := &facts[i]
		for _, k := range outcomes[i].risks {
			r := table[k]
			key := line{group: group[k]}
			r.Status = Open
			if di, ok := decisions[[2]string{r.Threat, f.ID}]; ok {
				matched[di] = true
				d := m.Decisions[di]
				if lapsed(d, today) {
					r.Note = "acceptance lapsed on " + string(d.Until)
				} else {
					r.Status = string(d.Status)
				}
				r.Decision = &d
				key.decision = "\x00" + string(d.Status) + d.Justification + string(d.Date) + string(d.Until) + d.By + r.Note
			}
			if g, ok := risks[key]; ok {
				g.Assets = append(g.Assets, f.ID)
				continue
			}
			r.Kind, r.Zone, r.Assets = f.Kind, f.Zone, []string{f.ID}
			risks[key] = &r
			lines = append(lines, &r)
		}
	}
	return lines, matched
}

// Registers assess many changed models of one hospital for what a
// simulation of their loss reads (quantify): the register's lines, in the
// register's order, with their threat, assets, status, likelihood and
// impact and the factors that score them, and the likeliest attack path
// to each critical target. That is Assess with RegisterOnly less the
// explanations (the links and paths named in the factors, Risk.Path) and
// the summary. The catalog's answers for each asset are kept between
// models by the facts they read: a change alters the facts of few assets,
// and only those are evaluated again.
type Registers struct {
	cat *catalog.Catalog
	// orgInRisks: the rules read the organisation's facts, which are then
	// part of every key; identity: they read ids or names, likewise.
	orgInRisks, identity bool
	mu                   sync.Mutex
	// answers are kept in two generations: those asked since the last
	// turn and those before, which an ask brings back. A turn comes when
	// the newer holds half as many as a model has assets: the answers of
	// the model most changes leave as they were are asked by every model
	// and stay, those of one change's assets alone go at the next turn or
	// the one after (kept, they made the plan's peak memory half again as
	// large on a realistic hospital, where most assets' facts are their
	// own).
	answers, older map[string]*outcome
	// table numbers the risks of the answers kept, so that lines are
	// grouped by number across models. The risks of answers gone stay in
	// it until a turn finds it twice as large as when it was last made
	// again with the kept answers' risks alone (live of them).
	table *riskTable
	live  int
}

// NewRegisters readies the assessment of models against the catalog.
func NewRegisters(cat *catalog.Catalog) *Registers {
	return &Registers{cat: cat, orgInRisks: cat.RisksReadOrg(), identity: cat.UsesIdentity(),
		answers: map[string]*outcome{}, older: map[string]*outcome{}, table: newRiskTable()}
}

// Assess assesses a model as Assess(m, cat, opt) with opt.RegisterOnly
// would, for the register's lines and the attack paths' entry points; the
// lines' factors are shared between calls and must not be changed.
func (rs *Registers) Assess(m *ward.Model, opt Options) (*Result, error) {
	if opt.Vulnerabilities == nil && opt.Matches != nil {
		opt.Vulnerabilities = intel.Exposures(opt.Matches)
	}
	x := m.Index()
	org, facts := facts(x, opt.Today, opt.Vulnerabilities, nil)
	ag := buildAttackGraph(x, facts, &org)
	tree := ag.reach(m, facts)
	e := newEvaluator(rs.cat, &org)
	e.observed = indexObserved(opt.Observed)
	e.checks = nil
	prefix := ""
	if rs.orgInRisks {
		b, err := json.Marshal(&org)
		if err != nil {
			return nil, err
		}
		prefix = string(b)
	}
	outcomes := make([]*outcome, len(facts))
	keys := make([]string, len(facts))
	rs.mu.Lock()
	// The answers kept are numbered in this table: this model's are too.
	t := rs.table
	e.table = t
	for i := range facts {
		f := &facts[i]
		if len(e.observed[f.ID]) > 0 {
			continue // what was seen on it is its own: evaluated below
		}
		keys[i] = prefix + factsKey(f)
		if rs.identity {
			keys[i] = f.ID + "\x00" + f.Name + "\x00" + keys[i]
		}
		outcomes[i] = rs.answers[keys[i]]
		if o, ok := rs.older[keys[i]]; ok && outcomes[i] == nil {
			outcomes[i] = o
			rs.answers[keys[i]] = o
		}
	}
	rs.mu.Unlock()
	here := map[string]*outcome{} // evaluated for this model
	for i := range facts {
		if outcomes[i] != nil {
			continue
		}
		if o, ok := here[keys[i]]; ok && keys[i] != "" {
			outcomes[i] = o
			continue
		}
		o, b, err := e.evaluated(&facts[i])
		if err != nil {
			return nil, fmt.Errorf("asset %s: %w", facts[i].ID, err)
		}
		// Only the risks are read again.
		outcomes[i], _ = t.same(&outcome{risks: o.risks}, b)
		if keys[i] != "" {
			here[keys[i]] = outcomes[i]
		}
	}
	lines, _ := registerLines(m, facts, outcomes, t, opt.Today)
	rs.mu.Lock()
	// Were the table made again meanwhile, this model's answers are
	// numbered in the one before: they are not kept.
	if rs.table == t {
		for k, o := range here {
			rs.answers[k] = o
		}
		if len(rs.answers) > len(facts)/2 {
			rs.older, rs.answers = rs.answers, map[string]*outcome{}
			if t.len() > 2*rs.live {
				rs.renumber()
			}
		}
	}
	rs.mu.Unlock()
	// Sorted as Assess sorts its lines (stably, from the same order), by
	// reference: a realistic hospital has tens of thousands of lines.
	sort.SliceStable(lines, func(i, j int) bool { return riskBefore(lines[i], lines[j]) })
	res := &Result{Organisation: m.Organisation.ID, Name: m.Organisation.Name, Date: opt.Today, Risks: make([]Risk, 0, len(lines))}
	for _, r := range lines {
		res.Risks = append(res.Risks, *r)
	}
	res.Paths = likeliestPaths(ag, m, facts, tree)
	return res, nil
}

// renumber makes the table again with the risks of the answers kept
// alone, and the answers again with their numbers in it; calls under way
// keep the table and answers they began with. rs.mu is held.
func (rs *Registers) renumber() {
	t := rs.table
	t.mu.Lock()
	defer t.mu.Unlock()
	n := newRiskTable()
	risk := make([]int32, len(t.risks))   // new number + 1, by old
	group := make([]int32, len(t.groups)) // likewise
	var groups int32
	moved := map[*outcome]*outcome{}
	var buf []byte
	again := func(kept map[string]*outcome) map[string]*outcome {
		out := make(map[string]*outcome, len(kept))
		for key, o := range kept {
			c, ok := moved[o]
			if !ok {
				c = &outcome{risks: make([]int32, len(o.risks))}
				for j, k := range o.risks {
					if risk[k] == 0 {
						g := t.group[k]
						if group[g] == 0 {
							groups++
							group[g] = groups
						}
						n.risks = append(n.risks, t.risks[k])
						n.group = append(n.group, group[g]-1)
						risk[k] = int32(len(n.risks))
					}
					c.risks[j] = risk[k] - 1
				}
				c, buf = n.same(c, buf)
				moved[o] = c
			}
			out[key] = c
		}
		return out
	}
	rs.answers, rs.older = again(rs.answers), again(rs.older)
	for key, g := range t.groups {
		if group[g] != 0 {
			n.groups[key] = group[g] - 1
		}
	}
	for a, k := range t.byKey {
		if risk[k] != 0 {
			n.byKey[riskAlike{group[a.group] - 1, a.weaknesses}] = risk[k] - 1
		}
	}
	rs.table, rs.live = n, len(n.risks)
}

// likeliestPaths is AttackPaths(ag, m, facts, tree, 1, 0), the likeliest path to
// each critical target, from tree (the most likely paths from any entry
// point, as reach finds them): of the paths from each entry point, the
// likeliest, ties in the order of the entry points; only that one is
// made.
func likeliestPaths(ag *attackGraph, m *ward.Model, facts []catalog.AssetFacts, tree *graph.Tree) []TargetPaths {
	out := reachedTargets(facts, tree)
	if len(out) == 0 {
		return out
	}
	at := make(map[string]int, len(out))
	for i := range facts {
		if criticalWhy(&facts[i]) != "" {
			at[facts[i].ID] = i
		}
	}
	perEntry := ag.fromEachEntry(m)
	for ti := range out {
		v := at[out[ti].Target]
		var best *graph.Tree
		for _, et := range perEntry {
			if et.Reaches(v) && (best == nil || et.P(v) > best.P(v)) {
				best = et
			}
		}
		if best != nil {
			p, _ := best.Path(v)
			out[ti].Paths = []AttackPath{ag.toAttackPath(p)}
		}
	}
	return out
}
