package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/detect"
)

// Opens tells whether a detection of this level opens an incident of its
// own: high and critical ones do; others only join an open incident on
// the same asset.
func Opens(level string) bool { return level == "high" || level == "critical" }

// TypeOf names the incident type (ward.IncidentTypes) ATT&CK techniques
// point to, "unspecified" when none does.
func TypeOf(techniques []string) string {
	has := func(prefix string) bool {
		return slices.ContainsFunc(techniques, func(t string) bool { return strings.HasPrefix(strings.ToUpper(t), prefix) })
	}
	switch {
	case has("T1486"), has("T1490"):
		return "ransomware"
	case has("T1498"), has("T1499"):
		return "denial-of-service"
	case has("T1078"):
		return "unauthorized-access-system"
	case has("T1110"):
		return "brute-force-attempt"
	case has("T1070"), has("T1485"):
		return "destruction"
	case has("T1046"), has("T1595"):
		return "network-scanning"
	case has("T1021"), has("T0886"):
		return "unauthorized-access-system"
	}
	return "unspecified"
}

// Outcome is what detections did to the register: the incidents opened
// and those joined, each as it is to be stored (with the version it was
// read at), and the detections left out (on no asset, or too low to open
// one with no incident to join).
type Outcome struct {
	Opened []ward.Incident `json:"opened"`
	Joined []Joined        `json:"joined"`
	Left   int             `json:"left_out"`
}

// Joined is an open incident that detections joined.
type Joined struct {
	Incident ward.Incident `json:"incident"`
	// Version is the version it was read at.
	Version    int64 `json:"-"`
	Detections int   `json:"detections"`
}

// FromDetections applies detections to an organisation's register: a
// high or critical detection on an asset joins the open incident on that
// asset if there is one, else opens a new one (suspected, its severity
// the rule's level, aware now: when Ward found it); a lower one joins an
// open incident on its asset, or is left out. Detections on one asset
// that open an incident all go to that one. Each detection becomes
// evidence (its rule, counts, times, grouping values and log lines) and an
// entry of the timeline.
func FromDetections(m *ward.Model, open []ward.Incident, dets []detect.Detection, by string, now time.Time) Outcome {
	now = now.UTC()
	var out Outcome
	joined := map[string]int{} // incident id -> index in out.Joined
	opened := map[string]int{} // asset -> index in out.Opened
	for _, d := range dets {
		if d.Asset == "" {
			out.Left++
			continue
		}
		ev := evidenceOf(d)
		if k, ok := opened[d.Asset]; ok {
			add(&out.Opened[k], d, ev, by, now)
			continue
		}
		k := slices.IndexFunc(open, func(i ward.Incident) bool { return i.Status.Open() && slices.Contains(i.Assets, d.Asset) })
		if k >= 0 {
			j, ok := joined[open[k].ID]
			if !ok {
				j = len(out.Joined)
				joined[open[k].ID] = j
				out.Joined = append(out.Joined, Joined{Incident: open[k], Version: open[k].Version})
			}
			if add(&out.Joined[j].Incident, d, ev, by, now) {
				out.Joined[j].Detections++
			}
			continue
		}
		if !Opens(d.Level) {
			out.Left++
			continue
		}
		i, err := Open(m, Opening{Title: fmt.Sprintf("%s on %s", d.Title, d.Asset), Severity: ward.Level(d.Level), Type: TypeOf(d.Techniques),
			Description: d.Why, AwareAt: now, Assets: []string{d.Asset}}, by, now)
		if err != nil {
			// The asset is the model's (detect ties events to its
			// assets); a problem here is one of the rule's level.
			i.Severity = "high"
		}
		i.ID = fmt.Sprintf("%s-%d", i.ID, len(out.Opened)+1)
		add(&i, d, ev, by, now)
		opened[d.Asset] = len(out.Opened)
		out.Opened = append(out.Opened, i)
	}
	// An incident the same detections joined before (the same log read
	// again) is not written again.
	out.Joined = slices.DeleteFunc(out.Joined, func(j Joined) bool { return j.Detections == 0 })
	return out
}

// add puts a detection on an incident: its evidence, its techniques, a
// line of the timeline; a more severe detection raises the severity.
func add(i *ward.Incident, d detect.Detection, ev ward.Evidence, by string, now time.Time) bool {
	if slices.ContainsFunc(i.Evidence, func(e ward.Evidence) bool {
		return e.Kind == ev.Kind && e.Rule == ev.Rule && e.Asset == ev.Asset && e.Count == ev.Count && e.FirstSeen.Equal(ev.FirstSeen) &&
			e.LastSeen.Equal(ev.LastSeen) && slices.Equal(e.Indicators, ev.Indicators)
	}) {
		return false
	}
	i.Evidence = append(i.Evidence, ev)
	derived := i.Type == "" || i.Type == TypeOf(i.Techniques)
	for _, t := range d.Techniques {
		if t = strings.ToUpper(t); !slices.Contains(i.Techniques, t) {
			i.Techniques = append(i.Techniques, t)
		}
	}
	if ward.Level(d.Level).Rank() > i.Severity.Rank() {
		i.Severity = ward.Level(d.Level)
	}
	if derived {
		i.Type = TypeOf(i.Techniques)
	}
	i.Timeline = append(i.Timeline, ward.IncidentEvent{Time: now, Kind: "detection", By: by,
		Text: fmt.Sprintf("%s (%s, %s): %d events %s – %s", d.Title, d.Rule, d.Level, d.Count, d.FirstSeen.UTC().Format(time.RFC3339), d.LastSeen.UTC().Format(time.RFC3339))})
	i.Updated = now
	return true
}

// evidenceOf is a detection as evidence, with the first of its log lines.
func evidenceOf(d detect.Detection) ward.Evidence {
	e := ward.Evidence{Kind: "detection", Time: d.LastSeen.UTC(), Rule: d.Rule, Count: d.Count, FirstSeen: d.FirstSeen.UTC(), LastSeen: d.LastSeen.UTC(),
		Asset: d.Asset, Indicators: d.Group, Text: fmt.Sprintf("%s: %s", d.Title, d.Why)}
	if len(d.Samples) > 0 {
		e.File, e.Line = d.Samples[0].File, d.Samples[0].Line
		text := d.Samples[0].Text
		if len(text) > 500 {
			text = text[:500] + "…"
		}
		e.Text += "\n" + text
	}
	return e
}
