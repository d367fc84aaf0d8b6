// Package quantify puts the assessed risks of a hospital in money, after
// FAIR (Open FAIR: loss event frequency x loss magnitude): how many loss
// events a year each risk brings (Poisson, from the register's
// likelihood), what each costs (outage of the clinical services it stops,
// health records exposed, recovery, fines), simulated over many years
// with a recorded seed. docs/risk-method.md, "Expected loss", explains
// every step and the source of every default.
package quantify

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/internal/parallel"
)

// Defaults of a simulation.
const (
	DefaultTrials = 10_000
	DefaultSeed   = 1
)

// Options steer a simulation.
type Options struct {
	// Trials is how many years are simulated (default DefaultTrials).
	Trials int
	// Seed fixes the draws (default DefaultSeed): the same model, options
	// and seed give the same figures.
	Seed uint64
	// Workers run trials side by side (default: every core).
	Workers int
}

// Parts splits a loss by what it is made of. Ransom is shown apart: it
// is not part of the loss (total), whether to pay being a decision.
type Parts struct {
	Downtime float64 `json:"downtime"`
	// Diversion is the revenue forgone from patients diverted to other
	// hospitals while an emergency service is down.
	Diversion float64 `json:"diversion"`
	Breach    float64 `json:"breach"`
	// Reputation is the revenue lost to patients going elsewhere after a
	// breach large enough to be made public.
	Reputation float64 `json:"reputation"`
	Recovery   float64 `json:"recovery"`
	Fines      float64 `json:"fines"`
	Ransom     float64 `json:"ransom_apart"`
}

func (p *Parts) add(q Parts) {
	p.Downtime += q.Downtime
	p.Diversion += q.Diversion
	p.Breach += q.Breach
	p.Reputation += q.Reputation
	p.Recovery += q.Recovery
	p.Fines += q.Fines
	p.Ransom += q.Ransom
}

// Total is the loss: every part but the ransom.
func (p Parts) Total() float64 {
	return p.Downtime + p.Diversion + p.Breach + p.Reputation + p.Recovery + p.Fines
}

func (p Parts) scale(f float64) Parts {
	return Parts{p.Downtime * f, p.Diversion * f, p.Breach * f, p.Reputation * f, p.Recovery * f, p.Fines * f, p.Ransom * f}
}

// Point is one point of a loss exceedance curve: a year's loss exceeds
// Loss with probability P.
type Point struct {
	Loss float64 `json:"loss"`
	P    float64 `json:"probability"`
}

// Scenario is one line of the register in money: the loss events its
// threat brings to its assets, as if it were the only risk.
type Scenario struct {
	Threat     string   `json:"threat"`
	ThreatName string   `json:"threat_name"`
	Assets     []string `json:"assets"`
	Status     string   `json:"status"`
	Likelihood int      `json:"likelihood"`
	// Rate is the expected number of loss events a year.
	Rate float64 `json:"events_per_year"`
	// Cause names the shared cause: scenarios with the same cause are hit
	// by the same incidents (one outbreak, several systems).
	Cause string `json:"cause"`
	// Services are the clinical services an event stops.
	Services []string `json:"services_stopped"`
	// Records are the health records an event exposes.
	Records int64 `json:"records_exposed"`
	// HarmLimited: a control that limits the harm is in place.
	HarmLimited bool `json:"harm_limited"`
	// Mean is the expected loss a year; P50, P90 and P99 percentiles of
	// a year's loss.
	Mean  float64 `json:"mean_annual_loss"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Parts Parts   `json:"mean_by_part"`
}

// Result is a hospital's risk in money.
type Result struct {
	Organisation string  `json:"organisation"`
	Method       string  `json:"method"`
	Seed         uint64  `json:"seed"`
	Trials       int     `json:"trials"`
	Currency     string  `json:"currency"`
	Mean         float64 `json:"mean_annual_loss"`
	P50          float64 `json:"p50"`
	P90          float64 `json:"p90"`
	P99          float64 `json:"p99"`
	// NoLoss is the share of years without any loss.
	NoLoss float64 `json:"p_no_loss"`
	Parts  Parts   `json:"mean_by_part"`
	// HarmHours are the expected hours a year that services of high or
	// critical patient safety are down past their max outage: patient
	// harm, reported beside the money, never in it.
	HarmHours float64 `json:"safety_service_hours_past_max_outage"`
	// Net is the loss net of insurance, when the model has one.
	Net        *Net        `json:"net_of_insurance,omitempty"`
	Curve      []Point     `json:"loss_exceedance"`
	Scenarios  []Scenario  `json:"scenarios"`
	Parameters []Parameter `json:"parameters"`
	// Plan is the mitigation plan in money, when asked for (MakePlan).
	Plan *Plan `json:"plan,omitempty"`
}

// Net is a year's loss after the insurance has paid.
type Net struct {
	Mean float64 `json:"mean_annual_loss"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	// Paid is what the insurance pays a year, expected.
	Paid float64 `json:"insurance_pays"`
}

// line is a scenario ready to draw.
type line struct {
	profile  int
	rate     float64
	key      uint64
	harm     float64
	services []int
	records  float64
}

// cause is a shared cause: its incidents arrive at the top rate of the
// scale, and each hits each scenario with the probability that keeps the
// scenario's own rate (Poisson thinning). The cause's rate does not move
// with the scenarios', so a control that lowers one scenario's rate only
// takes hits away from it, in every simulated year.
type cause struct {
	key     uint64
	rate    float64
	members []int
	q       []float64
}

// sim is what the trials draw from.
type sim struct {
	p        *params
	lines    []line
	causes   []cause
	profiles []profile
	fixed    []float64 // per service: cost per hour when set, else -1
	base     []float64 // per service: revenue per hour x share
	divert   []float64 // per service: cost of an hour of patients diverted
	rto      []float64 // per service: max outage in hours
	safety   []bool    // per service: high or critical patient safety
}

// Quantify simulates the loss of an assessed model.
func Quantify(m *ward.Model, cat *catalog.Catalog, res *assess.Result, opt Options) (*Result, error) {
	if opt.Trials <= 0 {
		opt.Trials = DefaultTrials
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if err := Check(m, cat); err != nil {
		return nil, err
	}
	s, scen, err := build(m, cat, res, assess.Stops)
	if err != nil {
		return nil, err
	}
	out := &Result{Organisation: m.Organisation.ID, Method: Method, Seed: opt.Seed, Trials: opt.Trials, Currency: s.p.currency,
		Scenarios: scen, Parameters: s.p.list}
	s.run(opt, out)
	return out, nil
}

// Check refuses cost figures for threats the catalog does not have and
// for changes Ward does not propose: a figure that would be ignored. The
// problems are a *ward.ValidationError, by field, for a model file to
// place (modelfile.Place). Quantify and MakePlan check first.
func Check(m *ward.Model, cat *catalog.Catalog) error {
	var problems []ward.FieldError
	ids := make([]string, len(cat.Threats))
	for i := range cat.Threats {
		ids[i] = cat.Threats[i].ID
	}
	for i, t := range m.Costs.Threats {
		if !slices.Contains(ids, t.Threat) {
			hint := "docs/catalog.md lists them"
			if c := ward.Closest(t.Threat, ids); c != "" {
				hint = fmt.Sprintf("did you mean %q?", c)
			}
			problems = append(problems, ward.FieldError{Path: fmt.Sprintf("costs.threats[%d].threat", i), Message: fmt.Sprintf("no threat %q in the catalog", t.Threat), Hint: hint})
		}
	}
	for i, c := range m.Costs.Changes {
		if _, ok := changeCosts[c.Action]; !ok {
			problems = append(problems, ward.FieldError{Path: fmt.Sprintf("costs.changes[%d].action", i), Message: fmt.Sprintf("ward plan proposes no change %q", c.Action), Hint: strings.Join(actions(), ", ")})
		}
	}
	if len(problems) > 0 {
		return &ward.ValidationError{Errors: problems}
	}
	return nil
}

// actions are the kinds of change ward plan proposes, sorted.
func actions() []string {
	out := make([]string, 0, len(changeCosts))
	for a := range changeCosts {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// build readies the simulation of an assessed model; stopsOf says which
// services each group of failed assets stops (assess.Stops, or a plan's
// memo of it).
func build(m *ward.Model, cat *catalog.Catalog, res *assess.Result, stopsOf func(*ward.Model, [][]string) [][]int) (*sim, []Scenario, error) {
	p := newParams(m)
	s := &sim{p: p}
	shareSum, unshared := 0.0, 0
	for _, sv := range m.Services {
		if sh, ok := p.serviceShare[sv.ID]; ok {
			shareSum += sh
		} else if _, ok := p.serviceHour[sv.ID]; !ok {
			unshared++
		}
	}
	// Services without a share of their own split what the others leave.
	rest := 0.0
	if unshared > 0 {
		rest = max(0, 1-shareSum) / float64(unshared)
	}
	for _, sv := range m.Services {
		fixed, share := -1.0, rest
		if h, ok := p.serviceHour[sv.ID]; ok {
			fixed, share = h, 0
		} else if sh, ok := p.serviceShare[sv.ID]; ok {
			share = sh
		}
		s.fixed = append(s.fixed, fixed)
		s.base = append(s.base, p.revenue/8760*share)
		s.divert = append(s.divert, p.diverts(&sv))
		s.rto = append(s.rto, (time.Duration(sv.MaxOutage)).Hours())
		s.safety = append(s.safety, sv.PatientSafety == "high" || sv.PatientSafety == "critical")
	}
	threats := map[string]*catalog.Threat{}
	for i := range cat.Threats {
		threats[cat.Threats[i].ID] = &cat.Threats[i]
	}
	// What a scenario costs reads an asset's kind and whether it holds
	// health data, of the model itself: no facts of the whole model.
	asset := make(map[string]*ward.Asset, len(m.Assets))
	for i := range m.Assets {
		asset[m.Assets[i].ID] = &m.Assets[i]
	}
	entry := map[string]string{}
	for _, tp := range res.Paths {
		if len(tp.Paths) > 0 {
			entry[tp.Target] = tp.Paths[0].Entry
		}
	}
	profileOf := map[string]int{}
	var scen []Scenario
	var sets [][]string
	var avail []bool
	for _, r := range res.Risks {
		if r.Status != assess.Open && r.Status != "accepted" {
			continue
		}
		t, ok := threats[r.Threat]
		if !ok {
			return nil, nil, fmt.Errorf("risk of threat %q: not in the catalog", r.Threat)
		}
		pi, ok := profileOf[t.ID]
		if !ok {
			pi = len(s.profiles)
			profileOf[t.ID] = pi
			pr := p.profile(t.ID, t.Group)
			s.profiles = append(s.profiles, pr)
			v := fmt.Sprintf("outage PERT %g / %g / %g h", pr.outage.min, pr.outage.mode, pr.outage.max)
			if pr.recovery != nil {
				lo, hi := math.Exp(pr.recovery.mu-z95*pr.recovery.sigma), math.Exp(pr.recovery.mu+z95*pr.recovery.sigma)
				v += fmt.Sprintf(", recovery 90 %% interval %s-%s", Money(lo), Money(hi))
			}
			p.list = append(p.list, Parameter{Name: "incident of " + t.ID, Value: v, Source: pr.source, Set: pr.set})
		}
		l := line{profile: pi, rate: Rates[r.Likelihood], key: hash64(r.Threat + "\x00" + r.Assets[0]), harm: 1}
		sc := Scenario{Threat: r.Threat, ThreatName: r.ThreatName, Assets: r.Assets, Status: r.Status, Likelihood: r.Likelihood, Rate: l.rate, Services: []string{}}
		for _, f := range r.Factors {
			if f.Term == "impact" && f.Effect < 0 && strings.HasSuffix(f.Reason, "limits the harm") {
				l.harm, sc.HarmLimited = 0.5, true
			}
		}
		if slices.Contains(t.Impacts, "confidentiality") {
			for _, id := range r.Assets {
				if a := asset[id]; a != nil {
					k, _ := ward.LookupKind(a.Kind)
					sc.Records += p.recordsOf(id, string(a.Kind), string(k.Category), assess.HoldsHealthData(a))
				}
			}
			l.records = float64(sc.Records) * l.harm
		}
		// Attacks share a cause by entry point; a natural phenomenon strikes
		// the whole site; failures and errors strike each line alone.
		sc.Cause = r.Threat
		if len(r.Attack) == 0 && t.Group != "natural" {
			sc.Cause = r.Threat + " on " + r.Assets[0]
		}
		if len(r.Attack) > 0 {
			e := "any entry point"
			for _, id := range r.Assets {
				if x, ok := entry[id]; ok {
					e = strings.TrimPrefix(x, "entry:")
					break
				}
			}
			sc.Cause += " via " + e
		}
		scen = append(scen, sc)
		s.lines = append(s.lines, l)
		sets = append(sets, r.Assets)
		avail = append(avail, slices.Contains(t.Impacts, "availability"))
	}
	// Lines of several threats on one group of assets fail it alike: each
	// group is failed once.
	group := map[string]int{}
	var unique [][]string
	which := make([]int, len(sets))
	for j, set := range sets {
		which[j] = -1
		if !avail[j] {
			continue
		}
		k := strings.Join(set, "\x00")
		g, ok := group[k]
		if !ok {
			g = len(unique)
			group[k] = g
			unique = append(unique, set)
		}
		which[j] = g
	}
	stops := stopsOf(m, unique)
	for j := range s.lines {
		if which[j] >= 0 {
			s.lines[j].services = stops[which[j]]
			for _, si := range stops[which[j]] {
				scen[j].Services = append(scen[j].Services, m.Services[si].ID)
			}
		}
	}
	// Scenarios that can lose nothing are left out; the rest share causes.
	keep := 0
	causeOf := map[string]int{}
	for j := range s.lines {
		l := s.lines[j]
		if len(l.services) == 0 && l.records == 0 && s.profiles[l.profile].recovery == nil {
			continue
		}
		s.lines[keep], scen[keep] = l, scen[j]
		ci, ok := causeOf[scen[j].Cause]
		if !ok {
			ci = len(s.causes)
			causeOf[scen[j].Cause] = ci
			s.causes = append(s.causes, cause{key: hash64(scen[j].Cause)})
		}
		c := &s.causes[ci]
		c.members = append(c.members, keep)
		c.rate = max(c.rate, Rates[len(Rates)-1], l.rate)
		keep++
	}
	s.lines, scen = s.lines[:keep], scen[:keep]
	for ci := range s.causes {
		c := &s.causes[ci]
		for _, j := range c.members {
			c.q = append(c.q, s.lines[j].rate/c.rate)
		}
	}
	return s, scen, nil
}

// causeOut is what the trials of one cause lost: the same whatever else
// the model holds, since a cause draws from streams of its own. A plan
// keeps them by the cause's content (causeKey) and simulates again only
// the causes a change touches.
type causeOut struct {
	parts     Parts
	harmHours float64
	// trials are the years that lost anything, in order, with their loss
	// and, under insurance, their loss net of it.
	trials []int32
	loss   []float64
	net    []float64
	// Per member (in the cause's order): its parts summed over the
	// trials, and its losses in the years it lost anything (when the
	// scenarios' percentiles are asked for).
	lineParts []Parts
	lineYears [][]float64
	// lite says the trials were let go: the outcome serves the mean alone.
	lite bool
}

// worker holds one worker's scratch.
type worker struct {
	down     []float64 // per service: hours down in the current incident
	touched  []int
	lineYear []Parts // per member of the cause: its loss this year
}

// simulate draws every trial of the causes that have no outcome yet
// (outs[ci] == nil), side by side on opt.Workers. Each cause is drawn by
// one worker from its own streams, so the figures do not depend on how
// many workers drew them.
func (s *sim) simulate(opt Options, outs []*causeOut, perLine bool) {
	var todo []int
	for ci := range s.causes {
		if outs[ci] == nil {
			todo = append(todo, ci)
		}
	}
	var next atomic.Int64
	var wg parallel.Group
	for range min(opt.Workers, len(todo)) {
		wg.Go(func() {
			wk := &worker{down: make([]float64, len(s.fixed))}
			for {
				k := int(next.Add(1)) - 1
				if k >= len(todo) {
					return
				}
				outs[todo[k]] = s.cause(opt.Seed, opt.Trials, todo[k], wk, perLine)
			}
		})
	}
	wg.Wait()
}

// cause draws the n trials of cause ci.
func (s *sim) cause(seed uint64, n, ci int, wk *worker, perLine bool) *causeOut {
	c := &s.causes[ci]
	out := &causeOut{lineParts: make([]Parts, len(c.members))}
	if perLine {
		out.lineYears = make([][]float64, len(c.members))
	}
	wk.lineYear = slices.Grow(wk.lineYear[:0], len(c.members))[:len(c.members)]
	slice := s.strata(seed, c, n)
	for t := range n {
		loss, net := s.year(seed, c, slice, t, wk, out)
		if loss > 0 {
			out.trials = append(out.trials, int32(t))
			out.loss = append(out.loss, loss)
			if s.p.insured {
				out.net = append(out.net, net)
			}
			for k := range c.members {
				if y := wk.lineYear[k]; y.Total() > 0 {
					out.lineParts[k].add(y)
					if perLine {
						out.lineYears[k] = append(out.lineYears[k], y.Total())
					}
				}
			}
		}
	}
	return out
}

// assemble puts the causes' outcomes together into out: the parts and the
// mean always; the percentiles, the curve and the scenarios when full.
// Causes are added in order, so the same outcomes give the same figures
// however they were drawn or kept.
func (s *sim) assemble(opt Options, outs []*causeOut, out *Result, full bool) {
	n := opt.Trials
	out.Parts, out.HarmHours = Parts{}, 0
	for _, o := range outs {
		out.Parts.add(o.parts)
		out.HarmHours += o.harmHours
	}
	out.Parts = out.Parts.scale(1 / float64(n))
	out.HarmHours /= float64(n)
	out.Mean = out.Parts.Total()
	if !full {
		return
	}
	totals := make([]float64, n)
	var nets []float64
	if s.p.insured {
		nets = make([]float64, n)
	}
	for _, o := range outs {
		for k, t := range o.trials {
			totals[t] += o.loss[k]
			if nets != nil {
				nets[t] += o.net[k]
			}
		}
	}
	for ci, o := range outs {
		for k, j := range s.causes[ci].members {
			sc := &out.Scenarios[j]
			sc.Parts = o.lineParts[k].scale(1 / float64(n))
			sc.Mean = sc.Parts.Total()
			if o.lineYears != nil {
				years := o.lineYears[k]
				sort.Float64s(years)
				sc.P50, sc.P90, sc.P99 = sparseQuantile(years, n, 0.5), sparseQuantile(years, n, 0.9), sparseQuantile(years, n, 0.99)
			}
		}
	}
	if nets != nil {
		sum := 0.0
		for _, x := range nets {
			sum += x
		}
		sort.Float64s(nets)
		out.Net = &Net{Mean: sum / float64(n), P50: quantile(nets, 0.5), P90: quantile(nets, 0.9), P99: quantile(nets, 0.99)}
		out.Net.Paid = out.Mean - out.Net.Mean
	}
	sort.Float64s(totals)
	out.P50, out.P90, out.P99 = quantile(totals, 0.5), quantile(totals, 0.9), quantile(totals, 0.99)
	zero := sort.SearchFloat64s(totals, math.SmallestNonzeroFloat64)
	out.NoLoss = float64(zero) / float64(n)
	out.Curve = []Point{{0, 1 - out.NoLoss}}
	for _, pr := range []float64{0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001} {
		if pr >= 1-out.NoLoss || pr*float64(n) < 1 {
			continue
		}
		out.Curve = append(out.Curve, Point{quantile(totals, 1-pr), pr})
	}
	sort.SliceStable(out.Scenarios, func(a, b int) bool { return out.Scenarios[a].Mean > out.Scenarios[b].Mean })
}

func (s *sim) run(opt Options, out *Result) {
	outs := make([]*causeOut, len(s.causes))
	s.simulate(opt, outs, true)
	s.assemble(opt, outs, out, true)
}

// strata spreads a cause's count of incidents over the trials (Latin
// hypercube sampling): the uniform that draws the count of trial t lies in
// the t-th of n equal slices, the slices shuffled per cause with a stream
// of its own. The rare years with many incidents then come in their true
// share at any number of trials, and the percentiles settle sooner.
func (s *sim) strata(seed uint64, c *cause, n int) []int32 {
	st := stream(mix(seed^c.key) ^ 0x2545f4914f6cdd1d)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	for i := n - 1; i > 0; i-- {
		j := int(st.next() % uint64(i+1))
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}

// causeKey is everything a cause's outcome depends on, written out: its
// key and, per member, the line's key, rate, share of the cause's
// incidents, incident profile, harm, records and the services it stops
// with what an hour of each costs. Two causes with the same key lose the
// same in every trial (for the same seed, trials and organisation-wide
// figures).
func (s *sim) causeKey(ci int, buf []byte) []byte {
	c := &s.causes[ci]
	f := func(x float64) { buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x)) }
	buf = binary.LittleEndian.AppendUint64(buf, c.key)
	f(c.rate)
	for k, j := range c.members {
		l := &s.lines[j]
		pr := &s.profiles[l.profile]
		buf = binary.LittleEndian.AppendUint64(buf, l.key)
		f(l.rate)
		f(c.q[k])
		f(pr.outage.min)
		f(pr.outage.mode)
		f(pr.outage.max)
		if pr.recovery != nil {
			f(pr.recovery.mu)
			f(pr.recovery.sigma)
		} else {
			f(math.NaN())
		}
		if pr.ransom {
			buf = append(buf, 1)
		} else {
			buf = append(buf, 0)
		}
		f(l.harm)
		f(l.records)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(l.services)))
		for _, si := range l.services {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(si))
			f(s.fixed[si])
			f(s.base[si])
			f(s.divert[si])
			f(s.rto[si])
			if s.safety[si] {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
		}
	}
	return buf
}

// quantile is the nearest-rank quantile of sorted values.
func quantile(sorted []float64, q float64) float64 {
	r := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(r, 1), len(sorted))-1]
}

// sparseQuantile is the quantile of n years of which the sorted non-zero
// ones are given.
func sparseQuantile(nonzero []float64, n int, q float64) float64 {
	r := int(math.Ceil(q * float64(n)))
	zeros := n - len(nonzero)
	if r <= zeros {
		return 0
	}
	return nonzero[r-zeros-1]
}

// golden spaces the sub-streams of one incident.
const golden = 0x9e3779b97f4a7c15

// year simulates trial t of cause c and returns its loss and, under
// insurance, its loss net of it; each member's loss of the year is left
// in wk.lineYear, and every part is added to out.
func (s *sim) year(seed uint64, c *cause, slice []int32, t int, wk *worker, out *causeOut) (total, net float64) {
	p := s.p
	st := stream(mix(seed^c.key) ^ mix(uint64(t)*golden+1))
	u := (float64(slice[t]) + st.uniform()) / float64(len(slice))
	events := poisson(c.rate, u)
	if events == 0 {
		return 0, 0
	}
	for k := range c.members {
		wk.lineYear[k] = Parts{}
	}
	for range events {
		inc := st.next()
		sub := func(i uint64) stream { return stream(mix(inc + i*golden)) }
		hitSeed := mix(inc ^ 0x5bd1e995)
		draws := [8]stream{sub(1), sub(2), sub(3), sub(4), sub(5), sub(6), sub(7), sub(8)}
		var joint Parts
		var records float64
		var hours float64
		var activity, recovery, perRecord, fineU, fine, exposed, ransom float64
		reputation := -1.0 // drawn when a breach is made public
		drawn := false
		for k, j := range c.members {
			h := stream(mix(hitSeed ^ s.lines[j].key))
			if h.uniform() >= c.q[k] {
				continue
			}
			l := &s.lines[j]
			pr := &s.profiles[l.profile]
			if !drawn {
				// Every incident draws the same numbers in the same
				// order, whatever it hits.
				hours = draws[0].pert(pr.outage)
				activity = draws[1].pert(p.activity)
				if pr.recovery != nil {
					recovery = draws[2].lognormal(*pr.recovery)
				}
				perRecord = draws[3].lognormal(p.perRecord)
				fineU = draws[4].uniform()
				fine = min(draws[4].lognormal(p.fine), p.fineCap)
				exposed = draws[5].pert(p.exposed)
				if pr.ransom && draws[6].uniform() < p.ransomP {
					ransom = draws[6].lognormal(p.ransom)
				}
				drawn = true
			}
			lh := hours * l.harm
			var own Parts
			for _, si := range l.services {
				past := max(0, lh-s.rto[si])
				own.Downtime += s.hourCost(si, activity) * past
				own.Diversion += s.divert[si] * past
				if wk.down[si] == 0 {
					wk.touched = append(wk.touched, si)
				}
				wk.down[si] = max(wk.down[si], lh)
			}
			if l.records > 0 {
				own.Breach = breach(l.records*exposed, perRecord)
				if fineU < p.fineP {
					own.Fines = fine
				}
				if l.records*exposed >= PublicBreach {
					if reputation < 0 {
						reputation = p.revenue * draws[7].pert(p.reputation)
					}
					own.Reputation = reputation
				}
			}
			if pr.recovery != nil {
				own.Recovery = recovery * l.harm
				joint.Recovery = max(joint.Recovery, own.Recovery)
			}
			if pr.ransom {
				own.Ransom = ransom
				joint.Ransom = ransom
			}
			records += l.records
			wk.lineYear[k].add(own)
		}
		for _, si := range wk.touched {
			past := max(0, wk.down[si]-s.rto[si])
			joint.Downtime += s.hourCost(si, activity) * past
			joint.Diversion += s.divert[si] * past
			if s.safety[si] {
				out.harmHours += past
			}
			wk.down[si] = 0
		}
		wk.touched = wk.touched[:0]
		if records > 0 {
			joint.Breach = breach(records*exposed, perRecord)
			if fineU < p.fineP {
				joint.Fines = fine
			}
			if records*exposed >= PublicBreach {
				if reputation < 0 {
					reputation = p.revenue * draws[7].pert(p.reputation)
				}
				joint.Reputation = reputation
			}
		}
		out.parts.add(joint)
		total += joint.Total()
		if p.insured {
			net += joint.Total() - min(max(0, joint.Total()-p.retention), p.limit)
		}
	}
	return total, net
}

// hourCost is what an hour of a service's outage costs.
func (s *sim) hourCost(si int, activity float64) float64 {
	if s.fixed[si] >= 0 {
		return s.fixed[si]
	}
	return s.base[si] * activity
}

// breach is the cost of exposing n records at perRecord each, growing as
// n^0.55 past a million (IBM 2018).
func breach(n, perRecord float64) float64 {
	if n <= 1e6 {
		return n * perRecord
	}
	return 1e6 * perRecord * math.Pow(n/1e6, 0.55)
}
