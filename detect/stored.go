package detect

import (
	"strings"

	"github.com/wardhealth/ward"
)

// Stored is the detection as the store keeps it; origin says where its
// lines were read ("syslog", "ward detect").
func (d Detection) Stored(origin string) ward.Detection {
	out := ward.Detection{ID: ward.DetectionID(d.Rule, d.Asset, d.Host, d.Group, d.FirstSeen), Rule: d.Rule, Title: d.Title, Level: d.Level,
		Techniques: d.Techniques, Asset: d.Asset, Host: d.Host, Group: d.Group, Count: d.Count,
		FirstSeen: d.FirstSeen.UTC(), LastSeen: d.LastSeen.UTC(), Why: d.Why, Origin: origin}
	for _, g := range d.Group {
		if v, ok := strings.CutPrefix(g, "src_ip="); ok {
			out.Source = v
		}
	}
	for _, s := range d.Samples {
		text := s.Text
		if s.Summary != "" {
			text = s.Summary
		}
		out.Evidence = append(out.Evidence, ward.LogLine{File: s.File, Line: s.Line, Text: text})
	}
	return out
}
