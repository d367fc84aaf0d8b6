package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/internal/rows"
)

// snapshot is the transaction a whole model is read in: SQLite's read
// transactions see one snapshot already; PostgreSQL's default (read
// committed) would let another server's put show halfway, so it asks for
// repeatable read.
func (d *DB) snapshot() *sql.TxOptions {
	if d.pg {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return &sql.TxOptions{ReadOnly: true}
}

// Model reads an organisation's whole model in one snapshot transaction,
// so it is consistent.
func (d *DB) Model(ctx context.Context, org string) (*ward.Model, error) {
	tx, err := d.db.BeginTx(ctx, d.snapshot())
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var doc []byte
	err = tx.QueryRowContext(ctx, d.q(`SELECT doc FROM organisations WHERE id = ?`), org).Scan(&doc)
	if err != nil {
		return nil, notFound("organisation", org, err)
	}
	var od rows.OrgDoc
	if err := rows.Decode(doc, &od); err != nil {
		return nil, err
	}
	m := od.Model()
	err = rows.Fill(m, func(table string, each func(rows.Scanner) error) error {
		rs, err := tx.QueryContext(ctx, d.q(`SELECT doc FROM `+table+` WHERE org = ? ORDER BY seq`), org)
		if err != nil {
			return err
		}
		defer rs.Close()
		return each(rs)
	})
	if err != nil {
		return nil, err
	}
	return m, tx.Commit()
}

// collect decodes the one document column of a query's rows.
func collect[T any](ctx context.Context, d *DB, query string, args ...any) ([]T, error) {
	rs, err := d.db.QueryContext(ctx, d.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	return rows.Collect[T](rs)
}

// Organisations lists the organisations by id.
func (d *DB) Organisations(ctx context.Context) ([]ward.Organisation, error) {
	docs, err := collect[rows.OrgDoc](ctx, d, `SELECT doc FROM organisations ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return rows.Organisations(docs), nil
}

// exists tells an organisation with no matching rows from one not stored.
func (d *DB) exists(ctx context.Context, org string) error {
	var one int
	err := d.db.QueryRowContext(ctx, d.q(`SELECT 1 FROM organisations WHERE id = ?`), org).Scan(&one)
	return notFound("organisation", org, err)
}

// where gathers a filter's conditions, with ? placeholders.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds, w.args = append(w.conds, cond), append(w.args, args...)
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

// Assets lists matching assets in model order.
func (d *DB) Assets(ctx context.Context, org string, f ward.AssetFilter) ([]ward.Asset, error) {
	if err := d.exists(ctx, org); err != nil {
		return nil, err
	}
	var w where
	w.add("org = ?", org)
	if f.Zone != "" {
		w.add("zone = ?", f.Zone)
	}
	if f.Kind != "" {
		w.add("kind = ?", string(f.Kind))
	}
	if f.Exposed {
		w.add("exposed = TRUE")
	}
	return collect[ward.Asset](ctx, d, `SELECT doc FROM assets WHERE `+w.String()+` ORDER BY seq`, w.args...)
}

// Links lists matching links in model order.
func (d *DB) Links(ctx context.Context, org string, f ward.LinkFilter) ([]ward.Link, error) {
	if err := d.exists(ctx, org); err != nil {
		return nil, err
	}
	var w where
	w.add("org = ?", org)
	if f.Zone != "" {
		w.add("(from_zone = ? OR to_zone = ?)", f.Zone, f.Zone)
	}
	if f.Kind != "" {
		w.add("(from_kind = ? OR to_kind = ?)", string(f.Kind), string(f.Kind))
	}
	if f.Exposed {
		w.add("exposed = TRUE")
	}
	if f.Protocol != "" {
		w.add("protocol = ?", string(f.Protocol))
	}
	if f.Unencrypted {
		w.add("encrypted = FALSE")
	}
	return collect[ward.Link](ctx, d, `SELECT doc FROM links WHERE `+w.String()+` ORDER BY seq`, w.args...)
}

// DeleteOrganisation removes an organisation, its rows (by the foreign
// keys' cascade) and what is kept of it without one.
func (d *DB) DeleteOrganisation(ctx context.Context, org string) error {
	return d.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`DELETE FROM organisations WHERE id = ?`), org)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("organisation %q: %w", org, ward.ErrNotFound)
		}
		for _, q := range forgetOrganisation {
			if _, err := tx.ExecContext(ctx, d.q(q), org); err != nil {
				return err
			}
		}
		return nil
	})
}

// CheckRevision refuses, inside the transaction that is to put the model,
// a put made against a revision the organisation has moved on from.
func (d *DB) CheckRevision(ctx context.Context, tx Tx, org string, revision int64) error {
	var current int64
	err := tx.QueryRow(ctx, `SELECT revision FROM revisions WHERE org = ? AND revision > 0`, org).Scan(&current)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if current != revision {
		return fmt.Errorf("organisation %s at revision %d, not %d: %w", org, current, revision, ward.ErrConflict)
	}
	return nil
}
