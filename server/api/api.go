package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/server/internal/core"
)

//go:embed openapi.json
var openAPI []byte

// register adds every route. The API's routes are listed in openapi.json,
// which a test checks against this table.
func (s *handler) register() {
	s.Mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	s.Mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		core.WriteProblem(w, core.Fail(http.StatusNotFound, "no API route %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path))
	})

	s.Handle("POST", "/api/v1/login", core.Public, s.apiLogin)
	s.Handle("POST", "/api/v1/logout", core.SignedIn, s.apiLogout)
	s.Handle("GET", "/api/v1/me", core.SignedIn, s.apiMe)
	s.Handle("GET", "/api/v1/orgs", core.SignedIn, s.apiOrgs)
	s.Handle("GET", "/api/v1/feeds", core.SignedIn, s.apiFeeds)
	s.Handle("GET", "/api/v1/tokens", core.SignedIn, s.apiTokens)
	s.Handle("POST", "/api/v1/tokens", core.SignedIn, s.apiCreateToken)
	s.Handle("DELETE", "/api/v1/tokens/{id}", core.SignedIn, s.apiDeleteToken)

	s.Handle("GET", "/api/v1/users", core.Administrator, s.apiUsers)
	s.Handle("POST", "/api/v1/users", core.Administrator, s.apiCreateUser)
	s.Handle("GET", "/api/v1/users/{id}", core.Administrator, s.apiUser)
	s.Handle("PATCH", "/api/v1/users/{id}", core.Administrator, s.apiUpdateUser)
	s.Handle("DELETE", "/api/v1/users/{id}", core.Administrator, s.apiDeleteUser)
	s.Handle("POST", "/api/v1/users/{id}/unlock", core.Administrator, s.apiUnlockUser)
	s.Handle("GET", "/api/v1/audit", core.Administrator, s.apiAudit)
	s.Handle("GET", "/api/v1/collections", core.Administrator, s.apiCollections)
	s.Handle("POST", "/api/v1/collections", core.Administrator, s.apiCreateCollection)
	s.Handle("DELETE", "/api/v1/orgs/{org}", core.Administrator, s.apiDeleteOrg)
	s.Handle("GET", "/api/v1/sector", core.SectorReader, s.apiSector)

	s.Handle("GET", "/api/v1/orgs/{org}", core.OrgViewer, s.apiOrg)
	s.Handle("GET", "/api/v1/orgs/{org}/model", core.OrgViewer, s.apiExport)
	s.Handle("PUT", "/api/v1/orgs/{org}/model", core.OrgAnalyst, s.apiImport)
	s.Handle("GET", "/api/v1/orgs/{org}/zones", core.OrgViewer, s.apiZones)
	s.Handle("GET", "/api/v1/orgs/{org}/services", core.OrgViewer, s.apiServices)
	s.Handle("GET", "/api/v1/orgs/{org}/assets", core.OrgViewer, s.apiAssets)
	s.Handle("GET", "/api/v1/orgs/{org}/assets/{id}", core.OrgViewer, s.apiAsset)
	s.Handle("PUT", "/api/v1/orgs/{org}/assets/{id}", core.OrgAnalyst, putItem(s, assetItem))
	s.Handle("DELETE", "/api/v1/orgs/{org}/assets/{id}", core.OrgAnalyst, deleteItem(s, assetItem))
	s.Handle("PUT", "/api/v1/orgs/{org}/zones/{id}", core.OrgAnalyst, putItem(s, zoneItem))
	s.Handle("DELETE", "/api/v1/orgs/{org}/zones/{id}", core.OrgAnalyst, deleteItem(s, zoneItem))
	s.Handle("PUT", "/api/v1/orgs/{org}/services/{id}", core.OrgAnalyst, putItem(s, serviceItem))
	s.Handle("DELETE", "/api/v1/orgs/{org}/services/{id}", core.OrgAnalyst, deleteItem(s, serviceItem))
	s.Handle("GET", "/api/v1/orgs/{org}/links", core.OrgViewer, s.apiLinks)
	s.Handle("GET", "/api/v1/orgs/{org}/vulnerabilities", core.OrgViewer, s.apiVulns)
	s.Handle("GET", "/api/v1/orgs/{org}/loss", core.OrgViewer, s.apiLoss)
	s.Handle("GET", "/api/v1/orgs/{org}/money-plan", core.OrgViewer, s.apiMoneyPlan)
	s.Handle("GET", "/api/v1/orgs/{org}/money-plan/status", core.OrgViewer, s.apiMoneyPlanStatus)
	s.Handle("GET", "/api/v1/orgs/{org}/assessments", core.OrgViewer, s.apiAssessments)
	s.Handle("POST", "/api/v1/orgs/{org}/assessments", core.OrgAnalyst, s.apiRunAssessment)
	s.Handle("GET", "/api/v1/orgs/{org}/assessments/{id}", core.OrgViewer, s.apiAssessment)
	s.Handle("GET", "/api/v1/orgs/{org}/members", core.OrgAdmin, s.apiMembers)
	s.Handle("PUT", "/api/v1/orgs/{org}/members/{name}", core.OrgAdmin, s.apiPutMember)
	s.Handle("DELETE", "/api/v1/orgs/{org}/members/{name}", core.OrgAdmin, s.apiDeleteMember)
	s.Handle("GET", "/api/v1/orgs/{org}/audit", core.OrgAdmin, s.apiOrgAudit)
	s.Handle("POST", "/api/v1/orgs/{org}/procure", core.OrgViewer, s.apiProcure)
	s.Handle("POST", "/api/v1/orgs/{org}/procure/place", core.OrgAnalyst, s.apiProcurePlace)

	s.registerIncidents()
	s.registerDetections()
	s.registerNational()
}

func (s *handler) apiLogin(w http.ResponseWriter, r *http.Request, _ *core.Call) error {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, sess, err := s.SignIn(w, r, in.Name, in.Password)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"user": u, "csrf": sess.CSRF, "expires": sess.Expires})
	return nil
}

func (s *handler) apiLogout(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := s.SignOut(w, r, c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *handler) apiMe(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	out := map[string]any{"user": c.User}
	if c.Token != nil {
		out["token"] = c.Token
	}
	core.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *handler) apiOrgs(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	orgs, err := s.Visible(r, c)
	if err != nil {
		return err
	}
	type item struct {
		ID   string    `json:"id"`
		Name string    `json:"name"`
		Role ward.Role `json:"role"`
	}
	items := []item{}
	for _, o := range orgs {
		items = append(items, item{o.ID, o.Name, c.User.RoleIn(o.ID)})
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *handler) apiFeeds(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	feeds, err := s.Cfg.Store.Feeds(r.Context())
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": feeds})
	return nil
}

func etag(rev int64) string { return fmt.Sprintf(`"r%d"`, rev) }

// ifMatch reads If-Match: the revision the client read, or -1 when it
// sent none (the write is then unconditional).
func ifMatch(r *http.Request) (int64, error) {
	h := r.Header.Get("If-Match")
	if h == "" {
		return -1, nil
	}
	v := strings.TrimPrefix(strings.Trim(strings.TrimSpace(h), `"`), "r")
	rev, err := strconv.ParseInt(v, 10, 64)
	if err != nil || rev < 0 {
		return 0, core.Fail(http.StatusBadRequest, "If-Match %q: send the ETag of the model as read", h)
	}
	return rev, nil
}

func (s *handler) apiOrg(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	m, rev, err := s.Model(r, c.Org)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	core.WriteJSON(w, http.StatusOK, map[string]any{"organisation": m.Organisation, "revision": rev, "role": c.Role,
		"summary": m.Summarise(s.Cfg.Now().UTC().Format(time.DateOnly))})
	return nil
}

func (s *handler) apiExport(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	m, rev, err := s.Model(r, c.Org)
	if err != nil {
		return err
	}
	format := modelfile.JSON
	ct := "application/json"
	if r.URL.Query().Get("format") == "yaml" || strings.Contains(r.Header.Get("Accept"), "yaml") {
		format, ct = modelfile.YAML, "application/yaml"
	}
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m, format); err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	w.Header().Set("Content-Type", ct)
	w.Write(buf.Bytes())
	return nil
}

func (s *handler) apiImport(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	name := "upload.json"
	switch mt {
	case "application/json":
	case "application/yaml", "application/x-yaml", "text/yaml":
		name = "upload.yaml"
	default:
		return core.Fail(http.StatusUnsupportedMediaType, "send the model as application/json or application/yaml, not %q", r.Header.Get("Content-Type"))
	}
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	m, err := s.ReadModel(r, name, data, c.Org)
	if err != nil {
		return err
	}
	newRev, err := s.PutModel(r, c, m, rev, "model.import", c.Org)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(newRev))
	core.WriteJSON(w, http.StatusOK, map[string]any{"revision": newRev, "summary": m.Summarise(s.Cfg.Now().UTC().Format(time.DateOnly))})
	return nil
}

func (s *handler) apiDeleteOrg(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	c.Org = r.PathValue("org")
	if err := s.Cfg.Store.DeleteOrganisation(s.Audited(r.Context(), c, "org.delete", c.Org, ""), c.Org); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *handler) apiZones(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	m, rev, err := s.Model(r, c.Org)
	if err != nil {
		return err
	}
	p, err := core.Paginate(r, m.Zones)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	core.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *handler) apiServices(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	m, rev, err := s.Model(r, c.Org)
	if err != nil {
		return err
	}
	p, err := core.Paginate(r, m.Services)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	core.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *handler) apiAssets(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.ModelView(r, c.Org)
	if err != nil {
		return err
	}
	rev := v.Revision
	assets, err := core.FilterAssets(r, v)
	if err != nil {
		return err
	}
	p, err := core.Paginate(r, assets)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	core.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *handler) apiAsset(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	d, err := core.DetailOf(v, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(v.Revision))
	core.WriteJSON(w, http.StatusOK, d)
	return nil
}

// item says how the API reads and writes one kind of model item by id.
type item[T any] struct {
	name string
	list func(m *ward.Model) *[]T
	id   func(*T) string
	// cascade removes what goes with a deleted item and says what.
	cascade func(m *ward.Model, id string) string
}

var (
	assetItem = item[ward.Asset]{name: "asset", list: func(m *ward.Model) *[]ward.Asset { return &m.Assets }, id: func(a *ward.Asset) string { return a.ID },
		cascade: func(m *ward.Model, id string) string {
			// Its links go with it; a service left depending on it fails validation.
			n := len(m.Links)
			m.Links = slices.DeleteFunc(m.Links, func(l ward.Link) bool { return l.From == id || l.To == id })
			return fmt.Sprintf("%d links deleted with it", n-len(m.Links))
		}}
	zoneItem    = item[ward.Zone]{name: "zone", list: func(m *ward.Model) *[]ward.Zone { return &m.Zones }, id: func(z *ward.Zone) string { return z.ID }}
	serviceItem = item[ward.Service]{name: "service", list: func(m *ward.Model) *[]ward.Service { return &m.Services }, id: func(s *ward.Service) string { return s.ID }}
)

// writeBase reads If-Match and the current model: the base of a write.
func (s *handler) writeBase(r *http.Request, c *core.Call) (*ward.Model, int64, error) {
	rev, err := ifMatch(r)
	if err != nil {
		return nil, 0, err
	}
	m, current, err := s.Model(r, c.Org)
	if err != nil {
		return nil, 0, err
	}
	if rev >= 0 && rev != current {
		return nil, 0, fmt.Errorf("organisation %s at revision %d, not %d: %w", c.Org, current, rev, ward.ErrConflict)
	}
	return m, current, nil
}

// changeModel applies a change to a copy of the organisation's model,
// validates it and stores it, audited as action on target. With
// If-Match, the model must be at that revision (else 412). Without, a
// write that lost a race to another is made again on the model as the
// other left it: the caller asked for the change, not for a revision.
func (s *handler) changeModel(r *http.Request, c *core.Call, action, target string, change func(m *ward.Model) error) (int64, error) {
	wanted, err := ifMatch(r)
	if err != nil {
		return 0, err
	}
	for attempt := 0; ; attempt++ {
		m, current, err := s.writeBase(r, c)
		if err != nil {
			return 0, err
		}
		next := cloneModel(m)
		if err := change(next); err != nil {
			return 0, err
		}
		if err := validated(next); err != nil {
			return 0, err
		}
		newRev, err := s.PutModel(r, c, next, current, action, target)
		if errors.Is(err, ward.ErrConflict) && wanted < 0 && attempt < 50 && r.Context().Err() == nil {
			continue
		}
		return newRev, err
	}
}

// putItem creates or replaces one item of the model, validated as a whole.
func putItem[T any](s *handler, k item[T]) func(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return func(w http.ResponseWriter, r *http.Request, c *core.Call) error {
		if _, err := ifMatch(r); err != nil {
			return err
		}
		var v T
		if err := core.DecodeJSON(r, &v); err != nil {
			return err
		}
		id := r.PathValue("id")
		if got := k.id(&v); got != id {
			return core.Invalid(modelfile.Errors{{File: "body", Field: "id", Message: fmt.Sprintf("the %s is %q, sent to %q", k.name, got, id)}})
		}
		status := http.StatusOK
		newRev, err := s.changeModel(r, c, k.name+".put", id, func(next *ward.Model) error {
			list := k.list(next)
			status = http.StatusOK
			if i := slices.IndexFunc(*list, func(x T) bool { return k.id(&x) == id }); i >= 0 {
				(*list)[i] = v
			} else {
				*list = append(*list, v)
				status = http.StatusCreated
			}
			return nil
		})
		if err != nil {
			return err
		}
		w.Header().Set("ETag", etag(newRev))
		core.WriteJSON(w, status, v)
		return nil
	}
}

// deleteItem removes one item of the model, and what goes with it.
func deleteItem[T any](s *handler, k item[T]) func(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return func(w http.ResponseWriter, r *http.Request, c *core.Call) error {
		id := r.PathValue("id")
		detail := ""
		newRev, err := s.changeModel(r, c, k.name+".delete", id, func(next *ward.Model) error {
			list := k.list(next)
			i := slices.IndexFunc(*list, func(x T) bool { return k.id(&x) == id })
			if i < 0 {
				return core.Fail(http.StatusNotFound, "%s %q: not found", k.name, id)
			}
			*list = slices.Delete(*list, i, i+1)
			detail = ""
			if k.cascade != nil {
				detail = k.cascade(next, id)
			}
			return nil
		})
		if err != nil {
			return err
		}
		w.Header().Set("ETag", etag(newRev))
		core.WriteJSON(w, http.StatusOK, map[string]any{"deleted": id, "detail": detail, "revision": newRev})
		return nil
	}
}

// cloneModel copies the lists a write changes, so the cached model is
// never modified.
func cloneModel(m *ward.Model) *ward.Model {
	c := *m
	c.Zones = slices.Clone(m.Zones)
	c.Assets = slices.Clone(m.Assets)
	c.Links = slices.Clone(m.Links)
	c.Services = slices.Clone(m.Services)
	return &c
}

// validated checks a changed model, giving each problem as a field error.
func validated(m *ward.Model) error {
	err := m.Validate()
	var ve *ward.ValidationError
	if errors.As(err, &ve) {
		errs := modelfile.Errors{}
		for _, fe := range ve.Errors {
			errs = append(errs, modelfile.Error{File: "model", Field: fe.Path, Message: fe.Message, Hint: fe.Hint})
		}
		return core.Invalid(errs)
	}
	return err
}

func (s *handler) apiLinks(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	m, rev, err := s.Model(r, c.Org)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := ward.LinkFilter{Zone: q.Get("zone"), Kind: ward.AssetKind(q.Get("kind")), Exposed: q.Get("exposed") == "true",
		Protocol: ward.Protocol(q.Get("protocol")), Unencrypted: q.Get("unencrypted") == "true"}
	asset := q.Get("asset")
	ends := m.LinkEnds()
	out := []ward.Link{}
	for i := range m.Links {
		l := &m.Links[i]
		if f.Match(l, ends[i]) && (asset == "" || l.From == asset || l.To == asset) {
			out = append(out, *l)
		}
	}
	p, err := core.Paginate(r, out)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	core.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *handler) apiVulns(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	out := []intel.Match{}
	for _, m := range intel.Prioritise(v.Result.Vulnerabilities) {
		if (q.Get("asset") == "" || m.Asset == q.Get("asset")) && (q.Get("kev") != "true" || m.Exploited) && (q.Get("cve") == "" || strings.EqualFold(m.CVE, q.Get("cve"))) {
			out = append(out, m)
		}
	}
	p, err := core.Paginate(r, out)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, p)
	return nil
}

func (s *handler) apiAssessments(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	list, err := s.Cfg.Store.Assessments(r.Context(), c.Org, 100)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

func (s *handler) apiRunAssessment(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	a, err := s.KeepAssessment(r.Context(), c, v)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/orgs/%s/assessments/%d", c.Org, a.ID))
	core.WriteJSON(w, http.StatusCreated, map[string]any{"assessment": a, "summary": v.Result.Summary})
	return nil
}

func (s *handler) apiAssessment(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var id int64
	if v := r.PathValue("id"); v != "latest" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return core.Fail(http.StatusBadRequest, "assessment id %q: a number or latest", v)
		}
		id = n
	}
	a, err := s.Cfg.Store.Assessment(r.Context(), c.Org, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"assessment":%s,"result":%s}`, mustJSON(a), a.Data)
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (s *handler) apiMembers(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	users, err := s.Cfg.Store.Users(r.Context())
	if err != nil {
		return err
	}
	type member struct {
		Name string    `json:"name"`
		Role ward.Role `json:"role"`
	}
	out := []member{}
	for _, u := range users {
		for _, m := range u.Memberships {
			if m.Org == c.Org {
				out = append(out, member{u.Name, m.Role})
			}
		}
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (s *handler) apiPutMember(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var in struct {
		Role ward.Role `json:"role"`
	}
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Role != ward.RoleViewer && in.Role != ward.RoleAnalyst && in.Role != ward.RoleAdmin {
		return core.Invalid(modelfile.Errors{{File: "body", Field: "role", Message: fmt.Sprintf("role %q: viewer, analyst or admin", in.Role)}})
	}
	u, err := s.Cfg.Store.UserByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	u.Memberships = slices.DeleteFunc(u.Memberships, func(m ward.Membership) bool { return m.Org == c.Org })
	u.Memberships = append(u.Memberships, ward.Membership{Org: c.Org, Role: in.Role})
	if err := s.Cfg.Store.PutUser(s.Audited(r.Context(), c, "member.put", u.Name, string(in.Role)), u); err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"name": u.Name, "role": in.Role})
	return nil
}

func (s *handler) apiDeleteMember(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	u, err := s.Cfg.Store.UserByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	n := len(u.Memberships)
	u.Memberships = slices.DeleteFunc(u.Memberships, func(m ward.Membership) bool { return m.Org == c.Org })
	if len(u.Memberships) == n {
		return core.Fail(http.StatusNotFound, "%s is not a member of %s", u.Name, c.Org)
	}
	if err := s.Cfg.Store.PutUser(s.Audited(r.Context(), c, "member.delete", u.Name, ""), u); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *handler) auditPage(w http.ResponseWriter, r *http.Request, org string) error {
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return core.Fail(http.StatusBadRequest, "after %q: a sequence number", v)
		}
		after = n
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return core.Fail(http.StatusBadRequest, "limit %q: a number from 1 to 1000", v)
		}
		limit = n
	}
	entries, err := s.Cfg.Store.Audit(r.Context(), org, after, limit)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": entries})
	return nil
}

func (s *handler) apiAudit(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.auditPage(w, r, "")
}

func (s *handler) apiOrgAudit(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.auditPage(w, r, c.Org)
}

func (s *handler) apiUsers(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	users, err := s.Cfg.Store.Users(r.Context())
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": users})
	return nil
}

func (s *handler) apiUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	u, err := s.Cfg.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (s *handler) apiCreateUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var in core.UserInput
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return core.Invalid(modelfile.Errors{{File: "body", Field: "name", Message: "name the user"}})
	}
	if in.Password == nil {
		empty := ""
		in.Password = &empty
	}
	u := ward.User{ID: "u-" + core.Secret(9), Created: s.Cfg.Now().UTC(), Memberships: []ward.Membership{}}
	generated, err := in.Apply(&u)
	if err != nil {
		return err
	}
	if err := s.Cfg.Store.PutUser(s.Audited(r.Context(), c, "user.create", u.Name, ""), u); err != nil {
		return err
	}
	out := map[string]any{"user": u}
	if generated != "" {
		out["password"] = generated
	}
	core.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (s *handler) apiUpdateUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var in core.UserInput
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.Cfg.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	generated, err := in.Apply(&u)
	if err != nil {
		return err
	}
	// A new password or a disabled account signs it out everywhere
	// (PutUser).
	if err := s.Cfg.Store.PutUser(s.Audited(r.Context(), c, "user.update", u.Name, core.Changed(in)), u); err != nil {
		return err
	}
	out := map[string]any{"user": u}
	if generated != "" {
		out["password"] = generated
	}
	core.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *handler) apiDeleteUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	id := r.PathValue("id")
	if id == c.User.ID {
		return core.Fail(http.StatusConflict, "you cannot delete yourself")
	}
	u, err := s.Cfg.Store.User(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.Cfg.Store.DeleteUser(s.Audited(r.Context(), c, "user.delete", u.Name, ""), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *handler) apiTokens(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	ts, err := s.Cfg.Store.Tokens(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	if c.Token != nil && c.Token.Org != "" {
		// A token of one organisation does not learn of the others.
		ts = slices.DeleteFunc(ts, func(t ward.Token) bool { return t.Org != c.Token.Org })
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": ts})
	return nil
}

func (s *handler) apiCreateToken(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := core.ByPerson(c); err != nil {
		return err
	}
	var in struct {
		Name  string     `json:"name"`
		Scope ward.Scope `json:"scope"`
		Org   string     `json:"org"`
		Days  int        `json:"days"`
	}
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	t, secretValue, err := s.NewToken(r, c, in.Name, in.Scope, in.Org, in.Days)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusCreated, map[string]any{"token": t, "secret": secretValue})
	return nil
}

func (s *handler) apiUnlockUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	u, err := s.Unlock(r, c)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (s *handler) apiDeleteToken(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := core.ByPerson(c); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.Cfg.Store.DeleteToken(s.Audited(r.Context(), c, "token.delete", id, ""), c.User.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
