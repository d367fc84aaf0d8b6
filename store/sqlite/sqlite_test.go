package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/sqlite"
	"github.com/wardhealth/ward/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ward.Store {
		s, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	m := &ward.Model{Ward: 1, Organisation: ward.Organisation{ID: "h", Name: "H"},
		Zones:  []ward.Zone{{ID: "z", Kind: "clinical", Trust: "medium"}},
		Assets: []ward.Asset{{ID: "a", Kind: "ehr", Zone: "z"}}}
	if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.OpenFile(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Model(ctx, "h")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Equal(t, got, m)
}
