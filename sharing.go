package ward

import (
	"context"
	"time"
)

// Collection is a TAXII collection: the STIX objects one sharing community
// exchanges. Readers and Writers list the organisations that may read and
// add objects; "*" (AllOrganisations) is every organisation in the store.
type Collection struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Readers     []string  `json:"readers"`
	Writers     []string  `json:"writers"`
	Created     time.Time `json:"created"`
	// Generation counts the collection's changes when it was read (see
	// SharingStore.Generation).
	Generation int64 `json:"-"`
}

// SharedObject is one version of a STIX object in a collection.
type SharedObject struct {
	Collection string `json:"collection"`
	ID         string `json:"id"`
	// Version is the object's modified time (created, or the time added,
	// for objects without one).
	Version time.Time `json:"version"`
	// Added is when the collection received it; Seq orders additions
	// strictly, so objects added at the same instant still page in order.
	Added       time.Time `json:"date_added"`
	Seq         int64     `json:"-"`
	Type        string    `json:"type"`
	SpecVersion string    `json:"spec_version"`
	// TLP is the object's TLP level ("" when unmarked); Org the
	// organisation that added it, which alone receives its RED and
	// AMBER+STRICT objects back.
	TLP  string `json:"tlp,omitempty"`
	Org  string `json:"org,omitempty"`
	Data []byte `json:"-"`
}

// ObjectFilter selects shared objects, as TAXII's match parameters do.
type ObjectFilter struct {
	Collection string
	// AddedAfter keeps objects added strictly after it.
	AddedAfter   time.Time
	IDs, Types   []string
	SpecVersions []string
	// Versions: "last" (default), "first", "all", or RFC 3339 times.
	Versions []string
	// After continues a listing after this Seq (from a page's Next).
	After int64
	// Limit is the most objects returned.
	Limit int
}

// SharingStore keeps collections and their objects.
type SharingStore interface {
	PutCollection(ctx context.Context, c Collection) error
	Collections(ctx context.Context) ([]Collection, error)
	Collection(ctx context.Context, id string) (Collection, error)
	// AddObjects adds objects to their collections in one transaction,
	// setting Added and Seq; a version already there is left as it was.
	// The status of the addition, when given, is stored in the same
	// transaction (as is the audit entry of WithAudit). It returns how
	// many versions were new.
	AddObjects(ctx context.Context, objects []SharedObject, added time.Time, status *AdditionStatus) (int, error)
	// Objects lists a page of objects in the order they were added; more
	// says whether the filter selects more after the page.
	Objects(ctx context.Context, f ObjectFilter) (page []SharedObject, more bool, err error)
	// Generation counts a collection's changes (additions and
	// deletions), 0 for none or no such collection: it tells caches
	// whether a collection changed.
	Generation(ctx context.Context, collection string) (int64, error)
	// DeleteObject removes an object's versions matching f.Versions.
	DeleteObject(ctx context.Context, collection, id string, versions []string) (int, error)
	// SyncState and PutSyncState remember where a pull from a peer
	// stopped, by a key naming the peer and collection.
	SyncState(ctx context.Context, key string) (string, error)
	PutSyncState(ctx context.Context, key, value string) error
	// Status returns the status resource of an addition.
	Status(ctx context.Context, id string) ([]byte, error)
}

// AdditionStatus is the TAXII status resource of an addition of objects:
// its id, the collection, and the resource as JSON.
type AdditionStatus struct {
	ID, Collection string
	Data           []byte
}
