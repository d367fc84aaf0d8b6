package postgres_test

import (
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/postgres/pgtest"
	"github.com/wardhealth/ward/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	pgtest.Need(b)
	storetest.Bench(b, func(b *testing.B) ward.Store { return pgtest.Open(b) })
}
