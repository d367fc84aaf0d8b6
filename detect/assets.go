package detect

import (
	"net/netip"
	"strings"

	"github.com/wardhealth/ward"
)

// Assets ties events to the assets of a model: by the address a packet was
// sent to (firewall logs), then by the host that wrote the line — its
// address, its host name or its short name against the assets' ids, names
// and addresses — and else to a default asset (the file's --asset).
type Assets struct {
	byName   map[string]string
	byAddr   map[netip.Addr]string
	prefixes []assetPrefix
	info     map[string]assetInfo
	Default  string
	// Memos of look-ups: the last host name (a file is mostly one
	// host's), and source addresses (bounded).
	lastHost, lastHostID string
	sources              map[string]source
}

// source is what a source address is in the model.
type source struct{ asset, zoneKind string }

// maxSources bounds the memo of source addresses.
const maxSources = 1 << 14

// assetInfo is what rules may ask of an asset: its kind, category and
// the kind of its zone.
type assetInfo struct{ kind, category, zoneKind string }

type assetPrefix struct {
	p  netip.Prefix
	id string
}

// NewAssets indexes a model's assets (m may be nil: only Default is used).
// An Assets is for one goroutine.
func NewAssets(m *ward.Model, def string) *Assets {
	a := &Assets{byName: map[string]string{}, byAddr: map[netip.Addr]string{}, info: map[string]assetInfo{}, Default: def}
	if m == nil {
		return a
	}
	zones := map[string]string{}
	for _, z := range m.Zones {
		zones[z.ID] = string(z.Kind)
	}
	for _, as := range m.Assets {
		k, _ := ward.LookupKind(as.Kind)
		a.info[as.ID] = assetInfo{kind: string(as.Kind), category: string(k.Category), zoneKind: zones[as.Zone]}
		a.name(as.ID, as.ID)
		if as.Name != "" {
			a.name(as.Name, as.ID)
		}
		for _, addr := range as.Addresses {
			if ip, err := netip.ParseAddr(addr); err == nil {
				if _, dup := a.byAddr[ip.Unmap()]; !dup {
					a.byAddr[ip.Unmap()] = as.ID
				}
				continue
			}
			if p, err := netip.ParsePrefix(addr); err == nil {
				a.prefixes = append(a.prefixes, assetPrefix{p.Masked(), as.ID})
				continue
			}
			if strings.Count(addr, ":") == 5 { // a MAC address: not in logs' host fields
				continue
			}
			a.name(addr, as.ID)
		}
	}
	return a
}

func (a *Assets) name(n, id string) {
	n = strings.ToLower(n)
	if _, dup := a.byName[n]; !dup {
		a.byName[n] = id
	}
}

// Of returns the asset an event happened on, or "".
func (a *Assets) Of(e *Event) string {
	if d := e.fields[FieldDest]; d != "" {
		if id := a.lookup(d, false); id != "" {
			return id
		}
	}
	if h := e.fields[FieldHost]; h != "" {
		if h != a.lastHost {
			a.lastHost, a.lastHostID = h, a.lookup(h, true)
		}
		if a.lastHostID != "" {
			return a.lastHostID
		}
	}
	return a.Default
}

// Tie sets the event's asset (see Of) and the model's fields of it and of
// its source address: asset_kind, asset_category, asset_zone_kind,
// src_asset, src_zone_kind.
func (a *Assets) Tie(e *Event) { a.tie(e, a.Of(e)) }

// TieFrom ties an event received from the address sender (a syslog
// message over the network): as Tie, with the asset holding sender's
// address before Default, for a line whose host names no asset.
func (a *Assets) TieFrom(e *Event, sender string) {
	def := a.Default
	a.Default = ""
	id := a.Of(e)
	a.Default = def
	if id == "" && sender != "" {
		id = a.lookup(sender, false)
	}
	if id == "" {
		id = def
	}
	a.tie(e, id)
}

func (a *Assets) tie(e *Event, id string) {
	e.Asset = id
	if in, ok := a.info[e.Asset]; ok {
		e.fields[FieldAssetKind], e.fields[FieldAssetCategory], e.fields[FieldAssetZoneKind] = in.kind, in.category, in.zoneKind
	}
	src := e.fields[FieldSource]
	if src == "" {
		return
	}
	so, ok := a.sources[src]
	if !ok {
		so = a.source(src)
		if a.sources == nil || len(a.sources) >= maxSources {
			a.sources = make(map[string]source, 256)
		}
		a.sources[strings.Clone(src)] = so
	}
	e.fields[FieldSourceAsset], e.fields[FieldSourceZoneKind] = so.asset, so.zoneKind
}

func (a *Assets) source(src string) source {
	if id := a.lookup(src, false); id != "" {
		return source{id, a.info[id].zoneKind}
	}
	if ip, err := netip.ParseAddr(src); err == nil && ip.IsGlobalUnicast() && !ip.IsPrivate() {
		return source{zoneKind: "internet"}
	}
	return source{}
}

func (a *Assets) lookup(s string, host bool) string {
	if ip, err := netip.ParseAddr(s); err == nil {
		ip = ip.Unmap()
		if id, ok := a.byAddr[ip]; ok {
			return id
		}
		// The narrowest prefix holding it.
		best, bits := "", -1
		for _, p := range a.prefixes {
			if p.p.Bits() > bits && p.p.Contains(ip) {
				best, bits = p.id, p.p.Bits()
			}
		}
		return best
	}
	if !host {
		return ""
	}
	s = strings.ToLower(s)
	if id, ok := a.byName[s]; ok {
		return id
	}
	if short, _, ok := strings.Cut(s, "."); ok {
		return a.byName[short]
	}
	return ""
}
