// Package syslogd receives syslog messages over the network — UDP (RFC
// 5426), TCP (RFC 6587, octet counting and newline framing, told apart
// frame by frame) and TLS (RFC 5425) — RFC 5424 and RFC 3164 alike, and
// hands each to a detector that reads it with the same readers and rules
// as 'ward detect'.
//
// It is bounded everywhere: a message is read up to MaxMessage bytes (the
// rest is dropped and the message counted as cut), at most MaxConns
// connections are open (MaxConnsPerAddr from one address), a connection
// silent for IdleTimeout is closed, and messages wait in a queue of at most
// Queue messages and QueueBytes bytes: when it is full a message is dropped
// and counted, never waited for, so a flood of syslog cannot hold up the
// receiving of other senders nor the HTTP server beside it.
package syslogd

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhealth/ward/detect"
)

// Defaults of Config's limits.
const (
	DefaultMaxMessage      = detect.MaxLine // 64 KiB, as a line of a file
	DefaultMaxConns        = 256
	DefaultMaxConnsPerAddr = 16
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultQueue           = 16384
	DefaultQueueBytes      = 64 << 20
)

// Config says where to listen and within which limits.
type Config struct {
	// UDP, TCP and TLS are addresses (host:port) to listen on; empty
	// ones are not listened on.
	UDP, TCP, TLS string
	// TLSConfig has the server's certificate, for TLS.
	TLSConfig *tls.Config
	// MaxMessage is the most bytes of a message read (default 64 KiB).
	MaxMessage int
	// MaxConns and MaxConnsPerAddr bound the TCP and TLS connections
	// open at once, in all and from one address (defaults 256, 16).
	MaxConns, MaxConnsPerAddr int
	// IdleTimeout closes a connection that sends nothing for so long
	// (default 5 minutes).
	IdleTimeout time.Duration
	// Queue and QueueBytes bound the messages waiting for the detector
	// (defaults 16,384 messages, 64 MiB).
	Queue, QueueBytes int
	Log               *slog.Logger
}

// Message is one syslog message as received.
type Message struct {
	Data      []byte
	From      netip.Addr
	Transport string // udp, tcp, tls
	Cut       bool   // longer than MaxMessage, cut there
}

// Stats count what was received. Every field only grows.
type Stats struct {
	Received  int64 `json:"received"`
	Bytes     int64 `json:"bytes"`
	Cut       int64 `json:"cut"`
	Dropped   int64 `json:"dropped"` // the queue was full
	Refused   int64 `json:"refused_connections"`
	Framing   int64 `json:"framing_errors"` // a bad octet count: the connection is closed
	Conns     int64 `json:"connections"`
	OpenConns int64 `json:"open_connections"`
}

// Receiver listens and queues messages for one handler.
type Receiver struct {
	cfg     Config
	queue   chan Message
	qbytes  atomic.Int64
	stats   struct{ received, bytes, cut, dropped, refused, framing, conns, open atomic.Int64 }
	mu      sync.Mutex
	perAddr map[netip.Addr]int
	lns     []listener
	udp     net.PacketConn
	addrs   map[string]net.Addr
	wg      sync.WaitGroup
}

// Listen opens the listeners of cfg. Serve then receives.
func Listen(cfg Config) (*Receiver, error) {
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxConnsPerAddr <= 0 {
		cfg.MaxConnsPerAddr = DefaultMaxConnsPerAddr
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = DefaultQueueBytes
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	r := &Receiver{cfg: cfg, queue: make(chan Message, cfg.Queue), perAddr: map[netip.Addr]int{}, addrs: map[string]net.Addr{}}
	fail := func(err error) (*Receiver, error) {
		r.close()
		return nil, err
	}
	if cfg.UDP != "" {
		pc, err := net.ListenPacket("udp", cfg.UDP)
		if err != nil {
			return fail(fmt.Errorf("syslog over UDP: %w", err))
		}
		r.udp, r.addrs["udp"] = pc, pc.LocalAddr()
	}
	if cfg.TCP != "" {
		ln, err := net.Listen("tcp", cfg.TCP)
		if err != nil {
			return fail(fmt.Errorf("syslog over TCP: %w", err))
		}
		r.lns, r.addrs["tcp"] = append(r.lns, listener{ln, "tcp"}), ln.Addr()
	}
	if cfg.TLS != "" {
		if cfg.TLSConfig == nil || len(cfg.TLSConfig.Certificates) == 0 && cfg.TLSConfig.GetCertificate == nil {
			return fail(errors.New("syslog over TLS needs a certificate and its key"))
		}
		ln, err := net.Listen("tcp", cfg.TLS)
		if err != nil {
			return fail(fmt.Errorf("syslog over TLS: %w", err))
		}
		r.lns, r.addrs["tls"] = append(r.lns, listener{tls.NewListener(ln, cfg.TLSConfig), "tls"}), ln.Addr()
	}
	return r, nil
}

// Addr is the address listened on for a transport (udp, tcp, tls), or nil.
func (r *Receiver) Addr(transport string) net.Addr { return r.addrs[transport] }

// Stats returns the counts so far.
func (r *Receiver) Stats() Stats {
	s := &r.stats
	return Stats{Received: s.received.Load(), Bytes: s.bytes.Load(), Cut: s.cut.Load(), Dropped: s.dropped.Load(),
		Refused: s.refused.Load(), Framing: s.framing.Load(), Conns: s.conns.Load(), OpenConns: s.open.Load()}
}

// Close closes the listeners of a receiver that will not Serve.
func (r *Receiver) Close() { r.close() }

func (r *Receiver) close() {
	if r.udp != nil {
		r.udp.Close()
	}
	for _, ln := range r.lns {
		ln.Close()
	}
}

// Serve receives until ctx ends, handing each message to handle on one
// goroutine (handle may keep no part of msg.Data). It returns when every
// listener and connection is closed and the queue is empty.
func (r *Receiver) Serve(ctx context.Context, handle func(Message)) {
	done := make(chan struct{})
	go func() {
		for m := range r.queue {
			r.qbytes.Add(-int64(len(m.Data)))
			handle(m)
		}
		close(done)
	}()
	if r.udp != nil {
		r.wg.Add(1)
		go r.serveUDP()
	}
	var conns sync.WaitGroup
	cctx, stopConns := context.WithCancel(ctx)
	for _, ln := range r.lns {
		r.wg.Add(1)
		go r.accept(cctx, ln, ln.transport, &conns)
	}
	<-ctx.Done()
	r.close()
	r.wg.Wait()
	stopConns()
	conns.Wait()
	close(r.queue)
	<-done
}

// enqueue queues a copy of data, or drops it when the queue is full.
func (r *Receiver) enqueue(data []byte, from netip.Addr, transport string, cut bool) {
	r.stats.received.Add(1)
	r.stats.bytes.Add(int64(len(data)))
	if cut {
		r.stats.cut.Add(1)
	}
	if r.qbytes.Add(int64(len(data))) > int64(r.cfg.QueueBytes) {
		r.qbytes.Add(-int64(len(data)))
		r.stats.dropped.Add(1)
		return
	}
	m := Message{Data: append([]byte(nil), data...), From: from, Transport: transport, Cut: cut}
	select {
	case r.queue <- m:
	default:
		r.qbytes.Add(-int64(len(data)))
		r.stats.dropped.Add(1)
	}
}

func (r *Receiver) serveUDP() {
	defer r.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, addr, err := r.udp.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		var from netip.Addr
		if ua, ok := addr.(*net.UDPAddr); ok {
			from = ua.AddrPort().Addr().Unmap()
		}
		data, cut := trimMessage(buf[:n]), false
		if len(data) > r.cfg.MaxMessage {
			data, cut = data[:r.cfg.MaxMessage], true
		}
		if len(data) > 0 {
			r.enqueue(data, from, "udp", cut)
		}
	}
}

// trimMessage drops the line ends and NULs senders put after a message.
func trimMessage(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	return b
}

func (r *Receiver) accept(ctx context.Context, ln net.Listener, transport string, conns *sync.WaitGroup) {
	defer r.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // too many open files, say
			continue
		}
		var from netip.Addr
		if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
			from = ta.AddrPort().Addr().Unmap()
		}
		if !r.admit(from) {
			r.stats.refused.Add(1)
			c.Close()
			continue
		}
		r.stats.conns.Add(1)
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer r.release(from)
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			defer c.Close()
			if err := r.readStream(c, from, transport); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				r.cfg.Log.Debug("syslog connection closed", "from", from, "transport", transport, "err", err)
			}
		}()
	}
}

func (r *Receiver) admit(from netip.Addr) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stats.open.Load() >= int64(r.cfg.MaxConns) || r.perAddr[from] >= r.cfg.MaxConnsPerAddr {
		return false
	}
	r.perAddr[from]++
	r.stats.open.Add(1)
	return true
}

func (r *Receiver) release(from netip.Addr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.perAddr[from]--; r.perAddr[from] <= 0 {
		delete(r.perAddr, from)
	}
	r.stats.open.Add(-1)
}

// deadlineConn renews a connection's read deadline before each read.
type listener struct {
	net.Listener
	transport string
}

type deadlineConn struct {
	net.Conn
	idle time.Duration
}

func (d deadlineConn) Read(p []byte) (int, error) {
	if err := d.SetReadDeadline(time.Now().Add(d.idle)); err != nil {
		return 0, err
	}
	return d.Conn.Read(p)
}

// readStream reads framed messages from a connection (RFC 6587): a frame
// starting with a digit is octet-counted ("LEN SP MSG"), any other ends at
// a newline. It returns why it stopped: io.EOF when the sender closed.
func (r *Receiver) readStream(c net.Conn, from netip.Addr, transport string) error {
	br := bufio.NewReaderSize(deadlineConn{c, r.cfg.IdleTimeout}, 64<<10)
	max := r.cfg.MaxMessage
	buf := make([]byte, 0, 4096)
	for {
		b, err := br.Peek(1)
		if err != nil {
			return err
		}
		if b[0] >= '0' && b[0] <= '9' {
			n, err := readCount(br)
			if err != nil {
				r.stats.framing.Add(1)
				return err
			}
			keep := min(n, max)
			if cap(buf) < keep {
				buf = make([]byte, keep)
			}
			buf = buf[:keep]
			if _, err := io.ReadFull(br, buf); err != nil {
				return err
			}
			if n > keep {
				if _, err := br.Discard(n - keep); err != nil {
					return err
				}
			}
			if m := trimMessage(buf); len(m) > 0 {
				r.enqueue(m, from, transport, n > keep)
			}
			continue
		}
		// newline framing
		buf = buf[:0]
		cut := false
		for {
			part, err := br.ReadSlice('\n')
			if len(buf)+len(part) > max {
				part, cut = part[:max-len(buf)], true
			}
			buf = append(buf, part...)
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if m := trimMessage(buf); len(m) > 0 && errors.Is(err, io.EOF) {
				r.enqueue(m, from, transport, cut)
			}
			return err
		}
		if m := trimMessage(buf); len(m) > 0 {
			r.enqueue(m, from, transport, cut)
		}
	}
}

// maxCount is the longest octet count read: a larger one is no syslog
// frame (RFC 5425 allows any, but no message Ward reads is that long).
const maxCount = 1 << 30

// readCount reads "LEN SP".
func readCount(br *bufio.Reader) (int, error) {
	var digits []byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c == ' ' {
			break
		}
		if c < '0' || c > '9' || len(digits) > 9 {
			return 0, fmt.Errorf("syslog: bad octet count %q", append(digits, c))
		}
		digits = append(digits, c)
	}
	n, err := strconv.Atoi(string(digits))
	if err != nil || n <= 0 || n > maxCount {
		return 0, fmt.Errorf("syslog: bad octet count %q", digits)
	}
	return n, nil
}
