package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// --memory-limit makes the collector run more often to stay near the size
// (seen in the runtime's own trace of its collections) and leaves the
// answers as they were; a size that is none is refused, naming the flag.
func TestMemoryLimit(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	model := filepath.Join(dir, "h.json")
	expect(t, ward(t, data, "gen", "--assets", "2000", "--format", "json", "-o", model), 0)
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"assess", model, "--format", "json", "--date", "2026-12-01"}, args...)...)
		cmd.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=", "GODEBUG=gctrace=1", "GOGC=100", "GOMEMLIMIT=")
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, se.String())
		}
		collections := 0
		for _, line := range strings.Split(se.String(), "\n") {
			if strings.HasPrefix(line, "gc ") {
				collections++
			}
		}
		return so.String(), collections
	}
	free, n := run()
	limited, m := run("--memory-limit", "4MiB")
	if limited != free {
		t.Error("the answers changed under --memory-limit")
	}
	if m < 2*n {
		t.Errorf("%d collections under a limit of 4 MiB, %d without: the limit did not bind", m, n)
	}
	t.Logf("collections: %d without a limit, %d under 4 MiB", n, m)
	expect(t, ward(t, data, "assess", model, "--memory-limit", "7XB"), 2, "--memory-limit", `"7XB" is not a size`)
}
