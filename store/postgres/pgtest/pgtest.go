// Package pgtest gives tests a PostgreSQL store of their own: a fresh
// schema in the server named by WARD_TEST_POSTGRES (default: the local
// server .ci/run starts), dropped when the test ends.
//
// When the server cannot be reached the tests that need it are skipped,
// saying so in one line, unless WARD_REQUIRE_POSTGRES=1 (as in CI) makes
// that a failure.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/wardhealth/ward/store/postgres"
)

// URL is the test server's URL.
func URL() string {
	if u := os.Getenv("WARD_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// WithSchema returns the URL u whose connections use the schema.
func WithSchema(u, schema string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("WARD_TEST_POSTGRES: %w", err)
	}
	if p.Scheme != "postgres" && p.Scheme != "postgresql" {
		return "", fmt.Errorf("WARD_TEST_POSTGRES: %q is not a postgres:// URL", p.Redacted())
	}
	q := p.Query()
	q.Set("search_path", schema)
	p.RawQuery = q.Encode()
	return p.String(), nil
}

var (
	reach     sync.Once
	reachErr  error
	seq       atomic.Int64
	connectIn = 5 * time.Second
)

// Need skips the test when the test server cannot be reached, or fails it
// when WARD_REQUIRE_POSTGRES=1. The server is tried once per test binary.
func Need(t testing.TB) {
	t.Helper()
	reach.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), connectIn)
		defer cancel()
		c, err := pgx.Connect(ctx, URL())
		if err != nil {
			reachErr = err
			return
		}
		c.Close(ctx)
	})
	if reachErr == nil {
		return
	}
	where := URL()
	if p, err := url.Parse(where); err == nil {
		where = p.Redacted()
	}
	if os.Getenv("WARD_REQUIRE_POSTGRES") == "1" {
		t.Fatalf("PostgreSQL at %s cannot be reached and WARD_REQUIRE_POSTGRES=1: %v", where, reachErr)
	}
	t.Skipf("no PostgreSQL at %s (set WARD_TEST_POSTGRES to a server; WARD_REQUIRE_POSTGRES=1 makes this a failure)", where)
}

// Schema makes a fresh schema and returns a URL whose connections use it.
// Several stores opened on that URL share it, as several servers share a
// database.
func Schema(t testing.TB) string {
	t.Helper()
	Need(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatalf("PostgreSQL at WARD_TEST_POSTGRES: %v", err)
	}
	defer admin.Close(ctx)
	schema := fmt.Sprintf("ward_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	u, err := WithSchema(URL(), schema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), URL())
		if err == nil {
			c.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(context.Background())
		}
	})
	return u
}

// Open opens a store on a fresh schema, closed when the test ends.
func Open(t testing.TB) *postgres.Store {
	t.Helper()
	return OpenURL(t, Schema(t))
}

// OpenURL opens a store on a URL from Schema, closed when the test ends.
func OpenURL(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
