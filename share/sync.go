package share

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
)

// Shared turns a STIX object into the stored form of a collection.
func Shared(collection string, o *Object, org string) (ward.SharedObject, error) {
	data, err := json.Marshal(o)
	if err != nil {
		return ward.SharedObject{}, err
	}
	version := o.Modified.Time()
	if version.IsZero() {
		version = o.Created.Time()
	}
	level := ""
	if t, ok := TLPOf(o); ok {
		level = string(t)
	}
	return ward.SharedObject{Collection: collection, ID: o.ID, Version: version, Type: o.Type, SpecVersion: o.SpecVersion, TLP: level, Org: org, Data: data}, nil
}

// PullInto pulls a peer's collection into a local one (made when missing,
// read by every organisation of the store, written by none but pulls),
// from where the last pull stopped, and remembers where it stopped. It
// returns how many objects it received and how many versions were new.
func PullInto(ctx context.Context, c *Client, s ward.Store, remote, local string, now time.Time) (received, added int, err error) {
	if _, err := s.Collection(ctx, local); err != nil {
		col := ward.Collection{ID: local, Title: "Pulled from " + c.APIRoot, Readers: []string{ward.AllOrganisations}, Writers: []string{}, Created: now}
		if err := s.PutCollection(ctx, col); err != nil {
			return 0, 0, err
		}
	}
	key := "pull|" + c.APIRoot + "|" + remote + "|" + local
	var after time.Time
	if v, err := s.SyncState(ctx, key); err != nil {
		return 0, 0, err
	} else if v != "" {
		after, _ = time.Parse(time.RFC3339Nano, v)
	}
	received, err = c.Pull(ctx, remote, after, 1000, func(p Page) error {
		batch := make([]ward.SharedObject, 0, len(p.Objects))
		for i := range p.Objects {
			so, err := Shared(local, &p.Objects[i], "")
			if err != nil {
				return err
			}
			batch = append(batch, so)
		}
		n, err := s.AddObjects(ctx, batch, time.Now(), nil)
		if err != nil {
			return err
		}
		added += n
		if !p.LastAdded.IsZero() {
			return s.PutSyncState(ctx, key, p.LastAdded.Format(time.RFC3339Nano))
		}
		return nil
	})
	return received, added, err
}

// StoredAdvisories reads, from the collections an organisation reads, the
// vulnerabilities shared with software indicators, as advisories, leaving
// out other organisations' RED and AMBER+STRICT objects.
func StoredAdvisories(ctx context.Context, s ward.SharingStore, org string) ([]*intel.Advisory, error) {
	cols, err := s.Collections(ctx)
	if err != nil {
		return nil, err
	}
	var objs []Object
	for _, c := range cols {
		if !slices.Contains(c.Readers, ward.AllOrganisations) && !slices.Contains(c.Readers, org) {
			continue
		}
		f := ward.ObjectFilter{Collection: c.ID, Types: []string{"vulnerability", "indicator", "relationship"}, Limit: 1000}
		for {
			page, more, err := s.Objects(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, o := range page {
				if (o.TLP == string(Red) || o.TLP == string(AmberStrict)) && o.Org != org {
					continue
				}
				var so Object
				if json.Unmarshal(o.Data, &so) == nil {
					objs = append(objs, so)
				}
			}
			if !more || len(page) == 0 {
				break
			}
			f.After = page[len(page)-1].Seq
		}
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
