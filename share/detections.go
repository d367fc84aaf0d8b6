package share

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// DetectionSightings tells the community what the organisation's logs
// show, under its pseudonym (identity): a sighting of an attack pattern
// per ATT&CK technique its detections name (how many detections, first
// and last seen), and a sighting of an indicator per public source
// address that attacked it ("[ipv4-addr:value = '203.0.113.7']"). Nothing
// else of a detection leaves: no asset, host name, user, log line or
// private address (RFC 1918, loopback, link-local, shared 100.64/10,
// unique-local IPv6), so no patient data either.
func DetectionSightings(ds []ward.Detection, identity Object, tlp TLP, now time.Time) []Object {
	type agg struct {
		count       int
		first, last time.Time
	}
	add := func(m map[string]*agg, k string, d ward.Detection) {
		a := m[k]
		if a == nil {
			a = &agg{first: d.FirstSeen, last: d.LastSeen}
			m[k] = a
		}
		a.count++
		if d.FirstSeen.Before(a.first) {
			a.first = d.FirstSeen
		}
		if d.LastSeen.After(a.last) {
			a.last = d.LastSeen
		}
	}
	techniques, sources := map[string]*agg{}, map[string]*agg{}
	for _, d := range ds {
		for _, t := range d.Techniques {
			add(techniques, strings.ToUpper(t), d)
		}
		if ip, ok := PublicAddress(d.Source); ok {
			add(sources, ip, d)
		}
	}
	var out []Object
	for _, t := range sortedKeys(techniques) {
		a := techniques[t]
		of := detectionObject(identity, "attack|"+t, a.first, tlp, now)
		out = append(out, of, detectionSighting(identity, of, "attack|"+t, a.count, a.first, a.last, tlp, now))
	}
	for _, ip := range sortedKeys(sources) {
		a := sources[ip]
		of := detectionObject(identity, "source|"+ip, a.first, tlp, now)
		out = append(out, of, detectionSighting(identity, of, "source|"+ip, a.count, a.first, a.last, tlp, now))
	}
	return out
}

// DetectionNames names what the sightings of DetectionSightings are of:
// "attack|T1110", "source|203.0.113.7"; remembered between pushes, so
// that what is no longer seen is cleared (DetectionsCleared).
func DetectionNames(objects []Object) []string {
	var out []string
	for _, o := range objects {
		if o.Type == "sighting" {
			if n, ok := o.Props["x_ward_of"].(string); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

// DetectionsCleared says the organisation's detections no longer show
// what it sighted before: a sighting of each with count 0, so a hub's
// count of a source or technique falls.
func DetectionsCleared(names []string, identity Object, tlp TLP, now time.Time) []Object {
	var out []Object
	for _, n := range names {
		if !strings.HasPrefix(n, "attack|") && !strings.HasPrefix(n, "source|") {
			continue
		}
		of := detectionObject(identity, n, now, tlp, now)
		out = append(out, of, detectionSighting(identity, of, n, 0, time.Time{}, now, tlp, now))
	}
	return out
}

// detectionObject is the attack pattern ("attack|T1110") or the indicator
// of a source address ("source|203.0.113.7") an organisation's detection
// sightings are of.
func detectionObject(identity Object, name string, first time.Time, tlp TLP, now time.Time) Object {
	if t, ok := strings.CutPrefix(name, "attack|"); ok {
		ap := newObject("attack-pattern", identity.ID+"|"+name, now)
		ap.CreatedByRef = identity.ID
		ap.Props["name"] = t
		ap.ExternalReferences = []ExternalReference{{SourceName: "mitre-attack", ExternalID: t, URL: attackURL(t)}}
		Mark(&ap, tlp)
		return ap
	}
	ip := strings.TrimPrefix(name, "source|")
	kind := "ipv4-addr"
	if strings.Contains(ip, ":") {
		kind = "ipv6-addr"
	}
	ind := newObject("indicator", identity.ID+"|"+name, now)
	ind.CreatedByRef = identity.ID
	ind.Props["name"] = "Attacking source " + ip
	ind.Props["indicator_types"] = []string{"malicious-activity"}
	ind.Props["pattern"] = fmt.Sprintf("[%s:value = '%s']", kind, ip)
	ind.Props["pattern_type"] = "stix"
	ind.Props["valid_from"] = Stamp(first)
	Mark(&ind, tlp)
	return ind
}

func detectionSighting(identity, of Object, name string, count int, first, last time.Time, tlp TLP, now time.Time) Object {
	s := newObject("sighting", "sighting|"+identity.ID+"|"+name, now)
	s.CreatedByRef = identity.ID
	s.Props["sighting_of_ref"] = of.ID
	s.Props["where_sighted_refs"] = []string{identity.ID}
	s.Props["count"] = count
	s.Props["x_ward_of"] = name
	if count > 0 {
		s.Props["first_seen"] = Stamp(first)
	}
	s.Props["last_seen"] = Stamp(last)
	Mark(&s, tlp)
	return s
}

// PublicAddress is an address in its canonical form when it is a public
// one, one that may be shared: not private, loopback, link-local,
// multicast, unspecified or shared (100.64.0.0/10).
func PublicAddress(s string) (string, bool) {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return "", false
	}
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || sharedSpace.Contains(ip) {
		return "", false
	}
	return ip.String(), true
}

var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SourceCount is how many organisations saw a public source address
// attack them, from the indicators of their detection sightings.
type SourceCount struct {
	Source        string `json:"source"`
	Organisations int    `json:"organisations"`
	Detections    int    `json:"detections"`
	Withheld      bool   `json:"withheld,omitempty"`
	// Sources is, on the one withheld line, how many sources it stands
	// for.
	Sources int `json:"sources,omitempty"`
}

// Sources counts, per public source address, the distinct organisations
// whose sightings of an indicator of it are current (each sighting at its
// latest version), and their detections: what a hub says of an attacker
// ("4 hospitals saw 203.0.113.7 this week") without saying which. A count
// under minGroup organisations is withheld.
func Sources(objects []Object, minGroup int) []SourceCount {
	ipOf := map[string]string{}
	for i := range objects {
		o := &objects[i]
		if o.Type != "indicator" {
			continue
		}
		p := o.Str("pattern")
		for _, kind := range []string{"[ipv4-addr:value = '", "[ipv6-addr:value = '"} {
			if v, ok := strings.CutPrefix(p, kind); ok {
				if ip, ok := PublicAddress(strings.TrimSuffix(v, "']")); ok {
					ipOf[o.ID] = ip
				}
			}
		}
	}
	latest := map[string]*Object{}
	for i := range objects {
		s := &objects[i]
		if s.Type != "sighting" || ipOf[s.Str("sighting_of_ref")] == "" {
			continue
		}
		if prev, ok := latest[s.ID]; !ok || s.Modified.Time().After(prev.Modified.Time()) {
			latest[s.ID] = s
		}
	}
	orgs := map[string]map[string]bool{}
	dets := map[string]int{}
	for _, s := range latest {
		n := int(number(s.Props["count"]))
		if s.Revoked || n <= 0 {
			continue
		}
		ip := ipOf[s.Str("sighting_of_ref")]
		if orgs[ip] == nil {
			orgs[ip] = map[string]bool{}
		}
		for _, w := range s.Strs("where_sighted_refs") {
			orgs[ip][w] = true
		}
		dets[ip] += n
	}
	out := []SourceCount{}
	for ip, o := range orgs {
		c := SourceCount{Source: ip, Organisations: len(o), Detections: dets[ip]}
		if c.Organisations < minGroup {
			c = SourceCount{Withheld: true}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Organisations != out[j].Organisations {
			return out[i].Organisations > out[j].Organisations
		}
		return out[i].Source < out[j].Source
	})
	// one line for all the withheld ones
	withheld := 0
	kept := out[:0]
	for _, c := range out {
		if c.Withheld {
			withheld++
			continue
		}
		kept = append(kept, c)
	}
	if withheld > 0 {
		kept = append(kept, SourceCount{Withheld: true, Sources: withheld})
	}
	return kept
}
