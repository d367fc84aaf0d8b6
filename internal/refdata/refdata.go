// Package refdata finds the reference data that extended tests read: the
// public data sets (all of CISA's medical-device advisories in CSAF, the
// KEV catalog, the OASIS STIX schemas and examples) in ../shared/data
// beside the repository. A clone does not have them; the few files the
// ordinary tests need are copied into testdata/ folders of the repository.
package refdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Env names a folder to use instead of ../shared/data beside the repository.
const Env = "WARD_REFERENCE_DATA"

// Dir returns the reference data folder joined with elem. When it is
// absent the test is skipped, saying where it was looked for.
func Dir(t testing.TB, elem ...string) string {
	t.Helper()
	base, err := find()
	if err == nil {
		p := filepath.Join(append([]string{base}, elem...)...)
		if _, err = os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("extended test: needs the reference data (%v); put it in ../shared/data beside the repository or name it with %s", err, Env)
	return ""
}

// find is the reference data folder: $WARD_REFERENCE_DATA, or shared/data
// beside the folder holding go.mod.
func find() (string, error) {
	if d := os.Getenv(Env); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(filepath.Dir(dir), "shared", "data")
			_, err := os.Stat(p)
			return p, err
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", os.ErrNotExist
		}
		dir = up
	}
}
