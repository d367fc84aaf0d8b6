package main_test

import (
	"encoding/json"
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

// 'ward bench' measures every scenario of each size at each variety, in
// fresh processes, and reports them by variety: realistic and low by
// default. A variety it does not know is a usage error.
func TestBenchMeasuresEachVariety(t *testing.T) {
	data := t.TempDir()
	r := ward(t, data, "bench", "--assets", "300", "--format", "json")
	expect(t, r, 0)
	var out struct {
		Cores   int `json:"cores"`
		Results []struct {
			Scenario string  `json:"scenario"`
			Assets   int     `json:"assets"`
			Links    int     `json:"links"`
			Variety  string  `json:"variety"`
			Format   string  `json:"format"`
			FileMiB  float64 `json:"file_mib"`
			Seconds  float64 `json:"seconds"`
			Peak     float64 `json:"peak_rss_mib"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	seen := map[string]int{}
	links := map[string]int{}
	for _, x := range out.Results {
		seen[x.Variety]++
		links[x.Variety] = x.Links
		if x.Assets != 300 || x.Links == 0 || x.FileMiB <= 0 || x.Seconds <= 0 || x.Peak <= 0 {
			t.Errorf("%s %s (%s): %+v", x.Scenario, x.Format, x.Variety, x)
		}
	}
	if len(out.Results) != 12 || seen["realistic"] != 6 || seen["low"] != 6 || out.Cores < 1 {
		t.Errorf("results by variety %v, %d in all, %d cores: want 6 scenarios each of realistic and low", seen, len(out.Results), out.Cores)
	}
	text := ward(t, data, "bench", "--assets", "300", "--variety", "high")
	expect(t, text, 0, "VARIETY", "high", "cores")
	expect(t, ward(t, data, "bench", "--assets", "300", "--variety", "realistic,medium"), 2, `--variety: "medium" is not low, realistic or high`)
	expect(t, ward(t, data, "bench", "--assets", "300", "--variety", ""), 2, "--variety")
}
