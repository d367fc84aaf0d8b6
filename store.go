package ward

import (
	"context"
	"errors"
)

// ErrNotFound is returned when an organisation or item does not exist.
var ErrNotFound = errors.New("not found")

// Store keeps the models of any number of organisations. Every row belongs to
// exactly one organisation, and no call reads or writes across them except
// Organisations. Implementations: store/sqlite (embedded default) and
// store/postgres; both pass the contract suite in store/storetest.
type Store interface {
	// PutModels stores each model in place of its organisation's current
	// one, all in one transaction: either every model is stored or none.
	PutModels(ctx context.Context, models []*Model) error
	// Model returns an organisation's whole model, in the order it was put.
	Model(ctx context.Context, org string) (*Model, error)
	// Organisations lists the organisations, sorted by id.
	Organisations(ctx context.Context) ([]Organisation, error)
	// Assets lists an organisation's assets that match the filter, in model
	// order.
	Assets(ctx context.Context, org string, f AssetFilter) ([]Asset, error)
	// Links lists an organisation's links that match the filter, in model
	// order.
	Links(ctx context.Context, org string, f LinkFilter) ([]Link, error)
	// DeleteOrganisation removes an organisation and everything it owns.
	DeleteOrganisation(ctx context.Context, org string) error
	// Revision counts the models put for an organisation: 0 before the
	// first. It versions the model for optimistic concurrency (ETag).
	Revision(ctx context.Context, org string) (int64, error)
	// PutModelAt stores a model only if the organisation is still at the
	// revision given (0: it must not exist yet); else ErrConflict.
	PutModelAt(ctx context.Context, m *Model, revision int64) error
	// A store also keeps the intelligence feeds its organisations share,
	// the users and the audit log, assessment runs, the STIX objects
	// shared over TAXII, the incident registers and the detections
	// found in logs.
	FeedStore
	AccessStore
	AssessmentStore
	SharingStore
	IncidentStore
	DetectionStore
	NationalStore
	Close() error
}

// AssetFilter selects assets; zero fields select everything.
type AssetFilter struct {
	Zone string
	Kind AssetKind
	// Exposed selects only assets reachable from the Internet, as
	// Model.Exposure defines it (declared, or reached by a link from an
	// internet zone); the stores index it when a model is put.
	Exposed bool
}

// Match reports whether the asset passes the filter; exposure is why it
// is reachable from the Internet ("" when it is not: Model.Exposure).
func (f AssetFilter) Match(a *Asset, exposure string) bool {
	return (f.Zone == "" || a.Zone == f.Zone) &&
		(f.Kind == "" || a.Kind == f.Kind) &&
		(!f.Exposed || exposure != "")
}

// LinkFilter selects links; zero fields select everything. Zone, Kind and
// Exposed match when either end of the link does.
type LinkFilter struct {
	Zone     string
	Kind     AssetKind
	Exposed  bool
	Protocol Protocol
	// Unencrypted selects only links without encryption.
	Unencrypted bool
}

// LinkEnds describes both ends of a link for filtering: the zone each end is
// in (or is), each end's asset kind (empty for a zone), and whether either end
// is reachable from the Internet.
type LinkEnds struct {
	FromZone, ToZone string
	FromKind, ToKind AssetKind
	Exposed          bool
}

// Match reports whether a link with these ends passes the filter.
func (f LinkFilter) Match(l *Link, e LinkEnds) bool {
	return (f.Zone == "" || e.FromZone == f.Zone || e.ToZone == f.Zone) &&
		(f.Kind == "" || e.FromKind == f.Kind || e.ToKind == f.Kind) &&
		(!f.Exposed || e.Exposed) &&
		(f.Protocol == "" || l.Protocol == f.Protocol) &&
		(!f.Unencrypted || !l.Encrypted)
}

// LinkEnds resolves the ends of every link of a valid model, in link order.
// An end in a zone of kind internet, or an asset reachable from the Internet
// (Exposure), makes the link exposed.
func (m *Model) LinkEnds() []LinkEnds {
	x := m.Index()
	exposure := x.Exposure()
	end := func(e End, id string) (zone string, kind AssetKind, exposed bool) {
		if i, ok := e.Asset(); ok {
			a := &m.Assets[i]
			return a.Zone, a.Kind, exposure[i] != "" || x.ZoneKind(a.Zone) == "internet"
		}
		return id, "", x.ZoneKind(id) == "internet"
	}
	out := make([]LinkEnds, len(m.Links))
	for i := range m.Links {
		var fe, te bool
		out[i].FromZone, out[i].FromKind, fe = end(x.From[i], m.Links[i].From)
		out[i].ToZone, out[i].ToKind, te = end(x.To[i], m.Links[i].To)
		out[i].Exposed = fe || te
	}
	return out
}
