// Package assess turns a hospital model and the catalog into a risk
// assessment: the facts of every asset, the weaknesses present (findings),
// the risk of every threat to every asset it concerns, and the coverage of
// each baseline. It is a pure function of its inputs: same model, catalog
// and date, same result.
package assess

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/internal/hugepage"
	"github.com/wardhealth/ward/internal/parallel"
)

// healthData tells whether a class of data is data about patients' health.
func healthData(d ward.DataClass) bool {
	switch d {
	case "phi", "images", "lab-results", "prescriptions":
		return true
	}
	return false
}

// remoteAdmin reports whether a protocol is an interactive remote
// administration logon. A switch, not a map: it is asked for every link
// of the model, several times.
func remoteAdmin(p ward.Protocol) bool {
	switch p {
	case "rdp", "vnc", "ssh", "telnet":
		return true
	}
	return false
}

// attachment reports whether a link is cabling or radio attachment rather
// than a connection between applications.
func attachment(p ward.Protocol) bool { return p == "ethernet" }

// Facts computes what rules know of the organisation and of each asset (in
// model order) on the given date (YYYY-MM-DD). vulns sums up the known
// vulnerabilities per asset id; nil means none are known.
func Facts(m *ward.Model, today string, vulns map[string]intel.Exposure) (catalog.OrgFacts, []catalog.AssetFacts) {
	return facts(m.Index(), today, vulns, nil)
}

// causes records, per weakness and asset (index), the links and rules that
// make a counted fact true, so that explanations can name them: a link as
// its index, a rule as -1 - its index. Explanations name the first three
// and count the rest, so only those three are kept, in a list per weakness
// by asset rather than a map: at a million assets and ten million links,
// every link's causes in maps were some hundreds of megabytes held through
// the assessment. A nil *causes records nothing.
type causes struct {
	assets int
	of     map[string][]cause
}

// cause is what causes keeps for one weakness on one asset.
type cause struct {
	n     int32    // links and rules noted
	first [3]int32 // the first three of them
}

func newCauses(assets int) *causes { return &causes{assets: assets, of: map[string][]cause{}} }

// prepare makes the lists of weaknesses noted by workers side by side, each
// for assets of its own: noting then only writes an asset's place.
func (c *causes) prepare(weaknesses ...string) {
	if c == nil {
		return
	}
	for _, w := range weaknesses {
		if c.of[w] == nil {
			c.of[w] = make([]cause, c.assets)
		}
	}
}

func (c *causes) note(weakness string, asset, ref int) {
	if c == nil {
		return
	}
	list := c.of[weakness]
	if list == nil {
		list = make([]cause, c.assets)
		c.of[weakness] = list
	}
	k := &list[asset]
	if k.n < int32(len(k.first)) {
		k.first[k.n] = int32(ref)
	}
	k.n++
}

// name tells the links and rules behind a weakness on an asset, at most
// three and how many more: "hl7-engine -> lis (hl7v2), rule r-3 (...)".
func (c *causes) name(m *ward.Model, weakness string, asset int) string {
	if c == nil || c.of[weakness] == nil {
		return ""
	}
	k := c.of[weakness][asset]
	if k.n == 0 {
		return ""
	}
	var parts []string
	for _, r := range k.first[:min(int(k.n), len(k.first))] {
		if r < 0 {
			parts = append(parts, "rule "+m.Rules[-1-r].Describe())
			continue
		}
		l := &m.Links[r]
		s := l.From + " -> " + l.To + " (" + string(l.Protocol)
		if d := l.Notes().Description; d != "" {
			s += ", " + d
		}
		parts = append(parts, s+")")
	}
	out := strings.Join(parts, ", ")
	if k.n > 3 {
		out += fmt.Sprintf(" and %d more", k.n-3)
	}
	return out
}

// explain names, in a register line's factors, the links and rules behind
// the weaknesses it counts, on the line's first asset.
func (c *causes) explain(m *ward.Model, r *Risk, first int) {
	for k := range r.Factors {
		x := &r.Factors[k]
		if x.weakness == "" {
			continue
		}
		named := c.name(m, x.weakness, first)
		if named == "" {
			continue
		}
		x.Reason += ": " + named
		if len(r.Assets) > 1 {
			x.Reason += " (on " + r.Assets[0] + "; alike on the line's others)"
		}
	}
}

func facts(x *ward.Index, today string, vulns map[string]intel.Exposure, why *causes) (catalog.OrgFacts, []catalog.AssetFacts) {
	return factsIn(nil, x, today, vulns, why, nil)
}

// linksApart is the fewest links for which the facts' pass over the links
// is shared between the cores.
var linksApart = 1 << 16

// factsIn is facts written into buf's room when there is enough, for the
// plan to reuse one buffer across the parts of the model it re-evaluates.
// With want, only the assets it marks get their facts, but for those that
// depend on the whole model (logons, vendor access, services), which the
// plan keeps from before, and the organisation's facts are left out: the
// others are left with their id and zone.
func factsIn(buf []catalog.AssetFacts, x *ward.Index, today string, vulns map[string]intel.Exposure, why *causes, want []bool) (catalog.OrgFacts, []catalog.AssetFacts) {
	m := x.Model()
	n := len(m.Assets)
	type zoneInfo struct {
		kind      ward.ZoneKind
		trust     int
		segmented bool
		controls  []string
	}
	zones := make(map[string]zoneInfo, len(m.Zones))
	for _, z := range m.Zones {
		zones[z.ID] = zoneInfo{z.Kind, z.Trust.Rank(), slices.Contains(z.Controls, "segmentation"), z.Controls}
	}
	// The trust of the zone at each position, as the map has it (where a
	// model repeats a zone's id, the map's is the last of them).
	trust := make([]int, len(m.Zones))
	for j, z := range m.Zones {
		trust[j] = zones[z.ID].trust
	}
	// The controls of an asset without its own are its zone's and the
	// organisation's: one list per zone, shared (facts are read, never
	// changed in place), rather than one made for each asset.
	zoneControls := make(map[string][]string, len(m.Zones))
	controls := func(a *ward.Asset, z zoneInfo) []string {
		if len(a.Controls) > 0 {
			return union(a.Controls, z.controls, m.Organisation.Controls)
		}
		c, ok := zoneControls[a.Zone]
		if !ok {
			c = union(z.controls, m.Organisation.Controls)
			zoneControls[a.Zone] = c
		}
		return c
	}
	exposure := x.Exposure()
	var facts []catalog.AssetFacts
	if cap(buf) >= n {
		facts = buf[:n] // every element is written whole below
	} else {
		facts = make([]catalog.AssetFacts, n)
		hugepage.Slice(facts)
	}
	protocols := make([][]string, n) // with repeats until sorted
	for i := range m.Assets {
		a := &m.Assets[i]
		f := &facts[i]
		if want != nil && !want[i] {
			*f = catalog.AssetFacts{ID: a.ID, Zone: a.Zone}
			continue
		}
		z := zones[a.Zone]
		k, _ := ward.LookupKind(a.Kind)
		*f = catalog.AssetFacts{
			ID: a.ID, Name: a.Name, Kind: string(a.Kind), Category: string(k.Category),
			Zone: a.Zone, ZoneKind: string(z.kind), ZoneTrust: z.trust, Segmented: z.segmented,
			Vendor: a.Vendor, Product: a.Product, Version: a.Version,
			HasCPE: a.CPE != "", HasPURL: a.PURL != "", Components: len(a.Components),
			EndOfSupport: string(a.EndOfSupport), EOS: a.EndOfSupport != "" && string(a.EndOfSupport) <= today,
			Exposed:             exposure[i] != "",
			External:            x.External(i),
			OwnControls:         nonNil(a.Controls),
			Controls:            controls(a, z),
			Safety:              rank(a.Criticality.Safety, k.Default.Safety),
			Availability:        rank(a.Criticality.Availability, k.Default.Availability),
			Confidentiality:     rank(a.Criticality.Confidentiality, k.Default.Confidentiality),
			Integrity:           rank(a.Criticality.Integrity, k.Default.Integrity),
			PatientSafety:       -1,
			Vulnerabilities:     vulns[a.ID].Count,
			Exploited:           vulns[a.ID].Exploited,
			RansomwareExploited: vulns[a.ID].Ransomware,
			MaxCVSS:             vulns[a.ID].MaxCVSS,
			MaxEPSS:             vulns[a.ID].MaxEPSS,
			Data:                []string{},
			RemoteAccess:        []string{},
			Services:            []string{},
		}
		for _, d := range a.Data {
			f.Data = append(f.Data, string(d))
			f.HoldsPHI = f.HoldsPHI || healthData(d)
		}
	}

	// Links: exposure, remote access, clear text, authentication.
	adj := make([][]int, n)        // application connections, as opened: from -> to
	fromZone := map[string][]int{} // zone id -> assets it opens connections to
	inbound := func(to int, from ward.End, fromID string, l *ward.Link, li int) {
		if attachment(l.Protocol) {
			return // a cable is no way in by itself
		}
		f := &facts[to]
		if fz := x.ZoneOf(from, fromID); fz != f.Zone {
			if j := x.ZoneAt(from); j < 0 || trust[j] <= 1 { // by position: asked for every link
				f.UntrustedInbound = true
				why.note("untrusted-inbound", to, li)
			}
			if remoteAdmin(l.Protocol) {
				why.note("remote-admin-from-outside", to, li)
				if !slices.Contains(f.RemoteAccess, string(l.Protocol)) {
					f.RemoteAccess = append(f.RemoteAccess, string(l.Protocol))
				}
			}
		}
		if unauthenticated(l) {
			f.Unauthenticated++
			why.note("unauthenticated-inbound", to, li)
		}
	}
	// The links are read by as many workers as there are cores, each for
	// the assets of its own range: it reads every link's ends and acts on
	// the ends it owns, so that each asset's facts, adjacency and causes
	// are written by one worker, in link order, as by one pass. The assets'
	// facts are read at random by the links, and their cache misses are
	// most of this pass on a large hospital.
	why.prepare("untrusted-inbound", "remote-admin-from-outside", "unauthenticated-inbound", "cleartext-sensitive")
	linksOf := func(lo, hi int, fromZone map[string][]int) {
		for li := range m.Links {
			from, isFrom := x.From[li].Asset()
			to, isTo := x.To[li].Asset()
			// An end whose facts are not wanted is left alone: they are
			// its id and zone only.
			ownFrom := isFrom && from >= lo && from < hi && (want == nil || want[from])
			ownTo := isTo && to >= lo && to < hi && (want == nil || want[to])
			if !ownFrom && !ownTo {
				continue
			}
			l := &m.Links[li]
			for _, end := range [2]struct {
				i   int
				own bool
			}{{from, ownFrom}, {to, ownTo}} {
				if !end.own {
					continue
				}
				if ps := protocols[end.i]; len(ps) == 0 || ps[len(ps)-1] != string(l.Protocol) {
					protocols[end.i] = append(ps, string(l.Protocol))
				}
				if countEnd(&facts[end.i], l) {
					why.note("cleartext-sensitive", end.i, li)
				}
			}
			if ownTo {
				inbound(to, x.From[li], l.From, l, li)
			}
			if ownFrom && l.Direction == "both" {
				inbound(from, x.To[li], l.To, l, li)
			}
			if attachment(l.Protocol) || want != nil {
				continue // (the connections are read for vendor access, which a part keeps)
			}
			switch {
			case isFrom && isTo:
				if ownFrom {
					adj[from] = append(adj[from], to)
				}
				if ownTo && l.Direction == "both" {
					adj[to] = append(adj[to], from)
				}
			case isTo: // from a zone
				if ownTo {
					fromZone[l.From] = append(fromZone[l.From], to)
				}
			case isFrom && l.Direction == "both":
				if ownFrom {
					fromZone[l.To] = append(fromZone[l.To], from)
				}
			}
		}
	}
	// fromZone is read as a set of assets for each zone: the workers' own
	// are joined in any order.
	parts := parallel.Parts(len(m.Links), linksApart)
	own := make([]map[string][]int, parts)
	parallel.Split(n, parts, func(p, lo, hi int) {
		own[p] = map[string][]int{}
		linksOf(lo, hi, own[p])
	})
	for _, part := range own {
		for z, to := range part {
			fromZone[z] = append(fromZone[z], to...)
		}
	}
	// Rules: a zone that may open connections to an asset is a way into
	// it, as a link from the zone is.
	for _, o := range m.Openings() {
		r := &m.Rules[o.Rule]
		low := zones[r.From].trust <= 1
		for _, i := range o.Assets {
			f := &facts[i]
			if f.Zone == r.From {
				continue
			}
			if low {
				f.UntrustedInbound = true
				why.note("untrusted-inbound", i, -1-o.Rule)
			}
			if remoteAdmin(r.Protocol) {
				why.note("remote-admin-from-outside", i, -1-o.Rule)
				if !slices.Contains(f.RemoteAccess, string(r.Protocol)) {
					f.RemoteAccess = append(f.RemoteAccess, string(r.Protocol))
				}
			}
			fromZone[r.From] = append(fromZone[r.From], i)
		}
	}
	if want != nil {
		for i := range facts {
			if want[i] {
				facts[i].Protocols = sortedSet(protocols[i])
				sort.Strings(facts[i].RemoteAccess)
			}
		}
		return catalog.OrgFacts{}, facts
	}
	for _, p := range logons(x) {
		facts[p[1]].Authenticates++
	}
	// Assets that speak the same protocols share one list of them (facts
	// are read, never changed in place): most of a hospital's devices
	// speak the same few.
	lists := map[string][]string{}
	var key []byte
	for i := range facts {
		ps := sortedSet(protocols[i])
		key = key[:0]
		for _, p := range ps {
			key = append(append(key, p...), 0)
		}
		list, ok := lists[string(key)]
		if !ok {
			list = slices.Clone(ps)
			lists[string(key)] = list
		}
		facts[i].Protocols = list
		sort.Strings(facts[i].RemoteAccess)
	}

	// Vendor access: within two connections of a vendor-remote zone or of
	// a vendor's system in one.
	var level1 []int
	for _, z := range m.Zones {
		if z.Kind != "vendor-remote" {
			continue
		}
		level1 = append(level1, fromZone[z.ID]...)
		for i := range m.Assets {
			if m.Assets[i].Zone == z.ID {
				level1 = append(level1, adj[i]...)
			}
		}
	}
	for _, i := range level1 {
		facts[i].VendorAccess = true
		for _, j := range adj[i] {
			facts[j].VendorAccess = true
		}
	}

	// Services: every asset a service needs, through other services too.
	for si, need := range Needs(m) {
		s := &m.Services[si]
		minutes := int(time.Duration(s.MaxOutage) / time.Minute)
		safety := s.PatientSafety.Rank()
		for _, id := range need {
			i, _ := x.Asset(id)
			f := &facts[i]
			f.Services = append(f.Services, s.ID)
			if f.MinOutageMinutes == 0 || minutes < f.MinOutageMinutes {
				f.MinOutageMinutes = minutes
			}
			f.PatientSafety = max(f.PatientSafety, safety)
		}
	}

	org := catalog.OrgFacts{
		ID: m.Organisation.ID, Kind: string(m.Organisation.Kind), Country: m.Organisation.Country,
		Controls: nonNil(m.Organisation.Controls), Assets: n, Services: len(m.Services),
	}
	kinds := map[string]bool{}
	for i := range facts {
		f := &facts[i]
		if f.Exposed {
			org.Exposed++
		}
		if f.EOS {
			org.EOS++
		}
		if f.Category == string(ward.CategoryMedicalDevice) {
			org.MedicalDevices++
		}
		if p := m.Assets[i].Provenance; p == "" || p == "declared" || p == "inventory" {
			org.Declared++
		}
		kinds[f.Kind] = true
	}
	for k := range kinds {
		org.Kinds = append(org.Kinds, k)
	}
	sort.Strings(org.Kinds)
	return org, facts
}

// sortedSet sorts a list and leaves each element once, never nil.
func sortedSet(ps []string) []string {
	if ps == nil {
		return []string{}
	}
	sort.Strings(ps)
	return slices.Clip(slices.Compact(ps))
}

// countEnd adds what a link's flags tell of one of its ends to the end's
// facts (radio, clear text), and tells whether it carries sensitive data
// in clear text.
func countEnd(f *catalog.AssetFacts, l *ward.Link) (clearSensitive bool) {
	if l.Protocol == "wifi" || l.Protocol == "ble" {
		f.Wireless = true
		f.ClearWireless = f.ClearWireless || !l.Encrypted
	}
	if !l.Encrypted && !attachment(l.Protocol) {
		f.Cleartext++
		if slices.ContainsFunc(l.Data, ward.DataClass.Sensitive) {
			f.ClearSensitive++
			return true
		}
	}
	return false
}

// unauthenticated tells whether a connection over the link into an asset
// is accepted without authentication.
func unauthenticated(l *ward.Link) bool {
	return !l.Authenticated && !attachment(l.Protocol) && l.Protocol != "wifi"
}

// recountFlags counts again, over the asset's links, the facts that the
// links' flags (encrypted, authenticated) make: for the plan, when a
// change sets the flags of some of them.
func recountFlags(f *catalog.AssetFacts, id string, links []*ward.Link) {
	f.ClearWireless, f.Cleartext, f.ClearSensitive, f.Unauthenticated = false, 0, 0, 0
	for _, l := range links {
		if l.From == id {
			countEnd(f, l)
		}
		if l.To == id {
			countEnd(f, l)
		}
		if attachment(l.Protocol) {
			continue
		}
		if (l.To == id || (l.From == id && l.Direction == "both")) && unauthenticated(l) {
			f.Unauthenticated += 1 + b2i(l.To == id && l.From == id && l.Direction == "both")
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// logon tells whether a protocol is one over which a system logs on
// through another.
func logon(p ward.Protocol) bool {
	switch p {
	case "kerberos", "ldap", "ldaps", "radius":
		return true
	}
	return false
}

// logons lists who logs on through whom, as pairs of asset indices
// (user, authority), each once, in the order first met: a kerberos, ldap,
// ldaps or radius flow from user to authority, or user depending on an
// identity system (or on a redundancy group of them).
func logons(x *ward.Index) [][2]int {
	m := x.Model()
	groups := make(map[string][]string, len(m.Redundancy))
	for _, g := range m.Redundancy {
		groups[g.ID] = g.Of
	}
	var met [][2]int32 // as met, with repeats
	for li := range m.Links {
		if !logon(m.Links[li].Protocol) {
			continue
		}
		i, ok := x.From[li].Asset()
		j, ok2 := x.To[li].Asset()
		if ok && ok2 && i != j {
			met = append(met, [2]int32{int32(i), int32(j)})
		}
	}
	identity := func(j int) bool {
		k, _ := ward.LookupKind(m.Assets[j].Kind)
		return k.Category == ward.CategoryIdentity
	}
	for i := range m.Assets {
		for _, d := range m.Assets[i].DependsOn {
			if of, ok := groups[d]; ok {
				for _, id := range of {
					if j, ok := x.Asset(id); ok && i != j && identity(j) {
						met = append(met, [2]int32{int32(i), int32(j)})
					}
				}
			} else if j, ok := x.Asset(d); ok && i != j && identity(j) {
				met = append(met, [2]int32{int32(i), int32(j)})
			}
		}
	}
	// The first of each pair is kept: the pairs are grouped by user in
	// the order met (a counting sort), and a user's authorities marked as
	// its group is read. A set of pairs was most of the time at a million
	// assets, with a million and a half logons.
	n := len(m.Assets)
	start := make([]int32, n+1)
	for _, p := range met {
		start[p[0]+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	byUser, fill := make([]int32, len(met)), slices.Clone(start[:n])
	for k, p := range met {
		byUser[fill[p[0]]] = int32(k)
		fill[p[0]]++
	}
	seen := make([]int32, n) // seen[j] == i+1: (i, j) is in i's group already
	first := make([]bool, len(met))
	kept := 0
	for i := range n {
		for _, k := range byUser[start[i]:start[i+1]] {
			if j := met[k][1]; seen[j] != int32(i+1) {
				seen[j], first[k] = int32(i+1), true
				kept++
			}
		}
	}
	out := make([][2]int, 0, kept)
	for k, p := range met {
		if first[k] {
			out = append(out, [2]int{int(p[0]), int(p[1])})
		}
	}
	return out
}

func rank(l, fallback ward.Level) int {
	if r := l.Rank(); r >= 0 {
		return r
	}
	return max(fallback.Rank(), 0)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func union(lists ...[]string) []string {
	out := []string{}
	for _, l := range lists {
		for _, x := range l {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	sort.Strings(out)
	return out
}
