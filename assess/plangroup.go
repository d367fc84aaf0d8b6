package assess

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/wardhealth/ward"
)

// place is one remedy on one place, as the findings and the attack paths
// suggest it: a weakness's remedy on the assets of one kind in one zone, a
// zone's segmentation, a rule closed, a standby for a single point of
// failure. The plan's candidates are places grouped: the same remedy on
// places alike is one change (placeGroup).
type place struct {
	action  string
	answers string // the weakness removed, or what the paths ask
	kind    string // the assets' kind
	zone    string // the assets' zone, or the zone segmented
	assets  []string
	rule    string // the rule closed
	id      string // the change's id and title when the place stays alone
	title   string
}

// remedies are the changes that remove each weakness.
var remedies = map[string]string{
	"internet-exposed": "remove-exposure", "no-mfa-on-exposed": "add-mfa", "no-mfa-on-user-device": "add-mfa",
	"remote-admin-from-outside": "secure-remote-access", "vendor-access": "secure-remote-access", "end-of-support": "replace",
	"cleartext-sensitive": "encrypt-links", "wireless-clear": "encrypt-links", "unauthenticated-inbound": "authenticate-links",
	"known-vulnerabilities": "patch", "exploited-vulnerabilities": "patch", "no-edr": "add-edr", "no-encryption-at-rest": "encrypt-storage",
	"single-instance": "add-redundancy", "flat-network": "segment-zone", "untrusted-inbound": "segment-zone",
}

// answersSep joins what a change answers when it groups remedies of
// several weaknesses on the same assets.
const answersSep = "; "

// candidates derives changes from the findings and the attack paths, and
// groups the same remedy on places alike (placeGroup), unless alone; n is
// how many places they are made on, the candidates there are alone.
func candidates(m *ward.Model, res *Result, alone bool) (out []Change, n int) {
	assetIdx := map[string]int{}
	for i := range m.Assets {
		assetIdx[m.Assets[i].ID] = i
	}
	var places []place
	seenZone := map[string]bool{}
	patchSeen := map[string]bool{}
	for _, f := range res.Findings {
		groups := map[string][]string{}
		var keys []string
		for _, id := range f.Assets {
			a := &m.Assets[assetIdx[id]]
			k := string(a.Kind) + "\x00" + a.Zone
			if _, ok := groups[k]; !ok {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], id)
		}
		for _, k := range keys {
			ids := groups[k]
			kind, zone, _ := strings.Cut(k, "\x00")
			p := place{answers: f.Weakness, kind: kind, zone: zone, assets: ids}
			p.action = remedies[f.Weakness]
			switch f.Weakness {
			case "internet-exposed":
				if kind == "vpn-gateway" {
					p.action = "add-mfa"
				}
			case "known-vulnerabilities", "exploited-vulnerabilities":
				if patchSeen[k] {
					continue
				}
				patchSeen[k] = true
			case "flat-network", "untrusted-inbound":
				if seenZone[zone] {
					continue
				}
				seenZone[zone] = true
				p.kind, p.assets = "", nil
			}
			if p.action == "" {
				continue
			}
			p.id = p.action + ":" + zone + ":" + kind
			if p.action == "segment-zone" {
				p.id = p.action + ":" + zone
			}
			p.title = placeTitle(p.action, assetsWhat(ids, kind, zone), zone)
			places = append(places, p)
		}
	}
	places = append(places, pathPlaces(m, res, assetIdx)...)
	out = groupPlaces(m, places, alone)
	more := pathCandidates(m, res)
	out = append(out, more...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, len(places) + len(more)
}

// assetsWhat names the assets of one kind a change is on: the asset, or
// how many of the kind in which zone.
func assetsWhat(ids []string, kind, zone string) string {
	if len(ids) == 1 {
		return ids[0]
	}
	return fmt.Sprintf("%d × %s in %s", len(ids), kind, zone)
}

// placeTitle is a change's title, given what it is on.
func placeTitle(action, what, zone string) string {
	switch action {
	case "add-mfa":
		return "Require MFA on " + what
	case "remove-exposure":
		return "Take " + what + " off the Internet"
	case "secure-remote-access":
		return "Broker remote access to " + what + " (on demand, MFA, recorded)"
	case "replace":
		return "Replace or upgrade " + what + " (out of support)"
	case "encrypt-links":
		return "Encrypt the links of " + what + " that carry sensitive data"
	case "authenticate-links":
		return "Require authentication on the links into " + what
	case "patch":
		return "Patch " + what + " (the advisories' fixes, or their mitigations until then)"
	case "add-edr":
		return "Deploy EDR on " + what
	case "encrypt-storage":
		return "Encrypt storage on " + what
	case "add-redundancy":
		return "Add a standby for " + what
	case "segment-zone":
		return "Segment zone " + zone + " and filter its flows"
	}
	return action + " " + what
}

// pathPlaces are the places the attack paths and the single points of
// failure suggest: a firewall rule a path crosses, to close; an asset a
// service cannot do without, for a standby.
func pathPlaces(m *ward.Model, res *Result, assetIdx map[string]int) []place {
	var out []place
	onPath := map[string]bool{}
	mark := func(p *AttackPath) {
		for _, st := range p.Steps {
			if st.Rule != "" {
				onPath[st.Rule] = true
			}
		}
	}
	for _, tp := range res.Paths {
		for k := range tp.Paths {
			mark(&tp.Paths[k])
		}
	}
	for k := range res.Risks {
		if p := res.Risks[k].Path; p != nil {
			mark(p)
		}
	}
	for _, r := range m.Rules {
		if !onPath[r.ID] || r.Denies() {
			continue
		}
		out = append(out, place{action: "close-rule", rule: r.ID, answers: "attack paths through rule " + r.ID, id: "close-rule:" + r.ID,
			title: "Close rule " + r.Describe() + ", or narrow it to the flows that must cross it"})
	}
	// A single point of failure of a service is a place for a standby,
	// whether or not a finding asks for one.
	standby := map[string]bool{}
	for _, r := range res.Resilience {
		for _, sp := range r.SinglePoints {
			i, ok := assetIdx[sp.Asset]
			if !ok || standby[sp.Asset] || slices.Contains(m.Assets[i].Controls, "redundancy") {
				continue
			}
			standby[sp.Asset] = true
			a := &m.Assets[i]
			out = append(out, place{action: "add-redundancy", answers: "a single point of failure of " + r.Service, kind: string(a.Kind), zone: a.Zone,
				assets: []string{sp.Asset}, id: "add-redundancy:spof:" + sp.Asset,
				title: "Add a standby for " + sp.Asset + " (a single point of failure of " + r.Name + ")"})
		}
	}
	return out
}

// A placeGroup is the same remedy on places alike, one change: a hospital that
// segments one site's medical-device zone, or requires MFA on its
// workstations, does it on every zone and asset that is the same in what
// the risk model reads, in one piece of work, and the plan counts the
// distinct weaknesses, not the sites. Places are alike when:
//
//   - assets: the same kind, in zones of the same kind, trust and
//     controls, and the same weaknesses and single points of failure on
//     each (its profile). A place's assets with different profiles go to
//     different groups, and a change on an asset the others are not like
//     stays apart;
//   - zones: the same kind, trust and controls;
//   - rules: the same action, protocol and port, from zones alike to zones
//     alike (or to assets alike).
//
// Each group is measured as one change: the plan's measure of it is that
// of the model with the remedy made on all its places.
type placeGroup struct {
	key     string
	action  string
	places  []int // indices into the places, in order
	assets  []string
	zones   []string
	rules   []string
	answers []string
	kind    string
	profile []string
	has     map[string]bool // the assets, to add each once
}

// groupPlaces groups the places (placeGroup) and makes each group's change.
func groupPlaces(m *ward.Model, places []place, alone bool) []Change {
	assetIdx := make(map[string]int, len(m.Assets))
	for i := range m.Assets {
		assetIdx[m.Assets[i].ID] = i
	}
	zoneClass := map[string]string{}
	for _, z := range m.Zones {
		c := slices.Sorted(slices.Values(z.Controls))
		zoneClass[z.ID] = string(z.Kind) + "\x01" + strconv.Itoa(z.Trust.Rank()) + "\x01" + strings.Join(slices.Compact(c), "\x01")
	}
	// An asset's profile for a remedy: what the places of that remedy it
	// is in answer (the weaknesses the remedy removes from it, the
	// services it is a single point of failure of).
	profile := map[string][]string{}
	for _, p := range places {
		for _, id := range p.assets {
			k := p.action + "\x00" + id
			if !slices.Contains(profile[k], p.answers) {
				profile[k] = append(profile[k], p.answers)
			}
		}
	}
	for _, p := range profile {
		slices.Sort(p)
	}
	rules := map[string]*ward.Rule{}
	for i := range m.Rules {
		rules[m.Rules[i].ID] = &m.Rules[i]
	}
	// end is the class of a rule's end: a zone's, or an asset's kind and
	// zone's.
	end := func(id string) string {
		if i, ok := assetIdx[id]; ok {
			a := &m.Assets[i]
			return "asset\x01" + string(a.Kind) + "\x01" + zoneClass[a.Zone]
		}
		return "zone\x01" + zoneClass[id]
	}
	byKey := map[string]*placeGroup{}
	var groups []*placeGroup
	join := func(key string, pi int, p *place) *placeGroup {
		g, ok := byKey[key]
		if !ok {
			g = &placeGroup{key: key, action: p.action, kind: p.kind}
			byKey[key] = g
			groups = append(groups, g)
		}
		if len(g.places) == 0 || g.places[len(g.places)-1] != pi {
			g.places = append(g.places, pi)
		}
		if !slices.Contains(g.answers, p.answers) {
			g.answers = append(g.answers, p.answers)
		}
		if p.zone != "" && !slices.Contains(g.zones, p.zone) {
			g.zones = append(g.zones, p.zone)
		}
		return g
	}
	for pi := range places {
		p := &places[pi]
		switch {
		case alone:
			g := join(strconv.Itoa(pi), pi, p)
			g.assets = p.assets
			if p.rule != "" {
				g.rules = []string{p.rule}
			}
		case p.rule != "":
			r := rules[p.rule]
			key := p.action + "\x00" + string(r.Action) + "\x00" + string(r.Protocol) + "\x00" + strconv.Itoa(r.Port) + "\x00" + end(r.From) + "\x00" + end(r.To)
			g := join(key, pi, p)
			g.rules = append(g.rules, p.rule)
		case p.action == "segment-zone":
			join(p.action+"\x00"+zoneClass[p.zone], pi, p)
		default:
			for _, id := range p.assets {
				prof := profile[p.action+"\x00"+id]
				key := p.action + "\x00" + p.kind + "\x00" + zoneClass[p.zone] + "\x00" + strings.Join(prof, "\x00")
				g := join(key, pi, p)
				g.profile = prof
				if g.has == nil {
					g.has = map[string]bool{}
				}
				if !g.has[id] {
					g.has[id] = true
					g.assets = append(g.assets, id)
				}
			}
		}
	}
	// A group of one place's assets, all of them, keeps the place's id
	// and title; the others say what they join.
	out := make([]Change, 0, len(groups))
	ids := map[string]int{}
	for _, g := range groups {
		first := &places[g.places[0]]
		c := g.change(m, first)
		whole := len(g.places) == 1 && len(g.assets) == len(first.assets)
		if !whole {
			c.ID, c.Title, c.Alike = g.id(first), g.title(first), g.alike(m, places, zoneClass)
		}
		base := c.ID
		if n := ids[base]; n > 0 {
			c.ID += "#" + strconv.Itoa(n+1)
		}
		ids[base]++
		c.Places = len(g.places)
		out = append(out, c)
	}
	return out
}

// change makes the group's change: the remedy made on all its places.
func (g *placeGroup) change(m *ward.Model, first *place) Change {
	ids := g.assets
	c := Change{ID: first.id, Action: g.action, Title: first.title, Assets: ids, Answers: strings.Join(g.answers, answersSep), touch: &scope{assets: ids}}
	addControl := func(control string) func(*ward.Model) {
		return func(m *ward.Model) {
			for _, a := range byID(m, ids) {
				if !slices.Contains(a.Controls, control) {
					a.Controls = append(slices.Clone(a.Controls), control)
				}
			}
		}
	}
	links := func(fix func(l *ward.Link) bool, set func(l *ward.Link)) func(*ward.Model) {
		in := map[string]bool{}
		for _, id := range ids {
			in[id] = true
		}
		return func(m *ward.Model) {
			for i := range m.Links {
				l := &m.Links[i]
				if (in[l.From] || in[l.To]) && fix(l) {
					set(l)
				}
			}
		}
	}
	sensitiveData := func(l *ward.Link) bool {
		return !l.Encrypted && !attachment(l.Protocol) && slices.ContainsFunc(l.Data, ward.DataClass.Sensitive)
	}
	switch g.action {
	case "add-mfa":
		c.apply = addControl("mfa")
	case "secure-remote-access":
		c.apply = addControl("secure-remote-access")
	case "add-edr":
		c.apply = addControl("edr")
	case "encrypt-storage":
		c.apply = addControl("disk-encryption")
	case "add-redundancy":
		c.apply = addControl("redundancy")
	case "remove-exposure":
		// Links from the Internet into the assets go: that touches no
		// other asset's facts or steps.
		c.apply = func(m *ward.Model) {
			for _, a := range byID(m, ids) {
				a.InternetExposed = false
			}
			internet := map[string]bool{}
			for _, z := range m.Zones {
				if z.Kind == "internet" {
					internet[z.ID] = true
				}
			}
			in := make(map[string]bool, len(ids))
			for _, id := range ids {
				in[id] = true
			}
			m.Links = slices.DeleteFunc(slices.Clone(m.Links), func(l ward.Link) bool {
				return internet[l.From] && in[l.To]
			})
		}
	case "replace":
		c.apply = func(m *ward.Model) {
			for _, a := range byID(m, ids) {
				a.EndOfSupport = ""
			}
		}
	case "encrypt-links":
		c.touch.links = true
		c.apply = links(func(l *ward.Link) bool {
			return sensitiveData(l) || ((l.Protocol == "wifi" || l.Protocol == "ble") && !l.Encrypted)
		}, func(l *ward.Link) { l.Encrypted = true })
	case "authenticate-links":
		c.touch.links = true
		c.apply = links(func(l *ward.Link) bool { return !l.Authenticated && !attachment(l.Protocol) }, func(l *ward.Link) { l.Authenticated = true })
	case "patch":
		c.Patched = ids
		c.apply = func(*ward.Model) {}
	case "segment-zone":
		zones := g.zones
		c.Assets, c.Zone, c.touch = nil, zones[0], &scope{zones: zones}
		if len(zones) > 1 {
			c.Zones = zones
		}
		c.apply = func(m *ward.Model) {
			for i := range m.Zones {
				if z := &m.Zones[i]; slices.Contains(zones, z.ID) {
					z.Controls = append(slices.Clone(z.Controls), "segmentation", "firewall")
				}
			}
		}
	case "close-rule":
		closed := g.rules
		c.Assets, c.Rules, c.touch = nil, closed, nil
		c.apply = func(m *ward.Model) {
			m.Rules = slices.DeleteFunc(slices.Clone(m.Rules), func(r ward.Rule) bool { return slices.Contains(closed, r.ID) })
		}
	}
	return c
}

// id names a group by its first place and how many more it joins.
func (g *placeGroup) id(first *place) string {
	switch {
	case g.action == "close-rule":
		return fmt.Sprintf("close-rule:%s+%d", first.rule, len(g.rules)-1)
	case len(g.zones) > 1 && g.action == "segment-zone":
		return fmt.Sprintf("segment-zone:%s+%d", g.zones[0], len(g.zones)-1)
	case len(g.zones) > 1:
		return fmt.Sprintf("%s:%s+%d:%s", g.action, g.zones[0], len(g.zones)-1, g.kind)
	}
	return first.id
}

// title says what the group's change is on.
func (g *placeGroup) title(first *place) string {
	switch g.action {
	case "close-rule":
		return fmt.Sprintf("Close the %d rules alike %s, or narrow them to the flows that must cross them", len(g.rules), namesShort(g.rules))
	case "segment-zone":
		return fmt.Sprintf("Segment the %d zones alike %s and filter their flows", len(g.zones), namesShort(g.zones))
	}
	what := assetsWhat(g.assets, g.kind, g.zones[0])
	if len(g.zones) > 1 {
		what = fmt.Sprintf("%d × %s in %d zones alike %s", len(g.assets), g.kind, len(g.zones), namesShort(g.zones))
	}
	return placeTitle(g.action, what, "")
}

// alike explains what the group's places have in common.
func (g *placeGroup) alike(m *ward.Model, places []place, zoneClass map[string]string) string {
	n := len(g.places)
	switch g.action {
	case "close-rule":
		return fmt.Sprintf("%d rules with the same action, protocol and port, between zones (or assets) alike", len(g.rules))
	case "segment-zone":
		return fmt.Sprintf("%d zones of the same kind, trust and controls (%s)", len(g.zones), describeZone(m, g.zones[0]))
	}
	s := fmt.Sprintf("%d × %s, from each of which it removes the same: %s", len(g.assets), g.kind, strings.Join(g.profile, ", "))
	if len(g.zones) > 1 {
		s += fmt.Sprintf(", in %d zones of the same kind, trust and controls (%s)", len(g.zones), describeZone(m, g.zones[0]))
	}
	if n > 1 && len(g.zones) == 1 {
		s += fmt.Sprintf(", from %d findings", n)
	}
	return s
}

// describeZone tells a zone's kind, trust and controls.
func describeZone(m *ward.Model, id string) string {
	for _, z := range m.Zones {
		if z.ID == id {
			s := "kind " + string(z.Kind) + ", trust " + string(z.Trust)
			if len(z.Controls) > 0 {
				s += ", controls " + strings.Join(slices.Sorted(slices.Values(z.Controls)), ", ")
			}
			return s
		}
	}
	return id
}

// namesShort lists at most three names and how many more, in parentheses.
func namesShort(ids []string) string {
	if len(ids) <= 3 {
		return "(" + strings.Join(ids, ", ") + ")"
	}
	return fmt.Sprintf("(%s and %d more)", strings.Join(ids[:3], ", "), len(ids)-3)
}
