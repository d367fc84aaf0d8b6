package discover

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/wardhealth/ward"
)

// errShort says a dissector needs more bytes of the stream.
var errShort = errors.New("message continues past the data seen")

// MSH is what discovery reads of an HL7 v2 message header.
type MSH struct {
	SendingApp, SendingFacility     string
	ReceivingApp, ReceivingFacility string
	// Type is the message type and trigger event, e.g. "ADT^A01".
	Type    string
	Version string
}

// MLLP frames an HL7 v2 message as 0x0B, the message, 0x1C 0x0D.
const (
	mllpStart = 0x0b
	mllpEnd1  = 0x1c
	mllpEnd2  = 0x0d
)

// maxMLLP bounds one framed message a dissector buffers: larger messages
// (embedded documents) are skipped rather than held.
const maxMLLP = 1 << 16

// parseMLLP finds the first framed message in b: its content and the bytes
// the frame takes. errShort when the frame is not complete yet.
func parseMLLP(b []byte) (msg []byte, n int, err error) {
	if len(b) == 0 {
		return nil, 0, errShort
	}
	if b[0] != mllpStart {
		return nil, 0, fmt.Errorf("MLLP: byte 0 is 0x%02x, not the start of a frame (0x0b)", b[0])
	}
	end := bytes.IndexByte(b, mllpEnd1)
	if end < 0 {
		if len(b) > maxMLLP {
			return nil, 0, fmt.Errorf("MLLP: no end of frame in %d bytes", len(b))
		}
		return nil, 0, errShort
	}
	n = end + 1
	if n < len(b) && b[n] == mllpEnd2 {
		n++
	} else if n == len(b) {
		return nil, 0, errShort
	}
	return b[1:end], n, nil
}

// ParseMSH reads the header segment of an HL7 v2 message: MSH, the field
// separator, the encoding characters, then the fields (MSH-3 sending
// application to MSH-12 version).
func ParseMSH(msg []byte) (MSH, error) {
	if len(msg) < 8 || !bytes.HasPrefix(msg, []byte("MSH")) {
		return MSH{}, errors.New("HL7: the message does not start with an MSH segment")
	}
	sep := msg[3]
	if sep == '\r' || sep == '\n' || sep < 0x20 || sep > 0x7e {
		return MSH{}, fmt.Errorf("HL7: invalid field separator 0x%02x at byte 3", sep)
	}
	seg := msg
	if i := bytes.IndexAny(seg, "\r\n"); i >= 0 {
		seg = seg[:i]
	}
	fields := bytes.Split(seg, []byte{sep})
	// fields[0] is "MSH", fields[1] MSH-2 (the encoding characters): MSH-n
	// is fields[n-1], since MSH-1 is the separator itself.
	if len(fields) < 9 || len(fields[1]) == 0 {
		return MSH{}, fmt.Errorf("HL7: the MSH segment has %d fields, too few for a message type (MSH-9)", len(fields)+1)
	}
	comp := fields[1][0]
	first := func(n int) string {
		if n-1 >= len(fields) {
			return ""
		}
		f := fields[n-1]
		if i := bytes.IndexByte(f, comp); i >= 0 {
			f = f[:i]
		}
		return cleanText(f, 64)
	}
	typ := fields[8]
	parts := bytes.Split(typ, []byte{comp})
	t := cleanText(parts[0], 8)
	if len(parts) > 1 && len(parts[1]) > 0 {
		t += "^" + cleanText(parts[1], 8)
	}
	if t == "" {
		return MSH{}, errors.New("HL7: empty message type (MSH-9)")
	}
	return MSH{
		SendingApp: first(3), SendingFacility: first(4),
		ReceivingApp: first(5), ReceivingFacility: first(6),
		Type: t, Version: first(12),
	}, nil
}

// hl7Data says what a message type carries.
func hl7Data(typ string) []ward.DataClass {
	code, _, _ := strings.Cut(typ, "^")
	switch code {
	case "ADT", "SIU", "PPR", "PEX":
		return []ward.DataClass{"phi", "pii"}
	case "ORU", "OUL", "ORL":
		return []ward.DataClass{"lab-results", "phi"}
	case "RDE", "RDS", "RGV", "RAS", "OMP", "RDO", "RRE":
		return []ward.DataClass{"prescriptions", "phi"}
	case "ORM", "OML", "OMG", "OMI", "MDM", "VXU", "QBP", "RSP", "QRY", "BPS", "DFT":
		if code == "DFT" {
			return []ward.DataClass{"billing", "pii"}
		}
		return []ward.DataClass{"phi"}
	case "BAR":
		return []ward.DataClass{"billing", "pii"}
	}
	return nil
}

// dissectHL7 reads MLLP-framed HL7 v2 messages: who sends what to whom.
func dissectHL7(c *conv, fromClient bool, b []byte) (int, int, error) {
	msg, n, err := parseMLLP(b)
	if err != nil {
		return 0, 0, err
	}
	h, err := ParseMSH(msg)
	if err != nil {
		return n, 0, err
	}
	c.identify("hl7v2", 95, "MLLP frames holding HL7 v2 messages (MSH segment)")
	if h.Type == "ACK" || strings.HasPrefix(h.Type, "ACK^") {
		return n, 0, nil
	}
	from := strings.Trim(h.SendingApp+"/"+h.SendingFacility, "/")
	to := strings.Trim(h.ReceivingApp+"/"+h.ReceivingFacility, "/")
	c.flow.detail(fmt.Sprintf("HL7 %s from %s to %s", h.Type, orDash(from), orDash(to)))
	c.flow.carries(hl7Data(h.Type)...)
	sender, receiver := c.client, c.server
	if !fromClient {
		sender, receiver = c.server, c.client
	}
	sender.role("hl7-sender")
	receiver.role("hl7-receiver")
	if h.SendingApp != "" {
		sender.name(h.SendingApp, "HL7 sending application (MSH-3)")
	}
	if h.ReceivingApp != "" {
		receiver.name(h.ReceivingApp, "HL7 receiving application (MSH-5)")
	}
	return n, 0, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cleanText keeps printable text of a protocol field, at most max bytes.
func cleanText(b []byte, max int) string {
	b = bytes.TrimSpace(b)
	if len(b) > max {
		b = b[:max]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return -1
		}
		return r
	}, string(b))
}
