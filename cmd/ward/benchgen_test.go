package main_test

import (
	"os"
	"path/filepath"
	"testing"
)

// 'ward bench gen' writes its file whole, and nothing where it cannot.
func TestBenchGenWritesWholeOrNothing(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	out := filepath.Join(dir, "h.json")
	expect(t, ward(t, data, "bench", "gen", "--assets", "300", "--links", "1500", "--format", "json", "-o", out), 0, "300 assets, 1500 links")
	expect(t, ward(t, data, "validate", out), 0)
	if left, _ := filepath.Glob(filepath.Join(dir, ".ward-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	missing := filepath.Join(dir, "no-such-dir", "h.json")
	if r := ward(t, data, "bench", "gen", "--assets", "300", "-o", missing); r.code == 0 {
		t.Fatalf("wrote into a missing directory: %s", r.stdout)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a file where the write failed: %v", err)
	}
}
