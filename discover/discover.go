// Package discover builds and refreshes a hospital model from what the
// network shows: Nmap scans (nmap.go), exports of asset-management systems
// (csv.go) and packet captures (pcap.go, with a dissector per protocol).
// Every importer gives a Result of hosts and flows whose facts each carry a
// reason and, when inferred, a confidence; merge.go folds a Result into a
// model, keeping declared values unless told otherwise and recording the
// source of every attribute it sets.
//
// Hospitals rarely have a complete inventory, so what a scan or the wire
// shows is often the first record of a device; keeping inferred and declared
// facts apart is what lets a reviewer trust the model afterwards.
package discover

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// Result is what one source showed.
type Result struct {
	Source ward.SourceKind `json:"source"`
	File   string          `json:"file"`
	// Seen is when the source saw the network (the scan's start, the
	// capture's first packet, the import).
	Seen  time.Time `json:"seen"`
	Hosts []*Host   `json:"hosts"`
	Flows []*Flow   `json:"flows,omitempty"`
	// Stats count what was read, for progress and benchmarks.
	Stats Stats `json:"stats"`
	// Warnings are problems inside the input that did not stop it being
	// read (a malformed message in a capture).
	Warnings []string `json:"warnings,omitempty"`
}

// Stats count what an importer read.
type Stats struct {
	Bytes   int64 `json:"bytes"`
	Records int64 `json:"records"` // hosts in a scan, rows of a CSV, packets of a capture
	Skipped int64 `json:"skipped,omitempty"`
}

// Note says why a source holds an attribute and how sure it is (confidence
// 0 for facts read rather than inferred).
type Note struct {
	Confidence int    `json:"confidence,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Host is one device a source showed. Attribute names in Notes are the
// model's field names (kind, vendor, ...).
type Host struct {
	// ID is the identifier the source gives (an inventory's asset tag).
	ID        string   `json:"id,omitempty"`
	IPs       []string `json:"ips,omitempty"`
	MACs      []string `json:"macs,omitempty"`
	Hostnames []string `json:"hostnames,omitempty"`
	Serial    string   `json:"serial,omitempty"`

	Name         string           `json:"name,omitempty"`
	Kind         ward.AssetKind   `json:"kind,omitempty"`
	Vendor       string           `json:"vendor,omitempty"`
	Product      string           `json:"product,omitempty"`
	Version      string           `json:"version,omitempty"`
	CPE          string           `json:"cpe,omitempty"`
	Owner        string           `json:"owner,omitempty"`
	Zone         string           `json:"zone,omitempty"`
	Description  string           `json:"description,omitempty"`
	EndOfSupport ward.Date        `json:"end_of_support,omitempty"`
	Components   []ward.Component `json:"components,omitempty"`
	Ports        []ward.Port      `json:"ports,omitempty"`
	Data         []ward.DataClass `json:"data,omitempty"`

	Notes map[string]Note `json:"notes,omitempty"`
	// Identities are the names the host gave itself on the wire or in the
	// scan (DICOM AE titles, HL7 applications, MQTT client ids, host
	// names), each with where it was seen.
	Identities []Identity `json:"identities,omitempty"`
	// Where locates the host in its source: "scan.xml:120", "row 12".
	Where string `json:"where,omitempty"`
	// Seen is when the source last saw the host (zero: the result's Seen).
	Seen time.Time `json:"seen,omitzero"`
}

// Identity is a name a host gave itself, and where it was seen: "DICOM
// calling AE title", "MQTT client id", ...
type Identity struct {
	Name string `json:"name"`
	Seen string `json:"seen"`
}

// note records why the host holds an attribute, keeping the surer note.
func (h *Host) note(attr string, confidence int, reason string) {
	if h.Notes == nil {
		h.Notes = map[string]Note{}
	}
	if old, ok := h.Notes[attr]; ok && old.Confidence >= confidence && old.Reason != "" {
		return
	}
	h.Notes[attr] = Note{Confidence: confidence, Reason: reason}
}

// addIP adds an IP address in its canonical form.
func (h *Host) addIP(s string) {
	if a, err := netip.ParseAddr(s); err == nil {
		h.IPs = appendNew(h.IPs, a.Unmap().String())
	}
}

// addMAC adds a MAC address in its canonical form (lower case, colons).
func (h *Host) addMAC(s string) {
	if m, err := net.ParseMAC(s); err == nil && len(m) == 6 {
		h.MACs = appendNew(h.MACs, m.String())
	}
}

func (h *Host) addHostname(s string) {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if s != "" && ward.ValidAddress(s) && strings.ContainsFunc(s, isLetter) {
		h.Hostnames = appendNew(h.Hostnames, s)
	}
}

// addPort adds or completes a port.
func (h *Host) addPort(p ward.Port) {
	for i := range h.Ports {
		q := &h.Ports[i]
		if q.Port == p.Port && q.Transport == p.Transport {
			if q.Protocol == "" {
				q.Protocol = p.Protocol
			}
			if q.Product == "" {
				q.Product, q.Version = p.Product, p.Version
			}
			return
		}
	}
	h.Ports = append(h.Ports, p)
}

// Label names the host for people: its first hostname, IP or MAC.
func (h *Host) Label() string {
	for _, l := range [][]string{{h.ID, h.Name}, h.Hostnames, h.IPs, h.MACs} {
		for _, s := range l {
			if s != "" {
				return s
			}
		}
	}
	return "?"
}

// Flow is a conversation seen on the wire: one client talking to one
// server port, over any number of connections.
type Flow struct {
	Client    string         `json:"client"`
	Server    string         `json:"server"`
	Transport ward.Transport `json:"transport"`
	Port      int            `json:"port"`
	Protocol  ward.Protocol  `json:"protocol"`
	// Encrypted is true when the traffic was TLS (or the protocol's own
	// encryption); Authenticated when a credential was seen.
	Encrypted     bool             `json:"encrypted"`
	Authenticated bool             `json:"authenticated"`
	Data          []ward.DataClass `json:"data,omitempty"`
	// Details are what the dissectors read: message types, AE titles,
	// resource paths, topics, server names.
	Details []string `json:"details,omitempty"`
	// Weak lists weaknesses seen: an old TLS version, SMB1, ...
	Weak       []string  `json:"weak,omitempty"`
	Packets    int64     `json:"packets"`
	Bytes      int64     `json:"bytes"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Confidence int       `json:"confidence"`
	Reason     string    `json:"reason"`
}

// maxDetails bounds what one flow keeps, so a long capture stays small.
const maxDetails = 16

func (f *Flow) detail(s string) {
	if len(f.Details) < maxDetails && !slices.Contains(f.Details, s) {
		f.Details = append(f.Details, s)
	}
}

// detailBytes is detail for text in a buffer, copied only when kept.
func (f *Flow) detailBytes(b []byte) {
	if len(f.Details) >= maxDetails {
		return
	}
	for _, d := range f.Details {
		if d == string(b) {
			return
		}
	}
	f.Details = append(f.Details, string(b))
}

// weakBytes is weak for text in a buffer, copied only when kept.
func (f *Flow) weakBytes(b []byte) {
	for _, w := range f.Weak {
		if w == string(b) {
			return
		}
	}
	f.Weak = append(f.Weak, string(b))
}

func (f *Flow) weak(s string) {
	if !slices.Contains(f.Weak, s) {
		f.Weak = append(f.Weak, s)
	}
}

func (f *Flow) carries(d ...ward.DataClass) {
	for _, c := range d {
		if !slices.Contains(f.Data, c) {
			f.Data = append(f.Data, c)
		}
	}
}

// Progress is told how many bytes of how many (total <= 0: unknown) an
// importer has read.
type Progress func(done, total int64)

// countingReader counts what passes and tells Progress now and then.
type countingReader struct {
	r        io.Reader
	n, total int64
	next     int64
	progress Progress
}

func newCounter(r io.Reader, total int64, p Progress) *countingReader {
	return &countingReader{r: r, total: total, progress: p}
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if c.progress != nil && (c.n >= c.next || err != nil) {
		c.progress(c.n, c.total)
		c.next = c.n + 1<<20
	}
	return n, err
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' }

func appendNew[T comparable](list []T, v T) []T {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// PositionError is a problem at a place in an input: file:line, a CSV row
// and column, or a packet number.
type PositionError struct {
	File  string
	Where string
	Err   error
}

func (e *PositionError) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%s: %v", e.File, e.Where, e.Err)
}

func (e *PositionError) Unwrap() error { return e.Err }
