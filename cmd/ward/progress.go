package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// progress draws one line on stderr for long work, when stderr is a
// terminal; redirected to a file or a pipe, it stays silent so logs and
// scripts see only results and errors.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	start time.Time
	last  time.Time
	drawn bool
}

func (o *options) progress() *progress {
	return &progress{w: o.tty.err, on: o.tty.err != nil, start: time.Now()}
}

// isTerminal tells whether w is a terminal (not a file, a pipe or
// /dev/null).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// step reports a step of long work, on its own line.
func (p *progress) step(format string, a ...any) {
	if p == nil || !p.on {
		return
	}
	p.done()
	fmt.Fprintf(p.w, "[%5.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, a...))
}

// bytes shows how much of a total is done (total <= 0: unknown).
func (p *progress) bytes(label string, done, total int64) {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last = now
	line := fmt.Sprintf("%-32.32s %8.1f MiB", label, float64(done)/(1<<20))
	if total > 0 {
		const width = 30
		n := int(width * done / total)
		line = fmt.Sprintf("%-32.32s [%s%s] %3d%% %8.1f/%.1f MiB", label, strings.Repeat("#", n), strings.Repeat(".", width-n),
			100*done/total, float64(done)/(1<<20), float64(total)/(1<<20))
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	p.drawn = true
}

// done clears the line.
func (p *progress) done() {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.drawn = false
}
