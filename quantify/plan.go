package quantify

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/internal/parallel"
)

// Step is a change of the plan in money.
type Step struct {
	Rank int `json:"rank"`
	assess.Change
	// Units are what the change's cost is counted in: assets it touches,
	// or one zone or one change.
	Units  int     `json:"units"`
	OneOff float64 `json:"one_off_cost"`
	Yearly float64 `json:"yearly_cost"`
	// Cost is the cost a year: one-off over PayOff years plus yearly.
	Cost float64 `json:"cost_per_year"`
	// Avoided is the expected loss a year the change avoids, given the
	// steps before it; PerEuro is Avoided / Cost, 0 for a change that
	// costs nothing (ranked first).
	Avoided float64 `json:"loss_avoided"`
	After   float64 `json:"loss_after"`
	PerEuro float64 `json:"avoided_per_euro"`
	Why     string  `json:"why"`
}

// Plan is a mitigation plan ranked by expected loss avoided per euro.
type Plan struct {
	Method     string  `json:"method"`
	Seed       uint64  `json:"seed"`
	Trials     int     `json:"trials"`
	Currency   string  `json:"currency"`
	Candidates int     `json:"candidates"`
	Before     float64 `json:"loss_before"`
	After      float64 `json:"loss_after"`
	// Cost is the plan's cost a year.
	Cost        float64 `json:"cost_per_year"`
	CurveBefore []Point `json:"loss_exceedance_before"`
	CurveAfter  []Point `json:"loss_exceedance_after"`
	Steps       []Step  `json:"steps"`
}

// Apply returns a copy of the model with the plan's changes made.
func (p *Plan) Apply(m *ward.Model) *ward.Model {
	for i := range p.Steps {
		m = p.Steps[i].Applied(m)
	}
	return m
}

// costOf prices a change with the model's figures or the defaults.
func costOf(p *params, c *assess.Change) (units int, oneOff, yearly, perYear float64) {
	units = len(c.Assets)
	if c.Zone != "" || units == 0 {
		units = 1
	}
	if len(c.Zones) > 1 {
		units = len(c.Zones) // a change on several zones alike
	}
	k, ok := p.changes[c.Action]
	if !ok {
		k = [2]float64{}
	}
	oneOff, yearly = k[0]*float64(units), k[1]*float64(units)
	return units, oneOff, yearly, oneOff/PayOff + yearly
}

type moneyItem struct {
	c       int
	avoided float64
	ratio   float64
	round   int
}

type moneyQueue []moneyItem

func (q moneyQueue) Len() int { return len(q) }
func (q moneyQueue) Less(i, j int) bool {
	if q[i].ratio != q[j].ratio {
		return q[i].ratio > q[j].ratio
	}
	return q[i].c < q[j].c
}
func (q moneyQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *moneyQueue) Push(x any)   { *q = append(*q, x.(moneyItem)) }
func (q *moneyQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// MakePlan chooses up to budget of ward plan's candidate changes, each
// time the one that avoids the most expected loss per euro given those
// already chosen (greedy with lazy re-measuring, as assess.MakePlan).
// Every change is measured by re-assessing the changed model and
// simulating it with the same seed.
func MakePlan(m *ward.Model, cat *catalog.Catalog, aopt assess.Options, opt Options, budget int) (*Plan, error) {
	return MakePlanContext(context.Background(), m, cat, aopt, opt, budget, nil)
}

// Progress is how far a plan in money has come, for a plan that takes
// minutes.
type Progress struct {
	// Measured counts the measurements of candidate changes so far: each
	// candidate once, and again when a step chosen before may have
	// changed what it avoids.
	Measured   int `json:"measured"`
	Candidates int `json:"candidates"`
	Steps      int `json:"steps"`
	Budget     int `json:"budget"`
}

// MakePlanContext is MakePlan that stops when ctx is done and tells
// progress (when not nil) after each measurement.
func MakePlanContext(ctx context.Context, m *ward.Model, cat *catalog.Catalog, aopt assess.Options, opt Options, budget int, progress func(Progress)) (*Plan, error) {
	return makePlan(ctx, m, cat, aopt, opt, budget, progress, false)
}

// makePlan is MakePlanContext, each changed model assessed whole when
// whole (the way the register measure is checked against).
func makePlan(ctx context.Context, m *ward.Model, cat *catalog.Catalog, aopt assess.Options, opt Options, budget int, progress func(Progress), whole bool) (*Plan, error) {
	if opt.Trials <= 0 {
		opt.Trials = DefaultTrials
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	if err := Check(m, cat); err != nil {
		return nil, err
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	// patched are the assets the steps so far have patched: the model
	// does not show a patch, the options' vulnerabilities do.
	var patched []string
	kept := newKept(opt)
	regs := assess.NewRegisters(cat)
	// Each model is measured by its register alone: the loss reads no
	// baseline, scenario or single point of failure, and of the register
	// its lines and the entry points of the attack paths; the catalog's
	// answers are evaluated again only for the assets whose facts the
	// change altered (assess.Registers). Only the causes a change touches
	// are simulated again; the others' outcomes are kept.
	measure := func(m *ward.Model, c *assess.Change, full bool) (*Result, error) {
		o := aopt
		if c != nil {
			o = aopt.Patched(append(slices.Clip(patched), c.Patched...)...)
		}
		o.RegisterOnly = true
		var res *assess.Result
		var err error
		if whole {
			res, err = assess.Assess(m, cat, o)
		} else {
			res, err = regs.Assess(m, o)
		}
		if err != nil {
			return nil, err
		}
		return kept.quantify(m, cat, res, full)
	}
	q, err := measure(m, nil, true)
	if err != nil {
		return nil, err
	}
	// The candidates come from the whole assessment (its single points of
	// failure propose standbys).
	res, err := assess.Assess(m, cat, aopt)
	if err != nil {
		return nil, err
	}
	p := newParams(m)
	cands := assess.Candidates(m, res, aopt)
	plan := &Plan{Method: Method, Seed: opt.Seed, Trials: opt.Trials, Currency: q.Currency, Candidates: len(cands),
		Before: q.Mean, After: q.Mean, CurveBefore: q.Curve, CurveAfter: q.Curve, Steps: []Step{}}
	cur := m
	loss := q.Mean
	done := Progress{Candidates: len(cands), Budget: budget}
	var told sync.Mutex // the first round measures side by side
	tell := func() {
		if progress != nil {
			done.Steps = len(plan.Steps)
			progress(done)
		}
	}
	tell()
	score := func(i int) (moneyItem, error) {
		if err := ctx.Err(); err != nil {
			return moneyItem{}, fmt.Errorf("plan in money: %w", err)
		}
		after, err := measure(cands[i].Applied(cur), &cands[i], false)
		if err != nil {
			return moneyItem{}, err
		}
		told.Lock()
		done.Measured++
		tell()
		told.Unlock()
		_, _, _, cost := costOf(p, &cands[i])
		it := moneyItem{c: i, avoided: loss - after.Mean, round: len(plan.Steps)}
		it.ratio = it.avoided / cost
		if cost == 0 {
			it.ratio = math.Inf(1)
		}
		return it, nil
	}
	// The first round measures every candidate against the same model:
	// side by side, as much of the assessment runs on one core.
	first := make([]moneyItem, len(cands))
	errs := make([]error, len(cands))
	var next atomic.Int64
	var wg parallel.Group
	for range min(opt.Workers, len(cands)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(cands) {
					return
				}
				if first[i], errs[i] = score(i); errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	queue := &moneyQueue{}
	for _, it := range first {
		heap.Push(queue, it)
	}
	for len(plan.Steps) < budget && queue.Len() > 0 {
		top := heap.Pop(queue).(moneyItem)
		if top.round != len(plan.Steps) {
			// Measured before the last step was chosen: measure again.
			it, err := score(top.c)
			if err != nil {
				return nil, err
			}
			heap.Push(queue, it)
			continue
		}
		if top.avoided <= 0 {
			continue // avoids nothing given the steps before
		}
		c := &cands[top.c]
		next := c.Applied(cur)
		after, err := measure(next, c, true)
		if err != nil {
			return nil, err
		}
		units, oneOff, yearly, cost := costOf(p, c)
		st := Step{Rank: len(plan.Steps) + 1, Change: *c, Units: units, OneOff: oneOff, Yearly: yearly, Cost: cost,
			Avoided: loss - after.Mean, After: after.Mean}
		if cost > 0 {
			st.PerEuro = st.Avoided / cost
		}
		st.Why = fmt.Sprintf("%s: expected loss %s -> %s a year for %s a year", c.Purpose(), Money(loss), Money(after.Mean), Money(cost))
		plan.Steps = append(plan.Steps, st)
		plan.Cost += cost
		cur, loss = next, after.Mean
		patched = append(patched, c.Patched...)
		plan.After, plan.CurveAfter = after.Mean, after.Curve
		tell()
	}
	return plan, nil
}

// kept are the outcomes of the causes simulated while planning, by their
// content (sim.causeKey): a change leaves most causes as they were, and a
// cause as it was loses the same in every trial, so only the causes a
// change touches are drawn again. The figures are those Quantify gives
// the changed model: the same draws, added up in the same order. The
// services each group of failed assets stops are kept too, for models of
// the same structure (structure).
type kept struct {
	opt   Options
	mu    sync.Mutex
	outs  map[string]*causeOut
	stops map[[sha256.Size]byte]*stopsMemo
}

// stopsMemo is what stops what in models of one structure, and how often
// it was asked: the structure of the steps so far is asked by most
// candidates, each of the others by one.
type stopsMemo struct {
	of   map[string][]int
	asks int
}

func newKept(opt Options) *kept {
	return &kept{opt: opt, outs: map[string]*causeOut{}, stops: map[[sha256.Size]byte]*stopsMemo{}}
}

// quantify measures an assessed model: its expected loss, and with full
// its percentiles and curve too (the scenarios' own percentiles are left
// out).
func (k *kept) quantify(m *ward.Model, cat *catalog.Catalog, res *assess.Result, full bool) (*Result, error) {
	s, scen, err := build(m, cat, res, k.stopsOf)
	if err != nil {
		return nil, err
	}
	outs := make([]*causeOut, len(s.causes))
	keys := make([]string, len(s.causes))
	var buf []byte
	k.mu.Lock()
	for ci := range s.causes {
		buf = s.causeKey(ci, buf[:0])
		keys[ci] = string(buf)
		// A kept outcome without its trials serves the mean alone.
		if o, ok := k.outs[keys[ci]]; ok && (!full || !o.lite) {
			outs[ci] = o
		}
	}
	k.mu.Unlock()
	missing := make([]bool, len(outs))
	for ci, o := range outs {
		missing[ci] = o == nil
	}
	s.simulate(k.opt, outs, false)
	k.mu.Lock()
	for ci, o := range outs {
		if !missing[ci] {
			continue
		}
		if !full {
			// Measured for the mean: the trials are let go, most changes
			// being measured and never chosen.
			o = &causeOut{parts: o.parts, harmHours: o.harmHours, lineParts: o.lineParts, lite: true}
		}
		k.outs[keys[ci]] = o
	}
	k.mu.Unlock()
	out := &Result{Organisation: m.Organisation.ID, Method: Method, Seed: k.opt.Seed, Trials: k.opt.Trials, Currency: s.p.currency,
		Scenarios: scen, Parameters: s.p.list}
	s.assemble(k.opt, outs, out, full)
	return out, nil
}

// stopsOf is assess.Stops, kept for each group of failed assets in models
// of the same structure: most changes (a control on an asset, a patch)
// leave what stops what as it was.
func (k *kept) stopsOf(m *ward.Model, sets [][]string) [][]int {
	fp := structure(m)
	out := make([][]int, len(sets))
	keys := make([]string, len(sets))
	var miss []int
	k.mu.Lock()
	sm := k.stops[fp]
	if sm == nil {
		if len(k.stops) >= 8 {
			// The most asked structure stays: forgetting it would have the
			// candidates that leave it as it was find their stops again.
			var most [sha256.Size]byte
			asks := -1
			for f, x := range k.stops {
				if x.asks > asks {
					most, asks = f, x.asks
				}
			}
			for f := range k.stops {
				if f != most {
					delete(k.stops, f)
				}
			}
		}
		sm = &stopsMemo{of: map[string][]int{}}
		k.stops[fp] = sm
	}
	sm.asks++
	memo := sm.of
	for i, set := range sets {
		keys[i] = strings.Join(set, "\x00")
		if v, ok := memo[keys[i]]; ok {
			out[i] = v
		} else {
			miss = append(miss, i)
		}
	}
	k.mu.Unlock()
	if len(miss) == 0 {
		return out
	}
	todo := make([][]string, len(miss))
	for j, i := range miss {
		todo[j] = sets[i]
	}
	got := assess.Stops(m, todo)
	k.mu.Lock()
	defer k.mu.Unlock()
	for j, i := range miss {
		out[i] = got[j]
		memo[keys[i]] = got[j]
	}
	return out
}

// structure is a digest of everything assess.Stops reads of a model (its
// network and dependencies: assess's newNetwork and dependencies): of the
// assets, in order, their ids, kinds, whether they are redundant (which
// makes an asset a standby) and what they depend on; the zones' ids; the
// links' ends and protocols; the services' ids and dependencies; the
// redundancy groups. Two models of the same structure stop the same
// services for the same failures: a change of controls, exposure, link
// flags or zone segmentation leaves the structure as it was.
// TestStructureIsWhatStopsReads checks it over the candidates' changes.
func structure(m *ward.Model) [sha256.Size]byte {
	h := sha256.New()
	var buf []byte
	str := func(x string) {
		buf = binary.AppendUvarint(buf, uint64(len(x)))
		buf = append(buf, x...)
	}
	list := func(xs []string) {
		buf = binary.AppendUvarint(buf, uint64(len(xs)))
		for _, x := range xs {
			str(x)
		}
	}
	flush := func() {
		if len(buf) >= 4096 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(m.Assets)))
	for i := range m.Assets {
		a := &m.Assets[i]
		str(a.ID)
		str(string(a.Kind))
		if slices.Contains(a.Controls, "redundancy") {
			buf = append(buf, 1)
		} else {
			buf = append(buf, 0)
		}
		list(a.DependsOn)
		flush()
	}
	buf = binary.AppendUvarint(buf, uint64(len(m.Zones)))
	for i := range m.Zones {
		str(m.Zones[i].ID)
	}
	buf = binary.AppendUvarint(buf, uint64(len(m.Links)))
	for i := range m.Links {
		l := &m.Links[i]
		str(l.From)
		str(l.To)
		str(string(l.Protocol))
		flush()
	}
	buf = binary.AppendUvarint(buf, uint64(len(m.Services)))
	for i := range m.Services {
		str(m.Services[i].ID)
		list(m.Services[i].DependsOn)
		flush()
	}
	buf = binary.AppendUvarint(buf, uint64(len(m.Redundancy)))
	for i := range m.Redundancy {
		g := &m.Redundancy[i]
		str(g.ID)
		list(g.Of)
		buf = binary.AppendVarint(buf, int64(g.Need))
	}
	h.Write(buf)
	var fp [sha256.Size]byte
	h.Sum(fp[:0])
	return fp
}
