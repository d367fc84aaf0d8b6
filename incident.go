package ward

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	typeRe   = regexp.MustCompile(`^[a-z0-9&]+(-[a-z0-9&]+)*$`)
	sha256Re = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	attackRe = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	// IncidentIDRe is what an incident id looks like.
	IncidentIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// IncidentStatus is where an incident stands.
type IncidentStatus string

// The statuses of an incident, in the order it usually passes them.
const (
	IncidentSuspected IncidentStatus = "suspected"
	IncidentConfirmed IncidentStatus = "confirmed"
	IncidentContained IncidentStatus = "contained"
	IncidentRecovered IncidentStatus = "recovered"
	IncidentClosed    IncidentStatus = "closed"
)

var incidentStatusValues = []string{"suspected", "confirmed", "contained", "recovered", "closed"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (IncidentStatus) Enum() []string { return incidentStatusValues }

// Open tells an incident not closed yet.
func (s IncidentStatus) Open() bool { return s != IncidentClosed }

// IncidentTypes are the kinds of incident Ward knows, from the event-type
// vocabulary of STIX's incident-core extension, so that what a hospital
// registers is what its CSIRT counts. Others may be used (the vocabulary
// is open).
var IncidentTypes = []string{
	"ransomware", "denial-of-service", "brute-force-attempt", "unauthorized-access-system", "theft-access-credentials",
	"data-exfiltration", "known-malware", "exploit", "network-scanning", "destruction", "equipment-loss",
	"misconfiguration", "supply-chain-customer", "unspecified",
}

// ReportKind names one of the reports NIS2 Art. 23(4) asks of an
// essential entity.
type ReportKind string

// The reports of NIS2 Art. 23(4).
const (
	// EarlyWarning is due within 24 hours of becoming aware (a).
	EarlyWarning ReportKind = "early-warning"
	// Notification is due within 72 hours of becoming aware (b).
	Notification ReportKind = "notification"
	// IntermediateReport is sent when the CSIRT or authority asks (c).
	IntermediateReport ReportKind = "intermediate"
	// FinalReport is due one month after the notification (d).
	FinalReport ReportKind = "final"
)

// ReportKinds lists the reports in the order they are sent.
var ReportKinds = []ReportKind{EarlyWarning, Notification, IntermediateReport, FinalReport}

var reportKindValues = []string{"early-warning", "notification", "intermediate", "final"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (ReportKind) Enum() []string { return reportKindValues }

// Title is the report's name in NIS2's words.
func (k ReportKind) Title() string {
	return map[ReportKind]string{EarlyWarning: "Early warning", Notification: "Incident notification",
		IntermediateReport: "Intermediate report", FinalReport: "Final report"}[k]
}

// Incident is what happened to an organisation's assets and services, on
// the NIS2 clock: a row of its incident register.
type Incident struct {
	ID       string         `json:"id"`
	Org      string         `json:"org"`
	Title    string         `json:"title"`
	Status   IncidentStatus `json:"status"`
	Severity Level          `json:"severity"`
	// Type is a kind of IncidentTypes ("ransomware", ...).
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
	// AwareAt is when the organisation became aware of it: the NIS2
	// clock starts here.
	AwareAt  time.Time `json:"aware_at"`
	OpenedAt time.Time `json:"opened_at"`
	OpenedBy string    `json:"opened_by,omitempty"`
	Updated  time.Time `json:"updated"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
	// Significance answers the questions of NIS2 Art. 23(3).
	Significance Significance `json:"significance"`
	// SuspectedMalicious and CrossBorder are what the early warning asks
	// (Art. 23(4)(a)); nil is not known yet.
	SuspectedMalicious *bool `json:"suspected_malicious,omitempty"`
	CrossBorder        *bool `json:"cross_border,omitempty"`
	// Assets and Services are ids of the organisation's model.
	Assets   []string `json:"assets,omitempty"`
	Services []string `json:"services,omitempty"`
	// Outages say which services were down and when (clinical impact).
	Outages []Outage `json:"outages,omitempty"`
	// Techniques are ATT&CK technique ids seen (from detections or named).
	Techniques []string         `json:"techniques,omitempty"`
	Timeline   []IncidentEvent  `json:"timeline,omitempty"`
	Actions    []IncidentAction `json:"actions,omitempty"`
	Evidence   []Evidence       `json:"evidence,omitempty"`
	RootCause  string           `json:"root_cause,omitempty"`
	Lessons    []Lesson         `json:"lessons,omitempty"`
	Reports    []SentReport     `json:"reports,omitempty"`
	// Requests are the CSIRT's or authority's requests for an
	// intermediate report (Art. 23(4)(c)).
	Requests []ReportRequest  `json:"requests,omitempty"`
	Shared   []SharedIncident `json:"shared,omitempty"`
	// Version counts the incident's writes: a write names the version it
	// read (optimistic concurrency, like a model's revision).
	Version int64 `json:"version"`
}

// Significance holds the answers to NIS2 Art. 23(3): an incident is
// significant when it caused or can cause severe operational disruption
// of the services or financial loss for the entity, or affected or can
// affect others by considerable material or non-material damage. nil is
// not answered yet.
type Significance struct {
	SevereDisruption *bool  `json:"severe_disruption,omitempty"`
	DamageToOthers   *bool  `json:"damage_to_others,omitempty"`
	Reason           string `json:"reason,omitempty"`
}

// Significant tells whether either criterion is met.
func (s Significance) Significant() bool {
	return s.SevereDisruption != nil && *s.SevereDisruption || s.DamageToOthers != nil && *s.DamageToOthers
}

// Answered tells whether both questions have been answered.
func (s Significance) Answered() bool { return s.SevereDisruption != nil && s.DamageToOthers != nil }

// Outage is a clinical service down during an incident; Until is zero
// while it is still down.
type Outage struct {
	Service string    `json:"service"`
	From    time.Time `json:"from"`
	Until   time.Time `json:"until,omitzero"`
}

// IncidentEvent is an entry of an incident's timeline.
type IncidentEvent struct {
	Time time.Time `json:"time"`
	// Kind: opened, status, detection, action, evidence, report, shared,
	// note, closed, lesson.
	Kind string `json:"kind"`
	Text string `json:"text"`
	By   string `json:"by,omitempty"`
}

// IncidentAction is something done or to do about an incident.
type IncidentAction struct {
	Time time.Time `json:"time"`
	Text string    `json:"text"`
	By   string    `json:"by,omitempty"`
	Done bool      `json:"done,omitempty"`
}

// Evidence is what shows what happened: a detection, a log line, a file
// (with its SHA-256).
type Evidence struct {
	// Kind is detection, log or file.
	Kind string    `json:"kind"`
	Time time.Time `json:"time"`
	Text string    `json:"text"`
	// Rule is the detection rule; File and Line where a log line is.
	Rule   string `json:"rule,omitempty"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Count  int    `json:"count,omitempty"`
	// FirstSeen and LastSeen bound what a detection counted.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Asset     string    `json:"asset,omitempty"`
	// Indicators are what a detection was grouped by (src_ip=...,
	// user=...): indicators of compromise for the notification.
	Indicators []string `json:"indicators,omitempty"`
	By         string   `json:"by,omitempty"`
}

// Lesson is what an incident taught; closing may turn it into a change of
// the model: a risk decision, or a control on an asset (or the whole
// organisation).
type Lesson struct {
	Text     string    `json:"text"`
	Decision *Decision `json:"decision,omitempty"`
	// Control is a control id added to Asset's controls, or to the
	// organisation's when Asset is empty.
	Control string `json:"control,omitempty"`
	Asset   string `json:"asset,omitempty"`
	// Applied is when the change was made to the model.
	Applied time.Time `json:"applied,omitzero"`
}

// SentReport records a report of Art. 23(4) sent to the CSIRT or the
// authority: who sent it, when, to whom.
type SentReport struct {
	Kind      ReportKind `json:"kind"`
	Sent      time.Time  `json:"sent"`
	By        string     `json:"by"`
	To        string     `json:"to,omitempty"`
	Reference string     `json:"reference,omitempty"`
	// STIX is the id of the STIX report sent over TAXII, if it went so.
	STIX string `json:"stix,omitempty"`
	TLP  string `json:"tlp,omitempty"`
}

// ReportRequest is a request for an intermediate report: who asked,
// when, and by when they want it.
type ReportRequest struct {
	From      string    `json:"from"`
	Requested time.Time `json:"requested"`
	Due       time.Time `json:"due"`
	By        string    `json:"by,omitempty"`
}

// SharedIncident records a push of the incident to a TAXII peer.
type SharedIncident struct {
	Time       time.Time `json:"time"`
	Peer       string    `json:"peer"`
	Collection string    `json:"collection"`
	// STIX is the id of the incident object as the peer knows it.
	STIX    string `json:"stix"`
	TLP     string `json:"tlp"`
	Objects int    `json:"objects"`
	By      string `json:"by,omitempty"`
}

// IncidentAdvice is what a CSIRT answered to an incident it was sent: a
// STIX note, or a course of action related to the incident.
type IncidentAdvice struct {
	ID   string    `json:"id"`
	Type string    `json:"type"`
	Name string    `json:"name,omitempty"`
	Text string    `json:"text"`
	From string    `json:"from,omitempty"`
	At   time.Time `json:"at"`
	TLP  string    `json:"tlp,omitempty"`
}

// STIXID is the id of the incident object last shared, "" if never.
func (i *Incident) STIXID() string {
	if len(i.Shared) == 0 {
		return ""
	}
	return i.Shared[len(i.Shared)-1].STIX
}

// Sent returns the last record of a report of this kind sent, if any.
func (i *Incident) Sent(kind ReportKind) (SentReport, bool) {
	for j := len(i.Reports) - 1; j >= 0; j-- {
		if i.Reports[j].Kind == kind {
			return i.Reports[j], true
		}
	}
	return SentReport{}, false
}

// Deadline is when one report of Art. 23(4) is due, and whether it was
// sent.
type Deadline struct {
	Kind ReportKind `json:"kind"`
	Due  time.Time  `json:"due"`
	// Estimated: the final report's due date counts from the
	// notification's deadline until the notification is sent.
	Estimated bool       `json:"estimated,omitempty"`
	Sent      *time.Time `json:"sent,omitempty"`
	Overdue   bool       `json:"overdue"`
	// Left is the time left (negative when overdue), when not sent.
	Left string `json:"left,omitempty"`
}

// Clock is where an incident stands on the NIS2 clock.
type Clock struct {
	// Applies is false when the incident was judged not significant
	// (both questions answered no) or was a false alarm: then nothing is
	// due. An unanswered question keeps the clock running.
	Applies   bool       `json:"applies"`
	Why       string     `json:"why"`
	Deadlines []Deadline `json:"deadlines"`
	// Next is the first report due and not sent ("" when none is).
	Next    ReportKind   `json:"next,omitempty"`
	NextDue time.Time    `json:"next_due,omitzero"`
	Overdue []ReportKind `json:"overdue"`
}

// The periods of NIS2 Art. 23(4).
const (
	EarlyWarningPeriod = 24 * time.Hour
	NotificationPeriod = 72 * time.Hour
)

// Clock computes the NIS2 deadlines as of now: the early warning 24 hours
// and the notification 72 hours after the organisation became aware, the
// final report one month after the notification was sent (or was due,
// until it is), and an intermediate report by when the last request for
// one asked, until one is sent after it.
func (i *Incident) Clock(now time.Time) Clock {
	c := Clock{Applies: true, Overdue: []ReportKind{}}
	switch {
	case i.Significance.Answered() && !i.Significance.Significant():
		c.Applies, c.Why = false, "not significant under NIS2 Art. 23(3): no report is due"
	case i.Significance.Significant():
		c.Why = "significant under NIS2 Art. 23(3)"
	default:
		c.Why = "significance not yet assessed: the clock runs from awareness until it is judged not significant"
	}
	notifDue := i.AwareAt.Add(NotificationPeriod)
	finalDue, estimated := notifDue.AddDate(0, 1, 0), true
	if s, ok := i.Sent(Notification); ok {
		finalDue, estimated = s.Sent.AddDate(0, 1, 0), false
	}
	for _, d := range []Deadline{
		{Kind: EarlyWarning, Due: i.AwareAt.Add(EarlyWarningPeriod)},
		{Kind: Notification, Due: notifDue},
		{Kind: FinalReport, Due: finalDue, Estimated: estimated},
	} {
		if s, ok := i.Sent(d.Kind); ok {
			t := s.Sent
			d.Sent = &t
		} else if c.Applies {
			d.Overdue = now.After(d.Due)
			d.Left = leftText(d.Due.Sub(now))
			if d.Overdue {
				c.Overdue = append(c.Overdue, d.Kind)
			}
			if c.Next == "" {
				c.Next, c.NextDue = d.Kind, d.Due
			}
		}
		c.Deadlines = append(c.Deadlines, d)
	}
	// An intermediate report is due when asked for and not sent since.
	if n := len(i.Requests); n > 0 {
		req := i.Requests[n-1]
		d := Deadline{Kind: IntermediateReport, Due: req.Due}
		if s, ok := i.Sent(IntermediateReport); ok && !s.Sent.Before(req.Requested) {
			t := s.Sent
			d.Sent = &t
		} else if c.Applies {
			d.Overdue, d.Left = now.After(d.Due), leftText(d.Due.Sub(now))
			if d.Overdue {
				c.Overdue = append(c.Overdue, d.Kind)
			}
			if c.Next == "" || d.Due.Before(c.NextDue) {
				c.Next, c.NextDue = d.Kind, d.Due
			}
		}
		c.Deadlines = append(c.Deadlines, d)
	}
	return c
}

// leftText writes a time left in days, hours and minutes; negative is
// overdue.
func leftText(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-d.Truncate(time.Minute)).String()
	}
	return Duration(d.Truncate(time.Minute)).String()
}

// ServiceImpact is what an incident did to one clinical service: how long
// it was (or has been) down against its maximum tolerable outage.
type ServiceImpact struct {
	Service   string   `json:"service"`
	Name      string   `json:"name,omitempty"`
	MaxOutage Duration `json:"max_outage"`
	Down      Duration `json:"down"`
	Ongoing   bool     `json:"ongoing,omitempty"`
	// Exceeded: down longer than its maximum tolerable outage.
	Exceeded      bool  `json:"exceeded"`
	PatientSafety Level `json:"patient_safety,omitempty"`
}

// ClinicalImpact computes, for each service the incident names (outages
// and affected services), how long it was down as of now against its
// max_outage in the model.
func (i *Incident) ClinicalImpact(m *Model, now time.Time) []ServiceImpact {
	services := map[string]*Service{}
	for j := range m.Services {
		services[m.Services[j].ID] = &m.Services[j]
	}
	down := map[string]time.Duration{}
	ongoing := map[string]bool{}
	var order []string
	add := func(id string) {
		if !slices.Contains(order, id) {
			order = append(order, id)
		}
	}
	for _, o := range i.Outages {
		add(o.Service)
		until := o.Until
		if until.IsZero() {
			until, ongoing[o.Service] = now, true
		}
		if until.After(o.From) {
			down[o.Service] += until.Sub(o.From)
		}
	}
	for _, s := range i.Services {
		add(s)
	}
	out := []ServiceImpact{}
	for _, id := range order {
		si := ServiceImpact{Service: id, Down: Duration(down[id].Truncate(time.Minute)), Ongoing: ongoing[id]}
		if s, ok := services[id]; ok {
			si.Name, si.MaxOutage, si.PatientSafety = s.Name, s.MaxOutage, s.PatientSafety
			si.Exceeded = s.MaxOutage > 0 && down[id] > time.Duration(s.MaxOutage)
		}
		out = append(out, si)
	}
	return out
}

// CheckIncident checks an incident against the organisation's model: its
// fields' values, and that the assets and services it names exist. Every
// problem is returned, as a field error.
func CheckIncident(i *Incident, m *Model) error {
	var errs []FieldError
	bad := func(path, hint, format string, a ...any) {
		errs = append(errs, FieldError{Path: path, Message: fmt.Sprintf(format, a...), Hint: hint})
	}
	if !IncidentIDRe.MatchString(i.ID) {
		bad("id", "letters, digits and . _ -, up to 64", "incident id %q", i.ID)
	}
	if strings.TrimSpace(i.Title) == "" {
		bad("title", "", "an incident needs a title")
	} else if len(i.Title) > 300 {
		bad("title", "", "at most 300 characters")
	}
	if !slices.Contains(incidentStatusValues, string(i.Status)) {
		bad("status", strings.Join(incidentStatusValues, ", "), "unknown status %q", i.Status)
	}
	if !slices.Contains(levelValues, string(i.Severity)) {
		bad("severity", strings.Join(levelValues, ", "), "unknown severity %q", i.Severity)
	}
	if i.Type != "" && !typeRe.MatchString(i.Type) {
		bad("type", "e.g. "+strings.Join(IncidentTypes[:4], ", "), "type %q: lower-case words joined by hyphens", i.Type)
	}
	if i.AwareAt.IsZero() {
		bad("aware_at", "RFC 3339, e.g. 2026-12-01T09:30:00Z", "when did the organisation become aware of it?")
	}
	assets := map[string]bool{}
	var assetIDs []string
	for _, a := range m.Assets {
		assets[a.ID] = true
		assetIDs = append(assetIDs, a.ID)
	}
	services := map[string]bool{}
	var serviceIDs []string
	for _, s := range m.Services {
		services[s.ID] = true
		serviceIDs = append(serviceIDs, s.ID)
	}
	closest := func(word string, in []string) string {
		if s := Closest(word, in); s != "" {
			return fmt.Sprintf("did you mean %q?", s)
		}
		return ""
	}
	for j, a := range i.Assets {
		if !assets[a] {
			bad(fmt.Sprintf("assets[%d]", j), closest(a, assetIDs), "no asset %q in the model of %s", a, m.Organisation.ID)
		}
	}
	for j, s := range i.Services {
		if !services[s] {
			bad(fmt.Sprintf("services[%d]", j), closest(s, serviceIDs), "no service %q in the model of %s", s, m.Organisation.ID)
		}
	}
	for j, o := range i.Outages {
		if !services[o.Service] {
			bad(fmt.Sprintf("outages[%d].service", j), closest(o.Service, serviceIDs), "no service %q in the model of %s", o.Service, m.Organisation.ID)
		}
		if o.From.IsZero() {
			bad(fmt.Sprintf("outages[%d].from", j), "", "when did the outage begin?")
		} else if !o.Until.IsZero() && o.Until.Before(o.From) {
			bad(fmt.Sprintf("outages[%d].until", j), "", "the outage ends before it begins")
		}
	}
	for j, e := range i.Evidence {
		if !slices.Contains([]string{"detection", "log", "file"}, e.Kind) {
			bad(fmt.Sprintf("evidence[%d].kind", j), "detection, log or file", "unknown kind %q", e.Kind)
		}
		if e.SHA256 != "" && !sha256Re.MatchString(e.SHA256) {
			bad(fmt.Sprintf("evidence[%d].sha256", j), "64 hex digits", "%q is not a SHA-256", e.SHA256)
		}
	}
	for j, r := range i.Reports {
		if !slices.Contains(reportKindValues, string(r.Kind)) {
			bad(fmt.Sprintf("reports[%d].kind", j), strings.Join(reportKindValues, ", "), "unknown report %q", r.Kind)
		}
	}
	for j, t := range i.Techniques {
		if !attackRe.MatchString(t) {
			bad(fmt.Sprintf("techniques[%d]", j), "e.g. T1110 or T1110.001", "%q is not an ATT&CK technique id", t)
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// IncidentFilter selects incidents; zero fields select all.
type IncidentFilter struct {
	// Open selects incidents not closed; Status one status.
	Open   bool
	Status IncidentStatus
	Asset  string
}

// Match tells whether an incident passes the filter.
func (f IncidentFilter) Match(i *Incident) bool {
	return (!f.Open || i.Status.Open()) && (f.Status == "" || i.Status == f.Status) &&
		(f.Asset == "" || slices.Contains(i.Assets, f.Asset))
}

// incidentKey is the context key of an incident to store with a write.
type incidentKey struct{}

// IncidentWrite is an incident to store at a version, as PutIncident
// does.
type IncidentWrite struct {
	Incident Incident
	Version  int64
}

// WithIncident asks the store to store an incident (at the version
// given, as PutIncident) in the same transaction as the write the
// context is passed to: closing an incident and the changes of the model
// its lessons call for land together or not at all. Pass it to one write
// only.
func WithIncident(ctx context.Context, i Incident, version int64) context.Context {
	return context.WithValue(ctx, incidentKey{}, &IncidentWrite{i, version})
}

// IncidentOf is what WithIncident put in a context, nil for nothing.
func IncidentOf(ctx context.Context) *IncidentWrite {
	w, _ := ctx.Value(incidentKey{}).(*IncidentWrite)
	return w
}

// IncidentStore keeps organisations' incident registers. An incident
// outlives model imports: it is removed only with its organisation.
type IncidentStore interface {
	// PutIncident stores an incident if its stored version is the one
	// given (0: it must not exist yet, else ErrExists), else
	// ErrConflict; the incident is stored with version+1. The audit
	// entries of WithAudit go in the same transaction.
	PutIncident(ctx context.Context, i Incident, version int64) error
	// Incident returns one incident of an organisation (ErrNotFound).
	Incident(ctx context.Context, org, id string) (Incident, error)
	// Incidents lists an organisation's incidents that match, newest
	// first (by aware_at).
	Incidents(ctx context.Context, org string, f IncidentFilter) ([]Incident, error)
}
