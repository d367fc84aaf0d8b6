package ward

import (
	"context"
	"time"
)

// ShareLevel is what a hospital shares of its model with the hub for the
// national view (docs/national.md). Sharing is opt-in: without a setting,
// nothing.
type ShareLevel string

// Share levels, each sharing more than the one before.
const (
	// ShareNone: nothing; the default.
	ShareNone ShareLevel = "none"
	// ShareCounts: how many assets, services, medical devices the model
	// holds, nothing of what they are.
	ShareCounts ShareLevel = "counts"
	// ShareServices: the clinical services and what they depend on —
	// assets by id, kind, zone, vendor, product, model and version, the
	// national services they bind to, redundancy groups, depends_on and
	// the cabling — without names, addresses, owners, descriptions,
	// software, controls or decisions.
	ShareServices ShareLevel = "services"
	// ShareFull: the whole model.
	ShareFull ShareLevel = "full"
)

var shareLevelValues = []string{"none", "counts", "services", "full"}

// Enum lists the valid values; the slice is shared and must not be changed.
func (ShareLevel) Enum() []string { return shareLevelValues }

// Rank orders the levels: none 0, counts 1, services 2, full 3; -1 for an
// unknown level.
func (l ShareLevel) Rank() int {
	for i, v := range shareLevelValues {
		if string(l) == v {
			return i
		}
	}
	return -1
}

// RedTag marks an asset TLP:RED: it never leaves its organisation, at any
// share level, and what refers to it in what is shared no longer does.
const RedTag = "tlp:red"

// NationalSharing is one organisation's setting of what it shares with
// the hub, kept at the hub and set by the organisation's admin.
type NationalSharing struct {
	Org     string     `json:"org"`
	Level   ShareLevel `json:"level"`
	Updated time.Time  `json:"updated"`
	By      string     `json:"by"`
}

// NationalStore keeps what each organisation shares with the hub.
type NationalStore interface {
	// PutNationalSharing sets an organisation's share level (with the
	// audit entry of the context, ward.WithAudit, in one transaction).
	PutNationalSharing(ctx context.Context, s NationalSharing) error
	// NationalSharings lists every organisation's setting, sorted by org;
	// an organisation without one shares nothing.
	NationalSharings(ctx context.Context) ([]NationalSharing, error)
	// AppendAudits appends entries to the audit log in one transaction:
	// the record of the hub's reads of what organisations share.
	AppendAudits(ctx context.Context, entries []AuditEntry) error
	// Revisions is every organisation's revision (Store.Revision) at
	// once.
	Revisions(ctx context.Context) (map[string]int64, error)
	// NationalSnapshot returns the organisation's stored snapshot
	// (ErrNotFound when there is none); PutNationalSnapshot replaces it.
	NationalSnapshot(ctx context.Context, org string) (NationalSnapshot, error)
	PutNationalSnapshot(ctx context.Context, s NationalSnapshot) error
	// RecordExposures keeps the day's count of the hospitals running a
	// device each advisory names (one row per advisory and day, the
	// day's last count), and a zero for the day on every advisory whose
	// last count was above zero and that reaches no hospital now: the
	// patch progress over time.
	RecordExposures(ctx context.Context, day string, points []ExposurePoint) error
	// ExposureHistory lists an advisory's counts by day (every
	// advisory's, by advisory then day, for "").
	ExposureHistory(ctx context.Context, advisory string) ([]ExposurePoint, error)
}

// ExposurePoint is how many hospitals (and their devices) an advisory
// reached on a day, from what the hospitals shared with the hub.
type ExposurePoint struct {
	Advisory  string `json:"advisory"`
	Day       string `json:"day"`
	Hospitals int    `json:"hospitals"`
	Assets    int    `json:"assets"`
}

// NationalSnapshot is what an organisation shares with the hub as it was
// at a revision and share level, encoded by the national package (Day is
// no longer part of it, and written empty): a
// derived copy of the stored model, so that the hub need not decode the
// whole model again until it changes. Reading it is a read of the
// organisation's data like any other, and audited as one.
type NationalSnapshot struct {
	Org      string
	Revision int64
	Level    ShareLevel
	Day      string
	Data     []byte
}
