package national

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"time"

	"github.com/wardhealth/ward"
)

// A share is stored as a magic, a format and the member. What a hospital
// shares below full is a few fields per asset and link, most of them the
// same few strings (kinds, zones, vendors, protocols) over and over: the
// compact format writes each string once, in a table, and everything else
// as numbers into it, so that a share of 2,000 assets is a fraction of its
// gob and decodes without reflection, its strings shared. A full share
// keeps every field of the model, and is gob.
var shareMagic = []byte("WNS4")

const (
	formatCompact = 1
	formatGob     = 2
)

// encodeShare encodes a member as stored.
func encodeShare(m *Member) ([]byte, error) {
	out := append([]byte{}, shareMagic...)
	if m.Model != nil && m.Level == ward.ShareFull {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(m); err != nil {
			return nil, err
		}
		return append(append(out, formatGob), buf.Bytes()...), nil
	}
	e := &encoder{index: map[string]uint64{}}
	e.member(m)
	var head []byte
	head = binary.AppendUvarint(head, uint64(len(e.table)))
	for _, s := range e.table {
		head = binary.AppendUvarint(head, uint64(len(s)))
		head = append(head, s...)
	}
	out = append(out, formatCompact)
	return append(append(out, head...), e.body...), nil
}

// decodeShare decodes what encodeShare made; an error for anything else
// (an older snapshot is read again from the model).
func decodeShare(data []byte) (Member, error) {
	var m Member
	if !bytes.HasPrefix(data, shareMagic) || len(data) <= len(shareMagic) {
		return m, errors.New("not a share of this version")
	}
	data = data[len(shareMagic):]
	switch data[0] {
	case formatGob:
		err := gob.NewDecoder(bytes.NewReader(data[1:])).Decode(&m)
		return m, err
	case formatCompact:
		d := &decoder{data: data[1:]}
		n := d.uint()
		if n > uint64(len(d.data)) {
			return m, errors.New("corrupt share")
		}
		d.table = make([]string, n)
		for i := range d.table {
			l := d.uint()
			if d.err != nil || l > uint64(len(d.data)) {
				return m, errors.New("corrupt share")
			}
			d.table[i] = string(d.data[:l])
			d.data = d.data[l:]
		}
		d.member(&m)
		return m, d.err
	}
	return m, errors.New("unknown share format")
}

type encoder struct {
	body  []byte
	index map[string]uint64
	table []string
}

func (e *encoder) uint(x uint64) { e.body = binary.AppendUvarint(e.body, x) }
func (e *encoder) int(x int64)   { e.body = binary.AppendVarint(e.body, x) }

func (e *encoder) str(s string) {
	i, ok := e.index[s]
	if !ok {
		i = uint64(len(e.table))
		e.index[s] = i
		e.table = append(e.table, s)
	}
	e.uint(i)
}

func (e *encoder) strs(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) org(o ward.Organisation) {
	e.str(o.ID)
	e.str(o.Name)
	e.str(string(o.Kind))
	e.str(o.Country)
	e.str(o.Region)
}

func (e *encoder) member(m *Member) {
	e.org(m.Org)
	e.str(string(m.Level))
	s := m.Summary
	e.str(s.Organisation)
	e.str(s.Name)
	for _, n := range []int{s.Zones, s.Assets, s.Links, s.Services, s.InternetExposed, s.MedicalDevices, s.EndOfSupport, s.Unencrypted} {
		e.int(int64(n))
	}
	e.strs(m.Ends)
	if m.Model == nil {
		e.uint(0)
		return
	}
	e.uint(1)
	md := m.Model
	e.int(int64(md.Ward))
	e.org(md.Organisation)
	e.uint(uint64(len(md.Zones)))
	for _, z := range md.Zones {
		e.str(z.ID)
		e.str(string(z.Kind))
		e.str(string(z.Trust))
	}
	e.uint(uint64(len(md.Assets)))
	for i := range md.Assets {
		a := &md.Assets[i]
		for _, s := range []string{a.ID, string(a.Kind), a.Zone, a.Vendor, a.Product, a.Version, a.Model, a.Site, a.National, a.CPE, a.PURL,
			string(a.Criticality.Safety), string(a.Criticality.Availability), string(a.Criticality.Confidentiality), string(a.Criticality.Integrity)} {
			e.str(s)
		}
		var flags uint64
		if a.InternetExposed {
			flags |= 1
		}
		e.uint(flags)
		e.strs(a.Controls)
		e.strs(a.DependsOn)
	}
	e.uint(uint64(len(md.Links)))
	for i := range md.Links {
		l := &md.Links[i]
		e.str(l.ID)
		e.str(l.From)
		e.str(l.To)
		e.str(string(l.Protocol))
		e.int(int64(l.Port))
		var flags uint64
		if l.Encrypted {
			flags |= 1
		}
		if l.Authenticated {
			flags |= 2
		}
		e.uint(flags)
	}
	e.uint(uint64(len(md.Redundancy)))
	for _, g := range md.Redundancy {
		e.str(g.ID)
		e.str(g.Name)
		e.int(int64(g.Need))
		e.strs(g.Of)
	}
	e.uint(uint64(len(md.Services)))
	for _, s := range md.Services {
		e.str(s.ID)
		e.str(s.Name)
		e.int(int64(s.MaxOutage))
		e.str(string(s.PatientSafety))
		e.strs(s.DependsOn)
	}
}

type decoder struct {
	data  []byte
	table []string
	err   error
}

var errCorrupt = errors.New("corrupt share")

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.data)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.data = d.data[n:]
	return x
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.data)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.data = d.data[n:]
	return x
}

func (d *decoder) str() string {
	i := d.uint()
	if d.err != nil {
		return ""
	}
	if i >= uint64(len(d.table)) {
		d.err = errCorrupt
		return ""
	}
	return d.table[i]
}

// count reads a length, refusing one longer than what is left to read
// (each element takes a byte at least).
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.data)) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

// strs reads a list; an empty one is nil, as gob gives it.
func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) org() ward.Organisation {
	return ward.Organisation{ID: d.str(), Name: d.str(), Kind: ward.OrgKind(d.str()), Country: d.str(), Region: d.str()}
}

func (d *decoder) member(m *Member) {
	m.Org = d.org()
	m.Level = ward.ShareLevel(d.str())
	s := &m.Summary
	s.Organisation, s.Name = d.str(), d.str()
	for _, p := range []*int{&s.Zones, &s.Assets, &s.Links, &s.Services, &s.InternetExposed, &s.MedicalDevices, &s.EndOfSupport, &s.Unencrypted} {
		*p = int(d.int())
	}
	m.Ends = d.strs()
	if d.uint() == 0 || d.err != nil {
		return
	}
	md := &ward.Model{}
	m.Model = md
	md.Ward = int(d.int())
	md.Organisation = d.org()
	if n := d.count(); n > 0 {
		md.Zones = make([]ward.Zone, n)
		for i := range md.Zones {
			md.Zones[i] = ward.Zone{ID: d.str(), Kind: ward.ZoneKind(d.str()), Trust: ward.TrustLevel(d.str())}
		}
	}
	if n := d.count(); n > 0 {
		md.Assets = make([]ward.Asset, n)
		for i := range md.Assets {
			a := &md.Assets[i]
			a.ID, a.Kind, a.Zone = d.str(), ward.AssetKind(d.str()), d.str()
			a.Vendor, a.Product, a.Version, a.Model, a.Site, a.National, a.CPE, a.PURL = d.str(), d.str(), d.str(), d.str(), d.str(), d.str(), d.str(), d.str()
			a.Criticality = ward.Criticality{Safety: ward.Level(d.str()), Availability: ward.Level(d.str()), Confidentiality: ward.Level(d.str()), Integrity: ward.Level(d.str())}
			a.InternetExposed = d.uint()&1 != 0
			a.Controls = d.strs()
			a.DependsOn = d.strs()
		}
	}
	if n := d.count(); n > 0 {
		md.Links = make([]ward.Link, n)
		for i := range md.Links {
			l := &md.Links[i]
			l.ID, l.From, l.To, l.Protocol = d.str(), d.str(), d.str(), ward.Protocol(d.str())
			l.Port = int(d.int())
			f := d.uint()
			l.Encrypted, l.Authenticated = f&1 != 0, f&2 != 0
		}
	}
	if n := d.count(); n > 0 {
		md.Redundancy = make([]ward.RedundancyGroup, n)
		for i := range md.Redundancy {
			md.Redundancy[i] = ward.RedundancyGroup{ID: d.str(), Name: d.str(), Need: int(d.int()), Of: d.strs()}
		}
	}
	if n := d.count(); n > 0 {
		md.Services = make([]ward.Service, n)
		for i := range md.Services {
			md.Services[i] = ward.Service{ID: d.str(), Name: d.str(), MaxOutage: ward.Duration(time.Duration(d.int())), PatientSafety: ward.Level(d.str()), DependsOn: d.strs()}
		}
	}
}
