package sqlite_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/sqlite"
	"github.com/wardhealth/ward/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) ward.Store {
		s, err := sqlite.Open(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}
