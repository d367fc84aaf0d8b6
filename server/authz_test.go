package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/share"
)

// A read-only API token of alice's, stored by addTokens.
const aliceReadToken = "ward_readtok_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"

// A write token of root's, the Ward administrator, limited to the second
// hospital, north: it must act as north's administrator and nothing more.
const rootNorthToken = "ward_northtok_0123456789abcdefghijklmnopqrstuvwxyzABCDEF"

// addTokens gives alice a read token, root a write token for north, and
// every user a token to revoke.
func addTokens(t testing.TB, s ward.Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	sum := sha256hex(aliceReadToken)
	if err := s.PutToken(ctx, ward.Token{ID: "readtok", UserID: "u-alice", Name: "reader", Hash: sum, Scope: ward.ScopeRead, Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutToken(ctx, ward.Token{ID: "northtok", UserID: "u-root", Name: "north sync", Hash: sha256hex(rootNorthToken), Scope: ward.ScopeWrite, Org: "north", Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		if err := s.PutToken(ctx, ward.Token{ID: "tok-" + u.Name, UserID: u.ID, Name: "spare", Hash: "spare-" + u.Name, Scope: ward.ScopeRead, Created: now, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
}

// callers of the matrix: anonymous, each user signed in, alice's read
// token and root's write token for north.
var callers = []string{"anonymous", "victor", "alice", "adele", "csirt", "nora", "root", "alice-token", "root-north-token"}

func (ts *testServer) as(t testing.TB, caller string) *client {
	if c, ok := ts.clients[caller]; ok {
		return c
	}
	c := ts.newCaller(t, caller)
	ts.clients[caller] = c
	return c
}

func (ts *testServer) newCaller(t testing.TB, caller string) *client {
	switch caller {
	case "anonymous":
		return ts.anonymous(t)
	case "alice-token":
		c := ts.anonymous(t)
		c.token = aliceReadToken
		return c
	case "root-north-token":
		c := ts.anonymous(t)
		c.token = rootNorthToken
		return c
	}
	return ts.session(t, caller)
}

// allowed says whether a caller may use a route of the given access on
// st-example.
func allowed(access, method, pattern, caller string) bool {
	unsafe := method != "GET"
	if access == "public" {
		return true
	}
	if caller == "anonymous" {
		return access == "public"
	}
	if caller == "alice-token" && unsafe {
		return false
	}
	if caller == "root-north-token" {
		// north's administrator only: not Ward's, no role in st-example,
		// and no making or revoking of tokens.
		return access == "signed-in" && (!unsafe || !strings.HasPrefix(pattern, "/api/v1/tokens"))
	}
	user := caller
	if caller == "alice-token" {
		user = "alice"
	}
	switch access {
	case "signed-in", "public":
		return true
	case "administrator":
		return user == "root"
	case "hub":
		return user == "root" || user == "csirt"
	case "viewer":
		return slices.Contains([]string{"victor", "alice", "adele", "csirt", "root"}, user)
	case "analyst":
		return slices.Contains([]string{"alice", "adele", "root"}, user)
	case "admin":
		return slices.Contains([]string{"adele", "root"}, user)
	}
	return false
}

// removable is a demo asset no clinical service depends on.
func removable(t testing.TB) ward.Asset {
	m, _ := demo.Model()
	for _, a := range m.Assets {
		used := false
		for _, s := range m.Services {
			used = used || slices.Contains(s.DependsOn, a.ID)
		}
		if !used {
			return a
		}
	}
	t.Fatal("every demo asset serves a service")
	return ward.Asset{}
}

// request gives the path and body a route is called with in the matrix:
// real ids, valid bodies, so that an allowed caller succeeds.
func request(t testing.TB, method, pattern, caller string) (string, any) {
	asset := removable(t)
	user := strings.TrimSuffix(caller, "-token")
	path := strings.NewReplacer("{org}", "st-example", "{id}", asset.ID, "{name}", "victor").Replace(pattern)
	switch {
	case strings.HasPrefix(pattern, "/api/v1/tokens/"):
		path = "/api/v1/tokens/tok-" + user
	case strings.HasPrefix(pattern, "/api/v1/users/"):
		path = strings.Replace(pattern, "{id}", "u-victor", 1)
	case strings.HasPrefix(pattern, "/api/v1/orgs/{org}/zones/"):
		path = "/api/v1/orgs/st-example/zones/spare-zone"
	case strings.HasPrefix(pattern, "/api/v1/orgs/{org}/services/"):
		path = "/api/v1/orgs/st-example/services/spare-service"
	case strings.HasSuffix(pattern, "/assessments/{id}"):
		path = "/api/v1/orgs/st-example/assessments/latest"
	case strings.HasPrefix(pattern, "/api/v1/orgs/{org}/incidents/{id}"):
		path = strings.NewReplacer("{org}", "st-example", "{id}", testIncident, "{kind}", "early-warning").Replace(pattern)
	case pattern == "/api/v1/national/whatif":
		path += "?fail=cloud:microsoft&for=4h"
	case strings.Contains(pattern, "/money-plan"):
		path += "?budget=1&trials=1000" // the least plan: it computes in the background
	}
	var body any
	switch method + " " + pattern {
	case "POST /api/v1/login":
		body = map[string]string{"name": "victor", "password": testPassword}
	case "POST /api/v1/tokens":
		body = map[string]string{"name": "ci", "scope": "read"}
	case "POST /api/v1/collections":
		body = map[string]any{"title": "Medical devices", "readers": []string{"*"}, "writers": []string{"st-example"}}
	case "POST /api/v1/users":
		body = map[string]any{"name": "newcomer"}
	case "PATCH /api/v1/users/{id}":
		body = map[string]any{"disabled": false}
	case "PUT /api/v1/orgs/{org}/model":
		m, _ := demo.Model()
		var b bytes.Buffer
		modelfile.Write(&b, m, modelfile.JSON)
		body = b.Bytes()
	case "PUT /api/v1/orgs/{org}/assets/{id}":
		body = asset
	case "PUT /api/v1/orgs/{org}/zones/{id}":
		body = spareZone
	case "PUT /api/v1/orgs/{org}/services/{id}":
		m, _ := demo.Model()
		spare := spareService
		spare.DependsOn = []string{m.Assets[0].ID}
		body = spare
	case "PUT /api/v1/orgs/{org}/members/{name}":
		body = map[string]string{"role": "viewer"}
	case "POST /api/v1/orgs/{org}/procure", "POST /api/v1/orgs/{org}/procure/place":
		body = procureBody(t, "pump-cygnus")
	case "POST /api/v1/orgs/{org}/incidents":
		body = map[string]any{"title": "Flood on the ePrescription gateway", "severity": "high", "assets": []string{asset.ID}}
	case "PATCH /api/v1/orgs/{org}/incidents/{id}":
		body = map[string]any{"note": "the vendor confirms", "status": "confirmed"}
	case "POST /api/v1/orgs/{org}/incidents/{id}/close":
		body = map[string]any{"root_cause": "a weak password", "lessons": []map[string]string{{"text": "MFA on the vendor VPN", "control": "mfa", "asset": "vpn-vendor"}}}
	case "POST /api/v1/orgs/{org}/incidents/{id}/reports/{kind}/send":
		body = map[string]any{"tlp": "amber"}
	case "POST /api/v1/orgs/{org}/incidents/{id}/reports/{kind}/sent":
		body = map[string]any{"to": "National health CSIRT", "reference": "CSIRT-1"}
	case "PUT /api/v1/orgs/{org}/national-sharing":
		body = map[string]string{"level": "full"}
	}
	return path, body
}

// matrixConfig is the servers' of the matrix: with a hub that takes
// whatever it is sent, so that sending an incident report succeeds for
// those who may.
func matrixConfig(t *testing.T) server.Config {
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", share.TAXIIMediaType)
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"id":"s","status":"complete","total_count":1,"success_count":1,"failure_count":0}`)
	}))
	t.Cleanup(hub.Close)
	return server.Config{Hub: &share.Client{APIRoot: hub.URL + "/taxii2/api/", Token: "t"}, HubCollection: "incidents"}
}

// TestAuthorisationMatrix calls every API route as every kind of caller
// and checks who gets through: the route's declared access is what is
// enforced, other hospitals' data is not found, and a read token cannot
// write.
func TestAuthorisationMatrix(t *testing.T) {
	shared := newTestServer(t, matrixConfig(t))
	addTokens(t, shared.store)
	routes := shared.srv.Routes()
	n := 0
	for _, rt := range server.APIRoutes(routes) {
		for _, caller := range callers {
			ts := shared
			if rt.Method != "GET" && allowed(rt.Access, rt.Method, rt.Pattern, caller) {
				// A write that goes through changes the store: each
				// gets a fresh one. Refused ones change nothing.
				ts = newTestServer(t, matrixConfig(t))
				addTokens(t, ts.store)
			}
			path, body := request(t, rt.Method, rt.Pattern, caller)
			c := ts.as(t, caller)
			if b, ok := body.([]byte); ok {
				body = nil
				res := c.do(rt.Method, path, b, "Content-Type", "application/json")
				check(t, rt, caller, res)
			} else {
				check(t, rt, caller, c.do(rt.Method, path, body))
			}
			n++
		}
	}
	if n < 30*len(callers) {
		t.Errorf("only %d calls: routes missing from the matrix?", n)
	}
}

func check(t *testing.T, rt server.RouteInfo, caller string, res response) {
	t.Helper()
	ok := res.code >= 200 && res.code < 300
	want := allowed(rt.Access, rt.Method, rt.Pattern, caller)
	if ok != want {
		t.Errorf("%s %s as %s: %d, want allowed=%v\n%.300s", rt.Method, rt.Pattern, caller, res.code, want, res.body)
		return
	}
	if want {
		return
	}
	// Refusals say why, as problem details, with the right status.
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s %s as %s: refused with %s", rt.Method, rt.Pattern, caller, ct)
	}
	var p struct {
		Status int
		Detail string
	}
	json.Unmarshal([]byte(res.body), &p)
	wantCode := http.StatusForbidden
	switch {
	case caller == "anonymous":
		wantCode = http.StatusUnauthorized
	case (caller == "nora" || caller == "root-north-token") && strings.Contains(rt.Pattern, "{org}") && rt.Access != "administrator":
		wantCode = http.StatusNotFound // another hospital's: not even confirmed to exist
	}
	if res.code != wantCode || p.Status != wantCode || p.Detail == "" {
		t.Errorf("%s %s as %s: %d %+v, want %d", rt.Method, rt.Pattern, caller, res.code, p, wantCode)
	}
}

// TestOrganisationTokenOfAnAdministrator replays the escalation: a Ward
// administrator's token made for one hospital (north) must act there as
// its administrator and nowhere else — not on another organisation, not
// as Ward's administrator, not on a TAXII collection only the other
// hospital may read, and not on its RED objects.
func TestOrganisationTokenOfAnAdministrator(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	addTokens(t, ts.store)
	tok := ts.anonymous(t)
	tok.token = rootNorthToken

	if res := tok.do("DELETE", "/api/v1/orgs/st-example", nil); res.code != http.StatusForbidden {
		t.Errorf("deleting another organisation: %d %s", res.code, res.body)
	}
	if _, err := ts.store.Model(context.Background(), "st-example"); err != nil {
		t.Fatalf("st-example after the attempt: %v", err)
	}
	if res := tok.do("POST", "/api/v1/users", map[string]any{"name": "mallory", "admin": true}); res.code != http.StatusForbidden {
		t.Errorf("creating a Ward administrator: %d %s", res.code, res.body)
	}
	for _, path := range []string{"/api/v1/users", "/api/v1/audit", "/api/v1/orgs/st-example/audit", "/api/v1/orgs/st-example/model"} {
		if res := tok.do("GET", path, nil); res.code < 400 {
			t.Errorf("GET %s: %d", path, res.code)
		}
	}
	var orgs struct{ Items []struct{ ID, Role string } }
	tok.do("GET", "/api/v1/orgs", nil).json(t, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].ID != "north" || orgs.Items[0].Role != "admin" {
		t.Errorf("the token's organisations: %+v", orgs.Items)
	}
	// Within north it is the administrator it was made for.
	if res := tok.do("GET", "/api/v1/orgs/north/members", nil); res.code != http.StatusOK {
		t.Errorf("north's members: %d %s", res.code, res.body)
	}
	if res := tok.do("PUT", "/api/v1/orgs/north/members/victor", map[string]string{"role": "viewer"}); res.code != http.StatusOK {
		t.Errorf("adding a member to north: %d %s", res.code, res.body)
	}

	// TAXII: st-example's private collection is not found; a shared one
	// is read without st-example's RED objects.
	private := newCollection(t, ts, []string{"st-example"}, []string{"st-example"})
	community := newCollection(t, ts, []string{"*"}, []string{"st-example", "north"})
	red := share.Vulnerability("CVE-2026-0001", "", "", share.Red, time.Now())
	body, _ := json.Marshal(map[string]any{"objects": []share.Object{red}})
	for _, col := range []string{private, community} {
		if res := ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+col+"/objects/", string(body)); res.code != http.StatusAccepted {
			t.Fatalf("alice adds to %s: %d %s", col, res.code, res.body)
		}
	}
	bearer := func(method, col, body string) response {
		return ts.taxii(t, "", method, "/taxii2/api/collections/"+col+"/objects/", body, "Authorization", "Bearer "+rootNorthToken)
	}
	if res := bearer("GET", private, ""); res.code != http.StatusNotFound {
		t.Errorf("reading st-example's private collection: %d %s", res.code, res.body)
	}
	if res := bearer("POST", private, string(body)); res.code != http.StatusNotFound {
		t.Errorf("writing st-example's private collection: %d %s", res.code, res.body)
	}
	if res := bearer("GET", community, ""); res.code != http.StatusOK || strings.Contains(res.body, "CVE-2026-0001") {
		t.Errorf("the community collection shows st-example's RED object: %d %s", res.code, res.body)
	}
	if res := ts.taxii(t, "", "GET", "/taxii2/api/collections/", "", "Authorization", "Bearer "+rootNorthToken); strings.Contains(res.body, private) {
		t.Errorf("the private collection is listed: %s", res.body)
	}
}
