package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/procure"
)

// procureFlags are the flags the procure commands share.
type procureFlags struct {
	org, model, date, zone, output, failOn string
	catalogs                               []string
	feeds                                  feedFiles
	// stored: the stored model (of --org, or the only one) is the one
	// the candidates are placed in, as 'procure place' wants.
	stored bool
}

func (p *procureFlags) add(c *cobra.Command, o *options, formats ...string) {
	c.Flags().StringVar(&p.org, "org", "", "place the candidates in this organisation's stored model, to show what they add (and use the stored feeds)")
	c.Flags().StringVar(&p.model, "model", "", "place the candidates in this model file, to show what they add")
	c.Flags().StringVar(&p.date, "date", "", "date of the check, YYYY-MM-DD (default: today); support periods run from it")
	c.Flags().StringVar(&p.zone, "zone", "", "the zone the candidate would stand in, when its file does not say")
	c.Flags().StringArrayVar(&p.catalogs, "catalog", nil, "directory of catalog files whose device_requirements add to or replace the built-in ones (repeatable)")
	c.Flags().StringVarP(&p.output, "output", "o", "", "file to write (default: stdout)")
	p.feeds.flags(c)
	addFormat(c, o, formats...)
}

// run reads and checks candidates: each a candidate file, with form and
// sbom taking the place of the first one's files when given.
func (p *procureFlags) run(c *cobra.Command, o *options, files []string, form, sbom string) ([]*procure.Report, error) {
	if p.date == "" {
		p.date = today()
	} else if _, err := ward.Date(p.date).Time(); err != nil {
		return nil, usageError{fmt.Errorf("--date %q: write YYYY-MM-DD", p.date)}
	}
	if p.org != "" && p.model != "" {
		return nil, usageError{errors.New("--org and --model: name one model to place the candidates in")}
	}
	if p.failOn != "" && p.failOn != "must" && p.failOn != "should" {
		return nil, usageError{fmt.Errorf("--fail-on %q: use must or should", p.failOn)}
	}
	cat, err := loadCatalog(p.catalogs)
	if err != nil {
		return nil, err
	}
	p.feeds.vendors = cat.Vendors
	var cands []*procure.Candidate
	if len(files) == 0 {
		files = []string{""}
	}
	for i, f := range files {
		var cf, cs string
		if i == 0 {
			cf, cs = form, sbom
		}
		cand, err := procure.Load(f, cf, cs, procure.DefaultLimits)
		if err != nil {
			if _, ok := modelfile.AsErrors(err); ok {
				return nil, invalidError{err}
			}
			return nil, err
		}
		if cand.File.Candidate.Zone == "" {
			cand.File.Candidate.Zone = p.zone
		}
		cands = append(cands, cand)
	}
	var m *ward.Model
	switch {
	case p.model != "":
		if m, _, err = o.loadModel(c.Context(), []string{p.model}, ""); err != nil {
			return nil, err
		}
	case p.org != "" || p.stored:
		if m, _, err = o.loadModel(c.Context(), nil, p.org); err != nil {
			return nil, err
		}
	}
	org := ""
	if m != nil {
		org = m.Organisation.ID
	}
	feeds, err := o.loadFeeds(c, org, p.org != "" || p.stored, p.feeds)
	if err != nil {
		return nil, err
	}
	var matcher *intel.Matcher
	if !feeds.Empty() {
		matcher = feeds.Matcher()
	}
	var reports []*procure.Report
	for _, cand := range cands {
		reports = append(reports, procure.Check(cand, cat.DeviceRequirements, procure.Options{Today: p.date, Matcher: matcher}))
	}
	if m != nil {
		err := procure.Explain(m, cat, reports, procure.Options{Today: p.date, Matcher: matcher})
		if pe := (*procure.PlacementError)(nil); errors.As(err, &pe) {
			return nil, invalidError{err}
		}
		if err != nil {
			return nil, err
		}
	}
	return reports, nil
}

// failed is the exit of --fail-on: invalid when a requirement of that
// level (or must, for should) is not met.
func (p *procureFlags) failed(reports []*procure.Report) error {
	if p.failOn == "" {
		return nil
	}
	n := 0
	for _, r := range reports {
		for _, out := range r.Outcomes {
			if out.Status == procure.NotMet && (out.Level == "must" || p.failOn == "should") {
				n++
			}
		}
	}
	if n > 0 {
		return invalidError{fmt.Errorf("requirements not met at or above %s: %d", p.failOn, n)}
	}
	return nil
}

func procureCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "procure",
		Short: "Check a device before buying it: MDS2 form and SBOM against the requirements",
		Long: `Before a connected medical or IoT device is bought, check what its
manufacturer discloses — the MDS2 form (ANSI/NEMA HN 1-2019, the XLSX
workbook), the SBOM (CycloneDX or SPDX JSON) and a short candidate file for
what the form does not say — against the hospital's device requirements
(built in, after MDS2 and IEC 81001-5-1 / IEC 62443-4-2; --catalog adds or
replaces them). Each requirement is met, not met or unknown, with the form's
question ids and cells as evidence. Placed in the hospital's model as a
planned asset (--org or --model), the candidate shows what it would add to
the assessment. See docs/procurement.md.`,
	}
	c.AddCommand(procureCheckCmd(o), procureCompareCmd(o), procureTenderCmd(o), procurePlaceCmd(o))
	return c
}

func procureCheckCmd(o *options) *cobra.Command {
	var p procureFlags
	var form, sbom string
	c := &cobra.Command{
		Use:   "check [CANDIDATE.yaml]",
		Short: "Check one candidate device against the requirements",
		Example: `  ward procure check --form pump-mds2.xlsx --sbom pump-sbom.json
  ward procure check pump.yaml --org st-example --nvd nvd/ --kev kev.json
  ward procure check pump.yaml --format html -o pump.html`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			reports, err := p.run(c, o, files, form, sbom)
			if err != nil {
				return err
			}
			r := reports[0]
			var buf bytes.Buffer
			switch o.format {
			case "json":
				err = writeJSON(&buf, r)
			case "md":
				err = procure.Markdown(&buf, r)
			case "html":
				err = procure.HTML(&buf, procure.Page{Title: "Candidate " + r.Candidate, Reports: reports, Clauses: procure.Tender(reports)})
			default:
				err = procure.Text(&buf, r)
			}
			if err == nil {
				err = o.emit(buf.Bytes(), p.output)
			}
			if err != nil {
				return err
			}
			return p.failed(reports)
		},
	}
	c.Flags().StringVar(&form, "form", "", "the manufacturer's MDS2 form, an XLSX workbook (default: the candidate file's form)")
	c.Flags().StringVar(&sbom, "sbom", "", "the manufacturer's SBOM, CycloneDX or SPDX JSON (default: the candidate file's sbom)")
	c.Flags().StringVar(&p.failOn, "fail-on", "", "exit 1 when a requirement of this level is not met: must, or should (must and should)")
	p.add(c, o, "text", "json", "md", "html")
	return c
}

func procureCompareCmd(o *options) *cobra.Command {
	var p procureFlags
	c := &cobra.Command{
		Use:     "compare CANDIDATE.yaml CANDIDATE.yaml...",
		Short:   "Set two or more candidates side by side, one row a requirement",
		Example: `  ward procure compare pump-a.yaml pump-b.yaml pump-c.yaml --format html -o pumps.html`,
		Args:    args(cobra.RangeArgs(2, 8)),
		RunE: func(c *cobra.Command, files []string) error {
			reports, err := p.run(c, o, files, "", "")
			if err != nil {
				return err
			}
			cmp := procure.Compare(reports)
			var buf bytes.Buffer
			switch o.format {
			case "json":
				err = writeJSON(&buf, cmp)
			case "md":
				err = procure.CompareMarkdown(&buf, cmp)
			case "html":
				err = procure.HTML(&buf, procure.Page{Title: "Candidates side by side", Comparison: cmp})
			default:
				err = procure.CompareText(&buf, cmp)
			}
			if err != nil {
				return err
			}
			return o.emit(buf.Bytes(), p.output)
		},
	}
	p.add(c, o, "text", "json", "md", "html")
	return c
}

func procureTenderCmd(o *options) *cobra.Command {
	var p procureFlags
	c := &cobra.Command{
		Use:   "tender CANDIDATE.yaml...",
		Short: "Write the unmet and unknown requirements as numbered tender clauses",
		Long: `Write, as numbered contract clauses to paste into a tender, every
requirement that one of the candidates did not meet or left unknown: must
requirements first ("shall"), then should ("should"), each with the
standards it follows; a second part, not for the tender, says why each
clause is there.`,
		Example: `  ward procure tender pump-a.yaml pump-b.yaml > clauses.md`,
		Args:    args(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			reports, err := p.run(c, o, files, "", "")
			if err != nil {
				return err
			}
			clauses := procure.Tender(reports)
			var buf bytes.Buffer
			switch o.format {
			case "json":
				err = writeJSON(&buf, map[string]any{"candidates": candidateIDs(reports), "clauses": clauses})
			case "html":
				err = procure.HTML(&buf, procure.Page{Title: "Tender clauses", Clauses: clauses})
			case "text":
				err = procure.TenderText(&buf, reports, clauses)
			default:
				err = procure.TenderMarkdown(&buf, reports, clauses)
			}
			if err != nil {
				return err
			}
			return o.emit(buf.Bytes(), p.output)
		},
	}
	p.add(c, o, "md", "html", "text", "json")
	return c
}

func candidateIDs(rs []*procure.Report) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.Candidate)
	}
	return ids
}

func procurePlaceCmd(o *options) *cobra.Command {
	var p procureFlags
	var form, sbom string
	c := &cobra.Command{
		Use:   "place CANDIDATE.yaml",
		Short: "Store a candidate in the model as a planned asset, with its intended links",
		Long: `Check a candidate and store it in the organisation's model as an asset
with provenance "planned", in its intended zone with its intended links and
the controls its met requirements give. Assessment leaves planned assets
out unless asked ('ward assess --with-planned'), so the register stays what
exists. Placing the same candidate again replaces it.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			if p.model != "" {
				return usageError{errors.New("--model: place stores into the stored model; use 'procure check --model FILE' to try a model file")}
			}
			p.stored = true
			reports, err := p.run(c, o, files, form, sbom)
			if err != nil {
				return err
			}
			r := reports[0]
			return o.withOrg(c.Context(), p.org, func(s ward.Store, id string) error {
				m, err := s.Model(c.Context(), id)
				if err != nil {
					return err
				}
				placed, err := procure.Place(m, r)
				if err != nil {
					return invalidError{err}
				}
				detail := fmt.Sprintf("planned %s %s: %s", r.Vendor, r.Product, r.Verdict)
				if err := putModels(cliAudited(c.Context(), id, "asset.planned", r.Candidate, detail), s, []*ward.Model{placed}); err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"organisation": id, "asset": r.Asset, "links": r.Links, "verdict": r.Verdict, "adds": r.Adds})
				}
				fmt.Fprintf(o.stdout, "placed %s in %s as planned (zone %s, %d links): %s\n", r.Candidate, id, r.Asset.Zone, len(r.Links), r.Verdict)
				if r.Adds != nil {
					procure.WriteAdditionText(o.stdout, *r.Adds)
				}
				fmt.Fprintln(o.stdout, "\n'ward assess --with-planned' includes it; 'ward assess' leaves it out")
				return nil
			})
		},
	}
	c.Flags().StringVar(&form, "form", "", "the manufacturer's MDS2 form (default: the candidate file's form)")
	c.Flags().StringVar(&sbom, "sbom", "", "the manufacturer's SBOM (default: the candidate file's sbom)")
	p.add(c, o, "text", "json")
	return c
}

// writePlanned writes what planned assets add to an assessment.
func writePlanned(w io.Writer, adds []procure.Addition, format string) {
	if len(adds) == 0 {
		return
	}
	if format == "md" {
		fmt.Fprintf(w, "\n## Planned assets (not bought yet)\n\n| planned asset | register lines naming it | new lines | attack paths | known vulnerabilities |\n|---|---|---|---|---|\n")
		for _, a := range adds {
			var cves []string
			for _, v := range a.Vulnerabilities {
				cves = append(cves, v.CVE)
			}
			fmt.Fprintf(w, "| %s | %d | %d | %d | %s |\n", a.Asset, len(a.Risks), a.NewLines, len(a.Paths), strings.Join(cves, ", "))
		}
		return
	}
	fmt.Fprintf(w, "\nPlanned assets (not bought yet; the register above includes them)\n")
	for _, a := range adds {
		procure.WriteAdditionText(w, a)
	}
}
