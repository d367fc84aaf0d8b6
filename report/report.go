// Package report renders an assessment as one self-contained HTML file that
// a CISO can send to management: no scripts, fonts or images fetched from
// anywhere, the charts and the interconnection diagram drawn in inline SVG.
package report

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/quantify"
)

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"sevclass": func(s string) string { return "sev-" + s },
	"add":      func(a, b int) int { return a + b },
	"money":    quantify.Money,
	"pct":      func(p float64) string { return fmt.Sprintf("%.1f", 100*p) },
}).Parse(pageText))

// MaxDiagramAssets is the most assets drawn one by one in the diagram;
// larger models are drawn zone by zone.
const MaxDiagramAssets = 400

type view struct {
	R          *assess.Result
	Version    string
	Top        []assess.Risk
	Open       []sevCount
	Heat       heatMap
	Coverage   []bar
	CoverageH  int
	Diagram    Diagram
	Assets     []assetRow
	Devices    int
	Exposed    int
	EndOfLife  int
	TopFinding []assess.Finding
	// AttackPath is the most likely path to the most exposed target.
	AttackPath   assess.AttackPath
	AttackTarget assess.TargetPaths
	// Vulns are the known vulnerabilities to patch first; VulnAssets,
	// Exploited and Ransomware count assets hit at all, by a KEV-listed
	// CVE and by one used in ransomware campaigns.
	Vulns                             []intel.Match
	VulnAssets, Exploited, Ransomware int
	// Loss is the expected loss, when asked for.
	Loss *lossView
	// Detections are those kept in the store, when given.
	Detections []ward.Detection
}

// MaxVulnRows is the most vulnerability matches listed in the report.
const MaxVulnRows = 50

type sevCount struct {
	Severity string
	Count    int
}

type heatCell struct {
	X, Y, Likelihood, Impact, Count int
	Class                           string
}

type heatMap struct {
	Cells []heatCell
	Ticks []tick
}

type tick struct {
	X, Y  int
	Label int
}

type bar struct {
	Name     string
	Coverage int
	Width    int
	Y        int
	Measures []assess.MeasureResult
}

type assetRow struct {
	ward.Asset
	Worst string
	Risks int
}

// HTML writes the report.
func HTML(w io.Writer, res *assess.Result, m *ward.Model, version string) error {
	return render(w, res, m, version, nil, nil)
}

// HTMLWithDetections writes the report with the detections found in the
// organisation's logs (MaxDetectionRows of them, the latest seen first).
func HTMLWithDetections(w io.Writer, res *assess.Result, m *ward.Model, version string, dets []ward.Detection) error {
	return render(w, res, m, version, nil, dets[:min(len(dets), MaxDetectionRows)])
}

// MaxDetectionRows bounds the detections a report lists.
const MaxDetectionRows = 100

func render(w io.Writer, res *assess.Result, m *ward.Model, version string, loss *lossView, dets []ward.Detection) error {
	v := view{R: res, Version: version, Loss: loss, Detections: dets}
	for i := range res.Risks {
		if res.Risks[i].Status == assess.Open && len(v.Top) < 10 {
			v.Top = append(v.Top, res.Risks[i])
		}
	}
	for _, s := range []string{"critical", "high", "medium", "low"} {
		v.Open = append(v.Open, sevCount{s, res.Summary.Open[s]})
	}
	v.Heat = heat(res)
	for i, b := range res.Baselines {
		v.Coverage = append(v.Coverage, bar{Name: b.Name, Coverage: b.Coverage, Width: b.Coverage * 4, Y: i * 44, Measures: b.Measures})
	}
	v.CoverageH = len(v.Coverage)*44 + 4
	worst, count := WorstOpen(res)
	s := m.Summarise(res.Date)
	v.Devices, v.Exposed, v.EndOfLife = s.MedicalDevices, s.InternetExposed, s.EndOfSupport
	for _, a := range m.Assets {
		v.Assets = append(v.Assets, assetRow{Asset: a, Worst: worst[a.ID], Risks: count[a.ID]})
	}
	v.TopFinding = res.Findings
	for _, e := range intel.Exposures(res.Vulnerabilities) {
		v.VulnAssets++
		if e.Exploited > 0 {
			v.Exploited++
		}
		if e.Ransomware > 0 {
			v.Ransomware++
		}
	}
	v.Vulns = intel.Prioritise(res.Vulnerabilities)
	v.Vulns = v.Vulns[:min(len(v.Vulns), MaxVulnRows)]
	v.Diagram = Draw(m, worst)
	if len(res.Paths) > 0 && len(res.Paths[0].Paths) > 0 {
		v.AttackPath = res.Paths[0].Paths[0]
		v.AttackTarget = res.Paths[0]
		v.Diagram.Attack = v.Diagram.Path(v.AttackPath)
	}
	return page.Execute(w, v)
}

// heat counts open risks (by asset) in each likelihood x impact cell.
func heat(res *assess.Result) heatMap {
	var h heatMap
	counts := map[[2]int]int{}
	for _, r := range res.Risks {
		if r.Status == assess.Open {
			counts[[2]int{r.Likelihood, r.Impact}] += len(r.Assets)
		}
	}
	for n := 1; n <= 5; n++ {
		h.Ticks = append(h.Ticks, tick{X: 40 + (n-1)*56 + 27, Y: 235, Label: n}, tick{X: 30, Y: (5-n)*44 + 26, Label: n})
	}
	for l := 5; l >= 1; l-- {
		for i := 1; i <= 5; i++ {
			h.Cells = append(h.Cells, heatCell{X: 40 + (i-1)*56, Y: (5 - l) * 44, Likelihood: l, Impact: i,
				Count: counts[[2]int{l, i}], Class: "sev-" + assess.SeverityOf(l*i)})
		}
	}
	return h
}

// ZoneBox is a zone drawn as a box.
type ZoneBox struct {
	ID, Name, Kind string
	X, Y, W, H     int
	// Assets counts the zone's assets, drawn or not.
	Assets int
}

// Node is an asset drawn as a dot. Severity is its worst open risk ("" for
// none); Class the CSS class that colours it.
type Node struct {
	ID, Name, Kind, Zone string
	Severity, Class      string
	X, Y                 int
}

// Edge is a line between two drawn things, assets or zones: a link, a
// bundle of links between zones, or a step of an attack path. From and To
// name its ends, so that a page can tell which lines touch an asset.
type Edge struct {
	From, To       string
	X1, Y1, X2, Y2 int
	Class, Title   string
	Width          float64
}

// Diagram is the layout of the interconnection diagram, in SVG user units.
// The report draws it statically; the dashboard's map draws the same
// layout and makes it interactive, so both show a hospital alike.
type Diagram struct {
	pos     map[string][2]int
	W, H    int
	Zones   []ZoneBox
	Nodes   []Node
	Edges   []Edge
	Attack  []Edge // the most likely attack path, drawn over the rest
	PerZone bool
}

// WorstOpen gives, for each asset with an open risk, the severity of its
// worst open risk and how many open risks it has: what colours the
// diagram's dots and ranks an asset list.
func WorstOpen(res *assess.Result) (worst map[string]string, count map[string]int) {
	worst, count = map[string]string{}, map[string]int{}
	for _, r := range res.Risks {
		if r.Status != assess.Open {
			continue
		}
		for _, a := range r.Assets {
			count[a]++
			if assess.SeverityRank(r.Severity) > assess.SeverityRank(worst[a]) {
				worst[a] = r.Severity
			}
		}
	}
	return worst, count
}

// Draw lays zones out as boxes, ordered from least to most trusted, with
// their assets inside as dots coloured by their worst open risk (worst, as
// WorstOpen gives it), and the application links between them (cabling
// left out). A large model (over MaxDiagramAssets) is drawn zone by zone,
// links counted between zones.
func Draw(m *ward.Model, worst map[string]string) Diagram {
	zones := slices.Clone(m.Zones)
	sort.SliceStable(zones, func(i, j int) bool { return zones[i].Trust.Rank() < zones[j].Trust.Rank() })
	members := map[string][]int{}
	for i, a := range m.Assets {
		members[a.Zone] = append(members[a.Zone], i)
	}
	perZone := len(m.Assets) > MaxDiagramAssets
	const cell, pad, head = 22, 12, 30
	inner := 1
	for _, z := range zones {
		if c := int(math.Ceil(math.Sqrt(float64(len(members[z.ID]))))); c > inner {
			inner = c
		}
	}
	inner = min(inner, 10)
	// A box is wide enough for its assets and for the longest zone title,
	// "name (count)" at about 7 units a character.
	title := 0
	for _, z := range zones {
		title = max(title, len([]rune(cmp.Or(z.Name, z.ID)))+3+len(strconv.Itoa(len(members[z.ID]))))
	}
	boxW := max(inner*cell+2*pad, 170, 16+7*title)
	boxH := inner*cell + head + pad
	if perZone {
		boxW, boxH = max(170, 16+7*title), 80
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(zones)))))
	d := Diagram{PerZone: perZone}
	pos := map[string][2]int{}
	for i, z := range zones {
		x, y := 10+(i%cols)*(boxW+30), 10+(i/cols)*(boxH+30)
		name := z.Name
		if name == "" {
			name = z.ID
		}
		d.Zones = append(d.Zones, ZoneBox{ID: z.ID, Name: name, Kind: string(z.Kind), X: x, Y: y, W: boxW, H: boxH, Assets: len(members[z.ID])})
		pos[z.ID] = [2]int{x + boxW/2, y + boxH/2}
		if perZone {
			continue
		}
		per := max(1, (boxW-2*pad)/cell)
		for k, ai := range members[z.ID] {
			a := &m.Assets[ai]
			nx, ny := x+pad+(k%per)*cell+cell/2, y+head+(k/per)*cell+cell/2
			if ny > y+boxH-pad {
				continue // more assets than room: the zone's count says how many
			}
			class := "sev-" + worst[a.ID]
			if worst[a.ID] == "" {
				class = "sev-none"
			}
			d.Nodes = append(d.Nodes, Node{ID: a.ID, Name: a.Name, Kind: string(a.Kind), Zone: a.Zone, Severity: worst[a.ID], Class: class, X: nx, Y: ny})
			pos[a.ID] = [2]int{nx, ny}
		}
	}
	d.pos = pos
	d.W = 10 + cols*(boxW+30)
	d.H = 10 + int(math.Ceil(float64(len(zones))/float64(cols)))*(boxH+30)
	assetZone := map[string]string{}
	for _, a := range m.Assets {
		assetZone[a.ID] = a.Zone
	}
	if perZone {
		type pair struct{ a, b string }
		counts := map[pair]int{}
		var order []pair
		for _, l := range m.Links {
			if l.Protocol == "ethernet" {
				continue
			}
			za, zb := zoneEnd(l.From, assetZone), zoneEnd(l.To, assetZone)
			if za == zb {
				continue
			}
			p := pair{za, zb}
			if counts[p] == 0 {
				order = append(order, p)
			}
			counts[p]++
		}
		for _, p := range order {
			a, b := pos[p.a], pos[p.b]
			d.Edges = append(d.Edges, Edge{From: p.a, To: p.b, X1: a[0], Y1: a[1], X2: b[0], Y2: b[1], Class: "link",
				Title: fmt.Sprintf("%s → %s: %d links", p.a, p.b, counts[p]), Width: math.Min(1+math.Log2(float64(counts[p])), 8)})
		}
		return d
	}
	for _, l := range m.Links {
		if l.Protocol == "ethernet" {
			continue
		}
		a, okA := pos[l.From]
		b, okB := pos[l.To]
		if !okA || !okB {
			continue
		}
		class := "link"
		if !l.Encrypted && slices.ContainsFunc(l.Data, ward.DataClass.Sensitive) {
			class = "link clear"
		}
		d.Edges = append(d.Edges, Edge{From: l.From, To: l.To, X1: a[0], Y1: a[1], X2: b[0], Y2: b[1], Class: class,
			Title: fmt.Sprintf("%s → %s (%s)", l.From, l.To, l.Protocol), Width: 1})
	}
	return d
}

func zoneEnd(id string, assetZone map[string]string) string {
	if z, ok := assetZone[id]; ok {
		return z
	}
	return id
}

// Path draws an attack path's steps between the assets (or zones) it
// passes, skipping the entry and the flat-network hops, which have no
// place in the drawing.
func (d *Diagram) Path(p assess.AttackPath) []Edge {
	var out []Edge
	prev := ""
	for _, s := range p.Steps {
		if _, ok := d.pos[s.To]; !ok {
			continue
		}
		if a, ok := d.pos[prev]; ok {
			b := d.pos[s.To]
			out = append(out, Edge{From: prev, To: s.To, X1: a[0], Y1: a[1], X2: b[0], Y2: b[1], Class: "attack",
				Title: fmt.Sprintf("%s → %s: %s (p=%.2f)", prev, s.To, s.Reason, s.P), Width: 3})
		}
		prev = s.To
	}
	return out
}
