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

// A panic in a part reaches the caller, after the other parts have done
// their ranges, so that a caller that recovers (a request's handler) can.
func TestSplitRaisesAPartsPanicOnTheCaller(t *testing.T) {
	for _, bad := range []int{0, 2, 3} {
		done := make([]bool, 4)
		got := func() (r any) {
			defer func() { r = recover() }()
			Split(4, 4, func(p, lo, hi int) {
				if p == bad {
					panic("range fault")
				}
				done[p] = true
			})
			return nil
		}()
		if got != "range fault" {
			t.Fatalf("part %d panicked; the caller recovered %v", bad, got)
		}
		for p, d := range done {
			if p != bad && !d {
				t.Errorf("part %d panicked and part %d was not done", bad, p)
			}
		}
	}
}

// A group's Wait raises a panic of its functions once, after all return.
func TestGroupRaisesOnWait(t *testing.T) {
	var g Group
	done := make(chan bool, 1)
	g.Go(func() { panic("fault") })
	g.Go(func() { done <- true })
	got := func() (r any) {
		defer func() { r = recover() }()
		g.Wait()
		return nil
	}()
	if got != "fault" || len(done) != 1 {
		t.Fatalf("Wait raised %v, the other function done: %v", got, len(done) == 1)
	}
	g.Wait() // raised once only
}
