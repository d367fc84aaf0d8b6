package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/store/sqlite"
	"github.com/wardhealth/ward/synth"
)

// The password every test user has; its hash is computed once.
const testPassword = "correct horse battery staple"

var (
	hashOnce sync.Once
	hash     string
)

func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		var err error
		if hash, err = server.HashPassword(testPassword); err != nil {
			t.Fatal(err)
		}
	})
	return hash
}

// The people of the tests: their roles in St. Example General ("st-example")
// and in a second hospital, "north".
var testUsers = []ward.User{
	{ID: "u-root", Name: "root", Admin: true},
	{ID: "u-adele", Name: "adele", Memberships: []ward.Membership{{Org: "st-example", Role: ward.RoleAdmin}}},
	{ID: "u-alice", Name: "alice", Memberships: []ward.Membership{{Org: "st-example", Role: ward.RoleAnalyst}}},
	{ID: "u-victor", Name: "victor", Memberships: []ward.Membership{{Org: "st-example", Role: ward.RoleViewer}}},
	{ID: "u-hub", Name: "csirt", Memberships: []ward.Membership{{Org: ward.AllOrganisations, Role: ward.RoleHub}}},
	{ID: "u-nora", Name: "nora", Memberships: []ward.Membership{{Org: "north", Role: ward.RoleAdmin}}},
}

// seed fills a store with the demo hospital, a second hospital, the test
// users and one stored assessment.
func seed(t testing.TB, s ward.Store) {
	t.Helper()
	ctx := context.Background()
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	// Spares, that the authorisation matrix replaces and deletes.
	m.Zones = append(m.Zones, spareZone)
	spare := spareService
	spare.DependsOn = []string{m.Assets[0].ID}
	m.Services = append(m.Services, spare)
	north, err := synth.Generate(synth.Options{Assets: 60, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	north.Organisation.ID, north.Organisation.Name = "north", "North Hospital"
	if err := s.PutModels(ctx, []*ward.Model{m, north}); err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		u.PasswordHash, u.Created = passwordHash(t), time.Now().UTC()
		if u.Memberships == nil {
			u.Memberships = []ward.Membership{}
		}
		if err := s.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// Both hospitals share their full model with the hub, so the hub
	// role reads their pages (national_test.go tests the other levels).
	for _, org := range []string{"st-example", "north"} {
		if err := s.PutNationalSharing(ctx, ward.NationalSharing{Org: org, Level: ward.ShareFull, Updated: time.Now().UTC(), By: "seed"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PutAssessment(ctx, ward.Assessment{Org: "st-example", Revision: 1, Created: time.Now(), Actor: "alice", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	// An open incident, that the matrix changes, closes and reports on.
	now := time.Now().UTC()
	inc := ward.Incident{ID: testIncident, Org: "st-example", Title: "Brute force on the vendor VPN", Status: ward.IncidentSuspected, Severity: "high",
		AwareAt: now.Add(-2 * time.Hour), OpenedAt: now, Updated: now, Assets: []string{"vpn-vendor"}}
	if err := s.PutIncident(ctx, inc, 0); err != nil {
		t.Fatal(err)
	}
}

// testIncident is the id of the seeded incident.
const testIncident = "INC-TEST-1"

var (
	seedOnce sync.Once
	seedFile []byte
)

// seeded is a database file of a seeded store, made once and copied for
// every test server: seeding each from scratch is most of a test's time.
func seeded(t testing.TB) []byte {
	seedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ward-seed")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		s, err := sqlite.Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		seed(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if seedFile, err = os.ReadFile(filepath.Join(dir, sqlite.FileName)); err != nil {
			t.Fatal(err)
		}
	})
	if seedFile == nil {
		t.Fatal("no seeded store")
	}
	return seedFile
}

var (
	spareZone    = ward.Zone{ID: "spare-zone", Name: "Spare", Kind: "clinical", Trust: "medium"}
	spareService = ward.Service{ID: "spare-service", Name: "Spare", MaxOutage: ward.Duration(4 * time.Hour)}
)

type testServer struct {
	*httptest.Server
	srv   *server.Server
	store ward.Store
	// clients are the signed-in callers, kept for the server's life.
	clients map[string]*client
}

// seededStore is a copy of the seeded store in a folder of the test's own,
// and the path of its database file.
func seededStore(t testing.TB) (*sqlite.Store, string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, sqlite.FileName)
	if err := os.WriteFile(file, seeded(t), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, file
}

func newTestServer(t testing.TB, cfg server.Config) *testServer {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store, _ = seededStore(t)
	}
	cfg.Version = "test"
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	// Timeouts as 'ward serve' sets them: each request's read deadline
	// is set anew.
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.ReadHeaderTimeout, ts.Config.IdleTimeout = 10*time.Second, 2*time.Minute
	ts.Start()
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, srv: srv, store: cfg.Store, clients: map[string]*client{}}
}

// client is a signed-in (or anonymous) API client.
type client struct {
	t     testing.TB
	base  string
	http  *http.Client
	csrf  string
	token string
}

func (ts *testServer) anonymous(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: ts.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login signs a user in through the API.
func (ts *testServer) login(t testing.TB, name string) *client {
	t.Helper()
	c := ts.anonymous(t)
	res := c.do("POST", "/api/v1/login", map[string]string{"name": name, "password": testPassword})
	if res.code != http.StatusOK {
		t.Fatalf("sign in as %s: %d %s", name, res.code, res.body)
	}
	var out struct{ CSRF string }
	json.Unmarshal([]byte(res.body), &out)
	c.csrf = out.CSRF
	return c
}

type response struct {
	code   int
	body   string
	header http.Header
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
}

// do sends a request; a body that is not a string or []byte is sent as
// JSON.
func (c *client) do(method, path string, body any, header ...string) response {
	c.t.Helper()
	var r io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r, ct = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(data), resp.Header}
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// session signs a user in by storing a session directly: the sign-in
// route has tests of its own, and checking a password (argon2id, made to
// be slow) for every caller of every test would be most of their time.
func (ts *testServer) session(t testing.TB, name string) *client {
	t.Helper()
	u, err := ts.store.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	secret, csrf := "session-"+name+"-"+strconv.FormatInt(time.Now().UnixNano(), 36), "csrf-"+name
	now := time.Now()
	err = ts.store.PutSession(context.Background(), ward.Session{Hash: sha256hex(secret), UserID: u.ID, CSRF: csrf, Created: now, Expires: now.Add(time.Hour), Remote: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c := ts.anonymous(t)
	base, _ := url.Parse(ts.URL)
	c.http.Jar.SetCookies(base, []*http.Cookie{{Name: "ward_session", Value: secret, Path: "/"}})
	c.csrf = csrf
	return c
}

func listen(t testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
