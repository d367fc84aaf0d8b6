package ward

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// The audit log is a hash chain: each entry's hash covers its fields and
// the previous entry's hash. Keyed with a secret kept outside the database
// (HMAC-SHA256), the chain cannot be recomputed by someone who can only
// write to the database; its head (the last sequence number and hash),
// kept outside the database too, names entries removed from its end or a
// chain rewritten as a whole.

// ChainHash is the hash of an entry chained to the one before it, over
// the entry's fields (Hash aside) in a fixed JSON form, Prev included:
// HMAC-SHA256 under key for a keyed entry, SHA-256 for the unkeyed entries
// written before a key was set.
func (e AuditEntry) ChainHash(key []byte) string {
	e.Hash = ""
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	b, _ := json.Marshal(e)
	if !e.Keyed {
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:])
	}
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// AuditHead is the end of the audit chain as it was seen after an append:
// kept outside the database, it shows when entries are removed from the
// end or the chain is rewritten.
type AuditHead struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	Time time.Time `json:"time"`
}

// ParseAuditHead reads a head as written to its file (JSON).
func ParseAuditHead(data []byte) (AuditHead, error) {
	var h AuditHead
	if err := json.Unmarshal(data, &h); err != nil || h.Seq < 1 || len(h.Hash) != 64 {
		return h, fmt.Errorf("not an audit head: want {\"seq\": N, \"hash\": \"64 hex digits\", \"time\": ...}")
	}
	return h, nil
}

// AuditCheck is what verifying the audit log found when it found nothing
// wrong.
type AuditCheck struct {
	Entries int `json:"entries"`
	// Unkeyed entries are the first ones, written before the chain had a
	// key: only the head protects them against a rewrite.
	Unkeyed int `json:"unkeyed"`
}

// VerifyAudit checks a whole audit log, oldest first: no sequence number
// is missing, each entry links to the one before, each hash is its own
// under key; once an entry is keyed every later one must be; and when a
// head is given, the log reaches it and agrees with it. The first problem
// is returned, naming the entry.
func VerifyAudit(entries []AuditEntry, key []byte, head *AuditHead) (AuditCheck, error) {
	check := AuditCheck{Entries: len(entries)}
	prev, keyed := "", false
	for i, e := range entries {
		if want := int64(i + 1); e.Seq != want {
			return check, fmt.Errorf("audit entry %d: found where entry %d should be: entries were removed", e.Seq, want)
		}
		if e.Prev != prev {
			return check, fmt.Errorf("audit entry %d: does not follow entry %d (its previous hash differs)", e.Seq, e.Seq-1)
		}
		switch {
		case e.Keyed && len(key) == 0:
			return check, fmt.Errorf("audit entry %d: keyed, and no key was given to check it", e.Seq)
		case !e.Keyed && keyed:
			return check, fmt.Errorf("audit entry %d: not keyed, after keyed entries: it was rewritten", e.Seq)
		case !e.Keyed:
			check.Unkeyed++
		}
		keyed = keyed || e.Keyed
		if e.ChainHash(key) != e.Hash {
			if e.Keyed {
				return check, fmt.Errorf("audit entry %d: content does not match its hash under this key: it was changed, or the key is not the one it was written with", e.Seq)
			}
			return check, fmt.Errorf("audit entry %d: content does not match its hash: it was changed", e.Seq)
		}
		prev = e.Hash
	}
	if head != nil && head.Seq > 0 {
		switch {
		case head.Seq > int64(len(entries)):
			return check, fmt.Errorf("the audit log ends at entry %d, but entry %d was written (head of %s): entries %d to %d were removed",
				len(entries), head.Seq, head.Time.UTC().Format(time.RFC3339), len(entries)+1, head.Seq)
		case entries[head.Seq-1].Hash != head.Hash:
			return check, fmt.Errorf("audit entry %d: differs from the head recorded at %s: the log was rewritten", head.Seq, head.Time.UTC().Format(time.RFC3339))
		}
	}
	return check, nil
}

// auditKey is the context key of an entry to append with a write.
type auditKey struct{}

// WithAudit asks the store to append entries to the audit log in the
// same transaction as the write the context is passed to, so that
// neither lands without the other. Pass it to one write only.
func WithAudit(ctx context.Context, entries ...AuditEntry) context.Context {
	return context.WithValue(ctx, auditKey{}, entries)
}

// AuditOf is what WithAudit put in a context.
func AuditOf(ctx context.Context) []AuditEntry {
	e, _ := ctx.Value(auditKey{}).([]AuditEntry)
	return e
}
