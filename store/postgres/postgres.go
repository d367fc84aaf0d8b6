// Package postgres is Ward's store for a hub: several Ward servers, many
// organisations, national scale. It keeps the same tables as the embedded
// store, with row documents as JSONB.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/internal/sqldb"
)

// Store is a ward.Store on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	sdb  *sql.DB
	*sqldb.DB
}

var _ ward.Store = (*Store)(nil)

// Open connects to the database named by a postgres:// URL and brings its
// schema up to date.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres URL: %w", err)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig connects with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	s := &Store{pool: pool, sdb: sdb, DB: sqldb.New(sdb, true)}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return s, nil
}

// Close closes the connections.
func (s *Store) Close() error { s.CloseStatements(); s.sdb.Close(); s.pool.Close(); return nil }

// migrations are applied in order, each once; never edit a released one,
// append a new one.
var migrations = []string{
	sqldb.ModelSchema(true),
	sqldb.DecisionSchema(true),
	sqldb.FeedSchema(true),
	sqldb.Schema(true),
	sqldb.SharingSchema(true),
	sqldb.AuditMigration,
	sqldb.IncidentSchema(true),
	sqldb.DetectionSchema(true),
	sqldb.NationalMigration(true),
	sqldb.ExposureMigration,
}

// migrationLock serialises migrations of several servers starting at once.
const migrationLock = 0x77617264 // "ward"

func (s *Store) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		return sqldb.Migrate(ctx, pgxTx{s.DB, tx}, migrations)
	})
}

// write runs fn in a transaction with the audit entry the context asks
// for (ward.WithAudit), and writes the audit head after the commit.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var e *ward.AuditEntry
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		var err error
		e, err = s.Audited(ctx, pgxTx{s.DB, tx})
		return err
	})
	if err != nil {
		return err
	}
	return s.Recorded(e)
}

// pgxTx is a pgx transaction as the shared audit code uses one.
type pgxTx struct {
	d  *sqldb.DB
	tx pgx.Tx
}

func (t pgxTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.Exec(ctx, t.d.Rebind(query), args...)
	return err
}

func (t pgxTx) QueryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
	return pgxRow{t.tx.QueryRow(ctx, t.d.Rebind(query), args...)}
}

type pgxRow struct{ pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

// PutModels replaces the models of their organisations in one transaction.
func (s *Store) PutModels(ctx context.Context, models []*ward.Model) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		for _, m := range models {
			if err := s.PutModel(ctx, pgxTx{s.DB, tx}, m, copyRows(tx)); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutModelAt stores a model if its organisation is still at the revision;
// a transaction-scoped advisory lock on the organisation orders servers
// writing it at once.
func (s *Store) PutModelAt(ctx context.Context, m *ward.Model, revision int64) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		org := m.Organisation.ID
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, org); err != nil {
			return err
		}
		if err := s.CheckRevision(ctx, pgxTx{s.DB, tx}, org, revision); err != nil {
			return err
		}
		return s.PutModel(ctx, pgxTx{s.DB, tx}, m, copyRows(tx))
	})
}

// copyRows adds a table's rows with COPY: one round trip for the
// thousands of rows of a large hospital, where an INSERT each would wait on
// the network for every one.
func copyRows(tx pgx.Tx) sqldb.Insert {
	return func(ctx context.Context, t sqldb.Table) error {
		var rowErr error
		src := pgx.CopyFromSlice(t.Len, func(i int) ([]any, error) {
			r, err := t.Row(i)
			if err != nil {
				rowErr = err
			}
			return r, err
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.Name}, t.Columns, src); err != nil {
			if rowErr != nil {
				return rowErr
			}
			return err
		}
		return nil
	}
}
