package main_test

import "testing"

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
