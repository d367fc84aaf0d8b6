package core

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/incident"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/share"
)

// IncidentProblem is a problem of an incident: 422 with each field's
// problem, 409 for a change to a closed incident.
func IncidentProblem(err error) error {
	var ve *ward.ValidationError
	if errors.As(err, &ve) {
		errs := modelfile.Errors{}
		for _, fe := range ve.Errors {
			errs = append(errs, modelfile.Error{File: "body", Field: fe.Path, Message: fe.Message, Hint: fe.Hint})
		}
		p := Invalid(errs)
		p.Type = "https://ward.example/problems/invalid-incident"
		p.Detail = fmt.Sprintf("the incident has %d problem(s)", len(errs))
		return p
	}
	if errors.Is(err, incident.ErrClosed) {
		return Fail(http.StatusConflict, "%s", err.Error())
	}
	return err
}

// incidentMatch reads If-Match for an incident: the version the client
// read, or -1 when it sent none.
func incidentMatch(r *http.Request) (int64, error) {
	h := r.Header.Get("If-Match")
	if h == "" {
		return -1, nil
	}
	v, err := strconv.ParseInt(strings.TrimPrefix(strings.Trim(strings.TrimSpace(h), `"`), "v"), 10, 64)
	if err != nil || v < 1 {
		return 0, Fail(http.StatusBadRequest, "If-Match %q: send the ETag of the incident as read", h)
	}
	return v, nil
}

// ReadIncident reads the organisation's model and the incident of the
// path.
func (s *Server) ReadIncident(r *http.Request, c *Call) (*ward.Model, ward.Incident, error) {
	m, _, err := s.Model(r, c.Org)
	if err != nil {
		return nil, ward.Incident{}, err
	}
	id := r.PathValue("id")
	i, err := s.Cfg.Store.Incident(r.Context(), c.Org, id)
	if errors.Is(err, ward.ErrNotFound) {
		return nil, i, Fail(http.StatusNotFound, "incident %q: not in the register of %s", id, c.Org)
	}
	return m, i, err
}

// ChangeIncident reads the incident, applies fn, and stores it at the
// version read (or that If-Match names), audited as action with the
// detail fn returns; fn returning "" changes nothing.
func (s *Server) ChangeIncident(r *http.Request, c *Call, action string, fn func(m *ward.Model, i *ward.Incident) (string, error)) (*ward.Model, ward.Incident, error) {
	return s.changeIncidentAndModel(r, c, action, func(m *ward.Model, i *ward.Incident) (string, *ward.Model, []ward.AuditEntry, error) {
		detail, err := fn(m, i)
		return detail, nil, nil, err
	})
}

// changeIncidentAndModel is changeIncident for a change that may change
// the model too: fn returns the changed model (nil for none) and the
// audit entries of its changes, stored with the incident in one
// transaction.
func (s *Server) changeIncidentAndModel(r *http.Request, c *Call, action string, fn func(m *ward.Model, i *ward.Incident) (string, *ward.Model, []ward.AuditEntry, error)) (*ward.Model, ward.Incident, error) {
	want, err := incidentMatch(r)
	if err != nil {
		return nil, ward.Incident{}, err
	}
	m, i, err := s.ReadIncident(r, c)
	if err != nil {
		return nil, i, err
	}
	if want >= 0 && want != i.Version {
		return nil, i, fmt.Errorf("incident %s at version %d, not %d: %w", i.ID, i.Version, want, ward.ErrConflict)
	}
	version := i.Version
	detail, next, entries, err := fn(m, &i)
	if err != nil {
		return nil, i, IncidentProblem(err)
	}
	switch {
	case detail == "":
		return m, i, nil
	case next != nil:
		rev, err := s.Cfg.Store.Revision(r.Context(), c.Org)
		if err != nil {
			return nil, i, err
		}
		ctx := ward.WithAudit(ward.WithIncident(r.Context(), i, version), append(entries, s.entry(c, action, i.ID, detail))...)
		if err := s.Cfg.Store.PutModelAt(ctx, next, rev); err != nil {
			return nil, i, err
		}
		s.reshare(ctx, next, rev+1)
		m = next
	default:
		if err := s.Cfg.Store.PutIncident(s.Audited(r.Context(), c, action, i.ID, detail), i, version); err != nil {
			return nil, i, err
		}
	}
	i.Version = version + 1
	return m, i, nil
}

// Actor is who acts, in an incident's timeline.
func (c *Call) Actor() string {
	if c.Token != nil {
		return c.User.Name + " (token " + c.Token.Name + ")"
	}
	return c.User.Name
}

// AdviceOn reads the advice the organisation's collections hold on an
// incident it shared.
func (s *Server) AdviceOn(r *http.Request, org string, i *ward.Incident) ([]ward.IncidentAdvice, error) {
	var ids []string
	for _, sh := range i.Shared {
		ids = append(ids, sh.STIX)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	objs, err := share.Readable(r.Context(), s.Cfg.Store, org, share.AdviceTypes)
	if err != nil {
		return nil, err
	}
	var out []ward.IncidentAdvice
	for _, a := range share.AdviceOn(objs, ids) {
		out = append(out, a...)
	}
	return out, nil
}

// OpenIncident opens and stores an incident, audited.
func (s *Server) OpenIncident(r *http.Request, c *Call, in incident.Opening) (ward.Incident, error) {
	m, _, err := s.Model(r, c.Org)
	if err != nil {
		return ward.Incident{}, err
	}
	i, err := incident.Open(m, in, c.Actor(), s.Cfg.Now())
	if err != nil {
		return i, IncidentProblem(err)
	}
	if err := s.Cfg.Store.PutIncident(s.Audited(r.Context(), c, "incident.open", i.ID, fmt.Sprintf("%s, %s: %s", i.Severity, i.Status, i.Title)), i, 0); err != nil {
		return i, err
	}
	i.Version = 1
	return i, nil
}

// CloseIncident closes the incident of the path, with the changes of the
// model its lessons call for, each its own audit entry, in one
// transaction.
func (s *Server) CloseIncident(r *http.Request, c *Call, cl incident.Closing) (*ward.Model, ward.Incident, []string, error) {
	var changes []string
	m, i, err := s.changeIncidentAndModel(r, c, "incident.close", func(m *ward.Model, i *ward.Incident) (string, *ward.Model, []ward.AuditEntry, error) {
		next, ch, err := incident.Close(i, m, cl, c.Actor(), s.Cfg.Now())
		if err != nil {
			var ve *ward.ValidationError
			if !errors.As(err, &ve) {
				return "", nil, nil, Fail(http.StatusConflict, "%s", err.Error())
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

// ReportOf builds the report of the path's kind.
func (s *Server) ReportOf(r *http.Request, c *Call) (incident.Report, error) {
	m, i, err := s.ReadIncident(r, c)
	if err != nil {
		return incident.Report{}, err
	}
	kind := ward.ReportKind(r.PathValue("kind"))
	if !slices.Contains(ward.ReportKinds, kind) {
		return incident.Report{}, Fail(http.StatusNotFound, "report %q: early-warning, notification, intermediate or final", kind)
	}
	return incident.Build(kind, &i, m, s.Cfg.Now(), incident.Options{NameAssets: r.URL.Query().Get("name_assets") == "true"})
}

// WriteReportHTML sends a report as its printable page, with a CSP that
// allows its one inline style sheet and nothing else.
func WriteReportHTML(w http.ResponseWriter, rep incident.Report) error {
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

// SentInput is what recording a report as sent takes.
type SentInput struct {
	To        string    `json:"to"`
	Reference string    `json:"reference"`
	Sent      time.Time `json:"sent"`
}

func (s *Server) MarkSent(r *http.Request, c *Call, kind ward.ReportKind, in SentInput) (*ward.Model, ward.Incident, error) {
	return s.ChangeIncident(r, c, "incident.report.sent", func(m *ward.Model, i *ward.Incident) (string, error) {
		if err := incident.MarkSent(i, ward.SentReport{Kind: kind, Sent: in.Sent, By: c.Actor(), To: in.To, Reference: in.Reference}, s.Cfg.Now()); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s sent by %s to %s", kind, c.Actor(), cmp.Or(in.To, "-")), nil
	})
}

// SendInput is what sending a report to the hub takes.
type SendInput struct {
	TLP        string `json:"tlp"`
	NameAssets bool   `json:"name_assets"`
	NamedOrg   bool   `json:"named_org"`
}

// SendReport sends a report of the incident to the configured hub,
// records it on the incident and in the audit log (a failed push too:
// what was offered is on the record).
func (s *Server) SendReport(r *http.Request, c *Call, kind ward.ReportKind, in SendInput) (*ward.Model, ward.Incident, share.Status, error) {
	var st share.Status
	if s.Cfg.Hub == nil {
		return nil, ward.Incident{}, st, Fail(http.StatusConflict, "this server sends to no hub: start it with --hub URL --hub-collection ID, or use 'ward incident send'")
	}
	if !slices.Contains(ward.ReportKinds, kind) {
		return nil, ward.Incident{}, st, Fail(http.StatusNotFound, "report %q: early-warning, notification, intermediate or final", kind)
	}
	level, err := share.ParseTLP(cmp.Or(in.TLP, "amber"))
	if err != nil || level == share.Red || level == share.AmberStrict {
		return nil, ward.Incident{}, st, IncidentProblem(&ward.ValidationError{Errors: []ward.FieldError{{Path: "tlp", Message: fmt.Sprintf("%q: clear, green or amber", in.TLP),
			Hint: "RED and AMBER+STRICT do not leave the organisation"}}})
	}
	m, i, err := s.ChangeIncident(r, c, "incident.send", func(m *ward.Model, i *ward.Incident) (string, error) {
		var n int
		var err error
		st, n, err = share.SendIncident(r.Context(), s.Cfg.Store, i, m, share.Sending{Client: s.Cfg.Hub, Collection: s.Cfg.HubCollection, Report: kind, TLP: level,
			NameAssets: in.NameAssets, NamedOrg: in.NamedOrg, By: c.Actor()}, s.Cfg.Now())
		detail := fmt.Sprintf("%s: %d object(s) offered to %s, TLP:%s", kind, n, s.Cfg.Hub.APIRoot, strings.ToUpper(string(level)))
		if err != nil {
			if aerr := s.Audit(r.Context(), c, "incident.send", i.ID, detail+"; failed: "+err.Error()); aerr != nil {
				return "", aerr
			}
			return "", Fail(http.StatusBadGateway, "the hub did not take it: %v", err)
		}
		return fmt.Sprintf("%s; %d taken, %d refused", detail, st.SuccessCount, st.FailureCount), nil
	})
	return m, i, st, err
}

// SectorIncidents is the hub's view of the incidents reported to it.
func (s *Server) SectorIncidents(r *http.Request, c *Call) (share.IncidentSector, error) {
	objs, err := s.shared(r, c, append([]string{"incident"}, share.AdviceTypes...))
	if err != nil {
		return share.IncidentSector{}, err
	}
	return share.SectorIncidents(objs, s.Cfg.MinGroup), nil
}
