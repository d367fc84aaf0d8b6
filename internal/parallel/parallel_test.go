package parallel

import "testing"

// The ranges cover [0, n) once, in order of their numbers, whatever n and
// the number of parts (more parts than items too).
func TestSplitCoversEachItemOnce(t *testing.T) {
	for n := range 40 {
		for parts := 1; parts < 12; parts++ {
			lo, hi := make([]int, parts), make([]int, parts)
			seen := make([]int, n)
			Split(n, parts, func(p, l, h int) {
				lo[p], hi[p] = l, h
				for i := l; i < h; i++ {
					seen[i]++ // each range writes its own items only
				}
			})
			for i, k := range seen {
				if k != 1 {
					t.Fatalf("n %d, %d parts: item %d done %d times", n, parts, i, k)
				}
			}
			for p := 1; p < parts; p++ {
				if lo[p] != hi[p-1] {
					t.Fatalf("n %d, %d parts: range %d starts at %d, the one before ends at %d", n, parts, p, lo[p], hi[p-1])
				}
			}
		}
	}
}

func TestPartsBelowLeastIsOne(t *testing.T) {
	if p := Parts(10, 11); p != 1 {
		t.Errorf("below the least: %d parts", p)
	}
	if p := Parts(11, 11); p < 1 {
		t.Errorf("at the least: %d parts", p)
	}
}
