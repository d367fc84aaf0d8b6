package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/postgres"
	"github.com/wardhealth/ward/store/postgres/pgtest"
	"github.com/wardhealth/ward/store/storetest"
)

func open(t *testing.T) ward.Store { return pgtest.Open(t) }

func TestContract(t *testing.T) {
	pgtest.Need(t)
	storetest.Run(t, open)
}

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
