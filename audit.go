package ward

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// ChainHash is the hash of an entry chained to the one before it: SHA-256
// over the entry's fields (Hash aside) in a fixed JSON form, Prev
// included.
func (e AuditEntry) ChainHash() string {
	e.Hash = ""
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	b, _ := json.Marshal(e)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// VerifyAudit checks a whole audit log, oldest first: each entry's hash is
// its own, each links to the one before, and no sequence number is
// missing. The first problem is returned, naming the entry.
func VerifyAudit(entries []AuditEntry) error {
	prev := ""
	for i, e := range entries {
		if want := int64(i + 1); e.Seq != want {
			return fmt.Errorf("audit entry %d: found where entry %d should be: entries were removed", e.Seq, want)
		}
		if e.Prev != prev {
			return fmt.Errorf("audit entry %d: does not follow entry %d (its previous hash differs)", e.Seq, e.Seq-1)
		}
		if e.ChainHash() != e.Hash {
			return fmt.Errorf("audit entry %d: content does not match its hash: it was changed", e.Seq)
		}
		prev = e.Hash
	}
	return nil
}
