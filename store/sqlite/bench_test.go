package sqlite_test

import (
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) ward.Store { return open(b) })
}
