package discover

import (
	"encoding/binary"
	"fmt"
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

// ParseTLSRecord reads the handshake at the start of b: the first message of
// the first record, which must be a ClientHello or a ServerHello. n is the
// record's length.
func ParseTLSRecord(b []byte) (Hello, int, error) {
	var h Hello
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
		h.Client = true
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

func (h *Hello) clientHello(body []byte) error {
	r := &reader{b: body}
	h.Version = uint16(r.u16())
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

func (h *Hello) serverHello(body []byte) error {
	r := &reader{b: body}
	h.Version = uint16(r.u16())
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

func (h *Hello) extensions(ext []byte, bad bool) error {
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
					h.SNI = cleanText(name, 255)
				}
			}
		case 16: // ALPN
			list := &reader{b: e.take(e.u16())}
			for len(list.b) > 0 && len(h.ALPN) < 8 {
				p := list.take(list.u8())
				if p == nil {
					break
				}
				h.ALPN = append(h.ALPN, cleanText(p, 32))
			}
		case 43: // supported_versions
			if h.Client {
				vs := e.take(e.u8())
				for i := 0; i+1 < len(vs); i += 2 {
					v := binary.BigEndian.Uint16(vs[i:])
					if v&0x0f0f != 0x0a0a && v > h.Version { // skip GREASE
						h.Version = v
					}
				}
			} else if v := e.u16(); !e.bad {
				h.Version = uint16(v)
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
// Everything after is encrypted, so the stream is left alone then.
func dissectTLS(c *conv, fromClient bool, b []byte) (int, int, error) {
	h, n, err := ParseTLSRecord(b)
	if err != nil {
		if err != errShort {
			c.done = true
		}
		return 0, 0, err
	}
	f := c.flow
	if f.Protocol == "other" || f.Protocol == "" || !encryptedByDefault(f.Protocol) && !tlsPort(f.Port) {
		f.Protocol, f.Confidence, f.Reason = "tls", 90, "TLS handshake"
		for _, a := range h.ALPN {
			if a == "http/1.1" || a == "h2" {
				f.Protocol, f.Reason = "https", "TLS handshake offering HTTP (ALPN)"
			}
		}
	} else {
		f.Confidence, f.Reason = 85, fmt.Sprintf("TLS handshake on port %d", f.Port)
	}
	c.identified = true
	f.Encrypted = true
	if h.Client {
		if h.SNI != "" {
			f.detail("TLS server name " + h.SNI)
			c.server.name(h.SNI, "TLS server name (SNI)")
		}
		return n, 0, nil
	}
	f.detail(tlsVersion(h.Version))
	if h.Version < 0x0303 {
		f.weak(tlsVersion(h.Version) + " is deprecated (RFC 8996)")
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
