// Package rows holds what both stores do alike: the organisation document
// kept beside the tables, and putting a model back together from rows.
package rows

import (
	"encoding/json"
	"fmt"

	"github.com/wardhealth/ward"
)

// OrgDoc is what the organisations table keeps of a model besides its
// tables: the format version and the organisation itself.
type OrgDoc struct {
	Ward         int               `json:"ward"`
	Organisation ward.Organisation `json:"organisation"`
}

// Encode marshals one row's document.
func Encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}

// Decode unmarshals one row's document.
func Decode(doc []byte, v any) error {
	if err := json.Unmarshal(doc, v); err != nil {
		return fmt.Errorf("decode stored %T: %w", v, err)
	}
	return nil
}

// Scanner is the part of *sql.Rows and pgx.Rows used here.
type Scanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Collect decodes every row's single document column into a slice.
func Collect[T any](rs Scanner) ([]T, error) {
	var out []T
	for rs.Next() {
		var doc []byte
		if err := rs.Scan(&doc); err != nil {
			return nil, err
		}
		var v T
		if err := Decode(doc, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rs.Err()
}
