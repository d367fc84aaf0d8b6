package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wardhealth/ward"
)

// IncidentSchema is the DDL of the incident register. It has no foreign
// key to organisations: a model import replaces the organisation's rows,
// and an incident must outlive it; DeleteOrganisation forgets them.
func IncidentSchema(postgres bool) string {
	blob := "BLOB"
	if postgres {
		blob = "BYTEA"
	}
	return `CREATE TABLE incidents (
		org      TEXT NOT NULL,
		id       TEXT NOT NULL,
		status   TEXT NOT NULL,
		severity TEXT NOT NULL,
		aware_at BIGINT NOT NULL,
		version  BIGINT NOT NULL,
		doc      ` + blob + ` NOT NULL,
		PRIMARY KEY (org, id)
	);
	CREATE INDEX incidents_org_aware ON incidents (org, aware_at);`
}

// PutIncident stores an incident at the version given (0: new), with the
// audit entries of the context, in one transaction.
func (d *DB) PutIncident(ctx context.Context, i ward.Incident, version int64) error {
	return d.Write(ctx, func(tx *sql.Tx) error { return d.putIncident(ctx, d.SQLTx(tx), i, version) })
}

// putIncident writes an incident inside a transaction of either dialect.
func (d *DB) putIncident(ctx context.Context, tx Tx, i ward.Incident, version int64) error {
	i.Version = version + 1
	doc, err := json.Marshal(i)
	if err != nil {
		return err
	}
	var current int64
	err = tx.QueryRow(ctx, `SELECT version FROM incidents WHERE org = ? AND id = ?`, i.Org, i.ID).Scan(&current)
	switch {
	case errors.Is(err, sql.ErrNoRows) && version == 0:
		return tx.Exec(ctx, `INSERT INTO incidents (org, id, status, severity, aware_at, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			i.Org, i.ID, string(i.Status), string(i.Severity), nanos(i.AwareAt), i.Version, doc)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("incident %q: %w", i.ID, ward.ErrNotFound)
	case err != nil:
		return err
	case version == 0:
		return fmt.Errorf("incident %q: %w", i.ID, ward.ErrExists)
	case current != version:
		return fmt.Errorf("incident %s at version %d, not %d: %w", i.ID, current, version, ward.ErrConflict)
	}
	return tx.Exec(ctx, `UPDATE incidents SET status = ?, severity = ?, aware_at = ?, version = ?, doc = ? WHERE org = ? AND id = ? AND version = ?`,
		string(i.Status), string(i.Severity), nanos(i.AwareAt), i.Version, doc, i.Org, i.ID, version)
}

// Incident returns one incident.
func (d *DB) Incident(ctx context.Context, org, id string) (ward.Incident, error) {
	var doc []byte
	err := d.db.QueryRowContext(ctx, d.q(`SELECT doc FROM incidents WHERE org = ? AND id = ?`), org, id).Scan(&doc)
	if err != nil {
		return ward.Incident{}, notFound("incident", id, err)
	}
	var i ward.Incident
	if err := json.Unmarshal(doc, &i); err != nil {
		return i, fmt.Errorf("incident %s: %w", id, err)
	}
	return i, nil
}

// Incidents lists an organisation's incidents, newest first.
func (d *DB) Incidents(ctx context.Context, org string, f ward.IncidentFilter) ([]ward.Incident, error) {
	query, args := `SELECT doc FROM incidents WHERE org = ?`, []any{org}
	if f.Status != "" {
		query, args = query+` AND status = ?`, append(args, string(f.Status))
	}
	if f.Open {
		query, args = query+` AND status <> ?`, append(args, string(ward.IncidentClosed))
	}
	rs, err := d.db.QueryContext(ctx, d.q(query+` ORDER BY aware_at DESC, id DESC`), args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := []ward.Incident{}
	for rs.Next() {
		var doc []byte
		if err := rs.Scan(&doc); err != nil {
			return nil, err
		}
		var i ward.Incident
		if err := json.Unmarshal(doc, &i); err != nil {
			return nil, err
		}
		if f.Match(&i) {
			out = append(out, i)
		}
	}
	return out, rs.Err()
}
