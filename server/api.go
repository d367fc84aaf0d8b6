package server

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/quantify"
)

//go:embed openapi.json
var openAPI []byte

// register adds every route. The API's routes are listed in openapi.json,
// which a test checks against this table.
func (s *Server) register() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.Handle("GET /metrics", s.metrics.handler())
	s.mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, fail(http.StatusNotFound, "no API route %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path))
	})

	s.handle("POST", "/api/v1/login", public, s.apiLogin)
	s.handle("POST", "/api/v1/logout", signedIn, s.apiLogout)
	s.handle("GET", "/api/v1/me", signedIn, s.apiMe)
	s.handle("GET", "/api/v1/orgs", signedIn, s.apiOrgs)
	s.handle("GET", "/api/v1/feeds", signedIn, s.apiFeeds)
	s.handle("GET", "/api/v1/tokens", signedIn, s.apiTokens)
	s.handle("POST", "/api/v1/tokens", signedIn, s.apiCreateToken)
	s.handle("DELETE", "/api/v1/tokens/{id}", signedIn, s.apiDeleteToken)

	s.handle("GET", "/api/v1/users", administrator, s.apiUsers)
	s.handle("POST", "/api/v1/users", administrator, s.apiCreateUser)
	s.handle("GET", "/api/v1/users/{id}", administrator, s.apiUser)
	s.handle("PATCH", "/api/v1/users/{id}", administrator, s.apiUpdateUser)
	s.handle("DELETE", "/api/v1/users/{id}", administrator, s.apiDeleteUser)
	s.handle("POST", "/api/v1/users/{id}/unlock", administrator, s.apiUnlockUser)
	s.handle("GET", "/api/v1/audit", administrator, s.apiAudit)
	s.handle("GET", "/api/v1/collections", administrator, s.apiCollections)
	s.handle("POST", "/api/v1/collections", administrator, s.apiCreateCollection)
	s.handle("DELETE", "/api/v1/orgs/{org}", administrator, s.apiDeleteOrg)
	s.handle("GET", "/api/v1/sector", sectorReader, s.apiSector)

	s.handle("GET", "/api/v1/orgs/{org}", orgViewer, s.apiOrg)
	s.handle("GET", "/api/v1/orgs/{org}/model", orgViewer, s.apiExport)
	s.handle("PUT", "/api/v1/orgs/{org}/model", orgAnalyst, s.apiImport)
	s.handle("GET", "/api/v1/orgs/{org}/zones", orgViewer, s.apiZones)
	s.handle("GET", "/api/v1/orgs/{org}/services", orgViewer, s.apiServices)
	s.handle("GET", "/api/v1/orgs/{org}/assets", orgViewer, s.apiAssets)
	s.handle("GET", "/api/v1/orgs/{org}/assets/{id}", orgViewer, s.apiAsset)
	s.handle("PUT", "/api/v1/orgs/{org}/assets/{id}", orgAnalyst, putItem(s, assetItem))
	s.handle("DELETE", "/api/v1/orgs/{org}/assets/{id}", orgAnalyst, deleteItem(s, assetItem))
	s.handle("PUT", "/api/v1/orgs/{org}/zones/{id}", orgAnalyst, putItem(s, zoneItem))
	s.handle("DELETE", "/api/v1/orgs/{org}/zones/{id}", orgAnalyst, deleteItem(s, zoneItem))
	s.handle("PUT", "/api/v1/orgs/{org}/services/{id}", orgAnalyst, putItem(s, serviceItem))
	s.handle("DELETE", "/api/v1/orgs/{org}/services/{id}", orgAnalyst, deleteItem(s, serviceItem))
	s.handle("GET", "/api/v1/orgs/{org}/links", orgViewer, s.apiLinks)
	s.handle("GET", "/api/v1/orgs/{org}/vulnerabilities", orgViewer, s.apiVulns)
	s.handle("GET", "/api/v1/orgs/{org}/loss", orgViewer, s.apiLoss)
	s.handle("GET", "/api/v1/orgs/{org}/money-plan", orgViewer, s.apiMoneyPlan)
	s.handle("GET", "/api/v1/orgs/{org}/money-plan/status", orgViewer, s.apiMoneyPlanStatus)
	s.handle("GET", "/api/v1/orgs/{org}/assessments", orgViewer, s.apiAssessments)
	s.handle("POST", "/api/v1/orgs/{org}/assessments", orgAnalyst, s.apiRunAssessment)
	s.handle("GET", "/api/v1/orgs/{org}/assessments/{id}", orgViewer, s.apiAssessment)
	s.handle("GET", "/api/v1/orgs/{org}/members", orgAdmin, s.apiMembers)
	s.handle("PUT", "/api/v1/orgs/{org}/members/{name}", orgAdmin, s.apiPutMember)
	s.handle("DELETE", "/api/v1/orgs/{org}/members/{name}", orgAdmin, s.apiDeleteMember)
	s.handle("GET", "/api/v1/orgs/{org}/audit", orgAdmin, s.apiOrgAudit)
	s.handle("POST", "/api/v1/orgs/{org}/procure", orgViewer, s.apiProcure)
	s.handle("POST", "/api/v1/orgs/{org}/procure/place", orgAnalyst, s.apiProcurePlace)

	s.registerIncidents()
	s.registerWeb()
	s.registerTAXII()
	s.registerDetections()
	s.registerNational()
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if _, err := s.cfg.Store.Organisations(r.Context()); err != nil {
		s.log.Error("not ready", "err", err)
		writeProblem(w, fail(http.StatusServiceUnavailable, "the store does not answer"))
		return
	}
	io.WriteString(w, "ready\n")
}

// decodeJSON reads a JSON body strictly: the media type, unknown fields,
// trailing data and size are all checked.
func decodeJSON(r *http.Request, v any) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return fail(http.StatusUnsupportedMediaType, "send application/json, not %q", r.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return fail(http.StatusBadRequest, "malformed JSON body: %v", err)
	}
	if dec.More() {
		return fail(http.StatusBadRequest, "malformed JSON body: more than one value")
	}
	return nil
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request, _ *call) error {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, sess, err := s.signIn(w, r, in.Name, in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u, "csrf": sess.CSRF, "expires": sess.Expires})
	return nil
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.signOut(w, r, c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, c *call) error {
	out := map[string]any{"user": c.user}
	if c.token != nil {
		out["token"] = c.token
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// visible lists the organisations a user has a role in.
func (s *Server) visible(r *http.Request, c *call) ([]ward.Organisation, error) {
	orgs, err := s.national.Organisations(r.Context(), s.cfg.Store)
	if err != nil {
		return nil, err
	}
	out := []ward.Organisation{}
	var full map[string]bool
	for _, o := range orgs {
		role := c.user.RoleIn(o.ID)
		if role == ward.RoleHub && full == nil {
			if full, err = s.fullySharing(r.Context()); err != nil {
				return nil, err
			}
		}
		if role != "" && (role != ward.RoleHub || full[o.ID]) {
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Server) apiOrgs(w http.ResponseWriter, r *http.Request, c *call) error {
	orgs, err := s.visible(r, c)
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
		items = append(items, item{o.ID, o.Name, c.user.RoleIn(o.ID)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) apiFeeds(w http.ResponseWriter, r *http.Request, c *call) error {
	feeds, err := s.cfg.Store.Feeds(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": feeds})
	return nil
}

// model returns an organisation's model at its current revision, from the
// cache when it has not changed.
func (s *Server) model(r *http.Request, org string) (*ward.Model, int64, error) {
	v, err := s.modelView(r, org)
	if err != nil {
		return nil, 0, err
	}
	return v.Model, v.Revision, nil
}

func (s *Server) modelView(r *http.Request, org string) (*view, error) {
	rev, err := s.cfg.Store.Revision(r.Context(), org)
	if err != nil {
		return nil, err
	}
	if rev == 0 {
		return nil, fail(http.StatusNotFound, "organisation %q has no model yet", org)
	}
	key := fmt.Sprintf("model|%s|%d", org, rev)
	if v, ok := s.results.get(key); ok {
		return v, nil
	}
	m, err := s.cfg.Store.Model(r.Context(), org)
	if err != nil {
		return nil, err
	}
	v := &view{Model: m, Revision: rev}
	s.results.put(key, v)
	return v, nil
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
		return 0, fail(http.StatusBadRequest, "If-Match %q: send the ETag of the model as read", h)
	}
	return rev, nil
}

func (s *Server) apiOrg(w http.ResponseWriter, r *http.Request, c *call) error {
	m, rev, err := s.model(r, c.org)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	writeJSON(w, http.StatusOK, map[string]any{"organisation": m.Organisation, "revision": rev, "role": c.role,
		"summary": m.Summarise(s.cfg.Now().UTC().Format(time.DateOnly))})
	return nil
}

func (s *Server) apiExport(w http.ResponseWriter, r *http.Request, c *call) error {
	m, rev, err := s.model(r, c.org)
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

// readModel parses an uploaded model file with the same checks and errors
// as the command line; its organisation must be the one of the path.
// readModel parses an uploaded model. Parsing stops when the request ends
// or after ParseTimeout, whichever comes first: a file made to be slow to
// read does not keep a core after its sender has gone.
func (s *Server) readModel(r *http.Request, name string, data []byte, org string) (*ward.Model, error) {
	lim := modelfile.DefaultLimits
	lim.MaxBytes = s.cfg.MaxModelBytes
	ctx, cancel := context.WithTimeout(r.Context(), ParseTimeout)
	defer cancel()
	m, err := modelfile.ParseContext(ctx, name, data, lim)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fail(http.StatusUnprocessableEntity, "%s: reading the model took longer than %s; it is refused", name, ParseTimeout)
	}
	if err != nil {
		return nil, err
	}
	if m.Organisation.ID != org {
		return nil, invalid(modelfile.Errors{{File: name, Field: "organisation.id",
			Message: fmt.Sprintf("the model is of %q, uploaded to %q", m.Organisation.ID, org)}})
	}
	// Cost figures for a threat the catalog lacks or a change Ward does
	// not propose would be ignored, or fail the expected loss later: they
	// are refused now, as 'ward import' refuses them.
	if err := quantify.Check(m, s.cfg.Catalog); err != nil {
		return nil, fieldProblems(name, err)
	}
	return m, nil
}

// fieldProblems is a validation error as the problems of a file.
func fieldProblems(name string, err error) error {
	var ve *ward.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	errs := make(modelfile.Errors, len(ve.Errors))
	for i, fe := range ve.Errors {
		errs[i] = modelfile.Error{File: name, Field: fe.Path, Message: fe.Message, Hint: fe.Hint}
	}
	return invalid(errs)
}

// ParseTimeout bounds the parsing of an uploaded model.
const ParseTimeout = 30 * time.Second

// putModel stores a model at the revision read (-1: whatever it is) and
// records it.
// Without a revision (-1), a model that replaces whatever is there is
// put again when another write came between reading the revision and
// putting.
func (s *Server) putModel(r *http.Request, c *call, m *ward.Model, rev int64, action, target string) (int64, error) {
	sum := m.Summarise("")
	ctx := s.audited(r.Context(), c, action, target, fmt.Sprintf("%d assets, %d links, %d services", sum.Assets, sum.Links, sum.Services))
	for attempt := 0; ; attempt++ {
		at := rev
		if at < 0 {
			var err error
			if at, err = s.cfg.Store.Revision(ctx, c.org); err != nil {
				return 0, err
			}
		}
		err := s.cfg.Store.PutModelAt(ctx, m, at)
		if errors.Is(err, ward.ErrConflict) && rev < 0 && attempt < 50 && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return 0, err
		}
		s.reshare(ctx, m, at+1)
		return at + 1, nil
	}
}

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request, c *call) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	name := "upload.json"
	switch mt {
	case "application/json":
	case "application/yaml", "application/x-yaml", "text/yaml":
		name = "upload.yaml"
	default:
		return fail(http.StatusUnsupportedMediaType, "send the model as application/json or application/yaml, not %q", r.Header.Get("Content-Type"))
	}
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	m, err := s.readModel(r, name, data, c.org)
	if err != nil {
		return err
	}
	newRev, err := s.putModel(r, c, m, rev, "model.import", c.org)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(newRev))
	writeJSON(w, http.StatusOK, map[string]any{"revision": newRev, "summary": m.Summarise(s.cfg.Now().UTC().Format(time.DateOnly))})
	return nil
}

func (s *Server) apiDeleteOrg(w http.ResponseWriter, r *http.Request, c *call) error {
	c.org = r.PathValue("org")
	if err := s.cfg.Store.DeleteOrganisation(s.audited(r.Context(), c, "org.delete", c.org, ""), c.org); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// page is a page of a list: items, the total that matched, and an opaque
// cursor for the next page ("" on the last).
type page[T any] struct {
	Items []T    `json:"items"`
	Total int    `json:"total"`
	Next  string `json:"next,omitempty"`
}

// paginate cuts a page from a sorted list by ?limit= (1-1000, default 100)
// and ?cursor= (from the previous page's next).
func paginate[T any](r *http.Request, all []T) (page[T], error) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return page[T]{}, fail(http.StatusBadRequest, "limit %q: a number from 1 to 1000", v)
		}
		limit = n
	}
	offset := 0
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "o:") || n < 0 {
			return page[T]{}, fail(http.StatusBadRequest, "cursor %q: use the next value of the previous page", v)
		}
		offset = n
	}
	p := page[T]{Items: []T{}, Total: len(all)}
	if offset < len(all) {
		end := min(offset+limit, len(all))
		p.Items = all[offset:end]
		if end < len(all) {
			p.Next = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
		}
	}
	return p, nil
}

func (s *Server) apiZones(w http.ResponseWriter, r *http.Request, c *call) error {
	m, rev, err := s.model(r, c.org)
	if err != nil {
		return err
	}
	p, err := paginate(r, m.Zones)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiServices(w http.ResponseWriter, r *http.Request, c *call) error {
	m, rev, err := s.model(r, c.org)
	if err != nil {
		return err
	}
	p, err := paginate(r, m.Services)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	writeJSON(w, http.StatusOK, p)
	return nil
}

// assetSorts are the fields assets sort by.
var assetSorts = map[string]func(a, b *ward.Asset) int{
	"id":     func(a, b *ward.Asset) int { return strings.Compare(a.ID, b.ID) },
	"name":   func(a, b *ward.Asset) int { return strings.Compare(a.Name, b.Name) },
	"kind":   func(a, b *ward.Asset) int { return strings.Compare(string(a.Kind), string(b.Kind)) },
	"zone":   func(a, b *ward.Asset) int { return strings.Compare(a.Zone, b.Zone) },
	"vendor": func(a, b *ward.Asset) int { return strings.Compare(a.Vendor, b.Vendor) },
}

// filterAssets applies ?zone= ?kind= ?exposed= ?q= ?sort= ?order= to a
// model's assets. It works on pointers: a page of a 10,000-asset hospital
// must not copy and sort 10,000 structs.
func filterAssets(r *http.Request, v *view) ([]*ward.Asset, error) {
	q := r.URL.Query()
	f := ward.AssetFilter{Zone: q.Get("zone"), Kind: ward.AssetKind(q.Get("kind"))}
	exposed := q.Get("exposed") == "true"
	if v := q.Get("exposed"); v != "" && v != "true" && v != "false" {
		return nil, fail(http.StatusBadRequest, "exposed %q: true or false", v)
	}
	sortBy := cmp.Or(q.Get("sort"), "id")
	less, ok := assetSorts[sortBy]
	if !ok {
		return nil, fail(http.StatusBadRequest, "sort %q: one of id, name, kind, zone, vendor", sortBy)
	}
	if o := q.Get("order"); o != "" && o != "asc" && o != "desc" {
		return nil, fail(http.StatusBadRequest, "order %q: asc or desc", o)
	}
	desc := q.Get("order") == "desc"
	text := strings.ToLower(q.Get("q"))
	sorted := v.sortedAssets(sortBy+"|"+strconv.FormatBool(desc), func(a, b *ward.Asset) int {
		if desc {
			a, b = b, a
		}
		return cmp.Or(less(a, b), strings.Compare(a.ID, b.ID))
	})
	if f == (ward.AssetFilter{}) && !exposed && text == "" {
		return sorted, nil
	}
	out := make([]*ward.Asset, 0, len(sorted))
	for _, a := range sorted {
		if !f.Match(a, v.reachableFromInternet(a.ID)) || exposed && v.reachableFromInternet(a.ID) == "" {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(a.ID+" "+a.Name+" "+a.Vendor+" "+a.Product), text) {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

func (s *Server) apiAssets(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.modelView(r, c.org)
	if err != nil {
		return err
	}
	rev := v.Revision
	assets, err := filterAssets(r, v)
	if err != nil {
		return err
	}
	p, err := paginate(r, assets)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	writeJSON(w, http.StatusOK, p)
	return nil
}

func findAsset(m *ward.Model, id string) int {
	return slices.IndexFunc(m.Assets, func(a ward.Asset) bool { return a.ID == id })
}

func (s *Server) apiAsset(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.assessed(r.Context(), c.org)
	if err != nil {
		return err
	}
	d, err := assetDetail(v, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(v.Revision))
	writeJSON(w, http.StatusOK, d)
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
func (s *Server) writeBase(r *http.Request, c *call) (*ward.Model, int64, error) {
	rev, err := ifMatch(r)
	if err != nil {
		return nil, 0, err
	}
	m, current, err := s.model(r, c.org)
	if err != nil {
		return nil, 0, err
	}
	if rev >= 0 && rev != current {
		return nil, 0, fmt.Errorf("organisation %s at revision %d, not %d: %w", c.org, current, rev, ward.ErrConflict)
	}
	return m, current, nil
}

// changeModel applies a change to a copy of the organisation's model,
// validates it and stores it, audited as action on target. With
// If-Match, the model must be at that revision (else 412). Without, a
// write that lost a race to another is made again on the model as the
// other left it: the caller asked for the change, not for a revision.
func (s *Server) changeModel(r *http.Request, c *call, action, target string, change func(m *ward.Model) error) (int64, error) {
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
		newRev, err := s.putModel(r, c, next, current, action, target)
		if errors.Is(err, ward.ErrConflict) && wanted < 0 && attempt < 50 && r.Context().Err() == nil {
			continue
		}
		return newRev, err
	}
}

// putItem creates or replaces one item of the model, validated as a whole.
func putItem[T any](s *Server, k item[T]) func(w http.ResponseWriter, r *http.Request, c *call) error {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		if _, err := ifMatch(r); err != nil {
			return err
		}
		var v T
		if err := decodeJSON(r, &v); err != nil {
			return err
		}
		id := r.PathValue("id")
		if got := k.id(&v); got != id {
			return invalid(modelfile.Errors{{File: "body", Field: "id", Message: fmt.Sprintf("the %s is %q, sent to %q", k.name, got, id)}})
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
		writeJSON(w, status, v)
		return nil
	}
}

// deleteItem removes one item of the model, and what goes with it.
func deleteItem[T any](s *Server, k item[T]) func(w http.ResponseWriter, r *http.Request, c *call) error {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		id := r.PathValue("id")
		detail := ""
		newRev, err := s.changeModel(r, c, k.name+".delete", id, func(next *ward.Model) error {
			list := k.list(next)
			i := slices.IndexFunc(*list, func(x T) bool { return k.id(&x) == id })
			if i < 0 {
				return fail(http.StatusNotFound, "%s %q: not found", k.name, id)
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
		writeJSON(w, http.StatusOK, map[string]any{"deleted": id, "detail": detail, "revision": newRev})
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
		return invalid(errs)
	}
	return err
}

func (s *Server) apiLinks(w http.ResponseWriter, r *http.Request, c *call) error {
	m, rev, err := s.model(r, c.org)
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
	p, err := paginate(r, out)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiVulns(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.assessed(r.Context(), c.org)
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
	p, err := paginate(r, out)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiAssessments(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.cfg.Store.Assessments(r.Context(), c.org, 100)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

func (s *Server) apiRunAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.assessed(r.Context(), c.org)
	if err != nil {
		return err
	}
	a, err := s.keepAssessment(r.Context(), c, v)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/orgs/%s/assessments/%d", c.org, a.ID))
	writeJSON(w, http.StatusCreated, map[string]any{"assessment": a, "summary": v.Result.Summary})
	return nil
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request, c *call) error {
	var id int64
	if v := r.PathValue("id"); v != "latest" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fail(http.StatusBadRequest, "assessment id %q: a number or latest", v)
		}
		id = n
	}
	a, err := s.cfg.Store.Assessment(r.Context(), c.org, id)
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

func (s *Server) apiMembers(w http.ResponseWriter, r *http.Request, c *call) error {
	users, err := s.cfg.Store.Users(r.Context())
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
			if m.Org == c.org {
				out = append(out, member{u.Name, m.Role})
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (s *Server) apiPutMember(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct {
		Role ward.Role `json:"role"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Role != ward.RoleViewer && in.Role != ward.RoleAnalyst && in.Role != ward.RoleAdmin {
		return invalid(modelfile.Errors{{File: "body", Field: "role", Message: fmt.Sprintf("role %q: viewer, analyst or admin", in.Role)}})
	}
	u, err := s.cfg.Store.UserByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	u.Memberships = slices.DeleteFunc(u.Memberships, func(m ward.Membership) bool { return m.Org == c.org })
	u.Memberships = append(u.Memberships, ward.Membership{Org: c.org, Role: in.Role})
	if err := s.cfg.Store.PutUser(s.audited(r.Context(), c, "member.put", u.Name, string(in.Role)), u); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": u.Name, "role": in.Role})
	return nil
}

func (s *Server) apiDeleteMember(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := s.cfg.Store.UserByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	n := len(u.Memberships)
	u.Memberships = slices.DeleteFunc(u.Memberships, func(m ward.Membership) bool { return m.Org == c.org })
	if len(u.Memberships) == n {
		return fail(http.StatusNotFound, "%s is not a member of %s", u.Name, c.org)
	}
	if err := s.cfg.Store.PutUser(s.audited(r.Context(), c, "member.delete", u.Name, ""), u); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, org string) error {
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fail(http.StatusBadRequest, "after %q: a sequence number", v)
		}
		after = n
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return fail(http.StatusBadRequest, "limit %q: a number from 1 to 1000", v)
		}
		limit = n
	}
	entries, err := s.cfg.Store.Audit(r.Context(), org, after, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": entries})
	return nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.auditPage(w, r, "")
}

func (s *Server) apiOrgAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.auditPage(w, r, c.org)
}

var userNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

type userInput struct {
	Name        *string            `json:"name"`
	Password    *string            `json:"password"`
	Admin       *bool              `json:"admin"`
	Disabled    *bool              `json:"disabled"`
	Memberships *[]ward.Membership `json:"memberships"`
}

// apply checks and applies a user input; it returns a generated password
// when one was asked for ("password": "").
func (in *userInput) apply(u *ward.User) (string, error) {
	var errs modelfile.Errors
	bad := func(field, format string, a ...any) {
		errs = append(errs, modelfile.Error{File: "body", Field: field, Message: fmt.Sprintf(format, a...)})
	}
	if in.Name != nil {
		if !userNameRe.MatchString(*in.Name) {
			bad("name", "%q: 2-64 lower-case letters, digits and . _ @ -", *in.Name)
		}
		u.Name = *in.Name
	}
	generated := ""
	if in.Password != nil {
		p := *in.Password
		if p == "" {
			p = NewPassword()
			generated = p
		}
		if len(p) < MinPasswordLength {
			bad("password", "at least %d characters", MinPasswordLength)
		} else {
			h, err := HashPassword(p)
			if err != nil {
				return "", err
			}
			u.PasswordHash = h
		}
	}
	if in.Admin != nil {
		u.Admin = *in.Admin
	}
	if in.Disabled != nil {
		u.Disabled = *in.Disabled
	}
	if in.Memberships != nil {
		for i, m := range *in.Memberships {
			switch {
			case m.Role == ward.RoleHub && m.Org != ward.AllOrganisations:
				bad(fmt.Sprintf("memberships[%d].org", i), "the hub role is granted on %q", ward.AllOrganisations)
			case m.Role.Rank() == 0:
				bad(fmt.Sprintf("memberships[%d].role", i), "%q: viewer, analyst, admin or hub", m.Role)
			case m.Org == "":
				bad(fmt.Sprintf("memberships[%d].org", i), "name the organisation")
			}
		}
		u.Memberships = *in.Memberships
	}
	if len(errs) > 0 {
		p := invalid(errs)
		p.Detail = fmt.Sprintf("the user has %d problem(s)", len(errs))
		return "", p
	}
	return generated, nil
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	users, err := s.cfg.Store.Users(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": users})
	return nil
}

func (s *Server) apiUser(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := s.cfg.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request, c *call) error {
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return invalid(modelfile.Errors{{File: "body", Field: "name", Message: "name the user"}})
	}
	if in.Password == nil {
		empty := ""
		in.Password = &empty
	}
	u := ward.User{ID: "u-" + secret(9), Created: s.cfg.Now().UTC(), Memberships: []ward.Membership{}}
	generated, err := in.apply(&u)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.PutUser(s.audited(r.Context(), c, "user.create", u.Name, ""), u); err != nil {
		return err
	}
	out := map[string]any{"user": u}
	if generated != "" {
		out["password"] = generated
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request, c *call) error {
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.cfg.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	generated, err := in.apply(&u)
	if err != nil {
		return err
	}
	// A new password or a disabled account signs it out everywhere
	// (PutUser).
	if err := s.cfg.Store.PutUser(s.audited(r.Context(), c, "user.update", u.Name, changed(in)), u); err != nil {
		return err
	}
	out := map[string]any{"user": u}
	if generated != "" {
		out["password"] = generated
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// changed names the fields an update sets, for the audit log (never their
// values: a password is a secret).
func changed(in userInput) string {
	var f []string
	for name, set := range map[string]bool{"name": in.Name != nil, "password": in.Password != nil, "admin": in.Admin != nil,
		"disabled": in.Disabled != nil, "memberships": in.Memberships != nil} {
		if set {
			f = append(f, name)
		}
	}
	slices.Sort(f)
	return strings.Join(f, ", ")
}

func (s *Server) apiDeleteUser(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if id == c.user.ID {
		return fail(http.StatusConflict, "you cannot delete yourself")
	}
	u, err := s.cfg.Store.User(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteUser(s.audited(r.Context(), c, "user.delete", u.Name, ""), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request, c *call) error {
	ts, err := s.cfg.Store.Tokens(r.Context(), c.user.ID)
	if err != nil {
		return err
	}
	if c.token != nil && c.token.Org != "" {
		// A token of one organisation does not learn of the others.
		ts = slices.DeleteFunc(ts, func(t ward.Token) bool { return t.Org != c.token.Org })
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ts})
	return nil
}

// MaxTokenDays is the longest an API token lives.
const MaxTokenDays = 365

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := byPerson(c); err != nil {
		return err
	}
	var in struct {
		Name  string     `json:"name"`
		Scope ward.Scope `json:"scope"`
		Org   string     `json:"org"`
		Days  int        `json:"days"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, secretValue, err := s.newToken(r, c, in.Name, in.Scope, in.Org, in.Days)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": t, "secret": secretValue})
	return nil
}

// newToken checks and stores a token; the secret is shown once.
func (s *Server) newToken(r *http.Request, c *call, name string, scope ward.Scope, org string, days int) (ward.Token, string, error) {
	var errs modelfile.Errors
	if name == "" || len(name) > 100 {
		errs = append(errs, modelfile.Error{File: "body", Field: "name", Message: "name the token (up to 100 characters)"})
	}
	if scope == "" {
		scope = ward.ScopeRead
	}
	if scope != ward.ScopeRead && scope != ward.ScopeWrite {
		errs = append(errs, modelfile.Error{File: "body", Field: "scope", Message: fmt.Sprintf("%q: read or write", scope)})
	}
	if org != "" && c.user.RoleIn(org) == "" {
		errs = append(errs, modelfile.Error{File: "body", Field: "org", Message: fmt.Sprintf("you have no role in %q", org)})
	}
	if days == 0 {
		days = 90
	}
	if days < 1 || days > MaxTokenDays {
		errs = append(errs, modelfile.Error{File: "body", Field: "days", Message: fmt.Sprintf("1 to %d", MaxTokenDays)})
	}
	if len(errs) > 0 {
		p := invalid(errs)
		p.Detail = fmt.Sprintf("the token has %d problem(s)", len(errs))
		return ward.Token{}, "", p
	}
	id := secret(6)
	value := "ward_" + id + "_" + secret(32)
	now := s.cfg.Now().UTC()
	t := ward.Token{ID: id, UserID: c.user.ID, Name: name, Hash: digest(value), Scope: scope, Org: org, Created: now, Expires: now.AddDate(0, 0, days)}
	if err := s.cfg.Store.PutToken(s.audited(r.Context(), c, "token.create", name, fmt.Sprintf("scope %s, %d days", scope, days)), t); err != nil {
		return t, "", err
	}
	return t, value, nil
}

// byPerson refuses token management to tokens: a leaked token must not
// mint or revoke others.
func byPerson(c *call) error {
	if c.token != nil {
		return fail(http.StatusForbidden, "a token cannot make or revoke tokens: sign in")
	}
	return nil
}

func (s *Server) apiUnlockUser(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := s.unlock(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiDeleteToken(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := byPerson(c); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.cfg.Store.DeleteToken(s.audited(r.Context(), c, "token.delete", id, ""), c.user.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
