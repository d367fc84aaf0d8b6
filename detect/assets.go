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
	Default  string
}

type assetPrefix struct {
	p  netip.Prefix
	id string
}

// NewAssets indexes a model's assets (m may be nil: only Default is used).
func NewAssets(m *ward.Model, def string) *Assets {
	a := &Assets{byName: map[string]string{}, byAddr: map[netip.Addr]string{}, Default: def}
	if m == nil {
		return a
	}
	for _, as := range m.Assets {
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
		if id := a.lookup(h, true); id != "" {
			return id
		}
	}
	return a.Default
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
