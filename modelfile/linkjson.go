package modelfile

import (
	"unicode/utf8"

	"github.com/wardhealth/ward"
)

// decodeLink decodes one link of a streamed JSON file in one pass, when
// it is written the plain way ward writes links: known keys once each,
// strings without escapes, a port of plain digits, data a list of
// strings. Links are nine in ten items of a large hospital's file, and
// scanning their keys then decoding them by reflection was most of the
// time of reading it. Anything else (an escape, null, a number of
// another form, sources, a key unknown or twice, bad syntax) returns
// false with l untouched, and the item goes the general way, which
// decodes it or says what is wrong with it where it is: what is decoded
// here is exactly what encoding/json decodes (FuzzDecodeLink).
func decodeLink(raw []byte, l *ward.Link, in *interner) bool {
	d := linkDecoder{raw: raw}
	var out ward.Link
	var seen uint16
	d.space()
	if !d.byte('{') {
		return false
	}
	d.space()
	if d.byte('}') {
		return d.end(l, &out)
	}
	for {
		key, ok := d.str()
		if !ok {
			return false
		}
		bit, ok := linkKeys[string(key)]
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		d.space()
		if !d.byte(':') {
			return false
		}
		d.space()
		switch bit {
		case keyID, keyDescription:
			s, ok := d.str()
			if !ok {
				return false
			}
			if bit == keyID {
				out.ID = string(s)
			} else {
				ownNotes(&out).Description = string(s)
			}
		case keyFrom, keyTo, keyProtocol, keyDirection, keyProvenance:
			s, ok := d.str()
			if !ok {
				return false
			}
			v := in.bytes(s)
			switch bit {
			case keyFrom:
				out.From = v
			case keyTo:
				out.To = v
			case keyProtocol:
				out.Protocol = ward.Protocol(v)
			case keyDirection:
				out.Direction = ward.Direction(v)
			default:
				ownNotes(&out).Provenance = ward.Provenance(v)
			}
		case keyPort:
			n, ok := d.int()
			if !ok {
				return false
			}
			out.Port = n
		case keyEncrypted, keyAuthenticated:
			b, ok := d.bool()
			if !ok {
				return false
			}
			if bit == keyEncrypted {
				out.Encrypted = b
			} else {
				out.Authenticated = b
			}
		case keyData:
			if !d.byte('[') {
				return false
			}
			var room [8]ward.DataClass
			list := room[:0]
			d.space()
			if !d.byte(']') {
				for {
					s, ok := d.str()
					if !ok {
						return false
					}
					list = append(list, ward.DataClass(in.bytes(s)))
					d.space()
					if d.byte(']') {
						break
					}
					if !d.byte(',') {
						return false
					}
					d.space()
				}
			}
			out.Data = in.data(list)
		}
		d.space()
		if d.byte('}') {
			return d.end(l, &out)
		}
		if !d.byte(',') {
			return false
		}
		d.space()
	}
}

// The keys of a link decodeLink takes, one bit each.
const (
	keyID uint16 = 1 << iota
	keyFrom
	keyTo
	keyProtocol
	keyPort
	keyDirection
	keyEncrypted
	keyAuthenticated
	keyData
	keyDescription
	keyProvenance
)

var linkKeys = map[string]uint16{
	"id": keyID, "from": keyFrom, "to": keyTo, "protocol": keyProtocol, "port": keyPort,
	"direction": keyDirection, "encrypted": keyEncrypted, "authenticated": keyAuthenticated,
	"data": keyData, "description": keyDescription, "provenance": keyProvenance,
}

type linkDecoder struct {
	raw []byte
	i   int
}

func (d *linkDecoder) space() {
	for d.i < len(d.raw) {
		switch d.raw[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

func (d *linkDecoder) byte(c byte) bool {
	if d.i < len(d.raw) && d.raw[d.i] == c {
		d.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters, in valid
// UTF-8 (encoding/json would replace what is not).
func (d *linkDecoder) str() ([]byte, bool) {
	if !d.byte('"') {
		return nil, false
	}
	start, ascii := d.i, true
	for ; d.i < len(d.raw); d.i++ {
		switch c := d.raw[d.i]; {
		case c == '"':
			s := d.raw[start:d.i]
			d.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// int reads a JSON integer of up to nine digits.
func (d *linkDecoder) int() (int, bool) {
	neg := d.byte('-')
	start, n := d.i, 0
	for d.i < len(d.raw) && d.raw[d.i] >= '0' && d.raw[d.i] <= '9' {
		n = n*10 + int(d.raw[d.i]-'0')
		d.i++
	}
	digits := d.i - start
	if digits == 0 || digits > 9 || (digits > 1 && d.raw[start] == '0') {
		return 0, false
	}
	if d.i < len(d.raw) {
		switch d.raw[d.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

func (d *linkDecoder) bool() (bool, bool) {
	rest := d.raw[d.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		d.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		d.i += 5
		return false, true
	}
	return false, false
}

// end stores the link if nothing but space follows it.
func (d *linkDecoder) end(l *ward.Link, out *ward.Link) bool {
	d.space()
	if d.i != len(d.raw) {
		return false
	}
	*l = *out
	return true
}

// ownNotes are the notes of a link being read, made when one of their keys
// is met, as encoding/json does: the link is the reader's own.
func ownNotes(l *ward.Link) *ward.LinkNotes {
	if l.LinkNotes == nil {
		l.LinkNotes = new(ward.LinkNotes)
	}
	return l.LinkNotes
}
