package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/server/internal/core"
)

// MaxHistory is how many revisions the history chart shows, the latest.
const MaxHistory = 12

// historySeverities are the chart's lines, worst first.
var historySeverities = []string{"critical", "high", "medium", "low"}

// historyPoint is the register at one revision.
type historyPoint struct {
	Revision int64
	// Run is the stored run's id; 0 for the assessment of now.
	Run     int64
	Created time.Time
	Open    map[string]int
	X       int
}

// historyLine is one severity's open risks over the revisions.
type historyLine struct {
	Severity string
	Points   string
	Dots     []historyDot
}

type historyDot struct {
	X, Y, Count int
	Title       string
}

type historyTick struct {
	X, Y  int
	Label string
}

// historyChart is the chart as drawn.
type historyChart struct {
	W, H         int
	Points       []historyPoint
	Lines        []historyLine
	XTicks       []historyTick
	YTicks       []historyTick
	Stored       int
	Left, Bottom int
}

// runSummary is a stored run's summary, decoded once: runs never change.
func (s *handler) runSummary(ctx context.Context, org string, id int64) (assess.Summary, error) {
	key := org + "|" + strconv.FormatInt(id, 10)
	if v, ok := s.Summaries.Load(key); ok {
		return v.(assess.Summary), nil
	}
	a, err := s.Cfg.Store.Assessment(ctx, org, id)
	if err != nil {
		return assess.Summary{}, fmt.Errorf("assessment run %d: %w", id, err)
	}
	var doc struct {
		Summary assess.Summary `json:"summary"`
	}
	if err := json.Unmarshal(a.Data, &doc); err != nil {
		return assess.Summary{}, fmt.Errorf("assessment run %d: %w", id, err)
	}
	s.Summaries.Store(key, doc.Summary)
	return doc.Summary, nil
}

// history gathers the latest run of each of the last MaxHistory revisions
// and the assessment of now, and lays the chart out.
func (s *handler) history(ctx context.Context, org string, v *core.View) (historyChart, error) {
	runs, err := s.Cfg.Store.Assessments(ctx, org, 200)
	if err != nil {
		return historyChart{}, err
	}
	var points []historyPoint
	seen := map[int64]bool{}
	for _, a := range runs { // newest first: the latest run of a revision
		if seen[a.Revision] || a.Revision == v.Revision {
			continue
		}
		seen[a.Revision] = true
		if len(points) == MaxHistory-1 {
			break
		}
		sum, err := s.runSummary(ctx, org, a.ID)
		if err != nil {
			return historyChart{}, err
		}
		points = append(points, historyPoint{Revision: a.Revision, Run: a.ID, Created: a.Created, Open: sum.Open})
	}
	slices.Reverse(points)
	points = append(points, historyPoint{Revision: v.Revision, Open: v.Result.Summary.Open})
	return layoutHistory(points, len(runs)), nil
}

// layoutHistory draws the points: revisions left to right, a line per
// severity, the counts on a scale from 0 to the largest.
func layoutHistory(points []historyPoint, stored int) historyChart {
	h := historyChart{W: 560, H: 190, Left: 44, Bottom: 160, Points: points, Stored: stored}
	const top, right = 14, 90
	most := 1
	for _, p := range points {
		for _, sev := range historySeverities {
			most = max(most, p.Open[sev])
		}
	}
	// A round scale: 1, 2 or 5 times a power of ten, four steps or so.
	step := 1
	for _, f := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000} {
		step = f
		if most/f <= 4 {
			break
		}
	}
	top1 := (most + step - 1) / step * step
	y := func(n int) int { return h.Bottom - (h.Bottom-top)*n/top1 }
	for n := 0; n <= top1; n += step {
		h.YTicks = append(h.YTicks, historyTick{X: h.Left - 6, Y: y(n), Label: strconv.Itoa(n)})
	}
	span := h.W - h.Left - right
	for i := range points {
		x := h.Left + span/2
		if len(points) > 1 {
			x = h.Left + span*i/(len(points)-1)
		}
		points[i].X = x
		label := "r" + strconv.FormatInt(points[i].Revision, 10)
		if points[i].Run == 0 {
			label += " now"
		}
		h.XTicks = append(h.XTicks, historyTick{X: x, Y: h.Bottom + 16, Label: label})
	}
	for _, sev := range historySeverities {
		l := historyLine{Severity: sev}
		var b strings.Builder
		for i, p := range points {
			if i > 0 {
				b.WriteByte(' ')
			}
			n := p.Open[sev]
			fmt.Fprintf(&b, "%d,%d", p.X, y(n))
			when := "now"
			if p.Run != 0 {
				when = "run " + strconv.FormatInt(p.Run, 10) + ", " + p.Created.UTC().Format("2006-01-02 15:04")
			}
			l.Dots = append(l.Dots, historyDot{X: p.X, Y: y(n), Count: n, Title: fmt.Sprintf("revision %d (%s): %d open %s risks", p.Revision, when, n, sev)})
		}
		l.Points = b.String()
		h.Lines = append(h.Lines, l)
	}
	return h
}

// webKeepAssessment keeps the assessment of now for the history chart.
func (s *handler) webKeepAssessment(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	v, err := s.Assessed(r.Context(), c.Org)
	if err != nil {
		return err
	}
	if _, err := s.KeepAssessment(r.Context(), c, v); err != nil {
		return err
	}
	http.Redirect(w, r, "/orgs/"+url.PathEscape(c.Org)+"/#history", http.StatusSeeOther)
	return nil
}
