package main_test

import (
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
