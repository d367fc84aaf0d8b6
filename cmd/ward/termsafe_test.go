package main

import (
	"strings"
	"testing"
)

// A character split over two writes passes whole; invalid bytes and
// controls are escaped; text, line breaks and tabs pass.
func TestTermSafe(t *testing.T) {
	var b strings.Builder
	w := &termSafe{w: &b}
	in := "Öffnung \x1b[2J\tß\u202e\n\x85\xff"
	for i := range len(in) {
		w.Write([]byte{in[i]})
	}
	w.Write([]byte("é"[:1]))
	w.Flush()
	if got, want := b.String(), "Öffnung \\x1b[2J\tß\\u202e\n\\x85\\xff\\xc3"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
