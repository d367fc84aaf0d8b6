package discover

import (
	"encoding/binary"
	"fmt"
	"strings"

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
	if len(body) < 68 {
		return a, fmt.Errorf("DICOM: A-ASSOCIATE of %d bytes, shorter than its fixed part (68)", len(body))
	}
	if v := binary.BigEndian.Uint16(body[0:2]); v&1 == 0 {
		return a, fmt.Errorf("DICOM: protocol version 0x%04x not supported", v)
	}
	a.Called = aeTitle(body[4:20])
	a.Calling = aeTitle(body[20:36])
	items := body[68:]
	for off := 0; off < len(items); {
		if off+4 > len(items) {
			return a, fmt.Errorf("DICOM: item header cut at byte %d", 74+off)
		}
		typ := items[off]
		l := int(binary.BigEndian.Uint16(items[off+2 : off+4]))
		if off+4+l > len(items) {
			return a, fmt.Errorf("DICOM: item 0x%02x at byte %d runs past the PDU", typ, 74+off)
		}
		val := items[off+4 : off+4+l]
		switch typ {
		case 0x20: // presentation context (request)
			if len(val) >= 4 {
				for _, sub := range subItems(val[4:]) {
					if sub.typ == 0x30 && len(a.Abstract) < 128 {
						a.Abstract = append(a.Abstract, uid(sub.val))
					}
				}
			}
		case 0x50: // user information
			for _, sub := range subItems(val) {
				if sub.typ == 0x58 {
					a.UserIdentity = true
				}
			}
		}
		off += 4 + l
	}
	return a, nil
}

type subItem struct {
	typ byte
	val []byte
}

func subItems(b []byte) []subItem {
	var out []subItem
	for off := 0; off+4 <= len(b); {
		l := int(binary.BigEndian.Uint16(b[off+2 : off+4]))
		if off+4+l > len(b) {
			break
		}
		out = append(out, subItem{b[off], b[off+4 : off+4+l]})
		off += 4 + l
	}
	return out
}

func aeTitle(b []byte) string { return cleanText(b, 16) }

func uid(b []byte) string { return strings.TrimRight(cleanText(b, 64), "\x00") }

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
func dicomUse(u string) (role string, data []ward.DataClass) {
	switch {
	case strings.HasPrefix(u, "1.2.840.10008.5.1.4.1.1."):
		return "dicom-storage-scu", []ward.DataClass{"images", "phi"}
	case u == "1.2.840.10008.5.1.4.31", u == "1.2.840.10008.3.1.2.3.3":
		return "dicom-worklist-scu", []ward.DataClass{"phi"}
	case strings.HasPrefix(u, "1.2.840.10008.5.1.4.1.2."):
		return "dicom-query-scu", []ward.DataClass{"images", "phi"}
	}
	return "", nil
}

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
	a, err := ParseAssociate(b[6 : 6+l])
	if err != nil {
		return 6 + l, 0, err
	}
	c.identify("dicom", 95, "DICOM A-ASSOCIATE exchange")
	if typ == 2 {
		c.server.role("dicom-scp")
		return 6 + l, 0, nil
	}
	if a.UserIdentity {
		c.flow.Authenticated = true
	}
	var names []string
	for _, u := range a.Abstract {
		role, data := dicomUse(u)
		c.client.role(role)
		c.flow.carries(data...)
		if n, ok := sopClasses[u]; ok && len(names) < 4 {
			names = appendNew(names, n)
		}
	}
	detail := fmt.Sprintf("DICOM association %s -> %s", orDash(a.Calling), orDash(a.Called))
	if len(names) > 0 {
		detail += " (" + strings.Join(names, ", ") + ")"
	}
	c.flow.detail(detail)
	c.client.name(a.Calling, "DICOM calling AE title")
	c.server.name(a.Called, "DICOM called AE title")
	return 6 + l, 0, nil
}
