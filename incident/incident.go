// Package incident keeps an organisation's incident register: opening
// incidents by hand or from detections, changing them with every change
// on their timeline, closing them with lessons that flow back into the
// model, and the reports NIS2 Art. 23(4) asks for, as JSON and printable
// HTML. The command line and the server share it, so an incident changes
// the same way wherever it is changed.
package incident

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// NewID makes an incident id: INC-, the date, and four random hex digits
// ("INC-20261201-3fa2"), short enough to say on the phone.
func NewID(now time.Time) string {
	b := make([]byte, 2)
	rand.Read(b)
	return "INC-" + now.UTC().Format("20060102") + "-" + hex.EncodeToString(b)
}

// Opening is what opening an incident by hand takes.
type Opening struct {
	Title       string     `json:"title"`
	Severity    ward.Level `json:"severity"`
	Type        string     `json:"type"`
	Description string     `json:"description"`
	// AwareAt defaults to now.
	AwareAt  time.Time `json:"aware_at"`
	Assets   []string  `json:"assets"`
	Services []string  `json:"services"`
	// Status defaults to suspected.
	Status ward.IncidentStatus `json:"status"`
}

// Open makes a new incident of an organisation, checked against its
// model.
func Open(m *ward.Model, o Opening, by string, now time.Time) (ward.Incident, error) {
	now = now.UTC()
	i := ward.Incident{ID: NewID(now), Org: m.Organisation.ID, Title: strings.TrimSpace(o.Title), Status: o.Status, Severity: o.Severity,
		Type: o.Type, Description: o.Description, AwareAt: o.AwareAt.UTC(), OpenedAt: now, OpenedBy: by, Updated: now,
		Assets: dedupe(o.Assets), Services: dedupe(o.Services)}
	if i.Status == "" {
		i.Status = ward.IncidentSuspected
	}
	if i.Severity == "" {
		i.Severity = "medium"
	}
	if o.AwareAt.IsZero() {
		i.AwareAt = now
	}
	if i.Status == ward.IncidentClosed {
		return i, &ward.ValidationError{Errors: []ward.FieldError{{Path: "status", Message: "an incident is opened, then closed"}}}
	}
	i.Timeline = []ward.IncidentEvent{{Time: now, Kind: "opened", By: by, Text: fmt.Sprintf("opened: %s (%s, %s); aware at %s", i.Title, i.Severity, i.Status, i.AwareAt.Format(time.RFC3339))}}
	return i, ward.CheckIncident(&i, m)
}

// Change is a change of an incident: each field set is changed, each
// list given is added to. The API takes it as JSON (PATCH), the command
// line from flags.
type Change struct {
	Title       *string              `json:"title,omitempty"`
	Description *string              `json:"description,omitempty"`
	Type        *string              `json:"type,omitempty"`
	Status      *ward.IncidentStatus `json:"status,omitempty"`
	Severity    *ward.Level          `json:"severity,omitempty"`
	AwareAt     *time.Time           `json:"aware_at,omitempty"`
	// The questions of NIS2 Art. 23(3) and those of the early warning.
	SevereDisruption   *bool   `json:"severe_disruption,omitempty"`
	DamageToOthers     *bool   `json:"damage_to_others,omitempty"`
	SignificanceReason *string `json:"significance_reason,omitempty"`
	SuspectedMalicious *bool   `json:"suspected_malicious,omitempty"`
	CrossBorder        *bool   `json:"cross_border,omitempty"`
	RootCause          *string `json:"root_cause,omitempty"`
	// Added to the incident.
	Assets     []string        `json:"assets,omitempty"`
	Services   []string        `json:"services,omitempty"`
	Techniques []string        `json:"techniques,omitempty"`
	Outages    []ward.Outage   `json:"outages,omitempty"`
	Evidence   []ward.Evidence `json:"evidence,omitempty"`
	Actions    []string        `json:"actions,omitempty"`
	Note       string          `json:"note,omitempty"`
	// Restored ends the open outages of these services (at now).
	Restored []string `json:"restored,omitempty"`
	// Request records a request for an intermediate report.
	Request *ward.ReportRequest `json:"intermediate_request,omitempty"`
}

// ErrClosed refuses a change to a closed incident other than reopening.
var ErrClosed = errors.New("the incident is closed: reopen it (status confirmed) to change it")

// Apply changes an incident, writing each change on its timeline, and
// checks it against the model. It returns what changed, in a few words,
// for the audit log ("" when nothing did).
func Apply(i *ward.Incident, m *ward.Model, ch Change, by string, now time.Time) (string, error) {
	now = now.UTC()
	if i.Status == ward.IncidentClosed && (ch.Status == nil || *ch.Status == ward.IncidentClosed) {
		return "", ErrClosed
	}
	var what []string
	event := func(kind, format string, a ...any) {
		i.Timeline = append(i.Timeline, ward.IncidentEvent{Time: now, Kind: kind, By: by, Text: fmt.Sprintf(format, a...)})
	}
	set := func(name string, dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst = *v
			what = append(what, name)
			event("note", "%s set", name)
		}
	}
	set("title", &i.Title, ch.Title)
	set("description", &i.Description, ch.Description)
	set("type", &i.Type, ch.Type)
	set("root cause", &i.RootCause, ch.RootCause)
	if ch.Status != nil && *ch.Status != i.Status {
		if *ch.Status == ward.IncidentClosed {
			return "", &ward.ValidationError{Errors: []ward.FieldError{{Path: "status", Message: "close an incident by closing it (with its lessons), not by its status"}}}
		}
		event("status", "status %s → %s", i.Status, *ch.Status)
		what = append(what, fmt.Sprintf("status %s", *ch.Status))
		if i.Status == ward.IncidentClosed {
			i.ClosedAt = time.Time{}
		}
		i.Status = *ch.Status
	}
	if ch.Severity != nil && *ch.Severity != i.Severity {
		event("note", "severity %s → %s", i.Severity, *ch.Severity)
		what = append(what, fmt.Sprintf("severity %s", *ch.Severity))
		i.Severity = *ch.Severity
	}
	if ch.AwareAt != nil && !ch.AwareAt.Equal(i.AwareAt) {
		event("note", "aware at %s (was %s): the NIS2 clock moves with it", ch.AwareAt.UTC().Format(time.RFC3339), i.AwareAt.Format(time.RFC3339))
		what = append(what, "aware at")
		i.AwareAt = ch.AwareAt.UTC()
	}
	answer := func(name string, dst **bool, v *bool) {
		if v != nil && (*dst == nil || **dst != *v) {
			b := *v
			*dst = &b
			event("note", "%s: %s", name, yesNo(b))
			what = append(what, name)
		}
	}
	answer("severe operational disruption or financial loss", &i.Significance.SevereDisruption, ch.SevereDisruption)
	answer("considerable damage to others", &i.Significance.DamageToOthers, ch.DamageToOthers)
	answer("suspected unlawful or malicious", &i.SuspectedMalicious, ch.SuspectedMalicious)
	answer("cross-border impact", &i.CrossBorder, ch.CrossBorder)
	set("significance reason", &i.Significance.Reason, ch.SignificanceReason)
	for _, a := range ch.Assets {
		if !slices.Contains(i.Assets, a) {
			i.Assets = append(i.Assets, a)
			event("note", "asset %s affected", a)
			what = append(what, "asset "+a)
		}
	}
	for _, s := range ch.Services {
		if !slices.Contains(i.Services, s) {
			i.Services = append(i.Services, s)
			event("note", "service %s affected", s)
			what = append(what, "service "+s)
		}
	}
	for _, t := range ch.Techniques {
		if t = strings.ToUpper(t); !slices.Contains(i.Techniques, t) {
			i.Techniques = append(i.Techniques, t)
			what = append(what, "technique "+t)
		}
	}
	for _, o := range ch.Outages {
		o.From, o.Until = o.From.UTC(), o.Until.UTC()
		if o.From.IsZero() {
			o.From = now
		}
		i.Outages = append(i.Outages, o)
		if !slices.Contains(i.Services, o.Service) {
			i.Services = append(i.Services, o.Service)
		}
		event("note", "service %s down from %s", o.Service, o.From.Format(time.RFC3339))
		what = append(what, "outage of "+o.Service)
	}
	for _, s := range ch.Restored {
		found := false
		for j := range i.Outages {
			if o := &i.Outages[j]; o.Service == s && o.Until.IsZero() {
				o.Until, found = now, true
			}
		}
		if !found {
			return "", &ward.ValidationError{Errors: []ward.FieldError{{Path: "restored", Message: fmt.Sprintf("service %q has no outage going on", s)}}}
		}
		event("note", "service %s restored", s)
		what = append(what, "restored "+s)
	}
	for _, e := range ch.Evidence {
		if e.Time.IsZero() {
			e.Time = now
		}
		e.By = by
		i.Evidence = append(i.Evidence, e)
		event("evidence", "evidence (%s): %s", e.Kind, e.Text)
		what = append(what, "evidence")
	}
	for _, a := range ch.Actions {
		i.Actions = append(i.Actions, ward.IncidentAction{Time: now, Text: a, By: by})
		event("action", "%s", a)
		what = append(what, "action")
	}
	if q := ch.Request; q != nil {
		req := *q
		if req.Requested.IsZero() {
			req.Requested = now
		}
		req.Requested, req.Due, req.By = req.Requested.UTC(), req.Due.UTC(), by
		if strings.TrimSpace(req.From) == "" || req.Due.IsZero() {
			return "", &ward.ValidationError{Errors: []ward.FieldError{{Path: "intermediate_request", Message: "say who asked (from) and by when (due)"}}}
		}
		i.Requests = append(i.Requests, req)
		event("report", "%s asked for an intermediate report by %s", req.From, req.Due.Format(time.RFC3339))
		what = append(what, "intermediate report asked for")
	}
	if ch.Note != "" {
		event("note", "%s", ch.Note)
		what = append(what, "note")
	}
	i.Updated = now
	return strings.Join(dedupe(what), ", "), ward.CheckIncident(i, m)
}

// Closing is what closing an incident takes: what it taught and, for
// each lesson, the change of the model it calls for.
type Closing struct {
	RootCause string        `json:"root_cause"`
	Lessons   []ward.Lesson `json:"lessons"`
}

// Close closes an incident with its lessons, and returns the model with
// the changes the lessons call for (a copy; the same model when none do)
// and a line for each, for the audit log. Open outages end now.
func Close(i *ward.Incident, m *ward.Model, cl Closing, by string, now time.Time) (*ward.Model, []string, error) {
	now = now.UTC()
	if i.Status == ward.IncidentClosed {
		return nil, nil, errors.New("the incident is closed already")
	}
	if cl.RootCause != "" {
		i.RootCause = cl.RootCause
	}
	next, changes, err := ApplyLessons(m, cl.Lessons, by, now)
	if err != nil {
		return nil, nil, err
	}
	for j := range cl.Lessons {
		l := cl.Lessons[j]
		if l.Decision != nil || l.Control != "" {
			l.Applied = now
		}
		i.Lessons = append(i.Lessons, l)
		i.Timeline = append(i.Timeline, ward.IncidentEvent{Time: now, Kind: "lesson", By: by, Text: l.Text})
	}
	for j := range i.Outages {
		if i.Outages[j].Until.IsZero() {
			i.Outages[j].Until = now
		}
	}
	for _, c := range changes {
		i.Timeline = append(i.Timeline, ward.IncidentEvent{Time: now, Kind: "lesson", By: by, Text: "the model: " + c})
	}
	i.Timeline = append(i.Timeline, ward.IncidentEvent{Time: now, Kind: "closed", By: by, Text: fmt.Sprintf("closed after %s", ward.Duration(now.Sub(i.AwareAt).Truncate(time.Minute)))})
	i.Status, i.ClosedAt, i.Updated = ward.IncidentClosed, now, now
	return next, changes, ward.CheckIncident(i, m)
}

// ApplyLessons makes the changes of the model that lessons call for: a
// risk decision added to its decisions, a control added to an asset (or
// to the organisation when no asset is named). It returns a copy of the
// model with them (the model itself when no lesson changes it) and a line
// for each change. The changed model is validated.
func ApplyLessons(m *ward.Model, lessons []ward.Lesson, by string, now time.Time) (*ward.Model, []string, error) {
	var changes []string
	var errs []ward.FieldError
	next := *m
	next.Decisions = slices.Clone(m.Decisions)
	next.Assets = slices.Clone(m.Assets)
	next.Organisation.Controls = slices.Clone(m.Organisation.Controls)
	for j, l := range lessons {
		if strings.TrimSpace(l.Text) == "" {
			errs = append(errs, ward.FieldError{Path: fmt.Sprintf("lessons[%d].text", j), Message: "say what the incident taught"})
		}
		if d := l.Decision; d != nil {
			dec := *d
			if dec.Date == "" {
				dec.Date = ward.Date(now.Format(time.DateOnly))
			}
			if dec.By == "" {
				dec.By = by
			}
			if dec.Justification == "" {
				dec.Justification = l.Text
			}
			next.Decisions = append(next.Decisions, dec)
			changes = append(changes, fmt.Sprintf("decision %s on %s for %s: %s", dec.Status, dec.Asset, dec.Threat, dec.Justification))
		}
		if l.Control == "" {
			continue
		}
		if l.Asset == "" {
			if !slices.Contains(next.Organisation.Controls, l.Control) {
				next.Organisation.Controls = append(next.Organisation.Controls, l.Control)
			}
			changes = append(changes, fmt.Sprintf("control %s for the whole organisation", l.Control))
			continue
		}
		k := slices.IndexFunc(next.Assets, func(a ward.Asset) bool { return a.ID == l.Asset })
		if k < 0 {
			errs = append(errs, ward.FieldError{Path: fmt.Sprintf("lessons[%d].asset", j), Message: fmt.Sprintf("no asset %q in the model", l.Asset)})
			continue
		}
		a := next.Assets[k]
		if !slices.Contains(a.Controls, l.Control) {
			a.Controls = append(slices.Clone(a.Controls), l.Control)
			next.Assets[k] = a
		}
		changes = append(changes, fmt.Sprintf("control %s on %s", l.Control, l.Asset))
	}
	if len(errs) > 0 {
		return nil, nil, &ward.ValidationError{Errors: errs}
	}
	if len(changes) == 0 {
		return m, nil, nil
	}
	if err := next.Validate(); err != nil {
		var ve *ward.ValidationError
		if errors.As(err, &ve) {
			for k := range ve.Errors {
				ve.Errors[k].Path = "model: " + ve.Errors[k].Path
			}
		}
		return nil, nil, err
	}
	return &next, changes, nil
}

// View is an incident as the command line and the API show it: the
// register's row, its NIS2 clock, its clinical impact and the advice
// received on it.
type View struct {
	*ward.Incident
	Clock  ward.Clock            `json:"clock"`
	Impact []ward.ServiceImpact  `json:"clinical_impact"`
	Advice []ward.IncidentAdvice `json:"advice"`
}

// ViewOf makes the view of an incident as of now.
func ViewOf(i *ward.Incident, m *ward.Model, now time.Time, advice []ward.IncidentAdvice) View {
	if advice == nil {
		advice = []ward.IncidentAdvice{}
	}
	return View{Incident: i, Clock: i.Clock(now), Impact: i.ClinicalImpact(m, now), Advice: advice}
}

// MarkSent records a report as sent: who, when, to whom.
func MarkSent(i *ward.Incident, r ward.SentReport, now time.Time) error {
	if !slices.Contains(ward.ReportKinds, r.Kind) {
		return &ward.ValidationError{Errors: []ward.FieldError{{Path: "kind", Message: fmt.Sprintf("unknown report %q", r.Kind), Hint: "early-warning, notification, intermediate or final"}}}
	}
	if r.Sent.IsZero() {
		r.Sent = now
	}
	r.Sent = r.Sent.UTC()
	i.Reports = append(i.Reports, r)
	to := ""
	if r.To != "" {
		to = " to " + r.To
	}
	i.Timeline = append(i.Timeline, ward.IncidentEvent{Time: now.UTC(), Kind: "report", By: r.By, Text: fmt.Sprintf("%s sent%s at %s", r.Kind.Title(), to, r.Sent.Format(time.RFC3339))})
	i.Updated = now.UTC()
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
