// Package sqldb implements what a ward.Store does the same on SQLite and
// PostgreSQL — reading and putting models, feeds, users, sessions, tokens,
// the audit log, stored assessments, sharing, incidents, detections and
// the national shares, and the tables' schema and migration — over
// database/sql, with the dialects' few differences in one place. Each
// store keeps only what its engine does its own way: how a model's rows go
// in (COPY on PostgreSQL), how writers are ordered, and its migrations'
// list.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wardhealth/ward"
)

// DB is the shared implementation; the stores embed it.
type DB struct {
	db *sql.DB
	pg bool
	// auditKey keys the audit chain; head is the file its head is kept
	// in (SetAudit).
	auditKey []byte
	head     string
	headMu   sync.Mutex
	// writers lets one TAXII addition (or audit append) write at a time
	// in this process: SQLite's lock, taken by polling, is slower to pass
	// between writers than this one.
	writers sync.Mutex
	// stmts keeps prepared statements of the queries every request runs
	// (who is calling, at what revision): parsing them each time was a
	// good part of a request's cost.
	stmts sync.Map
}

// stmt returns a prepared statement for a query (placeholders as ?).
func (d *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := d.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := d.db.PrepareContext(ctx, d.q(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// CloseStatements closes the prepared statements.
func (d *DB) CloseStatements() {
	d.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}

// New wraps a database; postgres selects PostgreSQL's dialect.
func New(db *sql.DB, postgres bool) *DB {
	return &DB{db: db, pg: postgres}
}

// Schema is the DDL of the shared tables, for each store's migrations.
// Times are Unix nanoseconds, flags 0 or 1, so both dialects read them
// alike.
func Schema(postgres bool) string {
	blob, serial := "BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT"
	if postgres {
		blob, serial = "BYTEA", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
	}
	return `CREATE TABLE users (
		id            TEXT PRIMARY KEY,
		name          TEXT NOT NULL UNIQUE,
		password_hash TEXT NOT NULL,
		admin         INTEGER NOT NULL,
		disabled      INTEGER NOT NULL,
		failed_logins INTEGER NOT NULL,
		locked_until  BIGINT NOT NULL,
		created       BIGINT NOT NULL
	);
	CREATE TABLE memberships (
		user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		org     TEXT NOT NULL,
		role    TEXT NOT NULL,
		PRIMARY KEY (user_id, org, role)
	);
	CREATE TABLE sessions (
		hash    TEXT PRIMARY KEY,
		user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		csrf    TEXT NOT NULL,
		created BIGINT NOT NULL,
		expires BIGINT NOT NULL,
		remote  TEXT NOT NULL
	);
	CREATE TABLE tokens (
		id      TEXT PRIMARY KEY,
		user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		name    TEXT NOT NULL,
		hash    TEXT NOT NULL UNIQUE,
		scope   TEXT NOT NULL,
		org     TEXT NOT NULL,
		created BIGINT NOT NULL,
		expires BIGINT NOT NULL
	);
	CREATE TABLE audit (
		seq    BIGINT PRIMARY KEY,
		time   BIGINT NOT NULL,
		actor  TEXT NOT NULL,
		org    TEXT NOT NULL,
		action TEXT NOT NULL,
		target TEXT NOT NULL,
		remote TEXT NOT NULL,
		detail TEXT NOT NULL,
		prev   TEXT NOT NULL,
		hash   TEXT NOT NULL
	);
	CREATE INDEX audit_org ON audit (org, seq);
	CREATE TABLE revisions (
		org      TEXT PRIMARY KEY,
		revision BIGINT NOT NULL
	);
	CREATE TABLE assessments (
		id       ` + serial + `,
		org      TEXT NOT NULL,
		revision BIGINT NOT NULL,
		created  BIGINT NOT NULL,
		actor    TEXT NOT NULL,
		data     ` + blob + ` NOT NULL
	);
	CREATE INDEX assessments_org ON assessments (org, id);`
}

// q rewrites ? placeholders as $1, $2, ... for PostgreSQL.
func (d *DB) q(query string) string {
	if !d.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func notFound(what, id string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %q: %w", what, id, ward.ErrNotFound)
	}
	return err
}

// unique tells whether an error is a unique-constraint violation.
func unique(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint") || strings.Contains(err.Error(), "SQLSTATE 23505"))
}

// PutUser creates or replaces a user and its memberships.
func (d *DB) PutUser(ctx context.Context, u ward.User) error {
	return d.Write(ctx, func(tx *sql.Tx) error { return d.putUser(ctx, tx, u) })
}

func (d *DB) putUser(ctx context.Context, tx *sql.Tx, u ward.User) error {
	var before string
	err := tx.QueryRowContext(ctx, d.q(`SELECT password_hash FROM users WHERE id = ?`), u.ID).Scan(&before)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if u.Disabled || err == nil && before != u.PasswordHash {
		// A disabled account, or a new password, signs the user out
		// everywhere.
		if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM sessions WHERE user_id = ?`), u.ID); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, d.q(`INSERT INTO users (id, name, password_hash, admin, disabled, failed_logins, locked_until, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash, admin = excluded.admin,
			disabled = excluded.disabled, failed_logins = excluded.failed_logins, locked_until = excluded.locked_until`),
		u.ID, u.Name, u.PasswordHash, flag(u.Admin), flag(u.Disabled), u.FailedLogins, nanos(u.LockedUntil), nanos(u.Created))
	if unique(err) {
		return fmt.Errorf("user name %q: %w", u.Name, ward.ErrExists)
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM memberships WHERE user_id = ?`), u.ID); err != nil {
		return err
	}
	for _, m := range u.Memberships {
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO memberships (user_id, org, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), u.ID, m.Org, string(m.Role)); err != nil {
			return err
		}
	}
	return nil
}

const userColumns = `id, name, password_hash, admin, disabled, failed_logins, locked_until, created`

func (d *DB) scanUsers(ctx context.Context, where string, args ...any) ([]ward.User, error) {
	st, err := d.stmt(ctx, `SELECT `+userColumns+` FROM users `+where+` ORDER BY name`)
	if err != nil {
		return nil, err
	}
	rs, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []ward.User
	index := map[string]int{}
	for rs.Next() {
		var u ward.User
		var admin, disabled int
		var locked, created int64
		if err := rs.Scan(&u.ID, &u.Name, &u.PasswordHash, &admin, &disabled, &u.FailedLogins, &locked, &created); err != nil {
			return nil, err
		}
		u.Admin, u.Disabled, u.LockedUntil, u.Created = admin == 1, disabled == 1, fromNanos(locked), fromNanos(created)
		u.Memberships = []ward.Membership{}
		index[u.ID] = len(out)
		out = append(out, u)
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	mq, margs := `SELECT user_id, org, role FROM memberships ORDER BY user_id, org, role`, []any{}
	if len(out) == 1 {
		mq, margs = `SELECT user_id, org, role FROM memberships WHERE user_id = ? ORDER BY org, role`, []any{out[0].ID}
	}
	mst, err := d.stmt(ctx, mq)
	if err != nil {
		return nil, err
	}
	ms, err := mst.QueryContext(ctx, margs...)
	if err != nil {
		return nil, err
	}
	defer ms.Close()
	for ms.Next() {
		var id string
		var m ward.Membership
		if err := ms.Scan(&id, &m.Org, &m.Role); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].Memberships = append(out[i].Memberships, m)
		}
	}
	return out, ms.Err()
}

// oneUser reads a user and its memberships in one query, as every
// authenticated request does.
func (d *DB) oneUser(ctx context.Context, what, key, column string) (ward.User, error) {
	st, err := d.stmt(ctx, `SELECT u.id, u.name, u.password_hash, u.admin, u.disabled, u.failed_logins, u.locked_until, u.created, m.org, m.role
		FROM users u LEFT JOIN memberships m ON m.user_id = u.id WHERE u.`+column+` = ? ORDER BY m.org, m.role`)
	if err != nil {
		return ward.User{}, err
	}
	rs, err := st.QueryContext(ctx, key)
	if err != nil {
		return ward.User{}, err
	}
	defer rs.Close()
	var u ward.User
	found := false
	for rs.Next() {
		var admin, disabled int
		var locked, created int64
		var org, role sql.NullString
		if err := rs.Scan(&u.ID, &u.Name, &u.PasswordHash, &admin, &disabled, &u.FailedLogins, &locked, &created, &org, &role); err != nil {
			return ward.User{}, err
		}
		if !found {
			u.Admin, u.Disabled, u.LockedUntil, u.Created = admin == 1, disabled == 1, fromNanos(locked), fromNanos(created)
			u.Memberships = []ward.Membership{}
			found = true
		}
		if org.Valid {
			u.Memberships = append(u.Memberships, ward.Membership{Org: org.String, Role: ward.Role(role.String)})
		}
	}
	if err := rs.Err(); err != nil {
		return ward.User{}, err
	}
	if !found {
		return ward.User{}, fmt.Errorf("user %s %q: %w", what, key, ward.ErrNotFound)
	}
	return u, nil
}

// User returns a user by id.
func (d *DB) User(ctx context.Context, id string) (ward.User, error) {
	return d.oneUser(ctx, "id", id, "id")
}

// UserByName returns a user by sign-in name.
func (d *DB) UserByName(ctx context.Context, name string) (ward.User, error) {
	return d.oneUser(ctx, "name", name, "name")
}

// Users lists every user by name.
func (d *DB) Users(ctx context.Context) ([]ward.User, error) {
	return d.scanUsers(ctx, "")
}

// DeleteUser removes a user, its memberships, sessions and tokens.
func (d *DB) DeleteUser(ctx context.Context, id string) error {
	return d.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`DELETE FROM users WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %q: %w", id, ward.ErrNotFound)
		}
		return nil
	})
}

// LoginFailed counts a failed sign-in in one statement, so that servers
// counting at once do not lose counts: earlier failures are forgotten when
// the last wait ended more than b.Forget ago. locked_until always holds at
// least the last failure's time, which is what forgetting is measured
// from; a second statement sets the wait the new count calls for.
func (d *DB) LoginFailed(ctx context.Context, id string, now time.Time, b ward.LoginBackoff) (ward.User, error) {
	_, err := d.db.ExecContext(ctx, d.q(`UPDATE users SET failed_logins = CASE WHEN locked_until < ? THEN 1 ELSE failed_logins + 1 END,
		locked_until = CASE WHEN locked_until < ? THEN ? ELSE locked_until END WHERE id = ?`),
		now.Add(-b.Forget).UnixNano(), now.UnixNano(), now.UnixNano(), id)
	if err != nil {
		return ward.User{}, err
	}
	u, err := d.User(ctx, id)
	if err != nil {
		return u, err
	}
	if until := now.Add(b.Wait(u.FailedLogins)); until.After(u.LockedUntil) {
		if _, err := d.db.ExecContext(ctx, d.q(`UPDATE users SET locked_until = ? WHERE id = ? AND locked_until < ?`),
			until.UnixNano(), id, until.UnixNano()); err != nil {
			return u, err
		}
		u.LockedUntil = until
	}
	return u, nil
}

// LoginSucceeded clears the failure count and any lock.
func (d *DB) LoginSucceeded(ctx context.Context, id string) error {
	return d.exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?`, id)
}

// PutSession stores a session.
func (d *DB) PutSession(ctx context.Context, s ward.Session) error {
	return d.exec(ctx, `INSERT INTO sessions (hash, user_id, csrf, created, expires, remote) VALUES (?, ?, ?, ?, ?, ?)`,
		s.Hash, s.UserID, s.CSRF, nanos(s.Created), nanos(s.Expires), s.Remote)
}

// Session returns an unexpired session.
func (d *DB) Session(ctx context.Context, hash string, now time.Time) (ward.Session, error) {
	var s ward.Session
	var created, expires int64
	st, err := d.stmt(ctx, `SELECT hash, user_id, csrf, created, expires, remote FROM sessions WHERE hash = ? AND expires > ?`)
	if err != nil {
		return s, err
	}
	err = st.QueryRowContext(ctx, hash, now.UnixNano()).Scan(&s.Hash, &s.UserID, &s.CSRF, &created, &expires, &s.Remote)
	if err != nil {
		return s, notFound("session", "(secret)", err)
	}
	s.Created, s.Expires = fromNanos(created), fromNanos(expires)
	return s, nil
}

// DeleteSession signs one session out.
func (d *DB) DeleteSession(ctx context.Context, hash string) error {
	return d.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
}

// DeleteSessions signs a user out everywhere.
func (d *DB) DeleteSessions(ctx context.Context, userID string) error {
	return d.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
}

// PutToken stores a new token.
func (d *DB) PutToken(ctx context.Context, t ward.Token) error {
	err := d.exec(ctx, `INSERT INTO tokens (id, user_id, name, hash, scope, org, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, t.Name, t.Hash, string(t.Scope), t.Org, nanos(t.Created), nanos(t.Expires))
	if unique(err) {
		return fmt.Errorf("token %q: %w", t.ID, ward.ErrExists)
	}
	return err
}

const tokenColumns = `id, user_id, name, hash, scope, org, created, expires`

func scanToken(sc interface{ Scan(...any) error }) (ward.Token, error) {
	var t ward.Token
	var created, expires int64
	if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &t.Scope, &t.Org, &created, &expires); err != nil {
		return t, err
	}
	t.Created, t.Expires = fromNanos(created), fromNanos(expires)
	return t, nil
}

// TokenByHash returns an unexpired token.
func (d *DB) TokenByHash(ctx context.Context, hash string, now time.Time) (ward.Token, error) {
	st, err := d.stmt(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ? AND expires > ?`)
	if err != nil {
		return ward.Token{}, err
	}
	t, err := scanToken(st.QueryRowContext(ctx, hash, now.UnixNano()))
	return t, notFound("token", "(secret)", err)
}

// Tokens lists a user's tokens, newest first.
func (d *DB) Tokens(ctx context.Context, userID string) ([]ward.Token, error) {
	rs, err := d.db.QueryContext(ctx, d.q(`SELECT `+tokenColumns+` FROM tokens WHERE user_id = ? ORDER BY created DESC, id`), userID)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.Token{}
	for rs.Next() {
		t, err := scanToken(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rs.Err()
}

// DeleteToken revokes one of a user's tokens.
func (d *DB) DeleteToken(ctx context.Context, userID, id string) error {
	return d.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`DELETE FROM tokens WHERE user_id = ? AND id = ?`), userID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("token %q: %w", id, ward.ErrNotFound)
		}
		return nil
	})
}

// PutAssessment stores a run.
func (d *DB) PutAssessment(ctx context.Context, a ward.Assessment) (int64, error) {
	var id int64
	err := d.Write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, d.q(`INSERT INTO assessments (org, revision, created, actor, data) VALUES (?, ?, ?, ?, ?) RETURNING id`),
			a.Org, a.Revision, nanos(a.Created), a.Actor, a.Data).Scan(&id)
	})
	return id, err
}

// Assessment returns a run; id 0 is the latest.
func (d *DB) Assessment(ctx context.Context, org string, id int64) (ward.Assessment, error) {
	query, args := `SELECT id, org, revision, created, actor, data FROM assessments WHERE org = ? AND id = ?`, []any{org, id}
	if id == 0 {
		query, args = `SELECT id, org, revision, created, actor, data FROM assessments WHERE org = ? ORDER BY id DESC LIMIT 1`, []any{org}
	}
	var a ward.Assessment
	var created int64
	err := d.db.QueryRowContext(ctx, d.q(query), args...).Scan(&a.ID, &a.Org, &a.Revision, &created, &a.Actor, &a.Data)
	if err != nil {
		return a, notFound("assessment of", org, err)
	}
	a.Created = fromNanos(created)
	return a, nil
}

// Assessments lists runs, newest first.
func (d *DB) Assessments(ctx context.Context, org string, limit int) ([]ward.Assessment, error) {
	if limit <= 0 {
		limit = 100
	}
	rs, err := d.db.QueryContext(ctx, d.q(`SELECT id, org, revision, created, actor FROM assessments WHERE org = ? ORDER BY id DESC LIMIT ?`), org, limit)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.Assessment{}
	for rs.Next() {
		var a ward.Assessment
		var created int64
		if err := rs.Scan(&a.ID, &a.Org, &a.Revision, &created, &a.Actor); err != nil {
			return nil, err
		}
		a.Created = fromNanos(created)
		out = append(out, a)
	}
	return out, rs.Err()
}

// Revision returns an organisation's model revision, 0 when it has none.
func (d *DB) Revision(ctx context.Context, org string) (int64, error) {
	var rev int64
	st, err := d.stmt(ctx, `SELECT revision FROM revisions WHERE org = ? AND revision > 0`)
	if err != nil {
		return 0, err
	}
	err = st.QueryRowContext(ctx, org).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return rev, err
}

// bumpRevision moves an organisation's revision on, in the transaction
// that puts its model; its one argument is the organisation. A deleted
// organisation's row is kept with its last revision negated (see
// forgetOrganisation), so that one made again under the same id goes on
// from there: a revision never names two models of one id, and what was
// kept or sent by revision (the server's results, an ETag a client holds,
// the national view's shares) cannot be taken for the new one's.
const bumpRevision = `INSERT INTO revisions (org, revision) VALUES (?, 1) ON CONFLICT (org) DO UPDATE SET revision = ABS(revisions.revision) + 1`

// forgetOrganisation is what DeleteOrganisation runs, with the
// organisation as argument: the tables without a foreign key to it.
var forgetOrganisation = []string{`UPDATE revisions SET revision = -ABS(revision) WHERE org = ?`, `DELETE FROM assessments WHERE org = ?`, `DELETE FROM incidents WHERE org = ?`}
