package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
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

// --memprofile is the heap at its largest, not as the run left it: the
// model read and the assessment's facts are in it, which are freed by the
// time the run is done.
func TestMemProfileAtThePeak(t *testing.T) {
	t.Parallel()
	data, dir := t.TempDir(), t.TempDir()
	model := filepath.Join(dir, "h.json")
	expect(t, ward(t, data, "gen", "--assets", "5000", "--format", "json", "-o", model), 0)
	mem := filepath.Join(dir, "assess.mem")
	expect(t, ward(t, data, "assess", model, "-o", filepath.Join(dir, "out.txt"), "--memprofile", mem), 0)
	fh, err := os.Open(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	p, err := profile.Parse(fh)
	if err != nil {
		t.Fatalf("%s: %v", mem, err)
	}
	inuse := -1
	for i, st := range p.SampleType {
		if st.Type == "inuse_space" {
			inuse = i
		}
	}
	if inuse < 0 {
		t.Fatalf("no inuse_space in %v", p.SampleType)
	}
	held := map[string]int64{} // by package: the model's reader, the assessment
	for _, s := range p.Sample {
		seen := map[string]bool{}
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				for _, pkg := range []string{"ward/modelfile.", "ward/assess."} {
					if strings.Contains(line.Function.Name, pkg) && !seen[pkg] {
						seen[pkg] = true
						held[pkg] += s.Value[inuse]
					}
				}
			}
		}
	}
	for _, pkg := range []string{"ward/modelfile.", "ward/assess."} {
		if held[pkg] < 1<<20 {
			t.Errorf("%s holds %d bytes in the profile: not the heap at its largest", pkg, held[pkg])
		}
	}
	t.Logf("held at the peak: model read %d KiB, assessment %d KiB", held["ward/modelfile."]>>10, held["ward/assess."]>>10)
}
