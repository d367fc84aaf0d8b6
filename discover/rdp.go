package discover

import (
	"encoding/binary"
	"fmt"
)

// RDPNegotiation is what discovery reads of an RDP connection request or
// confirm (MS-RDPBCGR 2.2.1.1 and 2.2.1.2): the security protocols asked
// for or chosen.
type RDPNegotiation struct {
	Confirm   bool
	Protocols uint32 // 1 TLS, 2 CredSSP (NLA), 8 RDSTLS; 0 standard RDP security
	Cookie    bool
}

// ParseRDP reads the TPKT and X.224 connection request or confirm at the
// start of b and the bytes it takes.
func ParseRDP(b []byte) (RDPNegotiation, int, error) {
	var r RDPNegotiation
	if len(b) < 4 {
		return r, 0, errShort
	}
	if b[0] != 3 || b[1] != 0 {
		return r, 0, fmt.Errorf("RDP: not a TPKT header")
	}
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if l < 7 {
		return r, 0, fmt.Errorf("RDP: TPKT length %d too short", l)
	}
	if len(b) < l {
		return r, 0, errShort
	}
	x := b[4:l]
	switch x[1] & 0xf0 {
	case 0xe0:
	case 0xd0:
		r.Confirm = true
	default:
		return r, l, nil // data after the connection: not read
	}
	rest := x[min(7, len(x)):]
	if len(rest) >= 17 && string(rest[:17]) == "Cookie: mstshash=" {
		r.Cookie = true
		for i := 0; i+1 < len(rest); i++ {
			if rest[i] == '\r' && rest[i+1] == '\n' {
				rest = rest[i+2:]
				break
			}
		}
	}
	if len(rest) >= 8 && (rest[0] == 1 || rest[0] == 2) {
		r.Protocols = binary.LittleEndian.Uint32(rest[4:8])
	}
	return r, l, nil
}

// dissectRDP reads RDP's security negotiation; the rest is encrypted or
// of no interest.
func dissectRDP(c *conv, fromClient bool, b []byte) (int, int, error) {
	r, n, err := ParseRDP(b)
	if err != nil {
		return 0, 0, err
	}
	c.identify("rdp", 95, "RDP connection request (X.224)")
	c.server.role("rdp-server")
	if !r.Confirm {
		return n, 0, nil
	}
	c.done = true
	switch {
	case r.Protocols&2 != 0 || r.Protocols&8 != 0:
		c.flow.Encrypted, c.flow.Authenticated = true, true
		c.flow.detail("RDP with Network Level Authentication")
	case r.Protocols&1 != 0:
		c.flow.Encrypted = true
		c.flow.detail("RDP over TLS without Network Level Authentication")
		c.flow.weak("RDP without Network Level Authentication")
	default:
		c.flow.detail("RDP with standard RDP security")
		c.flow.weak("RDP standard security (no TLS, no Network Level Authentication)")
	}
	return n, 0, nil
}
