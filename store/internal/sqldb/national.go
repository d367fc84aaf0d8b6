package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// NationalMigration adds what each organisation shares with the hub for
// the national view, and the snapshots of what it shares; append it to
// each store's migrations.
func NationalMigration(postgres bool) string {
	blob := "BLOB"
	if postgres {
		blob = "BYTEA"
	}
	return `CREATE TABLE national_sharing (
		org     TEXT PRIMARY KEY,
		level   TEXT NOT NULL,
		updated BIGINT NOT NULL,
		actor   TEXT NOT NULL
	);
	CREATE TABLE national_snapshots (
		org      TEXT PRIMARY KEY,
		revision BIGINT NOT NULL,
		level    TEXT NOT NULL,
		day      TEXT NOT NULL,
		data     ` + blob + ` NOT NULL
	);`
}

// ExposureMigration adds the history of the hospitals each advisory
// reaches, by day (patch progress); append it to each store's migrations.
const ExposureMigration = `CREATE TABLE national_exposure (
		advisory  TEXT NOT NULL,
		day       TEXT NOT NULL,
		hospitals INTEGER NOT NULL,
		assets    INTEGER NOT NULL,
		PRIMARY KEY (advisory, day)
	);`

// RecordExposures keeps the day's counts, each advisory's row of the day
// replaced, and a zero for the advisories that reached hospitals at their
// last count and reach none now. Derived data: the reads it counts are
// audited.
func (d *DB) RecordExposures(ctx context.Context, day string, points []ward.ExposurePoint) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := map[string]bool{}
	for _, p := range points {
		now[p.Advisory] = true
	}
	// The advisories whose last count, before today, was above zero.
	rs, err := tx.QueryContext(ctx, d.q(`SELECT e.advisory, e.hospitals FROM national_exposure e
		WHERE e.day = (SELECT MAX(day) FROM national_exposure x WHERE x.advisory = e.advisory)`))
	if err != nil {
		return err
	}
	var gone []string
	for rs.Next() {
		var adv string
		var n int
		if err := rs.Scan(&adv, &n); err != nil {
			rs.Close()
			return err
		}
		if n > 0 && !now[adv] {
			gone = append(gone, adv)
		}
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return err
	}
	for _, adv := range gone {
		points = append(points, ward.ExposurePoint{Advisory: adv, Day: day})
	}
	for _, p := range points {
		if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM national_exposure WHERE advisory = ? AND day = ?`), p.Advisory, day); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO national_exposure (advisory, day, hospitals, assets) VALUES (?, ?, ?, ?)`), p.Advisory, day, p.Hospitals, p.Assets); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ExposureHistory lists an advisory's counts by day; every advisory's for
// "".
func (d *DB) ExposureHistory(ctx context.Context, advisory string) ([]ward.ExposurePoint, error) {
	q, args := `SELECT advisory, day, hospitals, assets FROM national_exposure ORDER BY advisory, day`, []any{}
	if advisory != "" {
		q, args = `SELECT advisory, day, hospitals, assets FROM national_exposure WHERE advisory = ? ORDER BY day`, []any{advisory}
	}
	rs, err := d.db.QueryContext(ctx, d.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.ExposurePoint{}
	for rs.Next() {
		var p ward.ExposurePoint
		if err := rs.Scan(&p.Advisory, &p.Day, &p.Hospitals, &p.Assets); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rs.Err()
}

// NationalSnapshot returns an organisation's snapshot.
func (d *DB) NationalSnapshot(ctx context.Context, org string) (ward.NationalSnapshot, error) {
	s := ward.NationalSnapshot{Org: org}
	err := d.db.QueryRowContext(ctx, d.q(`SELECT revision, level, day, data FROM national_snapshots WHERE org = ?`), org).Scan(&s.Revision, &s.Level, &s.Day, &s.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ward.ErrNotFound
	}
	return s, err
}

// PutNationalSnapshot replaces an organisation's snapshot. It is derived
// data, written without an audit entry; its reads are audited.
func (d *DB) PutNationalSnapshot(ctx context.Context, s ward.NationalSnapshot) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM national_snapshots WHERE org = ?`), s.Org); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO national_snapshots (org, revision, level, day, data) VALUES (?, ?, ?, ?, ?)`), s.Org, s.Revision, string(s.Level), s.Day, s.Data); err != nil {
		return err
	}
	return tx.Commit()
}

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

// AppendAudits appends entries in one transaction, chained as
// appendAudit chains one, the last entry read once and the rows inserted
// a few hundred a statement: a hub records a read of each of hundreds of
// hospitals at once.
func (d *DB) AppendAudits(ctx context.Context, entries []ward.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	d.writers.Lock()
	defer d.writers.Unlock()
	var last ward.AuditEntry
	err := d.Write(ctx, func(tx *sql.Tx) error {
		if d.pg {
			if _, err := tx.ExecContext(ctx, d.q(`SELECT pg_advisory_xact_lock(?)`), auditLock); err != nil {
				return err
			}
		}
		var seq int64
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		const chunk = 200
		for i := 0; i < len(entries); i += chunk {
			part := entries[i:min(i+chunk, len(entries))]
			query := `INSERT INTO audit (seq, time, actor, org, action, target, remote, detail, prev, hash, keyed) VALUES ` +
				strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), `, len(part)), ", ")
			args := make([]any, 0, 11*len(part))
			for _, e := range part {
				seq++
				e.Seq, e.Prev = seq, prev
				e.Time = e.Time.UTC().Truncate(time.Microsecond)
				e.Keyed = len(d.auditKey) > 0
				e.Hash = e.ChainHash(d.auditKey)
				prev, last = e.Hash, e
				args = append(args, e.Seq, e.Time.UnixNano(), e.Actor, e.Org, e.Action, e.Target, e.Remote, e.Detail, e.Prev, e.Hash, flag(e.Keyed))
			}
			if _, err := tx.ExecContext(ctx, d.q(query), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return d.Recorded(&last)
}

// Revisions is every organisation's revision (Revision) in one query.
func (d *DB) Revisions(ctx context.Context) (map[string]int64, error) {
	rs, err := d.db.QueryContext(ctx, `SELECT org, revision FROM revisions WHERE revision > 0`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := map[string]int64{}
	for rs.Next() {
		var org string
		var rev int64
		if err := rs.Scan(&org, &rev); err != nil {
			return nil, err
		}
		out[org] = rev
	}
	return out, rs.Err()
}
