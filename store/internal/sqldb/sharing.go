package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// SharingSchema is the DDL of the TAXII tables.
func SharingSchema(postgres bool) string {
	blob, serial := "BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT"
	if postgres {
		blob, serial = "BYTEA", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
	}
	return `CREATE TABLE collections (
		id          TEXT PRIMARY KEY,
		title       TEXT NOT NULL,
		description TEXT NOT NULL,
		readers     TEXT NOT NULL,
		writers     TEXT NOT NULL,
		created     BIGINT NOT NULL,
		generation  BIGINT NOT NULL DEFAULT 0
	);
	CREATE TABLE shared_objects (
		seq          ` + serial + `,
		collection   TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
		id           TEXT NOT NULL,
		version      BIGINT NOT NULL,
		added        BIGINT NOT NULL,
		type         TEXT NOT NULL,
		spec_version TEXT NOT NULL,
		tlp          TEXT NOT NULL,
		org          TEXT NOT NULL,
		data         ` + blob + ` NOT NULL,
		latest       INTEGER NOT NULL DEFAULT 1,
		earliest     INTEGER NOT NULL DEFAULT 1,
		UNIQUE (collection, id, version)
	);
	CREATE INDEX shared_objects_latest ON shared_objects (collection, latest, seq);
	CREATE INDEX shared_objects_earliest ON shared_objects (collection, earliest, seq);
	CREATE TABLE sync_state (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);
	CREATE TABLE taxii_status (
		id         TEXT PRIMARY KEY,
		collection TEXT NOT NULL,
		created    BIGINT NOT NULL,
		data       ` + blob + ` NOT NULL
	);`
}

// PutCollection creates or replaces a collection.
func (d *DB) PutCollection(ctx context.Context, c ward.Collection) error {
	readers, _ := json.Marshal(c.Readers)
	writers, _ := json.Marshal(c.Writers)
	return d.exec(ctx, `INSERT INTO collections (id, title, description, readers, writers, created) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description, readers = excluded.readers, writers = excluded.writers`,
		c.ID, c.Title, c.Description, string(readers), string(writers), nanos(c.Created))
}

func scanCollection(sc interface{ Scan(...any) error }) (ward.Collection, error) {
	var c ward.Collection
	var readers, writers string
	var created int64
	if err := sc.Scan(&c.ID, &c.Title, &c.Description, &readers, &writers, &created, &c.Generation); err != nil {
		return c, err
	}
	json.Unmarshal([]byte(readers), &c.Readers)
	json.Unmarshal([]byte(writers), &c.Writers)
	c.Created = fromNanos(created)
	return c, nil
}

// Collections lists the collections by title.
func (d *DB) Collections(ctx context.Context) ([]ward.Collection, error) {
	rs, err := d.db.QueryContext(ctx, `SELECT id, title, description, readers, writers, created, generation FROM collections ORDER BY title, id`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.Collection{}
	for rs.Next() {
		c, err := scanCollection(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rs.Err()
}

// Collection returns one collection.
func (d *DB) Collection(ctx context.Context, id string) (ward.Collection, error) {
	st, err := d.stmt(ctx, `SELECT id, title, description, readers, writers, created, generation FROM collections WHERE id = ?`)
	if err != nil {
		return ward.Collection{}, err
	}
	c, err := scanCollection(st.QueryRowContext(ctx, id))
	return c, notFound("collection", id, err)
}

// sharingLock orders additions across PostgreSQL servers, so that Seq
// order is commit order and a reader paging by Seq misses nothing.
const sharingLock = 0x74617869 // "taxi"

// AddObjects adds object versions, and the status of the addition when
// given, in one transaction with the audit entry the context asks for;
// existing versions are kept.
func (d *DB) AddObjects(ctx context.Context, objects []ward.SharedObject, added time.Time, status *ward.AdditionStatus) (int, error) {
	d.writers.Lock()
	defer d.writers.Unlock()
	n := 0
	err := d.Write(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = d.addObjects(ctx, tx, objects, added)
		if err != nil || status == nil {
			return err
		}
		_, err = tx.ExecContext(ctx, d.q(`INSERT INTO taxii_status (id, collection, created, data) VALUES (?, ?, ?, ?)`), status.ID, status.Collection, added.Truncate(time.Microsecond).UnixNano(), status.Data)
		return err
	})
	return n, err
}

func (d *DB) addObjects(ctx context.Context, tx *sql.Tx, objects []ward.SharedObject, added time.Time) (int, error) {
	if d.pg {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, sharingLock); err != nil {
			return 0, err
		}
	}
	// Rows go in by 100 per statement on SQLite, 250 on PostgreSQL (a
	// round trip each): one statement per object was most of an
	// envelope's cost.
	rowsPer := 100
	if d.pg {
		rowsPer = 250
	}
	n := 0
	// Dates added are kept to the microsecond, the precision TAXII
	// reports them at: added_after a reported date is then exactly after.
	at := added.Truncate(time.Microsecond).UnixNano()
	touched := map[string][]string{}
	for begin := 0; begin < len(objects); begin += rowsPer {
		part := objects[begin:min(begin+rowsPer, len(objects))]
		values := make([]string, len(part))
		args := make([]any, 0, 9*len(part))
		for i, o := range part {
			values[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
			args = append(args, o.Collection, o.ID, o.Version.UnixNano(), at, o.Type, o.SpecVersion, o.TLP, o.Org, o.Data)
			touched[o.Collection] = append(touched[o.Collection], o.ID)
		}
		res, err := tx.ExecContext(ctx, d.q(`INSERT INTO shared_objects (collection, id, version, added, type, spec_version, tlp, org, data)
			VALUES `+strings.Join(values, ", ")+` ON CONFLICT (collection, id, version) DO NOTHING`), args...)
		if err != nil {
			return 0, fmt.Errorf("add objects: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	if n == 0 {
		return 0, nil
	}
	for col, ids := range touched {
		if err := d.markVersions(ctx, tx, col, ids, false); err != nil {
			return 0, err
		}
		if err := d.bump(ctx, tx, col); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// markVersions sets the latest and earliest flags of the objects' versions,
// so that TAXII's default "last version" (and "first") are an index
// lookup, not a window over the collection for every page. A version is
// inserted as both; only objects with several versions need setting.
func (d *DB) markVersions(ctx context.Context, tx *sql.Tx, collection string, ids []string, every bool) error {
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		if !every {
			// Most additions are new objects: finding the few with
			// several versions first spares an UPDATE whose plan may
			// visit the whole collection.
			var err error
			if part, err = d.severalVersions(ctx, tx, collection, part); err != nil {
				return err
			}
			if len(part) == 0 {
				continue
			}
		}
		args := []any{collection}
		cond := d.in("id", part, &args)
		_, err := tx.ExecContext(ctx, d.q(`UPDATE shared_objects SET
			latest = CASE WHEN version = (SELECT MAX(version) FROM shared_objects s2 WHERE s2.collection = shared_objects.collection AND s2.id = shared_objects.id) THEN 1 ELSE 0 END,
			earliest = CASE WHEN version = (SELECT MIN(version) FROM shared_objects s2 WHERE s2.collection = shared_objects.collection AND s2.id = shared_objects.id) THEN 1 ELSE 0 END
			WHERE collection = ? AND `+cond), args...)
		if err != nil {
			return fmt.Errorf("mark versions: %w", err)
		}
	}
	return nil
}

// severalVersions returns those of ids that have more than one version in
// the collection.
func (d *DB) severalVersions(ctx context.Context, tx *sql.Tx, collection string, ids []string) ([]string, error) {
	args := []any{collection}
	cond := d.in("id", ids, &args)
	rs, err := tx.QueryContext(ctx, d.q(`SELECT id FROM shared_objects WHERE collection = ? AND `+cond+` GROUP BY id HAVING COUNT(*) > 1`), args...)
	if err != nil {
		return nil, fmt.Errorf("mark versions: %w", err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rs.Err()
}

// versionClause turns TAXII's match[version] into SQL over the window
// columns newest and oldest.
func versionClause(versions []string) (string, []any, error) {
	if len(versions) == 0 {
		return "latest = 1", nil, nil
	}
	var conds []string
	var args []any
	for _, v := range versions {
		switch v {
		case "last":
			conds = append(conds, "latest = 1")
		case "first":
			conds = append(conds, "earliest = 1")
		case "all":
			conds = append(conds, "1 = 1")
		default:
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return "", nil, fmt.Errorf("version %q: last, first, all or a timestamp", v)
			}
			conds = append(conds, "version = ?")
			args = append(args, t.UnixNano())
		}
	}
	return "(" + strings.Join(conds, " OR ") + ")", args, nil
}

// in is the condition that column is one of values. PostgreSQL gets the
// values as one array: its planner then hashes them, where a list of
// parameters is compared one by one with every row a scan visits (and
// right after a large addition, before statistics catch up, it scans).
func (d *DB) in(column string, values []string, args *[]any) string {
	if d.pg {
		*args = append(*args, values)
		return column + " = ANY(?)"
	}
	marks := make([]string, len(values))
	for i, v := range values {
		marks[i] = "?"
		*args = append(*args, v)
	}
	return column + " IN (" + strings.Join(marks, ", ") + ")"
}

// ErrBadFilter is returned for a filter the store cannot apply.
var ErrBadFilter = errors.New("bad filter")

// Objects lists a page of a collection's objects in the order added.
func (d *DB) Objects(ctx context.Context, f ward.ObjectFilter) ([]ward.SharedObject, bool, error) {
	args := []any{f.Collection}
	inner := []string{"collection = ?"}
	if len(f.IDs) > 0 {
		inner = append(inner, d.in("id", f.IDs, &args))
	}
	if len(f.Types) > 0 {
		inner = append(inner, d.in("type", f.Types, &args))
	}
	if len(f.SpecVersions) > 0 {
		inner = append(inner, d.in("spec_version", f.SpecVersions, &args))
	}
	vc, vargs, err := versionClause(f.Versions)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrBadFilter, err)
	}
	conds := append(inner, vc, "added > ?", "seq > ?")
	args = append(args, vargs...)
	args = append(args, nanos(f.AddedAfter), f.After)
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	args = append(args, limit+1)
	query := `SELECT seq, collection, id, version, added, type, spec_version, tlp, org, data FROM shared_objects
		WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY seq LIMIT ?`
	rs, err := d.db.QueryContext(ctx, d.q(query), args...)
	if err != nil {
		return nil, false, err
	}
	defer rs.Close()
	out := []ward.SharedObject{}
	for rs.Next() {
		var o ward.SharedObject
		var version, added int64
		if err := rs.Scan(&o.Seq, &o.Collection, &o.ID, &version, &added, &o.Type, &o.SpecVersion, &o.TLP, &o.Org, &o.Data); err != nil {
			return nil, false, err
		}
		o.Version, o.Added = time.Unix(0, version).UTC(), time.Unix(0, added).UTC()
		out = append(out, o)
	}
	if err := rs.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// Generation counts a collection's changes.
func (d *DB) Generation(ctx context.Context, collection string) (int64, error) {
	st, err := d.stmt(ctx, `SELECT generation FROM collections WHERE id = ?`)
	if err != nil {
		return 0, err
	}
	var n int64
	err = st.QueryRowContext(ctx, collection).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// bump counts a change of a collection.
func (d *DB) bump(ctx context.Context, tx *sql.Tx, collection string) error {
	_, err := tx.ExecContext(ctx, d.q(`UPDATE collections SET generation = generation + 1 WHERE id = ?`), collection)
	return err
}

// DeleteObject removes an object's versions.
func (d *DB) DeleteObject(ctx context.Context, collection, id string, versions []string) (int, error) {
	if len(versions) == 0 {
		versions = []string{"all"}
	}
	vc, vargs, err := versionClause(versions)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadFilter, err)
	}
	d.writers.Lock()
	defer d.writers.Unlock()
	var n int64
	err = d.Write(ctx, func(tx *sql.Tx) error {
		args := append([]any{collection, id}, vargs...)
		res, err := tx.ExecContext(ctx, d.q(`DELETE FROM shared_objects WHERE collection = ? AND id = ? AND `+vc), args...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if err := d.markVersions(ctx, tx, collection, []string{id}, true); err != nil {
			return err
		}
		if n == 0 {
			return errNothing // nor the audit entry of nothing
		}
		return d.bump(ctx, tx, collection)
	})
	if errors.Is(err, errNothing) {
		return 0, nil
	}
	return int(n), err
}

// errNothing rolls back a write that found nothing to change.
var errNothing = errors.New("nothing to change")

// Status returns a status resource.
func (d *DB) Status(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	err := d.db.QueryRowContext(ctx, d.q(`SELECT data FROM taxii_status WHERE id = ?`), id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("status %q: %w", id, ward.ErrNotFound)
	}
	return data, err
}

// SyncState returns what a synchronisation remembered ("" when nothing).
func (d *DB) SyncState(ctx context.Context, key string) (string, error) {
	var v string
	err := d.db.QueryRowContext(ctx, d.q(`SELECT value FROM sync_state WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// PutSyncState remembers where a synchronisation stopped.
func (d *DB) PutSyncState(ctx context.Context, key, value string) error {
	_, err := d.db.ExecContext(ctx, d.q(`INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
	return err
}
