package taxii

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/parallel"
	"github.com/wardhealth/ward/server/internal/core"
	"github.com/wardhealth/ward/share"
)

const taxiiType = "application/taxii+json;version=2.1"

// taxiiError is TAXII's error message.
type taxiiError struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	HTTPStatus  string `json:"http_status"`
	header      http.Header
}

func taxiiFail(status int, format string, a ...any) *taxiiError {
	return &taxiiError{Title: http.StatusText(status), Description: fmt.Sprintf(format, a...), HTTPStatus: strconv.Itoa(status)}
}

func (e *taxiiError) Error() string { return e.HTTPStatus + " " + e.Title + ": " + e.Description }

func writeTAXII(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"title":"Internal Server Error","http_status":"500"}`)
	}
	w.Header().Set("Content-Type", taxiiType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

// taxiiRoute wraps a TAXII handler: authentication (Basic or token), the
// Accept and Content-Type checks, the body limit, and TAXII errors.
func (s *handler) taxiiRoute(method, pattern string, write bool, h func(w http.ResponseWriter, r *http.Request, c *core.Call) error) {
	s.routes = append(s.routes, method+" "+pattern)
	name := method + " " + pattern
	s.Mux.Handle(name, s.Metrics.Instrument(name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			if !acceptsTAXII(r.Header.Get("Accept")) {
				return taxiiFail(http.StatusNotAcceptable, "send Accept: %s", taxiiType)
			}
			if err := s.Bound(w, r, s.Cfg.MaxModelBytes); err != nil {
				var mb *http.MaxBytesError
				errors.As(err, &mb)
				return taxiiFail(http.StatusRequestEntityTooLarge, "the envelope is larger than %d bytes", mb.Limit)
			}
			c := &core.Call{Remote: s.Remote(r)}
			if err := s.taxiiAuth(r, c); err != nil {
				return err
			}
			if write && c.Token != nil && c.Token.Scope != ward.ScopeWrite {
				return taxiiFail(http.StatusForbidden, "this token may only read")
			}
			return h(w, r, c)
		}()
		if err != nil {
			s.taxiiError(w, r, err)
		}
	})))
}

func (s *handler) taxiiError(w http.ResponseWriter, r *http.Request, err error) {
	var te *taxiiError
	if !errors.As(err, &te) {
		p, known := core.AsProblem(err)
		if !known {
			s.Log.Error("TAXII request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		te = &taxiiError{Title: p.Title, Description: p.Detail, HTTPStatus: strconv.Itoa(p.Status), header: p.Header}
	}
	for k, v := range te.header {
		w.Header()[k] = v
	}
	status, _ := strconv.Atoi(te.HTTPStatus)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="ward", charset="UTF-8"`)
	}
	writeTAXII(w, status, te)
}

// acceptsTAXII tells whether an Accept header takes TAXII 2.1 JSON.
func acceptsTAXII(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if mt == "application/taxii+json" && (params["version"] == "" || params["version"] == "2.1") || mt == "*/*" || mt == "application/*" {
			return true
		}
	}
	return false
}

// taxiiAuth authenticates by Basic (name and password) or Bearer token.
// A password is checked once per minute per credential and address: the
// check is made to be slow, and TAXII clients send it with every request.
// (Were the address not part of the key, a guess that hits the cache
// would go past the backoff.) Basic clients keep no cookies: one is
// recognised by its address having signed in as that name before.
func (s *handler) taxiiAuth(r *http.Request, c *core.Call) error {
	if name, password, ok := r.BasicAuth(); ok {
		key := core.Digest(name + "\x00" + password + "\x00" + c.Remote)
		if cred, ok := s.BasicCache.Get(key); ok {
			if err := s.LoadUser(r.Context(), c, cred.User); err != nil {
				return err
			}
			if c.User.PasswordHash == cred.Hash {
				return nil
			}
			// The password changed since: check this one again.
		}
		client, device := "client:"+strings.ToLower(name)+"|"+c.Remote, ""
		if s.Known.Has(client, s.Cfg.Now()) {
			device = client
		}
		u, err := s.CheckPassword(r.Context(), name, password, c.Remote, device)
		if err != nil {
			return err
		}
		s.Known.Add(client, s.Cfg.Now())
		s.BasicCache.Put(key, u)
		c.User = u
		return nil
	}
	if r.Header.Get("Authorization") == "" {
		return taxiiFail(http.StatusUnauthorized, "authenticate with HTTP Basic or an API token (Bearer ward_...)")
	}
	return s.Authenticate(r, c)
}

// canAccess tells whether a user may read (or, with write, add to) a
// collection whose readers or writers are listed: a Ward administrator;
// for reading, the hub role over every organisation or over a listed one;
// a member of a listed organisation, at least an analyst to write.
// Tokens limited to one organisation reach here already narrowed to it
// (ward.User.Within).
func canAccess(u *ward.User, list []string, write bool) bool {
	if u.Admin {
		return true
	}
	for _, m := range u.Memberships {
		listed := slices.Contains(list, ward.AllOrganisations) || slices.Contains(list, m.Org)
		switch {
		case m.Role == ward.RoleHub:
			if !write && (m.Org == ward.AllOrganisations || listed) {
				return true
			}
		case write && m.Role.Rank() < ward.RoleAnalyst.Rank():
		case listed:
			return true
		}
	}
	return false
}

func (s *handler) registerTAXII() {
	s.taxiiRoute("GET", "/taxii2/{$}", false, s.taxiiDiscovery)
	s.taxiiRoute("GET", "/taxii2/api/{$}", false, s.taxiiAPIRoot)
	s.taxiiRoute("GET", "/taxii2/api/collections/{$}", false, s.taxiiCollections)
	s.taxiiRoute("GET", "/taxii2/api/collections/{id}/{$}", false, s.taxiiCollection)
	s.taxiiRoute("GET", "/taxii2/api/collections/{id}/manifest/{$}", false, s.taxiiManifest)
	s.taxiiRoute("GET", "/taxii2/api/collections/{id}/objects/{$}", false, s.taxiiObjects)
	s.taxiiRoute("POST", "/taxii2/api/collections/{id}/objects/{$}", true, s.taxiiAdd)
	s.taxiiRoute("GET", "/taxii2/api/collections/{id}/objects/{object}/{$}", false, s.taxiiObject)
	s.taxiiRoute("DELETE", "/taxii2/api/collections/{id}/objects/{object}/{$}", true, s.taxiiDelete)
	s.taxiiRoute("GET", "/taxii2/api/collections/{id}/objects/{object}/versions/{$}", false, s.taxiiVersions)
	s.taxiiRoute("GET", "/taxii2/api/status/{status}/{$}", false, s.taxiiStatus)
	// Any other path under /taxii2/ is a TAXII error: 405 (with Allow)
	// for a known path and another method, else 404.
	paths := http.NewServeMux()
	allow := map[string][]string{}
	for _, rt := range s.routes {
		method, pattern, _ := strings.Cut(rt, " ")
		if allow[pattern] == nil {
			paths.Handle(pattern, http.NotFoundHandler())
		}
		allow[pattern] = append(allow[pattern], method)
	}
	s.Mux.Handle("/taxii2/", s.Metrics.Instrument("/taxii2/ (unknown)", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := paths.Handler(r); pattern != "" {
			w.Header().Set("Allow", strings.Join(allow[pattern], ", "))
			s.taxiiError(w, r, taxiiFail(http.StatusMethodNotAllowed, "%s is not allowed here; allowed: %s", r.Method, strings.Join(allow[pattern], ", ")))
			return
		}
		s.taxiiError(w, r, taxiiFail(http.StatusNotFound, "%s: no such TAXII resource (discovery is /taxii2/, the API root /taxii2/api/)", r.URL.Path))
	})))
}

func (s *handler) taxiiDiscovery(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	writeTAXII(w, http.StatusOK, map[string]any{"title": "Ward", "description": "Cyber-risk intelligence for hospitals and health CSIRTs",
		"default": "/taxii2/api/", "api_roots": []string{"/taxii2/api/"}})
	return nil
}

func (s *handler) taxiiAPIRoot(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	writeTAXII(w, http.StatusOK, map[string]any{"title": "Ward sharing", "versions": []string{taxiiType},
		"max_content_length": s.Cfg.MaxModelBytes})
	return nil
}

type taxiiCollection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types"`
}

func describe(col ward.Collection, c *core.Call) taxiiCollection {
	return taxiiCollection{ID: col.ID, Title: col.Title, Description: col.Description,
		CanRead: canAccess(&c.User, col.Readers, false), CanWrite: canAccess(&c.User, col.Writers, true),
		MediaTypes: []string{"application/stix+json;version=2.1"}}
}

func (s *handler) taxiiCollections(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	cols, err := s.Cfg.Store.Collections(r.Context())
	if err != nil {
		return err
	}
	out := []taxiiCollection{}
	for _, col := range cols {
		if d := describe(col, c); d.CanRead || d.CanWrite {
			out = append(out, d)
		}
	}
	body := map[string]any{}
	if len(out) > 0 {
		body["collections"] = out
	}
	writeTAXII(w, http.StatusOK, body)
	return nil
}

// collection finds a collection the caller may see: one it may neither
// read nor write is not found.
func (s *handler) collection(r *http.Request, c *core.Call, write bool) (ward.Collection, error) {
	col, err := s.Cfg.Store.Collection(r.Context(), r.PathValue("id"))
	if errors.Is(err, ward.ErrNotFound) {
		return col, taxiiFail(http.StatusNotFound, "collection %q: not found", r.PathValue("id"))
	}
	if err != nil {
		return col, err
	}
	d := describe(col, c)
	switch {
	case !d.CanRead && !d.CanWrite:
		return col, taxiiFail(http.StatusNotFound, "collection %q: not found", col.ID)
	case write && !d.CanWrite:
		return col, taxiiFail(http.StatusForbidden, "you may not add to or delete from collection %q", col.ID)
	case !write && !d.CanRead:
		return col, taxiiFail(http.StatusForbidden, "you may not read collection %q", col.ID)
	}
	return col, nil
}

func (s *handler) taxiiCollection(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	col, err := s.Cfg.Store.Collection(r.Context(), r.PathValue("id"))
	if errors.Is(err, ward.ErrNotFound) {
		return taxiiFail(http.StatusNotFound, "collection %q: not found", r.PathValue("id"))
	}
	if err != nil {
		return err
	}
	d := describe(col, c)
	if !d.CanRead && !d.CanWrite {
		return taxiiFail(http.StatusNotFound, "collection %q: not found", col.ID)
	}
	writeTAXII(w, http.StatusOK, d)
	return nil
}

// collectionFilter finds the collection of the path and reads the
// request's filter: the start of every handler of a collection's objects.
func (s *handler) collectionFilter(r *http.Request, c *core.Call, write bool) (ward.Collection, ward.ObjectFilter, error) {
	col, err := s.collection(r, c, write)
	if err != nil {
		return col, ward.ObjectFilter{}, err
	}
	f, err := filter(r, col.ID)
	return col, f, err
}

// filter reads TAXII's query parameters: added_after, limit (1-1000,
// default 100), next, match[id|type|version|spec_version].
func filter(r *http.Request, collection string) (ward.ObjectFilter, error) {
	q := r.URL.Query()
	f := ward.ObjectFilter{Collection: collection, Limit: 100}
	for k := range q {
		switch k {
		case "added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]":
		default:
			return f, taxiiFail(http.StatusBadRequest, "unknown parameter %q", k)
		}
	}
	if v := q.Get("added_after"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return f, taxiiFail(http.StatusBadRequest, "added_after %q: an RFC 3339 timestamp", v)
		}
		f.AddedAfter = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, taxiiFail(http.StatusBadRequest, "limit %q: a positive number", v)
		}
		f.Limit = min(n, 1000)
	}
	if v := q.Get("next"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.ParseInt(strings.TrimPrefix(string(b), "s:"), 10, 64)
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "s:") || n < 0 {
			return f, taxiiFail(http.StatusBadRequest, "next %q: use the next value of the previous page", v)
		}
		f.After = n
	}
	split := func(k string) []string {
		var out []string
		for _, v := range q[k] {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	f.IDs, f.Types, f.Versions, f.SpecVersions = split("match[id]"), split("match[type]"), split("match[version]"), split("match[spec_version]")
	for _, v := range f.Versions {
		if v != "last" && v != "first" && v != "all" {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return f, taxiiFail(http.StatusBadRequest, "match[version] %q: last, first, all or a timestamp", v)
			}
		}
	}
	return f, nil
}

// objectPage fetches a page of objects and sets the date-added headers and next cursor.
func (s *handler) objectPage(w http.ResponseWriter, r *http.Request, c *core.Call, f ward.ObjectFilter) ([]ward.SharedObject, map[string]any, error) {
	objs, more, err := s.Cfg.Store.Objects(r.Context(), f)
	if err != nil {
		return nil, nil, err
	}
	last := f.After
	if len(objs) > 0 {
		last = objs[len(objs)-1].Seq
	}
	// The headers speak of what the caller sees.
	objs = core.Visible(objs, c)
	if len(objs) > 0 {
		w.Header().Set("X-TAXII-Date-Added-First", objs[0].Added.UTC().Format("2006-01-02T15:04:05.000000Z"))
		w.Header().Set("X-TAXII-Date-Added-Last", objs[len(objs)-1].Added.UTC().Format("2006-01-02T15:04:05.000000Z"))
	}
	env := map[string]any{"more": more}
	if more {
		env["next"] = base64.RawURLEncoding.EncodeToString([]byte("s:" + strconv.FormatInt(last, 10)))
	}
	return objs, env, nil
}

func (s *handler) taxiiObjects(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	col, f, err := s.collectionFilter(r, c, false)
	if err != nil {
		return err
	}
	// A page is the same for every caller who sees the same objects until
	// the collection changes: many clients polling one feed share it.
	key := fmt.Sprintf("%s|%d|%s|%s", col.ID, col.Generation, r.URL.RawQuery, audienceOf(c))
	if p, ok := s.pages.Get(key); ok {
		p.write(w)
		return nil
	}
	// The page is read once for the callers who miss it together, under
	// a context the first caller's leaving does not cancel.
	r = r.WithContext(context.WithoutCancel(r.Context()))
	p, err, _ := s.pageFlight.Do(key, func() (any, error) {
		if p, ok := s.pages.Get(key); ok {
			return p, nil
		}
		rec := &recordedPage{header: http.Header{}}
		objs, env, err := s.objectPage(rec, r, c, f)
		if err != nil {
			return nil, err
		}
		rec.body = envelopeBytes(env, objs)
		s.pages.Put(key, rec)
		return rec, nil
	})
	if err != nil {
		return err
	}
	p.(*recordedPage).write(w)
	return nil
}

// audienceOf names what a caller may see of RED and AMBER+STRICT objects:
// everything (an administrator) or those of its organisations.
func audienceOf(c *core.Call) string {
	if c.User.Admin {
		return "*admin"
	}
	orgs := core.OrgsOf(&c.User)
	slices.Sort(orgs)
	return strings.Join(orgs, ",")
}

// envelopeBytes is an envelope with the objects' stored JSON as is.
func envelopeBytes(env map[string]any, objs []ward.SharedObject) []byte {
	head, _ := json.Marshal(env)
	if len(objs) == 0 {
		return head
	}
	size := len(head) + 16
	for _, o := range objs {
		size += len(o.Data) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, head[:len(head)-1]...)
	b = append(b, `,"objects":[`...)
	for i, o := range objs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, o.Data...)
	}
	return append(b, "]}"...)
}

func writeEnvelope(w http.ResponseWriter, env map[string]any, objs []ward.SharedObject) {
	w.Header().Set("Content-Type", taxiiType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(envelopeBytes(env, objs))
}

// recordedPage is a page of objects kept to be served again: its
// date-added headers and body.
type recordedPage struct {
	header http.Header
	body   []byte
}

func (p *recordedPage) Header() http.Header { return p.header }

func (p *recordedPage) Write(b []byte) (int, error) {
	p.body = append(p.body, b...)
	return len(b), nil
}

func (p *recordedPage) WriteHeader(int) {}

func (p *recordedPage) write(w http.ResponseWriter) {
	for k, v := range p.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", taxiiType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(p.body)))
	w.WriteHeader(http.StatusOK)
	w.Write(p.body)
}

func (s *handler) taxiiManifest(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	_, f, err := s.collectionFilter(r, c, false)
	if err != nil {
		return err
	}
	objs, env, err := s.objectPage(w, r, c, f)
	if err != nil {
		return err
	}
	type record struct {
		ID        string `json:"id"`
		DateAdded string `json:"date_added"`
		Version   string `json:"version"`
		MediaType string `json:"media_type"`
	}
	var out []record
	for _, o := range objs {
		out = append(out, record{o.ID, o.Added.Format("2006-01-02T15:04:05.000000Z"), share.FormatTime(o.Version), "application/stix+json;version=2.1"})
	}
	if len(out) > 0 {
		env["objects"] = out
	}
	writeTAXII(w, http.StatusOK, env)
	return nil
}

func (s *handler) taxiiObject(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	col, f, err := s.collectionFilter(r, c, false)
	if err != nil {
		return err
	}
	f.IDs = []string{r.PathValue("object")}
	objs, env, err := s.objectPage(w, r, c, f)
	if err != nil {
		return err
	}
	if len(objs) == 0 && f.After == 0 {
		return taxiiFail(http.StatusNotFound, "object %q: not in collection %q", r.PathValue("object"), col.ID)
	}
	writeEnvelope(w, env, objs)
	return nil
}

func (s *handler) taxiiVersions(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	col, f, err := s.collectionFilter(r, c, false)
	if err != nil {
		return err
	}
	f.IDs, f.Versions = []string{r.PathValue("object")}, []string{"all"}
	objs, env, err := s.objectPage(w, r, c, f)
	if err != nil {
		return err
	}
	if len(objs) == 0 && f.After == 0 {
		return taxiiFail(http.StatusNotFound, "object %q: not in collection %q", r.PathValue("object"), col.ID)
	}
	var versions []string
	for _, o := range objs {
		versions = append(versions, share.FormatTime(o.Version))
	}
	env["versions"] = versions
	writeTAXII(w, http.StatusOK, env)
	return nil
}

func (s *handler) taxiiDelete(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	col, f, err := s.collectionFilter(r, c, true)
	if err != nil {
		return err
	}
	versions := "every version"
	if len(f.Versions) > 0 {
		versions = "versions " + strings.Join(f.Versions, ", ")
	}
	ctx := s.Audited(r.Context(), c, "taxii.delete", r.PathValue("object"), fmt.Sprintf("collection %s, %s", col.ID, versions))
	n, err := s.Cfg.Store.DeleteObject(ctx, col.ID, r.PathValue("object"), f.Versions)
	if err != nil {
		return err
	}
	if n == 0 {
		return taxiiFail(http.StatusNotFound, "object %q: not in collection %q", r.PathValue("object"), col.ID)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// taxiiStatusDoc is TAXII's status resource.
type taxiiStatusDoc struct {
	ID               string        `json:"id"`
	Status           string        `json:"status"`
	RequestTimestamp string        `json:"request_timestamp"`
	TotalCount       int           `json:"total_count"`
	SuccessCount     int           `json:"success_count"`
	Successes        []statusEntry `json:"successes,omitempty"`
	FailureCount     int           `json:"failure_count"`
	Failures         []statusEntry `json:"failures,omitempty"`
	PendingCount     int           `json:"pending_count"`
}

type statusEntry struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Message string `json:"message,omitempty"`
}

// taxiiAdd takes an envelope of objects: each is checked on its own, and
// added, or listed among the failures with why; the status says which.
// RED and AMBER+STRICT objects are refused by a collection that other
// organisations read: they do not leave their organisation.
func (s *handler) taxiiAdd(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	col, err := s.collection(r, c, true)
	if err != nil {
		return err
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/taxii+json" || params["version"] != "" && params["version"] != "2.1" {
		return taxiiFail(http.StatusUnsupportedMediaType, "send Content-Type: %s", taxiiType)
	}
	var env struct {
		Objects []json.RawMessage `json:"objects"`
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&env); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return taxiiFail(http.StatusRequestEntityTooLarge, "the envelope is larger than %d bytes", mb.Limit)
		}
		return taxiiFail(http.StatusBadRequest, "malformed envelope: %v", err)
	}
	if len(env.Objects) == 0 {
		return taxiiFail(http.StatusUnprocessableEntity, "the envelope holds no objects")
	}
	if len(env.Objects) > share.MaxObjects {
		return taxiiFail(http.StatusRequestEntityTooLarge, "%d objects, more than %d", len(env.Objects), share.MaxObjects)
	}
	now := s.Cfg.Now().UTC()
	orgs := core.OrgsOf(&c.User)
	adder := ""
	if len(orgs) == 1 && orgs[0] != ward.AllOrganisations {
		adder = orgs[0]
	}
	shared := slices.ContainsFunc(col.Readers, func(o string) bool { return o != adder })
	st := taxiiStatusDoc{ID: uuid.NewString(), Status: "complete", RequestTimestamp: now.Format("2006-01-02T15:04:05.000Z"), TotalCount: len(env.Objects)}
	// Objects are read and checked on every core, each into its place;
	// the status lists them in the envelope's order.
	type verdict struct {
		entry  statusEntry
		header share.Header
		object ward.SharedObject
		ok     bool
	}
	verdicts := make([]verdict, len(env.Objects))
	onCores := func(fn func(i int)) {
		workers := min(runtime.GOMAXPROCS(0), (len(env.Objects)+99)/100)
		var wg parallel.Group // a fault fails this request, not the server
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(env.Objects); i += workers {
					fn(i)
				}
			})
		}
		wg.Wait()
	}
	onCores(func(i int) {
		v := &verdicts[i]
		h, err := share.ReadHeader(env.Objects[i])
		if err != nil {
			v.entry = statusEntry{ID: "unknown", Message: "not a STIX object: " + err.Error()}
			return
		}
		v.header, v.ok = h, true
		v.entry = statusEntry{ID: h.ID, Version: share.FormatTime(h.Version(now))}
	})
	// One TLP decision per object, from all its markings (share.Admit);
	// the envelope's statement markings restrict nothing.
	var defs []share.Header
	for _, v := range verdicts {
		if v.ok && v.header.Type == "marking-definition" {
			defs = append(defs, v.header)
		}
	}
	neutral := share.Neutral(defs)
	onCores(func(i int) {
		v := &verdicts[i]
		if !v.ok {
			return
		}
		var err error
		if v.object, err = share.Admit(col.ID, env.Objects[i], v.header, neutral, adder, shared, now); err != nil {
			v.ok, v.entry.Message = false, err.Error()
		}
	})
	var add []ward.SharedObject
	var headers []share.Header
	for _, v := range verdicts {
		if !v.ok {
			st.Failures = append(st.Failures, v.entry)
			continue
		}
		add, headers = append(add, v.object), append(headers, v.header)
		st.Successes = append(st.Successes, v.entry)
	}
	if add, err = share.Unversioned(r.Context(), s.Cfg.Store, add, func(i int) share.Header { return headers[i] }); err != nil {
		return err
	}
	// The objects, the status and the audit entry are stored together:
	// an addition cut short leaves none of them.
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	data, _ := json.Marshal(st)
	ctx := s.Audited(r.Context(), c, "taxii.add", col.ID, fmt.Sprintf("%d added, %d refused", st.SuccessCount, st.FailureCount))
	if _, err := s.Cfg.Store.AddObjects(ctx, add, now, &ward.AdditionStatus{ID: st.ID, Collection: col.ID, Data: data}); err != nil {
		return err
	}
	writeTAXII(w, http.StatusAccepted, st)
	return nil
}

func (s *handler) taxiiStatus(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	data, err := s.Cfg.Store.Status(r.Context(), r.PathValue("status"))
	if errors.Is(err, ward.ErrNotFound) {
		return taxiiFail(http.StatusNotFound, "status %q: not found", r.PathValue("status"))
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", taxiiType)
	w.WriteHeader(http.StatusOK)
	w.Write(data)
	return nil
}
