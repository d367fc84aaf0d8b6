package main_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/wardhealth/ward/store/postgres/pgtest"
)

// These tests drive the built binary as a user would: real files, a real
// data directory, output and exit codes checked.

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ward-cli")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "ward")
	// The binary is built once for the package, with -race when the tests
	// run with it.
	out, err := exec.Command("go", append(append([]string{"build"}, raceFlags...), "-o", bin, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build ward: %v\n%s", err, out)
		os.Exit(1)
	}
	// A -race binary sleeps a second on exit to let reports of other
	// goroutines in; a race still fails the run (exit 66, reported on
	// stderr). Without the sleep the package's ~200 runs take minutes less.
	os.Setenv("GORACE", strings.TrimSpace("atexit_sleep_ms=0 "+os.Getenv("GORACE")))
	code := m.Run()
	os.RemoveAll(dir)
	if demoOnce.dir != "" {
		os.RemoveAll(demoOnce.dir)
	}
	os.Exit(code)
}

var demoOnce struct {
	sync.Once
	dir string
	err error
}

// demoData returns a data directory of the test's own holding the demo
// hospital, as 'ward demo' leaves it: the store is made once per run and
// copied.
func demoData(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ward-demo")
		if err != nil {
			demoOnce.err = err
			return
		}
		demoOnce.dir = dir
		// The model alone: the tests bring the feeds they need.
		if r := ward(t, dir, "demo", "--feeds=false"); r.code != 0 {
			demoOnce.err = fmt.Errorf("ward demo: exit %d: %s", r.code, r.stderr)
		}
	})
	if demoOnce.err != nil {
		t.Fatal(demoOnce.err)
	}
	data := t.TempDir()
	if err := os.CopyFS(data, os.DirFS(demoOnce.dir)); err != nil {
		t.Fatal(err)
	}
	return data
}

type result struct {
	stdout, stderr string
	code           int
}

// ward runs the binary with a data directory of the test's own.
func ward(t *testing.T, data string, args ...string) result {
	t.Helper()
	return wardIn(t, "", data, args...)
}

// wardIn runs the binary in the working directory dir.
func wardIn(t *testing.T, dir, data string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{so.String(), se.String(), code}
}

func expect(t *testing.T, r result, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, c := range contains {
		if !strings.Contains(r.stdout+r.stderr, c) {
			t.Fatalf("output lacks %q\nstdout: %s\nstderr: %s", c, r.stdout, r.stderr)
		}
	}
}

func TestDemoLoadsAndSummarises(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	r := ward(t, data, "demo")
	expect(t, r, 0, "St. Example General (st-example)", "132 assets", "4 assets reachable from the Internet", "Top risks (", "register lines grouping", "1  critical")
	r = ward(t, data, "summary", "--format", "json")
	expect(t, r, 0)
	var s struct {
		Organisation string `json:"organisation"`
		Assets       int    `json:"assets"`
		Services     int    `json:"services"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || s.Organisation != "st-example" || s.Assets != 132 || s.Services != 10 {
		t.Fatalf("summary json %q: %+v %v", r.stdout, s, err)
	}
}

func TestValidateShowsPositionsAndHints(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	expect(t, ward(t, dir, "demo", "--write", dir), 0, "st-example-general.yaml")
	path := filepath.Join(dir, "st-example-general.yaml")
	expect(t, ward(t, dir, "validate", path), 0, "valid st-example: 132 assets")

	text, _ := os.ReadFile(path)
	lines := strings.Split(string(text), "\n")
	bad := -1
	for i, l := range lines {
		if l == "    zone: clinical" && bad < 0 {
			lines[i], bad = "    zone: clinicl", i
		}
	}
	broken := filepath.Join(dir, "hospital.yaml")
	os.WriteFile(broken, []byte(strings.Join(lines, "\n")), 0o644)
	r := ward(t, dir, "validate", broken)
	want := fmt.Sprintf(`hospital.yaml:%d:11: assets[`, bad+1)
	expect(t, r, 1, want, `.zone: unknown zone "clinicl" (did you mean "clinical"?)`, "1 problem(s)")

	r = ward(t, dir, "validate", "--format", "json", broken, path)
	expect(t, r, 1)
	var out struct {
		Files []struct {
			File   string `json:"file"`
			Valid  bool   `json:"valid"`
			Errors []struct {
				Line   int    `json:"line"`
				Column int    `json:"column"`
				Field  string `json:"field"`
				Hint   string `json:"hint"`
			} `json:"errors"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Files) != 2 || out.Files[0].Valid || !out.Files[1].Valid || out.Files[0].Errors[0].Line != bad+1 || out.Files[0].Errors[0].Hint != `did you mean "clinical"?` {
		t.Fatalf("json: %+v", out)
	}
	expect(t, ward(t, dir, "validate", filepath.Join(dir, "missing.yaml")), 1, "missing.yaml: open: no such file or directory")

	// Standard input, as a pipeline in CI would feed it.
	cmd := exec.Command(bin, "validate", "-")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n"))
	piped, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(piped), fmt.Sprintf("stdin:%d:11:", bad+1)) {
		t.Fatalf("validate -: %v\n%s", err, piped)
	}
}

func TestImportIsAtomic(t *testing.T) {
	t.Parallel()
	data, dir := t.TempDir(), t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	expect(t, ward(t, data, "gen", "--assets", "80", "--seed", "2", "-o", good), 0)
	bad := filepath.Join(dir, "bad.yaml")
	expect(t, ward(t, data, "gen", "--assets", "80", "--seed", "3", "-o", bad), 0)
	text, _ := os.ReadFile(bad)
	os.WriteFile(bad, bytes.Replace(text, []byte("protocol: hl7v2"), []byte("protocol: hl7v3"), 1), 0o644)

	r := ward(t, data, "import", good, bad)
	expect(t, r, 1, `bad.yaml:`, `protocol: invalid value "hl7v3" (did you mean "hl7v2"?)`, "nothing imported")
	r = ward(t, data, "orgs", "--format", "json")
	expect(t, r, 0, `"organisations": []`)

	// The same organisation twice is refused too.
	expect(t, ward(t, data, "import", good, good), 1, "both describe organisation")
	expect(t, ward(t, data, "import", good), 0, "imported synthetic-2: 80 assets")
}

// Import of an export gives the same model, whatever the format.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	data, dir := demoData(t), t.TempDir()
	for _, format := range []string{"yaml", "json"} {
		first := filepath.Join(dir, "first."+format)
		expect(t, ward(t, data, "export", "--format", format, "-o", first), 0)
		other := t.TempDir()
		expect(t, ward(t, other, "import", first), 0, "imported st-example: 132 assets, 331 links")
		second := ward(t, other, "export", "--format", format)
		expect(t, second, 0)
		firstText, _ := os.ReadFile(first)
		if string(firstText) != second.stdout {
			t.Fatalf("%s: export of the re-import differs", format)
		}
	}
}

func TestAssetAndLinkFilters(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "assets", "--zone", "medical-devices", "--kind", "infusion-pump", "--format", "json")
	expect(t, r, 0)
	var as struct {
		Assets []struct{ ID, Kind, Zone, Vendor, Product string } `json:"assets"`
	}
	json.Unmarshal([]byte(r.stdout), &as)
	if len(as.Assets) != 12 || as.Assets[0].Product != "SpaceCom" {
		t.Fatalf("pumps: %+v", as.Assets)
	}
	expect(t, ward(t, data, "assets", "--exposed"), 0, "vpn-vendor", "guest-ap: a wifi link from the Internet reaches it", "4 asset(s)")
	r = ward(t, data, "links", "--protocol", "hl7v2", "--unencrypted")
	expect(t, r, 0, "lis-01", "hl7-engine", "9 link(s)")
	// An exposed link has an end on the Internet: the internet zone, an
	// asset in it, or an Internet-exposed asset.
	onInternet := map[string]bool{"internet": true}
	for _, args := range [][]string{{"--exposed"}, {"--zone", "internet"}} {
		r = ward(t, data, append([]string{"assets", "--format", "json"}, args...)...)
		var found struct{ Assets []struct{ ID string } }
		json.Unmarshal([]byte(r.stdout), &found)
		for _, a := range found.Assets {
			onInternet[a.ID] = true
		}
	}
	r = ward(t, data, "links", "--exposed", "--format", "json")
	var ls struct {
		Links []struct{ From, To string } `json:"links"`
	}
	json.Unmarshal([]byte(r.stdout), &ls)
	for _, l := range ls.Links {
		if !onInternet[l.From] && !onInternet[l.To] {
			t.Errorf("link %s -> %s is not exposed", l.From, l.To)
		}
	}
	if len(ls.Links) < 5 {
		t.Fatalf("only %d exposed links", len(ls.Links))
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	expect(t, ward(t, data, "assets", "--kind", "infusion-pmp"), 2, `did you mean "infusion-pump"?`)
	expect(t, ward(t, data, "assets", "--bogus"), 2, "unknown flag: --bogus")
	expect(t, ward(t, data, "frobnicate"), 2, "unknown command")
	expect(t, ward(t, data, "assets", "--format", "xml"), 2, `--format "xml": use text or json`)
	expect(t, ward(t, data, "validate"), 2, "requires at least 1 arg")
	expect(t, ward(t, data, "gen", "--assets", "5"), 2, "at least 60 assets")
	expect(t, ward(t, data, "assets"), 1, "no organisation yet")
	expect(t, ward(t, data, "--db", "mysql://x", "orgs"), 2, "postgres:// URL")
	expect(t, ward(t, data, "--help"), 0, "validate", "import", "export", "demo", "gen", "schema")
	// Two organisations: the command must be told which.
	dir := t.TempDir()
	f := filepath.Join(dir, "g.yaml")
	expect(t, ward(t, data, "gen", "--assets", "60", "-o", f), 0)
	expect(t, ward(t, data, "demo"), 0)
	expect(t, ward(t, data, "import", f), 0)
	expect(t, ward(t, data, "assets"), 2, "choose one with --org (st-example, synthetic-1)")
	expect(t, ward(t, data, "assets", "--org", "nobody"), 1, `organisation "nobody": not found`)
	expect(t, ward(t, data, "assets", "--org", "synthetic-1", "--kind", "ehr"), 0, "2 asset(s)")
}

func TestGenIsDeterministic(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	a := ward(t, data, "gen", "--assets", "300", "--seed", "7", "--format", "json")
	b := ward(t, data, "gen", "--assets", "300", "--seed", "7", "--format", "json")
	c := ward(t, data, "gen", "--assets", "300", "--seed", "8", "--format", "json")
	expect(t, a, 0)
	if a.stdout != b.stdout || a.stdout == c.stdout {
		t.Fatal("gen is not deterministic per seed")
	}
	f := filepath.Join(t.TempDir(), "g.json")
	os.WriteFile(f, []byte(a.stdout), 0o644)
	expect(t, ward(t, data, "validate", f), 0, "300 assets")
}

// The schema accepts the demo and catches what an editor should flag.
func TestSchemaChecksTheDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := ward(t, dir, "schema")
	expect(t, r, 0, "2020-12")
	schemaDoc, err := jsonschema.UnmarshalJSON(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("model.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("model.json")
	if err != nil {
		t.Fatal(err)
	}
	r = ward(t, demoData(t), "export", "--format", "json")
	expect(t, r, 0)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("schema rejects the demo: %v", err)
	}
	doc.(map[string]any)["assets"].([]any)[0].(map[string]any)["kind"] = "toaster"
	if err := sch.Validate(doc); err == nil {
		t.Fatal("schema accepts an unknown asset kind")
	}
}

// The same commands on PostgreSQL, with --db.
func TestPostgresBackend(t *testing.T) {
	t.Parallel()
	db := pgtest.Schema(t)
	data := t.TempDir()
	expect(t, ward(t, data, "--db", db, "demo"), 0, "132 assets")
	expect(t, ward(t, data, "--db", db, "assets", "--exposed"), 0, "vpn-vendor", "4 asset(s)")
	if _, err := os.Stat(filepath.Join(data, "ward.db")); err == nil {
		t.Fatal("--db postgres also wrote the embedded store")
	}
}

func TestAssess(t *testing.T) {
	t.Parallel()
	data, dir := demoData(t), t.TempDir()
	r := ward(t, data, "assess", "--date", "2026-11-23", "--top", "5")
	expect(t, r, 0, "Risk assessment of St. Example General", "Risk register (top 5 of", "Why #1 scores 20", "NIS2 Article 21(2)")

	r = ward(t, data, "assess", "--date", "2026-11-23", "--format", "json")
	expect(t, r, 0)
	var res struct {
		Summary struct{ Worst string }
		Risks   []struct {
			Threat, Severity string
			Score            int
			Assets           []string
			Factors          []struct{ Term, Reason string }
		}
		Baselines []struct {
			ID       string
			Coverage int `json:"coverage_percent"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Summary.Worst != "critical" || len(res.Risks) < 100 || len(res.Risks[0].Factors) < 2 || len(res.Baselines) != 4 {
		t.Fatalf("assessment json: worst %s, %d risks, %d baselines", res.Summary.Worst, len(res.Risks), len(res.Baselines))
	}

	// A model file, as a CI pipeline would check it, failing on critical.
	expect(t, ward(t, dir, "demo", "--write", dir), 0)
	model := filepath.Join(dir, "st-example-general.yaml")
	expect(t, ward(t, dir, "assess", model, "--fail-on", "critical", "--format", "csv"), 1, "rank,severity,score", "risks at or above critical")
	expect(t, ward(t, dir, "assess", model, "--format", "md"), 0, "# Risk assessment: St. Example General", "| # | severity |")
	expect(t, ward(t, dir, "assess", model, "--fail-on", "severe"), 2, `--fail-on "severe"`)

	// Risk tracking: a decision shows on the register and leaves --fail-on;
	// one that matches no risk is reported.
	text, _ := os.ReadFile(model)
	tracked := filepath.Join(dir, "tracked.yaml")
	os.WriteFile(tracked, append(text, []byte(`
decisions:
  - {threat: end-of-support, asset: ct-workstation, status: accepted, justification: Replaced in 2027, date: 2026-10-01, until: 2027-06-30, by: CISO}
  - {threat: flood, asset: pump-01, status: false-positive, justification: Not in a basement, date: 2026-10-01}
`)...), 0o644)
	r = ward(t, dir, "assess", tracked, "--date", "2026-11-23", "--fail-on", "high", "--top", "0")
	expect(t, r, 1, "Decisions on risks", "End-of-support systems on ct-workstation: accepted on 2026-10-01 by CISO — Replaced in 2027",
		"Decisions that match no risk", "flood on pump-01 (false-positive, 2026-10-01): threat flood does not apply to pump-01 any more")

	// A user catalog that lowers nothing but adds a threat is used; a broken
	// one is refused with its position.
	cat := filepath.Join(dir, "cat")
	os.Mkdir(cat, 0o755)
	os.WriteFile(filepath.Join(cat, "lifts.yaml"), []byte("threats:\n  - {id: lift-failure, name: Lift failure, group: system-failure, likelihood: 2, impacts: [safety], applies: 'asset.kind == \"building-system\"'}\n"), 0o644)
	expect(t, ward(t, dir, "assess", model, "--catalog", cat, "--top", "0"), 0)
	os.WriteFile(filepath.Join(cat, "broken.yaml"), []byte("threats:\n  - {id: x, name: X, group: malicious, likelihood: 2, impacts: [safety], applies: 'asset.colour == 1'}\n"), 0o644)
	expect(t, ward(t, dir, "assess", model, "--catalog", cat), 1, "broken.yaml:2:", "undefined field 'colour'")
}

func TestAssessSARIFAndHTML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	expect(t, ward(t, dir, "demo", "--write", dir), 0)
	model := filepath.Join(dir, "st-example-general.yaml")
	text, _ := os.ReadFile(model)
	os.WriteFile(model, append(text, []byte("\ndecisions:\n  - {threat: end-of-support, asset: ct-workstation, status: accepted, justification: Replaced in 2027, date: 2026-10-01}\n")...), 0o644)
	out := filepath.Join(dir, "ward.sarif")
	expect(t, ward(t, dir, "assess", model, "--date", "2026-11-23", "--format", "sarif", "-o", out), 0)
	data, _ := os.ReadFile(out)
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
					LogicalLocations []struct{ Name string }
				}
				Suppressions []struct{ Status, Justification string }
			}
		}
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("not SARIF 2.1.0: %.200s", data)
	}
	rules := map[string]bool{}
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		rules[r.ID] = true
	}
	lines := strings.Split(string(text), "\n")
	suppressed := false
	for _, r := range log.Runs[0].Results {
		if !rules[r.RuleID] {
			t.Fatalf("result of undeclared rule %s", r.RuleID)
		}
		loc := r.Locations[0]
		asset := loc.LogicalLocations[0].Name
		line := loc.PhysicalLocation.Region.StartLine
		if loc.PhysicalLocation.ArtifactLocation.URI != model || line < 1 || !strings.Contains(lines[line-1], "id: "+asset) {
			t.Fatalf("result on %s points at line %d: %q", asset, line, lines[max(line-1, 0)])
		}
		if r.RuleID == "threat/end-of-support" && asset == "ct-workstation" {
			suppressed = len(r.Suppressions) == 1 && r.Suppressions[0].Status == "accepted"
		}
	}
	if !suppressed {
		t.Error("the accepted risk is not suppressed in SARIF")
	}

	report := filepath.Join(dir, "report.html")
	expect(t, ward(t, dir, "assess", model, "--format", "html", "-o", report), 0)
	page, _ := os.ReadFile(report)
	if !strings.Contains(string(page), "<title>Risk assessment: St. Example General") || strings.Count(string(page), "<svg") != 3 {
		t.Fatalf("report: %.300s", page)
	}
}

func TestWhatIf(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "whatif", "--fail", "dist-sw-meddev", "--for", "1h")
	expect(t, r, 0, "Intensive care monitoring   5m          stops, too long", "6 of 10 services stop", "a second network path between core-sw-01 and pump-server")
	r = ward(t, data, "whatif", "--fail", "core-sw-01", "--format", "json")
	var w struct {
		Services []struct {
			Service string
			Stops   bool
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &w); err != nil || len(w.Services) != 10 {
		t.Fatalf("whatif json: %v %s", err, r.stdout)
	}
	for _, s := range w.Services {
		if !s.Stops {
			t.Errorf("%s survives the core switch", s.Service)
		}
	}
	expect(t, ward(t, data, "whatif", "--fail", "nope"), 1, `no asset "nope"`)
	expect(t, ward(t, data, "whatif"), 2, "--fail: name at least one asset")
	expect(t, ward(t, data, "whatif", "--fail", "ups-01", "--for", "soon"), 2, "--for")
	expect(t, ward(t, data, "assess", "--top", "1"), 0, "Single points of failure", "Intensive care monitoring")
}

// examples/redundancy.yaml: three of eight pumps stop infusion, which needs
// six; UPS A takes both domain controllers down, and with them the EHR and
// the pump server, which depend on them; server room A, holding both, is a
// single point of failure.
func TestWhatIfRedundancy(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	model := filepath.Join("..", "..", "examples", "redundancy.yaml")
	expect(t, ward(t, data, "whatif", model, "--fail", "pump-01,pump-02"), 0, "0 of 2 services stop")
	expect(t, ward(t, data, "whatif", model, "--fail", "pump-01,pump-02,pump-03", "--for", "1h"), 0,
		"Infusion therapy  15m         stops, too long  infusion-pumps: 5 of 8 left, needs 6 (pump-01, pump-02, pump-03 down)", "1 of 2 services stop")
	expect(t, ward(t, data, "whatif", model, "--fail", "ups-a"), 0,
		"down with them (depends_on): dc-01, dc-02, ehr, pump-server",
		"ehr is down: it depends on dc-01 and dc-02 (domain-controllers needs 1 of 2, 0 left), down through ups-a",
		"make the copies of domain-controllers independent of ups-a", "2 of 2 services stop")
	r := ward(t, data, "whatif", model, "--fail", "dc-01,dc-02", "--format", "json")
	var w struct {
		Failed   []string `json:"failed"`
		AlsoDown []string `json:"also_down"`
		Services []struct {
			Service string
			Stops   bool
			Causes  []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &w); err != nil || len(w.Services) != 2 {
		t.Fatalf("whatif json: %v %s", err, r.stdout)
	}
	if strings.Join(w.AlsoDown, ",") != "ehr,pump-server" {
		t.Errorf("also down: %v", w.AlsoDown)
	}
	for _, s := range w.Services {
		down := map[string]string{"infusion": "pump-server", "records": "ehr"}[s.Service]
		if want := down + " is down: it depends on dc-01 and dc-02 (domain-controllers needs 1 of 2, 0 left)"; !s.Stops || len(s.Causes) != 1 || s.Causes[0] != want {
			t.Errorf("%s: stops %v, causes %q, want %q", s.Service, s.Stops, s.Causes, want)
		}
	}
	expect(t, ward(t, data, "assess", model, "--top", "1"), 0, "pump-server, pump-sw (network), ups-a, site server-room-a")
}

// On a hospital whose widest door is an Internet-facing vendor gateway
// without MFA (testdata/incidents/vendor-gateway, after the Change
// Healthcare and Düsseldorf accounts), the plan's first step is MFA on
// that gateway, and it says which attack paths it weakens.
func TestPlanWidestDoorFirst(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "assess", "testdata", "incidents", "vendor-gateway")
	r := ward(t, t.TempDir(), "plan", filepath.Join(dir, "hospital.yaml"), "--budget", "3", "--date", "2026-12-01",
		"--advisories", filepath.Join(dir, "feeds", "icsma-23-194-01.json"), "--kev", filepath.Join(dir, "feeds", "known_exploited_vulnerabilities.json"), "--format", "json")
	expect(t, r, 0)
	var p struct {
		Steps []struct {
			Action, Title, Breaks string
			Assets                []string
			Exposure              int `json:"exposure_removed"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || len(p.Steps) == 0 {
		t.Fatalf("plan: %v\n%s", err, r.stdout)
	}
	first := p.Steps[0]
	if first.Action != "add-mfa" || !slices.Contains(first.Assets, "vendor-vpn") || first.Exposure <= 0 || !strings.Contains(first.Breaks, "paths weakened") {
		t.Errorf("first step: %+v", first)
	}
}

// On a group of sites, the same change on places alike is one step: the
// text says how many places the candidates are on and what a step's
// places have in common, the spreadsheet names all the zones it segments.
func TestPlanGroupsPlacesAlike(t *testing.T) {
	t.Parallel()
	data, dir := t.TempDir(), t.TempDir()
	f := filepath.Join(dir, "group.json")
	expect(t, ward(t, data, "gen", "--assets", "3000", "--format", "json", "-o", f), 0)
	expect(t, ward(t, data, "plan", f, "--budget", "2", "--date", "2026-12-01"), 0, "places: the same change on places alike is one", "zones alike", "alike: ")
	r := ward(t, data, "plan", f, "--budget", "1", "--date", "2026-12-01", "--format", "csv")
	expect(t, r, 0)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][5] != "zone" || !strings.Contains(rows[1][5], " ") {
		t.Errorf("plan csv of a group of sites: %v %v", err, rows)
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	data, dir := demoData(t), t.TempDir()
	planned := filepath.Join(dir, "planned.yaml")
	r := ward(t, data, "plan", "--budget", "3", "--date", "2026-11-23", "--apply", planned)
	expect(t, r, 0, "Mitigation plan: 3 changes", "Segment zone medical-devices and filter its flows", "wrote the changed model to")
	expect(t, ward(t, data, "validate", planned), 0, "valid st-example")
	r = ward(t, data, "plan", "--budget", "2", "--format", "json")
	var p struct {
		Before int `json:"before"`
		After  int `json:"after"`
		Steps  []struct {
			Action  string
			Removed int `json:"removed"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || len(p.Steps) != 2 || p.After >= p.Before || p.Steps[0].Removed < p.Steps[1].Removed {
		t.Fatalf("plan json: %v %+v", err, p)
	}
	// A row a step for a spreadsheet, the two parts of what it removes.
	r = ward(t, data, "plan", "--budget", "2", "--format", "csv")
	expect(t, r, 0)
	rowsOf, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rowsOf) != 3 || rowsOf[0][8] != "risk_removed" || rowsOf[0][9] != "exposure_removed" || rowsOf[1][0] != "1" || rowsOf[1][10] != fmt.Sprint(p.Steps[0].Removed) {
		t.Errorf("plan csv: %v %v", err, rowsOf)
	}
	expect(t, ward(t, data, "plan", "--budget", "0"), 2, "--budget must be at least 1")
	// The plan in an assessment, every format that reads it.
	expect(t, ward(t, data, "assess", "--plan", "2", "--top", "1"), 0, "Mitigation plan: 2 changes", "Attack scenarios", "Single points of failure")
	expect(t, ward(t, data, "assess", "--plan", "2", "--format", "md"), 0, "## Mitigation plan", "## Attack scenarios", "## Single points of failure")
	expect(t, ward(t, data, "assess", "--plan", "2", "--format", "html"), 0, `<section id="plan">`, `<section id="scenarios">`)
	r = ward(t, data, "assess", "--plan", "1", "--paths", "2", "--format", "json")
	var res struct {
		Plan  *struct{ Steps []any }
		Paths []struct{ Paths []any } `json:"attack_paths"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Plan == nil || len(res.Plan.Steps) != 1 || len(res.Paths[0].Paths) > 2 {
		t.Fatalf("assess json with plan: %v", err)
	}
}

// Advisories and the KEV catalog, offline files, feed the assessment.
func TestAssessWithAdvisories(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "assess", "--top", "1", "--format", "json",
		"--advisories", filepath.Join(feedData, "csaf-icsma"), "--kev", filepath.Join(feedData, "kev", "known_exploited_vulnerabilities.json"))
	expect(t, r, 0)
	var res struct {
		Vulnerabilities []struct{ Asset, Advisory, CVE, Confidence string }
		Findings        []struct{ Weakness string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	pump, weak := false, false
	for _, v := range res.Vulnerabilities {
		pump = pump || (v.Asset == "pump-01" && v.Advisory == "ICSMA-20-296-02")
	}
	for _, f := range res.Findings {
		weak = weak || f.Weakness == "known-vulnerabilities"
	}
	if !pump || !weak {
		t.Fatalf("pump matched %v, known-vulnerabilities finding %v", pump, weak)
	}
	bad := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(bad, []byte(`{"document":{"csaf_version":"2.0"}}`), 0o644)
	expect(t, ward(t, data, "assess", "--advisories", bad), 1, "broken.json:1:13: document.tracking.id: missing")
}

func TestVulns(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	icsma := filepath.Join(feedData, "csaf-icsma")
	r := ward(t, data, "vulns", "--advisories", filepath.Join(icsma, "icsma-20-296-02.json"), "--asset", "pump-01")
	expect(t, r, 0, "pump-01", "ICSMA-20-296-02", "high", "B. Braun Medical SpaceCom U61", "match(es) on 1 asset(s)")
	r = ward(t, data, "vulns", "--advisories", icsma, "--format", "csv", "--cve", "CVE-2020-25158")
	expect(t, r, 0, "asset,cve,advisory", "pump-12,CVE-2020-25158")
	expect(t, ward(t, data, "vulns"), 0, "nothing to match the assets against", "ward feeds import PATH")
	nvd := filepath.Join("..", "..", "intel", "testdata", "nvd-page.json")
	expect(t, ward(t, data, "vulns", "--nvd", nvd), 0, "vpn-vendor", "CVE-2020-12812", "NVD", "1 match(es) on 1 asset(s)")
	epss := filepath.Join(t.TempDir(), "epss.csv")
	os.WriteFile(epss, []byte("cve,epss,percentile\nCVE-2020-25158,0.00312,0.71234\n"), 0o644)
	r = ward(t, data, "vulns", "--advisories", icsma, "--epss", epss, "--format", "csv", "--cve", "CVE-2020-25158", "--asset", "pump-01")
	expect(t, r, 0, "pump-01,CVE-2020-25158,ICSMA-20-296-02", ",0.00312,")
}

// An SBOM attached to a stored device brings its components into matching.
func TestSBOMAttach(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	sbom := filepath.Join("..", "..", "intel", "testdata", "monitor-sbom.json")
	adv := filepath.Join("..", "..", "intel", "testdata", "component-advisory.json")
	expect(t, ward(t, data, "vulns", "--advisories", adv), 0, "0 match(es)")
	expect(t, ward(t, data, "sbom", "attach", "central-station", sbom), 0, "attached 4 components to central-station")
	expect(t, ward(t, data, "vulns", "--advisories", adv), 0, "central-station", "CVE-2021-44228", "component log4j-core 2.14.1", "1 match(es) on 1 asset(s)")
	expect(t, ward(t, data, "sbom", "attach", "nope", sbom), 1, `no asset "nope"`)
	broken := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(broken, []byte(`{"bomFormat":"SPDX"}`), 0o644)
	expect(t, ward(t, data, "sbom", "attach", "central-station", broken), 1, "broken.json")
}

// A model file of many pieces is read as a stream: a valid one imports
// whole with its audit entry, and a problem deep in its links is reported
// at its line and column, as from a file read whole.
func TestStreamedFiles(t *testing.T) {
	t.Parallel()
	data, dir := t.TempDir(), t.TempDir()
	big := filepath.Join(dir, "big.json")
	expect(t, ward(t, data, "bench", "gen", "--assets", "3000", "--links", "30000", "--format", "json", "-o", big), 0, "3000 assets, 30000 links")
	expect(t, ward(t, data, "import", big), 0, "imported synthetic-1: 3000 assets, 30000 links")
	expect(t, ward(t, data, "audit", "list"), 0, "model.import", "3000 assets, 30000 links")
	expect(t, ward(t, data, "audit", "verify"), 0, "audit log intact")

	yml := filepath.Join(dir, "big.yaml")
	expect(t, ward(t, data, "bench", "gen", "--assets", "3000", "--links", "30000", "-o", yml), 0)
	text, err := os.ReadFile(yml)
	if err != nil {
		t.Fatal(err)
	}
	if len(text) < 1<<20 {
		t.Fatalf("only %d bytes: the test wants a file of several pieces", len(text))
	}
	lines := strings.Split(string(text), "\n")
	bad := -1
	for i := len(lines) - 1; i > 0; i-- {
		if strings.HasPrefix(lines[i], "    port: ") {
			lines[i], bad = "    port: https", i
			break
		}
	}
	os.WriteFile(yml, []byte(strings.Join(lines, "\n")), 0o644)
	expect(t, ward(t, data, "validate", yml), 1, fmt.Sprintf("big.yaml:%d:11: links[", bad+1), `.port: expected a whole number, found "https"`)
}
