package sqldb

import (
	"context"
	"fmt"
	"strings"
)

// dialectTypes names the column types the dialects spell differently:
// row documents (JSONB is queryable on PostgreSQL, SQLite keeps the bytes),
// flags, times and raw bytes.
func dialectTypes(postgres bool) *strings.Replacer {
	if postgres {
		return strings.NewReplacer("{doc}", "JSONB", "{flag}", "BOOLEAN", "{time}", "TIMESTAMPTZ", "{now}", "now()", "{bytes}", "BYTEA")
	}
	return strings.NewReplacer("{doc}", "BLOB", "{flag}", "INTEGER", "{time}", "TEXT", "{now}", "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", "{bytes}", "BLOB")
}

// ModelSchema is the first migration: the organisations and their model's
// tables, each row's document beside the columns the filters read.
func ModelSchema(postgres bool) string {
	return dialectTypes(postgres).Replace(`CREATE TABLE organisations (
		id   TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		doc  {doc} NOT NULL,
		updated_at {time} NOT NULL DEFAULT {now}
	);
	CREATE TABLE zones (
		org  TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
		seq  INTEGER NOT NULL,
		id   TEXT NOT NULL,
		kind TEXT NOT NULL,
		doc  {doc} NOT NULL,
		PRIMARY KEY (org, id)
	);
	CREATE TABLE assets (
		org     TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
		seq     INTEGER NOT NULL,
		id      TEXT NOT NULL,
		kind    TEXT NOT NULL,
		zone    TEXT NOT NULL,
		exposed {flag} NOT NULL,
		doc     {doc} NOT NULL,
		PRIMARY KEY (org, id)
	);
	CREATE INDEX assets_org_seq ON assets (org, seq);
	CREATE TABLE links (
		org       TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
		seq       INTEGER NOT NULL,
		from_id   TEXT NOT NULL,
		to_id     TEXT NOT NULL,
		protocol  TEXT NOT NULL,
		encrypted {flag} NOT NULL,
		from_zone TEXT NOT NULL,
		to_zone   TEXT NOT NULL,
		from_kind TEXT NOT NULL,
		to_kind   TEXT NOT NULL,
		exposed   {flag} NOT NULL,
		doc       {doc} NOT NULL,
		PRIMARY KEY (org, seq)
	);
	CREATE TABLE services (
		org TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		id  TEXT NOT NULL,
		doc {doc} NOT NULL,
		PRIMARY KEY (org, id)
	);
	CREATE TABLE controls (
		org TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		id  TEXT NOT NULL,
		doc {doc} NOT NULL,
		PRIMARY KEY (org, id)
	);`)
}

// DecisionSchema is the second migration: the risk decisions.
func DecisionSchema(postgres bool) string {
	return dialectTypes(postgres).Replace(`CREATE TABLE decisions (
		org    TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
		seq    INTEGER NOT NULL,
		threat TEXT NOT NULL,
		asset  TEXT NOT NULL,
		doc    {doc} NOT NULL,
		PRIMARY KEY (org, seq)
	);`)
}

// FeedSchema is the third migration: the imported feed files.
func FeedSchema(postgres bool) string {
	return dialectTypes(postgres).Replace(`CREATE TABLE feeds (
		kind      TEXT NOT NULL,
		name      TEXT NOT NULL,
		source    TEXT NOT NULL,
		sha256    TEXT NOT NULL,
		size      BIGINT NOT NULL,
		items     INTEGER NOT NULL,
		published TEXT NOT NULL,
		imported  {time} NOT NULL,
		data      {bytes} NOT NULL,
		PRIMARY KEY (kind, name)
	);`)
}

// Migrate applies, inside tx, the migrations a database has not had yet,
// each once and in order, and refuses a database a newer Ward wrote. A
// store passes tx holding whatever lock orders servers migrating at once.
func Migrate(ctx context.Context, tx Tx, migrations []string) error {
	if err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var version int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this Ward (%d): upgrade Ward", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if err := tx.Exec(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES (?)`, i+1); err != nil {
			return err
		}
	}
	return nil
}
