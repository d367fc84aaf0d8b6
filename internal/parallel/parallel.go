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
// all are done. The last part is done on the caller's goroutine. A panic
// in a part is raised again on the caller's, as Group does.
func Split(n, parts int, do func(p, lo, hi int)) {
	if parts <= 1 {
		do(0, 0, n)
		return
	}
	var g Group
	for p := range parts - 1 {
		g.Go(func() { do(p, p*n/parts, (p+1)*n/parts) })
	}
	func() {
		defer g.catch()
		do(parts-1, (parts-1)*n/parts, n)
	}()
	g.Wait()
}

// Group runs functions side by side and waits for them, as a
// sync.WaitGroup does, and raises a panic of any of them again on the
// goroutine that waits (the first, when several panic), once all have
// stopped. A panic on a goroutine of its own ends the process whatever its
// caller does; raised on the waiting one, it reaches the caller's recovery,
// as net/http's for a request's handler: a fault in an analysis fails the
// request it was made for, not the server.
type Group struct {
	wg      sync.WaitGroup
	once    sync.Once
	fault   any
	faulted bool
}

// Go runs f on a goroutine of its own.
func (g *Group) Go(f func()) {
	g.wg.Go(func() {
		defer g.catch()
		f()
	})
}

func (g *Group) catch() {
	if r := recover(); r != nil {
		g.once.Do(func() { g.fault, g.faulted = r, true })
	}
}

// Wait returns when every function given to Go has returned, and raises
// the panic of one that panicked; a later Wait does not raise it again.
func (g *Group) Wait() {
	g.wg.Wait()
	if g.faulted {
		g.faulted = false
		panic(g.fault)
	}
}
