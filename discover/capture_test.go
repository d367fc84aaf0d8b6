package discover

import (
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// capWriter writes synthetic but well-formed Ethernet/IPv4/TCP and UDP
// packets into a pcapng file: the tests' captures, and the benchmark's.
type capWriter struct {
	mu  sync.Mutex
	w   *pcapgo.NgWriter
	buf gopacket.SerializeBuffer
	now time.Time
}

func newCapWriter(t testing.TB, w io.Writer) *capWriter {
	ng, err := pcapgo.NewNgWriter(w, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	return &capWriter{w: ng, buf: gopacket.NewSerializeBuffer(), now: time.Date(2025, 10, 14, 9, 30, 0, 0, time.UTC)}
}

func (cw *capWriter) flush(t testing.TB) {
	if err := cw.w.Flush(); err != nil {
		t.Fatal(err)
	}
}

type endpoint struct {
	ap  netip.AddrPort
	mac net.HardwareAddr
}

func ep(addr string, mac string) endpoint {
	m, _ := net.ParseMAC(mac)
	return endpoint{netip.MustParseAddrPort(addr), m}
}

func (cw *capWriter) write(t testing.TB, src, dst endpoint, l4 gopacket.SerializableLayer, payload []byte) {
	eth := &layers.Ethernet{SrcMAC: src.mac, DstMAC: dst.mac, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: src.ap.Addr().AsSlice(), DstIP: dst.ap.Addr().AsSlice()}
	switch l := l4.(type) {
	case *layers.TCP:
		ip.Protocol = layers.IPProtocolTCP
		l.SetNetworkLayerForChecksum(ip)
	case *layers.UDP:
		ip.Protocol = layers.IPProtocolUDP
		l.SetNetworkLayerForChecksum(ip)
	}
	if err := gopacket.SerializeLayers(cw.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, l4, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	cw.now = cw.now.Add(time.Millisecond)
	data := cw.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: cw.now, CaptureLength: len(data), Length: len(data)}
	if err := cw.w.WritePacket(ci, data); err != nil {
		t.Fatal(err)
	}
}

// tcpConn is one synthetic TCP connection.
type tcpConn struct {
	cw       *capWriter
	cli, srv endpoint
	seq      [2]uint32
}

func (cw *capWriter) dial(t testing.TB, cli, srv endpoint) *tcpConn {
	c := &tcpConn{cw: cw, cli: cli, srv: srv, seq: [2]uint32{1000, 5000}}
	cw.mu.Lock()
	defer cw.mu.Unlock()
	cw.write(t, cli, srv, c.tcp(true, true, false), nil)
	c.seq[0]++
	cw.write(t, srv, cli, c.tcp(false, true, true), nil)
	c.seq[1]++
	cw.write(t, cli, srv, c.tcp(true, false, true), nil)
	return c
}

func (c *tcpConn) tcp(fromClient, syn, ack bool) *layers.TCP {
	src, dst := c.cli, c.srv
	d := 0
	if !fromClient {
		src, dst, d = c.srv, c.cli, 1
	}
	return &layers.TCP{SrcPort: layers.TCPPort(src.ap.Port()), DstPort: layers.TCPPort(dst.ap.Port()),
		Seq: c.seq[d], Ack: c.seq[1-d], SYN: syn, ACK: ack, PSH: !syn, Window: 65535}
}

// send writes payload as segments of at most 1448 bytes.
func (c *tcpConn) send(t testing.TB, fromClient bool, payload []byte) {
	c.cw.mu.Lock()
	defer c.cw.mu.Unlock()
	src, dst, d := c.cli, c.srv, 0
	if !fromClient {
		src, dst, d = c.srv, c.cli, 1
	}
	for len(payload) > 0 {
		n := min(len(payload), 1448)
		c.cw.write(t, src, dst, c.tcp(fromClient, false, true), payload[:n])
		c.seq[d] += uint32(n)
		payload = payload[n:]
	}
}

func (c *tcpConn) close(t testing.TB) {
	c.cw.mu.Lock()
	defer c.cw.mu.Unlock()
	fin := c.tcp(true, false, true)
	fin.FIN = true
	c.cw.write(t, c.cli, c.srv, fin, nil)
	c.seq[0]++
	fin = c.tcp(false, false, true)
	fin.FIN = true
	c.cw.write(t, c.srv, c.cli, fin, nil)
	c.seq[1]++
}

func (cw *capWriter) udp(t testing.TB, src, dst endpoint, payload []byte) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	cw.write(t, src, dst, &layers.UDP{SrcPort: layers.UDPPort(src.ap.Port()), DstPort: layers.UDPPort(dst.ap.Port())}, payload)
}

// recordingProxy listens on loopback and forwards each connection to
// target, recording both directions into the capture as a connection
// between the endpoints given: real peers talk through it, and the capture
// shows them with the hospital addresses the test chooses.
func recordingProxy(t *testing.T, cw *capWriter, target string, cli, srv endpoint) (addr string, wait func()) {
	t.Helper()
	var all sync.WaitGroup
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	port := 0
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			port++
			all.Add(1)
			c := cli
			c.ap = netip.AddrPortFrom(cli.ap.Addr(), cli.ap.Port()+uint16(port))
			conn := cw.dial(t, c, srv)
			var wg sync.WaitGroup
			pipe := func(dst, src net.Conn, fromClient bool) {
				defer wg.Done()
				b := make([]byte, 32<<10)
				for {
					n, err := src.Read(b)
					if n > 0 {
						conn.send(t, fromClient, b[:n])
						dst.Write(b[:n])
					}
					if err != nil {
						if tc, ok := dst.(*net.TCPConn); ok {
							tc.CloseWrite()
						}
						return
					}
				}
			}
			wg.Add(2)
			go pipe(out, in, true)
			go pipe(in, out, false)
			go func() {
				wg.Wait()
				conn.close(t)
				in.Close()
				out.Close()
				all.Done()
			}()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		all.Wait()
	}
}

// needTool finds a command or skips the test, unless WARD_TOOL_TESTS=1
// says the tools must be there (CI installs them).
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("WARD_TOOL_TESTS") == "1" {
			t.Fatalf("%s is not installed (Debian package %s) and WARD_TOOL_TESTS=1", name, pkg)
		}
		t.Skipf("%s is not installed (apt-get install %s); set WARD_TOOL_TESTS=1 to make this a failure", name, pkg)
	}
	return p
}

// freePort finds a loopback TCP port nothing listens on.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitListening waits until something accepts connections on addr.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for range 100 {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}
