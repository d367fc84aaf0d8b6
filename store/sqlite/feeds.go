package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/wardhealth/ward"
)

// PutFeeds stores feed files in one transaction, each replacing the one of
// the same kind and name.
func (s *Store) PutFeeds(ctx context.Context, files []ward.FeedFile) error {
	return s.Write(ctx, func(tx *sql.Tx) error { return putFeeds(ctx, tx, files) })
}

func putFeeds(ctx context.Context, tx *sql.Tx, files []ward.FeedFile) error {
	for _, f := range files {
		_, err := tx.ExecContext(ctx, `INSERT INTO feeds (kind, name, source, sha256, size, items, published, imported, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, name) DO UPDATE SET source = excluded.source, sha256 = excluded.sha256, size = excluded.size,
				items = excluded.items, published = excluded.published, imported = excluded.imported, data = excluded.data`,
			f.Kind, f.Name, f.Source, f.SHA256, f.Size, f.Items, f.Published, f.Imported.UTC().Format(time.RFC3339Nano), f.Data)
		if err != nil {
			return fmt.Errorf("store feed %s %s: %w", f.Kind, f.Name, err)
		}
	}
	return nil
}

const feedColumns = `kind, name, source, sha256, size, items, published, imported`

func scanFeed(rs *sql.Rows, f *ward.Feed, more ...any) error {
	var imported string
	if err := rs.Scan(append([]any{&f.Kind, &f.Name, &f.Source, &f.SHA256, &f.Size, &f.Items, &f.Published, &imported}, more...)...); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, imported)
	if err != nil {
		return fmt.Errorf("feed %s %s: imported %q: %w", f.Kind, f.Name, imported, err)
	}
	f.Imported = t
	return nil
}

// Feeds lists the stored feeds by kind and name.
func (s *Store) Feeds(ctx context.Context) ([]ward.Feed, error) {
	rs, err := s.db.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds ORDER BY kind, name`)
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
func (s *Store) FeedData(ctx context.Context, kind ward.FeedKind, fn func(ward.FeedFile) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rs, err := tx.QueryContext(ctx, `SELECT `+feedColumns+`, data FROM feeds WHERE kind = ? ORDER BY name`, kind)
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
func (s *Store) DeleteFeeds(ctx context.Context, kind ward.FeedKind) (int, error) {
	var n int64
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM feeds WHERE ? = '' OR kind = ?`, kind, kind)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
