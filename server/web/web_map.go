package web

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/report"
	"github.com/wardhealth/ward/server/internal/core"
)

// MaxMapTargets is how many attack targets the map offers, the most
// exposed first; each comes with all the paths the assessment found to it.
const MaxMapTargets = 10

// mapPage is the interconnection map: the layout (web_layout.go) drawn
// as SVG, with the table static/map.js needs in a JSON block, so the page
// needs no inline script and no second request; and the attack targets,
// each with its paths numbered and told step by step in words.
type mapPage struct {
	Layout *mapLayout
	// Targets are the attack targets; Selected the one shown (its index).
	Targets  []mapTarget
	Selected int
	// AssetBase is the address of the asset pages, an id to be appended.
	AssetBase string
	// Export is the address of the SVG export of a path, to which the
	// page appends target and path.
	Export string
}

// mapTarget is one attack target with its k paths.
type mapTarget struct {
	Index int
	assess.TargetPaths
	Name  string
	Drawn []mapPath
}

// mapPath is one path to a target: its number (from 1), the line the
// assessment tells it in (AttackPath.Words), its steps in words and where
// it runs on the map.
type mapPath struct {
	N      int
	Path   assess.AttackPath
	Words  string
	Steps  []string
	Points string
	// BX, BY is where its number is drawn: on the first stretch no path
	// before it to the same target runs along.
	BX, BY int
}

// mapView is the map of one revision, laid out once: the layout depends
// only on the model and its assessment, which a view never changes.
func mapOf(v *core.View) *mapPage {
	p, _ := v.Keep("map", func() (any, error) { return layoutMapPage(v), nil })
	return p.(*mapPage)
}

// layoutMapPage lays out the map of a view.
func layoutMapPage(v *core.View) *mapPage {
	worst, _ := report.WorstOpen(v.Result)
	var tps []assess.TargetPaths
	for _, tp := range v.Result.Paths {
		if len(tps) == MaxMapTargets {
			break
		}
		if len(tp.Paths) > 0 {
			tps = append(tps, tp)
		}
	}
	lay := layoutMap(v.Model, worst, tps)
	names := placeNames(v.Model)
	p := &mapPage{Layout: lay}
	for i, tp := range tps {
		t := mapTarget{Index: i, TargetPaths: tp, Name: names(tp.Target)}
		used := map[[4]int]bool{}
		for k, ap := range tp.Paths {
			mp := mapPath{N: k + 1, Path: ap, Words: ap.Words()}
			for _, s := range ap.Steps {
				mp.Steps = append(mp.Steps, stepWords(s, names))
			}
			pts := lay.pathPoints(ap)
			var b strings.Builder
			for j, q := range pts {
				if j > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%d,%d", q.X, q.Y)
			}
			mp.Points = b.String()
			if len(pts) > 0 {
				mp.BX, mp.BY = pts[0].X, pts[0].Y
			}
			for j := 1; j < len(pts); j++ {
				seg := [4]int{pts[j-1].X, pts[j-1].Y, pts[j].X, pts[j].Y}
				if !used[seg] {
					mp.BX, mp.BY = (seg[0]+seg[2])/2, (seg[1]+seg[3])/2
					break
				}
			}
			for j := 1; j < len(pts); j++ {
				used[[4]int{pts[j-1].X, pts[j-1].Y, pts[j].X, pts[j].Y}] = true
			}
			t.Drawn = append(t.Drawn, mp)
		}
		p.Targets = append(p.Targets, t)
	}
	return p
}

// placeNames names the places of a path: an asset by its name and id, a
// zone by its name, an entry point as a person says it.
func placeNames(m *ward.Model) func(string) string {
	assets := make(map[string]string, len(m.Assets))
	for i := range m.Assets {
		a := &m.Assets[i]
		if a.Name != "" && a.Name != a.ID {
			assets[a.ID] = a.Name + " (" + a.ID + ")"
		} else {
			assets[a.ID] = a.ID
		}
	}
	zones := map[string]string{}
	for _, z := range m.Zones {
		zones[z.ID] = "the zone " + cmp.Or(z.Name, z.ID)
	}
	return func(id string) string {
		switch {
		case strings.HasPrefix(id, "entry:"):
			return entryName(id)
		case strings.HasPrefix(id, "flat network "):
			z := strings.TrimPrefix(id, "flat network ")
			return "the flat network of " + strings.TrimPrefix(cmp.Or(zones[z], z), "the zone ")
		case strings.HasPrefix(id, "rule "):
			return id
		}
		if n, ok := assets[id]; ok {
			return n
		}
		return cmp.Or(zones[id], id)
	}
}

// stepWords tells a step as a sentence: "from the Internet to Vendor VPN
// gateway (vpn-vendor): Internet-facing logon without MFA, T1133".
func stepWords(s assess.Step, names func(string) string) string {
	var b strings.Builder
	b.WriteString("from ")
	b.WriteString(names(s.From))
	switch s.Via {
	case "", "Internet", "attacker's position", "zone network", "same network":
		// said by the places themselves, or by the reason
	default:
		b.WriteString(" over ")
		if strings.HasSuffix(s.Via, " link") {
			b.WriteString("a " + s.Via)
		} else {
			b.WriteString(s.Via)
		}
	}
	b.WriteString(" to ")
	b.WriteString(names(s.To))
	if s.Reason != "" {
		b.WriteString(": ")
		b.WriteString(s.Reason)
	}
	if s.Technique != "" {
		b.WriteString(", ")
		b.WriteString(s.Technique)
	}
	return b.String()
}

func (s *handler) webMap(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	return s.renderCached(w, r, c, v, "map.html", "Interconnection map", func() (any, error) {
		base := *mapOf(v)
		base.AssetBase = "/orgs/" + url.PathEscape(c.Org) + "/assets/"
		base.Export = "/orgs/" + url.PathEscape(c.Org) + "/map/path.svg"
		if t := r.URL.Query().Get("target"); t != "" {
			i := base.target(t)
			if i < 0 {
				return nil, core.Fail(http.StatusNotFound, "target %q: no attack path reaches it among the map's %d targets", t, len(base.Targets))
			}
			base.Selected = i
		}
		return base, nil
	})
}

func (p *mapPage) target(id string) int {
	for i, t := range p.Targets {
		if t.Target == id {
			return i
		}
	}
	return -1
}

// webMapPathSVG exports one attack path as a drawing of its own, a place
// a row with each step's words between, for a report or a ticket.
func (s *handler) webMapPathSVG(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	p := mapOf(v)
	q := r.URL.Query()
	i := p.target(q.Get("target"))
	if i < 0 {
		return core.Fail(http.StatusNotFound, "target %q: no attack path reaches it among the map's %d targets", q.Get("target"), len(p.Targets))
	}
	t := p.Targets[i]
	n, err := strconv.Atoi(cmp.Or(q.Get("path"), "1"))
	if err != nil || n < 1 || n > len(t.Drawn) {
		return core.Fail(http.StatusBadRequest, "path %q: give a number from 1 to %d (the paths to %s)", q.Get("path"), len(t.Drawn), t.Target)
	}
	mp := t.Drawn[n-1]
	names := placeNames(v.Model)
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	const width, row = 960, 64
	height := 70 + row*(len(mp.Path.Steps)+1)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(fmt.Sprintf("Attack path %d to %s", n, t.Name)))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="16" y="26" font-size="16" font-weight="bold" fill="#1d2733">%s</text>`+"\n", esc(fmt.Sprintf("Attack path %d of %d to %s (%s), p %.2f", n, len(t.Drawn), t.Name, t.Why, mp.Path.P)))
	fmt.Fprintf(&b, `<text x="16" y="46" fill="#4a5a6a">%s</text>`+"\n", esc(shorten(mp.Words, 140)))
	place := func(k int, id string) {
		y := 60 + k*row
		fmt.Fprintf(&b, `<rect x="16" y="%d" width="300" height="28" rx="5" fill="#eef2f6" stroke="#12324a"/>`+"\n", y)
		fmt.Fprintf(&b, `<text x="26" y="%d" fill="#1d2733">%s</text>`+"\n", y+19, esc(shorten(names(id), 44)))
	}
	place(0, mp.Path.Entry)
	for k, st := range mp.Path.Steps {
		y := 60 + k*row
		fmt.Fprintf(&b, `<line x1="60" y1="%d" x2="60" y2="%d" stroke="#6a1b9a" stroke-width="3"/>`+"\n", y+28, y+row)
		fmt.Fprintf(&b, `<text x="80" y="%d" fill="#4a148c">%s</text>`+"\n", y+row/2+18, esc(fmt.Sprintf("%d. %s (p %.2f)", k+1, shorten(mp.Steps[k], 120), st.P)))
		place(k+1, st.To)
	}
	b.WriteString("</svg>\n")
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="attack-path-%s-%d.svg"`, safeFileName(t.Target), n))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b.Bytes())
	return err
}

// safeFileName keeps letters, digits, '-' and '.' of an id for a file name.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}
