package share

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
)

// Admit decides whether an object, as received, may be kept in a
// collection (shared: read by organisations other than the one adding
// it), and at which TLP level: the object must pass Check, and RED and
// AMBER+STRICT objects (from every marking they carry, Level) stay out of
// shared collections. It returns the stored form, its bytes untouched.
func Admit(collection string, raw json.RawMessage, h Header, neutral map[string]bool, org string, shared bool, added time.Time) (ward.SharedObject, error) {
	if err := h.Check(); err != nil {
		return ward.SharedObject{}, err
	}
	so := ward.SharedObject{Collection: collection, ID: h.ID, Version: h.Version(added), Type: h.Type, SpecVersion: orDefault21(h.SpecVersion), Org: org, Data: raw}
	if t, marked := h.TLP(neutral); marked {
		if shared && (t == Red || t == AmberStrict) {
			return so, fmt.Errorf("object %s: TLP:%s does not leave its organisation: this collection is read by others", h.ID, strings.ToUpper(string(t)))
		}
		so.TLP = string(t)
	}
	return so, nil
}

func orDefault21(v string) string {
	if v == "" {
		return SpecVersion // a cyber observable may leave it out (Check)
	}
	return v
}

// Shared turns an object Ward made into the stored form of a collection.
func Shared(collection string, o *Object, org string) (ward.SharedObject, error) {
	data, err := json.Marshal(o)
	if err != nil {
		return ward.SharedObject{}, err
	}
	h, err := ReadHeader(data)
	if err != nil {
		return ward.SharedObject{}, err
	}
	return Admit(collection, data, h, nil, org, false, time.Now())
}

// Unversioned drops, of objects about to be added, those without a
// version of their own (cyber observables and marking definitions, which
// STIX does not version: their version is when they were added) that are
// already in the collection as they are: posted again, an identical
// observable is the same thing, not a new version.
func Unversioned(ctx context.Context, s ward.SharingStore, objs []ward.SharedObject, headers func(i int) Header) ([]ward.SharedObject, error) {
	var ids []string
	for i := range objs {
		if h := headers(i); h.Modified.Time().IsZero() && h.Created.Time().IsZero() {
			ids = append(ids, objs[i].ID)
		}
	}
	if len(ids) == 0 {
		return objs, nil
	}
	stored := map[string][][]byte{}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		page, _, err := s.Objects(ctx, ward.ObjectFilter{Collection: objs[0].Collection, IDs: part, Versions: []string{"all"}, Limit: 100_000})
		if err != nil {
			return nil, err
		}
		for _, o := range page {
			stored[o.ID] = append(stored[o.ID], o.Data)
		}
	}
	out := objs[:0:0]
	for i := range objs {
		if slices.ContainsFunc(stored[objs[i].ID], func(d []byte) bool { return bytes.Equal(d, objs[i].Data) }) {
			continue
		}
		out = append(out, objs[i])
	}
	return out, nil
}

// Restamp keeps the objects an organisation sends as they were the last
// time it sent them, when their content is the same: created never moves,
// and modified moves only when something else did. So pushing twice adds
// no new version at the peer. The last form of each is kept in the store.
func Restamp(ctx context.Context, s ward.SharingStore, objs []Object, now time.Time) ([]Object, error) {
	out := make([]Object, len(objs))
	for i, o := range objs {
		key := "sent|" + o.ID
		last, err := s.SyncState(ctx, key)
		if err != nil {
			return nil, err
		}
		var prev Object
		if last != "" && json.Unmarshal([]byte(last), &prev) == nil {
			if sameContent(&prev, &o) {
				out[i] = prev
				continue
			}
			o.Created = prev.Created
			if first, ok := prev.Props["first_seen"]; ok && o.Type == "sighting" {
				o.Props["first_seen"] = first
			}
			if !o.Modified.Time().After(prev.Modified.Time()) {
				o.Modified = Stamp(prev.Modified.Time().Add(time.Millisecond))
			}
		}
		data, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		if err := s.PutSyncState(ctx, key, string(data)); err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}

// stamps are the properties Ward sets to the time of making an object.
var stamps = []string{"created", "modified", "valid_from", "first_seen", "last_seen", "published"}

// sameContent tells whether two forms of an object differ only in when
// they were made.
func sameContent(a, b *Object) bool {
	strip := func(o *Object) string {
		data, _ := json.Marshal(o)
		var m map[string]any
		json.Unmarshal(data, &m)
		for _, k := range stamps {
			delete(m, k)
		}
		out, _ := json.Marshal(m)
		return string(out)
	}
	return strip(a) == strip(b)
}

// Refusal is an object a pull did not keep, and why.
type Refusal struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// PullReport says what a pull received, kept anew and refused.
type PullReport struct {
	Received int       `json:"received"`
	Added    int       `json:"new"`
	Refused  []Refusal `json:"refused,omitempty"`
}

// PullInto pulls a peer's collection into a local one (made when missing,
// read by every organisation of the store, written by none but pulls),
// from where the last pull stopped, and remembers where it stopped.
// Objects are kept byte for byte as the peer sent them. An object that is
// not valid, or may not be read by every organisation here (RED,
// AMBER+STRICT, markings Ward cannot read), is refused, named in the
// report, and the pull goes on with the rest.
func PullInto(ctx context.Context, c *Client, s ward.Store, remote, local string, now time.Time) (PullReport, error) {
	var rep PullReport
	col, err := s.Collection(ctx, local)
	if err != nil {
		col = ward.Collection{ID: local, Title: "Pulled from " + c.APIRoot, Readers: []string{ward.AllOrganisations}, Writers: []string{}, Created: now}
		if err := s.PutCollection(ctx, col); err != nil {
			return rep, err
		}
	}
	shared := len(col.Readers) != 0
	key := "pull|" + c.APIRoot + "|" + remote + "|" + local
	var after time.Time
	last, err := s.SyncState(ctx, key)
	if err != nil {
		return rep, err
	}
	if last != "" {
		after, _ = time.Parse(time.RFC3339Nano, last)
	}
	rep.Received, err = c.Pull(ctx, remote, after, 1000, func(p Page) error {
		headers := make([]Header, len(p.Objects))
		var defs []Header
		for i, raw := range p.Objects {
			h, err := ReadHeader(raw)
			if err != nil {
				headers[i].ID = "unknown"
				continue
			}
			headers[i] = h
			if h.Type == "marking-definition" {
				defs = append(defs, h)
			}
		}
		neutral := Neutral(defs)
		batch := make([]ward.SharedObject, 0, len(p.Objects))
		var kept []Header
		at := time.Now()
		for i, raw := range p.Objects {
			if headers[i].ID == "unknown" {
				rep.Refused = append(rep.Refused, Refusal{ID: "unknown", Reason: "not a STIX object"})
				continue
			}
			so, err := Admit(local, raw, headers[i], neutral, "", shared, at)
			if err != nil {
				rep.Refused = append(rep.Refused, Refusal{ID: headers[i].ID, Reason: err.Error()})
				continue
			}
			batch, kept = append(batch, so), append(kept, headers[i])
		}
		batch, err := Unversioned(ctx, s, batch, func(i int) Header { return kept[i] })
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			n, err := s.AddObjects(ctx, batch, at, nil)
			if err != nil {
				return err
			}
			rep.Added += n
		}
		if v := p.LastAdded.UTC().Format(time.RFC3339Nano); !p.LastAdded.IsZero() && v != last {
			last = v
			return s.PutSyncState(ctx, key, v)
		}
		return nil
	})
	return rep, err
}

// StoredAdvisories reads, from the collections an organisation reads, the
// vulnerabilities shared with software indicators, as advisories, leaving
// out other organisations' RED and AMBER+STRICT objects.
func StoredAdvisories(ctx context.Context, s ward.SharingStore, org string) ([]*intel.Advisory, error) {
	objs, err := readable(ctx, s, org, []string{"vulnerability", "indicator", "relationship"}, nil)
	if err != nil {
		return nil, err
	}
	return ToAdvisories(objs), nil
}

// PseudonymKey is the store's secret for pseudonyms, made on first use:
// the same hospital keeps its pseudonym, and no one without the store can
// tell which hospital it is.
func PseudonymKey(ctx context.Context, s ward.SharingStore) (string, error) {
	const key = "pseudonym-key"
	v, err := s.SyncState(ctx, key)
	if err != nil || v != "" {
		return v, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	v = hex.EncodeToString(b)
	return v, s.PutSyncState(ctx, key, v)
}

// NewCollectionID makes a collection id (TAXII asks for a UUID).
func NewCollectionID() string { return uuid.NewString() }

// Outgoing prepares what an organisation sends to its community: the
// objects the policy lets reach the community, anonymised against its
// model. It says how many the policy held back.
func Outgoing(objects []Object, m *ward.Model, p Policy) ([]Object, int, error) {
	kept, held := p.Filter(objects, Community)
	if len(kept) == 0 {
		return nil, held, fmt.Errorf("nothing may leave: the policy held back all %d objects", held)
	}
	return NewAnonymiser(m).Objects(kept), held, nil
}
