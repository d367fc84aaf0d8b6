package main_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	domain "github.com/wardhealth/ward"
	_ "modernc.org/sqlite"
)

// auditDB opens the embedded store's database directly, as someone with
// write access to the database file (and not to the key file) would.
func auditDB(t *testing.T, data string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// entries reads the audit log from the database.
func entries(t *testing.T, db *sql.DB) []domain.AuditEntry {
	t.Helper()
	rs, err := db.Query(`SELECT seq, time, actor, org, action, target, remote, detail, prev, hash, keyed FROM audit ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []domain.AuditEntry
	for rs.Next() {
		var e domain.AuditEntry
		var at int64
		var keyed int
		if err := rs.Scan(&e.Seq, &at, &e.Actor, &e.Org, &e.Action, &e.Target, &e.Remote, &e.Detail, &e.Prev, &e.Hash, &keyed); err != nil {
			t.Fatal(err)
		}
		e.Time, e.Keyed = time.Unix(0, at).UTC(), keyed == 1
		out = append(out, e)
	}
	return out
}

// auditedStore is a data directory holding the demo (its model and its
// feeds) and a user: three audited writes.
func auditedStore(t *testing.T) string {
	data := t.TempDir()
	expect(t, ward(t, data, "demo"), 0, "made the key of the audit log")
	expect(t, ward(t, data, "users", "add", "alice", "--org", "st-example", "--role", "analyst"), 0)
	expect(t, ward(t, data, "audit", "verify"), 0, "audit log intact: 3 entries")
	return data
}

// TestAuditTampering: someone who can write the database but not read
// the key file rewrites the log, removes its last entries or all of
// them; each is named by 'ward audit verify', also against a head sent
// elsewhere with 'ward audit head'.
func TestAuditTampering(t *testing.T) {
	data := auditedStore(t)
	if fi, err := os.Stat(filepath.Join(data, "ward.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	r := ward(t, data, "audit", "head")
	expect(t, r, 0, `"seq": 3`)
	sent := filepath.Join(t.TempDir(), "head.json")
	os.WriteFile(sent, []byte(r.stdout), 0o600)

	t.Run("rewritten without the key", func(t *testing.T) {
		data := auditedStore(t)
		db := auditDB(t, data)
		log := entries(t, db)
		log[0].Actor = "someone else"
		prev := ""
		for i := range log {
			log[i].Prev, log[i].Keyed = prev, false
			log[i].Hash = log[i].ChainHash(nil)
			prev = log[i].Hash
			if _, err := db.Exec(`UPDATE audit SET actor = ?, prev = ?, hash = ?, keyed = 0 WHERE seq = ?`, log[i].Actor, log[i].Prev, log[i].Hash, log[i].Seq); err != nil {
				t.Fatal(err)
			}
		}
		expect(t, ward(t, data, "audit", "verify"), 1, "audit entry 3", "rewritten")
	})
	t.Run("last entry removed", func(t *testing.T) {
		data := auditedStore(t)
		auditDB(t, data).Exec(`DELETE FROM audit WHERE seq = 3`)
		expect(t, ward(t, data, "audit", "verify"), 1, "ends at entry 2", "entries 3 to 3 were removed")
	})
	t.Run("every entry removed", func(t *testing.T) {
		data := auditedStore(t)
		auditDB(t, data).Exec(`DELETE FROM audit`)
		expect(t, ward(t, data, "audit", "verify"), 1, "ends at entry 0", "entries 1 to 3 were removed")
	})
	t.Run("head file removed too, the head sent elsewhere names it", func(t *testing.T) {
		auditDB(t, data).Exec(`DELETE FROM audit WHERE seq = 3`)
		os.Remove(filepath.Join(data, "audit.head"))
		expect(t, ward(t, data, "audit", "verify"), 0, "intact: 2 entries")
		expect(t, ward(t, data, "audit", "verify", "--head", sent), 1, "entries 3 to 3 were removed")
	})
}

// TestWriteAndAuditTogether: when the audit entry cannot be written, the
// write it records is not stored either.
func TestWriteAndAuditTogether(t *testing.T) {
	data := auditedStore(t)
	model := filepath.Join(t.TempDir(), "hospital.yaml")
	expect(t, ward(t, data, "export", "--org", "st-example", "-o", model), 0)
	yaml, _ := os.ReadFile(model)
	os.WriteFile(model, []byte(strings.Replace(string(yaml), "St. Example General", "Renamed General", 1)), 0o600)

	db := auditDB(t, data)
	if _, err := db.Exec(`CREATE TRIGGER audit_full BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is full'); END`); err != nil {
		t.Fatal(err)
	}
	r := ward(t, data, "import", model)
	if r.code == 0 || !strings.Contains(r.stderr, "the audit log is full") {
		t.Fatalf("import with no audit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	expect(t, ward(t, data, "orgs"), 0, "St. Example General")
	if strings.Contains(ward(t, data, "orgs").stdout, "Renamed") {
		t.Error("the model was stored without its audit entry")
	}
	db.Exec(`DROP TRIGGER audit_full`)
	expect(t, ward(t, data, "import", model), 0)
	expect(t, ward(t, data, "orgs"), 0, "Renamed General")
	expect(t, ward(t, data, "audit", "verify"), 0, "intact: 4 entries")
}

// TestFeedImportIsAudited: feeds carried into the hospital are on the
// record.
func TestFeedImportIsAudited(t *testing.T) {
	data := t.TempDir()
	kev := filepath.Join(t.TempDir(), "known_exploited_vulnerabilities.json")
	os.WriteFile(kev, []byte(`{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.11.30", "dateReleased": "2026-11-30T16:00:00.000Z", "count": 1,
 "vulnerabilities": [{"cveID": "CVE-2021-44228", "vendorProject": "Apache", "product": "Log4j2", "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability",
 "dateAdded": "2021-12-10", "shortDescription": "x", "requiredAction": "Apply updates", "dueDate": "2021-12-24", "knownRansomwareCampaignUse": "Known", "notes": ""}]}`), 0o600)
	expect(t, ward(t, data, "feeds", "import", kev), 0)
	expect(t, ward(t, data, "audit", "list"), 0, "feeds.import", "kev catalog (1 items")
	expect(t, ward(t, data, "feeds", "remove", "kev"), 0)
	expect(t, ward(t, data, "audit", "list"), 0, "feeds.remove")
	expect(t, ward(t, data, "audit", "verify"), 0, "intact: 2 entries")
}
