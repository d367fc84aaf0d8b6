package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/store/postgres/pgtest"
)

// TestTwoServersOnePostgres: two servers on one database are one service:
// a session opened on one works on the other, a write on one is read on
// the other, throttling-independent lockout is shared, and two writers
// racing with the same revision cannot both win.
func TestTwoServersOnePostgres(t *testing.T) {
	dbURL := pgtest.Schema(t)
	storeA, storeB := pgtest.OpenURL(t, dbURL), pgtest.OpenURL(t, dbURL)
	seed(t, storeA)
	backoff := ward.LoginBackoff{Free: 2, First: time.Hour, Max: time.Hour, Forget: time.Hour}
	a := newTestServer(t, server.Config{Store: storeA, Backoff: backoff})
	b := newTestServer(t, server.Config{Store: storeB, Backoff: backoff})

	alice := a.login(t, "alice")
	// The same cookie, sent to server B.
	onB := b.anonymous(t)
	ua, _ := url.Parse(a.URL)
	ub, _ := url.Parse(b.URL)
	onB.http.Jar.SetCookies(ub, alice.http.Jar.Cookies(ua))
	onB.csrf = alice.csrf
	if res := onB.do("GET", "/api/v1/me", nil); res.code != 200 || !strings.Contains(res.body, `"alice"`) {
		t.Fatalf("session on the other server: %d %s", res.code, res.body)
	}

	var d struct{ Asset ward.Asset }
	alice.do("GET", "/api/v1/orgs/st-example/assets/pump-01", nil).json(t, &d)
	d.Asset.Name = "renamed on A"
	if res := alice.do("PUT", "/api/v1/orgs/st-example/assets/pump-01", d.Asset, "If-Match", `"r1"`); res.code != 200 {
		t.Fatalf("write on A: %d %s", res.code, res.body)
	}
	if res := onB.do("GET", "/api/v1/orgs/st-example/assets/pump-01", nil); !strings.Contains(res.body, "renamed on A") || res.header.Get("ETag") != `"r2"` {
		t.Errorf("B reads %s %.200s", res.header.Get("ETag"), res.body)
	}

	// Both write from revision 2 at once: one wins, one gets 412.
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i, c := range []*client{alice, onB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			asset := d.Asset
			asset.Name = "race " + string(rune('A'+i))
			codes[i] = c.do("PUT", "/api/v1/orgs/st-example/assets/pump-01", asset, "If-Match", `"r2"`).code
		}()
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == http.StatusPreconditionFailed || codes[1] == 200 && codes[0] == http.StatusPreconditionFailed) {
		t.Errorf("racing writes: %v, want one 200 and one 412", codes)
	}

	// Failures counted on both servers hold unrecognised clients back on
	// both.
	for _, ts := range []*testServer{a, b, a} {
		ts.anonymous(t).do("POST", "/api/v1/login", map[string]string{"name": "victor", "password": "wrong"})
	}
	if res := b.anonymous(t).do("POST", "/api/v1/login", map[string]string{"name": "victor", "password": testPassword}); res.code != http.StatusTooManyRequests {
		t.Errorf("held back on A and B, B lets in: %d", res.code)
	}
	// The audit chain written by both verifies.
	root := b.login(t, "root")
	var audit struct{ Items []ward.AuditEntry }
	root.do("GET", "/api/v1/audit", nil).json(t, &audit)
	if _, err := ward.VerifyAudit(audit.Items, nil, nil); err != nil || len(audit.Items) < 4 {
		t.Errorf("audit of %d entries: %v", len(audit.Items), err)
	}
}
