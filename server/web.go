package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/procure"
	"github.com/wardhealth/ward/quantify"
)

// The dashboard: server-rendered pages (html/template) with one style
// sheet and small scripts served from the binary. No inline script or
// style, nothing from the Internet: it works in a closed hospital network
// under a strict Content Security Policy.

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

var (
	pagesOnce sync.Once
	pages     map[string]*template.Template
	pagesErr  error
)

var funcs = template.FuncMap{
	"add":      func(a, b int) int { return a + b },
	"sub":      func(a, b int) int { return a - b },
	"mul":      func(a, b int) int { return a * b },
	"sevclass": func(s string) string { return "sev-" + s },
	"money":    quantify.Money,
	// pct100 turns a probability into percent.
	"pct100": func(p float64) float64 { return 100 * p },
	"join":   strings.Join,
	// assetURL is an asset's page; ids may hold "/" and ":", so each
	// segment is escaped.
	"assetURL": assetURL,
	"inc":      func(i int) int { return i + 1 },
	// dict makes a map of pairs, for templates called with several values.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"deref": func(b *bool) bool { return b != nil && *b },
	// writer tells whether a role may change an organisation's model, so
	// that pages show write forms only to those who may use them.
	"writer": func(r ward.Role) bool { return r.Rank() >= ward.RoleAnalyst.Rank() && r != ward.RoleHub },
}

func assetURL(org, id string) string {
	return "/orgs/" + url.PathEscape(org) + "/assets/" + url.PathEscape(id)
}

// loadPages parses each page template with the layout.
func loadPages() (map[string]*template.Template, error) {
	pagesOnce.Do(func() {
		layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html"))
		names, err := fs.Glob(templateFiles, "templates/*.html")
		if err != nil {
			pagesErr = err
			return
		}
		pages = map[string]*template.Template{}
		for _, n := range names {
			base := strings.TrimPrefix(n, "templates/")
			if base == "layout.html" {
				continue
			}
			t, err := template.Must(layout.Clone()).ParseFS(templateFiles, n)
			if err == nil && base == "procure.html" {
				// The procurement report's body is procure's, as in
				// 'ward procure check --format html'.
				t, err = t.Parse(procure.HTMLBody)
			}
			if err != nil {
				pagesErr = fmt.Errorf("template %s: %w", n, err)
				return
			}
			pages[base] = t
		}
	})
	return pages, pagesErr
}

// pageData is what every page gets: the signed-in user, the CSRF token
// for its forms, the organisation it is about, the organisations the user
// may switch to, and the page's own data.
type pageData struct {
	Title   string
	User    *ward.User
	CSRF    string
	Org     string
	Role    ward.Role
	Orgs    []ward.Organisation
	Version string
	Nav     string
	// Sector: the user reads the sector's view (hub role, administrator).
	Sector bool
	Data   any
	// NavOrg and NavRole are the organisation the navigation leads to and
	// the user's role there: the page's organisation, or on the pages of
	// no organisation (tokens, users, the sector, errors) the one the user
	// read last, so that the navigation is the same on every page.
	NavOrg  string
	NavRole ward.Role
	// Content is the page's content when it was rendered before
	// (renderCached); the layout shows it instead of the "content"
	// template.
	Content template.HTML
}

// render writes a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, c *call, status int, name, title string, data any) error {
	return s.renderPage(w, r, c, status, name, title, data, "")
}

// maxCachedPages bounds the contents a view keeps, whatever queries come.
const maxCachedPages = 128

// renderCached writes a page whose content depends only on the view (one
// revision's model and assessment), the address and the caller's role: the content is rendered once and kept with the view, and
// only the layout (who is signed in, the navigation, the CSRF token) is
// rendered for each request. The large pages of a large hospital cost
// tens of milliseconds to render; twenty people reading them at once
// would wait on each other.
func (s *Server) renderCached(w http.ResponseWriter, r *http.Request, c *call, v *view, name, title string, data func() (any, error)) error {
	return s.renderCachedTitled(w, r, c, v, name, func() (any, string, error) {
		d, err := data()
		return d, title, err
	})
}

// cachedPage is a page's content and title, rendered.
type cachedPage struct {
	Title   string
	Content template.HTML
}

// renderCachedTitled is renderCached for a page whose title comes with
// its data.
func (s *Server) renderCachedTitled(w http.ResponseWriter, r *http.Request, c *call, v *view, name string, data func() (any, string, error)) error {
	key := r.URL.Path + "?" + r.URL.RawQuery + "|" + string(c.role)
	v.mu.Lock()
	page, ok := v.pages[key]
	v.mu.Unlock()
	if !ok {
		d, title, err := data()
		if err != nil {
			return err
		}
		t, err := pageTemplate(name)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "content", pageData{Title: title, Org: c.org, Role: c.role, Data: d}); err != nil {
			return err
		}
		page = cachedPage{Title: title, Content: template.HTML(buf.String())}
		v.mu.Lock()
		if v.pages == nil {
			v.pages = map[string]cachedPage{}
		}
		if len(v.pages) < maxCachedPages {
			v.pages[key] = page
		}
		v.mu.Unlock()
	}
	return s.renderPage(w, r, c, http.StatusOK, name, page.Title, nil, page.Content)
}

// pageTemplate is a page's template, with the layout.
func pageTemplate(name string) (*template.Template, error) {
	ps, err := loadPages()
	if err != nil {
		return nil, err
	}
	t, ok := ps[name]
	if !ok {
		return nil, fmt.Errorf("no page template %s", name)
	}
	return t, nil
}

func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, c *call, status int, name, title string, data any, content template.HTML) error {
	t, err := pageTemplate(name)
	if err != nil {
		return err
	}
	pd := pageData{Title: title, Version: s.cfg.Version, Data: data, Nav: strings.TrimSuffix(name, ".html"), Content: content}
	if c != nil && c.user.ID != "" {
		pd.User = &c.user
		pd.Org, pd.Role = c.org, c.role
		pd.Sector = c.user.Admin || c.user.RoleIn(ward.AllOrganisations) == ward.RoleHub
		if c.session != nil {
			pd.CSRF = c.session.CSRF
		}
		if pd.Orgs, err = s.visible(r, c); err != nil {
			return err
		}
		pd.NavOrg, pd.NavRole = navOrg(w, r, c, pd.Orgs)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// navCookie remembers the organisation last read, for the navigation of
// the pages of no organisation. It names an organisation, nothing secret,
// and is only believed for one the user may read.
const navCookie = "ward_org"

// navOrg is the organisation the navigation leads to (pageData.NavOrg),
// remembered when the page is one of an organisation's.
func navOrg(w http.ResponseWriter, r *http.Request, c *call, orgs []ward.Organisation) (string, ward.Role) {
	if c.org != "" {
		if ck, err := r.Cookie(navCookie); err != nil || ck.Value != c.org {
			http.SetCookie(w, &http.Cookie{Name: navCookie, Value: c.org, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		}
		return c.org, c.role
	}
	if len(orgs) == 0 {
		return "", ""
	}
	pick := orgs[0].ID
	if ck, err := r.Cookie(navCookie); err == nil {
		for _, o := range orgs {
			if o.ID == ck.Value {
				pick = o.ID
			}
		}
	}
	return pick, c.user.RoleIn(pick)
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, c *call, p *problem) {
	for k, v := range p.header {
		w.Header()[k] = v
	}
	if err := s.render(w, r, c, p.Status, "error.html", p.Title, p); err != nil {
		s.log.Error("render error page", "err", err)
		http.Error(w, p.Detail, p.Status)
	}
}

func (s *Server) registerWeb() {
	static, _ := fs.Sub(staticFiles, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.page("GET", "/login", public, s.webLoginForm)
	s.page("POST", "/login", public, s.webLogin)
	s.page("POST", "/logout", signedIn, s.webLogout)
	s.page("GET", "/{$}", signedIn, s.webHome)
	// Any other address: a 404 inside the layout (the API and TAXII
	// prefixes answer problems of their own).
	s.mux.Handle("/", s.metrics.instrument("/ (unknown)", http.HandlerFunc(s.webNotFound)))
	s.page("GET", "/orgs/{org}/{$}", orgViewer, s.webOverview)
	s.page("POST", "/orgs/{org}/assessments", orgAnalyst, s.webKeepAssessment)
	s.page("GET", "/orgs/{org}/assets", orgViewer, s.webAssets)
	s.page("GET", "/orgs/{org}/assets/{id}", orgViewer, s.webAsset)
	s.page("GET", "/orgs/{org}/map", orgViewer, s.webMap)
	s.page("GET", "/orgs/{org}/map/path.svg", orgViewer, s.webMapPathSVG)
	s.page("GET", "/orgs/{org}/services", orgViewer, s.webServices)
	s.page("GET", "/orgs/{org}/plan", orgViewer, s.webPlan)
	s.page("GET", "/orgs/{org}/risks", orgViewer, s.webRisks)
	s.page("GET", "/orgs/{org}/findings", orgViewer, s.webFindings)
	s.page("GET", "/orgs/{org}/vulnerabilities", orgViewer, s.webVulnerabilities)
	s.page("GET", "/orgs/{org}/reports", orgViewer, s.webReports)
	s.page("GET", "/orgs/{org}/scenarios", orgViewer, s.webScenarios)
	s.page("GET", "/orgs/{org}/baselines", orgViewer, s.webBaselines)
	s.page("GET", "/orgs/{org}/audit", orgAdmin, s.webAudit)
	s.page("GET", "/audit", administrator, s.webAuditAll)
	s.page("GET", "/orgs/{org}/reports/{format}", orgViewer, s.webReport)
	s.page("GET", "/orgs/{org}/loss", orgViewer, s.webLoss)
	// Viewers see the import page without its form; posting needs an
	// analyst. The body limit of /import is the model limit (authorise).
	s.page("GET", "/orgs/{org}/import", orgViewer, s.webImportForm)
	s.page("POST", "/orgs/{org}/import", orgAnalyst, s.webImport)
	s.page("GET", "/orgs/{org}/procure", orgViewer, s.webProcureForm)
	s.page("POST", "/orgs/{org}/procure", orgViewer, s.webProcure)
	s.page("POST", "/orgs/{org}/procure/place", orgAnalyst, s.webProcurePlace)
	s.page("GET", "/tokens", signedIn, s.webTokens)
	s.page("POST", "/tokens", signedIn, s.webCreateToken)
	s.page("POST", "/tokens/{id}/revoke", signedIn, s.webRevokeToken)
	s.page("GET", "/sector", sectorReader, s.webSector)
	s.page("GET", "/users", administrator, s.webUsers)
	s.page("POST", "/users", administrator, s.webCreateUser)
	s.page("POST", "/users/{id}/unlock", administrator, s.webUnlockUser)
	s.page("POST", "/users/{id}/disable", administrator, s.webDisableUser)
	s.page("POST", "/users/{id}/enable", administrator, s.webEnableUser)
}

// safeNext keeps a redirect after sign-in on this site: a path of this
// origin in printable ASCII, or "/". Browsers drop tabs and newlines from
// a Location and read a backslash as a slash, so "/\t/evil" and "/\\evil"
// would leave for another host; they are refused, as is anything with a
// scheme, a host or more than 2 KiB.
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return "/"
	}
	return next
}

type loginData struct {
	Next  string
	Name  string
	Error string
}

func (s *Server) webLoginForm(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.render(w, r, nil, http.StatusOK, "login.html", "Sign in", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) webLogin(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := r.ParseForm(); err != nil {
		return fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	name, next := r.PostFormValue("name"), safeNext(r.PostFormValue("next"))
	_, _, err := s.signIn(w, r, name, r.PostFormValue("password"))
	if p, ok := asProblem(err); err != nil && ok && (p.Status == http.StatusUnauthorized || p.Status == http.StatusTooManyRequests) {
		for k, v := range p.header {
			w.Header()[k] = v
		}
		return s.render(w, r, nil, p.Status, "login.html", "Sign in", loginData{Next: next, Name: name, Error: p.Detail})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) webLogout(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.signOut(w, r, c); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// webNotFound answers an address no route has with the error page,
// with the caller's navigation when signed in.
func (s *Server) webNotFound(w http.ResponseWriter, r *http.Request) {
	c := &call{remote: s.remote(r)}
	if s.authenticate(r, c) != nil {
		c = nil
	}
	s.errorPage(w, r, c, fail(http.StatusNotFound, "no page at %s", r.URL.Path))
}

// webHome sends the user to their organisation, or lists them.
func (s *Server) webHome(w http.ResponseWriter, r *http.Request, c *call) error {
	orgs, err := s.visible(r, c)
	if err != nil {
		return err
	}
	if len(orgs) == 1 {
		http.Redirect(w, r, "/orgs/"+orgs[0].ID+"/", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, c, http.StatusOK, "home.html", "Organisations", orgs)
}

func (s *Server) webOverview(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.assessed(r.Context(), c.org)
	if err != nil {
		return err
	}
	o := v.overview()
	if o.Loss, err = v.loss(s.cfg.Catalog, quantify.DefaultTrials, quantify.DefaultSeed); err != nil {
		return err
	}
	open, err := s.cfg.Store.Incidents(r.Context(), c.org, ward.IncidentFilter{Open: true})
	if err != nil {
		return err
	}
	o.Incidents = len(open)
	for k := range open {
		if len(open[k].Clock(s.cfg.Now()).Overdue) > 0 {
			o.Overdue++
		}
	}
	if o.Detections, err = s.recentDetections(r.Context(), c.org); err != nil {
		return err
	}
	if o.History, err = s.history(r.Context(), c.org, v); err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "overview.html", v.Model.Organisation.Name, o)
}

// formError is the error of parsing a POST form, which PostFormValue
// drops: a body over its limit, for instance.
func formError(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(32 << 20)
	}
	return r.ParseForm()
}
