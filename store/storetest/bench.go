package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

// BenchAssets is the size of the hospital the store benchmarks put and
// read: a group of hospitals, as a hub or a large trust keeps.
const BenchAssets = 10000

var (
	benchOnce  sync.Once
	benchModel *ward.Model
	benchErr   error
)

func hospital(b *testing.B) *ward.Model {
	benchOnce.Do(func() { benchModel, benchErr = synth.Generate(synth.Options{Assets: BenchAssets, Seed: 1}) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchModel
}

// Bench measures what the command line and the dashboard wait on: putting
// a whole model (ward import), reading it back in one snapshot (ward
// assess, every page), and the filtered lists (ward assets, ward links).
// open gives an empty store, closed when the benchmark ends.
func Bench(b *testing.B, open func(b *testing.B) ward.Store) {
	ctx := context.Background()
	m := hospital(b)
	org := m.Organisation.ID
	b.Run("PutModels", func(b *testing.B) {
		s := open(b)
		for b.Loop() {
			if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
				b.Fatal(err)
			}
		}
	})
	s := open(b)
	if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
		b.Fatal(err)
	}
	b.Run("Model", func(b *testing.B) {
		for b.Loop() {
			got, err := s.Model(ctx, org)
			if err != nil {
				b.Fatal(err)
			}
			if len(got.Assets) != len(m.Assets) || len(got.Links) != len(m.Links) {
				b.Fatalf("read %d assets and %d links, put %d and %d", len(got.Assets), len(got.Links), len(m.Assets), len(m.Links))
			}
		}
	})
	b.Run("AssetsExposed", func(b *testing.B) {
		for b.Loop() {
			got, err := s.Assets(ctx, org, ward.AssetFilter{Exposed: true})
			if err != nil {
				b.Fatal(err)
			}
			if len(got) == 0 {
				b.Fatal("no exposed assets")
			}
		}
	})
	b.Run("LinksUnencrypted", func(b *testing.B) {
		for b.Loop() {
			got, err := s.Links(ctx, org, ward.LinkFilter{Unencrypted: true})
			if err != nil {
				b.Fatal(err)
			}
			if len(got) == 0 {
				b.Fatal("no unencrypted links")
			}
		}
	})
}
