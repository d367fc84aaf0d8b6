package main_test

import (
	"strings"
	"testing"
)

// TestDemoComesWithItsFeeds: a newcomer's 'ward demo' stores the
// advisories that name the demo's devices, so the infusion pumps'
// advisory and the patch order show at once; --feeds=false stores the
// model alone.
func TestDemoComesWithItsFeeds(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	expect(t, ward(t, data, "demo"), 0)
	expect(t, ward(t, data, "feeds", "status"), 0, "csaf", "kev")
	expect(t, ward(t, data, "vulns", "--asset", "pump-01"), 0, "ICSMA-20-296-02", "CVE-2020-25168")
	bare := t.TempDir()
	expect(t, ward(t, bare, "demo", "--feeds=false"), 0)
	expect(t, ward(t, bare, "vulns"), 0, "nothing to match the assets against")
}

// TestAssessWithLogs: what the logs show happening on an asset raises its
// risk in the register, and the factor says what was seen.
func TestAssessWithLogs(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	before := ward(t, data, "assess", "--format", "json")
	after := ward(t, data, "assess", "--logs", "../../detect/testdata/windows-security.jsonl", "--format", "json")
	expect(t, after, 0, "observed: ", "on dc-01", "ward-windows-lockout")
	if strings.Contains(before.stdout, "observed: ") {
		t.Error("risks are raised without logs")
	}
	expect(t, ward(t, data, "assess", "--logs", "nope.log"), 1, "nope.log")
}
