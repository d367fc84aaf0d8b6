// Package parallel shares work on a range of items between the cores: a
// large hospital's millions of links and assets are checked, resolved and
// read in ranges side by side, each range written by one goroutine only.
package parallel

import (
	"runtime"
	"sync"
)

// Parts is how many ranges work of size n is worth cutting into: one per
// core, or one alone below least or on one core, where starting goroutines
// costs more than it saves.
func Parts(n, least int) int {
	if cores := runtime.GOMAXPROCS(0); n >= least && cores > 1 {
		return cores
	}
	return 1
}

// Split cuts [0, n) into parts ranges of about one size and calls do on
// each side by side, p being the range's number in order; it returns when
// all are done. One part is done on the caller's goroutine.
func Split(n, parts int, do func(p, lo, hi int)) {
	if parts <= 1 {
		do(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { do(p, p*n/parts, (p+1)*n/parts) })
	}
	wg.Wait()
}
