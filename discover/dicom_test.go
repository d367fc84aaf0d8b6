package discover

import (
	"encoding/binary"
	"time"
)

var time0 = time.Date(2025, 10, 14, 9, 30, 0, 0, time.UTC)

// associateRQ builds an A-ASSOCIATE-RQ PDU proposing one SOP class.
func associateRQ(calling, called, sop string) []byte {
	pad := func(s string) []byte { return []byte((s + "                ")[:16]) }
	item := func(typ byte, val []byte) []byte {
		return append(binary.BigEndian.AppendUint16([]byte{typ, 0}, uint16(len(val))), val...)
	}
	body := []byte{0, 1, 0, 0}
	body = append(body, pad(called)...)
	body = append(body, pad(calling)...)
	body = append(body, make([]byte, 32)...)
	body = append(body, item(0x10, []byte("1.2.840.10008.3.1.1.1"))...)
	pc := append([]byte{1, 0, 0, 0}, item(0x30, []byte(sop))...)
	pc = append(pc, item(0x40, []byte("1.2.840.10008.1.2"))...)
	body = append(body, item(0x20, pc)...)
	body = append(body, item(0x50, item(0x51, []byte{0, 0, 0x40, 0}))...)
	return append(binary.BigEndian.AppendUint32([]byte{1, 0}, uint32(len(body))), body...)
}
