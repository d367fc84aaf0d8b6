package discover

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/wardhealth/ward"
)

// Associate is what discovery reads of a DICOM A-ASSOCIATE request or
// accept (PS3.8 section 9.3.2 and 9.3.3).
type Associate struct {
	Called, Calling string
	// Abstract are the proposed SOP classes' UIDs.
	Abstract []string
	// UserIdentity is true when the requestor sent a user identity
	// (PS3.7 D.3.3.7): a user name, a password, Kerberos, SAML or JWT.
	UserIdentity bool
}

// maxAssociate bounds the association PDUs a dissector buffers; every other
// PDU (P-DATA with the images) is skipped.
const maxAssociate = 1 << 16

// parsePDU reads a DICOM upper-layer PDU header: type and body length.
func parsePDU(b []byte) (typ byte, length int, err error) {
	if len(b) < 6 {
		return 0, 0, errShort
	}
	typ = b[0]
	if typ < 1 || typ > 7 {
		return 0, 0, fmt.Errorf("DICOM: unknown PDU type 0x%02x", typ)
	}
	l := binary.BigEndian.Uint32(b[2:6])
	if l > 1<<30 {
		return 0, 0, fmt.Errorf("DICOM: PDU length %d is implausible", l)
	}
	return typ, int(l), nil
}

// ParseAssociate reads the body of an A-ASSOCIATE-RQ or -AC PDU (after its
// 6-byte header).
func ParseAssociate(body []byte) (Associate, error) {
	var a Associate
	err := checkAssociate(body)
	if len(body) < 68 || binary.BigEndian.Uint16(body[0:2])&1 == 0 {
		return a, err
	}
	a.Called = aeTitle(body[4:20])
	a.Calling = aeTitle(body[20:36])
	// A malformed item ends the walk: what came before it is returned
	// with the error.
	a.UserIdentity = walkAssociate(body, func(u []byte) {
		var buf [80]byte
		a.Abstract = append(a.Abstract, string(appendUID(buf[:0], u)))
	})
	return a, err
}

// checkAssociate says what is wrong with an A-ASSOCIATE body, if anything:
// walkAssociate may read it then.
func checkAssociate(body []byte) error {
	if len(body) < 68 {
		return fmt.Errorf("DICOM: A-ASSOCIATE of %d bytes, shorter than its fixed part (68)", len(body))
	}
	if v := binary.BigEndian.Uint16(body[0:2]); v&1 == 0 {
		return fmt.Errorf("DICOM: protocol version 0x%04x not supported", v)
	}
	items := body[68:]
	for off := 0; off < len(items); {
		if off+4 > len(items) {
			return fmt.Errorf("DICOM: item header cut at byte %d", 74+off)
		}
		l := int(binary.BigEndian.Uint16(items[off+2 : off+4]))
		if off+4+l > len(items) {
			return fmt.Errorf("DICOM: item 0x%02x at byte %d runs past the PDU", items[off], 74+off)
		}
		off += 4 + l
	}
	return nil
}

// walkAssociate reads the items of an A-ASSOCIATE body at least 68 bytes
// long, in place, up to the first malformed one (see checkAssociate): it hands abstract the raw value of each proposed
// abstract syntax (the first 128) and says whether the requestor sent a
// user identity.
func walkAssociate(body []byte, abstract func(uid []byte)) (userIdentity bool) {
	items, n := body[68:], 0
	for off := 0; off+4 <= len(items); {
		typ := items[off]
		l := int(binary.BigEndian.Uint16(items[off+2 : off+4]))
		if off+4+l > len(items) {
			break
		}
		val := items[off+4 : off+4+l]
		switch typ {
		case 0x20: // presentation context (request)
			if len(val) >= 4 {
				for sub := val[4:]; ; {
					typ, v, rest, ok := nextSubItem(sub)
					if !ok {
						break
					}
					if typ == 0x30 && n < 128 {
						n++
						abstract(v)
					}
					sub = rest
				}
			}
		case 0x50: // user information
			for sub := val; ; {
				typ, _, rest, ok := nextSubItem(sub)
				if !ok {
					break
				}
				if typ == 0x58 {
					userIdentity = true
				}
				sub = rest
			}
		}
		off += 4 + l
	}
	return userIdentity
}

// nextSubItem reads the sub-item at the start of b, if whole.
func nextSubItem(b []byte) (typ byte, val, rest []byte, ok bool) {
	if len(b) < 4 {
		return 0, nil, nil, false
	}
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if 4+l > len(b) {
		return 0, nil, nil, false
	}
	return b[0], b[4 : 4+l], b[4+l:], true
}

func aeTitle(b []byte) string { return cleanText(b, 16) }

// appendUID appends the text of a UID: cleanText(b, 64) without trailing
// NULs.
func appendUID(dst, b []byte) []byte {
	n := len(dst)
	dst = appendClean(dst, b, 64)
	u := bytes.TrimRight(dst[n:], "\x00")
	return dst[:n+len(u)]
}

// sopClasses names the SOP classes a reviewer recognises.
var sopClasses = map[string]string{
	"1.2.840.10008.1.1":              "Verification",
	"1.2.840.10008.5.1.4.1.1.1":      "CR Image Storage",
	"1.2.840.10008.5.1.4.1.1.1.1":    "Digital X-Ray Image Storage",
	"1.2.840.10008.5.1.4.1.1.2":      "CT Image Storage",
	"1.2.840.10008.5.1.4.1.1.4":      "MR Image Storage",
	"1.2.840.10008.5.1.4.1.1.6.1":    "Ultrasound Image Storage",
	"1.2.840.10008.5.1.4.1.1.7":      "Secondary Capture Image Storage",
	"1.2.840.10008.5.1.4.1.1.88.22":  "Enhanced SR Storage",
	"1.2.840.10008.5.1.4.1.1.128":    "PET Image Storage",
	"1.2.840.10008.5.1.4.1.1.481.1":  "RT Image Storage",
	"1.2.840.10008.5.1.4.31":         "Modality Worklist",
	"1.2.840.10008.3.1.2.3.3":        "Modality Performed Procedure Step",
	"1.2.840.10008.5.1.4.1.2.1.1":    "Patient Root Query/Retrieve (FIND)",
	"1.2.840.10008.5.1.4.1.2.2.1":    "Study Root Query/Retrieve (FIND)",
	"1.2.840.10008.5.1.4.1.2.2.2":    "Study Root Query/Retrieve (MOVE)",
	"1.2.840.10008.5.1.4.1.2.2.3":    "Study Root Query/Retrieve (GET)",
	"1.2.840.10008.5.1.1.40":         "Basic Grayscale Print",
	"1.2.840.10008.5.1.4.1.1.104.1":  "Encapsulated PDF Storage",
	"1.2.840.10008.5.1.4.1.1.12.1":   "X-Ray Angiographic Image Storage",
	"1.2.840.10008.5.1.4.1.1.1.2":    "Digital Mammography X-Ray Image Storage",
	"1.2.840.10008.5.1.4.1.1.20":     "Nuclear Medicine Image Storage",
	"1.2.840.10008.5.1.4.1.1.77.1.4": "VL Photographic Image Storage",
}

// dicomUse says what an association for a SOP class means: the role it
// shows of the requestor and the data it carries.
func dicomUse(u []byte) (role string, data []ward.DataClass) {
	switch {
	case bytes.HasPrefix(u, []byte("1.2.840.10008.5.1.4.1.1.")):
		return "dicom-storage-scu", dicomImages
	case string(u) == "1.2.840.10008.5.1.4.31", string(u) == "1.2.840.10008.3.1.2.3.3":
		return "dicom-worklist-scu", dicomPHI
	case bytes.HasPrefix(u, []byte("1.2.840.10008.5.1.4.1.2.")):
		return "dicom-query-scu", dicomImages
	}
	return "", nil
}

// The data classes dicomUse returns, shared: callers only read them.
var (
	dicomImages = []ward.DataClass{"images", "phi"}
	dicomPHI    = []ward.DataClass{"phi"}
)

// dissectDICOM reads DICOM upper-layer PDUs: the association (AE titles,
// SOP classes) and, to skip them, everything after.
func dissectDICOM(c *conv, fromClient bool, b []byte) (int, int, error) {
	typ, l, err := parsePDU(b)
	if err != nil {
		return 0, 0, err
	}
	if typ != 1 && typ != 2 {
		c.identify("dicom", 80, "DICOM upper-layer PDUs")
		if len(b) >= 6+l {
			return 6 + l, 0, nil
		}
		return 6, l, nil
	}
	if l > maxAssociate {
		return 0, 0, fmt.Errorf("DICOM: A-ASSOCIATE of %d bytes exceeds %d", l, maxAssociate)
	}
	if len(b) < 6+l {
		return 0, 0, errShort
	}
	body := b[6 : 6+l]
	if err := checkAssociate(body); err != nil {
		return 6 + l, 0, err
	}
	c.identify("dicom", 95, "DICOM A-ASSOCIATE exchange")
	if typ == 2 {
		c.server.role("dicom-scp")
		return 6 + l, 0, nil
	}
	// The association is read in place, its detail built in a stack
	// buffer: one repeating what the flow holds allocates nothing.
	var (
		names  [4]string
		nNames int
	)
	userIdentity := walkAssociate(body, func(raw []byte) {
		var buf [80]byte
		u := appendUID(buf[:0], raw)
		role, data := dicomUse(u)
		c.client.role(role)
		c.flow.carries(data...)
		if n, ok := sopClasses[string(u)]; ok && nNames < 4 && !slices.Contains(names[:nNames], n) {
			names[nNames] = n
			nNames++
		}
	})
	if userIdentity {
		c.flow.Authenticated = true
	}
	var calling, called [64]byte
	callingAE := appendClean(calling[:0], body[20:36], 16)
	calledAE := appendClean(called[:0], body[4:20], 16)
	var buf [256]byte
	d := append(buf[:0], "DICOM association "...)
	d = append(appendOrDash(d, callingAE), " -> "...)
	d = appendOrDash(d, calledAE)
	if nNames > 0 {
		d = append(d, " ("...)
		for i, n := range names[:nNames] {
			if i > 0 {
				d = append(d, ", "...)
			}
			d = append(d, n...)
		}
		d = append(d, ')')
	}
	c.flow.detailBytes(d)
	c.client.nameBytes(callingAE, "DICOM calling AE title")
	c.server.nameBytes(calledAE, "DICOM called AE title")
	return 6 + l, 0, nil
}

// appendOrDash appends s, or - when it is empty.
func appendOrDash(dst, s []byte) []byte {
	if len(s) == 0 {
		return append(dst, '-')
	}
	return append(dst, s...)
}
