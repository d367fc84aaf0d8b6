package discover

import (
	"encoding/binary"
	"fmt"
)

// BACnetMessage is what discovery reads of a BACnet/IP datagram.
type BACnetMessage struct {
	// APDUType is the PDU type (0 confirmed request, 1 unconfirmed, ...),
	// -1 for a network-layer message.
	APDUType int
	Service  int
	// Device is the device instance an I-Am announces, -1 otherwise.
	Device int
}

// ParseBACnet reads a BACnet/IP datagram: the BVLC header (Annex J), the
// NPDU (clause 6) and the start of the APDU (clause 20).
func ParseBACnet(b []byte) (BACnetMessage, error) {
	m := BACnetMessage{APDUType: -1, Service: -1, Device: -1}
	if len(b) < 4 || b[0] != 0x81 {
		return m, fmt.Errorf("BACnet: not a BACnet/IP datagram (BVLC type 0x%02x)", first(b))
	}
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if l < 4 || l > len(b) {
		return m, fmt.Errorf("BACnet: BVLC length %d, the datagram has %d bytes", l, len(b))
	}
	r := &reader{b: b[4:l]}
	switch b[1] {
	case 0x0a, 0x0b: // original unicast / broadcast NPDU
	case 0x04: // forwarded NPDU: the original source comes first
		r.take(6)
	default:
		return m, nil // a BVLC control message
	}
	if r.u8() != 1 {
		return m, fmt.Errorf("BACnet: NPDU version is not 1")
	}
	ctl := r.u8()
	if ctl&0x20 != 0 { // destination
		r.take(2)
		r.take(r.u8())
	}
	if ctl&0x08 != 0 { // source
		r.take(2)
		r.take(r.u8())
	}
	if ctl&0x20 != 0 {
		r.take(1) // hop count
	}
	if r.bad {
		return m, fmt.Errorf("BACnet: NPDU cut short")
	}
	if ctl&0x80 != 0 {
		return m, nil // network-layer message
	}
	apdu := r.b
	if len(apdu) < 2 {
		return m, fmt.Errorf("BACnet: APDU cut short")
	}
	m.APDUType = int(apdu[0] >> 4)
	switch m.APDUType {
	case 0: // confirmed request
		off := 3
		if apdu[0]&0x08 != 0 {
			off = 5
		}
		if len(apdu) > off {
			m.Service = int(apdu[off])
		}
	case 1: // unconfirmed request
		m.Service = int(apdu[1])
		if m.Service == 0 && len(apdu) >= 7 && apdu[2] == 0xc4 { // I-Am: its device object id
			m.Device = int(binary.BigEndian.Uint32(apdu[3:7]) & 0x3fffff)
		}
	case 2, 3: // simple and complex ack
		if len(apdu) >= 3 {
			m.Service = int(apdu[2])
		}
	}
	return m, nil
}

func first(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

var bacnetConfirmed = map[int]string{
	12: "read property", 14: "read property multiple", 15: "write property", 16: "write property multiple",
	17: "device communication control", 20: "reinitialize device", 26: "read range", 5: "subscribe COV",
}

var bacnetUnconfirmed = map[int]string{0: "I-Am", 1: "I-Have", 2: "COV notification", 7: "Who-Has", 8: "Who-Is", 6: "time synchronization"}

// dissectBACnet reads BACnet/IP: who asks, who answers, reads or writes.
func dissectBACnet(c *conv, fromClient bool, b []byte) (int, int, error) {
	m, err := ParseBACnet(b)
	if err != nil {
		return 0, 0, err
	}
	c.identify("bacnet", 90, "BACnet/IP datagrams (BVLC)")
	c.flow.carries("building-control")
	c.flow.weak("BACnet/IP without BACnet Secure Connect has neither authentication nor encryption")
	switch m.APDUType {
	case 0:
		if n, ok := bacnetConfirmed[m.Service]; ok {
			c.flow.detail("BACnet " + n)
		}
		c.server.role("bacnet-device")
	case 1:
		if n, ok := bacnetUnconfirmed[m.Service]; ok {
			c.flow.detail("BACnet " + n)
		}
	case 2, 3:
		c.server.role("bacnet-device")
	}
	if m.Device >= 0 {
		sender := c.client
		if !fromClient {
			sender = c.server
		}
		sender.role("bacnet-device")
		sender.name(fmt.Sprintf("bacnet-device-%d", m.Device), "BACnet device instance (I-Am)")
	}
	return len(b), 0, nil
}
