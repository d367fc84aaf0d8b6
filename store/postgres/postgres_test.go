package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/postgres"
	"github.com/wardhealth/ward/store/storetest"
)

// The tests run against a real server: WARD_TEST_POSTGRES names it, and
// defaults to the local one that .ci/run starts. Each test gets a schema of
// its own, dropped afterwards.
func testURL() string {
	if u := os.Getenv("WARD_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var schemaSeq atomic.Int64

func open(t *testing.T) ward.Store {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, testURL())
	if err != nil {
		t.Fatalf("PostgreSQL is needed for these tests (set WARD_TEST_POSTGRES): %v", err)
	}
	defer admin.Close(ctx)
	schema := fmt.Sprintf("ward_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, schemaSeq.Add(1))
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testURL())
		if err == nil {
			c.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(context.Background())
		}
	})
	cfg, err := pgxpool.ParseConfig(testURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	s, err := postgres.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContract(t *testing.T) { storetest.Run(t, open) }

func TestBadURL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"); err == nil {
		t.Fatal("connecting to a closed port succeeded")
	}
	if _, err := postgres.Open(ctx, "mysql://x"); err == nil {
		t.Fatal("a non-postgres URL was accepted")
	}
}
