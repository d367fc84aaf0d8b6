package assess

import (
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/internal/parallel"
)

// Options steer an assessment.
type Options struct {
	// Today is the assessment date, YYYY-MM-DD: what "end of support has
	// passed" is measured against. Fixing it makes results reproducible.
	Today string
	// Vulnerabilities sums up the known vulnerabilities per asset id; when
	// nil, it is summed up from Matches.
	Vulnerabilities map[string]intel.Exposure
	// Matches are the advisories' vulnerabilities found on the assets.
	Matches []intel.Match
	// Paths is how many attack paths to find per target (default
	// DefaultPaths); Targets how many targets get that many (default
	// DefaultTargets).
	Paths, Targets int
	// Observed are attacks seen in the assets' logs; each raises the
	// likelihood of the threats with its ATT&CK techniques on its asset.
	Observed []Observation
	// RegisterOnly leaves out what the register does not need (baselines,
	// single points of failure, scenarios, and all but the likeliest path
	// to each critical target), for measuring many changed models.
	RegisterOnly bool
	// forCandidates leaves out what the plan's candidates do not read
	// (baselines and scenarios).
	forCandidates bool
}

// Patched returns the options with the given assets' matched
// vulnerabilities fixed: what a plan's patch steps leave of them.
func (o Options) Patched(ids ...string) Options {
	if len(ids) == 0 {
		return o
	}
	fixed := map[string]bool{}
	for _, id := range ids {
		fixed[id] = true
	}
	if o.Vulnerabilities == nil && o.Matches != nil {
		o.Vulnerabilities = intel.Exposures(o.Matches)
	}
	v := make(map[string]intel.Exposure, len(o.Vulnerabilities))
	for id, e := range o.Vulnerabilities {
		if !fixed[id] {
			v[id] = e
		}
	}
	o.Vulnerabilities = v
	o.Matches = slices.DeleteFunc(slices.Clone(o.Matches), func(m intel.Match) bool { return fixed[m.Asset] })
	return o
}

// Result is a whole assessment.
type Result struct {
	// cut is the minimum cut of the attack graph, found on the graph the
	// assessment built when it was for the plan's candidates.
	cut *minCut
	// org and facts are the model's, kept when the assessment was for the
	// plan's candidates.
	org          catalog.OrgFacts
	facts        []catalog.AssetFacts
	Organisation string           `json:"organisation"`
	Name         string           `json:"name"`
	Date         string           `json:"date"`
	Summary      Summary          `json:"summary"`
	Risks        []Risk           `json:"risks"`
	Findings     []Finding        `json:"findings"`
	Baselines    []BaselineResult `json:"baselines"`
	// Unmatched lists risk decisions of the model that match no risk.
	Unmatched []Unmatched `json:"unmatched_decisions"`
	// Resilience lists each clinical service's single points of failure.
	Resilience []Resilience `json:"resilience"`
	// Paths are the most likely attack paths to the most exposed critical
	// targets; Scenarios the catalog's attack scenarios on the model.
	Paths     []TargetPaths    `json:"attack_paths"`
	Scenarios []ScenarioResult `json:"scenarios"`
	// Plan is filled when asked for (MakePlan).
	Plan *Plan `json:"plan,omitempty"`
	// Vulnerabilities are the known vulnerabilities matched to the assets.
	Vulnerabilities []intel.Match `json:"vulnerabilities"`
}

// Unmatched is a risk decision that matches no risk of the register.
type Unmatched struct {
	ward.Decision
	Reason string `json:"reason"`
}

// Open is the status of a risk no decision treats.
const Open = "open"

// Summary counts the result.
type Summary struct {
	Assets int            `json:"assets"`
	Risks  map[string]int `json:"risks"` // by severity, counting assets
	// Open counts, by severity, the risks no decision treats.
	Open      map[string]int `json:"open_risks"`
	Findings  map[string]int `json:"findings"` // by severity, counting assets
	Worst     string         `json:"worst"`    // highest severity of an open risk, or "none"
	Baselines map[string]int `json:"baseline_coverage_percent"`
}

// Factor is one term of a score, so that every number is explained.
type Factor struct {
	Term   string `json:"term"` // likelihood or impact
	Effect int    `json:"effect"`
	Reason string `json:"reason"`
	// weakness is the finding the factor counts, when it does.
	weakness string
}

// Risk is a threat to one or more assets of the same kind in the same zone
// that score alike for the same reasons: one line of the risk register.
type Risk struct {
	Threat     string   `json:"threat"`
	ThreatName string   `json:"threat_name"`
	Group      string   `json:"group"`
	Attack     []string `json:"attack,omitempty"`
	Kind       string   `json:"kind"`
	Zone       string   `json:"zone"`
	Assets     []string `json:"assets"`
	Likelihood int      `json:"likelihood"`
	Impact     int      `json:"impact"`
	// Dimension is what drives the impact: safety, availability,
	// confidentiality or integrity.
	Dimension string   `json:"dimension"`
	Score     int      `json:"score"`
	Severity  string   `json:"severity"`
	Factors   []Factor `json:"factors"`
	// Status is open, or the status of the decision that treats the risk.
	Status   string         `json:"status"`
	Decision *ward.Decision `json:"decision,omitempty"`
	// Note explains a status, e.g. an acceptance that has lapsed.
	Note string `json:"note,omitempty"`
	// Path is the most likely attack path to the line's first asset, for
	// threats scored by attack paths: the path its likelihood reads.
	Path *AttackPath `json:"path,omitempty"`
}

// Finding is a weakness present on one or more assets, with the evidence
// on each (Evidence[i] is about Assets[i]).
type Finding struct {
	Weakness string   `json:"weakness"`
	Title    string   `json:"title"`
	Severity string   `json:"severity"`
	Remedy   string   `json:"remedy,omitempty"`
	Assets   []string `json:"assets"`
	Evidence []string `json:"evidence"`
}

// Status of a check or measure against the model.
const (
	Met           = "met"
	Partly        = "partly"
	NotMet        = "not met"
	NotApplicable = "not applicable"
)

// BaselineResult is the coverage of one baseline.
type BaselineResult struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Source   string          `json:"source,omitempty"`
	Coverage int             `json:"coverage_percent"`
	Measures []MeasureResult `json:"measures"`
}

// MeasureResult is the status of one measure, with its checks as evidence.
type MeasureResult struct {
	ID     string        `json:"id"`
	Title  string        `json:"title"`
	Status string        `json:"status"`
	Checks []CheckResult `json:"checks"`
}

// CheckResult is one check: for the organisation, or over the assets it
// applies to, with those that fail.
type CheckResult struct {
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Applicable int      `json:"applicable,omitempty"`
	Passing    int      `json:"passing,omitempty"`
	Failing    []string `json:"failing,omitempty"`
	Remedy     string   `json:"remedy,omitempty"`
}

// SeverityOf maps a score (likelihood x impact, 1 to 25) to a severity.
func SeverityOf(score int) string {
	switch {
	case score >= 20:
		return "critical"
	case score >= 12:
		return "high"
	case score >= 6:
		return "medium"
	}
	return "low"
}

// SeverityRank orders severities: low 0 to critical 3, unknown -1.
func SeverityRank(s string) int { return slices.Index(catalog.Severities, s) }

// Assess runs the catalog over the model.
func Assess(m *ward.Model, cat *catalog.Catalog, opt Options) (*Result, error) {
	if opt.Vulnerabilities == nil && opt.Matches != nil {
		opt.Vulnerabilities = intel.Exposures(opt.Matches)
	}
	why := newCauses(len(m.Assets))
	if opt.forCandidates {
		why = nil // no explanations: the candidates read none
	}
	x := m.Index()
	// Beside the work that follows, on another core: the single points of
	// failure read the model's links alone, and the attack paths and
	// scenarios (begun once the attack graph is made) read the graph and
	// the facts, which the rules only read.
	var side parallel.Group
	var resilience []Resilience
	if !opt.RegisterOnly {
		side.Go(func() { resilience = singlePoints(x) })
	}
	orgFacts, facts := facts(x, opt.Today, opt.Vulnerabilities, why)
	ag := buildAttackGraph(x, facts, &orgFacts)
	var cut *minCut
	if opt.forCandidates {
		cut = &minCut{}
		cut.links, cut.rules, cut.ok = ag.minimumCut(m, facts)
	}
	tree := ag.reach(m, facts)
	k, targets := opt.Paths, opt.Targets
	if k <= 0 {
		k = DefaultPaths
	}
	if targets <= 0 {
		targets = DefaultTargets
	}
	if opt.RegisterOnly {
		// The likeliest path to each critical target, which names the
		// entry point of the register's attacks: nothing else.
		k, targets = 1, 0
	}
	var paths []TargetPaths
	var scenarios []ScenarioResult
	var scenarioErr error
	side.Go(func() {
		paths = AttackPaths(ag, m, facts, tree, k, targets)
		if !opt.RegisterOnly && !opt.forCandidates {
			scenarios, scenarioErr = Scenarios(ag, cat, facts, &orgFacts, k)
		}
	})
	// Whatever way this returns, the side work is over by then: it reads
	// what the caller may change next.
	defer side.Wait()
	e := newEvaluator(cat, &orgFacts)
	e.observed = indexObserved(opt.Observed)
	e.lean = opt.forCandidates
	if opt.RegisterOnly {
		e.checks = nil // no baselines: their checks go unread
	}
	res := &Result{cut: cut, Organisation: m.Organisation.ID, Name: m.Organisation.Name, Date: opt.Today,
		Risks: []Risk{}, Findings: []Finding{}, Baselines: []BaselineResult{}, Vulnerabilities: opt.Matches}
	if res.Vulnerabilities == nil {
		res.Vulnerabilities = []intel.Match{}
	}

	findings := map[string]*Finding{}
	var findingOrder []string
	outcomes, err := e.outcomes(facts)
	if err != nil {
		return nil, err
	}
	for i := range facts {
		f := &facts[i]
		for _, w := range outcomes[i].weaknesses {
			key := w.weakness.ID
			fd, ok := findings[key]
			if !ok {
				fd = &Finding{Weakness: w.weakness.ID, Title: w.weakness.Title, Severity: w.weakness.Severity, Remedy: w.weakness.Remedy}
				findings[key] = fd
				findingOrder = append(findingOrder, key)
			}
			fd.Assets = append(fd.Assets, f.ID)
			ev := w.evidence
			if named := why.name(m, w.weakness.ID, i); named != "" {
				ev += ": " + named
			}
			fd.Evidence = append(fd.Evidence, ev)
		}
	}
	lines, matched := registerLines(m, facts, outcomes, e.table, opt.Today)
	threatPaths := map[string]bool{}
	for _, t := range cat.Threats {
		threatPaths[t.ID] = t.Paths
	}
	index := make(map[string]int, len(facts))
	for i := range facts {
		index[facts[i].ID] = i
	}
	for _, r := range lines {
		// The factors are the evaluation's, shared by alike assets: the
		// line's own names go into a copy.
		r.Factors = slices.Clone(r.Factors)
		first := index[r.Assets[0]]
		if threatPaths[r.Threat] {
			ag.explainReach(r, tree, first)
		}
		why.explain(m, r, first)
		res.Risks = append(res.Risks, *r)
	}
	sort.SliceStable(res.Risks, func(i, j int) bool { return riskBefore(&res.Risks[i], &res.Risks[j]) })
	for _, k := range findingOrder {
		res.Findings = append(res.Findings, *findings[k])
	}
	sortFindings(res.Findings)
	known := map[string]bool{}
	for _, t := range cat.Threats {
		known[t.ID] = true
	}
	res.Unmatched = []Unmatched{}
	for i, d := range m.Decisions {
		if matched[i] {
			continue
		}
		reason := fmt.Sprintf("threat %s does not apply to %s any more", d.Threat, d.Asset)
		if !known[d.Threat] {
			reason = fmt.Sprintf("no threat %q in the catalog", d.Threat)
		}
		res.Unmatched = append(res.Unmatched, Unmatched{Decision: d, Reason: reason})
	}
	if opt.RegisterOnly {
		side.Wait()
		res.Paths = paths
		res.Baselines, res.Resilience, res.Scenarios = []BaselineResult{}, []Resilience{}, []ScenarioResult{}
		res.Summary = summarise(res, len(facts))
		return res, nil
	}
	if opt.forCandidates {
		res.Baselines, res.Scenarios = []BaselineResult{}, []ScenarioResult{}
	} else if res.Baselines, err = e.baselines(facts, outcomes); err != nil {
		return nil, err
	}
	side.Wait()
	res.Resilience, res.Paths = resilience, paths
	if opt.forCandidates {
		res.Summary = summarise(res, len(facts))
		res.org, res.facts = orgFacts, facts
		return res, nil
	}
	if scenarioErr != nil {
		return nil, scenarioErr
	}
	res.Scenarios = scenarios
	res.Summary = summarise(res, len(facts))
	return res, nil
}

// sortFindings orders findings: the most severe first, then those on the
// most assets.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if ra, rb := SeverityRank(a.Severity), SeverityRank(b.Severity); ra != rb {
			return ra > rb
		}
		if len(a.Assets) != len(b.Assets) {
			return len(a.Assets) > len(b.Assets)
		}
		return a.Weakness < b.Weakness
	})
}

// appendRiskKey appends to b the key that groups risks that read the
// same in the register.
func appendRiskKey(b []byte, r Risk, f *catalog.AssetFacts) []byte {
	// Appended rather than formatted: every risk of every distinct asset
	// writes one.
	b = append(append(append(append(append(append(b, r.Threat...), 0), f.Kind...), 0), f.Zone...), 0)
	b = append(strconv.AppendInt(b, int64(r.Likelihood), 10), 0)
	b = append(strconv.AppendInt(b, int64(r.Impact), 10), 0)
	b = append(b, r.Dimension...)
	for _, x := range r.Factors {
		b = append(append(b, 0), x.Term...)
		b = append(strconv.AppendInt(b, int64(x.Effect), 10), x.Reason...)
	}
	return b
}

// riskBefore orders the register: highest score first; at equal score,
// harm to patients first, then higher impact, then likelihood.
func riskBefore(a, b *Risk) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	if sa, sb := a.Dimension == "safety", b.Dimension == "safety"; sa != sb {
		return sa
	}
	if a.Impact != b.Impact {
		return a.Impact > b.Impact
	}
	if len(a.Assets) != len(b.Assets) {
		return len(a.Assets) > len(b.Assets)
	}
	if a.Threat != b.Threat {
		return a.Threat < b.Threat
	}
	return a.Assets[0] < b.Assets[0]
}

func summarise(res *Result, assets int) Summary {
	s := Summary{Assets: assets, Risks: map[string]int{}, Open: map[string]int{}, Findings: map[string]int{}, Worst: "none", Baselines: map[string]int{}}
	for _, sev := range catalog.Severities {
		s.Risks[sev], s.Open[sev], s.Findings[sev] = 0, 0, 0
	}
	for _, r := range res.Risks {
		s.Risks[r.Severity] += len(r.Assets)
		if r.Status != Open {
			continue
		}
		s.Open[r.Severity] += len(r.Assets)
		if SeverityRank(r.Severity) > SeverityRank(s.Worst) {
			s.Worst = r.Severity
		}
	}
	for _, f := range res.Findings {
		s.Findings[f.Severity] += len(f.Assets)
	}
	for _, b := range res.Baselines {
		s.Baselines[b.ID] = b.Coverage
	}
	return s
}

// lapsed reports whether a decision is an acceptance whose term has passed,
// so that the risk is open again.
func lapsed(d ward.Decision, today string) bool {
	return d.Status == "accepted" && d.Until != "" && string(d.Until) < today
}
