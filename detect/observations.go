package detect

import (
	"fmt"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
)

// Observations sum up the detections per asset and rule, for the
// assessment: "observed: 14 events of Brute force from one source from 1
// source in 2m10s on vpn-vendor (ward-bruteforce-source)".
func Observations(dets []ward.Detection) []assess.Observation {
	type key struct{ asset, rule string }
	type sum struct {
		d           ward.Detection
		count       int
		first, last time.Time
		groups      map[string]bool
		field       string
	}
	sums := map[key]*sum{}
	var order []key
	for _, d := range dets {
		if d.Asset == "" || len(d.Techniques) == 0 {
			continue
		}
		k := key{d.Asset, d.Rule}
		s := sums[k]
		if s == nil {
			s = &sum{d: d, first: d.FirstSeen, last: d.LastSeen, groups: map[string]bool{}}
			sums[k] = s
			order = append(order, k)
		}
		s.count += d.Count
		if d.FirstSeen.Before(s.first) {
			s.first = d.FirstSeen
		}
		if d.LastSeen.After(s.last) {
			s.last = d.LastSeen
		}
		if len(d.Group) > 0 {
			s.groups[strings.Join(d.Group, ",")] = true
			s.field, _, _ = strings.Cut(d.Group[0], "=")
		}
	}
	out := []assess.Observation{}
	for _, k := range order {
		s := sums[k]
		from := ""
		if len(s.groups) > 0 {
			noun := map[string]string{"src_ip": "source", "user": "account"}[s.field]
			if noun == "" {
				noun = "value of " + s.field
			}
			from = " from " + plural(len(s.groups), noun)
		}
		in := ""
		if d := s.last.Sub(s.first).Round(time.Second); d > 0 {
			in = " in " + d.String()
		}
		text := fmt.Sprintf("observed: %s of %s%s%s on %s (%s, %s UTC)", plural(s.count, "event"), s.d.Title, from,
			in, k.asset, k.rule, s.first.UTC().Format("2006-01-02 15:04"))
		out = append(out, assess.Observation{Asset: k.asset, Techniques: s.d.Techniques, Text: text})
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
