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

// ParseHTTP reads the head of an HTTP/1 message and the bytes it takes.
func ParseHTTP(b []byte) (HTTPMessage, int, error) {
	m := HTTPMessage{BodyLength: 0}
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
	lines := strings.Split(string(b[:end]), "\r\n")
	first := strings.SplitN(lines[0], " ", 3)
	if len(first) < 2 {
		return m, 0, fmt.Errorf("HTTP: malformed first line %q", cleanText([]byte(lines[0]), 64))
	}
	if strings.HasPrefix(first[0], "HTTP/1.") {
		st, err := strconv.Atoi(first[1])
		if err != nil || st < 100 || st > 999 {
			return m, 0, fmt.Errorf("HTTP: bad status %q", cleanText([]byte(first[1]), 8))
		}
		m.Status = st
	} else {
		if len(first) < 3 || !strings.HasPrefix(first[2], "HTTP/1.") {
			return m, 0, fmt.Errorf("HTTP: malformed request line %q", cleanText([]byte(lines[0]), 64))
		}
		m.Request, m.Method, m.Path = true, first[0], first[1]
	}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "host":
			m.Host = cleanText([]byte(v), 255)
		case "user-agent":
			m.UserAgent = cleanText([]byte(v), 128)
		case "server":
			m.Server = cleanText([]byte(v), 128)
		case "content-type":
			m.ContentType = strings.ToLower(cleanText([]byte(v), 128))
		case "accept":
			m.Accept = strings.ToLower(cleanText([]byte(v), 128))
		case "authorization":
			m.Authorization = true
		case "content-length":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return m, 0, fmt.Errorf("HTTP: bad Content-Length %q", cleanText([]byte(v), 16))
			}
			m.BodyLength = n
		case "transfer-encoding":
			if strings.Contains(strings.ToLower(v), "chunked") {
				m.BodyLength = -1
			}
		}
	}
	return m, end + 4, nil
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

// fhirResource finds the FHIR resource type a path asks for:
// [base]/Patient/123, [base]/Observation?code=... or [base]/metadata.
func fhirResource(path string, fhirHint bool) (string, bool) {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if _, ok := fhirResources[s]; ok && (fhirHint || i > 0 && strings.EqualFold(segs[i-1], "fhir") || s != "metadata" && i+1 < len(segs)) {
			return s, true
		}
	}
	return "", false
}

// pathShape keeps a path's shape without identifiers: numbers and long
// tokens become :id, the query is dropped, so details hold no patient's id.
func pathShape(path string) string {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		digits := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0
		if digits && len(s) > 2 || len(s) > 24 {
			segs[i] = ":id"
		}
	}
	out := strings.Join(segs, "/")
	if len(out) > 64 {
		out = out[:64] + "..."
	}
	return cleanText([]byte(out), 80)
}

// dissectHTTP reads HTTP/1 heads: resource paths, FHIR, user agents,
// server products.
func dissectHTTP(c *conv, fromClient bool, b []byte) (int, int, error) {
	m, n, err := ParseHTTP(b)
	if err != nil {
		return 0, 0, err
	}
	c.identify("http", 90, "HTTP/1 messages")
	skip := m.BodyLength
	if skip < 0 {
		// The body's end is unknown: stop reading this stream here.
		c.done = true
		skip = 0
	}
	fhirHint := strings.Contains(m.ContentType, "fhir") || strings.Contains(m.Accept, "fhir")
	if !m.Request {
		c.server.role("http-server")
		if fhirHint {
			c.fhir()
		}
		if m.Server != "" {
			c.flow.detail("Server: " + m.Server)
		}
		return n, skip, nil
	}
	if m.Authorization {
		c.flow.Authenticated = true
	}
	if m.Host != "" {
		h, _, _ := strings.Cut(m.Host, ":")
		c.server.name(strings.ToLower(h), "HTTP Host header")
	}
	if m.UserAgent != "" {
		c.flow.detail("User-Agent: " + m.UserAgent)
	}
	if res, ok := fhirResource(m.Path, fhirHint); ok {
		c.fhir()
		c.flow.carries(fhirResources[res]...)
		c.flow.detail(fmt.Sprintf("FHIR %s %s", m.Method, res))
	} else {
		c.flow.detail(fmt.Sprintf("HTTP %s %s", m.Method, pathShape(m.Path)))
	}
	return n, skip, nil
}

// fhir marks the conversation as FHIR over HTTP.
func (c *conv) fhir() {
	f := c.flow
	if f.Protocol != "fhir" {
		f.Protocol, f.Confidence, f.Reason = "fhir", 90, "HTTP requests for FHIR resources"
	}
	c.server.role("fhir-server")
}
