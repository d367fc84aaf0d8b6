package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// A large model file lets the heap grow by half of what is live before the
// collector runs (GOGC=50); a small one leaves Go's default, and GOGC in the
// environment is obeyed whatever the size.
func TestLargeModelCollector(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.json"), filepath.Join(dir, "large.json")
	if err := os.WriteFile(small, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(large, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(large, largeFile); err != nil { // sparse: no disk
		t.Fatal(err)
	}
	gogc, set := os.LookupEnv("GOGC")
	os.Unsetenv("GOGC")
	defer func() {
		if set {
			os.Setenv("GOGC", gogc)
		}
	}()
	percent := func(file string) int {
		debug.SetGCPercent(100)
		largeModel(file)
		return debug.SetGCPercent(100)
	}
	if p := percent(small); p != 100 {
		t.Errorf("a small file: GOGC %d, want 100", p)
	}
	if p := percent(large); p != 50 {
		t.Errorf("a file of %d bytes: GOGC %d, want 50", largeFile, p)
	}
	if p := percent(filepath.Join(dir, "missing.json")); p != 100 {
		t.Errorf("a missing file: GOGC %d, want 100", p)
	}
	os.Setenv("GOGC", "100")
	defer os.Unsetenv("GOGC")
	if p := percent(large); p != 100 {
		t.Errorf("GOGC=100 set: %d", p)
	}
}
