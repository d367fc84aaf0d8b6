package syslogd

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/detect"
)

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// collector keeps what a receiver hands on.
type collector struct {
	mu   sync.Mutex
	msgs []Message
}

func (c *collector) handle(m Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

func (c *collector) wait(t *testing.T, n int) []Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		if len(c.msgs) >= n {
			out := append([]Message(nil), c.msgs...)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("received %d messages, want %d", len(c.msgs), n)
	return nil
}

func start(t *testing.T, cfg Config, handle func(Message)) *Receiver {
	t.Helper()
	r, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Serve(ctx, handle); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// Every transport and framing, as senders write them: UDP datagrams (one
// with a newline, one with a NUL after it), TCP with octet counting and
// with newline framing mixed on one connection, TLS with octet counting
// (RFC 5425); a message over the limit cut there, on each transport.
func TestTransportsAndFraming(t *testing.T) {
	cert, pool := selfSigned(t)
	var c collector
	r := start(t, Config{UDP: "127.0.0.1:0", TCP: "127.0.0.1:0", TLS: "127.0.0.1:0", MaxMessage: 100,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, c.handle)
	long := "<13>Dec  1 10:00:00 h app: " + strings.Repeat("x", 200)

	u, err := net.Dial("udp", r.Addr("udp").String())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"<13>Dec  1 10:00:00 h sshd[1]: one\n", "<13>1 2026-12-01T10:00:01Z h sshd 1 - - two\x00", long} {
		u.Write([]byte(m))
	}
	u.Close()
	c.wait(t, 3)

	tc, err := net.Dial("tcp", r.Addr("tcp").String())
	if err != nil {
		t.Fatal(err)
	}
	three := "<13>1 2026-12-01T10:00:02Z h sshd 1 - - three"
	fmt.Fprintf(tc, "%d %s", len(three), three)
	fmt.Fprintf(tc, "<13>Dec  1 10:00:03 h sshd[1]: four\r\n")
	fmt.Fprintf(tc, "%d %s", len(long), long)
	fmt.Fprintf(tc, "%s\n", long)
	fmt.Fprintf(tc, "<13>Dec  1 10:00:04 h sshd[1]: five")
	tc.Close()
	c.wait(t, 8)

	tl, err := tls.Dial("tcp", r.Addr("tls").String(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	six := "<13>1 2026-12-01T10:00:05Z h sshd 1 - - six\n"
	fmt.Fprintf(tl, "%d %s", len(six), six)
	tl.Close()
	got := c.wait(t, 9)

	var summary []string
	for _, m := range got {
		s := fmt.Sprintf("%s %s", m.Transport, m.Data)
		if m.Cut {
			s = fmt.Sprintf("%s cut %d", m.Transport, len(m.Data))
		}
		if m.From.String() != "127.0.0.1" {
			t.Errorf("from %s", m.From)
		}
		summary = append(summary, s)
	}
	want := []string{
		"udp <13>Dec  1 10:00:00 h sshd[1]: one",
		"udp <13>1 2026-12-01T10:00:01Z h sshd 1 - - two",
		"udp cut 100",
		"tcp " + three,
		"tcp <13>Dec  1 10:00:03 h sshd[1]: four",
		"tcp cut 100",
		"tcp cut 100",
		"tcp <13>Dec  1 10:00:04 h sshd[1]: five",
		"tls <13>1 2026-12-01T10:00:05Z h sshd 1 - - six",
	}
	if strings.Join(summary, "\n") != strings.Join(want, "\n") {
		t.Errorf("received:\n%s\nwant:\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
	}
	if st := r.Stats(); st.Received != 9 || st.Cut != 3 || st.Dropped != 0 || st.Conns != 2 {
		t.Errorf("stats %+v", st)
	}
}

// A full queue drops and counts, never blocks the senders; a bad octet
// count closes its connection; connections past the limit from one
// address are refused.
func TestBounds(t *testing.T) {
	release := make(chan struct{})
	var c collector
	r := start(t, Config{TCP: "127.0.0.1:0", Queue: 2, MaxConnsPerAddr: 1}, func(m Message) {
		<-release
		c.handle(m)
	})
	tc, err := net.Dial("tcp", r.Addr("tcp").String())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		fmt.Fprintf(tc, "<13>Dec  1 10:00:00 h app: message %d\n", i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.Stats().Received < 50 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// a second connection from the same address is refused
	second, err := net.Dial("tcp", r.Addr("tcp").String())
	if err != nil {
		t.Fatal(err)
	}
	second.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Error("a connection past the per-address limit was not closed")
	}
	fmt.Fprintf(tc, "12x <13>bad\n")
	tc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := tc.Read(make([]byte, 1)); err == nil {
		t.Error("a bad octet count did not close the connection")
	}
	close(release)
	st := r.Stats()
	// one in the handler, two queued; the rest dropped
	if st.Received != 50 || st.Dropped < 47-1 || st.Refused != 1 {
		t.Errorf("stats %+v", st)
	}
	for r.Stats().Framing == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r.Stats().Framing != 1 {
		t.Errorf("framing errors %d", r.Stats().Framing)
	}
}

// Brute force over syslog: sshd failures sent by a host the model knows
// only by its address (the messages carry another host name) become a
// detection on that asset, with the messages as evidence.
func TestDetectorTiesBySender(t *testing.T) {
	rules, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	en, err := detect.NewEngine(rules)
	if err != nil {
		t.Fatal(err)
	}
	m := &ward.Model{Assets: []ward.Asset{{ID: "vpn-vendor", Addresses: []string{"127.0.0.1"}}}}
	d := NewDetector(en, detect.NewAssets(m, ""), 2026)
	r := start(t, Config{UDP: "127.0.0.1:0"}, d.Handle)
	u, err := net.Dial("udp", r.Addr("udp").String())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		fmt.Fprintf(u, "<38>Dec  1 09:14:%02d gw-7 sshd[77]: Failed password for root from 203.0.113.7 port %d ssh2", i, 50000+i)
	}
	u.Write([]byte("\x00\x01 junk"))
	u.Close()
	deadline := time.Now().Add(10 * time.Second)
	for d.Read()["udp"].Lines < 13 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	dets := d.Detections()
	if len(dets) != 1 || dets[0].Rule != "ward-bruteforce-source" || dets[0].Asset != "vpn-vendor" || dets[0].Count != 12 {
		t.Fatalf("detections %+v", dets)
	}
	if s := dets[0].Samples[0]; s.File != "syslog-udp 127.0.0.1" || s.Line != 1 {
		t.Errorf("sample %+v", s)
	}
	if st := d.Read()["udp"]; st.Events != 12 || st.Corrupt != 1 || st.Bad[0].Line != 13 {
		t.Errorf("read %+v", st)
	}
}
