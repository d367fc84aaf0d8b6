// Package pgtest gives tests a PostgreSQL store of their own: a fresh
// schema in the server named by WARD_TEST_POSTGRES (default: the local
// server .ci/run starts), dropped when the test ends.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
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

var seq atomic.Int64

// Schema makes a fresh schema and returns a URL whose connections use it.
// Several stores opened on that URL share it, as several servers share a
// database.
func Schema(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatalf("PostgreSQL is needed for this test (set WARD_TEST_POSTGRES): %v", err)
	}
	defer admin.Close(ctx)
	schema := fmt.Sprintf("ward_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
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
	sep := "?"
	if strings.Contains(URL(), "?") {
		sep = "&"
	}
	return URL() + sep + "search_path=" + schema
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
