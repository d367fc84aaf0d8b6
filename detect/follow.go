package detect

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Follower reads a growing file as 'tail -F' does: from its start, then
// what is appended to it, until its context ends (then Read returns
// io.EOF). When the file is rotated (the name is another file now) the
// old one is read to its end and the new one from its start; when it is
// truncated it is read again from its start. Rotations and truncations
// are counted.
type Follower struct {
	ctx  context.Context
	path string
	poll time.Duration
	f    *os.File
	off  int64
	// Idle, when set, is called each time the reader has caught up with
	// the file, on the reading goroutine, before it waits.
	Idle      func()
	Rotated   int
	Truncated int
}

// Follow opens path to follow it, looking for more every poll (default
// 250 ms).
func Follow(ctx context.Context, path string, poll time.Duration) (*Follower, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	return &Follower{ctx: ctx, path: path, poll: poll, f: f}, nil
}

// Close closes the file.
func (fl *Follower) Close() error { return fl.f.Close() }

func (fl *Follower) Read(p []byte) (int, error) {
	for {
		n, err := fl.f.Read(p)
		fl.off += int64(n)
		if n > 0 {
			return n, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if fl.ctx.Err() != nil {
			return 0, io.EOF
		}
		// At the end: rotated, truncated, or nothing new yet?
		if st, err := os.Stat(fl.path); err == nil {
			cur, _ := fl.f.Stat()
			switch {
			case cur != nil && !os.SameFile(st, cur):
				if nf, err := os.Open(fl.path); err == nil {
					fl.f.Close()
					fl.f, fl.off = nf, 0
					fl.Rotated++
					continue
				}
			case st.Size() < fl.off:
				if _, err := fl.f.Seek(0, io.SeekStart); err == nil {
					fl.off = 0
					fl.Truncated++
					continue
				}
			}
		}
		if fl.Idle != nil {
			fl.Idle()
		}
		select {
		case <-fl.ctx.Done():
			return 0, io.EOF
		case <-time.After(fl.poll):
		}
	}
}
