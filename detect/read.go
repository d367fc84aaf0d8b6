package detect

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxLine is the longest line read whole, in bytes: a longer line is cut
// here (the rest, up to its newline, is dropped), read as far as the cut
// part allows, and counted in Stats.Truncated.
const MaxLine = 64 << 10

// maxKept is how many corrupt or cut line numbers Stats keeps; the counts
// go on past it.
const maxKept = 100

// Stats say what a reader made of its input.
type Stats struct {
	Lines     int `json:"lines"`
	Events    int `json:"events"`
	Blank     int `json:"blank,omitempty"`
	Corrupt   int `json:"corrupt,omitempty"`
	Truncated int `json:"truncated,omitempty"`
	// Bad are the first corrupt lines, with why.
	Bad []BadLine `json:"bad,omitempty"`
	// Cut are the numbers of the first lines cut at MaxLine.
	Cut []int `json:"cut,omitempty"`
}

// BadLine is a line no reader could read.
type BadLine struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (b BadLine) String() string { return fmt.Sprintf("%s:%d: %s", b.File, b.Line, b.Reason) }

// Reader reads events from one log, whichever of the formats each line is
// in: syslog (RFC 3164, RFC 5424, or a file with RFC 3339 time stamps) with
// OpenSSH, PAM and iptables/nftables messages inside, web access logs
// (common and combined), and Windows events as JSON (one object a line).
type Reader struct {
	br  *bufio.Reader
	lr  LineReader
	err error
}

// LineReader reads events from lines handed to it one by one (syslog
// messages received over the network, a followed file): the same formats
// and counts as Reader.
type LineReader struct {
	name  string
	p     parser
	ev    Event
	stats Stats
}

// NewLineReader reads lines named name in events and errors; year is as
// for NewReader.
func NewLineReader(name string, year int) *LineReader {
	now := time.Now()
	lr := &LineReader{name: name, p: parser{now: now, year: year}}
	if year == 0 {
		lr.p.year = now.Year()
		lr.p.guessYear = true
	}
	return lr
}

// NewReader reads r, whose lines are named name in events and errors.
// RFC 3164 time stamps carry no year: it is taken from year (0: this year,
// or last year for a date that would be in the future).
func NewReader(r io.Reader, name string, year int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, MaxLine), lr: *NewLineReader(name, year)}
}

// Stats returns what has been read so far.
func (r *Reader) Stats() Stats { return r.lr.stats }

// Err is the error that stopped reading, other than the end of input.
func (r *Reader) Err() error { return r.err }

// Next returns the next event, or nil at the end of input or on a read
// error (see Err). The event is reused by the next call: copy what must
// outlive it (its strings may be kept).
func (r *Reader) Next() *Event {
	for r.err == nil {
		raw, cut, err := r.readLine()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.err = fmt.Errorf("%s: line %d: %w", r.lr.name, r.lr.stats.Lines+1, err)
			}
			if raw == nil {
				return nil
			}
		}
		if e := r.lr.Read(raw, cut); e != nil {
			return e
		}
	}
	return nil
}

// Stats returns what has been read so far.
func (lr *LineReader) Stats() Stats { return lr.stats }

// Read reads one line (its end of line, if any, is left out; cut says it
// was cut at a size limit) and returns its event, or nil for a blank or
// corrupt line, which is counted. The event is reused by the next call.
func (lr *LineReader) Read(raw []byte, cut bool) *Event {
	lr.stats.Lines++
	if cut {
		lr.stats.Truncated++
		if len(lr.stats.Cut) < maxKept {
			lr.stats.Cut = append(lr.stats.Cut, lr.stats.Lines)
		}
	}
	line := trimEOL(raw)
	if len(line) == 0 {
		lr.stats.Blank++
		return nil
	}
	e := &lr.ev
	*e = Event{File: lr.name, Line: lr.stats.Lines, Raw: string(line)}
	if reason := lr.p.parse(e); reason != "" {
		lr.stats.Corrupt++
		if len(lr.stats.Bad) < maxKept {
			lr.stats.Bad = append(lr.stats.Bad, BadLine{File: lr.name, Line: lr.stats.Lines, Reason: reason})
		}
		return nil
	}
	lr.stats.Events++
	return e
}

// readLine returns the next line, cut at MaxLine bytes.
func (r *Reader) readLine() (line []byte, cut bool, err error) {
	line, err = r.br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		if len(line) == 0 {
			line = nil
		}
		return line, false, err
	}
	// Keep the first MaxLine bytes; drop the rest of the line.
	kept := append([]byte(nil), line...)
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = r.br.ReadSlice('\n')
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return kept, true, err
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
