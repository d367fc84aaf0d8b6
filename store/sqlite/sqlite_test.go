package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/sqlite"
	"github.com/wardhealth/ward/store/storetest"
)

// open gives an empty store, closed when the test ends.
func open(tb testing.TB) ward.Store {
	s, err := sqlite.Open(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ward.Store { return open(t) })
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

// A database a newer Ward migrated is refused, naming both versions, and
// left as it was.
func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	path := filepath.Join(dir, sqlite.FileName)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_version (version) VALUES (?)`, version+1); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.OpenFile(ctx, path)
	want := fmt.Sprintf("database schema version %d is newer than this Ward (%d): upgrade Ward", version+1, version)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("opening a newer database: %v, want %q", err, want)
	}
	var after int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != version+1 {
		t.Fatalf("schema version %d after the refusal, want %d", after, version+1)
	}
}
