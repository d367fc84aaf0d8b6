package sqldb

import (
	"context"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/store/internal/rows"
)

// Table is one of a model's tables as the rows to insert: Row gives the
// values of row i in the order of Columns.
type Table struct {
	Name    string
	Columns []string
	Len     int
	Row     func(i int) ([]any, error)
}

// Insert adds a table's rows inside the transaction putting the model: the
// one step the dialects do differently (PostgreSQL copies them in bulk).
type Insert func(ctx context.Context, t Table) error

// doc is a row's JSON document as its column takes it: text for JSONB,
// bytes for SQLite's BLOB.
func (d *DB) doc(b []byte) any {
	if d.pg {
		return string(b)
	}
	return b
}

// PutModel replaces an organisation's model inside tx: its old rows go
// (by the foreign keys' cascade), its revision moves on, and insert adds
// the new rows table by table.
func (d *DB) PutModel(ctx context.Context, tx Tx, m *ward.Model, insert Insert) error {
	if err := d.putModel(ctx, tx, m, insert); err != nil {
		return fmt.Errorf("store organisation %s: %w", m.Organisation.ID, err)
	}
	return nil
}

func (d *DB) putModel(ctx context.Context, tx Tx, m *ward.Model, insert Insert) error {
	org := m.Organisation.ID
	if err := tx.Exec(ctx, `DELETE FROM organisations WHERE id = ?`, org); err != nil {
		return err
	}
	if err := tx.Exec(ctx, bumpRevision, org); err != nil {
		return err
	}
	doc, err := rows.Encode(rows.DocOf(m))
	if err != nil {
		return err
	}
	if err := tx.Exec(ctx, `INSERT INTO organisations (id, name, doc) VALUES (?, ?, ?)`, org, m.Organisation.Name, d.doc(doc)); err != nil {
		return err
	}
	for _, t := range d.tables(m) {
		if t.Len == 0 {
			continue
		}
		if err := insert(ctx, t); err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return nil
}

// tables are m's rows, table by table, each row numbered (seq) in model
// order and carrying the columns the filters read beside its document.
func (d *DB) tables(m *ward.Model) []Table {
	org := m.Organisation.ID
	exposure := m.Exposure()
	ends := m.LinkEnds()
	return []Table{
		{"zones", []string{"org", "seq", "id", "kind", "doc"}, len(m.Zones), func(i int) ([]any, error) {
			z := &m.Zones[i]
			doc, err := rows.Encode(z)
			return []any{org, i, z.ID, string(z.Kind), d.doc(doc)}, err
		}},
		{"assets", []string{"org", "seq", "id", "kind", "zone", "exposed", "doc"}, len(m.Assets), func(i int) ([]any, error) {
			a := &m.Assets[i]
			doc, err := rows.Encode(a)
			return []any{org, i, a.ID, string(a.Kind), a.Zone, exposure[i] != "", d.doc(doc)}, err
		}},
		{"links", []string{"org", "seq", "from_id", "to_id", "protocol", "encrypted", "from_zone", "to_zone", "from_kind", "to_kind", "exposed", "doc"}, len(m.Links), func(i int) ([]any, error) {
			l, e := &m.Links[i], ends[i]
			doc, err := rows.Encode(l)
			return []any{org, i, l.From, l.To, string(l.Protocol), l.Encrypted, e.FromZone, e.ToZone, string(e.FromKind), string(e.ToKind), e.Exposed, d.doc(doc)}, err
		}},
		{"services", []string{"org", "seq", "id", "doc"}, len(m.Services), func(i int) ([]any, error) {
			doc, err := rows.Encode(&m.Services[i])
			return []any{org, i, m.Services[i].ID, d.doc(doc)}, err
		}},
		{"controls", []string{"org", "seq", "id", "doc"}, len(m.Controls), func(i int) ([]any, error) {
			doc, err := rows.Encode(&m.Controls[i])
			return []any{org, i, m.Controls[i].ID, d.doc(doc)}, err
		}},
		{"decisions", []string{"org", "seq", "threat", "asset", "doc"}, len(m.Decisions), func(i int) ([]any, error) {
			dc := &m.Decisions[i]
			doc, err := rows.Encode(dc)
			return []any{org, i, dc.Threat, dc.Asset, d.doc(doc)}, err
		}},
	}
}
