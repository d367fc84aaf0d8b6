package discover

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// ModbusADU is what discovery reads of a Modbus/TCP message (the MBAP
// header and the function code).
type ModbusADU struct {
	Unit     byte
	Function byte
}

// ParseModbus reads the Modbus/TCP message at the start of b and the bytes
// it takes.
func ParseModbus(b []byte) (ModbusADU, int, error) {
	if len(b) < 8 {
		return ModbusADU{}, 0, errShort
	}
	if proto := binary.BigEndian.Uint16(b[2:4]); proto != 0 {
		return ModbusADU{}, 0, fmt.Errorf("modbus: protocol id %d, not 0", proto)
	}
	l := int(binary.BigEndian.Uint16(b[4:6]))
	if l < 2 || l > 254 {
		return ModbusADU{}, 0, fmt.Errorf("modbus: length %d out of range (2 to 254)", l)
	}
	if len(b) < 6+l {
		return ModbusADU{}, 0, errShort
	}
	return ModbusADU{Unit: b[6], Function: b[7]}, 6 + l, nil
}

var modbusFunctions = map[byte]string{
	1: "read coils", 2: "read discrete inputs", 3: "read holding registers", 4: "read input registers",
	5: "write single coil", 6: "write single register", 15: "write multiple coils", 16: "write multiple registers",
	22: "mask write register", 23: "read/write multiple registers", 8: "diagnostics", 43: "read device identification",
}

// dissectModbus reads Modbus/TCP: reads are telemetry, writes control.
func dissectModbus(c *conv, fromClient bool, b []byte) (int, int, error) {
	m, n, err := ParseModbus(b)
	if err != nil {
		return 0, 0, err
	}
	c.identify("modbus", 90, "Modbus/TCP messages (MBAP header)")
	c.server.role("modbus-server")
	if !fromClient {
		return n, 0, nil
	}
	fn := m.Function & 0x7f
	switch fn {
	case 5, 6, 15, 16, 22, 23:
		c.flow.carries("device-control")
	case 1, 2, 3, 4:
		c.flow.carries("device-telemetry")
	}
	if name, ok := modbusFunctions[fn]; ok {
		var buf [64]byte
		d := append(buf[:0], "Modbus "...)
		d = append(d, name...)
		d = append(d, " (unit "...)
		d = strconv.AppendInt(d, int64(m.Unit), 10)
		d = append(d, ')')
		c.flow.detailBytes(d)
	}
	c.flow.weak("Modbus has neither authentication nor encryption")
	return n, 0, nil
}
