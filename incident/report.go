package incident

import (
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// Report is one report of NIS2 Art. 23(4), made from the register: the
// fields national CSIRTs and authorities ask for, by what each report
// must say. It names no patient and, unless asked to, no asset: assets
// are counted by kind.
type Report struct {
	Kind      ward.ReportKind `json:"kind"`
	Title     string          `json:"title"`
	Basis     string          `json:"legal_basis"`
	Generated time.Time       `json:"generated"`
	Entity    Entity          `json:"entity"`
	Incident  Summary         `json:"incident"`
	// Due is the report's deadline ("" for the intermediate report) and
	// Sent the record of its sending, once sent.
	Due     *time.Time       `json:"due,omitempty"`
	Overdue bool             `json:"overdue"`
	Sent    *ward.SentReport `json:"sent,omitempty"`
	// Previous lists the reports sent before this one.
	Previous []ward.SentReport `json:"previous_reports"`
	// The early warning (a): significance, malice, cross-border impact.
	Significance       Significance `json:"significance"`
	SuspectedMalicious string       `json:"suspected_unlawful_or_malicious"`
	CrossBorder        string       `json:"cross_border_impact"`
	// The notification (b) adds an initial assessment and indicators.
	Assessment *Assessment `json:"initial_assessment,omitempty"`
	Indicators []string    `json:"indicators_of_compromise,omitempty"`
	// The intermediate report (c) gives the updates since the last
	// report.
	Updates []ward.IncidentEvent `json:"status_updates,omitempty"`
	// The final report (d): a detailed description, the threat or root
	// cause, the mitigation applied and ongoing, lessons.
	Final *Final `json:"final,omitempty"`
}

// Entity is the organisation reporting.
type Entity struct {
	Name    string `json:"name"`
	ID      string `json:"id"`
	Country string `json:"country,omitempty"`
	Kind    string `json:"kind,omitempty"`
	// Sector and EntityType are NIS2's: health, essential.
	Sector     string `json:"sector"`
	EntityType string `json:"entity_type"`
}

// Summary is the incident as every report names it.
type Summary struct {
	ID          string              `json:"id"`
	Title       string              `json:"title"`
	Type        string              `json:"type,omitempty"`
	Status      ward.IncidentStatus `json:"status"`
	Severity    ward.Level          `json:"severity"`
	AwareAt     time.Time           `json:"aware_at"`
	ClosedAt    time.Time           `json:"closed_at,omitzero"`
	Description string              `json:"description,omitempty"`
	Techniques  []string            `json:"attack_techniques,omitempty"`
}

// Significance is the answer to NIS2 Art. 23(3), in words.
type Significance struct {
	Significant      string `json:"significant"`
	SevereDisruption string `json:"severe_operational_disruption_or_financial_loss"`
	DamageToOthers   string `json:"considerable_damage_to_others"`
	Reason           string `json:"reason,omitempty"`
}

// Assessment is the notification's initial assessment: severity and
// impact.
type Assessment struct {
	Severity ward.Level           `json:"severity"`
	Services []ward.ServiceImpact `json:"clinical_services"`
	// Assets counts the assets affected, by kind; AssetIDs names them
	// when the organisation chose to.
	Assets     int            `json:"assets_affected"`
	AssetKinds map[string]int `json:"asset_kinds"`
	Categories []string       `json:"asset_categories"`
	AssetIDs   []string       `json:"assets,omitempty"`
	// Exceeded counts the services down longer than they may be.
	Exceeded int `json:"services_over_max_outage"`
	// ServiceCategories are the asset categories the affected services
	// depend on (clinical-system, medical-device, identity, ...), and
	// BySafety counts the affected services by their patient-safety
	// level: what the services are, without naming them.
	ServiceCategories []string       `json:"service_categories"`
	BySafety          map[string]int `json:"services_by_patient_safety"`
}

// Final is what only the final report says.
type Final struct {
	RootCause   string                `json:"threat_or_root_cause"`
	Mitigations []ward.IncidentAction `json:"mitigation_measures"`
	Lessons     []ward.Lesson         `json:"lessons_learned"`
	Timeline    []ward.IncidentEvent  `json:"timeline"`
	Evidence    int                   `json:"evidence_items"`
}

// Options choose what a report names.
type Options struct {
	// NameAssets lists the affected assets' ids; by default they are
	// only counted by kind.
	NameAssets bool
}

var bases = map[ward.ReportKind]string{
	ward.EarlyWarning:       "Directive (EU) 2022/2555 (NIS2), Art. 23(4)(a): within 24 hours of becoming aware",
	ward.Notification:       "Directive (EU) 2022/2555 (NIS2), Art. 23(4)(b): within 72 hours of becoming aware",
	ward.IntermediateReport: "Directive (EU) 2022/2555 (NIS2), Art. 23(4)(c): on request of the CSIRT or competent authority",
	ward.FinalReport:        "Directive (EU) 2022/2555 (NIS2), Art. 23(4)(d): within one month of the incident notification",
}

// Build makes a report of an incident as of now.
func Build(kind ward.ReportKind, i *ward.Incident, m *ward.Model, now time.Time, o Options) (Report, error) {
	if _, ok := bases[kind]; !ok {
		return Report{}, fmt.Errorf("report %q: early-warning, notification, intermediate or final", kind)
	}
	org := m.Organisation
	r := Report{Kind: kind, Title: kind.Title(), Basis: bases[kind], Generated: now.UTC(),
		Entity: Entity{Name: org.Name, ID: org.ID, Country: org.Country, Kind: string(org.Kind), Sector: "health", EntityType: "essential"},
		Incident: Summary{ID: i.ID, Title: i.Title, Type: i.Type, Status: i.Status, Severity: i.Severity, AwareAt: i.AwareAt, ClosedAt: i.ClosedAt,
			Description: i.Description, Techniques: i.Techniques},
		Significance: Significance{Significant: answer(significant(i.Significance)), SevereDisruption: answer(i.Significance.SevereDisruption),
			DamageToOthers: answer(i.Significance.DamageToOthers), Reason: i.Significance.Reason},
		SuspectedMalicious: answer(i.SuspectedMalicious), CrossBorder: answer(i.CrossBorder), Previous: []ward.SentReport{}}
	clock := i.Clock(now)
	for _, d := range clock.Deadlines {
		if d.Kind == kind {
			due := d.Due
			r.Due, r.Overdue = &due, d.Overdue
		}
	}
	if s, ok := i.Sent(kind); ok {
		r.Sent = &s
	}
	var last time.Time
	for _, s := range i.Reports {
		if s.Kind != kind || r.Sent != nil && !s.Sent.Equal(r.Sent.Sent) {
			r.Previous = append(r.Previous, s)
			if s.Sent.After(last) {
				last = s.Sent
			}
		}
	}
	if kind == ward.EarlyWarning {
		return r, nil
	}
	r.Assessment = assessment(i, m, now, o)
	r.Indicators = indicators(i)
	switch kind {
	case ward.IntermediateReport:
		r.Updates = []ward.IncidentEvent{}
		for _, e := range i.Timeline {
			if e.Time.After(last) {
				r.Updates = append(r.Updates, e)
			}
		}
	case ward.FinalReport:
		r.Final = &Final{RootCause: cmp.Or(i.RootCause, "not established yet"), Mitigations: slices.Clone(i.Actions), Lessons: slices.Clone(i.Lessons),
			Timeline: slices.Clone(i.Timeline), Evidence: len(i.Evidence)}
		if r.Final.Mitigations == nil {
			r.Final.Mitigations = []ward.IncidentAction{}
		}
		if r.Final.Lessons == nil {
			r.Final.Lessons = []ward.Lesson{}
		}
	}
	return r, nil
}

func significant(s ward.Significance) *bool {
	if !s.Answered() && !s.Significant() {
		return nil
	}
	b := s.Significant()
	return &b
}

func answer(b *bool) string {
	if b == nil {
		return "not yet known"
	}
	return yesNo(*b)
}

// assessment counts the assets by kind and the services' outages.
func assessment(i *ward.Incident, m *ward.Model, now time.Time, o Options) *Assessment {
	a := &Assessment{Severity: i.Severity, Services: i.ClinicalImpact(m, now), AssetKinds: map[string]int{}, Categories: []string{}}
	kinds := map[string]ward.AssetKind{}
	for _, as := range m.Assets {
		kinds[as.ID] = as.Kind
	}
	for _, id := range i.Assets {
		k := kinds[id]
		a.AssetKinds[string(k)]++
		if kd, ok := ward.LookupKind(k); ok && !slices.Contains(a.Categories, string(kd.Category)) {
			a.Categories = append(a.Categories, string(kd.Category))
		}
	}
	sort.Strings(a.Categories)
	a.Assets = len(i.Assets)
	if o.NameAssets {
		a.AssetIDs = slices.Clone(i.Assets)
	}
	a.ServiceCategories, a.BySafety = []string{}, map[string]int{}
	deps := map[string][]string{}
	for _, sv := range m.Services {
		deps[sv.ID] = sv.DependsOn
	}
	for _, s := range a.Services {
		if s.Exceeded {
			a.Exceeded++
		}
		a.BySafety[string(cmp.Or(s.PatientSafety, "unrated"))]++
		for _, d := range deps[s.Service] {
			if kd, ok := ward.LookupKind(kinds[d]); ok && !slices.Contains(a.ServiceCategories, string(kd.Category)) {
				a.ServiceCategories = append(a.ServiceCategories, string(kd.Category))
			}
		}
	}
	sort.Strings(a.ServiceCategories)
	return a
}

// indicators are the grouping values of the detections (source
// addresses, accounts) and the hashes of files given as evidence.
func indicators(i *ward.Incident) []string {
	var out []string
	for _, e := range i.Evidence {
		for _, v := range e.Indicators {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		if e.SHA256 != "" && !slices.Contains(out, "sha256="+e.SHA256) {
			out = append(out, "sha256="+strings.ToLower(e.SHA256))
		}
	}
	return out
}

//go:embed report.css
var reportCSS string

// StyleHash is the CSP source of the report's style sheet, which is
// inline so that the page prints and travels as one file: a server
// showing it allows this style and no other.
func StyleHash() string {
	sum := sha256.Sum256([]byte(reportCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"css": func() template.CSS { return template.CSS(reportCSS) },
}).Parse(reportHTML))

// WriteHTML writes a report as a printable HTML page, one file with its
// style.
func WriteHTML(w io.Writer, r Report) error {
	return reportTemplate.Execute(w, r)
}
