package national_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/national"
	"github.com/wardhealth/ward/store/postgres/pgtest"
	"github.com/wardhealth/ward/store/sqlite"
	"github.com/wardhealth/ward/synth"
)

// sectorSize is the benchmark's sector: WARD_NATIONAL_HOSPITALS hospitals
// (default 50) of WARD_NATIONAL_ASSETS assets (default 2,000).
func sectorSize() (hospitals, assets int) {
	hospitals, assets = 50, 2000
	if n, err := strconv.Atoi(os.Getenv("WARD_NATIONAL_HOSPITALS")); err == nil && n > 0 {
		hospitals = n
	}
	if n, err := strconv.Atoi(os.Getenv("WARD_NATIONAL_ASSETS")); err == nil && n > 0 {
		assets = n
	}
	return
}

// fill stores a generated sector, every hospital sharing its services and
// dependencies.
func fill(b *testing.B, s interface {
	ward.Store
}) {
	hospitals, assets := sectorSize()
	ctx := context.Background()
	start := time.Now()
	ms, err := synth.Sector(synth.SectorOptions{Hospitals: hospitals, Assets: assets, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(ms); i += 10 {
		if err := s.PutModels(ctx, ms[i:min(i+10, len(ms))]); err != nil {
			b.Fatal(err)
		}
	}
	for _, m := range ms[1:] {
		if err := s.PutNationalSharing(ctx, ward.NationalSharing{Org: m.Organisation.ID, Level: ward.ShareServices, Updated: time.Now(), By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d hospitals x %d assets stored in %s (GOMAXPROCS %d)", hospitals, assets, time.Since(start).Round(time.Millisecond), runtime.GOMAXPROCS(0))
}

// benchSector measures the national what-if as the server and the CLI run
// it: the audited reads of every shared model, the join, and the failure
// of the national ePrescription service across the sector; then the whole
// analysis (every target failed alone in every hospital).
func benchSector(b *testing.B, s ward.Store) {
	ctx := context.Background()
	audit := ward.AuditEntry{Time: time.Now(), Actor: "bench"}
	run := func(sec *national.Sector) {
		keys, err := sec.Resolve([]string{"cloud:microsoft"})
		if err != nil {
			b.Fatal(err)
		}
		if w := sec.WhatIf(keys, 4*time.Hour); w.Affected == 0 {
			b.Fatal("nothing stops")
		}
	}
	// A hub's server keeps what it read by revision: the first what-if
	// reads every model, the next only those that changed.
	cache := national.NewCache()
	b.Run("whatif-warm", func(b *testing.B) {
		if _, err := national.Load(ctx, s, audit, "2026-01-01", cache); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			sec, err := national.Load(ctx, s, audit, "2026-01-01", cache)
			if err != nil {
				b.Fatal(err)
			}
			run(sec)
		}
	})
	// A cold what-if with what each hospital shares stored, as ward
	// import and the API's writes store it (any what-if on the command
	// line, or a new server, after the hospitals wrote their models).
	b.Run("whatif-snapshots", func(b *testing.B) {
		for b.Loop() {
			sec, err := national.Load(ctx, s, audit, "2026-01-01", nil)
			if err != nil {
				b.Fatal(err)
			}
			run(sec)
		}
	})
	// A what-if that finds no share up to date (the models written by a
	// path that does not make shares, or shares of an older format):
	// every model read, decoded, projected, and its share stored.
	b.Run("whatif-first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			stale(b, s)
			b.StartTimer()
			sec, err := national.Load(ctx, s, audit, "2026-01-01", nil)
			if err != nil {
				b.Fatal(err)
			}
			run(sec)
		}
	})
	sec, err := national.Load(ctx, s, audit, "2026-01-01", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("whatif-joined", func(b *testing.B) {
		keys, _ := sec.Resolve([]string{"cloud:microsoft"})
		for b.Loop() {
			sec.WhatIf(keys, 4*time.Hour)
		}
	})
	b.Run("analyse", func(b *testing.B) {
		for b.Loop() {
			if a := sec.Analyse(); len(a.SinglePoints) == 0 {
				b.Fatal("no single point")
			}
		}
	})
	fmt.Fprintf(os.Stderr, "%d targets\n", len(sec.Targets()))
}

func BenchmarkNationalSQLite(b *testing.B) {
	s, err := sqlite.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fill(b, s)
	benchSector(b, s)
}

func BenchmarkNationalPostgres(b *testing.B) {
	pgtest.Need(b)
	s := pgtest.Open(b)
	fill(b, s)
	benchSector(b, s)
}

// stale makes every stored snapshot out of date.
func stale(b *testing.B, s ward.Store) {
	ctx := context.Background()
	orgs, err := s.Organisations(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range orgs {
		if err := s.PutNationalSnapshot(ctx, ward.NationalSnapshot{Org: o.ID, Revision: -1, Data: []byte{}}); err != nil {
			b.Fatal(err)
		}
	}
}
