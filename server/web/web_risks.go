package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/server/internal/core"
)

// maxRiskLines is the most register lines a page lists; a filter lists
// the rest.
const maxRiskLines = 200

// riskLine is a line of the register with its likeliest path's steps in
// words.
type riskLine struct {
	assess.Risk
	Steps []string
}

// riskPage is the risk register as the dashboard lists it, filtered.
type riskPage struct {
	Lines []riskLine
	// All counts the register's lines; Matched those the filter keeps,
	// Pairs their asset x threat pairs (what the overview's heat map
	// counts).
	All, Matched, Pairs            int
	Severity, Zone, Threat, Status string
	Likelihood, Impact             int
	Severities, Zones, Statuses    []string
	Threats                        [][2]string // id, name
	Scale                          []int
	Filtered                       bool
}

// webRisks: the risk register, each line with its score, the factors that
// explain it and the attack path its likelihood reads; filtered by
// severity, zone, threat, status, likelihood and impact (a cell of the
// overview's heat map links here).
func (s *handler) webRisks(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCached(w, r, c, v, "risks.html", "Risk register", func() (any, error) {
		q := r.URL.Query()
		p := riskPage{All: len(v.Result.Risks), Severity: q.Get("severity"), Zone: q.Get("zone"), Threat: q.Get("threat"), Status: q.Get("status"),
			Severities: []string{"critical", "high", "medium", "low"}, Scale: []int{1, 2, 3, 4, 5}}
		if p.Severity != "" && !slices.Contains(p.Severities, p.Severity) {
			return nil, core.Fail(http.StatusBadRequest, "severity %q: critical, high, medium or low", p.Severity)
		}
		for _, z := range v.Model.Zones {
			p.Zones = append(p.Zones, z.ID)
		}
		if p.Zone != "" && !slices.Contains(p.Zones, p.Zone) {
			return nil, core.Fail(http.StatusBadRequest, "zone %q: not a zone of %s", p.Zone, c.Org)
		}
		seen := map[string]bool{}
		for _, rk := range v.Result.Risks {
			if !seen[rk.Threat] {
				seen[rk.Threat] = true
				p.Threats = append(p.Threats, [2]string{rk.Threat, rk.ThreatName})
			}
			if !slices.Contains(p.Statuses, rk.Status) {
				p.Statuses = append(p.Statuses, rk.Status)
			}
		}
		slices.SortFunc(p.Threats, func(a, b [2]string) int { return cmp.Compare(a[1], b[1]) })
		slices.Sort(p.Statuses)
		if p.Threat != "" && !seen[p.Threat] {
			return nil, core.Fail(http.StatusBadRequest, "threat %q: no line of the register has it", p.Threat)
		}
		if p.Status != "" && !slices.Contains(p.Statuses, p.Status) && p.Status != assess.Open {
			return nil, core.Fail(http.StatusBadRequest, "status %q: one of %v", p.Status, p.Statuses)
		}
		for _, f := range []struct {
			name string
			to   *int
		}{{"likelihood", &p.Likelihood}, {"impact", &p.Impact}} {
			if x := q.Get(f.name); x != "" {
				n, err := strconv.Atoi(x)
				if err != nil || n < 1 || n > 5 {
					return nil, core.Fail(http.StatusBadRequest, "%s %q: 1 to 5", f.name, x)
				}
				*f.to = n
			}
		}
		names := placeNames(v.Model)
		p.Filtered = p.Severity != "" || p.Zone != "" || p.Threat != "" || p.Status != "" || p.Likelihood != 0 || p.Impact != 0
		for _, rk := range v.Result.Risks {
			if (p.Severity != "" && rk.Severity != p.Severity) || (p.Zone != "" && rk.Zone != p.Zone) || (p.Threat != "" && rk.Threat != p.Threat) ||
				(p.Status != "" && rk.Status != p.Status) || (p.Likelihood != 0 && rk.Likelihood != p.Likelihood) || (p.Impact != 0 && rk.Impact != p.Impact) {
				continue
			}
			p.Matched++
			p.Pairs += len(rk.Assets)
			if len(p.Lines) < maxRiskLines {
				line := riskLine{Risk: rk}
				if rk.Path != nil {
					for _, st := range rk.Path.Steps {
						line.Steps = append(line.Steps, stepWords(st, names))
					}
				}
				p.Lines = append(p.Lines, line)
			}
		}
		return p, nil
	})
}
