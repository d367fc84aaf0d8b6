package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/procure"
	"github.com/wardhealth/ward/report"
)

func assessCmd(o *options) *cobra.Command {
	var org, failOn, date string
	var catalogs, logs []string
	var top, paths, targets, planBudget int
	var output string
	var feeds feedFiles
	var quantified, withPlanned bool
	var money moneyFlags
	c := &cobra.Command{
		Use:   "assess [FILE]",
		Short: "Assess risks: register, findings and baseline coverage",
		Long: `Assess a hospital model against the threat catalog: every threat to every
asset it concerns, scored likelihood x impact with the factors that explain
the score; the weaknesses found; and coverage of the baselines (NIS2
Art. 21(2), ENISA smart-hospital good practices, HHS CPGs, medical-device
requirements).

With FILE, the model file is assessed without a store (for CI pipelines);
without it, the stored model of --org. --catalog adds catalog directories.
--fail-on SEVERITY exits with code 1 when a risk reaches that severity.
--quantify puts the register in money instead: expected loss a year, its
percentiles and loss exceedance curve, per scenario and in total, from a
seeded simulation (--trials, --seed) and the model's costs block.
--logs FILE reads logs with the built-in detection rules ('ward detect'):
an attack seen under way on an asset raises the likelihood of the threats
with its ATT&CK techniques there, the factor saying what was seen.
The method is in docs/risk-method.md.`,
		Example: `  ward assess --top 10
  ward assess --logs /var/log/auth.log --logs portal-access.log
  ward assess hospital.yaml --fail-on critical --format json
  ward assess hospital.yaml --quantify --trials 100000 --format csv`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			if failOn != "" && assess.SeverityRank(failOn) < 0 {
				return usageError{fmt.Errorf("--fail-on %q: use low, medium, high or critical", failOn)}
			}
			if date == "" {
				date = today()
			} else if _, err := ward.Date(date).Time(); err != nil {
				return usageError{fmt.Errorf("--date %q: write YYYY-MM-DD", date)}
			}
			cat, err := loadCatalog(catalogs)
			if err != nil {
				return err
			}
			feeds.vendors = cat.Vendors
			m, file, err := o.loadModel(c.Context(), files, org)
			if err != nil {
				return err
			}
			money.file = file
			if withPlanned && quantified {
				return usageError{errors.New("--with-planned and --quantify: the expected loss is of what exists")}
			}
			if !withPlanned {
				// The register is what exists: planned assets (devices
				// not bought yet, 'ward procure') are left out.
				m = m.WithoutPlanned()
			}
			opt := assess.Options{Today: date, Paths: paths, Targets: targets}
			if opt.Matches, err = o.loadMatches(c, m, files, feeds); err != nil {
				return err
			}
			if len(logs) > 0 {
				// What the logs show happening raises the likelihood of
				// the threats with its ATT&CK techniques on those assets.
				en, _, err := o.runDetection(m, logs, "", nil, 0)
				if err != nil {
					return err
				}
				opt.Observed = observations(en.Detections())
			}
			var res *assess.Result
			var adds []procure.Addition
			if withPlanned {
				res, adds, err = procure.AssessWithPlanned(m, cat, opt)
			} else {
				res, err = assess.Assess(m, cat, opt)
			}
			if err != nil {
				return err
			}
			if planBudget > 0 && !quantified {
				if res.Plan, err = assess.MakePlan(m, cat, opt, planBudget); err != nil {
					return err
				}
			}
			if quantified {
				err = o.writeQuantified(m, cat, res, &money, top, output, opt, planBudget)
			} else {
				err = o.writeAssessment(res, cat, m, file, top, output, adds)
			}
			if err != nil {
				return err
			}
			if failOn != "" && assess.SeverityRank(res.Summary.Worst) >= assess.SeverityRank(failOn) {
				return invalidError{fmt.Errorf("risks at or above %s: %d", failOn, countAtLeast(res, failOn))}
			}
			return nil
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().StringArrayVar(&catalogs, "catalog", nil, "directory of catalog files to add (repeatable)")
	c.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a risk is at least this severe: low, medium, high, critical")
	c.Flags().StringVar(&date, "date", "", "assessment date, YYYY-MM-DD (default: today)")
	c.Flags().IntVar(&top, "top", 20, "register lines shown in text output (0: all)")
	c.Flags().StringArrayVar(&logs, "logs", nil, "a log file whose detections raise the risks they show under way (repeatable; 'ward detect' reads them alone)")
	c.Flags().StringVarP(&output, "output", "o", "", "file to write (default: stdout)")
	c.Flags().IntVar(&paths, "paths", assess.DefaultPaths, "attack paths per critical target")
	c.Flags().IntVar(&targets, "targets", assess.DefaultTargets, "critical targets that get all their paths (the rest get the most likely one)")
	c.Flags().IntVar(&planBudget, "plan", 0, "add a mitigation plan of this many changes (see 'ward plan'; in money with --quantify)")
	c.Flags().BoolVar(&withPlanned, "with-planned", false, "include planned assets (candidate devices, 'ward procure place') and show what each adds: register lines, attack paths, known vulnerabilities")
	c.Flags().BoolVar(&quantified, "quantify", false, "the expected loss in money instead of the register (text, json, csv, or html: the report with it)")
	money.add(c)
	feeds.flags(c)
	addFormat(c, o, "text", "json", "csv", "md", "sarif", "html")
	return c
}

func countAtLeast(res *assess.Result, severity string) int {
	n := 0
	for _, r := range res.Risks {
		if r.Status == assess.Open && assess.SeverityRank(r.Severity) >= assess.SeverityRank(severity) {
			n += len(r.Assets)
		}
	}
	return n
}

// writeAssessment writes the result in the chosen format, to stdout or,
// whole or not at all, to output.
func (o *options) writeAssessment(res *assess.Result, cat *catalog.Catalog, m *ward.Model, file string, top int, output string, planned []procure.Addition) error {
	var buf bytes.Buffer
	var err error
	switch o.format {
	case "json":
		// Written as it is encoded: a million assets' assessment is
		// gigabytes of JSON.
		var v any = res
		if planned != nil {
			v = struct {
				*assess.Result
				Planned []procure.Addition `json:"planned"`
			}{res, planned}
		}
		return o.emitWith(output, func(w io.Writer) error { return writeJSON(w, v) })
	case "csv":
		err = writeRiskCSV(&buf, res)
	case "md":
		err = writeMarkdown(&buf, res)
		writePlanned(&buf, planned, "md")
	case "sarif":
		var doc *modelfile.Document
		index := map[string]int{}
		if file != "" {
			// Read again, for the positions of the assets in the file.
			if data, rerr := os.ReadFile(file); rerr == nil {
				var again ward.Model
				doc, _ = modelfile.Decode(file, data, &again, o.limits())
			}
			for i := range m.Assets {
				index[m.Assets[i].ID] = i
			}
		}
		err = writeSARIF(&buf, res, cat, file, doc, index)
	case "html":
		err = report.HTML(&buf, res, m, version)
	default:
		err = writeAssessmentText(&buf, res, top)
		writePlanned(&buf, planned, "text")
	}
	if err != nil {
		return err
	}
	return o.emit(buf.Bytes(), output)
}

// assetsShort names up to three assets and counts the rest.
func assetsShort(ids []string) string {
	if len(ids) <= 3 {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:3], ", "), len(ids)-3)
}

func writeAssessmentText(w io.Writer, res *assess.Result, top int) error {
	s := res.Summary
	fmt.Fprintf(w, "Risk assessment of %s (%s), %s\n", res.Name, res.Organisation, res.Date)
	fmt.Fprintf(w, "  %d assets; open risks (one threat on one asset each): %d critical, %d high, %d medium, %d low\n", s.Assets, s.Open["critical"], s.Open["high"], s.Open["medium"], s.Open["low"])
	fmt.Fprintf(w, "  findings by asset: %d critical, %d high, %d medium\n\n", s.Findings["critical"], s.Findings["high"], s.Findings["medium"])
	n := len(res.Risks)
	if top > 0 && top < n {
		n = top
	}
	fmt.Fprintf(w, "Risk register (top %d of %d lines, each grouping the risks of one threat on like assets; --top 0 for all, --format json for the factors)\n", n, len(res.Risks))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSEVERITY\tSCORE\tL x I\tTHREAT\tASSETS\tDRIVEN BY\tSTATUS")
	for i, r := range res.Risks[:n] {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d x %d\t%s\t%s\t%s\t%s\n", i+1, r.Severity, r.Score, r.Likelihood, r.Impact, r.ThreatName, assetsShort(r.Assets), r.Dimension, status(r))
	}
	tw.Flush()
	var decided []string
	for i, r := range res.Risks {
		if r.Decision != nil {
			decided = append(decided, fmt.Sprintf("  #%d %s on %s: %s on %s by %s — %s%s", i+1, r.ThreatName, assetsShort(r.Assets), r.Decision.Status, r.Decision.Date, orDash(r.Decision.By), r.Decision.Justification, noteSuffix(r.Note)))
		}
	}
	if len(decided) > 0 {
		fmt.Fprintf(w, "\nDecisions on risks\n%s\n", strings.Join(decided, "\n"))
	}
	if len(res.Unmatched) > 0 {
		fmt.Fprintf(w, "\nDecisions that match no risk (review or remove them)\n")
		for _, u := range res.Unmatched {
			fmt.Fprintf(w, "  %s on %s (%s, %s): %s\n", u.Threat, u.Asset, u.Status, u.Date, u.Reason)
		}
	}
	if n > 0 {
		r := res.Risks[0]
		fmt.Fprintf(w, "\nWhy #1 scores %d (%s on %s):\n", r.Score, r.ThreatName, assetsShort(r.Assets))
		for _, f := range r.Factors {
			fmt.Fprintf(w, "  %-10s %+d  %s\n", f.Term, f.Effect, f.Reason)
		}
	}
	fmt.Fprintf(w, "\nFindings\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tWEAKNESS\tASSETS\tFOR EXAMPLE")
	for _, f := range res.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%d: %s\t%s: %s\n", f.Severity, f.Title, len(f.Assets), assetsShort(f.Assets), f.Assets[0], f.Evidence[0])
	}
	tw.Flush()
	writeResilienceText(w, res.Resilience)
	writeAttackText(w, res)
	if len(res.Vulnerabilities) > 0 {
		fmt.Fprintf(w, "\nKnown vulnerabilities (%d matches; what to patch first, --format json for all)\n", len(res.Vulnerabilities))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ASSET\tCVE\tCVSS\tEPSS\tEXPLOITED\tCONFIDENCE\tWHY")
		vulns := intel.Prioritise(res.Vulnerabilities)
		for _, v := range vulns[:min(len(vulns), 20)] {
			ex := ""
			if v.Exploited {
				ex = "KEV"
				if v.Ransomware {
					ex += ", ransomware"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%s\n", v.Asset, v.CVE, v.CVSS, v.EPSSText(), ex, v.Confidence, v.Why)
		}
		tw.Flush()
	}
	if res.Plan != nil {
		fmt.Fprintln(w)
		writePlanText(w, res.Plan)
	}
	fmt.Fprintf(w, "\nBaseline coverage\n")
	for _, b := range res.Baselines {
		fmt.Fprintf(w, "  %3d%%  %s\n", b.Coverage, b.Name)
		for _, m := range b.Measures {
			if m.Status == assess.Met || m.Status == assess.NotApplicable {
				continue
			}
			fmt.Fprintf(w, "        %-8s %s %s", m.Status, m.ID, m.Title)
			var gaps []string
			for _, c := range m.Checks {
				if c.Status == assess.NotMet || c.Status == assess.Partly {
					g := c.Name
					if len(c.Failing) > 0 {
						g += fmt.Sprintf(" (%d of %d fail: %s)", len(c.Failing), c.Applicable, assetsShort(c.Failing))
					}
					gaps = append(gaps, g)
				}
			}
			fmt.Fprintf(w, " — %s\n", strings.Join(gaps, "; "))
		}
	}
	return nil
}

func writeRiskCSV(w io.Writer, res *assess.Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"rank", "severity", "score", "likelihood", "impact", "dimension", "threat", "threat_name", "group", "attack", "kind", "zone", "assets", "status", "factors"})
	for i, r := range res.Risks {
		var fs []string
		for _, f := range r.Factors {
			fs = append(fs, fmt.Sprintf("%s %+d %s", f.Term, f.Effect, f.Reason))
		}
		cw.Write([]string{fmt.Sprint(i + 1), r.Severity, fmt.Sprint(r.Score), fmt.Sprint(r.Likelihood), fmt.Sprint(r.Impact), r.Dimension,
			r.Threat, r.ThreatName, r.Group, strings.Join(r.Attack, " "), r.Kind, r.Zone, strings.Join(r.Assets, " "), status(r), strings.Join(fs, "; ")})
	}
	cw.Flush()
	return cw.Error()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func writeMarkdown(w io.Writer, res *assess.Result) error {
	fmt.Fprintf(w, "# Risk assessment: %s\n\n", mdEscape(res.Name))
	fmt.Fprintf(w, "Organisation `%s`, assessed %s. %d assets.\n\n", res.Organisation, res.Date, res.Summary.Assets)
	fmt.Fprintf(w, "## Risk register\n\n| # | severity | score | L × I | threat | assets | driven by | status |\n|---|---|---|---|---|---|---|---|\n")
	for i, r := range res.Risks {
		fmt.Fprintf(w, "| %d | %s | %d | %d × %d | %s | %s | %s | %s |\n", i+1, r.Severity, r.Score, r.Likelihood, r.Impact, mdEscape(r.ThreatName), mdEscape(assetsShort(r.Assets)), r.Dimension, mdEscape(status(r)))
	}
	fmt.Fprintf(w, "\n## Findings\n\n| severity | weakness | assets | for example | remedy |\n|---|---|---|---|---|\n")
	for _, f := range res.Findings {
		fmt.Fprintf(w, "| %s | %s | %d: %s | %s: %s | %s |\n", f.Severity, mdEscape(f.Title), len(f.Assets), mdEscape(assetsShort(f.Assets)), f.Assets[0], mdEscape(f.Evidence[0]), mdEscape(f.Remedy))
	}
	fmt.Fprintf(w, "\n## Attack scenarios\n\n| scenario | feasible | probability | most likely path |\n|---|---|---|---|\n")
	for _, sc := range res.Scenarios {
		path := ""
		if len(sc.Paths) > 0 {
			path = pathString(sc.Paths[0])
		}
		fmt.Fprintf(w, "| %s | %v | %.3f | %s |\n", mdEscape(sc.Name), sc.Feasible, sc.P, mdEscape(path))
	}
	fmt.Fprintf(w, "\n## Attack paths to critical targets\n\n| target | why | probability | most likely path |\n|---|---|---|---|\n")
	for _, tp := range res.Paths[:min(20, len(res.Paths))] {
		fmt.Fprintf(w, "| %s | %s | %.3f | %s |\n", tp.Target, tp.Why, tp.P, mdEscape(pathString(tp.Paths[0])))
	}
	if res.Plan != nil {
		fmt.Fprintf(w, "\n## Mitigation plan\n\nRisk %d → %d.\n\n| # | change | risk removed | why |\n|---|---|---|---|\n", res.Plan.Before, res.Plan.After)
		for _, s := range res.Plan.Steps {
			fmt.Fprintf(w, "| %d | %s | %d | %s |\n", s.Rank, mdEscape(s.Title), s.Removed, mdEscape(s.Why))
		}
	}
	fmt.Fprintf(w, "\n## Single points of failure\n\n| service | max outage | single points of failure |\n|---|---|---|\n")
	for _, r := range res.Resilience {
		var ids []string
		for _, p := range r.SinglePoints {
			ids = append(ids, pointName(p))
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdEscape(r.Name), r.MaxOutage, mdEscape(strings.Join(ids, ", ")))
	}
	fmt.Fprintf(w, "\n## Baseline coverage\n")
	for _, b := range res.Baselines {
		fmt.Fprintf(w, "\n### %s — %d%%\n\n| measure | status | gaps |\n|---|---|---|\n", mdEscape(b.Name), b.Coverage)
		for _, m := range b.Measures {
			var gaps []string
			for _, c := range m.Checks {
				if c.Status == assess.NotMet || c.Status == assess.Partly {
					gaps = append(gaps, mdEscape(c.Name))
				}
			}
			fmt.Fprintf(w, "| %s %s | %s | %s |\n", m.ID, mdEscape(m.Title), m.Status, strings.Join(gaps, "; "))
		}
	}
	return nil
}

func status(r assess.Risk) string {
	if r.Note != "" {
		return r.Status + " (" + r.Note + ")"
	}
	return r.Status
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return " (" + note + ")"
}

// printTopRisks shows the first lines of the model's risk register.
func (o *options) printTopRisks(m *ward.Model, n int) error {
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	res, err := assess.Assess(m.WithoutPlanned(), cat, assess.Options{Today: today()})
	if err != nil {
		return err
	}
	risks := 0
	for _, r := range res.Risks {
		risks += len(r.Assets)
	}
	fmt.Fprintf(o.stdout, "\nTop risks (%d register lines grouping %d risks, a risk being one threat on one asset; 'ward assess' for the register, findings and baselines):\n", len(res.Risks), risks)
	tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
	for i, r := range res.Risks[:min(n, len(res.Risks))] {
		fmt.Fprintf(tw, "  %d\t%s\t%d x %d\t%s\t%s\n", i+1, r.Severity, r.Likelihood, r.Impact, r.ThreatName, assetsShort(r.Assets))
	}
	return tw.Flush()
}

// pointName names a single point of failure: an asset, marked when it
// is one for the network path it carries, or a site.
func pointName(p assess.SinglePoint) string {
	switch {
	case p.Kind == "site":
		return "site " + p.Site
	case !p.Needed:
		return p.Asset + " (network)"
	}
	return p.Asset
}

func writeResilienceText(w io.Writer, rs []assess.Resilience) {
	fmt.Fprintf(w, "\nSingle points of failure (what alone stops a clinical service; 'ward whatif --fail ASSET' to try one)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tMAX OUTAGE\tSINGLE POINTS OF FAILURE")
	for _, r := range rs {
		var ids []string
		for _, p := range r.SinglePoints {
			ids = append(ids, pointName(p))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.MaxOutage, strings.Join(ids, ", "))
	}
	tw.Flush()
}

// pathString writes a path as entry → asset → asset.
func pathString(p assess.AttackPath) string {
	parts := []string{p.Entry}
	for _, s := range p.Steps {
		if !strings.HasPrefix(s.To, "flat network ") {
			parts = append(parts, s.To)
		}
	}
	return strings.Join(parts, " → ")
}

func writeAttackText(w io.Writer, res *assess.Result) {
	fmt.Fprintf(w, "\nAttack scenarios\n")
	for _, sc := range res.Scenarios {
		if !sc.Feasible {
			fmt.Fprintf(w, "  %-70s not possible on this model (%d targets)\n", sc.Name, sc.Targets)
			continue
		}
		fmt.Fprintf(w, "  %-70s p=%.3f  %s\n", sc.Name, sc.P, pathString(sc.Paths[0]))
	}
	fmt.Fprintf(w, "\nAttack paths to the most exposed critical targets (%d reachable; --format json for every step)\n", len(res.Paths))
	for _, tp := range res.Paths[:min(5, len(res.Paths))] {
		fmt.Fprintf(w, "  %s (%s), p=%.3f\n", tp.Target, tp.Why, tp.P)
		for _, s := range tp.Paths[0].Steps {
			tech := s.Technique
			if tech == "" {
				tech = "-"
			}
			fmt.Fprintf(w, "      %-22s -> %-22s %-6s %.2f  %s\n", s.From, s.To, tech, s.P, s.Reason)
		}
	}
}
