package detect

import (
	"slices"
	"time"
)

// Forget drops the detections that can no longer grow — last seen more
// than their rule's time span before the newest event — and that ended
// more than keep before it, and returns how many it dropped. A reader
// that runs for months (ward serve's syslog) calls it once what it found
// is kept elsewhere, so that memory stays bounded by the windows open.
func (en *Engine) Forget(keep time.Duration) int {
	newest := en.latest
	n := 0
	for r, dets := range en.dets {
		span := time.Duration(0)
		if r.correlation != nil {
			span = r.correlation.span
		}
		for k, d := range dets {
			if d.LastSeen.Add(span + keep).Before(newest) {
				delete(dets, k)
				n++
			}
		}
	}
	if n > 0 {
		live := map[*Detection]bool{}
		for _, dets := range en.dets {
			for _, d := range dets {
				live[d] = true
			}
		}
		en.order = slices.DeleteFunc(en.order, func(d *Detection) bool { return !live[d] })
	}
	return n
}
