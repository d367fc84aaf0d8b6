package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/store/sqlite"
	"github.com/wardhealth/ward/synth"
)

// percentile of sorted durations.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// benchHospital is a store, closed with the benchmark, holding a
// generated 10,000-asset hospital.
func benchHospital(b *testing.B) (*sqlite.Store, *ward.Model) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	m, err := synth.Generate(synth.Options{Assets: 10_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
		b.Fatal(err)
	}
	return s, m
}

// BenchmarkAssetsPage: 100 clients on loopback read pages of 100 assets
// of a 10,000-asset hospital with an API token, as fast as they can.
// Reports requests per second and the latency percentiles.
func BenchmarkAssetsPage(b *testing.B) {
	ctx := context.Background()
	s, m := benchHospital(b)
	org := m.Organisation.ID
	h, _ := server.HashPassword("benchmark password")
	s.PutUser(ctx, ward.User{ID: "u1", Name: "reader", PasswordHash: h, Memberships: []ward.Membership{{Org: org, Role: ward.RoleViewer}}, Created: time.Now()})
	const secret = "ward_bench_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	s.PutToken(ctx, ward.Token{ID: "bench", UserID: "u1", Name: "bench", Hash: sha256hex(secret), Scope: ward.ScopeRead, Created: time.Now(), Expires: time.Now().Add(time.Hour)})
	_, base := serveBench(b, s)
	tr := &http.Transport{MaxIdleConnsPerHost: 200, MaxConnsPerHost: 200}
	client := &http.Client{Transport: tr}
	get := func(path string) (time.Duration, error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		buf := make([]byte, 32<<10)
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		return time.Since(start), nil
	}
	// Warm the model cache, as a running server is.
	if _, err := get("/api/v1/orgs/" + org + "/assets?limit=100"); err != nil {
		b.Fatal(err)
	}
	const clients, perClient = 100, 50
	b.ResetTimer()
	for b.Loop() {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		var failed atomic.Int64
		start := time.Now()
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				for i := range perClient {
					// Different pages and sorts, as people browse.
					path := fmt.Sprintf("/api/v1/orgs/%s/assets?limit=100&sort=%s", org, []string{"id", "name", "zone"}[(c+i)%3])
					d, err := get(path)
					if err != nil {
						failed.Add(1)
						continue
					}
					mine = append(mine, d)
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		if failed.Load() > 0 {
			b.Fatalf("%d requests failed", failed.Load())
		}
		slices.Sort(lat)
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkSignInFlood: an attacker sends 1,000 wrong passwords a second
// for one account (user0) for two seconds while ten people sign in to
// their own accounts, each from an address of its own behind the
// hospital's proxy, and user0's owner signs in from the browser it used
// before. Reports how many of the attacker's attempts reached a password
// check, the people's and the owner's success rates and latency.
func BenchmarkSignInFlood(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		s, err := sqlite.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		h, _ := server.HashPassword("the right password")
		for i := range 11 {
			s.PutUser(ctx, ward.User{ID: fmt.Sprint("u", i), Name: fmt.Sprint("user", i), PasswordHash: h, Memberships: []ward.Membership{}, Created: time.Now()})
		}
		srv, err := server.New(server.Config{Store: s, Version: "bench", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
		if err != nil {
			b.Fatal(err)
		}
		hs := &http.Server{Handler: srv.Handler()}
		ln := listen(b)
		go hs.Serve(ln)
		base := "http://" + ln.Addr().String()
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
		loginFrom := func(c *http.Client, addr, name, password string) (int, time.Duration) {
			start := time.Now()
			req, _ := http.NewRequest("POST", base+"/api/v1/login", stringsReader(fmt.Sprintf(`{"name":%q,"password":%q}`, name, password)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", addr)
			resp, err := c.Do(req)
			if err != nil {
				return 0, 0
			}
			resp.Body.Close()
			return resp.StatusCode, time.Since(start)
		}
		login := func(name, password string) (int, time.Duration) {
			return loginFrom(client, "203.0.113.66", name, password)
		}
		jar, _ := cookiejar.New(nil)
		owner := &http.Client{Jar: jar}
		if code, _ := loginFrom(owner, "198.51.100.1", "user0", "the right password"); code != http.StatusOK {
			b.Fatalf("the owner's first sign-in: %d", code)
		}
		var attack struct {
			sent, throttled, checked atomic.Int64
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		// 1,000 attempts a second: ten every 10 ms, for 50 workers.
		tick := time.NewTicker(10 * time.Millisecond)
		jobs := make(chan struct{}, 1000)
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range jobs {
					code, _ := login("user0", "guess")
					attack.sent.Add(1)
					switch code {
					case http.StatusTooManyRequests:
						attack.throttled.Add(1)
					case http.StatusUnauthorized:
						attack.checked.Add(1)
					}
				}
			}()
		}
		go func() {
			for {
				select {
				case <-stop:
					close(jobs)
					return
				case <-tick.C:
					for range 10 {
						select {
						case jobs <- struct{}{}:
						default: // the workers are behind: drop, as a real flood would not wait
						}
					}
				}
			}
		}()
		var ok atomic.Int64
		var mu sync.Mutex
		var lat []time.Duration
		var people sync.WaitGroup
		var ownerOK atomic.Int64
		for i := 0; i <= 10; i++ {
			people.Add(1)
			go func() {
				defer people.Done()
				for range 3 {
					var code int
					var d time.Duration
					if i == 0 {
						code, d = loginFrom(owner, "198.51.100.1", "user0", "the right password")
						if code == 200 {
							ownerOK.Add(1)
						}
					} else {
						code, d = loginFrom(client, fmt.Sprint("198.51.100.", 10+i), fmt.Sprint("user", i), "the right password")
						if code == 200 {
							ok.Add(1)
						}
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
					time.Sleep(500 * time.Millisecond)
				}
			}()
		}
		time.Sleep(2 * time.Second)
		people.Wait()
		close(stop)
		tick.Stop()
		wg.Wait()
		hs.Close()
		s.Close()
		slices.Sort(lat)
		b.ReportMetric(float64(attack.sent.Load())/2, "attempts/s")
		b.ReportMetric(float64(attack.checked.Load()), "attempts-checked")
		b.ReportMetric(100*float64(attack.throttled.Load())/float64(max(1, attack.sent.Load())), "%-throttled")
		b.ReportMetric(100*float64(ok.Load())/30, "%-others-signed-in")
		b.ReportMetric(100*float64(ownerOK.Load())/3, "%-owner-signed-in")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "others-p99-ms")
	}
}

// BenchmarkDashboardPages: 20 people on loopback read every page of the
// dashboard (each GET page route, the downloads left out) of a
// 10,000-asset hospital, each signed in with a session of their own, one
// page after another as fast as the server answers. The pages are read
// once before the clock starts, as a running server has them: the
// assessment, the loss, the plan and the map are computed once per
// revision. Reports the p50 and p99 of every page (in the log) and the
// worst page's p99; the target is p99 < 100 ms on every page.
func BenchmarkDashboardPages(b *testing.B) {
	ctx := context.Background()
	s, m := benchHospital(b)
	org := m.Organisation.ID
	if err := s.PutUser(ctx, ward.User{ID: "u-admin", Name: "admin", PasswordHash: "unused", Admin: true, Created: time.Now()}); err != nil {
		b.Fatal(err)
	}
	srv, base := serveBench(b, s)
	var pages []string
	for _, rt := range srv.Routes() {
		if !rt.Page || rt.Method != "GET" || rt.Pattern == "/login" || strings.Contains(rt.Pattern, "/reports/{") || strings.HasSuffix(rt.Pattern, ".svg") {
			continue
		}
		p := strings.NewReplacer("{org}", org, "{id}", m.Assets[0].ID, "{$}", "").Replace(rt.Pattern)
		if strings.Contains(p, "/incidents/") || strings.Contains(p, "{") {
			continue // no incident to show
		}
		pages = append(pages, p)
	}
	const clients, rounds = 20, 3
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	people := make([]*http.Client, clients)
	for i := range people {
		secret := fmt.Sprintf("bench-session-%d", i)
		now := time.Now()
		if err := s.PutSession(ctx, ward.Session{Hash: sha256hex(secret), UserID: "u-admin", CSRF: "csrf", Created: now, Expires: now.Add(time.Hour), Remote: "127.0.0.1"}); err != nil {
			b.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		u, _ := url.Parse(base)
		jar.SetCookies(u, []*http.Cookie{{Name: "ward_session", Value: secret, Path: "/"}})
		people[i] = &http.Client{Transport: tr, Jar: jar}
	}
	get := func(c *http.Client, path string) (time.Duration, error) {
		start := time.Now()
		resp, err := c.Get(base + path)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, bufio.NewReaderSize(resp.Body, 256<<10))
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		return time.Since(start), nil
	}
	for _, p := range pages {
		start := time.Now()
		if _, err := get(people[0], p); err != nil {
			b.Fatal(err)
		}
		first := time.Since(start)
		start = time.Now()
		resp, err := people[0].Get(base + p)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		b.Logf("%-48s first read %9v, then alone %7v, %8d bytes", p, first.Round(time.Millisecond), time.Since(start).Round(100*time.Microsecond), n)
	}
	lat := make(map[string][]time.Duration, len(pages))
	b.ResetTimer()
	for b.Loop() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		var failed atomic.Value
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := map[string][]time.Duration{}
				for r := range rounds {
					for k := range pages {
						// Each person reads the pages in an order of its own.
						p := pages[(k+c*7+r)%len(pages)]
						d, err := get(people[c], p)
						if err != nil {
							failed.Store(err)
							return
						}
						mine[p] = append(mine[p], d)
					}
				}
				mu.Lock()
				for p, d := range mine {
					lat[p] = append(lat[p], d...)
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	worst, slowest := time.Duration(0), ""
	for _, p := range pages {
		d := lat[p]
		slices.Sort(d)
		p99 := percentile(d, 0.99)
		b.Logf("%-48s p50 %7.1f ms  p99 %7.1f ms  (%d reads)", p, float64(percentile(d, 0.50).Microseconds())/1000, float64(p99.Microseconds())/1000, len(d))
		if p99 > worst {
			worst, slowest = p99, p
		}
	}
	b.Logf("slowest page: %s, p99 %v", slowest, worst)
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-p99-ms")
}

// serveBench starts a server on the store, on a loopback port, for the
// length of the benchmark, and gives it with its base URL.
func serveBench(b *testing.B, st ward.Store) (*server.Server, string) {
	b.Helper()
	srv, err := server.New(server.Config{Store: st, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	ln := listen(b)
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, "http://" + ln.Addr().String()
}
