package procure

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
)

var mark = map[string]string{Met: "met", NotMet: "NOT MET", Unknown: "unknown", NotApplicable: "n/a"}

// Text writes a report for a terminal.
func Text(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "Candidate %s: %s %s (%s", r.Candidate, r.Vendor, r.Product, r.Kind)
	if r.Zone != "" {
		fmt.Fprintf(w, ", in %s", r.Zone)
	}
	fmt.Fprintf(w, "), checked %s\n", r.Date)
	if f := r.Form; f != nil {
		fmt.Fprintf(w, "  MDS2 form %s (%s), sheet %s: %d questions answered; document %s of %s\n", f.File, f.Revision, f.Sheet, f.Questions, orDash(f.DocumentID), orDash(f.Released))
		for _, wn := range f.Warnings {
			fmt.Fprintf(w, "  note: %s\n", wn)
		}
	} else {
		fmt.Fprintln(w, "  no MDS2 form")
	}
	if s := r.SBOM; s != nil {
		fmt.Fprintf(w, "  SBOM %s (%s): %d components\n", baseName(s.File), s.Format, s.Count)
	} else {
		fmt.Fprintln(w, "  no SBOM")
	}
	n := r.Counts
	fmt.Fprintf(w, "  %s: %d met, %d not met, %d unknown, %d not applicable\n\n", r.Verdict, n.Met, n.NotMet, n.Unknown, n.NotApplicable)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tLEVEL\tREQUIREMENT\tEVIDENCE")
	for _, o := range r.Outcomes {
		fmt.Fprintf(tw, "%s\t%s\t%s: %s\t%s\n", mark[o.Status], o.Level, o.Requirement, o.Title, shorten(o.evidenceOrReason(), 110))
	}
	tw.Flush()
	writeVulnsText(w, r)
	if r.Adds != nil {
		writeAdditionText(w, *r.Adds)
	}
	return nil
}

func writeVulnsText(w io.Writer, r *Report) {
	switch {
	case !r.Feeds:
		fmt.Fprintln(w, "\nKnown vulnerabilities: no feed given (--advisories, --nvd, --kev, or the stored feeds)")
	case len(r.Vulnerabilities) == 0:
		fmt.Fprintln(w, "\nKnown vulnerabilities: none matched today")
	default:
		fmt.Fprintf(w, "\nKnown vulnerabilities today (%d)\n", len(r.Vulnerabilities))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CVE\tCVSS\tEXPLOITED\tWHY")
		for _, v := range r.Vulnerabilities {
			ex := ""
			if v.Exploited {
				ex = "KEV"
			}
			fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\n", v.CVE, v.CVSS, ex, shorten(v.Why, 100))
		}
		tw.Flush()
	}
}

// WriteAdditionText writes what a planned asset adds to the assessment.
func WriteAdditionText(w io.Writer, ad Addition) { writeAdditionText(w, ad) }

func writeAdditionText(w io.Writer, ad Addition) {
	fmt.Fprintf(w, "\nWhat planned %s adds to the assessment: open risks %d → %d; %d register lines name it, %d of them new\n", ad.Asset, ad.OpenBefore, ad.OpenAfter, len(ad.Risks), ad.NewLines)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range ad.Risks[:min(len(ad.Risks), 15)] {
		isNew := ""
		if r.New {
			isNew = "new"
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", r.Severity, r.Score, r.Name, isNew)
	}
	tw.Flush()
	if len(ad.Findings) > 0 {
		fmt.Fprintf(w, "  findings: %s\n", strings.Join(ad.Findings, "; "))
	}
	for _, p := range ad.Paths[:min(len(ad.Paths), 5)] {
		fmt.Fprintf(w, "  attack path: %s\n", p)
	}
	if len(ad.Paths) > 5 {
		fmt.Fprintf(w, "  and %d more attack paths\n", len(ad.Paths)-5)
	}
	if len(ad.Vulnerabilities) > 0 {
		var cves []string
		for _, v := range ad.Vulnerabilities {
			cves = append(cves, v.CVE)
		}
		fmt.Fprintf(w, "  known vulnerabilities: %s\n", strings.Join(cves, ", "))
	}
}

func (o Outcome) evidenceOrReason() string {
	if o.Status == Met {
		return joinEvidence(o.Evidence)
	}
	return o.Reason
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Markdown writes a report as Markdown.
func Markdown(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "# Candidate %s: %s %s\n\n", mdEscape(r.Candidate), mdEscape(r.Vendor), mdEscape(r.Product))
	fmt.Fprintf(w, "Checked %s. **%s**: %d met, %d not met, %d unknown, %d not applicable.\n\n", r.Date, r.Verdict, r.Counts.Met, r.Counts.NotMet, r.Counts.Unknown, r.Counts.NotApplicable)
	if f := r.Form; f != nil {
		fmt.Fprintf(w, "MDS2 form `%s` (%s), sheet %s, %d questions answered.\n\n", mdEscape(f.File), f.Revision, mdEscape(f.Sheet), f.Questions)
	}
	fmt.Fprintf(w, "| status | level | requirement | evidence |\n|---|---|---|---|\n")
	for _, o := range r.Outcomes {
		fmt.Fprintf(w, "| %s | %s | %s: %s | %s |\n", mark[o.Status], o.Level, o.Requirement, mdEscape(o.Title), mdEscape(o.evidenceOrReason()))
	}
	if len(r.Vulnerabilities) > 0 {
		fmt.Fprintf(w, "\n## Known vulnerabilities today\n\n| CVE | CVSS | KEV | why |\n|---|---|---|---|\n")
		for _, v := range r.Vulnerabilities {
			fmt.Fprintf(w, "| %s | %.1f | %v | %s |\n", v.CVE, v.CVSS, v.Exploited, mdEscape(v.Why))
		}
	}
	return nil
}

// Clause is one numbered clause of tender text: a requirement not met or
// not known to be met by one or more candidates.
type Clause struct {
	Number      int      `json:"number"`
	Requirement string   `json:"requirement"`
	Level       string   `json:"level"`
	Title       string   `json:"title"`
	Text        string   `json:"text"`
	References  []string `json:"references,omitempty"`
	// Why names, per candidate, why the clause is there.
	Why []string `json:"why"`
}

// Tender gives the clauses for the requirements that any of the reports
// did not meet or left unknown, in the requirements' order, must first.
func Tender(reports []*Report) []Clause {
	var out []Clause
	for _, level := range []string{"must", "should"} {
		seen := map[string]int{}
		for _, r := range reports {
			for _, o := range r.Outcomes {
				if o.Level != level || (o.Status != NotMet && o.Status != Unknown) {
					continue
				}
				why := fmt.Sprintf("%s: %s — %s", r.Candidate, mark[o.Status], o.Reason)
				if i, ok := seen[o.Requirement]; ok {
					out[i].Why = append(out[i].Why, why)
					continue
				}
				seen[o.Requirement] = len(out)
				out = append(out, Clause{Requirement: o.Requirement, Level: o.Level, Title: o.Title, Text: o.Clause, References: o.References, Why: []string{why}})
			}
		}
	}
	for i := range out {
		out[i].Number = i + 1
	}
	return out
}

func candidatesLine(reports []*Report) string {
	var names []string
	for _, r := range reports {
		names = append(names, strings.TrimSpace(r.Candidate+" ("+strings.TrimSpace(r.Vendor+" "+r.Product)+")"))
	}
	return strings.Join(names, ", ")
}

// TenderMarkdown writes the clauses as Markdown to paste into a tender.
func TenderMarkdown(w io.Writer, reports []*Report, clauses []Clause) error {
	fmt.Fprintf(w, "# Security requirements for the device\n\n")
	fmt.Fprintf(w, "The supplier shall meet the following requirements; \"shall\" clauses are mandatory, \"should\" clauses are scored. ")
	fmt.Fprintf(w, "They are the requirements the disclosures of %s did not show to be met.\n\n", mdEscape(candidatesLine(reports)))
	for _, c := range clauses {
		verb := c.Text
		if c.Level == "should" {
			verb = strings.Replace(verb, " shall ", " should ", 1)
		}
		fmt.Fprintf(w, "%d. **%s** (%s). %s", c.Number, mdEscape(c.Title), c.Level, mdEscape(verb))
		if len(c.References) > 0 {
			fmt.Fprintf(w, " _(%s)_", mdEscape(strings.Join(c.References, "; ")))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n## Why each clause is there (not for the tender)\n\n")
	for _, c := range clauses {
		for _, why := range c.Why {
			fmt.Fprintf(w, "- %d: %s\n", c.Number, mdEscape(why))
		}
	}
	return nil
}

// TenderText is TenderMarkdown's plain-text twin.
func TenderText(w io.Writer, reports []*Report, clauses []Clause) error {
	fmt.Fprintf(w, "Tender clauses for what %s did not show to be met (%d)\n\n", candidatesLine(reports), len(clauses))
	for _, c := range clauses {
		fmt.Fprintf(w, "%d. [%s] %s. %s\n", c.Number, c.Level, c.Title, c.Text)
		for _, why := range c.Why {
			fmt.Fprintf(w, "     why: %s\n", shorten(why, 140))
		}
	}
	return nil
}

// Row is one requirement across the compared candidates.
type Row struct {
	Requirement string   `json:"requirement"`
	Level       string   `json:"level"`
	Title       string   `json:"title"`
	Status      []string `json:"status"`
	Evidence    []string `json:"evidence"`
}

// Comparison is candidates side by side.
type Comparison struct {
	Candidates []*Report `json:"candidates"`
	Rows       []Row     `json:"rows"`
}

// Compare sets candidates side by side, one row a requirement.
func Compare(reports []*Report) *Comparison {
	c := &Comparison{Candidates: reports}
	index := map[string]int{}
	for k, r := range reports {
		for _, o := range r.Outcomes {
			i, ok := index[o.Requirement]
			if !ok {
				i = len(c.Rows)
				index[o.Requirement] = i
				c.Rows = append(c.Rows, Row{Requirement: o.Requirement, Level: o.Level, Title: o.Title,
					Status: make([]string, len(reports)), Evidence: make([]string, len(reports))})
			}
			c.Rows[i].Status[k] = o.Status
			c.Rows[i].Evidence[k] = o.evidenceOrReason()
		}
	}
	return c
}

// CompareText writes the comparison as a table.
func CompareText(w io.Writer, c *Comparison) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "REQUIREMENT\tLEVEL")
	for _, r := range c.Candidates {
		fmt.Fprintf(tw, "\t%s", strings.ToUpper(r.Candidate))
	}
	fmt.Fprintln(tw)
	line := func(label string, f func(r *Report) string) {
		fmt.Fprintf(tw, "%s\t", label)
		for _, r := range c.Candidates {
			fmt.Fprintf(tw, "\t%s", f(r))
		}
		fmt.Fprintln(tw)
	}
	line("device", func(r *Report) string { return shorten(strings.TrimSpace(r.Vendor+" "+r.Product), 30) })
	line("must not met / unknown", func(r *Report) string { return fmt.Sprintf("%d / %d", r.Counts.MustNotMet, r.Counts.MustUnknown) })
	line("met of all", func(r *Report) string { return fmt.Sprintf("%d of %d", r.Counts.Met, len(r.Outcomes)) })
	line("known vulnerabilities", func(r *Report) string {
		if !r.Feeds {
			return "no feed"
		}
		return fmt.Sprint(len(r.Vulnerabilities))
	})
	line("end of support", func(r *Report) string { return orDash(string(r.Asset.EndOfSupport)) })
	for _, row := range c.Rows {
		fmt.Fprintf(tw, "%s\t%s", row.Requirement, row.Level)
		for _, s := range row.Status {
			fmt.Fprintf(tw, "\t%s", orDash(mark[s]))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// CompareMarkdown writes the comparison as a Markdown table.
func CompareMarkdown(w io.Writer, c *Comparison) error {
	fmt.Fprint(w, "| requirement | level |")
	for _, r := range c.Candidates {
		fmt.Fprintf(w, " %s |", mdEscape(r.Candidate+": "+strings.TrimSpace(r.Vendor+" "+r.Product)))
	}
	fmt.Fprint(w, "\n|---|---|"+strings.Repeat("---|", len(c.Candidates))+"\n| **verdict** | |")
	for _, r := range c.Candidates {
		fmt.Fprintf(w, " %s |", mdEscape(r.Verdict))
	}
	fmt.Fprintln(w)
	for _, row := range c.Rows {
		fmt.Fprintf(w, "| %s: %s | %s |", row.Requirement, mdEscape(row.Title), row.Level)
		for _, s := range row.Status {
			fmt.Fprintf(w, " %s |", orDash(mark[s]))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// Page is what the HTML templates show: one report, a comparison, the
// tender clauses, any of them.
type Page struct {
	Title      string
	Reports    []*Report
	Comparison *Comparison
	Clauses    []Clause
}

// Mark is a status as shown.
func (Page) Mark(s string) string { return orDash(mark[s]) }

// ClauseText is a clause's text in its level's verb.
func (Page) ClauseText(c Clause) string {
	if c.Level == "should" {
		return strings.Replace(c.Text, " shall ", " should ", 1)
	}
	return c.Text
}

// HTMLBody is the template of a procurement page's content, shared with
// the dashboard: {{template "procure-body" .}} over a Page.
const HTMLBody = `{{define "procure-body"}}
{{with .Comparison}}
<section class="comparison"><h2>Side by side</h2>
<table class="compare"><thead><tr><th>requirement</th><th>level</th>{{range .Candidates}}<th>{{.Candidate}}<br><small>{{.Vendor}} {{.Product}}</small></th>{{end}}</tr></thead><tbody>
<tr><td>verdict</td><td></td>{{range .Candidates}}<td>{{.Verdict}}</td>{{end}}</tr>
<tr><td>known vulnerabilities</td><td></td>{{range .Candidates}}<td>{{if .Feeds}}{{len .Vulnerabilities}}{{else}}no feed{{end}}</td>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Requirement}}: {{.Title}}</td><td>{{.Level}}</td>{{$row := .}}{{range $i, $s := .Status}}<td class="{{$s}}" title="{{index $row.Evidence $i}}">{{$.Mark $s}}</td>{{end}}</tr>
{{end}}</tbody></table></section>
{{end}}
{{range .Reports}}
<section class="candidate" id="candidate-{{.Candidate}}">
<h2>Candidate {{.Candidate}}: {{.Vendor}} {{.Product}}</h2>
<p class="verdict {{if gt .Counts.MustNotMet 0}}fails{{else if gt .Counts.MustUnknown 0}}unsure{{else}}meets{{end}}"><strong>{{.Verdict}}</strong>: {{.Counts.Met}} met, {{.Counts.NotMet}} not met, {{.Counts.Unknown}} unknown, {{.Counts.NotApplicable}} not applicable.</p>
{{with .Form}}<p>MDS2 form {{.File}} ({{.Revision}}), sheet {{.Sheet}}: {{.Questions}} questions answered.{{range .Warnings}} <em>{{.}}</em>{{end}}</p>{{end}}
{{with .SBOM}}<p>SBOM: {{.Format}}, {{.Components}} components.</p>{{end}}
<table class="requirements"><thead><tr><th>status</th><th>level</th><th>requirement</th><th>evidence</th></tr></thead><tbody>
{{range .Outcomes}}<tr class="{{.Status}}"><td>{{$.Mark .Status}}</td><td>{{.Level}}</td><td>{{.Requirement}}: {{.Title}}</td><td>{{if eq .Status "met"}}{{range $i, $e := .Evidence}}{{if $i}}, {{end}}{{$e.String}}{{end}}{{else}}{{.Reason}}{{end}}</td></tr>
{{end}}</tbody></table>
{{if .Vulnerabilities}}<h3>Known vulnerabilities today</h3><table class="vulns"><thead><tr><th>CVE</th><th>CVSS</th><th>KEV</th><th>why</th></tr></thead><tbody>
{{range .Vulnerabilities}}<tr><td>{{.CVE}}</td><td>{{printf "%.1f" .CVSS}}</td><td>{{if .Exploited}}KEV{{end}}</td><td>{{.Why}}</td></tr>{{end}}
</tbody></table>{{end}}
{{with .Adds}}<h3>What it adds to the assessment</h3>
<p>Open risks {{.OpenBefore}} → {{.OpenAfter}}; {{len .Risks}} register lines name it, {{.NewLines}} of them new.</p>
<ul>{{range .Risks}}<li>{{.Severity}} {{.Score}}: {{.Name}}{{if .New}} (new){{end}}</li>{{end}}</ul>
{{if .Paths}}<p>Attack paths to or through it:</p><ul>{{range .Paths}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{end}}
</section>
{{end}}
{{if .Clauses}}
<section class="tender"><h2>Tender clauses</h2>
<p>The supplier shall meet the following requirements; "shall" clauses are mandatory, "should" clauses are scored.</p>
<ol class="clauses">{{range .Clauses}}<li id="clause-{{.Number}}"><strong>{{.Title}}</strong> ({{.Level}}). {{$.ClauseText .}}{{if .References}} <em>({{range $i, $r := .References}}{{if $i}}; {{end}}{{$r}}{{end}})</em>{{end}}</li>
{{end}}</ol></section>
{{end}}
{{end}}`

var page = template.Must(template.New("page").Parse(HTMLBody + `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:75em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
.not-met{background:#fdd}.unknown{background:#ffd}.met{background:#dfd}.fails{color:#a00}.unsure{color:#850}</style></head>
<body><h1>{{.Title}}</h1>{{template "procure-body" .}}</body></html>`))

// HTML writes a self-contained page (no scripts, nothing fetched).
func HTML(w io.Writer, p Page) error { return page.ExecuteTemplate(w, "page", p) }
