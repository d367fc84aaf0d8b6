package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/national"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/store/postgres/pgtest"
	"github.com/wardhealth/ward/store/sqlite"
	"github.com/wardhealth/ward/synth"
)

// nationalPages are the hub's dashboard pages and API reads the
// benchmark drives.
var nationalPages = []string{
	"/national",
	"/national?fail=cloud:microsoft&for=4h",
	"/national?fail=erx&for=2h",
	"/national/concentration",
	"/national/map",
	"/national/register",
	"/api/v1/national/whatif?fail=eid&for=4h",
}

// BenchmarkNationalPages: 20 hub users signed in on loopback read the
// national pages (what-if, concentration, map, register) as fast as they
// can, over a generated sector of WARD_NATIONAL_HOSPITALS hospitals
// (default 20) of WARD_NATIONAL_ASSETS assets (default 500), a fifth of
// them sharing their full model and the others their services, stored in
// PostgreSQL (when reachable; SQLite otherwise, or with
// WARD_NATIONAL_STORE=sqlite), each share made at import as ward import
// makes it. Reports the first request of each page (what a hub's server
// computes once for a state of the shares) and, over the 20 clients, the
// requests per second and the latency percentiles.
func BenchmarkNationalPages(b *testing.B) {
	hospitals, assets := 20, 500
	if n, err := strconv.Atoi(os.Getenv("WARD_NATIONAL_HOSPITALS")); err == nil && n > 0 {
		hospitals = n
	}
	if n, err := strconv.Atoi(os.Getenv("WARD_NATIONAL_ASSETS")); err == nil && n > 0 {
		assets = n
	}
	ctx := context.Background()
	var st ward.Store
	if os.Getenv("WARD_NATIONAL_STORE") == "sqlite" {
		s, err := sqlite.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		st = s
	} else {
		pgtest.Need(b)
		st = pgtest.Open(b)
	}
	start := time.Now()
	ms, err := synth.Sector(synth.SectorOptions{Hospitals: hospitals, Assets: assets, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for i, m := range ms[1:] {
		level := ward.ShareServices
		if i%5 == 0 {
			level = ward.ShareFull
		}
		if err := st.PutNationalSharing(ctx, ward.NationalSharing{Org: m.Organisation.ID, Level: level, Updated: time.Now(), By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < len(ms); i += 10 {
		part := ms[i:min(i+10, len(ms))]
		before, _ := st.Revisions(ctx)
		if err := st.PutModels(ctx, part); err != nil {
			b.Fatal(err)
		}
		after, _ := st.Revisions(ctx)
		if err := national.Reshare(ctx, st, part, national.Written(before, after, part)); err != nil {
			b.Fatal(err)
		}
	}
	h, _ := server.HashPassword("benchmark password")
	if err := st.PutUser(ctx, ward.User{ID: "u-hub", Name: "hub", PasswordHash: h, Created: time.Now(), Memberships: []ward.Membership{{Org: ward.AllOrganisations, Role: ward.RoleHub}}}); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d hospitals x %d assets stored and shared in %s (%T, GOMAXPROCS %d)", hospitals, assets, time.Since(start).Round(time.Millisecond), st, runtime.GOMAXPROCS(0))
	_, base := serveBench(b, st)
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
	signIn := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Transport: tr, Jar: jar}
		res, err := c.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"name":"hub","password":"benchmark password"}`))
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("sign-in: %d", res.StatusCode)
		}
		return c
	}
	get := func(c *http.Client, path string) (time.Duration, error) {
		t0 := time.Now()
		res, err := c.Get(base + path)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return time.Since(t0), err
	}
	// The first request of each page computes it; the others read it.
	first := signIn()
	for _, p := range nationalPages {
		d, err := get(first, p)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("first %-40s %s", p, d.Round(time.Millisecond))
	}
	const clients, perClient = 20, 20
	users := make([]*http.Client, clients)
	for i := range users {
		users[i] = signIn()
	}
	for b.Loop() {
		var mu sync.Mutex
		var lat []time.Duration
		byPage := make([][]time.Duration, len(nationalPages))
		var errs []error
		var wg sync.WaitGroup
		t0 := time.Now()
		for c := range clients {
			wg.Go(func() {
				for i := range perClient {
					p := (c + i) % len(nationalPages)
					d, err := get(users[c], nationalPages[p])
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						lat = append(lat, d)
						byPage[p] = append(byPage[p], d)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(t0)
		if len(errs) > 0 {
			b.Fatalf("%d requests failed, the first: %v", len(errs), errs[0])
		}
		slices.Sort(lat)
		for p, ds := range byPage {
			slices.Sort(ds)
			b.Logf("%-40s p50 %s p99 %s", nationalPages[p], percentile(ds, 0.5).Round(time.Millisecond), percentile(ds, 0.99).Round(time.Millisecond))
		}
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	}
}
