package main

import (
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// termSafe writes to a terminal what names and other text from models,
// scans and peers hold with their control characters escaped (\x1b, \x85,
// \u202e, ...): an asset named by a scan cannot clear the screen, move the
// cursor, set the window title or reorder the text around it. Line breaks
// and tabs pass. Output to files and pipes is not wrapped: it stays data.
type termSafe struct {
	w    io.Writer
	rest []byte // the start of a character the next write completes
}

func (t *termSafe) Write(p []byte) (int, error) {
	buf := append(t.rest, p...)
	t.rest = nil
	// Keep an incomplete UTF-8 sequence at the end for the next write.
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				t.rest = append([]byte(nil), buf[i:]...)
				buf = buf[:i]
			}
			break
		}
	}
	out := make([]byte, 0, len(buf))
	for len(buf) > 0 {
		r, n := utf8.DecodeRune(buf)
		switch {
		case r == utf8.RuneError && n == 1:
			out = fmt.Appendf(out, `\x%02x`, buf[0])
		case r == '\n' || r == '\t':
			out = append(out, byte(r))
		case r < 0x100 && unicode.IsControl(r):
			out = fmt.Appendf(out, `\x%02x`, r)
		case unicode.Is(unicode.Bidi_Control, r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, buf[:n]...)
		}
		buf = buf[n:]
	}
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what an incomplete last character left, escaped.
func (t *termSafe) Flush() error {
	if len(t.rest) == 0 {
		return nil
	}
	rest := t.rest
	t.rest = nil
	out := make([]byte, 0, 4*len(rest))
	for _, b := range rest {
		out = fmt.Appendf(out, `\x%02x`, b)
	}
	_, err := t.w.Write(out)
	return err
}
