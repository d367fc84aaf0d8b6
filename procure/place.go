package procure

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
)

// Place puts checked candidates into a copy of the model as planned
// assets, with their intended links, and validates the result. A planned
// asset of the same id is replaced (a candidate checked again); an
// existing asset of that id is an error.
func Place(m *ward.Model, reports ...*Report) (*ward.Model, error) {
	c := *m
	c.Assets = slices.Clone(m.Assets)
	c.Links = slices.Clone(m.Links)
	for _, r := range reports {
		a := r.Asset
		if a.Zone == "" {
			return nil, fmt.Errorf("candidate %s: no zone; say where it would stand (candidate.zone in the candidate file, or --zone)", a.ID)
		}
		if i := slices.IndexFunc(c.Assets, func(x ward.Asset) bool { return x.ID == a.ID }); i >= 0 {
			if c.Assets[i].Provenance != ward.ProvenancePlanned {
				return nil, fmt.Errorf("candidate %s: the model already has an asset %s that is not planned", a.ID, a.ID)
			}
			c.Assets[i] = a
			c.Links = slices.DeleteFunc(c.Links, func(l ward.Link) bool {
				return l.Notes().Provenance == ward.ProvenancePlanned && (l.From == a.ID || l.To == a.ID)
			})
		} else {
			c.Assets = append(c.Assets, a)
		}
		c.Links = append(c.Links, r.Links...)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Addition is what a planned asset adds to the assessment: the register
// lines that name it, those new to the register, the attack paths to or
// through it, its findings and its known vulnerabilities.
type Addition struct {
	Asset string `json:"asset"`
	// Risks are the register lines (with the planned assets) that name it.
	Risks []AddedRisk `json:"risks"`
	// NewLines counts the register lines naming it that the assessment
	// without the planned assets does not have at all (a threat on a kind
	// of asset in a zone): the rest are lines it joins.
	NewLines int `json:"new_lines"`
	// Paths are the attack paths that reach it or pass through it.
	Paths    []string `json:"paths"`
	Findings []string `json:"findings"`
	// Vulnerabilities are its known vulnerabilities today.
	Vulnerabilities []intel.Match `json:"vulnerabilities"`
	// OpenBefore and OpenAfter count open risks (threat x asset) without
	// and with the planned assets.
	OpenBefore int `json:"open_risks_before"`
	OpenAfter  int `json:"open_risks_after"`
}

// AddedRisk is one register line naming a planned asset.
type AddedRisk struct {
	Severity string `json:"severity"`
	Score    int    `json:"score"`
	Threat   string `json:"threat"`
	Name     string `json:"threat_name"`
	Assets   int    `json:"assets"`
	New      bool   `json:"new"`
}

// Additions compares the assessment of the model as it exists (base) with
// that including its planned assets (with), and says what each planned
// asset adds.
func Additions(m *ward.Model, base, with *assess.Result) []Addition {
	lines := map[string]bool{}
	for _, r := range base.Risks {
		lines[lineKey(r)] = true
	}
	open := func(res *assess.Result) int {
		n := 0
		for _, v := range res.Summary.Open {
			n += v
		}
		return n
	}
	var out []Addition
	for _, id := range m.Planned() {
		ad := Addition{Asset: id, Risks: []AddedRisk{}, Paths: []string{}, Findings: []string{}, Vulnerabilities: []intel.Match{},
			OpenBefore: open(base), OpenAfter: open(with)}
		for _, r := range with.Risks {
			if !slices.Contains(r.Assets, id) {
				continue
			}
			isNew := !lines[lineKey(r)]
			if isNew {
				ad.NewLines++
			}
			ad.Risks = append(ad.Risks, AddedRisk{Severity: r.Severity, Score: r.Score, Threat: r.Threat, Name: r.ThreatName, Assets: len(r.Assets), New: isNew})
		}
		seen := map[string]bool{}
		for _, tp := range with.Paths {
			for _, p := range tp.Paths {
				if p.Target == id || slices.ContainsFunc(p.Steps, func(s assess.Step) bool { return s.To == id || s.From == id }) {
					if s := fmt.Sprintf("%s (p=%.3f)", pathString(p), p.P); !seen[s] {
						seen[s] = true
						ad.Paths = append(ad.Paths, s)
					}
				}
			}
		}
		for _, f := range with.Findings {
			if slices.Contains(f.Assets, id) {
				ad.Findings = append(ad.Findings, f.Severity+": "+f.Title)
			}
		}
		for _, v := range with.Vulnerabilities {
			if v.Asset == id {
				ad.Vulnerabilities = append(ad.Vulnerabilities, v)
			}
		}
		out = append(out, ad)
	}
	return out
}

func lineKey(r assess.Risk) string {
	return r.Threat + "\x00" + r.Kind + "\x00" + r.Zone + "\x00" + r.Dimension
}

func pathString(p assess.AttackPath) string {
	parts := []string{p.Entry}
	for _, s := range p.Steps {
		if !strings.HasPrefix(s.To, "flat network ") {
			parts = append(parts, s.To)
		}
	}
	return strings.Join(parts, " → ")
}

// AssessWithPlanned assesses the model as it exists and with its planned
// assets, and returns the latter with what each planned asset adds. The
// matches in opt are those of every asset, planned ones included.
func AssessWithPlanned(m *ward.Model, cat *catalog.Catalog, opt assess.Options) (*assess.Result, []Addition, error) {
	exists := m.WithoutPlanned()
	baseOpt := opt
	if exists != m {
		planned := map[string]bool{}
		for _, id := range m.Planned() {
			planned[id] = true
		}
		baseOpt.Matches = slices.DeleteFunc(slices.Clone(opt.Matches), func(v intel.Match) bool { return planned[v.Asset] })
	}
	base, err := assess.Assess(exists, cat, baseOpt)
	if err != nil {
		return nil, nil, err
	}
	with, err := assess.Assess(m, cat, opt)
	if err != nil {
		return nil, nil, err
	}
	return with, Additions(m, base, with), nil
}

// PlacementError is a candidate that cannot stand in the model: no zone,
// an id taken by an existing asset, a link to nothing.
type PlacementError struct{ Err error }

func (e *PlacementError) Error() string { return e.Err.Error() }
func (e *PlacementError) Unwrap() error { return e.Err }

// Explain places the checked candidates in a copy of the model (m is not
// changed), assesses it with and without them, and sets each report's
// Adds. A candidate that cannot be placed is a *PlacementError.
func Explain(m *ward.Model, cat *catalog.Catalog, reports []*Report, opt Options) error {
	placed, err := Place(m, reports...)
	if err != nil {
		return &PlacementError{err}
	}
	aopt := assess.Options{Today: opt.Today}
	if opt.Matcher != nil {
		aopt.Matches = opt.Matcher.Match(placed.Assets)
	}
	_, adds, err := AssessWithPlanned(placed, cat, aopt)
	if err != nil {
		return err
	}
	for _, r := range reports {
		for i := range adds {
			if adds[i].Asset == r.Candidate {
				r.Adds = &adds[i]
			}
		}
	}
	return nil
}
