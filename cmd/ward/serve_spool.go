package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync"

	"github.com/wardhealth/ward/detect/syslogd"
)

// spool keeps the last syslog messages received, one a line ("transport
// TAB sender TAB message"), in a file of at most max bytes and the one
// before it (FILE.1): the bounded tail replayed at start.
type spool struct {
	mu   sync.Mutex
	path string
	f    *os.File
	w    *bufio.Writer
	size int64
	max  int64
	log  *slog.Logger
}

// openSpool replays the spool of f (FILE.1, then FILE) through det and
// opens it to append to; nil when there is none to keep.
func (o *options) openSpool(f *syslogFlags, det *syslogd.Detector, log *slog.Logger) (*spool, error) {
	path := f.spool
	if path == "" {
		if f.demo || o.db != "" || os.Getenv("WARD_DB") != "" {
			return nil, nil
		}
		dir, err := o.dataDir()
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "syslog.spool")
	}
	replayed := 0
	for _, p := range []string{path + ".1", path} {
		n, err := replaySpool(p, det)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("syslog spool: %w", err)
		}
		replayed += n
	}
	if replayed > 0 {
		log.Info("syslog spool replayed", "file", path, "messages", replayed, "open_windows", det.Windows())
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("syslog spool: %w", err)
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, err
	}
	return &spool{path: path, f: file, w: bufio.NewWriterSize(file, 64<<10), size: st.Size(), max: max(f.spoolMax, 1) << 20, log: log}, nil
}

func replaySpool(path string, det *syslogd.Detector) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), syslogd.DefaultMaxMessage*2)
	n := 0
	for sc.Scan() {
		transport, rest, ok := bytes.Cut(sc.Bytes(), []byte{'\t'})
		from, data, ok2 := bytes.Cut(rest, []byte{'\t'})
		if !ok || !ok2 {
			continue // a line cut by a crash
		}
		addr, _ := netip.ParseAddr(string(from))
		det.Handle(syslogd.Message{Data: data, From: addr, Transport: string(transport)})
		n++
	}
	return n, sc.Err()
}

// write adds a message; past max bytes the file becomes FILE.1.
func (s *spool) write(m syslogd.Message) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size >= s.max {
		s.w.Flush()
		s.f.Close()
		if err := os.Rename(s.path, s.path+".1"); err != nil {
			s.log.Error("syslog spool", "err", err)
		}
		f, err := os.OpenFile(s.path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			s.log.Error("syslog spool: no more messages kept", "err", err)
			s.max = 1 << 62
			s.f, s.w = nil, bufio.NewWriter(discard{})
			return
		}
		s.f, s.size = f, 0
		s.w.Reset(f)
	}
	from := ""
	if m.From.IsValid() {
		from = m.From.String()
	}
	n, _ := fmt.Fprintf(s.w, "%s\t%s\t", m.Transport, from)
	for _, c := range m.Data {
		if c == '\n' || c == '\r' {
			c = ' '
		}
		s.w.WriteByte(c)
	}
	s.w.WriteByte('\n')
	s.size += int64(n + len(m.Data) + 1)
}

func (s *spool) flush() {
	if s != nil {
		s.mu.Lock()
		s.w.Flush()
		s.mu.Unlock()
	}
}

func (s *spool) close() {
	if s != nil && s.f != nil {
		s.mu.Lock()
		s.w.Flush()
		s.f.Close()
		s.mu.Unlock()
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
