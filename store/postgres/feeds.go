package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/wardhealth/ward"
)

// PutFeeds stores feed files in one transaction, each replacing the one of
// the same kind and name.
func (s *Store) PutFeeds(ctx context.Context, files []ward.FeedFile) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		for _, f := range files {
			_, err := tx.Exec(ctx, `INSERT INTO feeds (kind, name, source, sha256, size, items, published, imported, data)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (kind, name) DO UPDATE SET source = excluded.source, sha256 = excluded.sha256, size = excluded.size,
					items = excluded.items, published = excluded.published, imported = excluded.imported, data = excluded.data`,
				string(f.Kind), f.Name, f.Source, f.SHA256, f.Size, f.Items, f.Published, f.Imported, f.Data)
			if err != nil {
				return fmt.Errorf("store feed %s %s: %w", f.Kind, f.Name, err)
			}
		}
		return nil
	})
}

const feedColumns = `kind, name, source, sha256, size, items, published, imported`

func feedFields(f *ward.Feed) []any {
	return []any{&f.Kind, &f.Name, &f.Source, &f.SHA256, &f.Size, &f.Items, &f.Published, &f.Imported}
}

// Feeds lists the stored feeds by kind and name.
func (s *Store) Feeds(ctx context.Context) ([]ward.Feed, error) {
	rs, err := s.pool.Query(ctx, `SELECT `+feedColumns+` FROM feeds ORDER BY kind, name`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.Feed{}
	for rs.Next() {
		var f ward.Feed
		if err := rs.Scan(feedFields(&f)...); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rs.Err()
}

// FeedData calls fn with each stored file of a kind, by name, from one read
// transaction.
func (s *Store) FeedData(ctx context.Context, kind ward.FeedKind, fn func(ward.FeedFile) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rs, err := tx.Query(ctx, `SELECT `+feedColumns+`, data FROM feeds WHERE kind = $1 ORDER BY name`, string(kind))
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var f ward.FeedFile
			if err := rs.Scan(append(feedFields(&f.Feed), &f.Data)...); err != nil {
				return err
			}
			if err := fn(f); err != nil {
				return err
			}
		}
		return rs.Err()
	})
}

// DeleteFeeds removes the feeds of a kind, or all when kind is "".
func (s *Store) DeleteFeeds(ctx context.Context, kind ward.FeedKind) (int, error) {
	n := 0
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM feeds WHERE $1 = '' OR kind = $1`, string(kind))
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}
