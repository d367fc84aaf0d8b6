package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wardhealth/ward"
)

// AuditMigration adds the keyed flag to audit entries written before
// the chain had a key.
const AuditMigration = `ALTER TABLE audit ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0`

// SetAudit keys the audit chain from now on and names the file its head
// is written to after every append ("" for none). Both belong outside the
// database: the key so that the chain cannot be recomputed from inside
// it, the head so that removals from its end are seen.
func (d *DB) SetAudit(key []byte, headFile string) {
	d.auditKey, d.head = key, headFile
}

// Tx is a transaction of either dialect, for appending audit entries
// inside the transaction of the write they record. Queries use ?; a row
// not found scans as sql.ErrNoRows.
type Tx interface {
	Exec(ctx context.Context, query string, args ...any) error
	QueryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error }
}

// sqlExecer is a database/sql transaction or a connection inside one.
type sqlExecer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type sqlTx struct {
	d  *DB
	tx sqlExecer
}

func (t sqlTx) Exec(ctx context.Context, query string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, t.d.q(query), args...)
	return err
}

func (t sqlTx) QueryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
	return t.tx.QueryRowContext(ctx, t.d.q(query), args...)
}

// Rebind writes a query's ? placeholders in the store's dialect.
func (d *DB) Rebind(query string) string { return d.q(query) }

// SQLTx wraps a database/sql transaction (or a connection in one).
func (d *DB) SQLTx(tx sqlExecer) Tx { return sqlTx{d, tx} }

// auditLock is the PostgreSQL advisory lock that orders audit appends.
// On SQLite every write transaction begins IMMEDIATE, which orders them.
const auditLock = 0x61756474 // "audt"

// appendAudit chains an entry to the last one and inserts it, inside tx.
func (d *DB) appendAudit(ctx context.Context, tx Tx, e ward.AuditEntry) (ward.AuditEntry, error) {
	if d.pg {
		if err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, auditLock); err != nil {
			return e, err
		}
	}
	e.Seq, e.Prev = 1, ""
	var last int64
	var prev string
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
	switch {
	case err == nil:
		e.Seq, e.Prev = last+1, prev
	case !errors.Is(err, sql.ErrNoRows):
		return e, err
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Keyed = len(d.auditKey) > 0
	e.Hash = e.ChainHash(d.auditKey)
	err = tx.Exec(ctx, `INSERT INTO audit (seq, time, actor, org, action, target, remote, detail, prev, hash, keyed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.Time.UnixNano(), e.Actor, e.Org, e.Action, e.Target, e.Remote, e.Detail, e.Prev, e.Hash, flag(e.Keyed))
	return e, err
}

// Audited appends, inside tx, the entries the context asks for
// (ward.WithAudit), if any, and returns the last; call Recorded with it
// after the commit. The incident the context carries (ward.WithIncident)
// is stored first, in the same transaction.
func (d *DB) Audited(ctx context.Context, tx Tx) (*ward.AuditEntry, error) {
	if w := ward.IncidentOf(ctx); w != nil {
		if err := d.putIncident(ctx, tx, w.Incident, w.Version); err != nil {
			return nil, err
		}
	}
	var last *ward.AuditEntry
	for _, e := range ward.AuditOf(ctx) {
		e, err := d.appendAudit(ctx, tx, e)
		if err != nil {
			return nil, fmt.Errorf("audit %s: %w", e.Action, err)
		}
		last = &e
	}
	return last, nil
}

// Recorded writes the head of the chain after a committed append. The
// head only moves forward: of several processes appending, the file
// keeps the furthest head any of them saw. A head file that cannot be
// written is an error: the write was stored, but its protection is not.
func (d *DB) Recorded(e *ward.AuditEntry) error {
	if e == nil || d.head == "" {
		return nil
	}
	d.headMu.Lock()
	defer d.headMu.Unlock()
	if data, err := os.ReadFile(d.head); err == nil {
		if old, err := ward.ParseAuditHead(data); err == nil && old.Seq >= e.Seq {
			return nil
		}
	}
	data, _ := json.Marshal(ward.AuditHead{Seq: e.Seq, Hash: e.Hash, Time: e.Time})
	tmp, err := os.CreateTemp(filepath.Dir(d.head), ".audit-head-*")
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("audit head: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if err := os.Rename(tmp.Name(), d.head); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// Write runs fn in a transaction with the audit entry the context asks
// for, and writes the head after the commit.
func (d *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	e, err := d.Audited(ctx, d.SQLTx(tx))
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return d.Recorded(e)
}

// exec runs one statement as a write (Write).
func (d *DB) exec(ctx context.Context, query string, args ...any) error {
	return d.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, d.q(query), args...)
		return err
	})
}

// AppendAudit chains an entry to the last one and appends it, on its own.
func (d *DB) AppendAudit(ctx context.Context, e ward.AuditEntry) (ward.AuditEntry, error) {
	d.writers.Lock()
	defer d.writers.Unlock()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return e, err
	}
	defer tx.Rollback()
	if e, err = d.appendAudit(ctx, d.SQLTx(tx), e); err != nil {
		return e, err
	}
	if err := tx.Commit(); err != nil {
		return e, err
	}
	return e, d.Recorded(&e)
}

// Audit lists entries after a sequence number, oldest first.
func (d *DB) Audit(ctx context.Context, org string, after int64, limit int) ([]ward.AuditEntry, error) {
	query := `SELECT seq, time, actor, org, action, target, remote, detail, prev, hash, keyed FROM audit WHERE seq > ?`
	args := []any{after}
	if org != "" {
		query += ` AND org = ?`
		args = append(args, org)
	}
	query += ` ORDER BY seq`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rs, err := d.db.QueryContext(ctx, d.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.AuditEntry{}
	for rs.Next() {
		var e ward.AuditEntry
		var t int64
		var keyed int
		if err := rs.Scan(&e.Seq, &t, &e.Actor, &e.Org, &e.Action, &e.Target, &e.Remote, &e.Detail, &e.Prev, &e.Hash, &keyed); err != nil {
			return nil, err
		}
		e.Time, e.Keyed = fromNanos(t), keyed == 1
		out = append(out, e)
	}
	return out, rs.Err()
}
