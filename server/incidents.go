package server

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/incident"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/share"
)

// registerIncidents adds the incident register's API routes and pages:
// analysts open and change incidents, admins record reports as sent and
// take what goes to the CSIRT, the hub sees the sector's incidents.
func (s *Server) registerIncidents() {
	s.handle("GET", "/api/v1/orgs/{org}/incidents", orgViewer, s.apiIncidents)
	s.handle("POST", "/api/v1/orgs/{org}/incidents", orgAnalyst, s.apiOpenIncident)
	s.handle("GET", "/api/v1/orgs/{org}/incidents/{id}", orgViewer, s.apiIncident)
	s.handle("PATCH", "/api/v1/orgs/{org}/incidents/{id}", orgAnalyst, s.apiUpdateIncident)
	s.handle("POST", "/api/v1/orgs/{org}/incidents/{id}/close", orgAnalyst, s.apiCloseIncident)
	s.handle("GET", "/api/v1/orgs/{org}/incidents/{id}/reports/{kind}", orgViewer, s.apiIncidentReport)
	s.handle("POST", "/api/v1/orgs/{org}/incidents/{id}/reports/{kind}/sent", orgAdmin, s.apiReportSent)
	s.handle("POST", "/api/v1/orgs/{org}/incidents/{id}/reports/{kind}/send", orgAdmin, s.apiSendReport)
	s.handle("GET", "/api/v1/orgs/{org}/incidents/{id}/stix", orgAdmin, s.apiIncidentSTIX)
	s.handle("GET", "/api/v1/sector/incidents", sectorReader, s.apiSectorIncidents)

	s.page("GET", "/orgs/{org}/incidents", orgViewer, s.webIncidents)
	s.page("POST", "/orgs/{org}/incidents", orgAnalyst, s.webOpenIncident)
	s.page("GET", "/orgs/{org}/incidents/{id}", orgViewer, s.webIncident)
	s.page("POST", "/orgs/{org}/incidents/{id}", orgAnalyst, s.webUpdateIncident)
	s.page("POST", "/orgs/{org}/incidents/{id}/close", orgAnalyst, s.webCloseIncident)
	s.page("POST", "/orgs/{org}/incidents/{id}/evidence", orgAnalyst, s.webAddEvidence)
	s.page("POST", "/orgs/{org}/incidents/{id}/sent", orgAdmin, s.webReportSent)
	s.page("POST", "/orgs/{org}/incidents/{id}/send", orgAdmin, s.webSendReport)
	s.page("GET", "/orgs/{org}/incidents/{id}/reports/{kind}", orgViewer, s.webIncidentReport)
}

// incidentProblem is a problem of an incident: 422 with each field's
// problem, 409 for a change to a closed incident.
func incidentProblem(err error) error {
	var ve *ward.ValidationError
	if errors.As(err, &ve) {
		errs := modelfile.Errors{}
		for _, fe := range ve.Errors {
			errs = append(errs, modelfile.Error{File: "body", Field: fe.Path, Message: fe.Message, Hint: fe.Hint})
		}
		p := invalid(errs)
		p.Type = "https://ward.example/problems/invalid-incident"
		p.Detail = fmt.Sprintf("the incident has %d problem(s)", len(errs))
		return p
	}
	if errors.Is(err, incident.ErrClosed) {
		return fail(http.StatusConflict, "%s", err.Error())
	}
	return err
}

func incidentTag(version int64) string { return fmt.Sprintf(`"v%d"`, version) }

// incidentMatch reads If-Match for an incident: the version the client
// read, or -1 when it sent none.
func incidentMatch(r *http.Request) (int64, error) {
	h := r.Header.Get("If-Match")
	if h == "" {
		return -1, nil
	}
	v, err := strconv.ParseInt(strings.TrimPrefix(strings.Trim(strings.TrimSpace(h), `"`), "v"), 10, 64)
	if err != nil || v < 1 {
		return 0, fail(http.StatusBadRequest, "If-Match %q: send the ETag of the incident as read", h)
	}
	return v, nil
}

// readIncident reads the organisation's model and the incident of the
// path.
func (s *Server) readIncident(r *http.Request, c *call) (*ward.Model, ward.Incident, error) {
	m, _, err := s.model(r, c.org)
	if err != nil {
		return nil, ward.Incident{}, err
	}
	id := r.PathValue("id")
	i, err := s.cfg.Store.Incident(r.Context(), c.org, id)
	if errors.Is(err, ward.ErrNotFound) {
		return nil, i, fail(http.StatusNotFound, "incident %q: not in the register of %s", id, c.org)
	}
	return m, i, err
}

// changeIncident reads the incident, applies fn, and stores it at the
// version read (or that If-Match names), audited as action with the
// detail fn returns; fn returning "" changes nothing.
func (s *Server) changeIncident(r *http.Request, c *call, action string, fn func(m *ward.Model, i *ward.Incident) (string, error)) (*ward.Model, ward.Incident, error) {
	return s.changeIncidentAndModel(r, c, action, func(m *ward.Model, i *ward.Incident) (string, *ward.Model, []ward.AuditEntry, error) {
		detail, err := fn(m, i)
		return detail, nil, nil, err
	})
}

// changeIncidentAndModel is changeIncident for a change that may change
// the model too: fn returns the changed model (nil for none) and the
// audit entries of its changes, stored with the incident in one
// transaction.
func (s *Server) changeIncidentAndModel(r *http.Request, c *call, action string, fn func(m *ward.Model, i *ward.Incident) (string, *ward.Model, []ward.AuditEntry, error)) (*ward.Model, ward.Incident, error) {
	want, err := incidentMatch(r)
	if err != nil {
		return nil, ward.Incident{}, err
	}
	m, i, err := s.readIncident(r, c)
	if err != nil {
		return nil, i, err
	}
	if want >= 0 && want != i.Version {
		return nil, i, fmt.Errorf("incident %s at version %d, not %d: %w", i.ID, i.Version, want, ward.ErrConflict)
	}
	version := i.Version
	detail, next, entries, err := fn(m, &i)
	if err != nil {
		return nil, i, incidentProblem(err)
	}
	switch {
	case detail == "":
		return m, i, nil
	case next != nil:
		rev, err := s.cfg.Store.Revision(r.Context(), c.org)
		if err != nil {
			return nil, i, err
		}
		ctx := ward.WithAudit(ward.WithIncident(r.Context(), i, version), append(entries, s.entry(c, action, i.ID, detail))...)
		if err := s.cfg.Store.PutModelAt(ctx, next, rev); err != nil {
			return nil, i, err
		}
		s.reshare(ctx, next, rev+1)
		m = next
	default:
		if err := s.cfg.Store.PutIncident(s.audited(r.Context(), c, action, i.ID, detail), i, version); err != nil {
			return nil, i, err
		}
	}
	i.Version = version + 1
	return m, i, nil
}

// actor is who acts, in an incident's timeline.
func (c *call) actor() string {
	if c.token != nil {
		return c.user.Name + " (token " + c.token.Name + ")"
	}
	return c.user.Name
}

// adviceOn reads the advice the organisation's collections hold on an
// incident it shared.
func (s *Server) adviceOn(r *http.Request, org string, i *ward.Incident) ([]ward.IncidentAdvice, error) {
	var ids []string
	for _, sh := range i.Shared {
		ids = append(ids, sh.STIX)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	objs, err := share.Readable(r.Context(), s.cfg.Store, org, share.AdviceTypes)
	if err != nil {
		return nil, err
	}
	var out []ward.IncidentAdvice
	for _, a := range share.AdviceOn(objs, ids) {
		out = append(out, a...)
	}
	return out, nil
}

// incidentFilter reads ?status=open (default), all, or a status.
func incidentFilter(r *http.Request) (ward.IncidentFilter, error) {
	switch v := r.URL.Query().Get("status"); v {
	case "", "open":
		return ward.IncidentFilter{Open: true}, nil
	case "all":
		return ward.IncidentFilter{}, nil
	default:
		st := ward.IncidentStatus(v)
		if !slices.Contains(st.Enum(), v) {
			return ward.IncidentFilter{}, fail(http.StatusBadRequest, "status %q: open, all, or one of %s", v, strings.Join(st.Enum(), ", "))
		}
		return ward.IncidentFilter{Status: st}, nil
	}
}

func (s *Server) apiIncidents(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := incidentFilter(r)
	if err != nil {
		return err
	}
	f.Asset = r.URL.Query().Get("asset")
	m, _, err := s.model(r, c.org)
	if err != nil {
		return err
	}
	list, err := s.cfg.Store.Incidents(r.Context(), c.org, f)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	views := make([]incident.View, len(list))
	for k := range list {
		views[k] = incident.ViewOf(&list[k], m, now, nil)
	}
	p, err := paginate(r, views)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiOpenIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	var in incident.Opening
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	i, err := s.openIncident(r, c, in)
	if err != nil {
		return err
	}
	m, _, err := s.model(r, c.org)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+c.org+"/incidents/"+i.ID)
	w.Header().Set("ETag", incidentTag(i.Version))
	writeJSON(w, http.StatusCreated, incident.ViewOf(&i, m, s.cfg.Now(), nil))
	return nil
}

// openIncident opens and stores an incident, audited.
func (s *Server) openIncident(r *http.Request, c *call, in incident.Opening) (ward.Incident, error) {
	m, _, err := s.model(r, c.org)
	if err != nil {
		return ward.Incident{}, err
	}
	i, err := incident.Open(m, in, c.actor(), s.cfg.Now())
	if err != nil {
		return i, incidentProblem(err)
	}
	if err := s.cfg.Store.PutIncident(s.audited(r.Context(), c, "incident.open", i.ID, fmt.Sprintf("%s, %s: %s", i.Severity, i.Status, i.Title)), i, 0); err != nil {
		return i, err
	}
	i.Version = 1
	return i, nil
}

func (s *Server) apiIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	m, i, err := s.readIncident(r, c)
	if err != nil {
		return err
	}
	advice, err := s.adviceOn(r, c.org, &i)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	writeJSON(w, http.StatusOK, incident.ViewOf(&i, m, s.cfg.Now(), advice))
	return nil
}

func (s *Server) apiUpdateIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	var ch incident.Change
	if err := decodeJSON(r, &ch); err != nil {
		return err
	}
	m, i, err := s.changeIncident(r, c, "incident.update", func(m *ward.Model, i *ward.Incident) (string, error) {
		return incident.Apply(i, m, ch, c.actor(), s.cfg.Now())
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	writeJSON(w, http.StatusOK, incident.ViewOf(&i, m, s.cfg.Now(), nil))
	return nil
}

// closeIncident closes the incident of the path, with the changes of the
// model its lessons call for, each its own audit entry, in one
// transaction.
func (s *Server) closeIncident(r *http.Request, c *call, cl incident.Closing) (*ward.Model, ward.Incident, []string, error) {
	var changes []string
	m, i, err := s.changeIncidentAndModel(r, c, "incident.close", func(m *ward.Model, i *ward.Incident) (string, *ward.Model, []ward.AuditEntry, error) {
		next, ch, err := incident.Close(i, m, cl, c.actor(), s.cfg.Now())
		if err != nil {
			var ve *ward.ValidationError
			if !errors.As(err, &ve) {
				return "", nil, nil, fail(http.StatusConflict, "%s", err.Error())
			}
			return "", nil, nil, err
		}
		changes = ch
		detail := fmt.Sprintf("%d lesson(s), %d change(s) of the model", len(cl.Lessons), len(ch))
		if len(ch) == 0 {
			return detail, nil, nil, nil
		}
		entries := make([]ward.AuditEntry, len(ch))
		for k, line := range ch {
			entries[k] = s.entry(c, "model.lesson", i.ID, line)
		}
		return detail, next, entries, nil
	})
	return m, i, changes, err
}

func (s *Server) apiCloseIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	var cl incident.Closing
	if err := decodeJSON(r, &cl); err != nil {
		return err
	}
	m, i, changes, err := s.closeIncident(r, c, cl)
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []string{}
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	writeJSON(w, http.StatusOK, map[string]any{"incident": incident.ViewOf(&i, m, s.cfg.Now(), nil), "model_changes": changes})
	return nil
}

// reportOf builds the report of the path's kind.
func (s *Server) reportOf(r *http.Request, c *call) (incident.Report, error) {
	m, i, err := s.readIncident(r, c)
	if err != nil {
		return incident.Report{}, err
	}
	kind := ward.ReportKind(r.PathValue("kind"))
	if !slices.Contains(ward.ReportKinds, kind) {
		return incident.Report{}, fail(http.StatusNotFound, "report %q: early-warning, notification, intermediate or final", kind)
	}
	return incident.Build(kind, &i, m, s.cfg.Now(), incident.Options{NameAssets: r.URL.Query().Get("name_assets") == "true"})
}

// writeReportHTML sends a report as its printable page, with a CSP that
// allows its one inline style sheet and nothing else.
func writeReportHTML(w http.ResponseWriter, rep incident.Report) error {
	var b bytes.Buffer
	if err := incident.WriteHTML(&b, rep); err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src "+incident.StyleHash()+"; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
	return nil
}

func (s *Server) apiIncidentReport(w http.ResponseWriter, r *http.Request, c *call) error {
	rep, err := s.reportOf(r, c)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, rep)
		return nil
	case "html":
		return writeReportHTML(w, rep)
	}
	return fail(http.StatusBadRequest, "format %q: json or html", r.URL.Query().Get("format"))
}

// sentInput is what recording a report as sent takes.
type sentInput struct {
	To        string    `json:"to"`
	Reference string    `json:"reference"`
	Sent      time.Time `json:"sent"`
}

func (s *Server) markSent(r *http.Request, c *call, kind ward.ReportKind, in sentInput) (*ward.Model, ward.Incident, error) {
	return s.changeIncident(r, c, "incident.report.sent", func(m *ward.Model, i *ward.Incident) (string, error) {
		if err := incident.MarkSent(i, ward.SentReport{Kind: kind, Sent: in.Sent, By: c.actor(), To: in.To, Reference: in.Reference}, s.cfg.Now()); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s sent by %s to %s", kind, c.actor(), cmp.Or(in.To, "-")), nil
	})
}

func (s *Server) apiReportSent(w http.ResponseWriter, r *http.Request, c *call) error {
	var in sentInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, i, err := s.markSent(r, c, ward.ReportKind(r.PathValue("kind")), in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	writeJSON(w, http.StatusOK, incident.ViewOf(&i, m, s.cfg.Now(), nil))
	return nil
}

// sendInput is what sending a report to the hub takes.
type sendInput struct {
	TLP        string `json:"tlp"`
	NameAssets bool   `json:"name_assets"`
	NamedOrg   bool   `json:"named_org"`
}

// sendReport sends a report of the incident to the configured hub,
// records it on the incident and in the audit log (a failed push too:
// what was offered is on the record).
func (s *Server) sendReport(r *http.Request, c *call, kind ward.ReportKind, in sendInput) (*ward.Model, ward.Incident, share.Status, error) {
	var st share.Status
	if s.cfg.Hub == nil {
		return nil, ward.Incident{}, st, fail(http.StatusConflict, "this server sends to no hub: start it with --hub URL --hub-collection ID, or use 'ward incident send'")
	}
	if !slices.Contains(ward.ReportKinds, kind) {
		return nil, ward.Incident{}, st, fail(http.StatusNotFound, "report %q: early-warning, notification, intermediate or final", kind)
	}
	level, err := share.ParseTLP(cmp.Or(in.TLP, "amber"))
	if err != nil || level == share.Red || level == share.AmberStrict {
		return nil, ward.Incident{}, st, incidentProblem(&ward.ValidationError{Errors: []ward.FieldError{{Path: "tlp", Message: fmt.Sprintf("%q: clear, green or amber", in.TLP),
			Hint: "RED and AMBER+STRICT do not leave the organisation"}}})
	}
	m, i, err := s.changeIncident(r, c, "incident.send", func(m *ward.Model, i *ward.Incident) (string, error) {
		var n int
		var err error
		st, n, err = share.SendIncident(r.Context(), s.cfg.Store, i, m, share.Sending{Client: s.cfg.Hub, Collection: s.cfg.HubCollection, Report: kind, TLP: level,
			NameAssets: in.NameAssets, NamedOrg: in.NamedOrg, By: c.actor()}, s.cfg.Now())
		detail := fmt.Sprintf("%s: %d object(s) offered to %s, TLP:%s", kind, n, s.cfg.Hub.APIRoot, strings.ToUpper(string(level)))
		if err != nil {
			if aerr := s.audit(r.Context(), c, "incident.send", i.ID, detail+"; failed: "+err.Error()); aerr != nil {
				return "", aerr
			}
			return "", fail(http.StatusBadGateway, "the hub did not take it: %v", err)
		}
		return fmt.Sprintf("%s; %d taken, %d refused", detail, st.SuccessCount, st.FailureCount), nil
	})
	return m, i, st, err
}

func (s *Server) apiSendReport(w http.ResponseWriter, r *http.Request, c *call) error {
	var in sendInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, i, st, err := s.sendReport(r, c, ward.ReportKind(r.PathValue("kind")), in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	writeJSON(w, http.StatusOK, map[string]any{"incident": incident.ViewOf(&i, m, s.cfg.Now(), nil), "status": st})
	return nil
}

// apiIncidentSTIX is the bundle 'ward incident send' would send: the
// report asked for (?report=, default the next one due) at ?tlp=
// (default amber), anonymised.
func (s *Server) apiIncidentSTIX(w http.ResponseWriter, r *http.Request, c *call) error {
	m, i, err := s.readIncident(r, c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	now := s.cfg.Now()
	kind := ward.ReportKind(q.Get("report"))
	if kind == "" {
		kind = cmp.Or(i.Clock(now).Next, ward.IntermediateReport)
	}
	if !slices.Contains(ward.ReportKinds, kind) {
		return fail(http.StatusBadRequest, "report %q: early-warning, notification, intermediate or final", kind)
	}
	level, err := share.ParseTLP(cmp.Or(q.Get("tlp"), "amber"))
	if err != nil || level == share.Red || level == share.AmberStrict {
		return fail(http.StatusBadRequest, "tlp %q: clear, green or amber (RED and AMBER+STRICT do not leave the organisation)", q.Get("tlp"))
	}
	named := q.Get("name_assets") == "true"
	key, err := share.PseudonymKey(r.Context(), s.cfg.Store)
	if err != nil {
		return err
	}
	identity := share.Identity(m.Organisation, key, false, now)
	share.Mark(&identity, share.Green)
	objs, err := share.IncidentObjects(&i, m, identity, share.IncidentOptions{Report: kind, TLP: level, NameAssets: named}, now)
	if err != nil {
		return err
	}
	objs, _, err = share.OutgoingIncident(append([]share.Object{identity}, objs...), m, &i, named, share.DefaultPolicy)
	if err != nil {
		return fail(http.StatusUnprocessableEntity, "%s", err.Error())
	}
	// What is taken to leave the hospital is on the record.
	if err := s.audit(r.Context(), c, "incident.export", i.ID, fmt.Sprintf("%s as STIX, TLP:%s, %d object(s)", kind, strings.ToUpper(string(level)), len(objs))); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, share.NewBundle(objs))
	return nil
}

// sectorIncidents is the hub's view of the incidents reported to it.
func (s *Server) sectorIncidents(r *http.Request, c *call) (share.IncidentSector, error) {
	objs, err := s.shared(r, c, append([]string{"incident"}, share.AdviceTypes...))
	if err != nil {
		return share.IncidentSector{}, err
	}
	return share.SectorIncidents(objs, s.cfg.MinGroup), nil
}

func (s *Server) apiSectorIncidents(w http.ResponseWriter, r *http.Request, c *call) error {
	sec, err := s.sectorIncidents(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sec)
	return nil
}

// The dashboard's pages.

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

func (s *Server) incidentsPage(r *http.Request, c *call) (*incidentsPage, error) {
	m, _, err := s.model(r, c.org)
	if err != nil {
		return nil, err
	}
	all := r.URL.Query().Get("status") == "all"
	list, err := s.cfg.Store.Incidents(r.Context(), c.org, ward.IncidentFilter{Open: !all})
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	p := &incidentsPage{All: all, Types: ward.IncidentTypes, Levels: []string{"low", "medium", "high", "critical"}, Assets: m.Assets, Services: m.Services, Now: now, Form: incident.Opening{Severity: "medium"}}
	for k := range list {
		p.Incidents = append(p.Incidents, incident.ViewOf(&list[k], m, now, nil))
	}
	return p, nil
}

func (s *Server) webIncidents(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.incidentsPage(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "incidents.html", "Incidents", p)
}

// formErrors turns a problem of an incident into the form's list, or
// returns it as it is.
func formErrors(err error) (modelfile.Errors, error) {
	var p *problem
	if errors.As(incidentProblem(err), &p) && len(p.Errors) > 0 {
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

func (s *Server) webOpenIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := r.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	in := incident.Opening{Title: r.PostFormValue("title"), Severity: ward.Level(r.PostFormValue("severity")), Type: r.PostFormValue("type"),
		Description: r.PostFormValue("description"), Assets: formList(r, "asset"), Services: formList(r, "service")}
	at, err := formTime(r, "aware_at")
	if err == nil {
		in.AwareAt = at
		var i ward.Incident
		if i, err = s.openIncident(r, c, in); err == nil {
			http.Redirect(w, r, "/orgs/"+url.PathEscape(c.org)+"/incidents/"+url.PathEscape(i.ID), http.StatusSeeOther)
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

func (s *Server) incidentPage(r *http.Request, c *call, m *ward.Model, i ward.Incident) (*incidentPage, error) {
	advice, err := s.adviceOn(r, c.org, &i)
	if err != nil {
		return nil, err
	}
	return &incidentPage{View: incident.ViewOf(&i, m, s.cfg.Now(), advice), Statuses: ward.IncidentStatus("").Enum(), Levels: ward.Level("").Enum(),
		Reports: ward.ReportKinds, Services: m.Services, Assets: m.Assets, Saved: r.URL.Query().Get("saved"), Hub: s.hubURL()}, nil
}

func (s *Server) webIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	m, i, err := s.readIncident(r, c)
	if err != nil {
		return err
	}
	p, err := s.incidentPage(r, c, m, i)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "incident.html", i.ID, p)
}

func (s *Server) hubURL() string {
	if s.cfg.Hub == nil {
		return ""
	}
	return s.cfg.Hub.APIRoot
}

// webChanged answers a form that changed an incident: back to its page,
// or the page again with the form's problems.
func (s *Server) webChanged(w http.ResponseWriter, r *http.Request, c *call, err error, saved string) error {
	if err == nil {
		http.Redirect(w, r, "/orgs/"+url.PathEscape(c.org)+"/incidents/"+url.PathEscape(r.PathValue("id"))+"?saved="+url.QueryEscape(saved), http.StatusSeeOther)
		return nil
	}
	errs, err := formErrors(err)
	if err != nil {
		return err
	}
	m, i, err := s.readIncident(r, c)
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

func (s *Server) webUpdateIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := r.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "malformed form: %v", err)
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
		_, _, err = s.changeIncident(r, c, "incident.update", func(m *ward.Model, i *ward.Incident) (string, error) {
			return incident.Apply(i, m, ch, c.actor(), s.cfg.Now())
		})
	}
	return s.webChanged(w, r, c, err, "updated")
}

// webAddEvidence keeps a file as evidence by its SHA-256, name and size
// (the file itself is not stored: it stays with whoever holds it), or a
// log line as it was pasted.
func (s *Server) webAddEvidence(w http.ResponseWriter, r *http.Request, c *call) error {
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
		if _, ok := asProblem(err); ok {
			return err // too large
		}
		return fail(http.StatusBadRequest, "malformed upload: %v", err)
	}
	if line := strings.TrimSpace(r.PostFormValue("log")); line != "" {
		ev = append(ev, ward.Evidence{Kind: "log", Text: line, File: strings.TrimSpace(r.PostFormValue("log_file"))})
	}
	if len(ev) == 0 {
		err = &ward.ValidationError{Errors: []ward.FieldError{{Path: "file", Message: "choose a file, or paste a log line"}}}
	} else {
		_, _, err = s.changeIncident(r, c, "incident.update", func(m *ward.Model, i *ward.Incident) (string, error) {
			return incident.Apply(i, m, incident.Change{Evidence: ev}, c.actor(), s.cfg.Now())
		})
	}
	return s.webChanged(w, r, c, err, "given evidence")
}

func (s *Server) webCloseIncident(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := r.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	cl := incident.Closing{RootCause: strings.TrimSpace(r.PostFormValue("root_cause"))}
	if text := strings.TrimSpace(r.PostFormValue("lesson")); text != "" || r.PostFormValue("control") != "" {
		cl.Lessons = append(cl.Lessons, ward.Lesson{Text: text, Control: strings.TrimSpace(r.PostFormValue("control")), Asset: r.PostFormValue("control_asset")})
	}
	_, _, _, err := s.closeIncident(r, c, cl)
	return s.webChanged(w, r, c, err, "closed")
}

func (s *Server) webReportSent(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := r.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	at, err := formTime(r, "sent")
	if err == nil {
		_, _, err = s.markSent(r, c, ward.ReportKind(r.PostFormValue("kind")), sentInput{To: r.PostFormValue("to"), Reference: r.PostFormValue("reference"), Sent: at})
	}
	return s.webChanged(w, r, c, err, "report recorded as sent")
}

func (s *Server) webSendReport(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := r.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	_, _, st, err := s.sendReport(r, c, ward.ReportKind(r.PostFormValue("kind")), sendInput{TLP: r.PostFormValue("tlp"), NameAssets: r.PostFormValue("name_assets") == "yes"})
	return s.webChanged(w, r, c, err, fmt.Sprintf("sent to the CSIRT (%d object(s) taken, %d refused)", st.SuccessCount, st.FailureCount))
}

func (s *Server) webIncidentReport(w http.ResponseWriter, r *http.Request, c *call) error {
	rep, err := s.reportOf(r, c)
	if err != nil {
		return err
	}
	return writeReportHTML(w, rep)
}
