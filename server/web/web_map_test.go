package web

import (
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward/report"
)

// The map as a person reads it, over HTTP: every zone and asset drawn,
// names on the critical assets, the links between zones bundled with
// their counts (recounted here from the model), the chosen target's paths
// numbered with their steps in words, and each path exported as SVG.
func TestWebMap(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "viewer", webPassword)
	status, body := c.get("/orgs/" + webOrg + "/map")
	if status != http.StatusOK {
		t.Fatalf("map: %d", status)
	}
	svg := body[strings.Index(body, `<svg id="map"`):strings.Index(body, "</svg>")]
	if n := strings.Count(svg, `<g class="zone-box"`); n != len(e.model.Zones) {
		t.Errorf("%d zone boxes for %d zones", n, len(e.model.Zones))
	}
	if n := strings.Count(svg, `<circle cx=`); n != len(e.model.Assets) {
		t.Errorf("%d asset dots for %d assets", n, len(e.model.Assets))
	}
	wantAll(t, "map", body, `<script src="/static/map.js" defer></script>`, `<script type="application/json" id="map-data">`,
		`data-assets="/orgs/st-example/assets/"`, `data-id="pump-01"`, `id="map-search"`, `id="map-legend"`, `id="show-paths"`)

	// Labels: every asset whose worst open risk is critical, and no
	// asset that is neither critical nor a target.
	v, err := e.srv.Assessed(context.Background(), webOrg)
	if err != nil {
		t.Fatal(err)
	}
	worst, _ := report.WorstOpen(v.Result)
	targets := map[string]bool{}
	for _, tp := range v.Result.Paths[:min(MaxMapTargets, len(v.Result.Paths))] {
		targets[tp.Target] = true
	}
	critical := 0
	for _, a := range e.model.Assets {
		labelled := strings.Contains(svg, `data-for="`+a.ID+`"`)
		switch {
		case worst[a.ID] == "critical":
			critical++
			if !labelled {
				t.Errorf("critical asset %s has no label", a.ID)
			}
		case !targets[a.ID] && labelled:
			t.Errorf("asset %s (worst %q, not a target) is labelled", a.ID, worst[a.ID])
		}
	}
	if critical == 0 {
		t.Fatal("the demo has no critical asset to label")
	}

	// Bundles: one per pair of zones, the count the model's links give.
	zoneOf := map[string]string{}
	for _, a := range e.model.Assets {
		zoneOf[a.ID] = a.Zone
	}
	want := map[string]int{}
	for _, l := range e.model.Links {
		if l.Protocol == "ethernet" {
			continue
		}
		za, zb := zoneOf[l.From], zoneOf[l.To]
		if za == "" {
			za = l.From
		}
		if zb == "" {
			zb = l.To
		}
		if za != zb {
			want[pairKey(za, zb)]++
		}
	}
	bundle := regexp.MustCompile(`<g class="bundle" data-a="([^"]+)" data-b="([^"]+)">.*?class="count">(\d+)</text>`)
	got := map[string]int{}
	for _, m := range bundle.FindAllStringSubmatch(svg, -1) {
		var n int
		fmt.Sscan(m[3], &n)
		k := pairKey(m[1], m[2])
		if _, twice := got[k]; twice {
			t.Errorf("two bundles between %s", k)
		}
		got[k] = n
	}
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("bundles %v, want %v", got, want)
	}

	// The first target's paths, all of them, numbered, with steps in words.
	first := v.Result.Paths[0]
	for k := range first.Paths {
		wantAll(t, "paths", body, fmt.Sprintf(`>Path %d</button>`, k+1), `class="badge-n" x=`)
	}
	if n := strings.Count(body, `<li class="path-item`); n < len(first.Paths) {
		t.Errorf("%d paths listed, want at least the first target's %d", n, len(first.Paths))
	}
	// The demo's likeliest way in: the vendor VPN gateway from the
	// Internet, without MFA (assess's own tests reason it).
	var vpn string
	for _, a := range e.model.Assets {
		if a.ID == "vpn-vendor" {
			vpn = a.Name
		}
	}
	wantAll(t, "step in words", html.UnescapeString(body), "from the Internet to "+vpn+" (vpn-vendor): Internet-facing logon without MFA, T1133")
	steps := regexp.MustCompile(`(?s)<ol class="steps compact">(.*?)</ol>`).FindAllStringSubmatch(body, -1)
	if len(steps) == 0 {
		t.Fatal("no steps listed")
	}
	for _, s := range steps {
		for _, li := range regexp.MustCompile(`<li>(.*?)</li>`).FindAllStringSubmatch(s[1], -1) {
			if !strings.HasPrefix(li[1], "from ") || strings.Contains(li[1], "p=") {
				t.Errorf("a step not in words: %q", li[1])
			}
		}
	}

	// Another target by its address, without a script.
	second := v.Result.Paths[1].Target
	_, body = c.get("/orgs/" + webOrg + "/map?target=" + second)
	wantAll(t, "chosen target", body, `<option value="`+second+`" data-target="1" selected>`, `<div class="target" data-target="1">`)
	if status, _ := c.get("/orgs/" + webOrg + "/map?target=no-such-asset"); status != http.StatusNotFound {
		t.Errorf("an unknown target answers %d", status)
	}

	// SVG export of path 2 to the first target: an SVG document with
	// every step's words.
	res := c.raw(t, "/orgs/"+webOrg+"/map/path.svg?target="+first.Target+"&path=2")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %s %s", res.status, res.header.Get("Content-Type"), res.header.Get("Content-Disposition"))
	}
	var doc struct {
		XMLName xml.Name
		Title   string   `xml:"title"`
		Texts   []string `xml:"text"`
	}
	if err := xml.Unmarshal([]byte(res.body), &doc); err != nil {
		t.Fatalf("the export is not XML: %v\n%s", err, res.body)
	}
	if doc.XMLName.Space != "http://www.w3.org/2000/svg" || doc.XMLName.Local != "svg" {
		t.Errorf("the export's root is %v", doc.XMLName)
	}
	all := strings.Join(doc.Texts, "\n")
	names := placeNames(e.model)
	for k, s := range first.Paths[1].Steps {
		if w := fmt.Sprintf("%d. %s", k+1, shorten(stepWords(s, names), 120)); !strings.Contains(all, w) {
			t.Errorf("the export has no %q in\n%s", w, all)
		}
	}
	for _, bad := range []string{"path=0", "path=99", "path=two"} {
		if res := c.raw(t, "/orgs/"+webOrg+"/map/path.svg?target="+first.Target+"&"+bad); res.status != http.StatusBadRequest || !strings.Contains(res.body, "give a number from 1 to") {
			t.Errorf("%s: %d %s", bad, res.status, res.body)
		}
	}
}

func pairKey(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "|" + b
}

type rawAnswer struct {
	status int
	header http.Header
	body   string
}

// raw gets a path as it is, whatever its content type.
func (c *webClient) raw(t *testing.T, path string) rawAnswer {
	t.Helper()
	res, err := c.c.Get(c.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawAnswer{res.StatusCode, res.Header, string(b)}
}
