package server_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/share"
)

// TestSignInRedirectStaysOnSite: after signing in, next= may only lead to
// a path of this site. Browsers drop tabs and newlines from a Location
// and read a backslash as a slash, so each of these would have left for
// another host.
func TestSignInRedirectStaysOnSite(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	cases := map[string]string{
		"/orgs/st-example/assets?zone=clinical": "/orgs/st-example/assets?zone=clinical",
		"/\t/evil.example":                      "/",
		"/\n/evil.example":                      "/",
		"/\\evil.example":                       "/",
		"//evil.example":                        "/",
		"https://evil.example/":                 "/",
		"/\u3000/evil.example":                  "/",
		"/%09/evil.example":                     "/%09/evil.example", // still a path here, once decoded by the form
	}
	for next, want := range cases {
		c := ts.anonymous(t)
		form := url.Values{"name": {"victor"}, "password": {testPassword}, "next": {next}}
		req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("next=%q: %d Location %q, want %q", next, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	// The login page's own next= (from a query) is kept to the same rule.
	c := ts.anonymous(t)
	if res := c.do("GET", "/login?next=/%09/evil.example", nil); strings.Contains(res.body, "evil") {
		t.Errorf("the form carries the unsafe next: %s", res.body)
	}
}

// TestForwardedFor: behind trusted proxies the client is the rightmost
// hop of X-Forwarded-For that is not a proxy; what the client wrote to its
// left is not believed, and without trusted proxies the header is ignored.
func TestForwardedFor(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		proxies []netip.Prefix
		header  []string
		want    string
	}{
		{proxies, []string{"6.6.6.6, 203.0.113.9"}, "203.0.113.9"},               // forged leftmost hop
		{proxies, []string{"6.6.6.6", "203.0.113.9, 10.1.2.3"}, "203.0.113.9"},   // two headers, a second proxy
		{proxies, []string{"10.1.2.3, 10.2.3.4"}, "10.1.2.3"},                    // only proxies: the farthest
		{proxies, []string{"203.0.113.9, not-an-address, 10.1.2.3"}, "10.1.2.3"}, // a broken chain ends at what was vouched for
		{nil, []string{"203.0.113.9"}, "127.0.0.1"},                              // no trusted proxy: the connection
	}
	for _, tc := range cases {
		ts := newTestServer(t, server.Config{TrustedProxies: tc.proxies})
		c := ts.anonymous(t)
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/login", strings.NewReader(`{"name":"victor","password":"`+testPassword+`"}`))
		req.Header.Set("Content-Type", "application/json")
		for _, h := range tc.header {
			req.Header.Add("X-Forwarded-For", h)
		}
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%v: sign-in %d", tc.header, res.StatusCode)
		}
		log, err := ts.store.Audit(context.Background(), "", 0, 0)
		if err != nil || len(log) == 0 {
			t.Fatalf("audit: %v", err)
		}
		if got := log[len(log)-1]; got.Action != "user.sign-in" || got.Remote != tc.want {
			t.Errorf("%v: audited %s from %q, want %q", tc.header, got.Action, got.Remote, tc.want)
		}
	}
}

// TestSignInBackoff replays the lockout attack: an anonymous client sends
// wrong passwords for alice. Unrecognised clients are then held back
// (429, no password checked, nothing counted, the same answer for a name
// no one has), but alice's own browser, which signed in before, still gets
// in with the right password, as does a TAXII client from an address that
// used HTTP Basic before; the backoff is audited and counted once, and an
// administrator can clear it.
func TestSignInBackoff(t *testing.T) {
	backoff := ward.LoginBackoff{Free: 3, First: time.Hour, Max: time.Hour, Forget: 2 * time.Hour}
	ts := newTestServer(t, server.Config{Backoff: backoff, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	from := func(addr string) []string { return []string{"X-Forwarded-For", addr} }
	login := func(c *client, addr, name, password string) response {
		return c.do("POST", "/api/v1/login", map[string]string{"name": name, "password": password}, from(addr)...)
	}
	browser := ts.anonymous(t) // alice's, at the hospital
	if res := login(browser, "198.51.100.7", "alice", testPassword); res.code != http.StatusOK {
		t.Fatalf("alice signs in: %d %s", res.code, res.body)
	}
	basic := func(addr, password string) response {
		return ts.taxii(t, "", "GET", "/taxii2/api/collections/", "", "Authorization", "Basic "+basicAuth("alice", password), "X-Forwarded-For", addr)
	}
	if res := basic("198.51.100.8", testPassword); res.code != http.StatusOK {
		t.Fatalf("alice's sync client: %d %s", res.code, res.body)
	}

	answers := map[string][]int{}
	var lastBody = map[string]string{}
	for _, name := range []string{"alice", "nobody"} {
		attacker := ts.anonymous(t)
		for i := range 6 {
			res := login(attacker, "203.0.113."+strconv.Itoa(10+i), name, "guess")
			answers[name] = append(answers[name], res.code)
			if res.code == http.StatusTooManyRequests {
				if res.header.Get("Retry-After") == "" {
					t.Errorf("%s: 429 without Retry-After", name)
				}
				lastBody[name] = strings.Split(res.body, "try again")[0]
			}
		}
		// The right password from an unrecognised client waits too, and
		// is not counted.
		if res := login(attacker, "203.0.113.99", name, testPassword); res.code != http.StatusTooManyRequests {
			t.Errorf("%s, right password from an unrecognised client during the backoff: %d", name, res.code)
		}
	}
	want := []int{401, 401, 401, 401, 429, 429}
	if !slices.Equal(answers["alice"], want) || !slices.Equal(answers["nobody"], want) {
		t.Errorf("answers: alice %v, nobody %v; want %v for both", answers["alice"], answers["nobody"], want)
	}
	if lastBody["alice"] != lastBody["nobody"] {
		t.Errorf("a held-back answer tells the names apart:\n%s\n%s", lastBody["alice"], lastBody["nobody"])
	}
	u, _ := ts.store.UserByName(context.Background(), "alice")
	if u.FailedLogins != 4 || time.Until(u.LockedUntil) < 50*time.Minute {
		t.Errorf("alice: %d failures counted, held back until %v; want 4 and an hour", u.FailedLogins, u.LockedUntil)
	}

	// The owner's browser and sync client are not held back.
	if res := login(browser, "198.51.100.7", "alice", testPassword); res.code != http.StatusOK {
		t.Errorf("alice's browser during the backoff: %d %s", res.code, res.body)
	}
	if res := basic("198.51.100.8", testPassword); res.code != http.StatusOK {
		t.Errorf("alice's sync client during the backoff: %d %s", res.code, res.body)
	}
	if res := basic("203.0.113.50", testPassword); res.code != http.StatusTooManyRequests {
		t.Errorf("HTTP Basic from an unrecognised address during the backoff: %d", res.code)
	}
	// Others sign in as usual, even from the attacker's addresses.
	if res := login(ts.anonymous(t), "203.0.113.10", "victor", testPassword); res.code != http.StatusOK {
		t.Errorf("victor: %d %s", res.code, res.body)
	}

	// One audit entry and one count for the backoff, however many tries.
	log, _ := ts.store.Audit(context.Background(), "", 0, 0)
	n := 0
	for _, e := range log {
		if e.Action == "user.backoff" {
			n++
			if e.Target != "alice" || e.Remote != "203.0.113.13" {
				t.Errorf("backoff entry %+v", e)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d user.backoff entries, want 1", n)
	}
	if m := ts.anonymous(t).do("GET", "/metrics", nil); !strings.Contains(m.body, "ward_sign_in_backoffs_total 1") {
		t.Errorf("metric: %s", grepLine(m.body, "ward_sign_in_backoffs_total"))
	}

	// An administrator unlocks alice: any client may try again.
	root := ts.login(t, "root")
	if res := root.do("POST", "/api/v1/users/u-alice/unlock", nil); res.code != http.StatusOK || !strings.Contains(res.body, `"failed_logins":0`) {
		t.Fatalf("unlock: %d %s", res.code, res.body)
	}
	if res := login(ts.anonymous(t), "203.0.113.99", "alice", testPassword); res.code != http.StatusOK {
		t.Errorf("after the unlock: %d %s", res.code, res.body)
	}
	log, _ = ts.store.Audit(context.Background(), "", 0, 0)
	if last := log[len(log)-2]; last.Action != "user.unlock" || last.Target != "alice" || last.Actor != "root" {
		t.Errorf("unlock audited as %+v", last)
	}
}

// TestBasicAfterPasswordChange: HTTP Basic credentials are remembered for a
// minute, but a changed password ends the old one at once.
func TestBasicAfterPasswordChange(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	if res := ts.taxii(t, "alice", "GET", "/taxii2/api/collections/", ""); res.code != http.StatusOK {
		t.Fatalf("before: %d", res.code)
	}
	root := ts.login(t, "root")
	if res := root.do("PATCH", "/api/v1/users/u-alice", map[string]string{"password": "a new and long passphrase"}); res.code != http.StatusOK {
		t.Fatalf("password change: %d %s", res.code, res.body)
	}
	if res := ts.taxii(t, "alice", "GET", "/taxii2/api/collections/", ""); res.code != http.StatusUnauthorized {
		t.Errorf("the old password right after the change: %d", res.code)
	}
}

func basicAuth(name, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(name + ":" + password))
}

func grepLine(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return "(no " + prefix + ")"
}

// TestWriteAndAuditInOneTransaction: when the audit entry cannot be
// written, neither is the write — a TAXII addition leaves no objects and
// no status, a model upload leaves the model as it was.
func TestWriteAndAuditInOneTransaction(t *testing.T) {
	store, file := seededStore(t)
	ts := newTestServer(t, server.Config{Store: store})
	raw, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER audit_full BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is full'); END`); err != nil {
		t.Fatal(err)
	}

	col := newCollection(t, ts, []string{"st-example"}, []string{"st-example"})
	objs := []share.Object{share.Vulnerability("CVE-2026-0002", "", "", share.Green, time.Now())}
	body, _ := json.Marshal(map[string]any{"objects": objs})
	if res := ts.taxii(t, "alice", "POST", "/taxii2/api/collections/"+col+"/objects/", string(body)); res.code != http.StatusInternalServerError {
		t.Errorf("addition with no audit: %d %s", res.code, res.body)
	}
	var n int
	raw.QueryRow(`SELECT (SELECT COUNT(*) FROM shared_objects WHERE collection = ?) + (SELECT COUNT(*) FROM taxii_status)`, col).Scan(&n)
	if n != 0 {
		t.Errorf("%d objects and statuses stored without an audit entry", n)
	}

	alice := ts.session(t, "alice")
	before, _ := ts.store.Revision(context.Background(), "st-example")
	m, _ := demo.Model()
	m.Organisation.Name = "Renamed General"
	var b bytes.Buffer
	modelfile.Write(&b, m, modelfile.JSON)
	if res := alice.do("PUT", "/api/v1/orgs/st-example/model", b.Bytes(), "Content-Type", "application/json"); res.code != http.StatusInternalServerError {
		t.Errorf("model upload with no audit: %d %s", res.code, res.body)
	}
	if after, _ := ts.store.Revision(context.Background(), "st-example"); after != before {
		t.Errorf("revision %d -> %d without an audit entry", before, after)
	}
}

// TestConcurrentWritersWithoutIfMatch: 20 writers each renaming another
// asset at once, without If-Match, all succeed and every rename is kept;
// with a stale If-Match a write is refused with 412.
func TestConcurrentWritersWithoutIfMatch(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	alice := ts.session(t, "alice")
	m, _ := demo.Model()
	n := min(20, len(m.Assets))
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := m.Assets[i]
			a.Name = "renamed " + a.ID
			codes[i] = alice.do("PUT", "/api/v1/orgs/st-example/assets/"+a.ID, a).code
		})
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("writer %d: %d", i, code)
		}
	}
	stored, _ := ts.store.Model(context.Background(), "st-example")
	for _, a := range stored.Assets[:n] {
		if a.Name != "renamed "+a.ID {
			t.Errorf("%s: %q, a rename was lost", a.ID, a.Name)
		}
	}
	if res := alice.do("PUT", "/api/v1/orgs/st-example/assets/"+m.Assets[0].ID, m.Assets[0], "If-Match", `"r1"`); res.code != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d", res.code)
	}
}

// TestBodiesBoundedBeforeReading: a body declared larger than the limit is
// refused at once, before any of it is sent; a body that trickles is cut
// off at its deadline with 408.
func TestBodiesBoundedBeforeReading(t *testing.T) {
	ts := newTestServer(t, server.Config{BodyTimeout: time.Second})
	alice := ts.session(t, "alice")
	var cookie string
	u, _ := url.Parse(ts.URL)
	for _, c := range alice.http.Jar.Cookies(u) {
		cookie = c.Name + "=" + c.Value
	}
	send := func(head string, body string) (string, time.Duration) {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprintf(conn, "%sHost: %s\r\nCookie: %s\r\nX-CSRF-Token: %s\r\nContent-Type: application/json\r\n\r\n%s", head, u.Host, cookie, alice.csrf, body)
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		status, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			t.Fatalf("%q: no answer: %v", head, err)
		}
		return status, time.Since(start)
	}
	status, took := send("PUT /api/v1/orgs/st-example/model HTTP/1.1\r\nContent-Length: 100000000000\r\n", "")
	if !strings.Contains(status, "413") || took > 5*time.Second {
		t.Errorf("a body of 100 GB declared: %q after %v", status, took)
	}
	for _, path := range []string{"/api/v1/orgs/st-example/assessments", "/taxii2/api/collections/x/objects/"} {
		head := "POST " + path + " HTTP/1.1\r\nContent-Length: 100000000000\r\nAccept: application/taxii+json;version=2.1\r\n"
		if status, _ := send(head, ""); !strings.Contains(status, "413") {
			t.Errorf("%s with a body of 100 GB declared: %q", path, status)
		}
	}
	status, took = send("PUT /api/v1/orgs/st-example/model HTTP/1.1\r\nContent-Length: 1000\r\n", `{"ward": "1",`)
	if !strings.Contains(status, "408") || took > 10*time.Second {
		t.Errorf("a body that stops: %q after %v", status, took)
	}
}

// TestLongWorkNotCutOff: the body deadline bounds a slow sender, not
// the work a request asks for: a page whose computation outlasts it (the
// plan on the demo) is answered, not cut off with a 500.
func TestLongWorkNotCutOff(t *testing.T) {
	ts := newTestServer(t, server.Config{BodyTimeout: 50 * time.Millisecond})
	alice := ts.session(t, "alice")
	start := time.Now()
	res := alice.do("GET", "/orgs/st-example/plan", nil)
	if res.code != http.StatusOK || !strings.Contains(res.body, "Plan") {
		t.Fatalf("the plan page after %v: %d %.300s", time.Since(start), res.code, res.body)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Logf("the plan took %v, less than the deadline: this run does not show the deadline lifted", took)
	}
}

// TestMergeBombUpload: the YAML merge-key bomb of 30 anchors, each merging
// the six before it, is refused with its place through the API, and the
// model is left as it was.
func TestMergeBombUpload(t *testing.T) {
	var b strings.Builder
	b.WriteString("ward: 1\norganisation: {id: st-example, name: Bomb}\nzones:\n  - &z0 {id: z0, kind: clinical, trust: high}\n")
	for i := 1; i < 30; i++ {
		var refs []string
		for j := max(0, i-6); j < i; j++ {
			refs = append(refs, fmt.Sprintf("*z%d", j))
		}
		fmt.Fprintf(&b, "  - &z%d {<<: [%s], id: z%d}\n", i, strings.Join(refs, ", "), i)
	}
	ts := newTestServer(t, server.Config{})
	alice := ts.session(t, "alice")
	before, _ := ts.store.Revision(context.Background(), "st-example")
	res := alice.do("PUT", "/api/v1/orgs/st-example/model", b.String(), "Content-Type", "application/yaml")
	if res.code != http.StatusUnprocessableEntity || !strings.Contains(res.body, "merge keys") || !strings.Contains(res.body, `"line"`) {
		t.Errorf("merge bomb: %d %.400s", res.code, res.body)
	}
	if after, _ := ts.store.Revision(context.Background(), "st-example"); after != before {
		t.Errorf("revision %d -> %d", before, after)
	}
}
