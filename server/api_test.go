package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server"
)

// TestOpenAPIMatchesRoutes: the OpenAPI document lists exactly the routes
// the server has, method by method.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	res := ts.anonymous(t).do("GET", "/api/v1/openapi.json", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	res.json(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /api/v1/openapi.json": true}
	for _, rt := range server.APIRoutes(ts.srv.Routes()) {
		served[rt.Method+" "+rt.Pattern] = true
	}
	for r := range served {
		if !documented[r] {
			t.Errorf("%s is served but not in openapi.json", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("%s is in openapi.json but not served", r)
		}
	}
	// Every documented route answers (not the catch-all 404).
	for r := range documented {
		method, path, _ := strings.Cut(r, " ")
		if method != "GET" {
			continue
		}
		path = strings.NewReplacer("{org}", "st-example", "{id}", "x").Replace(path)
		if res := ts.anonymous(t).do(method, path, nil); strings.Contains(res.body, "no API route") {
			t.Errorf("%s: not routed", r)
		}
	}
}

// TestCSRFAndScopes: a session must send its CSRF token to write; a
// token needs none but must have the write scope.
func TestCSRFAndScopes(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	alice := ts.login(t, "alice")
	csrf := alice.csrf
	alice.csrf = ""
	if res := alice.do("POST", "/api/v1/orgs/st-example/assessments", nil); res.code != http.StatusForbidden || !strings.Contains(res.body, "CSRF") {
		t.Errorf("write without CSRF token: %d %s", res.code, res.body)
	}
	alice.csrf = "wrong"
	if res := alice.do("POST", "/api/v1/orgs/st-example/assessments", nil); res.code != http.StatusForbidden {
		t.Errorf("write with a wrong CSRF token: %d", res.code)
	}
	alice.csrf = csrf
	res := alice.do("POST", "/api/v1/orgs/st-example/assessments", nil)
	if res.code != http.StatusCreated {
		t.Fatalf("assessment: %d %s", res.code, res.body)
	}
	// A write token made by alice, limited to st-example.
	res = alice.do("POST", "/api/v1/tokens", map[string]any{"name": "scanner", "scope": "write", "org": "st-example", "days": 30})
	var tok struct {
		Secret string
		Token  ward.Token
	}
	res.json(t, &tok)
	if res.code != http.StatusCreated || !strings.HasPrefix(tok.Secret, "ward_") || tok.Token.Hash != "" {
		t.Fatalf("token: %d %s", res.code, res.body)
	}
	machine := ts.anonymous(t)
	machine.token = tok.Secret
	if res := machine.do("POST", "/api/v1/orgs/st-example/assessments", nil); res.code != http.StatusCreated {
		t.Errorf("token write: %d %s", res.code, res.body)
	}
	if res := machine.do("POST", "/api/v1/tokens", map[string]any{"name": "more"}); res.code != http.StatusForbidden {
		t.Errorf("a token made a token: %d", res.code)
	}
	// The stored secret is a hash: the store never holds the token.
	if _, err := ts.store.TokenByHash(context.Background(), tok.Secret, time.Now()); err == nil {
		t.Error("token found by its clear secret")
	}
	// Revoked, it stops working.
	if res := alice.do("DELETE", "/api/v1/tokens/"+tok.Token.ID, nil); res.code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", res.code, res.body)
	}
	if res := machine.do("GET", "/api/v1/orgs", nil); res.code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", res.code)
	}
	for _, bad := range []string{"Basic YWxpY2U6eA==", "Bearer nope", "Bearer ward_forged"} {
		c := ts.anonymous(t)
		if res := c.do("GET", "/api/v1/orgs", nil, "Authorization", bad); res.code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d", bad, res.code)
		}
	}
}

// TestHostileInput: oversized, malformed, mistyped and malicious requests
// are refused with problem details, and change nothing.
func TestHostileInput(t *testing.T) {
	ts := newTestServer(t, server.Config{MaxModelBytes: 64 << 10, MaxBodyBytes: 4 << 10})
	alice := ts.login(t, "alice")
	ctx := context.Background()
	rev, _ := ts.store.Revision(ctx, "st-example")
	cases := []struct {
		name, method, path string
		body               any
		header             []string
		code               int
		want               string
	}{
		{"malformed JSON", "POST", "/api/v1/login", `{"name": "alice", "password": `, []string{"Content-Type", "application/json"}, 400, "malformed JSON"},
		{"unknown field", "POST", "/api/v1/login", `{"name": "alice", "password": "x", "admin": true}`, []string{"Content-Type", "application/json"}, 400, "unknown field"},
		{"two values", "POST", "/api/v1/login", `{"name":"a","password":"b"}{}`, []string{"Content-Type", "application/json"}, 400, "more than one value"},
		{"wrong media type", "POST", "/api/v1/login", `name=alice`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "application/json"},
		{"oversized body", "POST", "/api/v1/login", `{"name":"` + strings.Repeat("a", 8<<10) + `"}`, []string{"Content-Type", "application/json"}, 413, "larger than"},
		{"oversized model", "PUT", "/api/v1/orgs/st-example/model", strings.Repeat(" ", 100<<10) + "{}", []string{"Content-Type", "application/json"}, 413, "larger than"},
		{"model of another hospital", "PUT", "/api/v1/orgs/st-example/model", "ward: 1\norganisation: {id: north, name: North}\n", []string{"Content-Type", "application/yaml"}, 422, "organisation.id"},
		{"model with errors", "PUT", "/api/v1/orgs/st-example/model", "ward: 1\norganisation: {id: st-example, name: X}\nzones:\n  - {id: z, name: Z, kind: clinicl}\n", []string{"Content-Type", "application/yaml"}, 422, `"line":4,"column":28,"field":"zones[0].kind"`},
		{"model with costs of no threat", "PUT", "/api/v1/orgs/st-example/model", "ward: 1\norganisation: {id: st-example, name: X}\nzones:\n  - {id: z, kind: clinical, trust: medium}\nassets:\n  - {id: a, kind: server, zone: z}\ncosts:\n  threats:\n    - {threat: ransomwere}\n", []string{"Content-Type", "application/yaml"}, 422, `"field":"costs.threats[0].threat"`},
		{"model as text", "PUT", "/api/v1/orgs/st-example/model", "ward: 1", []string{"Content-Type", "text/plain"}, 415, "application/yaml"},
		{"path traversal", "GET", "/api/v1/orgs/..%2F..%2Fetc%2Fpasswd/assets", nil, nil, 404, ""},
		{"SQL metacharacters", "GET", "/api/v1/orgs/x'%20OR%20'1'%3D'1/assets", nil, nil, 404, "not found"},
		{"SQL in a filter", "GET", "/api/v1/orgs/st-example/assets?q=%27%3B%20DROP%20TABLE%20assets%3B--", nil, nil, 200, `"total":0`},
		{"bad limit", "GET", "/api/v1/orgs/st-example/assets?limit=100000", nil, nil, 400, "limit"},
		{"forged cursor", "GET", "/api/v1/orgs/st-example/assets?cursor=Li4vLi4v", nil, nil, 400, "cursor"},
		{"bad sort", "GET", "/api/v1/orgs/st-example/assets?sort=password", nil, nil, 400, "sort"},
		{"bad If-Match", "PUT", "/api/v1/orgs/st-example/assets/x", `{}`, []string{"Content-Type", "application/json", "If-Match", "yesterday"}, 400, "If-Match"},
		{"unknown route", "GET", "/api/v1/secrets", nil, nil, 404, "no API route"},
	}
	for _, tc := range cases {
		res := alice.do(tc.method, tc.path, tc.body, tc.header...)
		if res.code != tc.code || !strings.Contains(res.body, tc.want) {
			t.Errorf("%s: %d %.300s, want %d with %q", tc.name, res.code, res.body, tc.code, tc.want)
		}
		if tc.code >= 400 && tc.code != 404 && res.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %s", tc.name, res.header.Get("Content-Type"))
		}
		// A problem body holds the problem's members only: the headers
		// set with it go on the response, not into the body.
		var members map[string]json.RawMessage
		if tc.code >= 400 && json.Unmarshal([]byte(res.body), &members) == nil {
			for k := range members {
				if !slices.Contains([]string{"type", "title", "status", "detail", "errors"}, k) {
					t.Errorf("%s: the problem body has a member %q: %.300s", tc.name, k, res.body)
				}
			}
		}
	}
	if now, _ := ts.store.Revision(ctx, "st-example"); now != rev {
		t.Errorf("revision %d after refused writes, was %d", now, rev)
	}
	if res := alice.do("GET", "/api/v1/orgs/st-example/assets?limit=1", nil); !strings.Contains(res.body, `"total":132`) {
		t.Errorf("assets after hostile input: %.200s", res.body)
	}
}

// TestConcurrencyAndAudit: writes carry the revision they were based on;
// a stale one is refused with 412. Every write is in the audit log, whose
// chain verifies.
func TestConcurrencyAndAudit(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	alice := ts.login(t, "alice")
	res := alice.do("GET", "/api/v1/orgs/st-example", nil)
	tag := res.header.Get("ETag")
	if tag != `"r1"` {
		t.Fatalf("ETag %q", tag)
	}
	res = alice.do("GET", "/api/v1/orgs/st-example/assets/pump-01", nil)
	var d struct {
		Asset ward.Asset
		Risks []json.RawMessage
	}
	res.json(t, &d)
	if d.Asset.ID != "pump-01" || len(d.Risks) == 0 {
		t.Fatalf("asset detail %.300s", res.body)
	}
	d.Asset.Name = "Infusion pump 1 (ward 3B)"
	res = alice.do("PUT", "/api/v1/orgs/st-example/assets/pump-01", d.Asset, "If-Match", tag)
	if res.code != http.StatusOK || res.header.Get("ETag") != `"r2"` {
		t.Fatalf("put: %d %s %v", res.code, res.body, res.header)
	}
	// A second writer who read revision 1 is refused.
	d.Asset.Name = "something else"
	if res := alice.do("PUT", "/api/v1/orgs/st-example/assets/pump-01", d.Asset, "If-Match", tag); res.code != http.StatusPreconditionFailed {
		t.Errorf("stale write: %d %s", res.code, res.body)
	}
	// An invalid asset: 422 naming the field, nothing stored.
	bad := d.Asset
	bad.Zone = "nowhere"
	if res := alice.do("PUT", "/api/v1/orgs/st-example/assets/pump-01", bad); res.code != 422 || !strings.Contains(res.body, "assets[") {
		t.Errorf("invalid asset: %d %s", res.code, res.body)
	}
	res = alice.do("GET", "/api/v1/orgs/st-example/assets/pump-01", nil)
	if !strings.Contains(res.body, "ward 3B") {
		t.Errorf("asset after writes: %.200s", res.body)
	}
	root := ts.login(t, "root")
	res = root.do("GET", "/api/v1/audit", nil)
	var audit struct{ Items []ward.AuditEntry }
	res.json(t, &audit)
	var actions []string
	for _, e := range audit.Items {
		actions = append(actions, e.Action+":"+e.Actor)
	}
	for _, want := range []string{"user.sign-in:alice", "asset.put:alice", "user.sign-in:root"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
	if _, err := ward.VerifyAudit(audit.Items, nil, nil); err != nil {
		t.Error(err)
	}
	for _, e := range audit.Items {
		if e.Remote == "" || e.Time.IsZero() {
			t.Errorf("entry without where or when: %+v", e)
		}
	}
}

// TestHeadersAndCookies: every answer has the security headers; the
// session cookie is HttpOnly and SameSite, and under TLS Secure and
// host-locked, with HSTS.
func TestHeadersAndCookies(t *testing.T) {
	for _, tls := range []bool{false, true} {
		ts := newTestServer(t, server.Config{TLS: tls})
		c := ts.anonymous(t)
		res := c.do("POST", "/api/v1/login", map[string]string{"name": "alice", "password": testPassword})
		csp := res.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q", csp)
		}
		if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("headers %v", res.header)
		}
		cookie := res.header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("cookie %q lacks %s", cookie, want)
			}
		}
		if tls != strings.Contains(cookie, "Secure") || tls != strings.HasPrefix(cookie, "__Host-") || tls != (res.header.Get("Strict-Transport-Security") != "") {
			t.Errorf("TLS %v: cookie %q, HSTS %q", tls, cookie, res.header.Get("Strict-Transport-Security"))
		}
	}
}

// TestHealthAndMetrics: health checks answer without signing in; metrics
// count requests by route and sign-in failures.
func TestHealthAndMetrics(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	c := ts.anonymous(t)
	if res := c.do("GET", "/healthz", nil); res.code != 200 {
		t.Errorf("healthz %d", res.code)
	}
	if res := c.do("GET", "/readyz", nil); res.code != 200 {
		t.Errorf("readyz %d", res.code)
	}
	c.do("POST", "/api/v1/login", map[string]string{"name": "alice", "password": "wrong"})
	ts.login(t, "alice").do("GET", "/api/v1/orgs/st-example/assets", nil)
	res := c.do("GET", "/metrics", nil)
	for _, want := range []string{`ward_http_requests_total{code="200",route="GET /api/v1/orgs/{org}/assets"} 1`, "ward_sign_in_failures_total 1", "ward_http_request_duration_seconds_bucket"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(res.body, testPassword) {
		t.Error("a password in the metrics")
	}
}

// TestPagination: pages follow one another without loss or repeat,
// filtered and sorted.
func TestPagination(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	c := ts.login(t, "victor")
	var all []string
	path := "/api/v1/orgs/st-example/assets?limit=25&sort=name&order=desc"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		var p struct {
			Items []ward.Asset
			Total int
			Next  string
		}
		c.do("GET", path, nil).json(t, &p)
		if p.Total != 132 || len(p.Items) == 0 || len(p.Items) > 25 {
			t.Fatalf("page: total %d, %d items", p.Total, len(p.Items))
		}
		for _, a := range p.Items {
			all = append(all, a.Name)
		}
		path = ""
		if p.Next != "" {
			path = "/api/v1/orgs/st-example/assets?limit=25&sort=name&order=desc&cursor=" + p.Next
		}
	}
	if len(all) != 132 || !slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("%d assets, sorted %v", len(all), slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(b, a) }))
	}
	var p struct {
		Items []ward.Asset
		Total int
	}
	c.do("GET", "/api/v1/orgs/st-example/assets?kind=infusion-pump&zone=medical-devices", nil).json(t, &p)
	if p.Total == 0 {
		t.Fatal("no pumps")
	}
	for _, a := range p.Items {
		if a.Kind != "infusion-pump" || a.Zone != "medical-devices" {
			t.Errorf("filtered %s %s %s", a.ID, a.Kind, a.Zone)
		}
	}
}

// TestModelImportExport: a model exported as YAML imports back; the
// revision moves on and the audit log says who.
func TestModelImportExport(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	alice := ts.login(t, "alice")
	res := alice.do("GET", "/api/v1/orgs/st-example/model?format=yaml", nil)
	if res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "application/yaml") || !strings.Contains(res.body, "organisation:") {
		t.Fatalf("export: %d %s", res.code, res.header.Get("Content-Type"))
	}
	yaml := strings.Replace(res.body, "St. Example General", "St. Example General Hospital", 1)
	res = alice.do("PUT", "/api/v1/orgs/st-example/model", yaml, "Content-Type", "application/yaml", "If-Match", `"r1"`)
	if res.code != 200 || res.header.Get("ETag") != `"r2"` {
		t.Fatalf("import: %d %s", res.code, res.body)
	}
	if res := alice.do("GET", "/api/v1/orgs/st-example", nil); !strings.Contains(res.body, "St. Example General Hospital") {
		t.Errorf("after import: %.200s", res.body)
	}
	if os.Getenv("WARD_SHOW") != "" {
		fmt.Println(res.body)
	}
}

// TestHubSeesEveryOrganisation: the hub role reads every hospital and
// writes none.
func TestHubSeesEveryOrganisation(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	hub := ts.login(t, "csirt")
	var orgs struct{ Items []struct{ ID, Role string } }
	hub.do("GET", "/api/v1/orgs", nil).json(t, &orgs)
	if len(orgs.Items) != 2 || orgs.Items[0].Role != "hub" {
		t.Errorf("hub sees %+v", orgs.Items)
	}
	nora := ts.login(t, "nora")
	nora.do("GET", "/api/v1/orgs", nil).json(t, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].ID != "north" {
		t.Errorf("nora sees %+v", orgs.Items)
	}
	var wg sync.WaitGroup
	for _, org := range []string{"st-example", "north"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := hub.do("GET", "/api/v1/orgs/"+org+"/vulnerabilities", nil); res.code != 200 {
				t.Errorf("hub reads %s: %d", org, res.code)
			}
		}()
	}
	wg.Wait()
}

// TestRecreatedOrganisation: an organisation deleted and made again under
// the same id is read as the new one, not as the old one a cache or a
// client's ETag still holds.
func TestRecreatedOrganisation(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	root := ts.login(t, "root")
	old := root.do("GET", "/api/v1/orgs/north/assets?limit=1", nil)
	if old.code != http.StatusOK || !strings.Contains(old.body, `"total":60`) {
		t.Fatalf("north before: %d %s", old.code, old.body)
	}
	oldTag := root.do("GET", "/api/v1/orgs/north/model", nil).header.Get("ETag")
	if res := root.do("DELETE", "/api/v1/orgs/north", nil); res.code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.code, res.body)
	}
	again := "ward: 1\norganisation: {id: north, name: North Clinic}\nzones:\n  - {id: lan, kind: clinical, trust: medium}\nassets:\n  - {id: ehr, kind: ehr, zone: lan}\n  - {id: pacs, kind: pacs, zone: lan}\n"
	if res := root.do("PUT", "/api/v1/orgs/north/model", again, "Content-Type", "application/yaml"); res.code != http.StatusOK && res.code != http.StatusCreated {
		t.Fatalf("re-create: %d %s", res.code, res.body)
	}
	now := root.do("GET", "/api/v1/orgs/north/assets?limit=1", nil)
	if !strings.Contains(now.body, `"total":2`) {
		t.Errorf("north after it was made again: %s", now.body)
	}
	if page := root.do("GET", "/orgs/north/", nil); !strings.Contains(page.body, "North Clinic") {
		t.Errorf("the overview does not show the new organisation: %.300s", page.body)
	}
	newTag := root.do("GET", "/api/v1/orgs/north/model", nil).header.Get("ETag")
	if newTag == oldTag {
		t.Errorf("the new organisation's ETag %s is the old one's", newTag)
	}
	// A write made against the old organisation's ETag is refused.
	if res := root.do("PUT", "/api/v1/orgs/north/model", again, "Content-Type", "application/yaml", "If-Match", oldTag); res.code != http.StatusPreconditionFailed {
		t.Errorf("a write against the deleted organisation's revision: %d %s", res.code, res.body)
	}
}
