package main_test

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A wrong command line, or a name the model lacks, ends with the help hint
// of the command that was run, and names that are near a known one get a
// suggestion.
func TestErrorsEndWithTheCommandsHelp(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	sbom := filepath.Join("..", "..", "intel", "testdata", "monitor-sbom.json")
	for _, c := range []struct {
		args []string
		code int
		says string
		help string
	}{
		{[]string{"whatif", "--fail", "core-sw-0"}, 1, `--fail: st-example has no asset "core-sw-0" (did you mean "core-sw-01"?)`, "ward whatif"},
		{[]string{"whatif", "--fail", "ups-01,pmp-03"}, 1, `no asset "pmp-03" (did you mean "pump-03"?)`, "ward whatif"},
		{[]string{"whatif"}, 2, "--fail: name at least one asset", "ward whatif"},
		{[]string{"vulns", "--asset", "pacs-1"}, 1, `--asset: st-example has no asset "pacs-1" (did you mean "pacs-01"?)`, "ward vulns"},
		{[]string{"sbom", "attach", "central-statoin", sbom}, 1, `no asset "central-statoin" (did you mean "central-station"?)`, "ward sbom attach"},
		{[]string{"assets", "--format", "xml"}, 2, `--format "xml": use text or json`, "ward assets"},
		{[]string{"assess", "--top", "x"}, 2, `invalid argument "x"`, "ward assess"},
		{[]string{"share", "pul"}, 2, `unknown command "pul" for "ward share" (did you mean "pull"?)`, "ward share"},
		{[]string{"feeds", "imprt"}, 2, `unknown command "imprt" for "ward feeds" (did you mean "import"?)`, "ward feeds"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate" for "ward"`, "ward"},
	} {
		r := ward(t, data, c.args...)
		expect(t, r, c.code, c.says)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if last, want := lines[len(lines)-1], "Run '"+c.help+" --help' for usage."; last != want {
			t.Errorf("ward %s: stderr ends %q, want %q", strings.Join(c.args, " "), last, want)
		}
	}
	// A whole name gets no suggestion it does not need.
	expect(t, ward(t, data, "whatif", "--fail", "ups-01"), 0, "services stop")
}

// --format markdown is --format md, in any case.
func TestFormatMarkdown(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	md := ward(t, data, "assess", "--date", "2026-11-23", "--top", "3", "--format", "md")
	expect(t, md, 0, "# Risk assessment: St. Example General")
	for _, name := range []string{"markdown", "Markdown"} {
		r := ward(t, data, "assess", "--date", "2026-11-23", "--top", "3", "--format", name)
		expect(t, r, 0)
		if r.stdout != md.stdout {
			t.Errorf("--format %s differs from --format md", name)
		}
	}
	expect(t, ward(t, data, "export", "--format", "yml"), 0, "organisation:")
	expect(t, ward(t, data, "assets", "--format", "markdown"), 2, `--format "markdown": use text or json`)
}

// ward vulns with no feeds says there is nothing to match, and succeeds;
// JSON stays JSON.
func TestVulnsWithoutFeeds(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "vulns")
	expect(t, r, 0, "No vulnerability feeds are stored or named, so there is nothing to match", "ward feeds import PATH")
	if strings.Contains(r.stdout, "ASSET") {
		t.Errorf("an empty table under the message:\n%s", r.stdout)
	}
	r = ward(t, data, "vulns", "--format", "json")
	expect(t, r, 0)
	var out struct {
		Matches []any `json:"matches"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Matches == nil || len(out.Matches) != 0 {
		t.Fatalf("json without feeds: %v %q", err, r.stdout)
	}
	if !strings.Contains(r.stderr, "nothing to match") {
		t.Errorf("json without feeds says nothing on stderr: %q", r.stderr)
	}
}

// Without EPSS data the score shows "-", in the assessment and the CSV of
// vulns (empty), as in the dashboard; with it, the score.
func TestEPSSWithoutScores(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	pumps := filepath.Join(feedData, "csaf-icsma", "icsma-20-296-02.json")
	r := ward(t, data, "assess", "--advisories", pumps, "--top", "1")
	expect(t, r, 0, "Known vulnerabilities")
	row := lineWith(t, r.stdout, "CVE-2020-25158")
	if f := strings.Fields(row); len(f) < 4 || f[3] != "-" {
		t.Errorf("EPSS without scores: %q", row)
	}
	epss := filepath.Join(t.TempDir(), "epss.csv")
	os.WriteFile(epss, []byte("cve,epss,percentile\nCVE-2020-25158,0.00312,0.71234\n"), 0o644)
	r = ward(t, data, "assess", "--advisories", pumps, "--epss", epss, "--top", "1")
	expect(t, r, 0)
	if f := strings.Fields(lineWith(t, r.stdout, "CVE-2020-25158")); len(f) < 4 || f[3] != "0.003" {
		t.Errorf("EPSS with scores: %v", f)
	}
	r = ward(t, data, "vulns", "--advisories", pumps, "--format", "csv", "--asset", "pump-01", "--cve", "CVE-2020-25158")
	expect(t, r, 0)
	if cells := strings.Split(lineWith(t, r.stdout, "CVE-2020-25158"), ","); len(cells) < 6 || cells[5] != "" {
		t.Errorf("CSV EPSS without scores: %v", cells)
	}
}

// lineWith is the first line of text containing s.
func lineWith(t *testing.T, text, s string) string {
	t.Helper()
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line with %q in\n%s", s, text)
	return ""
}

// ward share pull against a closed port says each failed try and the
// wait before the next, then fails with what happened.
func TestSharePullOutOfReach(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "share", "pull", "--from", "http://"+addr+"/taxii2/api/", "--collection", "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
		"--retries", "2", "--retry-wait", "10ms")
	cmd.Env = append(os.Environ(), "WARD_DATA="+t.TempDir(), "WARD_DB=", "WARD_SHARE_TOKEN=ward_test")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("exit %v, want 3\n%s", err, stderr.String())
	}
	for _, want := range []string{"try 1 of 3 failed: GET http://" + addr + "/taxii2/api/collections/", "connection refused; trying again in 10ms",
		"try 2 of 3 failed", "trying again in 20ms", "ward: pull: GET http://" + addr} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "try 3 of 3 failed") {
		t.Errorf("the last try is announced as retried:\n%s", stderr.String())
	}
}

// ward gen -o and ward export -o say what they wrote.
func TestWritingAFileSaysWhat(t *testing.T) {
	t.Parallel()
	data, dir := demoData(t), t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	r := ward(t, data, "gen", "--assets", "200", "-o", big)
	expect(t, r, 0, "wrote "+big+": synthetic-1, 200 assets, ")
	if st, err := os.Stat(big); err != nil || st.Size() < 1<<10 || st.Size() >= 1<<20 || !strings.HasSuffix(r.stdout, " KiB)\n") {
		t.Errorf("gen -o: %v, says %q", err, r.stdout)
	}
	out := filepath.Join(dir, "demo.json")
	expect(t, ward(t, data, "export", "--format", "json", "-o", out), 0, "wrote "+out+": st-example, 132 assets, ")
	// To standard output nothing is added to the model.
	if r := ward(t, data, "gen", "--assets", "60"); strings.Contains(r.stdout, "wrote ") {
		t.Errorf("gen to stdout says it wrote a file")
	}
}

// The collections commands have help of their own.
func TestShareCollectionsHelp(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	expect(t, ward(t, data, "share", "collections", "--help"), 0, "list        List the TAXII collections 'ward serve' offers", "add         Add a collection")
	expect(t, ward(t, data, "share", "collections", "list", "--help"), 0, "/taxii2/api/collections/", "ward share collections list --format json")
}
