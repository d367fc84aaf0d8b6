package web

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/report"
	"github.com/wardhealth/ward/server/internal/core"
)

// findingsPage lists the assessment's findings, filtered.
type findingsPage struct {
	Findings   []assess.Finding
	All        int
	Severity   string
	Zone       string
	Severities []string
	Zones      []string
}

// webFindings: every finding with its evidence and remedy, worst first,
// filtered by severity and zone.
func (s *handler) webFindings(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCached(w, r, c, v, "findings.html", "Findings", func() (any, error) {
		q := r.URL.Query()
		p := findingsPage{All: len(v.Result.Findings), Severity: q.Get("severity"), Zone: q.Get("zone"), Severities: []string{"critical", "high", "medium", "low"}}
		if p.Severity != "" && !slices.Contains(p.Severities, p.Severity) {
			return nil, core.Fail(http.StatusBadRequest, "severity %q: critical, high, medium or low", p.Severity)
		}
		zoneOf := map[string]string{}
		for _, a := range v.Model.Assets {
			zoneOf[a.ID] = a.Zone
		}
		for _, z := range v.Model.Zones {
			p.Zones = append(p.Zones, z.ID)
		}
		if p.Zone != "" && !slices.Contains(p.Zones, p.Zone) {
			return nil, core.Fail(http.StatusBadRequest, "zone %q: not a zone of %s", p.Zone, c.Org)
		}
		for _, f := range v.Result.Findings {
			if p.Severity != "" && f.Severity != p.Severity {
				continue
			}
			if p.Zone != "" {
				var in []string
				for _, a := range f.Assets {
					if zoneOf[a] == p.Zone {
						in = append(in, a)
					}
				}
				if len(in) == 0 {
					continue
				}
				f.Assets = in
			}
			p.Findings = append(p.Findings, f)
		}
		slices.SortStableFunc(p.Findings, func(a, b assess.Finding) int {
			return cmp.Or(assess.SeverityRank(b.Severity)-assess.SeverityRank(a.Severity), len(b.Assets)-len(a.Assets))
		})
		return p, nil
	})
}

// vulnRow is one asset's known vulnerabilities, in patch order.
type vulnRow struct {
	Asset   string
	Matches []intel.Match
	intel.Exposure
}

// webVulnerabilities: the matched vulnerabilities by asset, the asset to
// patch first first: exploited in ransomware, exploited, then by the
// likelihood of exploitation (EPSS) and severity (CVSS).
func (s *handler) webVulnerabilities(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCached(w, r, c, v, "vulnerabilities.html", "Vulnerabilities", func() (any, error) {
		by := map[string][]intel.Match{}
		for _, m := range v.Result.Vulnerabilities {
			by[m.Asset] = append(by[m.Asset], m)
		}
		exp := intel.Exposures(v.Result.Vulnerabilities)
		rows := make([]vulnRow, 0, len(by))
		for id, ms := range by {
			slices.SortFunc(ms, patchOrder)
			rows = append(rows, vulnRow{Asset: id, Matches: ms, Exposure: exp[id]})
		}
		slices.SortFunc(rows, func(a, b vulnRow) int {
			return cmp.Or(patchOrder(a.Matches[0], b.Matches[0]), cmp.Compare(a.Asset, b.Asset))
		})
		return rows, nil
	})
}

// patchOrder puts first what to patch first.
func patchOrder(a, b intel.Match) int {
	rank := func(m intel.Match) int {
		switch {
		case m.Ransomware:
			return 2
		case m.Exploited:
			return 1
		}
		return 0
	}
	return cmp.Or(rank(b)-rank(a), cmp.Compare(b.EPSS, a.EPSS), cmp.Compare(b.CVSS, a.CVSS), cmp.Compare(a.CVE, b.CVE))
}

// webReports offers the current assessment to download.
func (s *handler) webReports(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "reports.html", "Reports", v.Result)
}

// webReport sends the current assessment as a file: the HTML report or
// the whole result as JSON.
func (s *handler) webReport(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("ward-%s-r%d-%s", c.Org, v.Revision, v.Result.Date)
	switch r.PathValue("format") {
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.html"`)
		// The report is a document of its own, with its own inline style:
		// it is downloaded, not shown under the dashboard's policy.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
		dets, err := s.Cfg.Store.Detections(r.Context(), c.Org, ward.DetectionFilter{Limit: report.MaxDetectionRows})
		if err != nil {
			return err
		}
		return report.HTMLWithDetections(w, v.Result, v.Model, s.Cfg.Version, dets)
	case "json":
		data, err := json.MarshalIndent(v.Result, "", " ")
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		_, err = w.Write(append(data, '\n'))
		return err
	}
	return core.Fail(http.StatusNotFound, "report %q: html or json", r.PathValue("format"))
}

// webScenarios: each of the catalog's attack scenarios on the model, with
// its most likely paths, step by step in words.
func (s *handler) webScenarios(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCached(w, r, c, v, "scenarios.html", "Attack scenarios", func() (any, error) { return v.Result.Scenarios, nil })
}

// webBaselines: every baseline measure with its checks and the assets that
// fail them.
func (s *handler) webBaselines(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCached(w, r, c, v, "baselines.html", "Baselines", func() (any, error) { return v.Result.Baselines, nil })
}

// auditView is a page of the audit log, newest first, and what verifying
// the chain found when asked.
type auditView struct {
	Entries  []ward.AuditEntry
	Action   string
	Verified bool
	Check    ward.AuditCheck
	Problem  string
}

// webAudit: the organisation's audit log for its administrators, newest
// first, filtered by action.
func (s *handler) webAudit(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.auditView(w, r, c, c.Org, false)
}

// webAuditAll: the whole audit log for Ward administrators, who may also
// verify its chain.
func (s *handler) webAuditAll(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.auditView(w, r, c, "", r.URL.Query().Get("verify") != "")
}

func (s *handler) auditView(w http.ResponseWriter, r *http.Request, c *core.Call, org string, verify bool) error {
	all, err := s.Cfg.Store.Audit(r.Context(), org, 0, 0)
	if err != nil {
		return err
	}
	p := auditView{Action: r.URL.Query().Get("action"), Verified: verify}
	if verify {
		p.Check, err = ward.VerifyAudit(all, s.Cfg.Key, nil)
		if err != nil {
			p.Problem = err.Error()
		}
	}
	for i := len(all) - 1; i >= 0 && len(p.Entries) < 500; i-- {
		if p.Action == "" || all[i].Action == p.Action {
			p.Entries = append(p.Entries, all[i])
		}
	}
	return s.render(w, r, c, http.StatusOK, "audit.html", "Audit log", p)
}
