package discover

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wardhealth/ward"
)

// MQTTPacket is what discovery reads of an MQTT control packet.
type MQTTPacket struct {
	Type     byte // 1 CONNECT, 3 PUBLISH, 8 SUBSCRIBE, ...
	Level    byte // protocol level of a CONNECT: 3 (3.1), 4 (3.1.1), 5
	ClientID string
	Username bool
	Topics   []string
}

// ParseMQTT reads the MQTT packet at the start of b and the bytes it takes,
// which may be more than b holds for a PUBLISH.
func ParseMQTT(b []byte) (MQTTPacket, int, error) {
	var p MQTTPacket
	if len(b) < 2 {
		return p, 0, errShort
	}
	p.Type = b[0] >> 4
	if p.Type == 0 {
		return p, 0, fmt.Errorf("MQTT: reserved packet type 0")
	}
	// Remaining length: up to four bytes, seven bits each.
	l, mult, i := 0, 1, 1
	for {
		if i >= len(b) {
			return p, 0, errShort
		}
		l += int(b[i]&0x7f) * mult
		if b[i]&0x80 == 0 {
			break
		}
		mult *= 128
		i++
		if i > 4 {
			return p, 0, fmt.Errorf("MQTT: remaining length longer than four bytes")
		}
	}
	head := i + 1
	if len(b) < head+l {
		// A PUBLISH may be large (an image, a firmware): its topic comes
		// first, so it is read from what is here and the rest skipped.
		if p.Type == 3 {
			if t, ok := publishTopic(b[head:]); ok {
				p.Topics = t
				return p, head + l, nil
			}
		}
		return p, 0, errShort
	}
	body := b[head : head+l]
	switch p.Type {
	case 1:
		if err := p.connect(body); err != nil {
			return p, 0, err
		}
	case 3:
		t, ok := publishTopic(body)
		if !ok {
			return p, 0, fmt.Errorf("MQTT: PUBLISH without a topic")
		}
		p.Topics = t
	case 8:
		if len(body) < 2 {
			return p, 0, fmt.Errorf("MQTT: SUBSCRIBE too short")
		}
		r := body[2:]
		if len(r) > 0 && looksLikeProperties(r) {
			n, pl := varint(r)
			if n > 0 && n+pl <= len(r) {
				r = r[n+pl:]
			}
		}
		for len(r) >= 2 && len(p.Topics) < 16 {
			s, rest, ok := mqttString(r)
			if !ok || len(rest) < 1 {
				break
			}
			p.Topics = append(p.Topics, s)
			r = rest[1:]
		}
	}
	return p, head + l, nil
}

// looksLikeProperties guesses whether a SUBSCRIBE carries MQTT 5
// properties (a property length before the first topic), which the packet
// alone does not say.
func looksLikeProperties(r []byte) bool {
	if len(r) < 3 {
		return false
	}
	tl := int(binary.BigEndian.Uint16(r[0:2]))
	return tl+3 > len(r)
}

func varint(b []byte) (n, value int) {
	mult := 1
	for i := 0; i < len(b) && i < 4; i++ {
		value += int(b[i]&0x7f) * mult
		if b[i]&0x80 == 0 {
			return i + 1, value
		}
		mult *= 128
	}
	return 0, 0
}

func publishTopic(body []byte) ([]string, bool) {
	s, _, ok := mqttString(body)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}

func mqttString(b []byte) (string, []byte, bool) {
	if len(b) < 2 {
		return "", nil, false
	}
	l := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+l {
		return "", nil, false
	}
	return cleanText(b[2:2+l], 128), b[2+l:], true
}

func (p *MQTTPacket) connect(body []byte) error {
	name, r, ok := mqttString(body)
	if !ok || (name != "MQTT" && name != "MQIsdp") {
		return fmt.Errorf("MQTT: CONNECT names protocol %q, not MQTT", name)
	}
	if len(r) < 4 {
		return fmt.Errorf("MQTT: CONNECT header too short")
	}
	p.Level = r[0]
	flags := r[1]
	r = r[4:]
	if p.Level == 5 {
		n, pl := varint(r)
		if n == 0 || n+pl > len(r) {
			return fmt.Errorf("MQTT: CONNECT properties run past the packet")
		}
		r = r[n+pl:]
	}
	id, _, ok := mqttString(r)
	if !ok {
		return fmt.Errorf("MQTT: CONNECT without a client id")
	}
	p.ClientID = id
	p.Username = flags&0x80 != 0
	return nil
}

// What topics carry, shared by every packet (callers only read them).
var (
	mqttTelemetry    = []ward.DataClass{"device-telemetry"}
	mqttControl      = []ward.DataClass{"device-control", "device-telemetry"}
	mqttPHI          = []ward.DataClass{"phi", "device-telemetry"}
	mqttControlPHI   = []ward.DataClass{"device-control", "phi", "device-telemetry"}
	mqttControlWords = []string{"cmd", "command", "control", "/set", "setpoint"}
	mqttPHIWords     = []string{"patient", "bed", "vital", "spo2", "ecg", "heart", "glucose", "pulse"}
)

// mqttData says what a topic's name suggests it carries.
func mqttData(topic string) []ward.DataClass {
	return mqttDataBytes([]byte(topic))
}

// mqttDataBytes is mqttData for a topic in a buffer: an ASCII topic is
// lowered on the stack, any other the way strings.ToLower does.
func mqttDataBytes(topic []byte) []ward.DataClass {
	var buf [128]byte
	var t []byte
	if len(topic) <= len(buf) && asciiOnly(topic) {
		t = buf[:len(topic)]
		for i, c := range topic {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			t[i] = c
		}
	} else {
		t = []byte(strings.ToLower(string(topic)))
	}
	control, phi := false, false
	for _, w := range mqttControlWords {
		if bytes.Contains(t, []byte(w)) {
			control = true
			break
		}
	}
	for _, w := range mqttPHIWords {
		if bytes.Contains(t, []byte(w)) {
			phi = true
			break
		}
	}
	switch {
	case control && phi:
		return mqttControlPHI
	case control:
		return mqttControl
	case phi:
		return mqttPHI
	}
	return mqttTelemetry
}

func asciiOnly(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// dissectMQTT reads MQTT: client ids, topics, credentials.
func dissectMQTT(c *conv, fromClient bool, b []byte) (int, int, error) {
	if len(b) >= 2 && b[0]>>4 == 3 {
		return dissectPublish(c, b)
	}
	p, n, err := ParseMQTT(b)
	if err != nil {
		return 0, 0, err
	}
	c.identify("mqtt", 95, "MQTT packets (CONNECT)")
	c.server.role("mqtt-broker")
	switch p.Type {
	case 1:
		c.flow.detail(fmt.Sprintf("MQTT client id %q (protocol level %d)", p.ClientID, p.Level))
		c.client.name(p.ClientID, "MQTT client id")
		if p.Username {
			c.flow.Authenticated = true
		} else {
			c.flow.weak("MQTT client connects without user name")
		}
	case 3, 8:
		verb := "publishes"
		if p.Type == 8 {
			verb = "subscribes to"
		}
		for _, t := range p.Topics {
			c.flow.detail(fmt.Sprintf("MQTT %s %s", verb, t))
			c.flow.carries(mqttData(t)...)
		}
	}
	if n > len(b) {
		return len(b), n - len(b), nil
	}
	return n, 0, nil
}

// dissectPublish is dissectMQTT for a PUBLISH, the packet a client sends
// over and over: it reads the topic as ParseMQTT does, without allocating
// unless the topic is new to the flow.
func dissectPublish(c *conv, b []byte) (int, int, error) {
	l, mult, i := 0, 1, 1
	for {
		if i >= len(b) {
			return 0, 0, errShort
		}
		l += int(b[i]&0x7f) * mult
		if b[i]&0x80 == 0 {
			break
		}
		mult *= 128
		i++
		if i > 4 {
			return 0, 0, fmt.Errorf("MQTT: remaining length longer than four bytes")
		}
	}
	head := i + 1
	body := b[head:]
	if len(b) >= head+l {
		body = b[head : head+l]
	}
	topic, ok := mqttRawString(body)
	if !ok {
		if len(b) < head+l {
			return 0, 0, errShort
		}
		return 0, 0, fmt.Errorf("MQTT: PUBLISH without a topic")
	}
	c.identify("mqtt", 95, "MQTT packets (CONNECT)")
	c.server.role("mqtt-broker")
	var buf [160]byte
	d := append(buf[:0], "MQTT publishes "...)
	start := len(d)
	d = appendClean(d, topic, 128)
	c.flow.detailBytes(d)
	c.flow.carries(mqttDataBytes(d[start:])...)
	n := head + l
	if n > len(b) {
		return len(b), n - len(b), nil
	}
	return n, 0, nil
}

// mqttRawString is the content of the MQTT string at the start of b, as
// it is on the wire.
func mqttRawString(b []byte) ([]byte, bool) {
	if len(b) < 2 {
		return nil, false
	}
	l := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+l {
		return nil, false
	}
	return b[2 : 2+l], true
}
