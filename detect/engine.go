package detect

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Detection is what a rule found: on which asset, how many events, from
// when to when, and a few of the lines as evidence.
type Detection struct {
	Rule       string   `json:"rule"`
	Title      string   `json:"title"`
	Level      string   `json:"level,omitempty"`
	Techniques []string `json:"techniques,omitempty"`
	Asset      string   `json:"asset,omitempty"`
	// Host is the host name the lines carry, when no asset of the model
	// is known by it.
	Host string `json:"host,omitempty"`
	// Group are the values of the correlation's group-by fields.
	Group     []string  `json:"group,omitempty"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Why says what the count is measured against.
	Why     string   `json:"why"`
	Samples []Sample `json:"samples"`
}

// Sample is a line of evidence. Summary says in a few words what a long
// structured line (a Windows event) holds.
type Sample struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Text    string `json:"text"`
	Summary string `json:"summary,omitempty"`
}

func sampleOf(e *Event) Sample {
	s := Sample{File: e.File, Line: e.Line, Text: e.Raw}
	if e.Product == ProductWindows {
		var b strings.Builder
		fmt.Fprintf(&b, "event %s on %s", e.fields[FieldEventID], e.fields[FieldHost])
		for _, f := range []struct {
			name string
			v    string
		}{{"user", e.fields[FieldUser]}, {"from", e.fields[FieldSource]}, {"image", e.fields[FieldImage]}, {"command line", e.fields[FieldCommandLine]}} {
			if f.v != "" {
				fmt.Fprintf(&b, ", %s %s", f.name, f.v)
			}
		}
		s.Summary = b.String()
	}
	return s
}

// span writes a time span as Sigma does: 10m, 1h, 90s.
func spanText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// maxSamples is how many lines a detection keeps: the first ones, and the
// last seen in place of the last of them.
const maxSamples = 5

func (d *Detection) addSample(s Sample) {
	if len(d.Samples) < maxSamples {
		d.Samples = append(d.Samples, s)
		return
	}
	d.Samples[maxSamples-1] = s
}

// hit is a rule matching: the event that made it (its fields give the
// group), when, and its evidence: the event's own line, or (for a
// correlation firing) the lines of its window.
type hit struct {
	e       *Event
	t       time.Time
	sample  Sample
	samples []Sample
	count   int
	late    bool // counted in Engine.Late
}

func (h *hit) evidence() []Sample {
	if h.samples != nil {
		return h.samples
	}
	return []Sample{h.sample}
}

// Engine evaluates rules over events, one after the other. The memory it
// holds is bounded by the windows open: per correlation and group, at
// most the threshold's number of lines (event_count), or the distinct
// values of a time span (value_count).
type Engine struct {
	rules   []*Rule // detections over single events
	windows map[*Rule]map[string]*window
	dets    map[*Rule]map[string]*Detection
	order   []*Detection
	seen    int
	latest  time.Time
	key     []byte
	late    int
}

// Late is how many events came later than a correlation window could
// take them: more than its time span before the newest event of their
// group (logs read out of time order).
func (en *Engine) Late() int { return en.late }

type stamp struct {
	t int64
	s Sample
}

type window struct {
	// ring of the last min events (event_count).
	ring []stamp
	next int
	// distinct values and when each was last seen (value_count); oldest
	// is at most the earliest of them.
	values map[string]int64
	oldest int64
	first  []Sample
	// last hit of each rule (temporal).
	lastOf []hit
	// seen is the time of the last event, newest the latest time; an
	// event earlier than newest makes the window disordered.
	seen, newest int64
	disordered   bool
}

// NewEngine links rules (see Link) and makes an engine of them. The
// rules are the engine's from then on: load them afresh for another.
func NewEngine(rules []*Rule) (*Engine, error) {
	if err := Link(rules); err != nil {
		return nil, err
	}
	en := &Engine{windows: map[*Rule]map[string]*window{}, dets: map[*Rule]map[string]*Detection{}}
	for _, r := range rules {
		if r.correlation == nil {
			en.rules = append(en.rules, r)
			r.why = ruleRef(r) + " matched"
		} else {
			en.windows[r] = map[string]*window{}
			r.why = r.correlation.describe()
		}
		en.dets[r] = map[string]*Detection{}
	}
	return en, nil
}

// describe says what a correlation counts.
func (c *correlation) describe() string {
	names := strings.Join(refNames(c.rules), " or ")
	switch c.kind {
	case "event_count":
		return fmt.Sprintf("%d or more hits of %s within %s", c.min, names, spanText(c.span))
	case "value_count":
		return fmt.Sprintf("%d or more distinct values of %s within %s", c.min, c.field.name, spanText(c.span))
	case "temporal_ordered":
		return fmt.Sprintf("%s within %s", strings.Join(refNames(c.rules), " then "), spanText(c.span))
	}
	return fmt.Sprintf("all of %s within %s", strings.Join(refNames(c.rules), ", "), spanText(c.span))
}

// Process evaluates one event. e may be reused after the call.
func (en *Engine) Process(e *Event) {
	en.seen++
	if e.Time.After(en.latest) {
		en.latest = e.Time
	}
	if en.seen&0xffff == 0 {
		en.prune()
	}
	var h hit
	for _, r := range en.rules {
		if !r.logsource.match(e) || !r.cond.eval(e) {
			continue
		}
		if h.e == nil {
			h = hit{e: e, t: e.Time, sample: sampleOf(e), count: 1}
		}
		for range max(e.Repeat, 1) {
			en.hit(r, &h)
		}
	}
}

func (en *Engine) hit(r *Rule, h *hit) {
	if !r.silent {
		en.record(r, h)
	}
	for _, c := range r.listeners {
		en.observe(c, r, h)
	}
}

func ruleRef(r *Rule) string {
	if r.Name != "" {
		return r.Name
	}
	return r.Title
}

// groupKey sets en.key to the asset and the values of a correlation's
// group-by fields.
func (en *Engine) groupKey(r *Rule, e *Event) []byte {
	b := en.key[:0]
	if e.Asset != "" {
		b = append(b, e.Asset...)
	} else {
		b = append(b, 1)
		b = append(b, e.fields[FieldHost]...)
	}
	if r.correlation != nil {
		for i := range r.correlation.groupBy {
			b = append(b, 0)
			b = append(b, r.correlation.groupBy[i].get(e)...)
		}
	}
	en.key = b
	return b
}

// record adds a hit to the detection open for the rule and group, or opens
// one. A correlation's detection stays open while it fires again within
// its time span.
func (en *Engine) record(r *Rule, h *hit) *Detection {
	key := en.groupKey(r, h.e)
	dets := en.dets[r]
	d := dets[string(key)]
	span := time.Duration(0)
	if r.correlation != nil {
		span = r.correlation.span
	}
	if d != nil && (r.correlation == nil || !h.t.After(d.LastSeen.Add(span))) {
		d.Count++
		if h.t.After(d.LastSeen) {
			d.LastSeen = h.t
		}
		if h.t.Before(d.FirstSeen) {
			d.FirstSeen = h.t
		}
		ev := h.evidence()
		d.addSample(ev[len(ev)-1])
		return d
	}
	d = &Detection{Rule: r.ID, Title: r.Title, Level: r.Level, Techniques: r.Techniques, Asset: h.e.Asset,
		Count: h.count, FirstSeen: h.t, LastSeen: h.t, Why: r.why}
	if d.Rule == "" {
		d.Rule = r.Name
	}
	if d.Asset == "" {
		d.Host = h.e.fields[FieldHost]
	}
	if r.correlation != nil {
		for i := range r.correlation.groupBy {
			f := &r.correlation.groupBy[i]
			d.Group = append(d.Group, f.name+"="+f.get(h.e))
		}
	}
	for _, s := range h.evidence() {
		d.addSample(s)
	}
	dets[string(key)] = d
	en.order = append(en.order, d)
	return d
}

// open returns the detection of a correlation and group that is still
// open at t, if any.
func (en *Engine) open(c *Rule, key []byte, t time.Time) bool {
	d := en.dets[c][string(key)]
	return d != nil && !t.After(d.LastSeen.Add(c.correlation.span))
}

// observe feeds a correlation a hit of one of its rules.
func (en *Engine) observe(c *Rule, from *Rule, h *hit) {
	co := c.correlation
	key := en.groupKey(c, h.e)
	ws := en.windows[c]
	w := ws[string(key)]
	if w == nil {
		w = &window{}
		ws[string(key)] = w
	}
	t := h.t.UnixNano()
	span := co.span.Nanoseconds()
	if w.seen != 0 && t < w.newest-span {
		// Later than its window can take: the window has moved on.
		if !h.late {
			h.late = true
			en.late++
		}
		return
	}
	w.seen = t
	if t < w.newest {
		w.disordered = true
	}
	w.newest = max(w.newest, t)
	s := h.sample
	if h.samples != nil {
		s = h.samples[len(h.samples)-1]
	}
	switch co.kind {
	case "event_count":
		// The ring grows to the threshold, then turns.
		if len(w.ring) < co.min {
			w.ring = append(w.ring, stamp{t, s})
			if len(w.ring) < co.min {
				return
			}
		} else {
			w.ring[w.next] = stamp{t, s}
			w.next = (w.next + 1) % co.min
		}
		oldest := w.ring[w.next] // the next to be overwritten
		if w.disordered {
			// Arrival is not time: measure the ring itself.
			lo, hi := oldest.t, oldest.t
			for _, st := range w.ring {
				lo, hi = min(lo, st.t), max(hi, st.t)
			}
			if hi-lo > span {
				return
			}
			oldest.t = lo
		} else if t-oldest.t > span {
			return
		}
		if en.open(c, key, h.t) {
			en.record(c, h)
		} else {
			var samples []Sample
			for i := 0; i < co.min && i < maxSamples-1; i++ {
				samples = append(samples, w.ring[(w.next+i)%co.min].s)
			}
			samples = append(samples, s)
			d := en.record(c, &hit{e: h.e, t: time.Unix(0, oldest.t), samples: samples, count: co.min})
			d.LastSeen = time.Unix(0, w.newest)
		}
		en.emit(c, h)
	case "value_count":
		v := co.field.get(h.e)
		if v == "" {
			return
		}
		if w.values == nil {
			w.values = map[string]int64{}
			w.oldest = t
		}
		if _, ok := w.values[v]; !ok && len(w.first) < maxSamples-1 {
			w.first = append(w.first, s)
		}
		w.values[v] = t
		if len(w.values) < co.min {
			return
		}
		if w.newest-w.oldest > span {
			// Some value may have left the window.
			w.oldest = w.newest
			for x, at := range w.values {
				if w.newest-at > span {
					delete(w.values, x)
				} else {
					w.oldest = min(w.oldest, at)
				}
			}
			if len(w.values) < co.min {
				return
			}
		}
		if en.open(c, key, h.t) {
			en.record(c, h)
		} else {
			samples := append(slices.Clip(w.first), s)
			d := en.record(c, &hit{e: h.e, t: time.Unix(0, w.oldest), samples: samples, count: len(w.values)})
			d.LastSeen = time.Unix(0, w.newest)
		}
		en.emit(c, h)
	case "temporal", "temporal_ordered":
		if w.lastOf == nil {
			w.lastOf = make([]hit, len(co.rules))
		}
		for i, r := range co.rules {
			if r == from {
				w.lastOf[i] = hit{t: h.t, samples: []Sample{s}}
			}
		}
		for i := range w.lastOf {
			l := w.lastOf[i]
			if l.t.IsZero() || h.t.Sub(l.t).Abs() > co.span {
				return
			}
			if co.kind == "temporal_ordered" && i > 0 && l.t.Before(w.lastOf[i-1].t) {
				return
			}
		}
		var samples []Sample
		first := w.lastOf[0].t
		for _, l := range w.lastOf {
			samples = append(samples, l.samples...)
			if l.t.Before(first) {
				first = l.t
			}
		}
		d := en.record(c, &hit{e: h.e, t: first, samples: samples, count: 1})
		if d.LastSeen.Before(h.t) {
			d.LastSeen = h.t
		}
		// One firing per sequence: it starts again.
		clear(w.lastOf)
		en.emit(c, h)
	}
}

// emit passes a correlation's firing on to the correlations that use it.
func (en *Engine) emit(c *Rule, h *hit) {
	for _, l := range c.listeners {
		en.observe(l, c, h)
	}
}

func refNames(rs []*Rule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, ruleRef(r))
	}
	return out
}

// prune closes the windows no event has touched for their time span.
func (en *Engine) prune() {
	now := en.latest.UnixNano()
	for r, ws := range en.windows {
		for k, w := range ws {
			if now-w.seen > r.correlation.span.Nanoseconds() {
				delete(ws, k)
			}
		}
	}
}

// Windows is how many correlation windows are open.
func (en *Engine) Windows() int {
	n := 0
	for _, ws := range en.windows {
		n += len(ws)
	}
	return n
}

// Detections returns what was found, by first seen.
func (en *Engine) Detections() []Detection {
	out := make([]Detection, 0, len(en.order))
	for _, d := range en.order {
		x := *d
		x.FirstSeen, x.LastSeen = x.FirstSeen.UTC(), x.LastSeen.UTC()
		out = append(out, x)
	}
	slices.SortStableFunc(out, func(a, b Detection) int { return a.FirstSeen.Compare(b.FirstSeen) })
	return out
}
