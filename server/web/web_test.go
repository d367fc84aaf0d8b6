package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/server/internal/core"
	"github.com/wardhealth/ward/store/sqlite"
	"github.com/wardhealth/ward/synth"
)

const (
	webOrg      = "st-example"
	webPassword = "a long test password 42"
	// webIncident is the open incident of the demo hospital.
	webIncident = "INC-WEB-1"
)

// webEnv is a running server on a fresh store, with three users: admin (a
// Ward administrator), analyst and viewer (of the demo hospital).
type webEnv struct {
	store *sqlite.Store
	srv   *core.Server
	ts    *httptest.Server
	model *ward.Model
	ids   map[string]string // user name -> id
}

func newWebEnv(t testing.TB) *webEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	var feeds intel.Feeds
	var files []ward.FeedFile
	for _, name := range []string{"icsma-20-296-02.json", "kev-test.json"} {
		data, err := os.ReadFile("../testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := feeds.Read(name, "../testdata/"+name, data, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if err := st.PutFeeds(ctx, files); err != nil {
		t.Fatal(err)
	}
	hash, err := core.HashPassword(webPassword)
	if err != nil {
		t.Fatal(err)
	}
	e := &webEnv{store: st, model: m, ids: map[string]string{}}
	for _, u := range []ward.User{
		{ID: "u-admin", Name: "admin", Admin: true},
		{ID: "u-analyst", Name: "analyst", Memberships: []ward.Membership{{Org: webOrg, Role: ward.RoleAnalyst}}},
		{ID: "u-viewer", Name: "viewer", Memberships: []ward.Membership{{Org: webOrg, Role: ward.RoleViewer}}},
	} {
		u.PasswordHash, u.Created = hash, time.Now().UTC()
		if u.Memberships == nil {
			u.Memberships = []ward.Membership{}
		}
		if err := st.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.ids[u.Name] = u.ID
	}
	// An open incident, for the incident pages.
	now := time.Now().UTC()
	if err := st.PutIncident(ctx, ward.Incident{ID: webIncident, Org: webOrg, Title: "Brute force on the vendor VPN", Status: ward.IncidentSuspected,
		Severity: "high", AwareAt: now.Add(-time.Hour), OpenedAt: now, Updated: now, Assets: []string{"vpn-vendor"}}, 0); err != nil {
		t.Fatal(err)
	}
	e.srv, err = newServer(core.Config{Store: st, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.srv.Close)
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// webClient is a browser without scripts: it keeps its cookie and the
// CSRF token of the last page that had one.
type webClient struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

func (e *webEnv) anonymous(t testing.TB) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, base: e.ts.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// signIn signs in through the form, as a person does.
func (e *webEnv) signIn(t testing.TB, name, password string) *webClient {
	t.Helper()
	c := e.anonymous(t)
	status, body := c.post("/login", url.Values{"name": {name}, "password": {password}, "next": {"/"}})
	if status != http.StatusOK || !strings.Contains(body, name) {
		t.Fatalf("sign in as %s: %d\n%s", name, status, body)
	}
	return c
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *webClient) do(req *http.Request) (int, string) {
	c.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	body := string(b)
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		checkPage(c.t, req.Method+" "+req.URL.Path, body)
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			c.t.Errorf("%s %s: no Content-Security-Policy", req.Method, req.URL.Path)
		}
		if m := csrfRe.FindStringSubmatch(body); m != nil {
			c.csrf = m[1]
		}
	}
	return res.StatusCode, body
}

func (c *webClient) get(path string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form as it is, with no CSRF token added.
func (c *webClient) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// submit sends a form with the CSRF token of the last page seen.
func (c *webClient) submit(path string, form url.Values) (int, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf)
	return c.post(path, form)
}

// upload sends a multipart form with a file, as the import form does.
func (c *webClient) upload(path, filename string, data []byte, fields url.Values) (int, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("model", filename)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

var (
	scriptTagRe = regexp.MustCompile(`(?i)<script\b[^>]*>`)
	styleAttrRe = regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle\s*=`)
	eventAttrRe = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	remoteRe    = regexp.MustCompile(`(?i)\s(src|href)="(https?:)?//`)
)

// checkPage fails a page that the Content Security Policy would break or
// that reaches outside the server: inline script, inline style, event
// handler attributes, anything from another host.
func checkPage(t testing.TB, what, body string) {
	t.Helper()
	for _, p := range pageProblems(body) {
		t.Errorf("%s: %s", what, p)
	}
}

var jsonBlockRe = regexp.MustCompile(`^<script type="application/json" id="[a-z-]+">$`)

func pageProblems(body string) []string {
	var out []string
	for _, tag := range scriptTagRe.FindAllString(body, -1) {
		// A JSON data block is never run (the map's table is one).
		if !strings.Contains(tag, ` src="/static/`) && !jsonBlockRe.MatchString(tag) {
			out = append(out, "inline or foreign script "+tag)
		}
	}
	if strings.Contains(strings.ToLower(body), "<style") {
		out = append(out, "a <style> element")
	}
	if m := styleAttrRe.FindString(body); m != "" {
		out = append(out, "a style attribute in "+m)
	}
	if m := eventAttrRe.FindString(body); m != "" {
		out = append(out, "an event handler attribute in "+m)
	}
	if m := remoteRe.FindString(body); m != "" {
		out = append(out, "reaches another host: "+m)
	}
	if strings.Contains(body, "javascript:") {
		out = append(out, "a javascript: URL")
	}
	return out
}

func TestCheckPageCatches(t *testing.T) {
	for _, bad := range []string{`<script>alert(1)</script>`, `<div style="color:red">`, `<a href="/" onclick="x()">`,
		`<style>p{}</style>`, `<script src="https://cdn.example/x.js"></script>`, `<script type="module">x()</script>`, `<script type="application/json" id="x" src="//cdn.example/x.js">`, `<img src="//cdn.example/x.png">`,
		`<svg><circle r="7"
  onmouseover="x()"></circle></svg>`} {
		if len(pageProblems(bad)) == 0 {
			t.Errorf("checkPage lets %s through", bad)
		}
	}
	if p := pageProblems(`<script src="/static/map.js" defer></script><p>click on the map; style="x" as text</p><a href="/x" class="here">x</a>`); len(p) > 0 {
		t.Errorf("checkPage refuses a clean page: %v", p)
	}
}

// rows extracts the table rows of a page section (between <tbody> tags
// when there are some).
func rows(body string) []string {
	if i := strings.Index(body, "<tbody>"); i >= 0 {
		body = body[i:strings.Index(body, "</tbody>")]
	}
	var out []string
	for _, r := range strings.Split(body, "<tr>")[1:] {
		out = append(out, r[:strings.Index(r, "</tr>")])
	}
	return out
}

func wantAll(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: no %q", what, w)
		}
	}
}

// Every page of the dashboard answers a signed-in administrator, is
// linked from the navigation, and passes the CSP checks (in do).
func TestWebEveryPage(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "admin", webPassword)
	values := map[string]string{"{org}": webOrg, "{id}": "pump-01", "{$}": ""}
	n := 0
	for _, rt := range e.srv.Routes() {
		if !rt.Page || rt.Method != "GET" || strings.HasSuffix(rt.Pattern, "/reports/{format}") || strings.HasSuffix(rt.Pattern, "/reports/{kind}") || strings.HasSuffix(rt.Pattern, ".svg") {
			continue // downloads and printable reports are files, not pages (TestResultPages, TestWebIncidents)
		}
		path := strings.Replace(rt.Pattern, "/incidents/{id}", "/incidents/"+webIncident, 1)
		for k, v := range values {
			path = strings.ReplaceAll(path, k, v)
		}
		status, body := c.get(path)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d", path, status)
		}
		if rt.Access >= core.OrgViewer && rt.Access <= core.OrgAdmin {
			for _, nav := range []string{"assets", "map", "services", "plan", "import"} {
				if !strings.Contains(body, `href="/orgs/`+webOrg+`/`+nav+`"`) {
					t.Errorf("GET %s: the navigation has no link to %s", path, nav)
				}
			}
		}
		if rt.Access != core.Public && (!strings.Contains(body, `href="/tokens"`) || !strings.Contains(body, `href="/users"`)) {
			t.Errorf("GET %s: the navigation has no link to the tokens or users", path)
		}
		n++
	}
	if n < 11 {
		t.Errorf("only %d pages", n)
	}
	// The map's script is served from the binary.
	res, err := http.Get(e.ts.URL + "/static/map.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Errorf("/static/map.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// Signed out, a page sends to the sign-in form.
	anon := e.anonymous(t)
	if status, body := anon.get("/orgs/" + webOrg + "/map"); status != http.StatusOK || !strings.Contains(body, `action="/login"`) {
		t.Errorf("signed out, the map answers %d without the sign-in form", status)
	}
}

func TestWebAssets(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "viewer", webPassword)
	base := "/orgs/" + webOrg + "/assets"

	status, body := c.get(base)
	if status != http.StatusOK {
		t.Fatalf("assets: %d", status)
	}
	all := rows(body)
	if len(all) != min(100, len(e.model.Assets)) {
		t.Errorf("%d rows on the first page of %d assets", len(all), len(e.model.Assets))
	}
	wantAll(t, "assets", body, fmt.Sprintf("%d of %d assets", len(e.model.Assets), len(e.model.Assets)),
		`<a href="/orgs/st-example/assets/pump-01">pump-01</a>`, "KEV, ransomware", `class="chip sev-critical"`)

	// Filters: zone and free text.
	devices := 0
	for _, a := range e.model.Assets {
		if a.Zone == "medical-devices" {
			devices++
		}
	}
	_, body = c.get(base + "?zone=medical-devices&limit=1000")
	if got := rows(body); len(got) != devices {
		t.Errorf("zone filter: %d rows, want %d", len(got), devices)
	}
	wantAll(t, "zone filter", body, `<option value="medical-devices" selected>`, ">Clear</a>")
	_, body = c.get(base + "?q=SpaceCom")
	for _, r := range rows(body) {
		if !strings.Contains(r, "SpaceCom") {
			t.Errorf("q=SpaceCom lists %s", r)
		}
	}
	_, body = c.get(base + "?exposed=true&limit=1000")
	exposedRows := rows(body)
	for _, r := range exposedRows {
		if !strings.Contains(r, "exposed</span>") {
			t.Errorf("exposed=true lists %s", r)
		}
	}
	// One definition: the overview's count, the filter, the API and the
	// assessment's finding name the same assets.
	_, overview := c.get("/orgs/" + webOrg)
	wantAll(t, "overview", overview, fmt.Sprintf("<b>%d</b>reachable from the Internet", len(exposedRows)))
	wantAll(t, "overview", overview, "EUR expected loss a year", "10000 simulated years, seed 1, method ward-fair-1")
	_, loss := c.get("/orgs/" + webOrg + "/loss")
	wantAll(t, "loss page", loss, "<h1>Expected loss</h1>", `aria-label="Loss exceedance curve"`, `<polyline class="lec" points="`,
		"Scenarios, by expected loss", "cost per record", "NetDiligence 2017", `class="here">Loss</a>`, "patients diverted ", "reputation ", "Kwon and Johnson", "McConnell")
	if !strings.Contains(body, `assets/guest-ap"`) || strings.Contains(body, `assets/national-erx"`) {
		t.Errorf("exposed=true: the open guest network's access points belong, the national service does not")
	}
	v, err := e.srv.Assessed(context.Background(), webOrg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range v.Result.Findings {
		if f.Weakness == "internet-exposed" && len(f.Assets) != len(exposedRows) {
			t.Errorf("the finding names %d assets, the filter %d", len(f.Assets), len(exposedRows))
		}
	}

	// Sorted by worst open risk: worst first, then the other way.
	sevs := func(body string) []int {
		var out []int
		for _, r := range rows(body) {
			s := -1
			for i, name := range []string{"low", "medium", "high", "critical"} {
				if strings.Contains(r, `class="chip sev-`+name+`">`+name) {
					s = i
				}
			}
			out = append(out, s)
		}
		return out
	}
	_, body = c.get(base + "?sort=risk&limit=1000")
	if s := sevs(body); !slices.IsSortedFunc(s, func(a, b int) int { return b - a }) || s[0] != 3 {
		t.Errorf("sort=risk: severities %v, want worst first", s)
	}
	wantAll(t, "sort=risk", body, "▼")
	_, body = c.get(base + "?sort=risk&order=asc&limit=1000")
	if s := sevs(body); !slices.IsSorted(s) {
		t.Errorf("sort=risk&order=asc: severities %v", s)
	}
	_, body = c.get(base + "?sort=name&order=desc&limit=5")
	var names []string
	for _, a := range e.model.Assets {
		names = append(names, a.Name)
	}
	slices.Sort(names)
	slices.Reverse(names)
	if r := rows(body); len(r) != 5 || !strings.Contains(r[0], "<td>"+strings.ReplaceAll(names[0], "'", "&#39;")+"</td>") {
		t.Errorf("sort=name&order=desc: first row %q, want %q", r[0], names[0])
	}
	if status, _ := c.get(base + "?sort=colour"); status != http.StatusBadRequest {
		t.Errorf("sort=colour: %d", status)
	}

	// Pages: next, then previous, keep the filter and the order.
	_, first := c.get(base + "?limit=10&sort=id")
	next := regexp.MustCompile(`<a href="([^"]+)">Next ›</a>`).FindStringSubmatch(first)
	if next == nil {
		t.Fatal("no next page link")
	}
	_, second := c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if r1, r2 := rows(first), rows(second); len(r2) != 10 || r1[0] == r2[0] {
		t.Errorf("second page: %d rows", len(r2))
	}
	wantAll(t, "second page", second, "Showing 11–20.")
	prev := regexp.MustCompile(`<a href="([^"]+)">‹ Previous</a>`).FindStringSubmatch(second)
	if prev == nil {
		t.Fatal("no previous page link")
	}
	if _, back := c.get(strings.ReplaceAll(prev[1], "&amp;", "&")); rows(back)[0] != rows(first)[0] {
		t.Error("previous page is not the first")
	}
}

func TestWebAssetDetail(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "viewer", webPassword)
	status, body := c.get("/orgs/" + webOrg + "/assets/pump-01")
	if status != http.StatusOK {
		t.Fatalf("asset page: %d", status)
	}
	wantAll(t, "pump-01", body, "Infusion pump 1 (ICU)", "B. Braun Medical SpaceCom U61", "medical-devices",
		`<section id="links">`, `<a href="/orgs/st-example/assets/pump-server">`, "proprietary", "8443",
		`<section id="risks">`, "factors</summary>", `<section id="findings">`,
		`<section id="vulnerabilities">`, "CVE-2020-25158", "KEV, ransomware", "ICSMA-20-296-02")
	// No EPSS data is loaded: the score shows "-", as in the CLI.
	if i := strings.Index(body, `<td class="mono">CVE-2020-25158</td>`); i < 0 || !strings.Contains(body[i:i+strings.Index(body[i:], "</tr>")], "</td><td>-</td><td>ICSMA-20-296-02") {
		t.Errorf("EPSS of CVE-2020-25158 without EPSS data is not shown as -")
	}
	v, err := e.srv.Assessed(context.Background(), webOrg)
	if err != nil {
		t.Fatal(err)
	}
	d, err := core.DetailOf(v, "pump-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Findings) == 0 || len(d.Risks) == 0 {
		t.Fatal("the demo's pump has no finding or risk")
	}
	for _, f := range d.Findings {
		wantAll(t, "pump-01 findings", body, esc(f.Evidence), esc(f.Remedy))
	}
	for _, f := range d.Risks[0].Factors {
		wantAll(t, "pump-01 factors", body, esc(f.Reason))
	}
	// The services that need a core asset are listed on its page.
	for _, sv := range e.model.Services {
		for _, id := range sv.DependsOn {
			if id != "ehr-db" {
				continue
			}
			_, b := c.get("/orgs/" + webOrg + "/assets/ehr-db")
			wantAll(t, "ehr-db", b, `href="/orgs/st-example/services#svc-`+sv.ID+`"`)
		}
	}
	if status, _ := c.get("/orgs/" + webOrg + "/assets/no-such-thing"); status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", status)
	}
	if status, _ := c.get("/orgs/elsewhere/assets/pump-01"); status != http.StatusNotFound {
		t.Errorf("another organisation's asset: %d", status)
	}
}

// esc escapes text as html/template does in an element's content.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestWebServicesAndPlan(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "viewer", webPassword)
	status, body := c.get("/orgs/" + webOrg + "/services")
	if status != http.StatusOK {
		t.Fatalf("services: %d", status)
	}
	v, _ := e.srv.Assessed(context.Background(), webOrg)
	spof := 0
	for _, sv := range e.model.Services {
		wantAll(t, "services", body, `id="svc-`+sv.ID+`"`, esc(sv.Name), "<td>"+sv.MaxOutage.String()+"</td>")
	}
	for _, rs := range v.Result.Resilience {
		for _, p := range rs.SinglePoints {
			spof++
			wantAll(t, "services", body, `href="/orgs/st-example/assets/`+p.Asset+`"`, esc(p.Reason))
		}
	}
	if spof == 0 {
		t.Error("the demo has no single point of failure to show")
	}
	wantAll(t, "services", body, "Maximum tolerable outage", "Patient safety", "Single points of failure")

	status, body = c.get("/orgs/" + webOrg + "/plan?budget=3")
	if status != http.StatusOK {
		t.Fatalf("plan: %d", status)
	}
	steps := rows(body[strings.Index(body, `<section id="plan-steps">`):])
	if len(steps) != 4 { // the header and three changes
		t.Errorf("plan with budget 3: %d rows", len(steps))
	}
	wantAll(t, "plan", body, "register risk, now and after", "Exposure removed", `value="3"`, "removes the weakness")
	_, again := c.get("/orgs/" + webOrg + "/plan?budget=3")
	if rows(again[strings.Index(again, `<section id="plan-steps">`):])[1] != steps[1] {
		t.Error("the same plan differs when asked again")
	}
	_, deflt := c.get("/orgs/" + webOrg + "/plan")
	wantAll(t, "plan", deflt, `value="5"`)
	for _, b := range []string{"0", "21", "many"} {
		if status, _ := c.get("/orgs/" + webOrg + "/plan?budget=" + b); status != http.StatusBadRequest {
			t.Errorf("budget=%s: %d", b, status)
		}
	}
	// In money: computed in the background, the page shows how far it
	// has come (a script asks the status again), then each step's loss
	// avoided and cost, the curve before and after, the first step the
	// change that avoids the most per euro.
	status, body = c.get("/orgs/" + webOrg + "/plan?budget=2&by=money&trials=1000")
	if status != http.StatusOK {
		t.Fatalf("plan in money: %d", status)
	}
	wantAll(t, "plan in money under way", body, `<section id="plan-progress" data-status="/api/v1/orgs/st-example/money-plan/status?budget=2&amp;trials=1000"`,
		`<script src="/static/plan.js" defer></script>`, "candidate changes", "<progress ")
	for deadline := time.Now().Add(10 * time.Minute); strings.Contains(body, `id="plan-progress"`) && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		status, body = c.get("/orgs/" + webOrg + "/plan?budget=2&by=money&trials=1000")
	}
	if status != http.StatusOK || !strings.Contains(body, `<section id="plan-steps">`) {
		t.Fatalf("plan in money: %d\n%s", status, body)
	}
	money := rows(body[strings.Index(body, `<section id="plan-steps">`):])
	if len(money) < 3 || !strings.Contains(money[0], "Avoided a year") {
		t.Errorf("plan in money: %v", money)
	}
	wantAll(t, "plan in money", body, "expected loss a year (EUR)", "simulated years", "loss is more than, with probability", `<option value="money" selected>`)
	for _, q := range []string{"by=luck", "by=money&trials=3"} {
		if status, _ := c.get("/orgs/" + webOrg + "/plan?" + q); status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, status)
		}
	}
}

func TestWebImport(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	ctx := context.Background()
	path := "/orgs/" + webOrg + "/import"
	revision := func() int64 {
		r, err := e.store.Revision(ctx, webOrg)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	c := e.signIn(t, "analyst", webPassword)
	status, body := c.get(path)
	if status != http.StatusOK {
		t.Fatalf("import page: %d", status)
	}
	wantAll(t, "import form", body, `enctype="multipart/form-data"`, `type="file" name="model"`, `name="csrf"`, `name="revision" value="1"`)

	good := bytes.Replace(demo.File, []byte("name: St. Example General\n"), []byte("name: St. Example General (renovated)\n"), 1)
	status, body = c.upload(path, "hospital.yaml", good, url.Values{"csrf": {c.csrf}, "revision": {"1"}})
	if status != http.StatusOK || revision() != 2 {
		t.Fatalf("good model: %d, revision %d\n%s", status, revision(), body)
	}
	wantAll(t, "imported", body, "Imported hospital.yaml: revision 2", "St. Example General (renovated)",
		fmt.Sprintf("%d assets", len(e.model.Assets)), `name="revision" value="2"`)
	if _, body := c.get("/orgs/" + webOrg + "/"); !strings.Contains(body, "St. Example General (renovated)") {
		t.Error("the overview does not show the imported model")
	}
	entries, err := e.store.Audit(ctx, webOrg, 0, 0)
	if err != nil || !slices.ContainsFunc(entries, func(a ward.AuditEntry) bool { return a.Action == "model.import" && a.Actor == "analyst" }) {
		t.Errorf("the import is not in the audit log (%v)", err)
	}

	// A broken file: every problem with its line, nothing stored.
	bad := strings.Replace(string(demo.File), "kind: infusion-pump\n", "kind: infusion-pmup\n", 1)
	bad = strings.Replace(bad, "    zone: medical-devices\n", "    zone: medical-devices\n    colour: blue\n", 1)
	badLine := 1 + strings.Count(bad[:strings.Index(bad, "infusion-pmup")], "\n")
	status, body = c.upload(path, "broken.yaml", []byte(bad), url.Values{"csrf": {c.csrf}, "revision": {"2"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("broken model: %d", status)
	}
	if revision() != 2 {
		t.Errorf("a broken model was stored: revision %d", revision())
	}
	wantAll(t, "broken model", body, "broken.yaml was not imported: 2 problems", "Nothing was stored",
		fmt.Sprintf("broken.yaml:%d:", badLine), "infusion-pmup", "colour", `name="revision" value="2"`)

	// A model of another organisation, and no file at all.
	other := bytes.Replace(demo.File, []byte("id: st-example\n"), []byte("id: elsewhere\n"), 1)
	status, body = c.upload(path, "other.json.yaml", other, url.Values{"csrf": {c.csrf}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "organisation.id") {
		t.Errorf("another organisation's model: %d", status)
	}
	status, body = c.upload(path, "", nil, url.Values{"csrf": {c.csrf}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "choose a model file") {
		t.Errorf("no file: %d", status)
	}
	// A form read before someone else's import does not overwrite it.
	if status, _ := c.upload(path, "hospital.yaml", good, url.Values{"csrf": {c.csrf}, "revision": {"1"}}); status != http.StatusPreconditionFailed {
		t.Errorf("stale form: %d", status)
	}
	// No CSRF token, no import.
	if status, _ := c.upload(path, "hospital.yaml", good, url.Values{"revision": {"2"}}); status != http.StatusForbidden {
		t.Errorf("without the CSRF field: %d", status)
	}
	if status, _ := c.upload(path, "hospital.yaml", good, url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
		t.Errorf("with a wrong CSRF field: %d", status)
	}
	if revision() != 2 {
		t.Errorf("revision %d after refused imports", revision())
	}

	// A viewer sees no form and may not post.
	v := e.signIn(t, "viewer", webPassword)
	_, body = v.get(path)
	if strings.Contains(body, "<form method=\"post\" action=\"/orgs/st-example/import\"") || strings.Contains(body, `href="/orgs/st-example/import"`) {
		t.Error("a viewer is offered the import form")
	}
	wantAll(t, "viewer's import page", body, "only analysts and admins import models")
	if status, _ := v.upload(path, "hospital.yaml", good, url.Values{"csrf": {v.csrf}}); status != http.StatusForbidden {
		t.Errorf("a viewer's import: %d", status)
	}
	if revision() != 2 {
		t.Errorf("revision %d after a viewer's import", revision())
	}
}

// An upload larger than the model limit is refused whole.
func TestWebImportLimit(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	e.srv.Cfg.MaxModelBytes = 4 << 10
	c := e.signIn(t, "analyst", webPassword)
	c.get("/orgs/" + webOrg + "/import")
	status, _ := c.upload("/orgs/"+webOrg+"/import", "hospital.yaml", demo.File, url.Values{"csrf": {c.csrf}})
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("a model over the limit: %d", status)
	}
	if r, _ := e.store.Revision(context.Background(), webOrg); r != 1 {
		t.Errorf("revision %d", r)
	}
}

func TestWebTokens(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "analyst", webPassword)
	status, body := c.get("/tokens")
	if status != http.StatusOK || !strings.Contains(body, "You have no API token") {
		t.Fatalf("tokens: %d", status)
	}
	status, body = c.submit("/tokens", url.Values{"name": {"cmdb sync"}, "scope": {"read"}, "org": {webOrg}, "days": {"30"}})
	if status != http.StatusOK {
		t.Fatalf("create token: %d\n%s", status, body)
	}
	secret := regexp.MustCompile(`id="token-secret">(ward_[^<]+)<`).FindStringSubmatch(body)
	if secret == nil {
		t.Fatal("the new token's secret is not shown")
	}
	wantAll(t, "new token", body, "Token cmdb sync created", "shown this once", "<td>cmdb sync</td>")
	api := func() int {
		req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/orgs/"+webOrg, nil)
		req.Header.Set("Authorization", "Bearer "+secret[1])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := api(); got != http.StatusOK {
		t.Errorf("the new token reads the API: %d", got)
	}
	// The secret is never shown again.
	if _, body := c.get("/tokens"); strings.Contains(body, secret[1]) {
		t.Error("the token list shows the secret")
	}

	// Bad input is shown back, nothing made.
	status, body = c.submit("/tokens", url.Values{"name": {""}, "scope": {"admin"}, "days": {"999"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("bad token: %d", status)
	}
	wantAll(t, "bad token", body, "Not saved: 3 problems", "name the token", `&#34;admin&#34;: read or write`, "1 to 365")
	if status, _ := c.post("/tokens", url.Values{"name": {"no csrf"}}); status != http.StatusForbidden {
		t.Errorf("create without CSRF: %d", status)
	}
	ts, _ := e.store.Tokens(context.Background(), e.ids["analyst"])
	if len(ts) != 1 {
		t.Fatalf("%d tokens stored", len(ts))
	}

	// Revoke.
	if status, _ := c.post("/tokens/"+ts[0].ID+"/revoke", nil); status != http.StatusForbidden {
		t.Errorf("revoke without CSRF: %d", status)
	}
	status, body = c.submit("/tokens/"+ts[0].ID+"/revoke", nil)
	if status != http.StatusOK || !strings.Contains(body, "You have no API token") {
		t.Errorf("revoke: %d", status)
	}
	if got := api(); got != http.StatusUnauthorized {
		t.Errorf("a revoked token reads the API: %d", got)
	}
	entries, _ := e.store.Audit(context.Background(), "", 0, 0)
	for _, action := range []string{"token.create", "token.delete"} {
		if !slices.ContainsFunc(entries, func(a ward.AuditEntry) bool { return a.Action == action && a.Actor == "analyst" }) {
			t.Errorf("no %s in the audit log", action)
		}
	}
}

func TestWebUsers(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	ctx := context.Background()
	if status, _ := e.signIn(t, "analyst", webPassword).get("/users"); status != http.StatusForbidden {
		t.Errorf("an analyst's users page: %d", status)
	}
	c := e.signIn(t, "admin", webPassword)
	status, body := c.get("/users")
	if status != http.StatusOK {
		t.Fatalf("users: %d", status)
	}
	wantAll(t, "users", body, "<td>analyst</td>", "analyst in st-example", "admin <span class=\"muted\">(you)</span>", "Ward administrator")
	if strings.Contains(body, `action="/users/u-admin/disable"`) {
		t.Error("an administrator is offered to disable themselves")
	}

	status, body = c.submit("/users", url.Values{"name": {"nurse.lee"}, "role": {"viewer"}, "org": {webOrg}})
	if status != http.StatusOK {
		t.Fatalf("add user: %d\n%s", status, body)
	}
	pw := regexp.MustCompile(`id="user-password">([^<]+)<`).FindStringSubmatch(body)
	if pw == nil {
		t.Fatal("no generated password shown")
	}
	wantAll(t, "new user", body, "User nurse.lee added", "<td>nurse.lee</td>", "viewer in st-example")
	nurse := e.signIn(t, "nurse.lee", pw[1])
	if _, b := nurse.get("/orgs/" + webOrg + "/"); !strings.Contains(b, "nurse.lee · viewer") {
		t.Error("the new user is not a viewer of the demo hospital")
	}

	// Refused: a taken name, a bad name, no CSRF token.
	if status, body := c.submit("/users", url.Values{"name": {"nurse.lee"}, "role": {"viewer"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "exists already") {
		t.Errorf("a taken name: %d", status)
	}
	if status, body := c.submit("/users", url.Values{"name": {"Bad Name!"}, "role": {"viewer"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "lower-case letters") {
		t.Errorf("a bad name: %d", status)
	}
	if status, _ := c.post("/users", url.Values{"name": {"sneaky"}, "role": {"viewer"}}); status != http.StatusForbidden {
		t.Errorf("add without CSRF: %d", status)
	}

	// Disable signs the user out; enable lets them back.
	u, err := e.store.UserByName(ctx, "nurse.lee")
	if err != nil {
		t.Fatal(err)
	}
	status, body = c.submit("/users/"+u.ID+"/disable", nil)
	if status != http.StatusOK || !strings.Contains(body, `action="/users/`+u.ID+`/enable"`) {
		t.Errorf("disable: %d", status)
	}
	if u, _ = e.store.UserByName(ctx, "nurse.lee"); !u.Disabled {
		t.Error("not disabled")
	}
	if _, b := nurse.get("/orgs/" + webOrg + "/"); !strings.Contains(b, `action="/login"`) {
		t.Error("a disabled user is still signed in")
	}
	if status, _ := c.submit("/users/"+u.ID+"/enable", nil); status != http.StatusOK {
		t.Errorf("enable: %d", status)
	}
	if u, _ = e.store.UserByName(ctx, "nurse.lee"); u.Disabled {
		t.Error("not enabled")
	}
	if status, _ := c.submit("/users/u-admin/disable", nil); status != http.StatusConflict {
		t.Errorf("disable oneself: %d", status)
	}
	entries, _ := e.store.Audit(ctx, "", 0, 0)
	for _, action := range []string{"user.create", "user.update"} {
		if !slices.ContainsFunc(entries, func(a ward.AuditEntry) bool { return a.Action == action && a.Actor == "admin" }) {
			t.Errorf("no %s in the audit log", action)
		}
	}
}

// Viewers read everything and are offered no write.
func TestWebViewerSeesNoWrites(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "viewer", webPassword)
	for _, p := range []string{"/", "/assets", "/assets/pump-01", "/map", "/services", "/plan", "/import"} {
		status, body := c.get("/orgs/" + webOrg + p)
		if status != http.StatusOK {
			t.Errorf("%s: %d", p, status)
		}
		for _, f := range regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindAllStringSubmatch(body, -1) {
			if f[1] != "/logout" {
				t.Errorf("%s: a viewer is offered the form %s", p, f[1])
			}
		}
		if strings.Contains(body, `href="/users"`) {
			t.Errorf("%s: a viewer is offered the users page", p)
		}
	}
}

// Sanity of the assessment the tests rely on.
func TestWebDemoHasOpenCriticalRisk(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	v, err := e.srv.Assessed(context.Background(), webOrg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Result.Summary.Open["critical"] == 0 || len(v.Result.Paths) == 0 {
		t.Fatal("the demo hospital has no open critical risk or no attack path")
	}
	if !slices.ContainsFunc(v.Result.Vulnerabilities, func(m intel.Match) bool { return m.Asset == "pump-01" && m.Ransomware }) {
		t.Fatal("the test feeds do not reach the pumps")
	}
}

// A large hospital's map draws every asset and bundles the links between
// zones, and its inventory comes in
// pages; an asset id with "/" and ":" still has a page of its own.
func TestWebLargeModel(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	ctx := context.Background()
	m, err := synth.Generate(synth.Options{Assets: 600, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	odd := m.Assets[0]
	odd.ID, odd.Name = "rack/3:pdu-1", "Rack 3 power distribution"
	m.Assets = append(m.Assets, odd)
	if err := e.store.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	org := m.Organisation.ID
	c := e.signIn(t, "admin", webPassword)
	status, body := c.get("/orgs/" + org + "/map")
	if status != http.StatusOK {
		t.Fatalf("map: %d", status)
	}
	if n := strings.Count(body, `<circle cx=`); n < 601 {
		t.Errorf("a 601-asset map draws %d asset dots", n)
	}
	if !strings.Contains(body, `<g class="bundle"`) || !strings.Contains(body, " links</title>") {
		t.Error("a 601-asset map bundles no links between zones")
	}
	_, body = c.get("/orgs/" + org + "/assets")
	wantAll(t, "large inventory", body, "601 of 601 assets", "Showing 1–100.", "Next ›")
	link := `href="/orgs/` + org + `/assets/rack%2F3:pdu-1"`
	_, body = c.get("/orgs/" + org + "/assets?q=rack")
	wantAll(t, "odd id", body, link)
	status, body = c.get("/orgs/" + org + "/assets/rack%2F3:pdu-1")
	if status != http.StatusOK || !strings.Contains(body, "Rack 3 power distribution") {
		t.Errorf("the page of asset rack/3:pdu-1: %d", status)
	}
}

// An asset's header and its row in the asset list show the worst of its
// open risks as the assessment scores them: for every asset with a
// critical finding (the pumps, whose CVE the test KEV catalog marks as
// used by ransomware, among them), the page agrees with the register.
func TestWebWorstRiskMatchesFindings(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "viewer", webPassword)
	v, err := e.srv.Assessed(context.Background(), webOrg)
	if err != nil {
		t.Fatal(err)
	}
	critical := map[string]bool{}
	for _, f := range v.Result.Findings {
		if f.Severity == "critical" {
			for _, a := range f.Assets {
				critical[a] = true
			}
		}
	}
	if !critical["pump-01"] {
		t.Fatal("the test feeds give pump-01 no critical finding")
	}
	worst := map[string]string{}
	for _, r := range v.Result.Risks {
		for _, a := range r.Assets {
			if r.Status == assess.Open && assess.SeverityRank(r.Severity) > assess.SeverityRank(worst[a]) {
				worst[a] = r.Severity
			}
		}
	}
	if worst["pump-01"] != "critical" {
		t.Errorf("pump-01, with a vulnerability used by ransomware, has worst open risk %q", worst["pump-01"])
	}
	for id := range critical {
		_, body := c.get("/orgs/" + webOrg + "/assets/" + id)
		if !strings.Contains(body, `worst open risk: `+worst[id]) {
			i := strings.Index(body, "worst open risk")
			t.Errorf("%s: the register's worst open risk is %s; its header says %.60s", id, worst[id], body[max(i, 0):])
		}
	}
	_, body := c.get("/orgs/" + webOrg + "/assets?q=pump-01")
	if r := rows(body); len(r) == 0 || !strings.Contains(r[0], `class="chip sev-critical">critical`) {
		t.Errorf("pump-01 in the asset list: %v", r)
	}
}
