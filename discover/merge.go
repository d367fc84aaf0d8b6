package discover

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// Options steer a merge.
type Options struct {
	// Zone takes the new assets whose zone cannot be inferred; it is
	// created (kind other, trust low) when the model lacks it.
	Zone string
	// PreferDiscovered lets a discovered value replace a declared one.
	// Without it a conflict is reported and the declared value kept.
	PreferDiscovered bool
}

// Diff is what a merge changed, or would change.
type Diff struct {
	Source       ward.SourceKind `json:"source"`
	File         string          `json:"file"`
	Added        []Added         `json:"added,omitempty"`
	Changed      []Change        `json:"changed,omitempty"`
	Conflicts    []Conflict      `json:"conflicts,omitempty"`
	Review       []Review        `json:"review,omitempty"`
	LinksAdded   []LinkSummary   `json:"links_added,omitempty"`
	LinksChanged []Change        `json:"links_changed,omitempty"`
	// Unplaced are hosts no zone could be found for: the merge cannot be
	// stored until --zone names one.
	Unplaced []string `json:"unplaced,omitempty"`
	// Notes are what a reviewer should know: ambiguous matches, flows left
	// out.
	Notes     []string `json:"notes,omitempty"`
	Matched   int      `json:"matched"`
	Unchanged int      `json:"unchanged"`
}

// Added is a new asset.
type Added struct {
	ID   string         `json:"id"`
	Kind ward.AssetKind `json:"kind"`
	// KindConfidence and KindWhy are how sure the kind is, and why.
	KindConfidence int        `json:"kind_confidence"`
	KindWhy        string     `json:"kind_reason,omitempty"`
	Zone           string     `json:"zone"`
	ZoneWhy        string     `json:"zone_reason"`
	Addresses      []string   `json:"addresses,omitempty"`
	Identities     []Identity `json:"identities,omitempty"`
}

// Change is one attribute set on an existing asset or link.
type Change struct {
	Target    string `json:"target"`
	Attribute string `json:"attribute"`
	Old       string `json:"old,omitempty"`
	New       string `json:"new"`
}

// Conflict is a discovered value that differs from a declared one.
type Conflict struct {
	Target     string `json:"target"`
	Attribute  string `json:"attribute"`
	Declared   string `json:"declared"`
	Discovered string `json:"discovered"`
	Reason     string `json:"reason,omitempty"`
	// Kept is "declared" unless the merge preferred discovered values.
	Kept string `json:"kept"`
}

// Review is a device someone should look at: not identified, or
// identified with little confidence.
type Review struct {
	Asset      string         `json:"asset"`
	Kind       ward.AssetKind `json:"kind"`
	Confidence int            `json:"confidence"`
	Reason     string         `json:"reason"`
	Addresses  []string       `json:"addresses,omitempty"`
}

// LinkSummary describes a new link.
type LinkSummary struct {
	From      string           `json:"from"`
	To        string           `json:"to"`
	Protocol  ward.Protocol    `json:"protocol"`
	Port      int              `json:"port,omitempty"`
	Encrypted bool             `json:"encrypted"`
	Data      []ward.DataClass `json:"data,omitempty"`
	Weak      []string         `json:"weak,omitempty"`
	// Details are what was read of the conversation: FHIR resources, HL7
	// message types, MQTT topics, DICOM services.
	Details []string `json:"details,omitempty"`
}

// reviewBelow is the confidence under which a kind is listed for review.
const reviewBelow = 50

// ReviewTag marks assets whose kind a person should confirm.
const ReviewTag = "needs-review"

type merger struct {
	m     *ward.Model
	r     *Result
	opt   Options
	diff  *Diff
	seen  ward.Timestamp
	byKey map[string]int // "ip:..", "mac:..", "host:..", "serial:..", "id:.."
	ids   map[string]bool
	// subnets counts, per /24 (IPv4) or /64 (IPv6), the assets of each zone.
	subnets  map[netip.Prefix]map[string]int
	prefixes []zonePrefix
	zones    map[string]*ward.Zone
}

type zonePrefix struct {
	p    netip.Prefix
	zone string
}

// Merge folds what a source showed into a model, in place: a host matches
// an existing asset by id (an inventory's asset tag), serial number, MAC
// address, host name or IP address, in that order; an unmatched host
// becomes a new asset in the zone its subnet's assets are in (or
// Options.Zone). Every attribute set gets a source record; a discovered
// value never silently replaces a declared one. Flows become links between
// the assets, or to the internet zone for addresses outside the hospital.
// The model must be valid before; the caller validates it after.
func Merge(m *ward.Model, r *Result, opt Options) *Diff {
	mg := &merger{m: m, r: r, opt: opt, diff: &Diff{Source: r.Source, File: r.File},
		byKey: map[string]int{}, ids: map[string]bool{}, subnets: map[netip.Prefix]map[string]int{}, zones: map[string]*ward.Zone{}}
	mg.seen = stamp(r.Seen, time.Now())
	for i := range m.Zones {
		mg.zones[m.Zones[i].ID] = &m.Zones[i]
		mg.ids[m.Zones[i].ID] = true
	}
	for i := range m.Services {
		mg.ids[m.Services[i].ID] = true
	}
	for i := range m.Assets {
		mg.index(i)
	}
	for _, h := range r.Hosts {
		mg.host(printableHost(h))
	}
	for _, f := range r.Flows {
		mg.flow(printableFlow(f))
	}
	return mg.diff
}

// printableHost is h with the control characters a model refuses replaced
// in its text: banners, names and reasons come from whatever answered.
func printableHost(h *Host) *Host {
	c := *h
	for _, f := range []*string{&c.ID, &c.Name, &c.Vendor, &c.Product, &c.Version, &c.Serial, &c.Owner, &c.Zone} {
		*f = ward.Printable(*f, false)
	}
	c.Description = ward.Printable(c.Description, true)
	c.Components = slices.Clone(c.Components)
	for i := range c.Components {
		p := &c.Components[i]
		p.Name, p.Version = ward.Printable(p.Name, false), ward.Printable(p.Version, false)
	}
	c.Ports = slices.Clone(c.Ports)
	for i := range c.Ports {
		p := &c.Ports[i]
		p.Product, p.Version = ward.Printable(p.Product, false), ward.Printable(p.Version, false)
	}
	if c.Notes != nil {
		c.Notes = make(map[string]Note, len(h.Notes))
		for k, n := range h.Notes {
			n.Reason = ward.Printable(n.Reason, true)
			c.Notes[k] = n
		}
	}
	return &c
}

// printableFlow is f with the control characters a model refuses replaced
// in what the dissectors read.
func printableFlow(f *Flow) *Flow {
	c := *f
	c.Reason = ward.Printable(c.Reason, true)
	c.Details = slices.Clone(c.Details)
	for i, d := range c.Details {
		c.Details[i] = ward.Printable(d, false)
	}
	c.Weak = slices.Clone(c.Weak)
	for i, w := range c.Weak {
		c.Weak[i] = ward.Printable(w, false)
	}
	return &c
}

// stamp writes a source's time, or the fallback when the source's clock
// gave none or an implausible one (captures and scans carry whatever the
// capturing machine's clock said).
func stamp(t, fallback time.Time) ward.Timestamp {
	if t.Year() < 1990 || t.Year() > 2100 {
		t = fallback
	}
	return ward.TimestampOf(t)
}

func subnetOf(a netip.Addr) netip.Prefix {
	bits := 24
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// index records an asset's identifiers and its subnet's zone.
func (mg *merger) index(i int) {
	a := &mg.m.Assets[i]
	mg.ids[a.ID] = true
	put := func(k string) {
		if _, dup := mg.byKey[k]; !dup {
			mg.byKey[k] = i
		}
	}
	put("id:" + a.ID)
	if a.Serial != "" {
		put("serial:" + strings.ToLower(a.Serial))
	}
	for _, s := range a.Addresses {
		if ip, err := netip.ParseAddr(s); err == nil {
			ip = ip.Unmap()
			put("ip:" + ip.String())
			sn := subnetOf(ip)
			if mg.subnets[sn] == nil {
				mg.subnets[sn] = map[string]int{}
			}
			mg.subnets[sn][a.Zone]++
		} else if p, err := netip.ParsePrefix(s); err == nil {
			mg.prefixes = append(mg.prefixes, zonePrefix{p.Masked(), a.Zone})
		} else if mac, err := net.ParseMAC(s); err == nil {
			put("mac:" + mac.String())
		} else {
			put("host:" + strings.ToLower(strings.TrimSuffix(s, ".")))
		}
	}
}

// match finds the asset a host is, with why, and notes other candidates.
func (mg *merger) match(h *Host) (int, string) {
	type cand struct{ key, why string }
	var cands []cand
	if h.ID != "" {
		cands = append(cands, cand{"id:" + h.ID, "asset id " + h.ID})
	}
	if h.Serial != "" {
		cands = append(cands, cand{"serial:" + strings.ToLower(h.Serial), "serial number " + h.Serial})
	}
	for _, x := range h.MACs {
		cands = append(cands, cand{"mac:" + x, "MAC address " + x})
	}
	for _, x := range h.Hostnames {
		cands = append(cands, cand{"host:" + x, "host name " + x})
	}
	for _, x := range h.IPs {
		cands = append(cands, cand{"ip:" + x, "IP address " + x})
	}
	best, why := -1, ""
	for _, c := range cands {
		i, ok := mg.byKey[c.key]
		if !ok {
			continue
		}
		if best < 0 {
			best, why = i, c.why
			continue
		}
		if i != best {
			mg.note("%s matches %s by %s but %s by %s; merged into %s", h.Label(), mg.m.Assets[best].ID, why, mg.m.Assets[i].ID, c.why, mg.m.Assets[best].ID)
			break
		}
	}
	return best, why
}

func (mg *merger) note(format string, a ...any) {
	if len(mg.diff.Notes) < 200 {
		mg.diff.Notes = append(mg.diff.Notes, fmt.Sprintf(format, a...))
	}
}

// confidenceOf counts a fact read rather than inferred as certain.
func confidenceOf(n Note) int {
	if n.Confidence == 0 {
		return 100
	}
	return n.Confidence
}

// source records where an attribute's value came from, refreshing the
// record of the same attribute, source (and value, for list attributes).
func (mg *merger) source(srcs *[]ward.Source, attr, value string, n Note, seen ward.Timestamp) {
	s := ward.Source{Attribute: attr, Value: value, Origin: mg.r.Source, Seen: seen, Confidence: n.Confidence, Reason: n.Reason, File: mg.r.File}
	list := listAttribute(attr)
	for i := range *srcs {
		o := &(*srcs)[i]
		if o.Attribute == attr && o.Origin == s.Origin && (!list || o.Value == value) {
			*o = s
			return
		}
	}
	*srcs = append(*srcs, s)
}

func listAttribute(attr string) bool {
	switch attr {
	case "addresses", "components", "data", "ports":
		return true
	}
	return false
}

// discoveredValue finds the source record that set an attribute's current
// value, if discovery set it.
func discoveredValue(srcs []ward.Source, attr, value string) (ward.Source, bool) {
	for _, s := range srcs {
		if s.Attribute == attr && s.Value == value && s.Origin != "declared" {
			return s, true
		}
	}
	return ward.Source{}, false
}

func (mg *merger) host(h *Host) {
	seen := mg.seen
	if t, err := mg.seen.Time(); err == nil {
		seen = stamp(h.Seen, t)
	}
	i, _ := mg.match(h)
	if i < 0 {
		mg.add(h, seen)
		return
	}
	mg.diff.Matched++
	a := &mg.m.Assets[i]
	before := len(mg.diff.Changed) + len(mg.diff.Conflicts)
	set := func(attr string, cur *string, val string) {
		mg.set(a.ID, &a.Sources, attr, cur, val, h.Notes[attr], seen)
	}
	kind := string(a.Kind)
	if h.Kind != "unknown" {
		set("kind", &kind, string(h.Kind))
		a.Kind = ward.AssetKind(kind)
	}
	set("name", &a.Name, h.Name)
	set("vendor", &a.Vendor, h.Vendor)
	set("product", &a.Product, h.Product)
	set("version", &a.Version, h.Version)
	set("cpe", &a.CPE, h.CPE)
	set("serial", &a.Serial, h.Serial)
	set("owner", &a.Owner, h.Owner)
	eos := string(a.EndOfSupport)
	set("end_of_support", &eos, string(h.EndOfSupport))
	a.EndOfSupport = ward.Date(eos)
	if a.Description == "" {
		set("description", &a.Description, h.Description)
	}
	for _, addr := range slices.Concat(h.IPs, h.MACs, h.Hostnames) {
		if !slices.Contains(a.Addresses, addr) {
			a.Addresses = append(a.Addresses, addr)
			mg.diff.Changed = append(mg.diff.Changed, Change{Target: a.ID, Attribute: "addresses", New: addr})
			mg.byKey[addressKey(addr)] = i
		}
		mg.source(&a.Sources, "addresses", addr, h.Notes["addresses"], seen)
	}
	for _, c := range h.Components {
		if !slices.ContainsFunc(a.Components, func(o ward.Component) bool {
			return o.CPE == c.CPE && c.CPE != "" || o.Name == c.Name && o.Version == c.Version
		}) {
			a.Components = append(a.Components, c)
			mg.diff.Changed = append(mg.diff.Changed, Change{Target: a.ID, Attribute: "components", New: componentLabel(c)})
		}
		mg.source(&a.Sources, "components", componentLabel(c), h.Notes["components"], seen)
	}
	for _, p := range h.Ports {
		j := slices.IndexFunc(a.Ports, func(o ward.Port) bool { return o.Port == p.Port && o.Transport == p.Transport })
		switch {
		case j < 0:
			a.Ports = append(a.Ports, p)
			mg.diff.Changed = append(mg.diff.Changed, Change{Target: a.ID, Attribute: "ports", New: portLabel(p)})
		case a.Ports[j] != p && (p.Product != "" || a.Ports[j].Protocol == ""):
			old := a.Ports[j]
			if p.Product == "" {
				p.Product, p.Version = old.Product, old.Version
			}
			if p.Protocol == "" {
				p.Protocol = old.Protocol
			}
			if p != old {
				a.Ports[j] = p
				mg.diff.Changed = append(mg.diff.Changed, Change{Target: a.ID, Attribute: "ports", Old: portLabel(old), New: portLabel(p)})
			}
		}
		mg.source(&a.Sources, "ports", portLabel(p), h.Notes["ports"], seen)
	}
	for _, d := range h.Data {
		if !slices.Contains(a.Data, d) {
			a.Data = append(a.Data, d)
			mg.diff.Changed = append(mg.diff.Changed, Change{Target: a.ID, Attribute: "data", New: string(d)})
		}
	}
	if len(mg.diff.Changed)+len(mg.diff.Conflicts) == before {
		mg.diff.Unchanged++
	}
}

func addressKey(addr string) string {
	if _, err := netip.ParseAddr(addr); err == nil {
		return "ip:" + addr
	}
	if _, err := net.ParseMAC(addr); err == nil {
		return "mac:" + addr
	}
	return "host:" + addr
}

// set applies one scalar attribute: fill an empty value, refresh an equal
// one, replace an earlier discovered one when at least as sure, and report
// a conflict with a declared one.
func (mg *merger) set(target string, srcs *[]ward.Source, attr string, cur *string, val string, n Note, seen ward.Timestamp) {
	if val == "" {
		return
	}
	switch old := *cur; {
	case old == val:
		if _, ok := discoveredValue(*srcs, attr, val); ok || old == "" {
			mg.source(srcs, attr, val, n, seen)
		}
		return
	case old == "":
		*cur = val
		mg.diff.Changed = append(mg.diff.Changed, Change{Target: target, Attribute: attr, New: val})
	default:
		if prev, ok := discoveredValue(*srcs, attr, old); ok {
			if confidenceOf(n) < confidenceOf(Note{Confidence: prev.Confidence}) {
				return // a surer source set it
			}
			*cur = val
			mg.diff.Changed = append(mg.diff.Changed, Change{Target: target, Attribute: attr, Old: old, New: val})
			mg.dropSource(srcs, attr, old)
			break
		}
		c := Conflict{Target: target, Attribute: attr, Declared: old, Discovered: val, Reason: n.Reason, Kept: "declared"}
		if mg.opt.PreferDiscovered {
			c.Kept = "discovered"
			*cur = val
		}
		mg.diff.Conflicts = append(mg.diff.Conflicts, c)
		if !mg.opt.PreferDiscovered {
			return
		}
	}
	mg.source(srcs, attr, val, n, seen)
}

func (mg *merger) dropSource(srcs *[]ward.Source, attr, value string) {
	*srcs = slices.DeleteFunc(*srcs, func(s ward.Source) bool { return s.Attribute == attr && s.Value == value && s.Origin != mg.r.Source })
}

func componentLabel(c ward.Component) string {
	s := c.Name
	if c.Version != "" {
		s += " " + c.Version
	}
	return s
}

func portLabel(p ward.Port) string {
	t := p.Transport
	if t == "" {
		t = "tcp"
	}
	s := fmt.Sprintf("%d/%s", p.Port, t)
	if p.Protocol != "" {
		s += " " + string(p.Protocol)
	}
	if p.Product != "" {
		s += " " + strings.TrimSpace(p.Product+" "+p.Version)
	}
	return s
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// newID makes a readable, unused id: the inventory's, the host name's
// first label, else the kind and the address.
func (mg *merger) newID(h *Host) string {
	var base string
	switch {
	case h.ID != "":
		base = h.ID
	case len(h.Hostnames) > 0:
		base, _, _ = strings.Cut(h.Hostnames[0], ".")
	case len(h.IPs) > 0:
		base = "dev-" + strings.NewReplacer(".", "-", ":", "-").Replace(h.IPs[0])
	case len(h.MACs) > 0:
		base = "dev-" + strings.ReplaceAll(h.MACs[0], ":", "")
	case h.Serial != "":
		base = "dev-" + h.Serial
	default:
		base = "dev"
	}
	base = strings.Trim(idUnsafe.ReplaceAllString(base, "-"), "-._")
	if base == "" {
		base = "dev"
	}
	if len(base) > 120 {
		base = base[:120]
	}
	id := base
	for n := 2; mg.ids[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	mg.ids[id] = true
	return id
}

// zoneFor finds a new host's zone: the zone the inventory names; else the
// zone of a prefix an asset declares that holds the address; else the zone
// most assets of the address's /24 (IPv4) or /64 (IPv6) are in, when one
// zone has more than any other; else Options.Zone.
func (mg *merger) zoneFor(h *Host) (string, string) {
	if h.Zone != "" {
		if _, ok := mg.zones[h.Zone]; ok {
			return h.Zone, "zone named by the inventory"
		}
		for id, z := range mg.zones {
			if strings.EqualFold(z.Name, h.Zone) {
				return id, fmt.Sprintf("zone %q named by the inventory", h.Zone)
			}
		}
		mg.note("%s: the inventory names zone %q, which the model lacks", h.Label(), h.Zone)
	}
	for _, s := range h.IPs {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		for _, zp := range mg.prefixes {
			if zp.p.Contains(ip) {
				return zp.zone, fmt.Sprintf("%s is in %s, declared for zone %s", s, zp.p, zp.zone)
			}
		}
		counts := mg.subnets[subnetOf(ip)]
		best, bestN, tie := "", 0, false
		for z, n := range counts {
			switch {
			case n > bestN:
				best, bestN, tie = z, n, false
			case n == bestN:
				tie = true
			}
		}
		if best != "" && !tie {
			return best, fmt.Sprintf("%d asset(s) of %s are in %s", bestN, subnetOf(ip), best)
		}
	}
	if mg.opt.Zone != "" {
		if _, ok := mg.zones[mg.opt.Zone]; !ok {
			mg.m.Zones = append(mg.m.Zones, ward.Zone{ID: mg.opt.Zone, Kind: "other", Trust: "low",
				Description: "Devices found by discovery whose zone could not be inferred; move them to their zones."})
			mg.zones = map[string]*ward.Zone{}
			for i := range mg.m.Zones {
				mg.zones[mg.m.Zones[i].ID] = &mg.m.Zones[i]
			}
			mg.ids[mg.opt.Zone] = true
			mg.note("zone %s created for devices whose zone could not be inferred", mg.opt.Zone)
		}
		return mg.opt.Zone, "--zone"
	}
	return "", ""
}

var provenanceOf = map[ward.SourceKind]ward.Provenance{"nmap": "scan", "csv": "inventory", "pcap": "passive", "declared": "declared"}

// add makes a new asset of a host.
func (mg *merger) add(h *Host, seen ward.Timestamp) {
	zone, why := mg.zoneFor(h)
	if zone == "" {
		mg.diff.Unplaced = append(mg.diff.Unplaced, h.Label())
		return
	}
	a := ward.Asset{ID: mg.newID(h), Kind: h.Kind, Zone: zone, Provenance: provenanceOf[mg.r.Source],
		Name: h.Name, Vendor: h.Vendor, Product: h.Product, Version: h.Version, CPE: h.CPE, Serial: h.Serial,
		Owner: h.Owner, Description: h.Description, EndOfSupport: h.EndOfSupport,
		Components: h.Components, Ports: h.Ports, Data: h.Data}
	if a.Kind == "" {
		a.Kind = "unknown"
	}
	a.Addresses = slices.Concat(h.IPs, h.MACs, h.Hostnames)
	for attr, v := range map[string]string{"kind": string(a.Kind), "name": a.Name, "vendor": a.Vendor, "product": a.Product,
		"version": a.Version, "cpe": a.CPE, "serial": a.Serial, "owner": a.Owner, "description": a.Description, "end_of_support": string(a.EndOfSupport)} {
		if v != "" {
			mg.source(&a.Sources, attr, v, h.Notes[attr], seen)
		}
	}
	mg.source(&a.Sources, "zone", zone, Note{Reason: why}, seen)
	for _, addr := range a.Addresses {
		mg.source(&a.Sources, "addresses", addr, h.Notes["addresses"], seen)
	}
	for _, p := range a.Ports {
		mg.source(&a.Sources, "ports", portLabel(p), h.Notes["ports"], seen)
	}
	for _, c := range a.Components {
		mg.source(&a.Sources, "components", componentLabel(c), h.Notes["components"], seen)
	}
	slices.SortStableFunc(a.Sources, func(x, y ward.Source) int { return strings.Compare(x.Attribute, y.Attribute) })
	kn := h.Notes["kind"]
	if a.Kind == "unknown" || kn.Confidence > 0 && kn.Confidence < reviewBelow {
		a.Tags = append(a.Tags, ReviewTag)
		mg.diff.Review = append(mg.diff.Review, Review{Asset: a.ID, Kind: a.Kind, Confidence: kn.Confidence, Reason: kn.Reason, Addresses: a.Addresses})
	}
	mg.m.Assets = append(mg.m.Assets, a)
	mg.index(len(mg.m.Assets) - 1)
	mg.diff.Added = append(mg.diff.Added, Added{ID: a.ID, Kind: a.Kind, KindConfidence: h.Notes["kind"].Confidence, KindWhy: h.Notes["kind"].Reason,
		Zone: zone, ZoneWhy: why, Addresses: a.Addresses, Identities: h.Identities})
}

// endpoint finds the asset (or the internet zone) behind a flow's address.
func (mg *merger) endpoint(addr string) (string, bool) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "", false
	}
	if i, ok := mg.byKey["ip:"+ip.String()]; ok {
		return mg.m.Assets[i].ID, true
	}
	if !local(ip) {
		for _, z := range mg.m.Zones {
			if z.Kind == "internet" {
				return z.ID, true
			}
		}
	}
	return "", false
}

// flow turns a conversation into a link, or updates the link it is.
func (mg *merger) flow(f *Flow) {
	if ip, err := netip.ParseAddr(f.Server); err != nil || ip.IsMulticast() || isBroadcast(ip) {
		return
	}
	from, okF := mg.endpoint(f.Client)
	to, okT := mg.endpoint(f.Server)
	switch {
	case !okF || !okT:
		mg.note("%s -> %s %s/%d left out: an end is outside the hospital and the model has no internet zone, or was not placed", f.Client, f.Server, f.Protocol, f.Port)
		return
	case from == to:
		return
	case mg.zones[from] != nil && mg.zones[to] != nil:
		return
	}
	seen := mg.seen
	if t, err := mg.seen.Time(); err == nil {
		seen = stamp(f.Last, t)
	}
	target := fmt.Sprintf("%s -> %s %s/%d", from, to, f.Protocol, f.Port)
	j := slices.IndexFunc(mg.m.Links, func(l ward.Link) bool {
		return l.From == from && l.To == to && l.Protocol == f.Protocol && (l.Port == f.Port || l.Port == 0)
	})
	why := Note{Confidence: f.Confidence, Reason: f.Reason}
	traffic := fmt.Sprintf("%d packets, %d bytes, %s to %s", f.Packets, f.Bytes, f.First.UTC().Format(time.RFC3339), f.Last.UTC().Format(time.RFC3339))
	if j < 0 {
		l := ward.Link{From: from, To: to, Protocol: f.Protocol, Port: f.Port, Encrypted: f.Encrypted, Authenticated: f.Authenticated,
			Data: f.Data, LinkNotes: &ward.LinkNotes{Provenance: provenanceOf[mg.r.Source], Description: strings.Join(f.Details[:min(len(f.Details), 3)], "; ")}}
		mg.source(&l.Sources, "protocol", string(f.Protocol), why, seen)
		mg.source(&l.Sources, "encrypted", strconv.FormatBool(f.Encrypted), Note{Reason: encryptionReason(f)}, seen)
		for _, d := range f.Data {
			mg.source(&l.Sources, "data", string(d), Note{Confidence: 80, Reason: dataReason(f)}, seen)
		}
		mg.source(&l.Sources, "traffic", "", Note{Reason: traffic}, seen)
		mg.m.Links = append(mg.m.Links, l)
		mg.diff.LinksAdded = append(mg.diff.LinksAdded, LinkSummary{From: from, To: to, Protocol: f.Protocol, Port: f.Port, Encrypted: f.Encrypted, Data: f.Data, Weak: f.Weak, Details: f.Details})
		return
	}
	l := &mg.m.Links[j]
	// The link's notes are its own from here: every flow adds its traffic.
	notes := l.Annotate()
	if l.Port == 0 {
		l.Port = f.Port
		mg.diff.LinksChanged = append(mg.diff.LinksChanged, Change{Target: target, Attribute: "port", New: strconv.Itoa(f.Port)})
	}
	if l.Encrypted != f.Encrypted {
		enc := strconv.FormatBool(l.Encrypted)
		mg.set(target, &notes.Sources, "encrypted", &enc, strconv.FormatBool(f.Encrypted), Note{Reason: encryptionReason(f)}, seen)
		l.Encrypted = enc == "true"
	}
	for _, d := range f.Data {
		if !slices.Contains(l.Data, d) {
			l.Data = append(l.Data, d)
			mg.diff.LinksChanged = append(mg.diff.LinksChanged, Change{Target: target, Attribute: "data", New: string(d)})
			mg.source(&notes.Sources, "data", string(d), Note{Confidence: 80, Reason: dataReason(f)}, seen)
		}
	}
	mg.source(&notes.Sources, "traffic", "", Note{Reason: traffic}, seen)
}

func encryptionReason(f *Flow) string {
	if f.Encrypted {
		return "the traffic was encrypted: " + f.Reason
	}
	return "the traffic was readable on the wire: " + f.Reason
}

func dataReason(f *Flow) string {
	if len(f.Details) == 0 {
		return "the protocol's content"
	}
	return strings.Join(f.Details[:min(len(f.Details), 3)], "; ")
}
