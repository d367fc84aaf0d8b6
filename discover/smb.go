package discover

import (
	"encoding/binary"
	"fmt"
)

// SMBMessage is what discovery reads of an SMB message over TCP (445, or
// 139 with a NetBIOS session).
type SMBMessage struct {
	// Version is 1 (SMB1, "\xffSMB"), 2 (SMB2/3) or 3 (an SMB3
	// encrypted message, "\xfdSMB").
	Version  int
	Command  int
	Response bool
	// Dialect is the dialect a NEGOTIATE response chose (0x0311 for 3.1.1).
	Dialect uint16
}

// ParseSMB reads the SMB message at the start of b and the bytes it takes
// with its 4-byte session header.
func ParseSMB(b []byte) (SMBMessage, int, error) {
	var m SMBMessage
	if len(b) < 4 {
		return m, 0, errShort
	}
	if b[0] != 0 {
		if b[0] == 0x85 && len(b) >= 4 { // NetBIOS keep-alive
			return m, 4, nil
		}
		return m, 0, fmt.Errorf("SMB: session message type 0x%02x", b[0])
	}
	l := int(b[1]&1)<<16 | int(binary.BigEndian.Uint16(b[2:4]))
	total := 4 + l
	if len(b) < 4+min(l, 4+64+8) {
		return m, 0, errShort
	}
	msg := b[4:min(len(b), total)]
	if len(msg) < 4 {
		return m, total, fmt.Errorf("SMB: message of %d bytes", len(msg))
	}
	switch string(msg[:4]) {
	case "\xffSMB":
		m.Version = 1
		if len(msg) > 4 {
			m.Command = int(msg[4])
		}
		if len(msg) > 9 {
			m.Response = msg[9]&0x80 != 0
		}
	case "\xfeSMB":
		m.Version = 2
		if len(msg) < 64 {
			return m, 0, errShort
		}
		m.Command = int(binary.LittleEndian.Uint16(msg[12:14]))
		m.Response = binary.LittleEndian.Uint32(msg[16:20])&1 != 0
		if m.Command == 0 && m.Response && len(msg) >= 64+6 {
			m.Dialect = binary.LittleEndian.Uint16(msg[64+4:])
		}
	case "\xfdSMB":
		m.Version = 3
	default:
		return m, total, fmt.Errorf("SMB: unknown protocol id % x", msg[:4])
	}
	return m, total, nil
}

func smbDialect(d uint16) string {
	switch d {
	case 0x0202:
		return "SMB 2.0.2"
	case 0x0210:
		return "SMB 2.1"
	case 0x0300:
		return "SMB 3.0"
	case 0x0302:
		return "SMB 3.0.2"
	case 0x0311:
		return "SMB 3.1.1"
	}
	return fmt.Sprintf("SMB dialect 0x%04x", d)
}

// dissectSMB reads SMB: the version negotiated, sign-in, encryption.
func dissectSMB(c *conv, fromClient bool, b []byte) (int, int, error) {
	m, n, err := ParseSMB(b)
	if err != nil {
		return 0, 0, err
	}
	if m.Version == 0 {
		return n, 0, nil
	}
	c.identify("smb", 95, "SMB messages")
	c.server.role("smb-server")
	switch {
	case m.Version == 1:
		c.flow.weak("SMB1 is obsolete and wormable (EternalBlue)")
	case m.Version == 3:
		c.flow.Encrypted = true
	case m.Command == 0 && m.Dialect != 0:
		c.flow.detail(smbDialect(m.Dialect))
		if m.Dialect < 0x0300 {
			c.flow.weak(smbDialect(m.Dialect) + " cannot encrypt")
		}
	case m.Command == 1:
		c.flow.Authenticated = true
	}
	if n > len(b) {
		return len(b), n - len(b), nil
	}
	return n, 0, nil
}
