package ward

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Detection is an event pattern found in an organisation's logs (a brute
// force, a flood, a ransomware precursor), kept in the store: which rule,
// on which asset, from which source, how many events from when to when,
// and a few of the lines as evidence.
type Detection struct {
	// ID names the detection: the same rule, asset (or host), group and
	// first seen time are the same detection, grown (DetectionID).
	ID         string   `json:"id"`
	Rule       string   `json:"rule"`
	Title      string   `json:"title"`
	Level      string   `json:"level,omitempty"`
	Techniques []string `json:"techniques,omitempty"`
	Asset      string   `json:"asset,omitempty"`
	// Host is the host the lines named when no asset of the model is
	// known by it.
	Host string `json:"host,omitempty"`
	// Group are the correlation's group-by values ("src_ip=203.0.113.7").
	Group []string `json:"group,omitempty"`
	// Source is the source address of the events, when the detection is
	// of one (its group names src_ip).
	Source    string    `json:"source,omitempty"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Why       string    `json:"why"`
	Evidence  []LogLine `json:"evidence,omitempty"`
	// Origin says where the lines were read: "syslog", "ward detect".
	Origin string `json:"origin,omitempty"`
}

// LogLine is a log line a detection counted, its evidence. An incident's
// evidence (Evidence) may be one, with the detection's other facts.
type LogLine struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// DetectionID names a detection by its rule, asset or host, group and
// first seen time.
func DetectionID(rule, asset, host string, group []string, first time.Time) string {
	h := sha256.Sum256([]byte(rule + "\x00" + asset + "\x00" + host + "\x00" + strings.Join(group, "\x00") + "\x00" + first.UTC().Format(time.RFC3339Nano)))
	return "det-" + hex.EncodeToString(h[:10])
}

// DetectionFilter selects detections; zero fields select everything.
type DetectionFilter struct {
	Asset string
	// Since selects the detections last seen at or after it.
	Since time.Time
	// Limit is the most returned, the latest seen first (0: 1,000).
	Limit int
}

// DetectionStore keeps the detections of each organisation.
type DetectionStore interface {
	// PutDetections stores detections, each in place of the one with
	// its id (a detection that grew), in one transaction with the audit
	// entries of WithAudit. It returns how many were new.
	PutDetections(ctx context.Context, org string, ds []Detection) (int, error)
	// Detections lists an organisation's detections, the latest seen
	// first.
	Detections(ctx context.Context, org string, f DetectionFilter) ([]Detection, error)
}
