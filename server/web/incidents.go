package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/incident"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/server/internal/core"
)

// registerIncidentPages adds the dashboard's pages of the same.
func (s *handler) registerIncidentPages() {
	s.Page("GET", "/orgs/{org}/incidents", core.OrgViewer, s.webIncidents)
	s.Page("POST", "/orgs/{org}/incidents", core.OrgAnalyst, s.webOpenIncident)
	s.Page("GET", "/orgs/{org}/incidents/{id}", core.OrgViewer, s.webIncident)
	s.Page("POST", "/orgs/{org}/incidents/{id}", core.OrgAnalyst, s.webUpdateIncident)
	s.Page("POST", "/orgs/{org}/incidents/{id}/close", core.OrgAnalyst, s.webCloseIncident)
	s.Page("POST", "/orgs/{org}/incidents/{id}/evidence", core.OrgAnalyst, s.webAddEvidence)
	s.Page("POST", "/orgs/{org}/incidents/{id}/sent", core.OrgAdmin, s.webReportSent)
	s.Page("POST", "/orgs/{org}/incidents/{id}/send", core.OrgAdmin, s.webSendReport)
	s.Page("GET", "/orgs/{org}/incidents/{id}/reports/{kind}", core.OrgViewer, s.webIncidentReport)
}

type incidentsPage struct {
	Incidents []incident.View
	All       bool
	Types     []string
	Levels    []string
	Assets    []ward.Asset
	Services  []ward.Service
	Errors    modelfile.Errors
	Form      incident.Opening
	Now       time.Time
}

func (s *handler) incidentsPage(r *http.Request, c *core.Call) (*incidentsPage, error) {
	m, _, err := s.Model(r, c.Org)
	if err != nil {
		return nil, err
	}
	all := r.URL.Query().Get("status") == "all"
	list, err := s.Cfg.Store.Incidents(r.Context(), c.Org, ward.IncidentFilter{Open: !all})
	if err != nil {
		return nil, err
	}
	now := s.Cfg.Now()
	p := &incidentsPage{All: all, Types: ward.IncidentTypes, Levels: []string{"low", "medium", "high", "critical"}, Assets: m.Assets, Services: m.Services, Now: now, Form: incident.Opening{Severity: "medium"}}
	for k := range list {
		p.Incidents = append(p.Incidents, incident.ViewOf(&list[k], m, now, nil))
	}
	return p, nil
}

func (s *handler) webIncidents(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	p, err := s.incidentsPage(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "incidents.html", "Incidents", p)
}

// formErrors turns a problem of an incident into the form's list, or
// returns it as it is.
func formErrors(err error) (modelfile.Errors, error) {
	var p *core.Problem
	if errors.As(core.IncidentProblem(err), &p) && len(p.Errors) > 0 {
		for k := range p.Errors {
			p.Errors[k].File = "form"
		}
		return p.Errors, nil
	}
	if errors.As(err, &p) && p.Status == http.StatusConflict {
		return modelfile.Errors{{File: "form", Message: p.Detail}}, nil
	}
	return nil, err
}

// formTime reads a time field of a form ("2026-12-01T09:30", as
// datetime-local sends it, in UTC); empty is zero.
func formTime(r *http.Request, name string) (time.Time, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", time.RFC3339, "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &ward.ValidationError{Errors: []ward.FieldError{{Path: name, Message: fmt.Sprintf("%q is not a time", v), Hint: "2026-12-01T09:30 (UTC)"}}}
}

func formList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.PostForm[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (s *handler) webOpenIncident(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := r.ParseForm(); err != nil {
		return core.Fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	in := incident.Opening{Title: r.PostFormValue("title"), Severity: ward.Level(r.PostFormValue("severity")), Type: r.PostFormValue("type"),
		Description: r.PostFormValue("description"), Assets: formList(r, "asset"), Services: formList(r, "service")}
	at, err := formTime(r, "aware_at")
	if err == nil {
		in.AwareAt = at
		var i ward.Incident
		if i, err = s.OpenIncident(r, c, in); err == nil {
			http.Redirect(w, r, "/orgs/"+url.PathEscape(c.Org)+"/incidents/"+url.PathEscape(i.ID), http.StatusSeeOther)
			return nil
		}
	}
	errs, err := formErrors(err)
	if err != nil {
		return err
	}
	p, err := s.incidentsPage(r, c)
	if err != nil {
		return err
	}
	p.Errors, p.Form = errs, in
	return s.render(w, r, c, http.StatusUnprocessableEntity, "incidents.html", "Incidents", p)
}

type incidentPage struct {
	incident.View
	Statuses []string
	Levels   []string
	Reports  []ward.ReportKind
	Services []ward.Service
	Assets   []ward.Asset
	Errors   modelfile.Errors
	Saved    string
	// Hub is the CSIRT's TAXII server reports are sent to ("" for none).
	Hub string
}

func (s *handler) incidentPage(r *http.Request, c *core.Call, m *ward.Model, i ward.Incident) (*incidentPage, error) {
	advice, err := s.AdviceOn(r, c.Org, &i)
	if err != nil {
		return nil, err
	}
	return &incidentPage{View: incident.ViewOf(&i, m, s.Cfg.Now(), advice), Statuses: ward.IncidentStatus("").Enum(), Levels: ward.Level("").Enum(),
		Reports: ward.ReportKinds, Services: m.Services, Assets: m.Assets, Saved: r.URL.Query().Get("saved"), Hub: s.hubURL()}, nil
}

func (s *handler) webIncident(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	m, i, err := s.ReadIncident(r, c)
	if err != nil {
		return err
	}
	p, err := s.incidentPage(r, c, m, i)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "incident.html", i.ID, p)
}

func (s *handler) hubURL() string {
	if s.Cfg.Hub == nil {
		return ""
	}
	return s.Cfg.Hub.APIRoot
}

// webChanged answers a form that changed an incident: back to its page,
// or the page again with the form's problems.
func (s *handler) webChanged(w http.ResponseWriter, r *http.Request, c *core.Call, err error, saved string) error {
	if err == nil {
		http.Redirect(w, r, "/orgs/"+url.PathEscape(c.Org)+"/incidents/"+url.PathEscape(r.PathValue("id"))+"?saved="+url.QueryEscape(saved), http.StatusSeeOther)
		return nil
	}
	errs, err := formErrors(err)
	if err != nil {
		return err
	}
	m, i, err := s.ReadIncident(r, c)
	if err != nil {
		return err
	}
	p, err := s.incidentPage(r, c, m, i)
	if err != nil {
		return err
	}
	p.Errors, p.Saved = errs, ""
	return s.render(w, r, c, http.StatusUnprocessableEntity, "incident.html", i.ID, p)
}

// answer reads a yes/no/unknown select: nil for unknown.
func answerField(r *http.Request, name string) *bool {
	switch r.PostFormValue(name) {
	case "yes":
		b := true
		return &b
	case "no":
		b := false
		return &b
	}
	return nil
}

func (s *handler) webUpdateIncident(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := r.ParseForm(); err != nil {
		return core.Fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	ch := incident.Change{SevereDisruption: answerField(r, "severe_disruption"), DamageToOthers: answerField(r, "damage_to_others"),
		SuspectedMalicious: answerField(r, "suspected_malicious"), CrossBorder: answerField(r, "cross_border"),
		Note: strings.TrimSpace(r.PostFormValue("note")), Actions: formList(r, "action"), Restored: formList(r, "restored"), Assets: formList(r, "asset")}
	if v := ward.IncidentStatus(r.PostFormValue("status")); v != "" {
		ch.Status = &v
	}
	if v := ward.Level(r.PostFormValue("severity")); v != "" {
		ch.Severity = &v
	}
	if v := strings.TrimSpace(r.PostFormValue("type")); v != "" {
		ch.Type = &v
	}
	var err error
	if svc := r.PostFormValue("down"); svc != "" {
		var from time.Time
		if from, err = formTime(r, "down_from"); err == nil {
			ch.Outages = []ward.Outage{{Service: svc, From: from}}
		}
	}
	if from := strings.TrimSpace(r.PostFormValue("request_from")); err == nil && from != "" {
		var due time.Time
		if due, err = formTime(r, "request_due"); err == nil {
			ch.Request = &ward.ReportRequest{From: from, Due: due}
		}
	}
	if err == nil {
		_, _, err = s.ChangeIncident(r, c, "incident.update", func(m *ward.Model, i *ward.Incident) (string, error) {
			return incident.Apply(i, m, ch, c.Actor(), s.Cfg.Now())
		})
	}
	return s.webChanged(w, r, c, err, "updated")
}

// webAddEvidence keeps a file as evidence by its SHA-256, name and size
// (the file itself is not stored: it stays with whoever holds it), or a
// log line as it was pasted.
func (s *handler) webAddEvidence(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var ev []ward.Evidence
	f, hdr, err := r.FormFile("file")
	switch {
	case err == nil:
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		name := path.Base(strings.ReplaceAll(hdr.Filename, "\\", "/"))
		ev = append(ev, ward.Evidence{Kind: "file", File: name, SHA256: hex.EncodeToString(h.Sum(nil)), Text: fmt.Sprintf("%s, %d bytes", name, n)})
	case !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart):
		if _, ok := core.AsProblem(err); ok {
			return err // too large
		}
		return core.Fail(http.StatusBadRequest, "malformed upload: %v", err)
	}
	if line := strings.TrimSpace(r.PostFormValue("log")); line != "" {
		ev = append(ev, ward.Evidence{Kind: "log", Text: line, File: strings.TrimSpace(r.PostFormValue("log_file"))})
	}
	if len(ev) == 0 {
		err = &ward.ValidationError{Errors: []ward.FieldError{{Path: "file", Message: "choose a file, or paste a log line"}}}
	} else {
		_, _, err = s.ChangeIncident(r, c, "incident.update", func(m *ward.Model, i *ward.Incident) (string, error) {
			return incident.Apply(i, m, incident.Change{Evidence: ev}, c.Actor(), s.Cfg.Now())
		})
	}
	return s.webChanged(w, r, c, err, "given evidence")
}

func (s *handler) webCloseIncident(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := r.ParseForm(); err != nil {
		return core.Fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	cl := incident.Closing{RootCause: strings.TrimSpace(r.PostFormValue("root_cause"))}
	if text := strings.TrimSpace(r.PostFormValue("lesson")); text != "" || r.PostFormValue("control") != "" {
		cl.Lessons = append(cl.Lessons, ward.Lesson{Text: text, Control: strings.TrimSpace(r.PostFormValue("control")), Asset: r.PostFormValue("control_asset")})
	}
	_, _, _, err := s.CloseIncident(r, c, cl)
	return s.webChanged(w, r, c, err, "closed")
}

func (s *handler) webReportSent(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := r.ParseForm(); err != nil {
		return core.Fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	at, err := formTime(r, "sent")
	if err == nil {
		_, _, err = s.MarkSent(r, c, ward.ReportKind(r.PostFormValue("kind")), core.SentInput{To: r.PostFormValue("to"), Reference: r.PostFormValue("reference"), Sent: at})
	}
	return s.webChanged(w, r, c, err, "report recorded as sent")
}

func (s *handler) webSendReport(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := r.ParseForm(); err != nil {
		return core.Fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	_, _, st, err := s.SendReport(r, c, ward.ReportKind(r.PostFormValue("kind")), core.SendInput{TLP: r.PostFormValue("tlp"), NameAssets: r.PostFormValue("name_assets") == "yes"})
	return s.webChanged(w, r, c, err, fmt.Sprintf("sent to the CSIRT (%d object(s) taken, %d refused)", st.SuccessCount, st.FailureCount))
}

func (s *handler) webIncidentReport(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	rep, err := s.ReportOf(r, c)
	if err != nil {
		return err
	}
	return core.WriteReportHTML(w, rep)
}
