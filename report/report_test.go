package report_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/report"
	"github.com/wardhealth/ward/synth"
)

func render(t *testing.T, m *ward.Model) (string, *assess.Result) {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	res, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.HTML(&buf, res, m, "test"); err != nil {
		t.Fatal(err)
	}
	return buf.String(), res
}

func svgs(t *testing.T, page string) []string {
	t.Helper()
	out := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(page, -1)
	for _, s := range out {
		d := xml.NewDecoder(strings.NewReader(s))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("SVG is not well formed: %v\n%.300s", err, s)
			}
		}
	}
	return out
}

func TestReportStructure(t *testing.T) {
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	m.Assets[0].Vendor = `<script>alert("x")</script>`
	page, res := render(t, m)

	// One file that fetches nothing.
	for _, banned := range []string{"<script", " src=", `href="http`, "@import", "url("} {
		if strings.Contains(page, banned) {
			t.Errorf("report contains %q", banned)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert") {
		t.Error("a vendor name is not escaped")
	}
	for _, id := range []string{"summary", "top-risks", "heat-map", "baselines", "diagram", "scenarios", "resilience", "findings", "assets"} {
		if !strings.Contains(page, `<section id="`+id+`">`) {
			t.Errorf("no %s section", id)
		}
	}
	all := svgs(t, page)
	if len(all) != 3 {
		t.Fatalf("%d SVG drawings, want heat map, coverage chart, diagram", len(all))
	}
	// The heat map's 25 cells count every open risk once.
	cells := regexp.MustCompile(`<title>likelihood (\d), impact (\d): (\d+)</title>`).FindAllStringSubmatch(all[0], -1)
	total, open := 0, 0
	for _, c := range cells {
		var n int
		for _, ch := range c[3] {
			n = n*10 + int(ch-'0')
		}
		total += n
	}
	for _, r := range res.Risks {
		if r.Status == assess.Open {
			open += len(r.Assets)
		}
	}
	if len(cells) != 25 || total != open {
		t.Errorf("heat map: %d cells holding %d risks, want 25 holding %d", len(cells), total, open)
	}
	if n := strings.Count(all[1], `class="coverage-bar"`); n != len(res.Baselines) {
		t.Errorf("%d coverage bars for %d baselines", n, len(res.Baselines))
	}
	if n := strings.Count(all[2], `class="zone-box"`); n != len(m.Zones) {
		t.Errorf("diagram: %d zone boxes for %d zones", n, len(m.Zones))
	}
	if n := strings.Count(all[2], "<circle"); n != len(m.Assets) {
		t.Errorf("diagram: %d asset dots for %d assets", n, len(m.Assets))
	}
	if !strings.Contains(all[2], `class="link clear"`) {
		t.Error("diagram shows no clear-text link")
	}
	if n := strings.Count(all[2], `class="attack"`); n == 0 || n != countHops(res.Paths[0].Paths[0]) {
		t.Errorf("diagram draws %d attack steps for a path of %d hops", n, countHops(res.Paths[0].Paths[0]))
	}
	appendix := page[strings.Index(page, `<section id="assets">`):]
	if n := strings.Count(appendix, "<tr><td>"); n != len(m.Assets) {
		t.Errorf("appendix lists %d assets of %d", n, len(m.Assets))
	}
}

// A large estate is drawn zone by zone.
func TestReportLargeModel(t *testing.T) {
	m, err := synth.Generate(synth.Options{Assets: 3000, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := render(t, m)
	all := svgs(t, page)
	if strings.Contains(all[2], "<circle") || !strings.Contains(all[2], "links</title>") {
		t.Error("a 3000-asset diagram is not drawn zone by zone")
	}
}

// countHops counts the steps of a path between drawn things: assets and
// zones, not entries or flat-network hubs.
func countHops(p assess.AttackPath) int {
	n, prev := 0, ""
	for _, s := range p.Steps {
		if strings.HasPrefix(s.To, "flat network ") {
			continue
		}
		if prev != "" && !strings.HasPrefix(prev, "entry:") {
			n++
		}
		prev = s.To
	}
	return n
}

// TestReportVulnerabilities: the report lists the demo's matches from the
// real medical-device advisories, what to patch first at the top, and
// leaves the section out when no feed was used.
func TestReportVulnerabilities(t *testing.T) {
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	advs, err := intel.LoadAdvisories("../intel/testdata/csaf-icsma")
	if err != nil {
		t.Fatal(err)
	}
	matches := intel.NewMatcher(advs, nil).Match(m.Assets)
	if len(matches) < 20 {
		t.Fatalf("only %d matches on the demo", len(matches))
	}
	// Mark one as used by ransomware: it must come first.
	last := len(matches) - 1
	matches[last].Exploited, matches[last].Ransomware = true, true
	cat, _ := catalog.Load()
	res, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23", Matches: matches})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.HTML(&buf, res, m, "test"); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	i := strings.Index(page, `<section id="vulnerabilities">`)
	if i < 0 {
		t.Fatal("no vulnerabilities section")
	}
	section := page[i : i+strings.Index(page[i:], "</section>")]
	rows := strings.Count(section, "<tr>") - 1
	if rows != min(len(matches), report.MaxVulnRows) {
		t.Errorf("%d rows for %d matches", rows, len(matches))
	}
	first := section[strings.Index(section, "<tr><td>"):]
	first = first[:strings.Index(first, "</tr>")]
	if !strings.Contains(first, matches[last].CVE) || !strings.Contains(first, "KEV, ransomware") {
		t.Errorf("first row is not the ransomware CVE %s: %s", matches[last].CVE, first)
	}
	for _, want := range []string{intel.Prioritise(matches)[1].CVE, "1</b>assets hit by known exploited vulnerabilities", fmt.Sprintf("%d matches on", len(matches))} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if plain, _ := render(t, m); strings.Contains(plain, `id="vulnerabilities"`) {
		t.Error("vulnerabilities section without feeds")
	}
}
