package discover

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

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
	var buf [256]byte
	h, err := parseMSH(msg, buf[:0])
	if err != nil {
		return MSH{}, err
	}
	return MSH{
		SendingApp: string(h.sendingApp), SendingFacility: string(h.sendingFacility),
		ReceivingApp: string(h.receivingApp), ReceivingFacility: string(h.receivingFacility),
		Type: string(h.typ), Version: string(h.version),
	}, nil
}

// mshText is an MSH segment's fields as ParseMSH gives them, cleaned into
// a buffer of the caller's: a dissector reads every message of a feed, and
// most repeat what the flow holds already, so nothing is allocated for
// them.
type mshText struct {
	sendingApp, sendingFacility     []byte
	receivingApp, receivingFacility []byte
	typ, version                    []byte
}

// parseMSH is ParseMSH appending the fields' text to buf.
func parseMSH(msg, buf []byte) (mshText, error) {
	var h mshText
	if len(msg) < 8 || !bytes.HasPrefix(msg, []byte("MSH")) {
		return h, errors.New("HL7: the message does not start with an MSH segment")
	}
	sep := msg[3]
	if sep == '\r' || sep == '\n' || sep < 0x20 || sep > 0x7e {
		return h, fmt.Errorf("HL7: invalid field separator 0x%02x at byte 3", sep)
	}
	seg := msg
	if i := bytes.IndexAny(seg, "\r\n"); i >= 0 {
		seg = seg[:i]
	}
	// fields[0] is "MSH", fields[1] MSH-2 (the encoding characters): MSH-n
	// is fields[n-1], since MSH-1 is the separator itself. Only the first
	// twelve are kept; count is how many there are.
	var fields [12][]byte
	count := 0
	for rest := seg; ; count++ {
		i := bytes.IndexByte(rest, sep)
		if count < len(fields) {
			if i < 0 {
				fields[count] = rest
			} else {
				fields[count] = rest[:i]
			}
		}
		if i < 0 {
			count++
			break
		}
		rest = rest[i+1:]
	}
	if count < 9 || len(fields[1]) == 0 {
		return h, fmt.Errorf("HL7: the MSH segment has %d fields, too few for a message type (MSH-9)", count+1)
	}
	comp := fields[1][0]
	first := func(n int) []byte {
		if n-1 >= count {
			return nil
		}
		f := fields[n-1]
		if i := bytes.IndexByte(f, comp); i >= 0 {
			f = f[:i]
		}
		start := len(buf)
		buf = appendClean(buf, f, 64)
		return buf[start:len(buf):len(buf)]
	}
	typ := fields[8]
	start := len(buf)
	part, rest, more := bytes.Cut(typ, []byte{comp})
	buf = appendClean(buf, part, 8)
	if more {
		if i := bytes.IndexByte(rest, comp); i >= 0 {
			rest = rest[:i]
		}
		if len(rest) > 0 {
			buf = append(buf, '^')
			buf = appendClean(buf, rest, 8)
		}
	}
	h.typ = buf[start:len(buf):len(buf)]
	if len(h.typ) == 0 {
		return h, errors.New("HL7: empty message type (MSH-9)")
	}
	h.sendingApp, h.sendingFacility = first(3), first(4)
	h.receivingApp, h.receivingFacility = first(5), first(6)
	h.version = first(12)
	return h, nil
}

// The data classes of message types, shared by every message (callers
// only read them).
var (
	hl7PHIPII     = []ward.DataClass{"phi", "pii"}
	hl7Lab        = []ward.DataClass{"lab-results", "phi"}
	hl7Pharmacy   = []ward.DataClass{"prescriptions", "phi"}
	hl7PHI        = []ward.DataClass{"phi"}
	hl7BillingPII = []ward.DataClass{"billing", "pii"}
)

// hl7Data says what a message type carries.
func hl7Data(typ []byte) []ward.DataClass {
	code, _, _ := bytes.Cut(typ, []byte("^"))
	switch string(code) {
	case "ADT", "SIU", "PPR", "PEX":
		return hl7PHIPII
	case "ORU", "OUL", "ORL":
		return hl7Lab
	case "RDE", "RDS", "RGV", "RAS", "OMP", "RDO", "RRE":
		return hl7Pharmacy
	case "ORM", "OML", "OMG", "OMI", "MDM", "VXU", "QBP", "RSP", "QRY", "BPS":
		return hl7PHI
	case "DFT", "BAR":
		return hl7BillingPII
	}
	return nil
}

// dissectHL7 reads MLLP-framed HL7 v2 messages: who sends what to whom.
func dissectHL7(c *conv, fromClient bool, b []byte) (int, int, error) {
	msg, n, err := parseMLLP(b)
	if err != nil {
		return 0, 0, err
	}
	var buf [512]byte
	h, err := parseMSH(msg, buf[:0])
	if err != nil {
		return n, 0, err
	}
	c.identify("hl7v2", 95, "MLLP frames holding HL7 v2 messages (MSH segment)")
	if string(h.typ) == "ACK" || bytes.HasPrefix(h.typ, []byte("ACK^")) {
		return n, 0, nil
	}
	var line [512]byte
	d := append(line[:0], "HL7 "...)
	d = append(d, h.typ...)
	d = append(d, " from "...)
	d = appendParty(d, h.sendingApp, h.sendingFacility)
	d = append(d, " to "...)
	d = appendParty(d, h.receivingApp, h.receivingFacility)
	c.flow.detailBytes(d)
	c.flow.carries(hl7Data(h.typ)...)
	sender, receiver := c.client, c.server
	if !fromClient {
		sender, receiver = c.server, c.client
	}
	sender.role("hl7-sender")
	receiver.role("hl7-receiver")
	if len(h.sendingApp) > 0 {
		sender.nameBytes(h.sendingApp, "HL7 sending application (MSH-3)")
	}
	if len(h.receivingApp) > 0 {
		receiver.nameBytes(h.receivingApp, "HL7 receiving application (MSH-5)")
	}
	return n, 0, nil
}

// appendParty appends "application/facility" without the slashes at
// either end, or "-" when that leaves nothing.
func appendParty(d, app, facility []byte) []byte {
	start := len(d)
	d = append(d, app...)
	d = append(d, '/')
	d = append(d, facility...)
	party := bytes.Trim(d[start:], "/")
	if len(party) == 0 {
		return append(d[:start], '-')
	}
	return append(d[:start], party...)
}

// cleanText keeps printable text of a protocol field, at most max bytes.
func cleanText(b []byte, max int) string {
	b = bytes.TrimSpace(b)
	if len(b) > max {
		b = b[:max]
	}
	if printable(b) {
		return string(b)
	}
	return string(appendPrintable(nil, b))
}

// appendClean appends cleanText(b, max) to dst: the field without the
// spaces around it, cut at max bytes, without control characters and
// bytes that are not UTF-8 (or U+FFFD).
func appendClean(dst, b []byte, max int) []byte {
	b = bytes.TrimSpace(b)
	if len(b) > max {
		b = b[:max]
	}
	return appendPrintable(dst, b)
}

// appendPrintable appends b without control characters and bytes that are
// not UTF-8 (or U+FFFD).
func appendPrintable(dst, b []byte) []byte {
	if printable(b) {
		return append(dst, b...)
	}
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != 0x7f {
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError {
			dst = append(dst, b[i:i+size]...)
		}
		i += size
	}
	return dst
}

// printable says whether b is printable ASCII only, which cleaning leaves
// as it is.
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
