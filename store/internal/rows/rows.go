// Package rows holds what both stores do alike: the organisation document
// kept beside the tables, and putting a model back together from rows.
package rows

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/wardhealth/ward"
)

// OrgDoc is what the organisations table keeps of a model besides its
// tables: the format version and the organisation itself.
type OrgDoc struct {
	Ward         int               `json:"ward"`
	Organisation ward.Organisation `json:"organisation"`
	// Costs are the organisation's figures for expected loss.
	Costs ward.Costs `json:"costs,omitzero"`
	// Rules and Redundancy are few against the assets and links, and
	// read whole: they ride in the document.
	Rules      []ward.Rule            `json:"rules,omitempty"`
	Redundancy []ward.RedundancyGroup `json:"redundancy,omitempty"`
}

// DocOf is what the organisations table keeps of m.
func DocOf(m *ward.Model) OrgDoc {
	return OrgDoc{Ward: m.Ward, Organisation: m.Organisation, Costs: m.Costs, Rules: m.Rules, Redundancy: m.Redundancy}
}

// Model starts a model from the document; the tables fill in the rest.
func (od *OrgDoc) Model() *ward.Model {
	return &ward.Model{Ward: od.Ward, Organisation: od.Organisation, Costs: od.Costs, Rules: od.Rules, Redundancy: od.Redundancy}
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

// Scanner is the part of *sql.Rows used here.
type Scanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Collect decodes every row's single document column into a slice. The
// document is decoded before the next row is read, so it is scanned as
// sql.RawBytes, the driver's own buffer: a copy of every row (tens of
// thousands in a large hospital) would be made only to be thrown away.
func Collect[T any](rs Scanner) ([]T, error) {
	var out []T
	var doc sql.RawBytes
	for rs.Next() {
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

// ReadTable runs "SELECT doc FROM <table> WHERE org = <org> ORDER BY seq"
// in a store's dialect and hands the rows to each. Table is always one of
// the fixed names Fill passes, never input.
type ReadTable func(table string, each func(Scanner) error) error

// Fill reads an organisation's zones, assets, links, services, controls and
// risk decisions into m, in model order.
func Fill(m *ward.Model, read ReadTable) error {
	var err error
	if m.Zones, err = load[ward.Zone](read, "zones"); err != nil {
		return err
	}
	if m.Assets, err = load[ward.Asset](read, "assets"); err != nil {
		return err
	}
	if m.Links, err = load[ward.Link](read, "links"); err != nil {
		return err
	}
	if m.Services, err = load[ward.Service](read, "services"); err != nil {
		return err
	}
	if m.Controls, err = load[ward.Control](read, "controls"); err != nil {
		return err
	}
	m.Decisions, err = load[ward.Decision](read, "decisions")
	return err
}

func load[T any](read ReadTable, table string) ([]T, error) {
	var out []T
	err := read(table, func(s Scanner) error {
		var err error
		out, err = Collect[T](s)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return out, nil
}

// Organisations takes the organisations out of their documents.
func Organisations(docs []OrgDoc) []ward.Organisation {
	out := make([]ward.Organisation, len(docs))
	for i, d := range docs {
		out[i] = d.Organisation
	}
	return out
}
