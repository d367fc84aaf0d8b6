// Package share speaks the field's standards for sharing intelligence
// between hospitals and health CSIRTs: STIX 2.1 objects (what Ward knows,
// mapped both ways), STIX patterns, TLP 2.0 markings and the policy that
// keeps each level where it belongs, and the anonymisation of what leaves a
// hospital.
package share

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// SpecVersion is the STIX version Ward emits.
const SpecVersion = "2.1"

// namespace makes Ward's STIX ids: UUIDv5 of a stable name, so that
// exporting the same thing twice gives the same id and re-imports do not
// duplicate.
var namespace = uuid.MustParse("6f3c0e2a-7d5b-5a8e-9c41-2b7e0d9a4c15")

// ID makes the STIX id of a type for a stable name.
func ID(typ, name string) string {
	return typ + "--" + uuid.NewSHA1(namespace, []byte(typ+"|"+name)).String()
}

// Timestamp is a STIX timestamp: UTC, RFC 3339, written at the precision
// it has (milliseconds at least, FormatTime).
type Timestamp time.Time

// MarshalJSON writes the STIX form.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(FormatTime(time.Time(t)))
}

// IsZero tells an unset timestamp, which is left out of what Ward writes.
func (t Timestamp) IsZero() bool { return time.Time(t).IsZero() }

// UnmarshalJSON reads any RFC 3339 time, as other tools write them.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	*t = Timestamp(v.UTC())
	return nil
}

// FormatTime writes a time as STIX and TAXII timestamps are written, at
// the precision it has: milliseconds at least, else micro- or
// nanoseconds, so that a version or a date added reads back the same.
func FormatTime(t time.Time) string {
	t = t.UTC()
	switch {
	case t.Nanosecond()%int(time.Millisecond) == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case t.Nanosecond()%int(time.Microsecond) == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}

// Time is the timestamp as a time.
func (t Timestamp) Time() time.Time { return time.Time(t) }

// Stamp makes a timestamp at millisecond precision, as STIX keeps them.
func Stamp(t time.Time) Timestamp { return Timestamp(t.UTC().Truncate(time.Millisecond)) }

// ExternalReference points outside STIX: a CVE, an ATT&CK technique, an
// advisory.
type ExternalReference struct {
	SourceName  string `json:"source_name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	ExternalID  string `json:"external_id,omitempty"`
}

// Object is a STIX object: the common properties typed, the type's own
// properties in Props. Unknown properties of imported objects are kept in
// Props, so an object passes through Ward unchanged.
type Object struct {
	Type               string              `json:"type"`
	SpecVersion        string              `json:"spec_version"`
	ID                 string              `json:"id"`
	Created            Timestamp           `json:"created,omitzero"`
	Modified           Timestamp           `json:"modified,omitzero"`
	CreatedByRef       string              `json:"created_by_ref,omitempty"`
	Revoked            bool                `json:"revoked,omitempty"`
	Labels             []string            `json:"labels,omitempty"`
	Confidence         int                 `json:"confidence,omitempty"`
	ExternalReferences []ExternalReference `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string            `json:"object_marking_refs,omitempty"`
	GranularMarkings   []GranularMarking   `json:"granular_markings,omitempty"`
	// Props are the type's own properties (name, description, pattern,
	// source_ref, ...), by their STIX names.
	Props map[string]any `json:"-"`
}

// common are the properties Object types itself.
var common = map[string]bool{"type": true, "spec_version": true, "id": true, "created": true, "modified": true, "created_by_ref": true,
	"revoked": true, "labels": true, "confidence": true, "external_references": true, "object_marking_refs": true, "granular_markings": true}

// MarshalJSON writes the common and the type's properties as one object.
func (o Object) MarshalJSON() ([]byte, error) {
	type plain Object
	base, err := json.Marshal(plain(o))
	if err != nil {
		return nil, err
	}
	if len(o.Props) == 0 {
		return base, nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(base, &all); err != nil {
		return nil, err
	}
	for k, v := range o.Props {
		if common[k] {
			return nil, fmt.Errorf("%s: property %s belongs in the object's own fields", o.ID, k)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", o.ID, k, err)
		}
		all[k] = b
	}
	return json.Marshal(all)
}

// UnmarshalJSON reads an object, keeping properties it does not type.
func (o *Object) UnmarshalJSON(b []byte) error {
	type plain Object
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	*o = Object(p)
	o.Props = map[string]any{}
	for k, v := range all {
		if !common[k] {
			o.Props[k] = v
		}
	}
	return nil
}

// Str returns a string property, "" when absent or not a string.
func (o *Object) Str(name string) string {
	s, _ := o.Props[name].(string)
	return s
}

// Strs returns a list-of-strings property.
func (o *Object) Strs(name string) []string {
	var out []string
	switch v := o.Props[name].(type) {
	case []string:
		return v
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// newObject makes an object of a type with Ward's id for a name.
func newObject(typ, name string, at time.Time) Object {
	ts := Stamp(at)
	return Object{Type: typ, SpecVersion: SpecVersion, ID: ID(typ, name), Created: ts, Modified: ts, Props: map[string]any{}}
}

// Bundle is a STIX bundle: objects travelling together.
type Bundle struct {
	Type    string   `json:"type"`
	ID      string   `json:"id"`
	Objects []Object `json:"objects"`
}

// NewBundle wraps objects; the bundle's id is random, as bundles are not
// kept.
func NewBundle(objects []Object) Bundle {
	return Bundle{Type: "bundle", ID: "bundle--" + uuid.NewString(), Objects: objects}
}

// TypeOf returns the type part of a STIX id.
func TypeOf(id string) string {
	t, _, _ := strings.Cut(id, "--")
	return t
}
