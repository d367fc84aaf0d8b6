package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/wardhealth/ward"
)

// DetectionSchema is the DDL of the detections table: one row a
// detection, per organisation.
func DetectionSchema(postgres bool) string {
	blob := "BLOB"
	if postgres {
		blob = "BYTEA"
	}
	return `CREATE TABLE detections (
		org        TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
		id         TEXT NOT NULL,
		rule       TEXT NOT NULL,
		asset      TEXT NOT NULL,
		source     TEXT NOT NULL,
		count      BIGINT NOT NULL,
		first_seen BIGINT NOT NULL,
		last_seen  BIGINT NOT NULL,
		doc        ` + blob + ` NOT NULL,
		PRIMARY KEY (org, id)
	);
	CREATE INDEX detections_last_seen ON detections (org, last_seen);
	CREATE INDEX detections_asset ON detections (org, asset, last_seen);`
}

// PutDetections stores detections in place of those with their ids.
func (d *DB) PutDetections(ctx context.Context, org string, ds []ward.Detection) (int, error) {
	added := 0
	err := d.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, d.q(`SELECT COUNT(*) FROM organisations WHERE id = ?`), org).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ward.ErrNotFound
		}
		for _, det := range ds {
			doc, err := json.Marshal(det)
			if err != nil {
				return err
			}
			var old int
			err = tx.QueryRowContext(ctx, d.q(`SELECT 1 FROM detections WHERE org = ? AND id = ?`), org, det.ID).Scan(&old)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				added++
				_, err = tx.ExecContext(ctx, d.q(`INSERT INTO detections (org, id, rule, asset, source, count, first_seen, last_seen, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
					org, det.ID, det.Rule, det.Asset, det.Source, det.Count, det.FirstSeen.UnixNano(), det.LastSeen.UnixNano(), doc)
			case err == nil:
				_, err = tx.ExecContext(ctx, d.q(`UPDATE detections SET count = ?, last_seen = ?, doc = ? WHERE org = ? AND id = ?`),
					det.Count, det.LastSeen.UnixNano(), doc, org, det.ID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return added, err
}

// Detections lists an organisation's detections, the latest seen first.
func (d *DB) Detections(ctx context.Context, org string, f ward.DetectionFilter) ([]ward.Detection, error) {
	q := `SELECT doc FROM detections WHERE org = ?`
	args := []any{org}
	if f.Asset != "" {
		q += ` AND asset = ?`
		args = append(args, f.Asset)
	}
	if !f.Since.IsZero() {
		q += ` AND last_seen >= ?`
		args = append(args, f.Since.UnixNano())
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q += ` ORDER BY last_seen DESC, id LIMIT ?`
	args = append(args, limit)
	rows, err := d.db.QueryContext(ctx, d.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ward.Detection{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var det ward.Detection
		if err := json.Unmarshal(doc, &det); err != nil {
			return nil, err
		}
		det.FirstSeen, det.LastSeen = det.FirstSeen.UTC(), det.LastSeen.UTC()
		out = append(out, det)
	}
	return out, rows.Err()
}
