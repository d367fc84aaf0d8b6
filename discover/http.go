package discover

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/wardhealth/ward"
)

// HTTPMessage is what discovery reads of an HTTP/1 request or response head.
type HTTPMessage struct {
	Request                 bool
	Method, Path            string
	Status                  int
	Host, UserAgent, Server string
	ContentType, Accept     string
	Authorization           bool
	// BodyLength is the Content-Length, -1 when the body's end is not
	// known from the head (chunked, or until close).
	BodyLength int
}

const maxHTTPHead = 16 << 10

var httpMethods = []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "PATCH ", "OPTIONS "}

func looksHTTP(b []byte) bool {
	if bytes.HasPrefix(b, []byte("HTTP/1.")) {
		return true
	}
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// httpHead is an HTTP/1 head read in place: its fields are the raw bytes
// of the message (before cleanText), so that reading a head allocates
// nothing; strings are built only for what a flow keeps.
type httpHead struct {
	request                 bool
	method, path            []byte
	status                  int
	host, userAgent, server []byte
	contentType, accept     []byte
	authorization           bool
	bodyLength              int
}

// ParseHTTP reads the head of an HTTP/1 message and the bytes it takes.
func ParseHTTP(b []byte) (HTTPMessage, int, error) {
	h, n, err := parseHTTPHead(b)
	m := HTTPMessage{BodyLength: h.bodyLength}
	m.Request, m.Status, m.Authorization = h.request, h.status, h.authorization
	if h.request {
		m.Method, m.Path = string(h.method), string(h.path)
	}
	m.Host = cleanText(h.host, 255)
	m.UserAgent = cleanText(h.userAgent, 128)
	m.Server = cleanText(h.server, 128)
	m.ContentType = strings.ToLower(cleanText(h.contentType, 128))
	m.Accept = strings.ToLower(cleanText(h.accept, 128))
	return m, n, err
}

// atoi is strconv.Atoi over bytes, without the string.
func atoi(b []byte) (int, error) {
	d := b
	if len(d) > 0 && (d[0] == '+' || d[0] == '-') {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 {
		return strconv.Atoi(string(b))
	}
	n := 0
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, strconv.ErrSyntax
		}
		n = n*10 + int(c-'0')
	}
	if b[0] == '-' {
		n = -n
	}
	return n, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// headerIs says whether an ASCII header name is key (lower case ASCII)
// whatever its case: strings.ToLower(name) == key, without the copy.
func headerIs(name []byte, key string) bool {
	if len(name) != len(key) {
		return false
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != key[i] {
			return false
		}
	}
	return true
}

// parseHTTPHead is ParseHTTP over the message's own bytes.
func parseHTTPHead(b []byte) (httpHead, int, error) {
	var m httpHead
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > maxHTTPHead {
			return m, 0, fmt.Errorf("HTTP: no end of the head in %d bytes", len(b))
		}
		if !looksHTTP(b) && len(b) >= 8 {
			return m, 0, fmt.Errorf("HTTP: %q does not start a request or response", cleanText(b[:8], 8))
		}
		return m, 0, errShort
	}
	head := b[:end]
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	f0, f12, ok := bytes.Cut(line, []byte(" "))
	if !ok {
		return m, 0, fmt.Errorf("HTTP: malformed first line %q", cleanText(line, 64))
	}
	f1, f2, three := bytes.Cut(f12, []byte(" "))
	if bytes.HasPrefix(f0, []byte("HTTP/1.")) {
		st, err := atoi(f1)
		if err != nil || st < 100 || st > 999 {
			return m, 0, fmt.Errorf("HTTP: bad status %q", cleanText(f1, 8))
		}
		m.status = st
	} else {
		if !three || !bytes.HasPrefix(f2, []byte("HTTP/1.")) {
			return m, 0, fmt.Errorf("HTTP: malformed request line %q", cleanText(line, 64))
		}
		m.request, m.method, m.path = true, f0, f1
	}
	for more := len(head) > len(line); more; {
		var l []byte
		l, rest, more = bytes.Cut(rest, []byte("\r\n"))
		k, v, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		k = bytes.TrimSpace(k)
		if !isASCII(k) {
			// Outside ASCII, lowering may change the length, and a few
			// letters lower to ASCII ones (İ to i).
			k = []byte(strings.ToLower(string(k)))
		}
		switch {
		case headerIs(k, "host"):
			m.host = v
		case headerIs(k, "user-agent"):
			m.userAgent = v
		case headerIs(k, "server"):
			m.server = v
		case headerIs(k, "content-type"):
			m.contentType = v
		case headerIs(k, "accept"):
			m.accept = v
		case headerIs(k, "authorization"):
			m.authorization = true
		case headerIs(k, "content-length"):
			n, err := atoi(v)
			if err != nil || n < 0 {
				return m, 0, fmt.Errorf("HTTP: bad Content-Length %q", cleanText(v, 16))
			}
			m.bodyLength = n
		case headerIs(k, "transfer-encoding"):
			if containsLower(v, "chunked") {
				m.bodyLength = -1
			}
		}
	}
	return m, end + 4, nil
}

// containsLower says whether strings.ToLower(string(b)) contains sub (lower
// case ASCII), without copying b when it is ASCII.
func containsLower(b []byte, sub string) bool {
	if !isASCII(b) {
		return strings.Contains(strings.ToLower(string(b)), sub)
	}
	for i := 0; i+len(sub) <= len(b); i++ {
		if headerIs(b[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// fhirResources maps FHIR resource types to the data they carry.
var fhirResources = map[string][]ward.DataClass{
	"Patient": {"phi", "pii"}, "Person": {"pii"}, "RelatedPerson": {"pii"},
	"Observation": {"lab-results", "phi"}, "DiagnosticReport": {"lab-results", "phi"}, "Specimen": {"lab-results", "phi"},
	"MedicationRequest": {"prescriptions", "phi"}, "MedicationAdministration": {"prescriptions", "phi"},
	"MedicationDispense": {"prescriptions", "phi"}, "MedicationStatement": {"prescriptions", "phi"}, "Medication": {"prescriptions"},
	"ImagingStudy": {"images", "phi"}, "Media": {"images", "phi"},
	"Encounter": {"phi"}, "Condition": {"phi"}, "Procedure": {"phi"}, "AllergyIntolerance": {"phi"},
	"Immunization": {"phi"}, "CarePlan": {"phi"}, "DocumentReference": {"phi"}, "Appointment": {"phi"},
	"ServiceRequest": {"phi"}, "Bundle": {"phi"}, "Composition": {"phi"}, "Consent": {"phi"},
	"Claim": {"billing", "phi"}, "Coverage": {"billing", "pii"}, "Practitioner": {"pii"}, "PractitionerRole": {"pii"},
	"Device": nil, "Organization": nil, "Location": nil, "metadata": nil, "CapabilityStatement": nil,
}

// fhirResourceBytes finds the FHIR resource type a path asks for:
// [base]/Patient/123, [base]/Observation?code=... or [base]/metadata. The
// segments are walked in place, and the type returned is the path's bytes.
func fhirResourceBytes(path []byte, fhirHint bool) ([]byte, bool) {
	path, _, _ = bytes.Cut(path, []byte("?"))
	path = bytes.Trim(path, "/")
	var prev []byte
	for i := 0; ; i++ {
		seg, rest, more := bytes.Cut(path, []byte("/"))
		if _, ok := fhirResources[string(seg)]; ok && (fhirHint || i > 0 && bytes.EqualFold(prev, []byte("fhir")) || string(seg) != "metadata" && more) {
			return seg, true
		}
		if !more {
			return nil, false
		}
		prev, path = seg, rest
	}
}

// appendPathShape appends a path's shape without identifiers to dst:
// numbers and long tokens become :id, the query is dropped, so details hold
// no patient's id. Only the first 64 bytes of the shape are kept, so it
// stops building past them.
func appendPathShape(dst, path []byte) []byte {
	var buf [80]byte
	out := buf[:0]
	path, _, _ = bytes.Cut(path, []byte("?"))
	for i := 0; len(out) <= 64; i++ {
		seg, rest, more := bytes.Cut(path, []byte("/"))
		if i > 0 {
			out = append(out, '/')
		}
		if bytes.ContainsAny(seg, "0123456789") && len(seg) > 2 || len(seg) > 24 {
			seg = []byte(":id")
		}
		out = append(out, seg[:min(len(seg), 66)]...)
		if !more {
			break
		}
		path = rest
	}
	if len(out) > 64 {
		out = append(out[:64], "..."...)
	}
	return appendClean(dst, out, 80)
}

// dissectHTTP reads HTTP/1 heads: resource paths, FHIR, user agents,
// server products. The head is read in place, and a detail is built in a
// stack buffer: a message repeating what its flow holds allocates nothing.
func dissectHTTP(c *conv, fromClient bool, b []byte) (int, int, error) {
	m, n, err := parseHTTPHead(b)
	if err != nil {
		return 0, 0, err
	}
	c.identify("http", 90, "HTTP/1 messages")
	skip := m.bodyLength
	if skip < 0 {
		// The body's end is unknown: stop reading this stream here.
		c.done = true
		skip = 0
	}
	fhirHint := cleanContains(m.contentType, "fhir") || cleanContains(m.accept, "fhir")
	var buf [256]byte
	if !m.request {
		c.server.role("http-server")
		if fhirHint {
			c.fhir()
		}
		if d := appendClean(append(buf[:0], "Server: "...), m.server, 128); len(d) > len("Server: ") {
			c.flow.detailBytes(d)
		}
		return n, skip, nil
	}
	if m.authorization {
		c.flow.Authenticated = true
	}
	if host := appendClean(buf[:0], m.host, 255); len(host) > 0 {
		h, _, _ := bytes.Cut(host, []byte(":"))
		var lower [256]byte
		c.server.nameBytes(appendLower(lower[:0], h), "HTTP Host header")
	}
	if d := appendClean(append(buf[:0], "User-Agent: "...), m.userAgent, 128); len(d) > len("User-Agent: ") {
		c.flow.detailBytes(d)
	}
	if res, ok := fhirResourceBytes(m.path, fhirHint); ok {
		c.fhir()
		c.flow.carries(fhirResources[string(res)]...)
		d := append(buf[:0], "FHIR "...)
		d = append(append(append(d, m.method...), ' '), res...)
		c.flow.detailBytes(d)
	} else {
		d := append(buf[:0], "HTTP "...)
		d = appendPathShape(append(append(d, m.method...), ' '), m.path)
		c.flow.detailBytes(d)
	}
	return n, skip, nil
}

// cleanContains says whether strings.ToLower(cleanText(b, 128)) contains
// sub, a lower case ASCII word, without building the string.
func cleanContains(b []byte, sub string) bool {
	if len(b) == 0 {
		return false
	}
	var buf [160]byte
	return containsLower(appendClean(buf[:0], b, 128), sub)
}

// appendLower appends strings.ToLower(string(b)) to dst, copying b as it
// is when it is ASCII.
func appendLower(dst, b []byte) []byte {
	if !isASCII(b) {
		return append(dst, strings.ToLower(string(b))...)
	}
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// fhir marks the conversation as FHIR over HTTP.
func (c *conv) fhir() {
	f := c.flow
	if f.Protocol != "fhir" {
		f.Protocol, f.Confidence, f.Reason = "fhir", 90, "HTTP requests for FHIR resources"
	}
	c.server.role("fhir-server")
}
