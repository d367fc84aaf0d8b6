package api

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/incident"
	"github.com/wardhealth/ward/server/internal/core"
	"github.com/wardhealth/ward/share"
)

// registerIncidents adds the incident register's API routes and pages:
// analysts open and change incidents, admins record reports as sent and
// take what goes to the CSIRT, the hub sees the sector's incidents.
func (s *handler) registerIncidents() {
	s.Handle("GET", "/api/v1/orgs/{org}/incidents", core.OrgViewer, s.apiIncidents)
	s.Handle("POST", "/api/v1/orgs/{org}/incidents", core.OrgAnalyst, s.apiOpenIncident)
	s.Handle("GET", "/api/v1/orgs/{org}/incidents/{id}", core.OrgViewer, s.apiIncident)
	s.Handle("PATCH", "/api/v1/orgs/{org}/incidents/{id}", core.OrgAnalyst, s.apiUpdateIncident)
	s.Handle("POST", "/api/v1/orgs/{org}/incidents/{id}/close", core.OrgAnalyst, s.apiCloseIncident)
	s.Handle("GET", "/api/v1/orgs/{org}/incidents/{id}/reports/{kind}", core.OrgViewer, s.apiIncidentReport)
	s.Handle("POST", "/api/v1/orgs/{org}/incidents/{id}/reports/{kind}/sent", core.OrgAdmin, s.apiReportSent)
	s.Handle("POST", "/api/v1/orgs/{org}/incidents/{id}/reports/{kind}/send", core.OrgAdmin, s.apiSendReport)
	s.Handle("GET", "/api/v1/orgs/{org}/incidents/{id}/stix", core.OrgAdmin, s.apiIncidentSTIX)
	s.Handle("GET", "/api/v1/sector/incidents", core.SectorReader, s.apiSectorIncidents)

}

func incidentTag(version int64) string { return fmt.Sprintf(`"v%d"`, version) }

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
			return ward.IncidentFilter{}, core.Fail(http.StatusBadRequest, "status %q: open, all, or one of %s", v, strings.Join(st.Enum(), ", "))
		}
		return ward.IncidentFilter{Status: st}, nil
	}
}

func (s *handler) apiIncidents(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	f, err := incidentFilter(r)
	if err != nil {
		return err
	}
	f.Asset = r.URL.Query().Get("asset")
	m, _, err := s.Model(r, c.Org)
	if err != nil {
		return err
	}
	list, err := s.Cfg.Store.Incidents(r.Context(), c.Org, f)
	if err != nil {
		return err
	}
	now := s.Cfg.Now()
	views := make([]incident.View, len(list))
	for k := range list {
		views[k] = incident.ViewOf(&list[k], m, now, nil)
	}
	p, err := core.Paginate(r, views)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *handler) apiOpenIncident(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var in incident.Opening
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	i, err := s.OpenIncident(r, c, in)
	if err != nil {
		return err
	}
	m, _, err := s.Model(r, c.Org)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+c.Org+"/incidents/"+i.ID)
	w.Header().Set("ETag", incidentTag(i.Version))
	core.WriteJSON(w, http.StatusCreated, incident.ViewOf(&i, m, s.Cfg.Now(), nil))
	return nil
}

func (s *handler) apiIncident(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	m, i, err := s.ReadIncident(r, c)
	if err != nil {
		return err
	}
	advice, err := s.AdviceOn(r, c.Org, &i)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	core.WriteJSON(w, http.StatusOK, incident.ViewOf(&i, m, s.Cfg.Now(), advice))
	return nil
}

func (s *handler) apiUpdateIncident(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var ch incident.Change
	if err := core.DecodeJSON(r, &ch); err != nil {
		return err
	}
	m, i, err := s.ChangeIncident(r, c, "incident.update", func(m *ward.Model, i *ward.Incident) (string, error) {
		return incident.Apply(i, m, ch, c.Actor(), s.Cfg.Now())
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	core.WriteJSON(w, http.StatusOK, incident.ViewOf(&i, m, s.Cfg.Now(), nil))
	return nil
}

func (s *handler) apiCloseIncident(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var cl incident.Closing
	if err := core.DecodeJSON(r, &cl); err != nil {
		return err
	}
	m, i, changes, err := s.CloseIncident(r, c, cl)
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []string{}
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	core.WriteJSON(w, http.StatusOK, map[string]any{"incident": incident.ViewOf(&i, m, s.Cfg.Now(), nil), "model_changes": changes})
	return nil
}

func (s *handler) apiIncidentReport(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	rep, err := s.ReportOf(r, c)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		core.WriteJSON(w, http.StatusOK, rep)
		return nil
	case "html":
		return core.WriteReportHTML(w, rep)
	}
	return core.Fail(http.StatusBadRequest, "format %q: json or html", r.URL.Query().Get("format"))
}

func (s *handler) apiReportSent(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var in core.SentInput
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	m, i, err := s.MarkSent(r, c, ward.ReportKind(r.PathValue("kind")), in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	core.WriteJSON(w, http.StatusOK, incident.ViewOf(&i, m, s.Cfg.Now(), nil))
	return nil
}

func (s *handler) apiSendReport(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var in core.SendInput
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	m, i, st, err := s.SendReport(r, c, ward.ReportKind(r.PathValue("kind")), in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", incidentTag(i.Version))
	core.WriteJSON(w, http.StatusOK, map[string]any{"incident": incident.ViewOf(&i, m, s.Cfg.Now(), nil), "status": st})
	return nil
}

// apiIncidentSTIX is the bundle 'ward incident send' would send: the
// report asked for (?report=, default the next one due) at ?tlp=
// (default amber), anonymised.
func (s *handler) apiIncidentSTIX(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	m, i, err := s.ReadIncident(r, c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	now := s.Cfg.Now()
	kind := ward.ReportKind(q.Get("report"))
	if kind == "" {
		kind = cmp.Or(i.Clock(now).Next, ward.IntermediateReport)
	}
	if !slices.Contains(ward.ReportKinds, kind) {
		return core.Fail(http.StatusBadRequest, "report %q: early-warning, notification, intermediate or final", kind)
	}
	level, err := share.ParseTLP(cmp.Or(q.Get("tlp"), "amber"))
	if err != nil || level == share.Red || level == share.AmberStrict {
		return core.Fail(http.StatusBadRequest, "tlp %q: clear, green or amber (RED and AMBER+STRICT do not leave the organisation)", q.Get("tlp"))
	}
	named := q.Get("name_assets") == "true"
	key, err := share.PseudonymKey(r.Context(), s.Cfg.Store)
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
		return core.Fail(http.StatusUnprocessableEntity, "%s", err.Error())
	}
	// What is taken to leave the hospital is on the record.
	if err := s.Audit(r.Context(), c, "incident.export", i.ID, fmt.Sprintf("%s as STIX, TLP:%s, %d object(s)", kind, strings.ToUpper(string(level)), len(objs))); err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, share.NewBundle(objs))
	return nil
}

func (s *handler) apiSectorIncidents(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	sec, err := s.SectorIncidents(r, c)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, sec)
	return nil
}
