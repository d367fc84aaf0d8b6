package procure

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
)

// Outcomes of a requirement.
const (
	Met           = "met"
	NotMet        = "not-met"
	Unknown       = "unknown"
	NotApplicable = "not-applicable"
)

// Evidence is what an outcome rests on: a form's answer at its cell, a
// line of the candidate file, the SBOM, a matched vulnerability.
type Evidence struct {
	// Source is form, candidate, sbom or feeds.
	Source   string `json:"source"`
	Question string `json:"question,omitempty"`
	Answer   string `json:"answer,omitempty"`
	// Where is sheet!cell in the form, file:line in the candidate file,
	// or the file.
	Where string `json:"where,omitempty"`
	Note  string `json:"note,omitempty"`
}

func (e Evidence) String() string {
	var b strings.Builder
	if e.Question != "" {
		b.WriteString(e.Question + " ")
	}
	b.WriteString(e.Answer)
	if e.Where != "" {
		b.WriteString(" (" + e.Where + ")")
	}
	return strings.TrimSpace(b.String())
}

// Outcome is one requirement checked.
type Outcome struct {
	Requirement string     `json:"requirement"`
	Theme       string     `json:"theme"`
	Title       string     `json:"title"`
	Level       string     `json:"level"`
	Status      string     `json:"status"`
	Reason      string     `json:"reason"`
	Evidence    []Evidence `json:"evidence"`
	Clause      string     `json:"clause"`
	References  []string   `json:"references,omitempty"`
	control     string
}

// Counts sums outcomes.
type Counts struct {
	Met           int `json:"met"`
	NotMet        int `json:"not_met"`
	Unknown       int `json:"unknown"`
	NotApplicable int `json:"not_applicable"`
	// MustNotMet and MustUnknown count the must requirements among them.
	MustNotMet  int `json:"must_not_met"`
	MustUnknown int `json:"must_unknown"`
}

// Report is a candidate checked against the requirements.
type Report struct {
	Candidate string    `json:"candidate"`
	Name      string    `json:"name,omitempty"`
	Vendor    string    `json:"vendor,omitempty"`
	Product   string    `json:"product,omitempty"`
	Kind      string    `json:"kind"`
	Zone      string    `json:"zone,omitempty"`
	Date      string    `json:"date"`
	Form      *FormInfo `json:"form,omitempty"`
	SBOM      *SBOM     `json:"sbom,omitempty"`
	Counts    Counts    `json:"counts"`
	// Verdict says in a line whether every must requirement is met.
	Verdict  string    `json:"verdict"`
	Outcomes []Outcome `json:"requirements"`
	// Vulnerabilities are the known vulnerabilities of the candidate's
	// software today, by the feeds given.
	Vulnerabilities []intel.Match `json:"vulnerabilities"`
	// Feeds says whether any vulnerability feed was given.
	Feeds bool `json:"feeds"`
	// Asset is the candidate as the model would hold it: planned, with
	// the controls its met requirements give; Links its intended links.
	Asset ward.Asset  `json:"asset"`
	Links []ward.Link `json:"links,omitempty"`
	// Adds is what the candidate adds to the hospital's assessment, when
	// checked against a model.
	Adds *Addition `json:"adds,omitempty"`
}

// FormInfo is what a report says of the form, answers aside.
type FormInfo struct {
	File         string   `json:"file"`
	Revision     string   `json:"revision"`
	Sheet        string   `json:"sheet"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	Model        string   `json:"model,omitempty"`
	DocumentID   string   `json:"document_id,omitempty"`
	Released     string   `json:"released,omitempty"`
	Questions    int      `json:"questions"`
	Warnings     []string `json:"warnings,omitempty"`
}

// Options are the inputs of a check besides the candidate.
type Options struct {
	// Today is the date of the check, YYYY-MM-DD (support periods run
	// from it).
	Today string
	// Matcher, when not nil, finds the candidate's known vulnerabilities.
	Matcher *intel.Matcher
}

// Check checks a candidate against the requirements.
func Check(c *Candidate, reqs []catalog.DeviceRequirement, opt Options) *Report {
	a := c.File.Candidate
	r := &Report{Candidate: a.ID, Name: a.Name, Vendor: a.Vendor, Product: a.Product, Kind: string(a.Kind), Zone: a.Zone,
		Date: opt.Today, SBOM: c.SBOM, Feeds: opt.Matcher != nil, Vulnerabilities: []intel.Match{}}
	if f := c.Form; f != nil {
		r.Form = &FormInfo{File: baseName(f.File), Revision: f.Revision, Sheet: f.Sheet, Manufacturer: f.Manufacturer, Model: f.Model,
			DocumentID: f.DocumentID, Released: f.Released, Questions: len(f.Answers), Warnings: f.Warnings}
	}
	if opt.Matcher != nil {
		if ms := opt.Matcher.Match([]ward.Asset{a}); len(ms) > 0 {
			r.Vulnerabilities = intel.Prioritise(ms)
		}
	}
	for _, req := range reqs {
		o := c.evaluate(req, r, opt.Today)
		r.Outcomes = append(r.Outcomes, o)
		switch o.Status {
		case Met:
			r.Counts.Met++
			if o.control != "" && !slices.Contains(a.Controls, o.control) {
				a.Controls = append(a.Controls, o.control)
			}
		case NotMet:
			r.Counts.NotMet++
			if o.Level == "must" {
				r.Counts.MustNotMet++
			}
		case Unknown:
			r.Counts.Unknown++
			if o.Level == "must" {
				r.Counts.MustUnknown++
			}
		default:
			r.Counts.NotApplicable++
		}
	}
	switch n := r.Counts; {
	case n.MustNotMet > 0:
		r.Verdict = fmt.Sprintf("fails %s (%d more unknown)", plural(n.MustNotMet, "must requirement"), n.MustUnknown)
	case n.MustUnknown > 0:
		r.Verdict = fmt.Sprintf("fails no must requirement known; %s unknown", plural(n.MustUnknown, "must requirement"))
	default:
		r.Verdict = "meets every must requirement"
	}
	r.Asset, r.Links = a, c.File.Links
	return r
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// item is one thing a requirement reads: good, bad or unknown.
type item struct {
	state int // 1 good, -1 bad, 0 unknown
	ev    Evidence
	why   string
}

// answer gives a question's answer: the candidate file's before the form's.
func (c *Candidate) answer(q string) (string, Evidence, bool) {
	if g, ok := c.given[q]; ok {
		ev := Evidence{Source: "candidate", Question: q, Answer: g.value, Where: g.where, Note: g.note}
		if a, ok := c.Form.Answer(q); ok {
			ev.Note = strings.TrimSpace(g.note + " (the form says " + a.Value + " at " + a.Cell + ")")
		}
		return g.value, ev, true
	}
	if a, ok := c.Form.Answer(q); ok {
		return a.Value, Evidence{Source: "form", Question: q, Answer: a.Value, Where: a.Cell, Note: a.Note}, true
	}
	return "", Evidence{Source: "form", Question: q, Answer: "not answered"}, false
}

func (c *Candidate) evaluate(req catalog.DeviceRequirement, r *Report, today string) Outcome {
	o := Outcome{Requirement: req.ID, Theme: req.Theme, Title: req.Title, Level: req.Level, Clause: req.Clause,
		References: req.References, control: req.Control, Evidence: []Evidence{}}
	// Does it apply?
	if len(req.AppliesIf) > 0 {
		no := 0
		var evs []Evidence
		for _, q := range req.AppliesIf {
			v, ev, _ := c.answer(q)
			evs = append(evs, ev)
			if v == "no" || v == "n/a" {
				no++
			}
		}
		if no == len(req.AppliesIf) {
			o.Status, o.Evidence = NotApplicable, evs
			o.Reason = "does not apply: " + joinEvidence(evs)
			return o
		}
	}
	expect := req.Expect
	var items []item
	for _, q := range req.MDS2 {
		v, ev, ok := c.answer(q)
		it := item{ev: ev}
		switch {
		case !ok:
			it.why = q + " is not answered"
		case v == expect:
			it.state = 1
		case v == "yes" || v == "no":
			it.state, it.why = -1, fmt.Sprintf("%s answered %s (%s)", q, v, ev.Where)
		case v == "n/a":
			switch req.NA {
			case "met":
				it.state = 1
			case "not-met":
				it.state, it.why = -1, q+" answered n/a ("+ev.Where+")"
			default:
				it.why = q + " answered n/a"
			}
		case v == "see-note":
			it.why = q + " refers to a note (" + ev.Where + ")"
			if ev.Note != "" {
				it.why += ": " + shorten(ev.Note, 80)
			}
		case v == "blank":
			it.why = q + " is left blank (" + ev.Where + ")"
		default:
			it.why = fmt.Sprintf("%s answered %q", q, shorten(v, 40))
		}
		items = append(items, it)
	}
	if req.Fact != "" {
		it := item{ev: Evidence{Source: "candidate", Question: req.Fact, Answer: "not given"}, why: "the candidate file gives no fact " + req.Fact}
		if g, ok := c.facts[req.Fact]; ok {
			it.ev = Evidence{Source: "candidate", Question: req.Fact, Answer: g.value, Where: g.where, Note: g.note}
			it.why = ""
			if g.value == expect {
				it.state = 1
			} else {
				it.state, it.why = -1, fmt.Sprintf("%s is %s (%s)", req.Fact, g.value, g.where)
			}
		}
		items = append(items, it)
	}
	switch req.Check {
	case "sbom":
		it := item{why: "no SBOM came with the candidate", ev: Evidence{Source: "sbom", Answer: "none"}}
		if s := c.SBOM; s != nil {
			it.ev = Evidence{Source: "sbom", Answer: fmt.Sprintf("%s, %d components", s.Format, s.Count), Where: baseName(s.File)}
			if s.Count > 0 {
				it.state, it.why = 1, ""
			} else {
				it.why = "the SBOM lists no component"
			}
		}
		items = append(items, it)
	case "support":
		it := item{why: "the candidate file gives no end_of_support", ev: Evidence{Source: "candidate", Question: "end_of_support", Answer: "not given"}}
		if g, ok := c.facts["end_of_support"]; ok {
			it.ev = Evidence{Source: "candidate", Question: "end_of_support", Answer: g.value, Where: g.where}
			want := addYears(today, req.MinYears)
			if g.value >= want {
				it.state, it.why = 1, ""
			} else {
				it.state, it.why = -1, fmt.Sprintf("support ends %s (%s), before %s (%d years from %s)", g.value, g.where, want, req.MinYears, today)
			}
		}
		items = append(items, it)
	case "vulnerabilities":
		it := item{}
		switch {
		case !r.Feeds:
			it.why, it.ev = "no vulnerability feed given", Evidence{Source: "feeds", Answer: "none"}
		case c.SBOM == nil && r.Asset.CPE == "" && c.File.Candidate.CPE == "":
			it.why, it.ev = "no SBOM or CPE to match", Evidence{Source: "feeds", Answer: "nothing to match"}
		case len(r.Vulnerabilities) == 0:
			it.state, it.ev = 1, Evidence{Source: "feeds", Answer: "no match"}
		default:
			var cves []string
			for _, v := range r.Vulnerabilities {
				cves = append(cves, v.CVE)
			}
			cves = slices.Compact(cves)
			it.state, it.why = -1, fmt.Sprintf("%d known vulnerabilities: %s", len(cves), strings.Join(cves[:min(5, len(cves))], ", "))
			for _, v := range r.Vulnerabilities[:min(5, len(r.Vulnerabilities))] {
				it.ev = Evidence{Source: "feeds", Question: v.CVE, Answer: v.Why, Where: v.Advisory}
				o.Evidence = append(o.Evidence, it.ev)
			}
			it.ev = Evidence{}
		}
		items = append(items, it)
	}
	good, badN := 0, 0
	for _, it := range items {
		if it.state == 1 {
			good++
		}
	}
	var whys []string
	for _, it := range items {
		// A requirement met by any one item cites the items that met it.
		if it.ev != (Evidence{}) && (req.Rule != "any" || good == 0 || it.state == 1) {
			o.Evidence = append(o.Evidence, it.ev)
		}
		if it.state == -1 {
			badN++
			whys = append(whys, it.why)
		}
	}
	var unknowns []string
	for _, it := range items {
		if it.state == 0 {
			unknowns = append(unknowns, it.why)
		}
	}
	switch {
	case req.Rule == "any" && good > 0, req.Rule != "any" && good == len(items):
		o.Status, o.Reason = Met, "met: "+joinEvidence(o.Evidence)
	case req.Rule == "any" && badN == len(items), req.Rule != "any" && badN > 0:
		o.Status, o.Reason = NotMet, strings.Join(whys, "; ")
	default:
		o.Status, o.Reason = Unknown, strings.Join(unknowns, "; ")
	}
	return o
}

func joinEvidence(evs []Evidence) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.String())
	}
	return strings.Join(s, ", ")
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func addYears(date string, years int) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.AddDate(years, 0, 0).Format(time.DateOnly)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
