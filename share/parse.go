package share

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward/intel"
)

// MaxObjects is the most objects one bundle or envelope may carry.
const MaxObjects = 100_000

// Header is what Ward checks of an object before keeping it, read
// without decoding the rest: a server taking thousands of objects a second
// reads only this.
type Header struct {
	Type              string            `json:"type"`
	SpecVersion       string            `json:"spec_version"`
	ID                string            `json:"id"`
	Created           Timestamp         `json:"created"`
	Modified          Timestamp         `json:"modified"`
	Revoked           bool              `json:"revoked"`
	ObjectMarkingRefs []string          `json:"object_marking_refs"`
	GranularMarkings  []GranularMarking `json:"granular_markings"`
	Pattern           string            `json:"pattern"`
	PatternType       string            `json:"pattern_type"`
	// DefinitionType is a marking definition's ("statement", "tlp").
	DefinitionType string `json:"definition_type"`
}

// ReadHeader reads an object's header.
func ReadHeader(raw []byte) (Header, error) {
	var h Header
	err := json.Unmarshal(raw, &h)
	return h, err
}

// Version is an object's version: modified, else created, else (a cyber
// observable, a marking definition) when it was added.
func (h *Header) Version(added time.Time) time.Time {
	if v := h.Modified.Time(); !v.IsZero() {
		return v
	}
	if v := h.Created.Time(); !v.IsZero() {
		return v
	}
	return added
}

// TLP is the header's TLP level (Level), statement markings named in
// neutral aside.
func (h *Header) TLP(neutral map[string]bool) (TLP, bool) {
	return Level(h.ObjectMarkingRefs, h.GranularMarkings, neutral)
}

// Check tells whether an object is one Ward can keep and pass on: a valid
// type and id of that type, spec_version 2.1, created and modified (not
// before created) for everything but cyber observables and markings, and
// for an indicator a pattern that parses. The error names the object.
func Check(o *Object) error {
	return (&Header{Type: o.Type, SpecVersion: o.SpecVersion, ID: o.ID, Created: o.Created, Modified: o.Modified,
		ObjectMarkingRefs: o.ObjectMarkingRefs, GranularMarkings: o.GranularMarkings, Pattern: o.Str("pattern"), PatternType: o.Str("pattern_type")}).Check()
}

// isType says whether t is a STIX type name: lower-case letters and
// digits, starting with a letter, in parts joined by single hyphens, with
// a hyphen allowed at its end (the grammar of the OASIS schemas).
func isType(t string) bool {
	if t == "" || t[0] < 'a' || t[0] > 'z' {
		return false
	}
	for i := 1; i < len(t); i++ {
		switch c := t[i]; {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
		case c == '-':
			if t[i-1] == '-' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isID says whether id is a STIX identifier: a type part of lower-case
// letters, digits and hyphens, then "--" and an RFC 4122 UUID (version 1
// to 5). It is checked by hand: every object of an envelope goes through
// it.
func isID(id string) bool {
	const uuidLen = 36
	if len(id) < 3+2+uuidLen {
		return false
	}
	typ, u := id[:len(id)-uuidLen-2], id[len(id)-uuidLen:]
	if id[len(typ):len(typ)+2] != "--" || typ[0] < 'a' || typ[0] > 'z' {
		return false
	}
	for i := 1; i < len(typ); i++ {
		c := typ[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i < len(typ)-1) {
			return false
		}
	}
	for i := 0; i < uuidLen; i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
			continue
		case 14:
			if c < '1' || c > '5' {
				return false
			}
			continue
		case 19:
			if !strings.ContainsRune("89abAB", rune(c)) {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Check checks a header, as Check does an object.
func (o *Header) Check() error {
	switch {
	case !isType(o.Type) || len(o.Type) < 3:
		return fmt.Errorf("object %s: type %q is not a STIX type", o.ID, o.Type)
	case !isID(o.ID) || TypeOf(o.ID) != o.Type:
		return fmt.Errorf("object of type %s: id %q is not %s--UUID", o.Type, o.ID, o.Type)
	case o.SpecVersion != "2.1" && !(o.SpecVersion == "" && isObservable(o.Type)):
		return fmt.Errorf("object %s: spec_version %q, Ward reads STIX 2.1", o.ID, o.SpecVersion)
	}
	if o.Type != "marking-definition" && !isObservable(o.Type) {
		if o.Created.Time().IsZero() || o.Modified.Time().IsZero() {
			return fmt.Errorf("object %s: created and modified are required", o.ID)
		}
		if o.Modified.Time().Before(o.Created.Time()) {
			return fmt.Errorf("object %s: modified is before created", o.ID)
		}
	}
	for _, ref := range o.ObjectMarkingRefs {
		if !strings.HasPrefix(ref, "marking-definition--") || !isID(ref) {
			return fmt.Errorf("object %s: object_marking_refs: %q is not a marking-definition id", o.ID, ref)
		}
	}
	for i, g := range o.GranularMarkings {
		switch {
		case len(g.Selectors) == 0:
			return fmt.Errorf("object %s: granular_markings[%d]: selectors are required", o.ID, i)
		case (g.MarkingRef == "") == (g.Lang == ""):
			return fmt.Errorf("object %s: granular_markings[%d]: one of marking_ref and lang is required", o.ID, i)
		case g.MarkingRef != "" && (!strings.HasPrefix(g.MarkingRef, "marking-definition--") || !isID(g.MarkingRef)):
			return fmt.Errorf("object %s: granular_markings[%d]: marking_ref %q is not a marking-definition id", o.ID, i, g.MarkingRef)
		}
	}
	if o.Type == "indicator" {
		if o.PatternType == "stix" {
			if err := ValidatePattern(o.Pattern); err != nil {
				return fmt.Errorf("indicator %s: pattern: %w", o.ID, err)
			}
		}
		if o.Pattern == "" || o.PatternType == "" {
			return fmt.Errorf("indicator %s: pattern and pattern_type are required", o.ID)
		}
	}
	return nil
}

// isObservable tells the STIX cyber-observable types, which carry no
// created or modified.
func isObservable(t string) bool {
	switch t {
	case "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr",
		"mac-addr", "mutex", "network-traffic", "process", "software", "url", "user-account", "windows-registry-key", "x509-certificate":
		return true
	}
	return false
}

// ParseObjects reads a JSON list of STIX objects strictly enough to keep
// them: every object must pass Check; the first that does not is named
// with its position, and nothing is returned.
func ParseObjects(data []byte) ([]Object, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("objects: %w", err)
	}
	if len(raw) > MaxObjects {
		return nil, fmt.Errorf("objects: %d, more than %d", len(raw), MaxObjects)
	}
	out := make([]Object, 0, len(raw))
	for i, r := range raw {
		var o Object
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.UseNumber()
		if err := dec.Decode(&o); err != nil {
			return nil, fmt.Errorf("objects[%d]: %w", i, err)
		}
		if err := Check(&o); err != nil {
			return nil, fmt.Errorf("objects[%d]: %w", i, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// ParseBundle reads a STIX bundle.
func ParseBundle(data []byte) ([]Object, error) {
	var b struct {
		Type    string          `json:"type"`
		ID      string          `json:"id"`
		Objects json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if b.Type != "bundle" || !strings.HasPrefix(b.ID, "bundle--") {
		return nil, fmt.Errorf("bundle: type %q, id %q: not a STIX bundle", b.Type, b.ID)
	}
	if len(b.Objects) == 0 {
		return []Object{}, nil
	}
	return ParseObjects(b.Objects)
}

// softwareTerms reads the software:property = 'value' comparisons of a
// pattern: what a product indicator names.
func softwareTerms(pattern string) map[string]string {
	toks, err := lexPattern(pattern)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for i := 0; i+4 < len(toks); i++ {
		if toks[i].kind == tWord && toks[i].text == "software" && toks[i+1].text == ":" && toks[i+3].text == "=" && toks[i+4].kind == tString {
			out[toks[i+2].text] = toks[i+4].text
		}
	}
	return out
}

// ToAdvisories turns shared intelligence into advisories the matcher
// reads: each vulnerability indicated by software indicators becomes an
// advisory whose products are the indicators' software (vendor, name,
// version or range, CPE). So a vulnerability a hub shares shows up in a
// hospital's assessment like one from a CSAF file.
func ToAdvisories(objects []Object) []*intel.Advisory {
	byID := map[string]*Object{}
	for i := range objects {
		byID[objects[i].ID] = &objects[i]
	}
	advs := map[string]*intel.Advisory{}
	var order []string
	for i := range objects {
		r := &objects[i]
		if r.Type != "relationship" || r.Str("relationship_type") != "indicates" {
			continue
		}
		ind, vuln := byID[r.Str("source_ref")], byID[r.Str("target_ref")]
		if ind == nil || vuln == nil || ind.Type != "indicator" || vuln.Type != "vulnerability" || ind.Revoked || vuln.Revoked {
			continue
		}
		terms := softwareTerms(ind.Str("pattern"))
		if terms["name"] == "" && terms["cpe"] == "" {
			continue
		}
		cve := vuln.Str("name")
		for _, ref := range vuln.ExternalReferences {
			if ref.SourceName == "cve" && ref.ExternalID != "" {
				cve = ref.ExternalID
			}
		}
		a, ok := advs[vuln.ID]
		if !ok {
			a = &intel.Advisory{ID: "STIX " + cve, Title: vuln.Str("description"), Released: vuln.Created.Time().Format("2006-01-02")}
			a.Vulns = []intel.Vulnerability{{CVE: cve, CVSS: Score(vuln)}}
			advs[vuln.ID] = a
			order = append(order, vuln.ID)
		}
		p := intel.Product{ID: ind.ID, Vendor: terms["vendor"], Name: terms["name"], Version: terms["version"], Range: terms["x_ward_versions"], CPE: terms["cpe"]}
		a.Products = append(a.Products, p)
		a.Vulns[0].Affected = append(a.Vulns[0].Affected, p.ID)
	}
	out := make([]*intel.Advisory, 0, len(order))
	for _, id := range order {
		out = append(out, advs[id])
	}
	return out
}

func number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return 0
}

// SectorCount is how many organisations have sighted a vulnerability.
type SectorCount struct {
	// Vulnerability is the CVE (or, for a vulnerability without one, its
	// STIX id).
	Vulnerability string `json:"vulnerability"`
	Organisations int    `json:"organisations"`
	Assets        int    `json:"assets"`
}

// Aggregate counts, per vulnerability, the distinct organisations that
// sight it now and their assets in all: what a hub says of the sector
// ("7 hospitals run the affected pump firmware") without saying which.
// Each organisation's sightings point to a vulnerability of its own: they
// meet on the CVE. Each sighting counts at its latest version; one whose
// count fell to 0 (patched) counts no more.
func Aggregate(objects []Object) []SectorCount {
	return sighted(objects, time.Time{})
}

// sighted is Aggregate as of a time (zero: the latest versions).
func sighted(objects []Object, asOf time.Time) []SectorCount {
	cve := map[string]string{}
	for i := range objects {
		if o := &objects[i]; o.Type == "vulnerability" {
			for _, ref := range o.ExternalReferences {
				if ref.SourceName == "cve" && ref.ExternalID != "" {
					cve[o.ID] = ref.ExternalID
				}
			}
		}
	}
	latest := map[string]*Object{}
	for i := range objects {
		s := &objects[i]
		if s.Type != "sighting" || !asOf.IsZero() && s.Modified.Time().After(asOf) {
			continue
		}
		if prev, ok := latest[s.ID]; !ok || s.Modified.Time().After(prev.Modified.Time()) {
			latest[s.ID] = s
		}
	}
	orgs := map[string]map[string]bool{}
	assets := map[string]int{}
	var order []string
	for i := range objects {
		s := &objects[i]
		if s.Type != "sighting" || latest[s.ID] != s {
			continue
		}
		v := s.Str("sighting_of_ref")
		if c, ok := cve[v]; ok {
			v = c
		}
		if orgs[v] == nil {
			orgs[v] = map[string]bool{}
			order = append(order, v)
		}
		n := int(number(s.Props["count"]))
		if s.Revoked || n <= 0 {
			continue
		}
		for _, w := range s.Strs("where_sighted_refs") {
			orgs[v][w] = true
		}
		assets[v] += n
	}
	out := make([]SectorCount, 0, len(order))
	for _, v := range order {
		out = append(out, SectorCount{v, len(orgs[v]), assets[v]})
	}
	return out
}

// SectorEntry is what a hub shows of one vulnerability across the sector:
// how many organisations sight it now, and on how many assets, and how
// that went over time (patch progress). Counts of fewer organisations than
// the minimum group are withheld, so that no hospital can be singled out.
type SectorEntry struct {
	Vulnerability string        `json:"vulnerability"`
	Organisations int           `json:"organisations"`
	Assets        int           `json:"assets"`
	Withheld      bool          `json:"withheld,omitempty"`
	History       []SectorPoint `json:"history"`
}

// SectorPoint is the count at the end of a day on which sightings changed.
type SectorPoint struct {
	Date          string `json:"date"`
	Organisations int    `json:"organisations"`
	Withheld      bool   `json:"withheld,omitempty"`
}

// Sector is the hub's view of the sightings it holds, most sighted first,
// with counts below minGroup organisations withheld (shown as 0).
func Sector(objects []Object, minGroup int) []SectorEntry {
	days := map[string]time.Time{}
	for i := range objects {
		if s := &objects[i]; s.Type == "sighting" {
			d := s.Modified.Time().UTC().Truncate(24 * time.Hour)
			days[d.Format(time.DateOnly)] = d.Add(24*time.Hour - time.Nanosecond)
		}
	}
	dates := make([]string, 0, len(days))
	for d := range days {
		dates = append(dates, d)
	}
	sort.Strings(dates)
	history := map[string][]SectorPoint{}
	for _, d := range dates {
		for _, c := range sighted(objects, days[d]) {
			p := SectorPoint{Date: d, Organisations: c.Organisations}
			if c.Organisations > 0 && c.Organisations < minGroup {
				p.Organisations, p.Withheld = 0, true
			}
			history[c.Vulnerability] = append(history[c.Vulnerability], p)
		}
	}
	out := []SectorEntry{}
	for _, c := range sighted(objects, time.Time{}) {
		e := SectorEntry{Vulnerability: c.Vulnerability, Organisations: c.Organisations, Assets: c.Assets, History: history[c.Vulnerability]}
		if c.Organisations > 0 && c.Organisations < minGroup {
			e.Organisations, e.Assets, e.Withheld = 0, 0, true
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Withheld != out[j].Withheld {
			return !out[i].Withheld
		}
		return out[i].Organisations > out[j].Organisations
	})
	return out
}
