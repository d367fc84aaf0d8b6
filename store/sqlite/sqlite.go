// Package sqlite is Ward's embedded store: one SQLite file under the data
// directory, in WAL mode, through a pure-Go driver (no cgo).
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/internal/sqldb"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file inside the data directory.
const FileName = "ward.db"

// Store is a ward.Store on SQLite.
type Store struct {
	db *sql.DB
	*sqldb.DB
	stop     chan struct{}
	stopped  chan struct{}
	stopOnce sync.Once
}

var _ ward.Store = (*Store)(nil)

// Open opens (creating if needed) the store in the data directory dir and
// brings its schema up to date.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName))
}

// OpenFile opens the store in one database file.
func OpenFile(ctx context.Context, path string) (*Store, error) {
	// Transactions that write begin IMMEDIATE: one that began by reading
	// could not write after another connection's commit (SQLITE_BUSY_SNAPSHOT,
	// which no busy timeout waits out); read-only ones stay deferred.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-16384)&_pragma=wal_autocheckpoint(16384)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// A few connections serve every request: SQLite runs in this process,
	// so more connections than cores add setup and memory, not speed. WAL
	// lets readers share the file while one writer writes.
	conns := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	s := &Store{db: db, DB: sqldb.New(db, false), stop: make(chan struct{}), stopped: make(chan struct{})}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	go s.checkpoint()
	return s, nil
}

// checkpointEvery is how often the write-ahead log is copied back into
// the database file.
const checkpointEvery = 500 * time.Millisecond

// checkpoint copies the write-ahead log into the database file in the
// background, so that a write does not wait for it. Writers still do it
// themselves past 16,384 pages (64 MB) of log (wal_autocheckpoint above),
// should this fall behind.
func (s *Store) checkpoint() {
	defer close(s.stopped)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			// PASSIVE neither waits for nor blocks readers and writers; a
			// failure is retried at the next tick.
			s.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// Close closes the database.
func (s *Store) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.stopped
	s.CloseStatements()
	return s.db.Close()
}

// migrations are applied in order, each once; never edit a released one,
// append a new one.
var migrations = []string{
	sqldb.ModelSchema(false),
	sqldb.DecisionSchema(false),
	sqldb.FeedSchema(false),
	sqldb.Schema(false),
	sqldb.SharingSchema(false),
	sqldb.AuditMigration,
	sqldb.IncidentSchema(false),
	sqldb.DetectionSchema(false),
	sqldb.NationalMigration(false),
	sqldb.ExposureMigration,
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := sqldb.Migrate(ctx, s.SQLTx(tx), migrations); err != nil {
		return err
	}
	return tx.Commit()
}

// PutModels replaces the models of their organisations in one transaction.
func (s *Store) PutModels(ctx context.Context, models []*ward.Model) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		for _, m := range models {
			if err := s.PutModel(ctx, s.SQLTx(tx), m, insert(tx)); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutModelAt stores a model if its organisation is still at the revision.
// The write transaction starts at once (BEGIN IMMEDIATE is what a write
// in SQLite's WAL mode serialises on), so no other write comes between
// the check and the put.
func (s *Store) PutModelAt(ctx context.Context, m *ward.Model, revision int64) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	if err := s.CheckRevision(ctx, s.SQLTx(conn), m.Organisation.ID, revision); err != nil {
		return err
	}
	if err := s.PutModel(ctx, s.SQLTx(conn), m, insert(conn)); err != nil {
		return err
	}
	e, err := s.Audited(ctx, s.SQLTx(conn))
	if err != nil {
		return err
	}
	if _, err = conn.ExecContext(ctx, `COMMIT`); err != nil {
		return err
	}
	done = true
	return s.Recorded(e)
}

// preparer is a transaction or a connection inside one.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// insert adds a table's rows through one prepared statement: SQLite runs
// in this process, so a statement a row costs no round trips.
func insert(tx preparer) sqldb.Insert {
	return func(ctx context.Context, t sqldb.Table) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO `+t.Name+` (`+strings.Join(t.Columns, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(t.Columns)-1)+`)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range t.Len {
			a, err := t.Row(i)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, a...); err != nil {
				return err
			}
		}
		return nil
	}
}
