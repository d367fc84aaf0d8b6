package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/wardhealth/ward"
)

// feedTime is how a feed's import time is written: PostgreSQL keeps a
// TIMESTAMPTZ, SQLite (which has no time type) RFC 3339 text.
func (d *DB) feedTime(t time.Time) any {
	if d.pg {
		return t
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// scannedTime reads a feed's import time as either dialect returns it.
type scannedTime struct{ t *time.Time }

func (s scannedTime) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*s.t = v
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("imported: unexpected %T", v)
}

func (s scannedTime) parse(text string) error {
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return fmt.Errorf("imported %q: %w", text, err)
	}
	*s.t = t
	return nil
}

// PutFeeds stores feed files in one transaction, each replacing the one of
// the same kind and name.
func (d *DB) PutFeeds(ctx context.Context, files []ward.FeedFile) error {
	return d.Write(ctx, func(tx *sql.Tx) error {
		for _, f := range files {
			_, err := tx.ExecContext(ctx, d.q(`INSERT INTO feeds (kind, name, source, sha256, size, items, published, imported, data)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (kind, name) DO UPDATE SET source = excluded.source, sha256 = excluded.sha256, size = excluded.size,
					items = excluded.items, published = excluded.published, imported = excluded.imported, data = excluded.data`),
				string(f.Kind), f.Name, f.Source, f.SHA256, f.Size, f.Items, f.Published, d.feedTime(f.Imported), f.Data)
			if err != nil {
				return fmt.Errorf("store feed %s %s: %w", f.Kind, f.Name, err)
			}
		}
		return nil
	})
}

const feedColumns = `kind, name, source, sha256, size, items, published, imported`

func scanFeed(rs *sql.Rows, f *ward.Feed, more ...any) error {
	err := rs.Scan(append([]any{&f.Kind, &f.Name, &f.Source, &f.SHA256, &f.Size, &f.Items, &f.Published, scannedTime{&f.Imported}}, more...)...)
	if err != nil {
		return fmt.Errorf("feed %s %s: %w", f.Kind, f.Name, err)
	}
	return nil
}

// Feeds lists the stored feeds by kind and name.
func (d *DB) Feeds(ctx context.Context) ([]ward.Feed, error) {
	rs, err := d.db.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds ORDER BY kind, name`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.Feed{}
	for rs.Next() {
		var f ward.Feed
		if err := scanFeed(rs, &f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rs.Err()
}

// FeedData calls fn with each stored file of a kind, by name, from one read
// transaction.
func (d *DB) FeedData(ctx context.Context, kind ward.FeedKind, fn func(ward.FeedFile) error) error {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rs, err := tx.QueryContext(ctx, d.q(`SELECT `+feedColumns+`, data FROM feeds WHERE kind = ? ORDER BY name`), string(kind))
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var f ward.FeedFile
		if err := scanFeed(rs, &f.Feed, &f.Data); err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return rs.Err()
}

// DeleteFeeds removes the feeds of a kind, or all when kind is "".
func (d *DB) DeleteFeeds(ctx context.Context, kind ward.FeedKind) (int, error) {
	var n int64
	err := d.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`DELETE FROM feeds WHERE ? = '' OR kind = ?`), string(kind), string(kind))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
