package discover

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Hello is what discovery reads of a TLS ClientHello or ServerHello.
type Hello struct {
	Client bool
	// Version is the highest version a client offers, or the one a
	// server chose (from supported_versions when present).
	Version uint16
	SNI     string
	ALPN    []string
}

// helloView is a Hello read in place: the server name and the ALPN
// protocols are the raw bytes of the record (before cleanText), so that a
// handshake allocates nothing until a flow keeps a detail of it.
type helloView struct {
	client  bool
	version uint16
	sni     []byte
	hasSNI  bool
	alpn    [8][]byte
	nALPN   int
}

// ParseTLSRecord reads the handshake at the start of b: the first message of
// the first record, which must be a ClientHello or a ServerHello. n is the
// record's length.
func ParseTLSRecord(b []byte) (Hello, int, error) {
	v, n, err := parseHello(b)
	h := Hello{Client: v.client, Version: v.version}
	if v.hasSNI {
		h.SNI = cleanText(v.sni, 255)
	}
	for _, p := range v.alpn[:v.nALPN] {
		h.ALPN = append(h.ALPN, cleanText(p, 32))
	}
	return h, n, err
}

// parseHello is ParseTLSRecord over the record's own bytes.
func parseHello(b []byte) (helloView, int, error) {
	var h helloView
	if len(b) < 5 {
		return h, 0, errShort
	}
	if b[0] != 0x16 {
		return h, 0, fmt.Errorf("TLS: record type %d, not a handshake", b[0])
	}
	l := int(binary.BigEndian.Uint16(b[3:5]))
	if l > 1<<14+2048 {
		return h, 0, fmt.Errorf("TLS: record length %d too large", l)
	}
	if len(b) < 5+l {
		return h, 0, errShort
	}
	rec := b[5 : 5+l]
	if len(rec) < 4 {
		return h, 0, fmt.Errorf("TLS: handshake record of %d bytes", len(rec))
	}
	typ := rec[0]
	hl := int(rec[1])<<16 | int(rec[2])<<8 | int(rec[3])
	body := rec[4:]
	if hl < len(body) {
		body = body[:hl]
	}
	// A hello split across records is read as far as this record goes.
	var err error
	switch typ {
	case 1:
		h.client = true
		err = h.clientHello(body)
	case 2:
		err = h.serverHello(body)
	default:
		return h, 5 + l, fmt.Errorf("TLS: handshake type %d, not a hello", typ)
	}
	return h, 5 + l, err
}

type reader struct {
	b   []byte
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n > len(r.b) {
		r.bad = true
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() int {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return int(b[0])
}

func (r *reader) u16() int {
	b := r.take(2)
	if b == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(b))
}

func (h *helloView) clientHello(body []byte) error {
	r := &reader{b: body}
	h.version = uint16(r.u16())
	r.take(32)
	r.take(r.u8())  // session id
	r.take(r.u16()) // cipher suites
	r.take(r.u8())  // compression methods
	if r.bad {
		return fmt.Errorf("TLS: ClientHello cut short")
	}
	if len(r.b) == 0 {
		return nil
	}
	return h.extensions(r.take(r.u16()), r.bad)
}

func (h *helloView) serverHello(body []byte) error {
	r := &reader{b: body}
	h.version = uint16(r.u16())
	r.take(32)
	r.take(r.u8())
	r.take(2)
	r.take(1)
	if r.bad {
		return fmt.Errorf("TLS: ServerHello cut short")
	}
	if len(r.b) == 0 {
		return nil
	}
	return h.extensions(r.take(r.u16()), r.bad)
}

func (h *helloView) extensions(ext []byte, bad bool) error {
	if bad {
		return fmt.Errorf("TLS: extensions cut short")
	}
	r := &reader{b: ext}
	for len(r.b) >= 4 {
		typ := r.u16()
		data := r.take(r.u16())
		if r.bad {
			return fmt.Errorf("TLS: extension %d cut short", typ)
		}
		e := &reader{b: data}
		switch typ {
		case 0: // server_name
			list := &reader{b: e.take(e.u16())}
			for len(list.b) >= 3 && !list.bad {
				kind := list.u8()
				name := list.take(list.u16())
				if kind == 0 && name != nil {
					h.sni, h.hasSNI = name, true
				}
			}
		case 16: // ALPN
			list := &reader{b: e.take(e.u16())}
			for len(list.b) > 0 && h.nALPN < len(h.alpn) {
				p := list.take(list.u8())
				if p == nil {
					break
				}
				h.alpn[h.nALPN] = p
				h.nALPN++
			}
		case 43: // supported_versions
			if h.client {
				vs := e.take(e.u8())
				for i := 0; i+1 < len(vs); i += 2 {
					v := binary.BigEndian.Uint16(vs[i:])
					if v&0x0f0f != 0x0a0a && v > h.version { // skip GREASE
						h.version = v
					}
				}
			} else if v := e.u16(); !e.bad {
				h.version = uint16(v)
			}
		}
	}
	return nil
}

func tlsVersion(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("TLS 0x%04x", v)
}

// dissectTLS reads the hellos: the server's name, the version agreed.
// Everything after is encrypted, so the stream is left alone then. The
// hello is read in place and its details built in stack buffers: a
// handshake repeating what its flow holds allocates nothing.
func dissectTLS(c *conv, fromClient bool, b []byte) (int, int, error) {
	h, n, err := parseHello(b)
	if err != nil {
		if err != errShort {
			c.done = true
		}
		return 0, 0, err
	}
	f := c.flow
	var buf [320]byte
	if f.Protocol == "other" || f.Protocol == "" || !encryptedByDefault(f.Protocol) && !tlsPort(f.Port) {
		f.Protocol, f.Confidence, f.Reason = "tls", 90, "TLS handshake"
		for _, a := range h.alpn[:h.nALPN] {
			if a := appendClean(buf[:0], a, 32); string(a) == "http/1.1" || string(a) == "h2" {
				f.Protocol, f.Reason = "https", "TLS handshake offering HTTP (ALPN)"
			}
		}
	} else {
		f.Confidence = 85
		if r := strconv.AppendInt(append(buf[:0], "TLS handshake on port "...), int64(f.Port), 10); f.Reason != string(r) {
			f.Reason = string(r)
		}
	}
	c.identified = true
	f.Encrypted = true
	if h.client {
		if !h.hasSNI {
			return n, 0, nil
		}
		d := append(buf[:0], "TLS server name "...)
		if d = appendClean(d, h.sni, 255); len(d) > len("TLS server name ") {
			f.detailBytes(d)
			c.server.nameBytes(d[len("TLS server name "):], "TLS server name (SNI)")
		}
		return n, 0, nil
	}
	f.detail(tlsVersion(h.version))
	if h.version < 0x0303 {
		f.weakBytes(append(append(buf[:0], tlsVersion(h.version)...), " is deprecated (RFC 8996)"...))
	}
	c.done = true
	return n, 0, nil
}

// tlsPort says whether a port is a protocol's TLS variant, so a TLS
// handshake there keeps the protocol (DICOM over TLS stays DICOM).
func tlsPort(port int) bool {
	w, ok := portProtocol(port, "tcp")
	return ok && w.tls
}
