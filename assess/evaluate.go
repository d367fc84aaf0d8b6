package assess

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/internal/parallel"
)

// Caps keep a long list of weaknesses or controls from swamping the base
// likelihood of a threat (docs/risk-method.md).
const (
	maxWeaknessRaise   = 2
	maxControlLowering = 2
)

// reachReason explains the attack-path term by the asset's reach; the
// register names the path itself (Risk.Path).
var reachReason = [...]string{
	"no likely attack path reaches it from the entry points (p < 0.03)",
	"only unlikely attack paths reach it (p 0.03-0.15)",
	"an attack path may reach it (p 0.15-0.5)",
	"a likely attack path reaches it (p >= 0.5)",
}

type mitigation struct {
	control string
	reduces string
	path    bool // counted in the attack path
}

type weaknessHit struct {
	weakness *catalog.Weakness
	evidence string
}

// outcome is what the catalog says of one asset; assets with the same facts
// (but for id and name) share one.
type outcome struct {
	weaknesses []weaknessHit
	risks      []int32 // the asset's risks, by their number in the evaluator's riskTable
	checks     []int8  // per asset-level check: -1 not applicable, 0 fails, 1 passes
}

// riskTable keeps each distinct risk the evaluations give once: assets
// whose facts differ somewhere (a link count, a version) still score most
// threats alike, and a hospital's outcomes would otherwise hold the same
// risk, factors and grouping key tens of thousands of times. Risks are
// alike when their grouping keys (appendRiskKey) and the weaknesses their
// factors count are; group numbers their grouping keys.
type riskTable struct {
	mu     sync.Mutex
	byKey  map[riskAlike]int32
	risks  []Risk
	group  []int32 // by risk
	groups map[string]int32
	// outcomes are the distinct outcomes, by their content (same): assets
	// whose facts differ in what no rule tells apart share one.
	outcomes map[string]*outcome
}

func newRiskTable() *riskTable {
	return &riskTable{byKey: map[riskAlike]int32{}, groups: map[string]int32{}, outcomes: map[string]*outcome{}}
}

// len is how many risks are numbered.
func (t *riskTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.risks)
}

// same returns the outcome kept with o's content, keeping o if it is the
// first.
func (t *riskTable) same(o *outcome, buf []byte) (*outcome, []byte) {
	// Every part is counted before it, so that no two contents read alike.
	buf = binary.AppendUvarint(buf[:0], uint64(len(o.risks)))
	for _, k := range o.risks {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(k))
	}
	buf = binary.AppendUvarint(buf, uint64(len(o.checks)))
	for _, c := range o.checks {
		buf = append(buf, byte(c))
	}
	for _, w := range o.weaknesses {
		buf = append(binary.AppendUvarint(buf, uint64(len(w.weakness.ID))), w.weakness.ID...)
		buf = append(binary.AppendUvarint(buf, uint64(len(w.evidence))), w.evidence...)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if kept, ok := t.outcomes[string(buf)]; ok {
		return kept, buf
	}
	t.outcomes[string(buf)] = o
	return o, buf
}

// riskAlike tells risks apart: their grouping key's number and the
// weaknesses their factors count.
type riskAlike struct {
	group      int32
	weaknesses string
}

// add finds or keeps the risk r of an asset with facts f, using buf as
// scratch space, and returns its number and buf.
func (t *riskTable) add(r Risk, f *catalog.AssetFacts, buf []byte) (int32, []byte) {
	buf = appendRiskKey(buf[:0], r, f)
	n := len(buf)
	for _, x := range r.Factors {
		buf = append(append(buf, 0), x.weakness...)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.groups[string(buf[:n])]
	if !ok {
		g = int32(len(t.groups))
		t.groups[string(buf[:n])] = g
	}
	if k, ok := t.byKey[riskAlike{g, string(buf[n:])}]; ok {
		return k, buf
	}
	k := int32(len(t.risks))
	t.byKey[riskAlike{g, string(buf[n:])}] = k
	t.risks = append(t.risks, r)
	t.group = append(t.group, g)
	return k, buf
}

type assetCheck struct {
	baseline, measure, check int
	c                        *catalog.Check
}

type evaluator struct {
	cat         *catalog.Catalog
	org         *catalog.OrgFacts
	mitigations map[string][]mitigation
	checks      []assetCheck
	cache       bool // assets with equal facts share an evaluation
	table       *riskTable
	// lean leaves out the weaknesses' evidence and the baselines' checks,
	// for an assessment whose findings and baselines no one reads.
	lean bool
	// observed are the attacks seen, by asset id.
	observed map[string][]Observation
	// memo is the rules' answers remembered, in a worker's own copy of
	// the evaluator (nil: every rule evaluated every time).
	memo *ruleMemo
}

func newEvaluator(cat *catalog.Catalog, org *catalog.OrgFacts) *evaluator {
	e := &evaluator{cat: cat, org: org, mitigations: map[string][]mitigation{}, table: newRiskTable()}
	for _, c := range cat.Controls {
		for _, t := range c.Mitigates {
			e.mitigations[t] = append(e.mitigations[t], mitigation{c.ID, c.Reduces, c.Path})
		}
	}
	for bi := range cat.Baselines {
		for mi := range cat.Baselines[bi].Measures {
			for ci := range cat.Baselines[bi].Measures[mi].Checks {
				c := &cat.Baselines[bi].Measures[mi].Checks[ci]
				if !c.OrgLevel() {
					e.checks = append(e.checks, assetCheck{bi, mi, ci, c})
				}
			}
		}
	}
	e.cache = !cat.UsesIdentity()
	return e
}

// outcomes evaluates every rule for every asset. Assets with the same facts
// (but for id and name) share one evaluation when the catalog allows it,
// and distinct ones are evaluated on all cores.
func (e *evaluator) outcomes(facts []catalog.AssetFacts) ([]*outcome, error) {
	rep := make([]int, len(facts)) // the asset whose evaluation each reuses
	var unique []int
	if e.cache {
		seen := make(map[string]int, 1024)
		for i := range facts {
			if len(e.observed[facts[i].ID]) > 0 {
				// What was seen on it is its own.
				rep[i] = i
				unique = append(unique, i)
				continue
			}
			key := factsKey(&facts[i])
			if j, ok := seen[key]; ok {
				rep[i] = j
				continue
			}
			seen[key] = i
			rep[i] = i
			unique = append(unique, i)
		}
	} else {
		for i := range facts {
			rep[i] = i
			unique = append(unique, i)
		}
	}
	out := make([]*outcome, len(facts))
	var next atomic.Int64
	var wg parallel.Group
	errs := make([]error, runtime.GOMAXPROCS(0))
	for w := range errs {
		wg.Go(func() {
			// Each worker remembers the rules' answers in a copy of
			// the evaluator of its own: no lock between the workers.
			ew := *e
			ew.memo = newRuleMemo(e)
			for {
				k := int(next.Add(1)) - 1
				if k >= len(unique) {
					return
				}
				i := unique[k]
				o, err := ew.evaluate(&facts[i])
				if err != nil {
					errs[w] = fmt.Errorf("asset %s: %w", facts[i].ID, err)
					return
				}
				out[i] = o
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i := range out {
		out[i] = out[rep[i]]
	}
	return out, nil
}

func (e *evaluator) evaluate(f *catalog.AssetFacts) (*outcome, error) {
	o, buf, err := e.evaluated(f)
	if err != nil {
		return nil, err
	}
	if !e.lean {
		o, _ = e.table.same(o, buf)
	}
	return o, nil
}

// evaluated is evaluate with an outcome of its own, not yet shared with
// those of the same content; buf is its scratch space.
func (e *evaluator) evaluated(f *catalog.AssetFacts) (*outcome, []byte, error) {
	s := catalog.Subject{Asset: f, Org: e.org}.Bound()
	e.memo.begin(f)
	o := &outcome{}
	var buf []byte
	err := e.risks(s, !e.lean, func(hit weaknessHit) { o.weaknesses = append(o.weaknesses, hit) }, func(r Risk) {
		var k int32
		k, buf = e.table.add(r, f, buf)
		o.risks = append(o.risks, k)
	})
	if err != nil {
		return nil, nil, err
	}
	if e.lean {
		return o, buf, nil
	}
	o.checks = make([]int8, len(e.checks))
	for i, ac := range e.checks {
		r := checkRule(e.cat, i)
		if v, ok := e.memo.recall(r); ok {
			o.checks[i] = v
			continue
		}
		applies, err := ac.c.AppliesTo(s)
		if err != nil {
			return nil, nil, fmt.Errorf("check %q: %w", ac.c.Name, err)
		}
		o.checks[i] = -1
		if applies {
			pass, err := ac.c.Passes(s)
			if err != nil {
				return nil, nil, fmt.Errorf("check %q: %w", ac.c.Name, err)
			}
			o.checks[i] = b2i8(pass)
		}
		e.memo.keep(r, o.checks[i])
	}
	return o, buf, nil
}

// scores is the plan's evaluation of one asset: the threats that apply
// and their scores, without what only the register shows (weaknesses'
// evidence, baseline checks, grouping keys). A plan scores thousands of
// changed assets, and those are most of an evaluation's cost.
func (e *evaluator) scores(f *catalog.AssetFacts) ([]threatScore, error) {
	a, err := e.answer(f)
	if err != nil {
		return nil, err
	}
	return a.risks, nil
}

// answer is scores with the weaknesses present, for the plan's findings.
func (e *evaluator) answer(f *catalog.AssetFacts) (*answers, error) {
	a := &answers{}
	err := e.risks(catalog.Subject{Asset: f, Org: e.org}.Bound(), false, func(w weaknessHit) {
		a.weaknesses = append(a.weaknesses, w.weakness.ID)
	}, func(r Risk) {
		a.risks = append(a.risks, threatScore{r.Threat, r.Score})
	})
	return a, err
}

// risks finds the weaknesses present on the subject's asset (with their
// evidence when asked) and scores the threats that apply to it, in the
// catalog's order.
func (e *evaluator) risks(s catalog.Subject, evidence bool, weakness func(weaknessHit), risk func(Risk)) error {
	present := map[string]weaknessHit{}
	for i := range e.cat.Weaknesses {
		w := &e.cat.Weaknesses[i]
		ok, err := e.applies(i, w, s)
		if err != nil {
			return fmt.Errorf("weakness %s: %w", w.ID, err)
		}
		if !ok {
			continue
		}
		hit := weaknessHit{weakness: w}
		if evidence {
			if hit.evidence, err = w.EvidenceFor(s); err != nil {
				return fmt.Errorf("weakness %s evidence: %w", w.ID, err)
			}
		}
		present[w.ID] = hit
		weakness(hit)
	}
	for i := range e.cat.Threats {
		t := &e.cat.Threats[i]
		ok, err := e.applies(threatRule(e.cat, i), t, s)
		if err != nil {
			return fmt.Errorf("threat %s: %w", t.ID, err)
		}
		if ok {
			risk(e.score(t, s.Asset, present))
		}
	}
	return nil
}

// applies tells whether rule r, a weakness's or a threat's, applies to
// the subject's asset: remembered, or evaluated and then remembered.
func (e *evaluator) applies(r int, rule interface {
	AppliesTo(catalog.Subject) (bool, error)
}, s catalog.Subject) (bool, error) {
	if v, ok := e.memo.recall(r); ok {
		return v == 1, nil
	}
	ok, err := rule.AppliesTo(s)
	if err == nil {
		e.memo.keep(r, b2i8(ok))
	}
	return ok, err
}

// score rates one threat against one asset; docs/risk-method.md explains
// each step.
func (e *evaluator) score(t *catalog.Threat, f *catalog.AssetFacts, present map[string]weaknessHit) Risk {
	r := Risk{Threat: t.ID, ThreatName: t.Name, Group: t.Group, Attack: t.Attack}
	add := func(term string, effect int, reason string) {
		r.Factors = append(r.Factors, Factor{Term: term, Effect: effect, Reason: reason})
	}

	// Likelihood: base, the attack path, raised by weaknesses and the
	// worst known vulnerability, lowered by controls.
	l := t.Likelihood
	add("likelihood", t.Likelihood, "base likelihood of "+t.Name+" in hospitals")
	if t.Paths {
		effect := f.Reach - 2
		add("likelihood", effect, reachReason[f.Reach])
		l += effect
	}
	raised, worst := 0, weaknessHit{}
	for _, id := range t.Weaknesses {
		hit, ok := present[id]
		if !ok || hit.weakness.Raises <= 0 {
			continue
		}
		reason := hit.weakness.Title
		if !strings.EqualFold(hit.evidence, reason) {
			reason += ": " + hit.evidence
		}
		switch {
		case t.Paths && hit.weakness.WayIn:
			add("likelihood", 0, reason+" (a way in: counted in the attack path)")
		case hit.weakness.Vulnerability:
			if worst.weakness == nil || hit.weakness.Raises > worst.weakness.Raises {
				worst = hit
			}
			continue
		default:
			add("likelihood", hit.weakness.Raises, reason)
			raised += hit.weakness.Raises
		}
		r.Factors[len(r.Factors)-1].weakness = id
	}
	if raised > maxWeaknessRaise {
		add("likelihood", maxWeaknessRaise-raised, fmt.Sprintf("weaknesses add at most %d", maxWeaknessRaise))
		raised = maxWeaknessRaise
	}
	l += raised
	if worst.weakness != nil {
		reason := worst.weakness.Title + ": " + worst.evidence
		add("likelihood", worst.weakness.Raises, reason+" (the worst of the known vulnerabilities counts)")
		l += worst.weakness.Raises
	}
	if why := observedFor(e.observed, f.ID, t.Attack); why != "" {
		add("likelihood", ObservedRaise, why)
		l += ObservedRaise
	}
	lowered := 0
	var impactControl string
	for _, mt := range e.mitigations[t.ID] {
		if !slices.Contains(f.Controls, mt.control) {
			continue
		}
		if mt.reduces == "impact" {
			if impactControl == "" {
				impactControl = mt.control
			}
			continue
		}
		if t.Paths && mt.path {
			add("likelihood", 0, "control "+mt.control+" in place (counted in the attack path)")
			continue
		}
		if lowered < maxControlLowering {
			add("likelihood", -1, "control "+mt.control+" in place")
			lowered++
		}
	}
	l -= lowered
	l = clamp(l, &r, "likelihood")

	// Impact: the worst of the dimensions the threat harms.
	best, dim, reason := 0, "", ""
	for _, d := range catalog.Dimensions { // safety first, so it wins ties
		if !slices.Contains(t.Impacts, d) {
			continue
		}
		v, why := dimension(d, f)
		if v > best {
			best, dim, reason = v, d, why
		}
	}
	r.Dimension = dim
	add("impact", best, reason)
	i := best
	if impactControl != "" {
		add("impact", -1, "control "+impactControl+" limits the harm")
		i--
	}
	i = clamp(i, &r, "impact")
	r.Likelihood, r.Impact, r.Score = l, i, l*i
	r.Severity = SeverityOf(r.Score)
	return r
}

func clamp(v int, r *Risk, term string) int {
	switch {
	case v > 5:
		r.Factors = append(r.Factors, Factor{Term: term, Effect: 5 - v, Reason: "the scale ends at 5"})
		return 5
	case v < 1:
		r.Factors = append(r.Factors, Factor{Term: term, Effect: 1 - v, Reason: "the scale starts at 1"})
		return 1
	}
	return v
}

var levelNames = []string{"none", "low", "medium", "high", "critical"}

// dimension scores the harm on one dimension, 1 to 5, with its reason.
func dimension(d string, f *catalog.AssetFacts) (int, string) {
	switch d {
	case "safety":
		v := f.Safety + 1
		why := fmt.Sprintf("patient safety: %s (%s)", levelNames[f.Safety], f.Kind)
		if f.PatientSafety > f.Safety {
			v = f.PatientSafety + 1
			why = fmt.Sprintf("patient safety: %s services depend on it (%s)", levelNames[f.PatientSafety], listShort(f.Services))
		}
		return v, why
	case "availability":
		v := f.Availability + 1
		why := fmt.Sprintf("availability: %s (%s)", levelNames[f.Availability], f.Kind)
		if o := outageScore(f.MinOutageMinutes); o > v {
			v = o
			why = fmt.Sprintf("availability: %s tolerates at most %d minutes of outage", listShort(f.Services), f.MinOutageMinutes)
		}
		return v, why
	case "confidentiality":
		v := f.Confidentiality + 1
		why := fmt.Sprintf("confidentiality: %s (%s)", levelNames[f.Confidentiality], f.Kind)
		if (f.HoldsPHI || slices.Contains(f.Data, "credentials")) && v < 4 {
			v, why = 4, "confidentiality: holds health data or credentials"
		}
		return v, why
	default:
		return f.Integrity + 1, fmt.Sprintf("integrity: %s (%s)", levelNames[f.Integrity], f.Kind)
	}
}

// outageScore turns the shortest tolerable outage of the services that
// depend on an asset into an availability impact.
func outageScore(minutes int) int {
	switch {
	case minutes <= 0:
		return 1
	case minutes <= 15:
		return 5
	case minutes <= 60:
		return 4
	case minutes <= 240:
		return 3
	case minutes <= 1440:
		return 2
	}
	return 1
}

func listShort(xs []string) string {
	if len(xs) <= 3 {
		return join(xs)
	}
	return fmt.Sprintf("%s and %d more", join(xs[:3]), len(xs)-3)
}

func join(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// baselines checks every baseline: organisation-level checks once,
// asset-level ones from each asset's outcome.
func (e *evaluator) baselines(facts []catalog.AssetFacts, outcomes []*outcome) ([]BaselineResult, error) {
	type tally struct {
		applicable, passing int
		failing             []string
	}
	tallies := make([]tally, len(e.checks))
	for i, o := range outcomes {
		for k, v := range o.checks {
			switch v {
			case 1:
				tallies[k].applicable++
				tallies[k].passing++
			case 0:
				tallies[k].applicable++
				tallies[k].failing = append(tallies[k].failing, facts[i].ID)
			}
		}
	}
	next := 0
	out := []BaselineResult{}
	for bi := range e.cat.Baselines {
		b := &e.cat.Baselines[bi]
		br := BaselineResult{ID: b.ID, Name: b.Name, Source: b.Source}
		points, counted := 0, 0
		for mi := range b.Measures {
			m := &b.Measures[mi]
			mr := MeasureResult{ID: m.ID, Title: m.Title}
			for ci := range m.Checks {
				c := &m.Checks[ci]
				cr := CheckResult{Name: c.Name, Remedy: c.Remedy}
				if c.OrgLevel() {
					pass, err := c.Passes(catalog.Subject{Org: e.org})
					if err != nil {
						return nil, fmt.Errorf("check %q: %w", c.Name, err)
					}
					cr.Status = map[bool]string{true: Met, false: NotMet}[pass]
				} else {
					t := tallies[next]
					next++
					cr.Applicable, cr.Passing, cr.Failing = t.applicable, t.passing, t.failing
					switch {
					case t.applicable == 0:
						cr.Status = NotApplicable
					case t.passing == t.applicable:
						cr.Status = Met
					case t.passing == 0:
						cr.Status = NotMet
					default:
						cr.Status = Partly
					}
				}
				mr.Checks = append(mr.Checks, cr)
			}
			mr.Status = combine(mr.Checks)
			switch mr.Status {
			case Met:
				points += 2
			case Partly:
				points++
			}
			if mr.Status != NotApplicable {
				counted++
			}
			br.Measures = append(br.Measures, mr)
		}
		if counted > 0 {
			br.Coverage = points * 100 / (2 * counted)
		} else {
			br.Coverage = 100
		}
		out = append(out, br)
	}
	return out, nil
}

// combine gives a measure's status from its checks': met when all that
// apply are met, not met when none is even partly met, partly otherwise.
func combine(checks []CheckResult) string {
	applicable, met, none := 0, 0, 0
	for _, c := range checks {
		switch c.Status {
		case NotApplicable:
			continue
		case Met:
			met++
		case NotMet:
			none++
		}
		applicable++
	}
	switch {
	case applicable == 0:
		return NotApplicable
	case met == applicable:
		return Met
	case none == applicable:
		return NotMet
	}
	return Partly
}
