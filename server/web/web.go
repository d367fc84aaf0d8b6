package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/procure"
	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/server/internal/core"
)

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
func (s *handler) render(w http.ResponseWriter, r *http.Request, c *core.Call, status int, name, title string, data any) error {
	return s.renderPage(w, r, c, status, name, title, data, "")
}

// renderCached writes a page whose content depends only on the view (one
// revision's model and assessment), the address and the caller's role: the content is rendered once and kept with the view, and
// only the layout (who is signed in, the navigation, the CSRF token) is
// rendered for each request. The large pages of a large hospital cost
// tens of milliseconds to render; twenty people reading them at once
// would wait on each other.
func (s *handler) renderCached(w http.ResponseWriter, r *http.Request, c *core.Call, v *core.View, name, title string, data func() (any, error)) error {
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
func (s *handler) renderCachedTitled(w http.ResponseWriter, r *http.Request, c *core.Call, v *core.View, name string, data func() (any, string, error)) error {
	key := "page " + r.URL.Path + "?" + r.URL.RawQuery + "|" + string(c.Role)
	kept, err := v.Keep(key, func() (any, error) {
		d, title, err := data()
		if err != nil {
			return nil, err
		}
		t, err := pageTemplate(name)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "content", pageData{Title: title, Org: c.Org, Role: c.Role, Data: d}); err != nil {
			return nil, err
		}
		return cachedPage{Title: title, Content: template.HTML(buf.String())}, nil
	})
	if err != nil {
		return err
	}
	page := kept.(cachedPage)
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

func (s *handler) renderPage(w http.ResponseWriter, r *http.Request, c *core.Call, status int, name, title string, data any, content template.HTML) error {
	t, err := pageTemplate(name)
	if err != nil {
		return err
	}
	pd := pageData{Title: title, Version: s.Cfg.Version, Data: data, Nav: strings.TrimSuffix(name, ".html"), Content: content}
	if c != nil && c.User.ID != "" {
		pd.User = &c.User
		pd.Org, pd.Role = c.Org, c.Role
		pd.Sector = c.User.Admin || c.User.RoleIn(ward.AllOrganisations) == ward.RoleHub
		if c.Session != nil {
			pd.CSRF = c.Session.CSRF
		}
		if pd.Orgs, err = s.Visible(r, c); err != nil {
			return err
		}
		pd.NavOrg, pd.NavRole = navOrg(w, r, c, pd.Orgs)
	}
	if content != "" {
		// The content, rendered before, is written beside the layout
		// rather than through it: a template prints a value by copying
		// it through fmt, and a map's content is megabytes.
		pd.Content = contentSlot
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		return err
	}
	before, after := buf.Bytes(), []byte(nil)
	if content != "" {
		var ok bool
		if before, after, ok = bytes.Cut(before, []byte(contentSlot)); !ok {
			return fmt.Errorf("page %s: the layout has no place for the content", name)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(before)
	if content != "" {
		io.WriteString(w, string(content))
		w.Write(after)
	}
	return nil
}

// contentSlot stands for a page's content in its layout until it is
// written: a comment no template writes.
const contentSlot template.HTML = "<!--ward: the page's content-->"

// navCookie remembers the organisation last read, for the navigation of
// the pages of no organisation. It names an organisation, nothing secret,
// and is only believed for one the user may read.
const navCookie = "ward_org"

// navOrg is the organisation the navigation leads to (pageData.NavOrg),
// remembered when the page is one of an organisation's.
func navOrg(w http.ResponseWriter, r *http.Request, c *core.Call, orgs []ward.Organisation) (string, ward.Role) {
	if c.Org != "" {
		if ck, err := r.Cookie(navCookie); err != nil || ck.Value != c.Org {
			http.SetCookie(w, &http.Cookie{Name: navCookie, Value: c.Org, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		}
		return c.Org, c.Role
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
	return pick, c.User.RoleIn(pick)
}

func (s *handler) errorPage(w http.ResponseWriter, r *http.Request, c *core.Call, p *core.Problem) {
	for k, v := range p.Header {
		w.Header()[k] = v
	}
	if err := s.render(w, r, c, p.Status, "error.html", p.Title, p); err != nil {
		s.Log.Error("render error page", "err", err)
		http.Error(w, p.Detail, p.Status)
	}
}

func (s *handler) registerWeb() {
	static, _ := fs.Sub(staticFiles, "static")
	s.Mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.Page("GET", "/login", core.Public, s.webLoginForm)
	s.Page("POST", "/login", core.Public, s.webLogin)
	s.Page("POST", "/logout", core.SignedIn, s.webLogout)
	s.Page("GET", "/{$}", core.SignedIn, s.webHome)
	// Any other address: a 404 inside the layout (the API and TAXII
	// prefixes answer problems of their own).
	s.Mux.Handle("/", s.Metrics.Instrument("/ (unknown)", http.HandlerFunc(s.webNotFound)))
	s.Page("GET", "/orgs/{org}/{$}", core.OrgViewer, s.webOverview)
	s.Page("POST", "/orgs/{org}/assessments", core.OrgAnalyst, s.webKeepAssessment)
	s.Page("GET", "/orgs/{org}/assets", core.OrgViewer, s.webAssets)
	s.Page("GET", "/orgs/{org}/assets/{id}", core.OrgViewer, s.webAsset)
	s.Page("GET", "/orgs/{org}/map", core.OrgViewer, s.webMap)
	s.Page("GET", "/orgs/{org}/map/path.svg", core.OrgViewer, s.webMapPathSVG)
	s.Page("GET", "/orgs/{org}/services", core.OrgViewer, s.webServices)
	s.Page("GET", "/orgs/{org}/plan", core.OrgViewer, s.webPlan)
	s.Page("GET", "/orgs/{org}/risks", core.OrgViewer, s.webRisks)
	s.Page("GET", "/orgs/{org}/findings", core.OrgViewer, s.webFindings)
	s.Page("GET", "/orgs/{org}/vulnerabilities", core.OrgViewer, s.webVulnerabilities)
	s.Page("GET", "/orgs/{org}/reports", core.OrgViewer, s.webReports)
	s.Page("GET", "/orgs/{org}/scenarios", core.OrgViewer, s.webScenarios)
	s.Page("GET", "/orgs/{org}/baselines", core.OrgViewer, s.webBaselines)
	s.Page("GET", "/orgs/{org}/audit", core.OrgAdmin, s.webAudit)
	s.Page("GET", "/audit", core.Administrator, s.webAuditAll)
	s.Page("GET", "/orgs/{org}/reports/{format}", core.OrgViewer, s.webReport)
	s.Page("GET", "/orgs/{org}/loss", core.OrgViewer, s.webLoss)
	// Viewers see the import page without its form; posting needs an
	// analyst. The body limit of /import is the model limit (authorise).
	s.Page("GET", "/orgs/{org}/import", core.OrgViewer, s.webImportForm)
	s.Page("POST", "/orgs/{org}/import", core.OrgAnalyst, s.webImport)
	s.Page("GET", "/orgs/{org}/procure", core.OrgViewer, s.webProcureForm)
	s.Page("POST", "/orgs/{org}/procure", core.OrgViewer, s.webProcure)
	s.Page("POST", "/orgs/{org}/procure/place", core.OrgAnalyst, s.webProcurePlace)
	s.Page("GET", "/tokens", core.SignedIn, s.webTokens)
	s.Page("POST", "/tokens", core.SignedIn, s.webCreateToken)
	s.Page("POST", "/tokens/{id}/revoke", core.SignedIn, s.webRevokeToken)
	s.Page("GET", "/sector", core.SectorReader, s.webSector)
	s.Page("GET", "/users", core.Administrator, s.webUsers)
	s.Page("POST", "/users", core.Administrator, s.webCreateUser)
	s.Page("POST", "/users/{id}/unlock", core.Administrator, s.webUnlockUser)
	s.Page("POST", "/users/{id}/disable", core.Administrator, s.webDisableUser)
	s.Page("POST", "/users/{id}/enable", core.Administrator, s.webEnableUser)
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

func (s *handler) webLoginForm(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.render(w, r, nil, http.StatusOK, "login.html", "Sign in", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *handler) webLogin(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := r.ParseForm(); err != nil {
		return core.Fail(http.StatusBadRequest, "malformed form: %v", err)
	}
	name, next := r.PostFormValue("name"), safeNext(r.PostFormValue("next"))
	_, _, err := s.SignIn(w, r, name, r.PostFormValue("password"))
	if p, ok := core.AsProblem(err); err != nil && ok && (p.Status == http.StatusUnauthorized || p.Status == http.StatusTooManyRequests) {
		for k, v := range p.Header {
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

func (s *handler) webLogout(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := s.SignOut(w, r, c); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// webNotFound answers an address no route has with the error page,
// with the caller's navigation when signed in.
func (s *handler) webNotFound(w http.ResponseWriter, r *http.Request) {
	c := &core.Call{Remote: s.Remote(r)}
	if s.Authenticate(r, c) != nil {
		c = nil
	}
	s.errorPage(w, r, c, core.Fail(http.StatusNotFound, "no page at %s", r.URL.Path))
}

// webHome sends the user to their organisation, or lists them.
func (s *handler) webHome(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	orgs, err := s.Visible(r, c)
	if err != nil {
		return err
	}
	if len(orgs) == 1 {
		http.Redirect(w, r, "/orgs/"+orgs[0].ID+"/", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, c, http.StatusOK, "home.html", "Organisations", orgs)
}

func (s *handler) webOverview(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	o := overviewOf(v)
	if o.Loss, err = v.Loss(s.Cfg.Catalog, quantify.DefaultTrials, quantify.DefaultSeed); err != nil {
		return err
	}
	open, err := s.Cfg.Store.Incidents(r.Context(), c.Org, ward.IncidentFilter{Open: true})
	if err != nil {
		return err
	}
	o.Incidents = len(open)
	for k := range open {
		if len(open[k].Clock(s.Cfg.Now()).Overdue) > 0 {
			o.Overdue++
		}
	}
	if o.Detections, err = s.recentDetections(r.Context(), c.Org); err != nil {
		return err
	}
	if o.History, err = s.history(r.Context(), c.Org, v); err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "overview.html", v.Model.Organisation.Name, o)
}
