package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/share"
	"github.com/wardhealth/ward/store/postgres/pgtest"
	"github.com/wardhealth/ward/store/sqlite"
)

// benchObjects makes n distinct vulnerabilities with indicators, as a
// hub's feed is.
func benchObjects(n int, start int) []share.Object {
	now := time.Now()
	out := make([]share.Object, 0, n)
	for i := range n {
		cve := fmt.Sprintf("CVE-2026-%06d", start+i)
		if i%2 == 0 {
			out = append(out, share.Vulnerability(cve, "synthetic", "", share.Green, now))
			continue
		}
		o := share.Vulnerability(cve, "", "", share.Green, now)
		o.Type, o.ID = "indicator", share.ID("indicator", cve)
		o.Props = map[string]any{"pattern": fmt.Sprintf("[software:vendor = 'Vendor %d' AND software:name = 'Pump %d']", i%50, i), "pattern_type": "stix", "valid_from": share.Stamp(now)}
		out = append(out, o)
	}
	return out
}

func benchServer(b *testing.B, stores ...ward.Store) (base string, store ward.Store, token string, col string) {
	ctx := context.Background()
	var s ward.Store
	if len(stores) > 0 {
		s = stores[0]
	} else {
		sq, err := sqlite.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { sq.Close() })
		s = sq
	}
	h, _ := server.HashPassword("benchmark password")
	s.PutUser(ctx, ward.User{ID: "u1", Name: "hub", Admin: true, PasswordHash: h, Memberships: []ward.Membership{}, Created: time.Now()})
	token = "ward_bench_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	s.PutToken(ctx, ward.Token{ID: "bench", UserID: "u1", Name: "bench", Hash: sha256hex(token), Scope: ward.ScopeWrite, Created: time.Now(), Expires: time.Now().Add(time.Hour)})
	col = "6d2b1f0c-0a4e-4c4b-9a55-0f6b7f1d2e3a"
	s.PutCollection(ctx, ward.Collection{ID: col, Title: "bench", Readers: []string{"*"}, Writers: []string{"*"}, Created: time.Now()})
	srv, err := server.New(server.Config{Store: s, Version: "bench", MaxModelBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	ln := listen(b)
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String(), s, token, col
}

// BenchmarkTAXIIIngest posts envelopes of 1,000 STIX objects; reports
// objects per second, on SQLite and on PostgreSQL, from one client
// posting one envelope after the other and from four at once (a hub
// hearing from several hospitals).
func BenchmarkTAXIIIngest(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { ingest(b, nil, 1) })
	b.Run("postgres", func(b *testing.B) { ingest(b, pgtest.Open(b), 1) })
	b.Run("sqlite-4-clients", func(b *testing.B) { ingest(b, nil, 4) })
	b.Run("postgres-4-clients", func(b *testing.B) { ingest(b, pgtest.Open(b), 4) })
}

func ingest(b *testing.B, s ward.Store, clients int) {
	var stores []ward.Store
	if s != nil {
		stores = append(stores, s)
	}
	base, _, token, col := benchServer(b, stores...)
	const envelopes, per = 20, 1000
	bodies := make([][]byte, envelopes)
	for i := range bodies {
		bodies[i], _ = json.Marshal(map[string]any{"objects": benchObjects(per, i*per+b.N*1_000_000)})
	}
	client := &http.Client{}
	round := 0
	var posting time.Duration
	for b.Loop() {
		if round > 0 {
			for i := range bodies {
				bodies[i], _ = json.Marshal(map[string]any{"objects": benchObjects(per, (round*envelopes+i)*per)})
			}
		}
		round++
		start := time.Now()
		queue := make(chan []byte, len(bodies))
		for _, body := range bodies {
			queue <- body
		}
		close(queue)
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for body := range queue {
					if err := post(client, base+"/taxii2/api/collections/"+col+"/objects/", token, body); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if b.Failed() {
			b.FailNow()
		}
		posting += time.Since(start)
	}
	// Over every round: the time spent posting, not making the envelopes.
	b.ReportMetric(float64(round*envelopes*per)/posting.Seconds(), "objects/s")
}

// post posts an envelope and checks that every object was taken.
func post(client *http.Client, url, token string, body []byte) error {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Accept", share.TAXIIMediaType)
	req.Header.Set("Content-Type", share.TAXIIMediaType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 || !bytes.Contains(data, []byte(`"failure_count":0`)) {
		return fmt.Errorf("%d %.300s", resp.StatusCode, data)
	}
	return nil
}

// BenchmarkTAXIIPage: 100 clients read pages of 1,000 objects from a
// collection of 20,000.
func BenchmarkTAXIIPage(b *testing.B) {
	base, s, token, col := benchServer(b)
	var objs []ward.SharedObject
	for _, o := range benchObjects(20_000, 0) {
		so, _ := share.Shared(col, &o, "")
		objs = append(objs, so)
	}
	if _, err := s.AddObjects(context.Background(), objs, time.Now(), nil); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200, ReadBufferSize: 64 << 10}}
	// Each client reads a page into a buffer of its own, in large reads,
	// as a client keeping the page would: the clients share the server's
	// two cores, and reading in small pieces would measure them.
	buffers := sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}
	get := func(url string) (time.Duration, int, error) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept", share.TAXIIMediaType)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		buf := buffers.Get().(*[]byte)
		n := 0
		for {
			k, err := resp.Body.Read((*buf)[n%len(*buf):])
			n += k
			if err != nil {
				break
			}
		}
		buffers.Put(buf)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		return time.Since(start), n, nil
	}
	if _, n, err := get(base + "/taxii2/api/collections/" + col + "/objects/?limit=1000"); err != nil || n < 100_000 {
		b.Fatalf("%v, %d bytes", err, n)
	}
	const clients, perClient = 100, 10
	// Latencies and time over every round.
	var (
		mu      sync.Mutex
		lat     []time.Duration
		elapsed time.Duration
	)
	// round has each client read requests pages, one after the other.
	round := func(requests int) {
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range requests {
					// Pages at different places of the collection.
					url := fmt.Sprintf("%s/taxii2/api/collections/%s/objects/?limit=1000&match[type]=%s", base, col, []string{"vulnerability", "indicator"}[(c+i)%2])
					d, _, err := get(url)
					if err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	// A first round, not measured, opens the clients' connections (kept
	// alive afterwards, as polling clients keep theirs).
	round(1)
	lat = lat[:0]
	for b.Loop() {
		start := time.Now()
		round(perClient)
		elapsed += time.Since(start)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "pages/s")
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}
