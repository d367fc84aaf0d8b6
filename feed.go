package ward

import (
	"context"
	"time"
)

// FeedKind is the format of an intelligence feed file.
type FeedKind string

// The feeds Ward reads.
const (
	FeedCSAF FeedKind = "csaf" // a CSAF 2.0 advisory, such as CISA's medical-device advisories
	FeedKEV  FeedKind = "kev"  // CISA's Known Exploited Vulnerabilities catalog
	FeedNVD  FeedKind = "nvd"  // a page of the NVD CVE API 2.0
	FeedEPSS FeedKind = "epss" // FIRST's EPSS scores, CSV
)

// FeedKinds lists the kinds in the order they are reported.
var FeedKinds = []FeedKind{FeedCSAF, FeedKEV, FeedNVD, FeedEPSS}

// Feed describes one stored feed file. Feeds are shared by every
// organisation in a store: they are public intelligence, not a hospital's
// data.
type Feed struct {
	Kind FeedKind `json:"kind"`
	// Name identifies the file within its kind: a newer file of the same
	// kind and name replaces the stored one (an advisory's tracking id,
	// "catalog" for KEV, "scores" for EPSS, a page's name for NVD).
	Name string `json:"name"`
	// Source is where the file came from: a path or a URL.
	Source string `json:"source"`
	SHA256 string `json:"sha256"`
	// Size is the file's length in bytes as read (before compression).
	Size int64 `json:"size"`
	// Items counts what the file holds: vulnerabilities, CVEs or scores.
	Items int `json:"items"`
	// Published is the date the feed gives itself (release date, catalog
	// date, score date), "" when it gives none.
	Published string    `json:"published,omitempty"`
	Imported  time.Time `json:"imported"`
}

// FeedFile is a feed with its content.
type FeedFile struct {
	Feed
	// Data is the file's content, compressed by the caller if it wishes:
	// stores keep it as given.
	Data []byte
}

// FeedStore keeps intelligence feed files.
type FeedStore interface {
	// PutFeeds stores the files, each in place of the stored one of the
	// same kind and name, all in one transaction.
	PutFeeds(ctx context.Context, files []FeedFile) error
	// Feeds lists the stored feeds, without content, by kind then name.
	Feeds(ctx context.Context) ([]Feed, error)
	// FeedData calls fn with each stored file of a kind, by name.
	FeedData(ctx context.Context, kind FeedKind, fn func(FeedFile) error) error
	// DeleteFeeds removes the stored files of a kind (every kind when
	// kind is "") and tells how many it removed.
	DeleteFeeds(ctx context.Context, kind FeedKind) (int, error)
}
