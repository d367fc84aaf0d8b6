package web

import (
	"fmt"
	"strings"

	"github.com/wardhealth/ward/national"
)

// trend is an advisory's reach over time drawn as a small SVG chart:
// hospitals by day, a line through the counts shown, a grey mark at the
// foot for each day the count was withheld (fewer than the minimum
// group).
type trend struct {
	W, H     int
	Lines    []string // polyline points, broken at withheld days
	Dots     []trendDot
	Withheld []int // x of the withheld days
	First    string
	Last     string
	Max      int
}

type trendDot struct {
	X, Y, N int
	Day     string
}

// Label says the chart in words, for screen readers and tests.
func (t trend) Label() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hospitals exposed from %s to %s:", t.First, t.Last)
	for _, d := range t.Dots {
		fmt.Fprintf(&b, " %s %d", d.Day, d.N)
	}
	if len(t.Withheld) > 0 {
		fmt.Fprintf(&b, "; %d days withheld", len(t.Withheld))
	}
	return b.String()
}

// drawTrend places the points evenly by day order (the days counted, not
// the calendar: the hub counts when it looks).
func drawTrend(points []national.Point) *trend {
	if len(points) == 0 {
		return nil
	}
	const w, h, pad = 160, 36, 4
	t := &trend{W: w, H: h, First: points[0].Day, Last: points[len(points)-1].Day}
	for _, p := range points {
		if p.Hospitals != nil {
			t.Max = max(t.Max, *p.Hospitals)
		}
	}
	top := max(t.Max, 1)
	x := func(i int) int {
		if len(points) == 1 {
			return w / 2
		}
		return pad + i*(w-2*pad)/(len(points)-1)
	}
	var line []string
	for i, p := range points {
		if p.Hospitals == nil {
			t.Withheld = append(t.Withheld, x(i))
			if len(line) > 1 {
				t.Lines = append(t.Lines, strings.Join(line, " "))
			}
			line = nil
			continue
		}
		y := h - pad - *p.Hospitals*(h-2*pad)/top
		t.Dots = append(t.Dots, trendDot{X: x(i), Y: y, N: *p.Hospitals, Day: p.Day})
		line = append(line, fmt.Sprintf("%d,%d", x(i), y))
	}
	if len(line) > 1 {
		t.Lines = append(t.Lines, strings.Join(line, " "))
	}
	return t
}
