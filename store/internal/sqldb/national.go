package sqldb

import (
	"context"
	"database/sql"

	"github.com/wardhealth/ward"
)

// NationalMigration adds what each organisation shares with the hub for
// the national view; append it to each store's migrations.
const NationalMigration = `CREATE TABLE national_sharing (
		org     TEXT PRIMARY KEY,
		level   TEXT NOT NULL,
		updated BIGINT NOT NULL,
		actor   TEXT NOT NULL
	)`

// PutNationalSharing sets an organisation's share level, with the
// context's audit entry in the same transaction.
func (d *DB) PutNationalSharing(ctx context.Context, s ward.NationalSharing) error {
	return d.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, d.q(`DELETE FROM national_sharing WHERE org = ?`), s.Org)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, d.q(`INSERT INTO national_sharing (org, level, updated, actor) VALUES (?, ?, ?, ?)`),
			s.Org, string(s.Level), s.Updated.UnixNano(), s.By)
		return err
	})
}

// NationalSharings lists the settings, sorted by organisation.
func (d *DB) NationalSharings(ctx context.Context) ([]ward.NationalSharing, error) {
	rs, err := d.db.QueryContext(ctx, `SELECT org, level, updated, actor FROM national_sharing ORDER BY org`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.NationalSharing{}
	for rs.Next() {
		var s ward.NationalSharing
		var t int64
		if err := rs.Scan(&s.Org, &s.Level, &t, &s.By); err != nil {
			return nil, err
		}
		s.Updated = fromNanos(t)
		out = append(out, s)
	}
	return out, rs.Err()
}

// AppendAudits appends entries in one transaction.
func (d *DB) AppendAudits(ctx context.Context, entries []ward.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	d.writers.Lock()
	defer d.writers.Unlock()
	return d.Write(ward.WithAudit(ctx, entries...), func(*sql.Tx) error { return nil })
}
