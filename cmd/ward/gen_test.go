package main_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	wardm "github.com/wardhealth/ward"
)

// ward gen --links-per-asset and --variety make the hospital asked for,
// the same for the same seed; bad values are usage errors that name the
// flag and write nothing.
func TestGenDensityAndVariety(t *testing.T) {
	t.Parallel()
	data, dir := t.TempDir(), t.TempDir()
	f := filepath.Join(dir, "h.json")
	expect(t, ward(t, data, "gen", "--assets", "1500", "--links-per-asset", "6", "--variety", "realistic", "--format", "json", "-o", f), 0, "1500 assets, 9000 links")
	raw, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var m wardm.Model
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	versions := map[string]bool{}
	for _, a := range m.Assets {
		if a.Kind == "infusion-pump" {
			versions[a.Product+" "+a.Version] = true
		}
	}
	if len(versions) < 10 {
		t.Errorf("realistic variety: infusion pumps in only %d product versions: %v", len(versions), versions)
	}
	again := ward(t, data, "gen", "--assets", "1500", "--links-per-asset", "6", "--variety", "realistic", "--format", "json")
	expect(t, again, 0)
	if again.stdout != string(raw) {
		t.Error("the same seed gave another hospital")
	}
	bad := filepath.Join(dir, "bad.json")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--variety", "medium"}, `--variety "medium": use low, realistic or high`},
		{[]string{"--links-per-asset", "2"}, "links-per-asset 2: the layout itself has 3."},
		{[]string{"--links-per-asset", "0"}, "--links-per-asset 0: give a number of links per asset above 0"},
		{[]string{"--links-per-asset", "many"}, "links-per-asset"},
		{[]string{"--sector", "2", "--variety", "high"}, "--variety and --links-per-asset make one hospital"},
	} {
		r := ward(t, data, append([]string{"gen", "--assets", "500", "-o", bad}, c.args...)...)
		expect(t, r, 2, c.want)
		if _, err := os.Stat(bad); err == nil {
			t.Errorf("%v: wrote %s all the same", c.args, bad)
		}
	}
}

// --cpuprofile and --memprofile write profiles pprof reads, of the run.
func TestProfiles(t *testing.T) {
	t.Parallel()
	data, dir := t.TempDir(), t.TempDir()
	model := filepath.Join(dir, "h.json")
	expect(t, ward(t, data, "gen", "--assets", "300", "--format", "json", "-o", model), 0)
	for _, verb := range [][]string{{"plan", model, "--budget", "3"}, {"assess", model}} {
		cpu, mem := filepath.Join(dir, verb[0]+".cpu"), filepath.Join(dir, verb[0]+".mem")
		expect(t, ward(t, data, append(verb, "--cpuprofile", cpu, "--memprofile", mem)...), 0)
		for _, file := range []string{cpu, mem} {
			// A profile is a gzipped protocol buffer naming its sample
			// types and the functions sampled.
			fh, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			z, err := gzip.NewReader(fh)
			if err != nil {
				t.Fatalf("%s: not a profile: %v", file, err)
			}
			b, err := io.ReadAll(z)
			fh.Close()
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for _, want := range []string{"nanoseconds", "main.main"} {
				if file == mem {
					want = map[string]string{"nanoseconds": "inuse_space", "main.main": "runtime.main"}[want]
				}
				if !strings.Contains(string(b), want) {
					t.Errorf("%s: %d bytes without %q", file, len(b), want)
				}
			}
		}
	}
	expect(t, ward(t, data, "plan", model, "--cpuprofile", filepath.Join(dir, "no", "such", "dir", "cpu")), 3, "--cpuprofile")
}
