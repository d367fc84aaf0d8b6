package intel

import (
	"cmp"
	"slices"
	"strings"
)

// Exposure sums up what is known of the vulnerabilities of one asset, for
// the risk engine: how many, how many are exploited in the wild (KEV), how
// many in ransomware campaigns, and the worst CVSS and EPSS among them.
type Exposure struct {
	Count      int
	Exploited  int
	Ransomware int
	MaxCVSS    float64
	MaxEPSS    float64
}

// Exposures sums up matches per asset id, counting each CVE of an asset
// once however many advisories name it.
func Exposures(ms []Match) map[string]Exposure {
	out := map[string]Exposure{}
	seen := map[[2]string]bool{}
	for i := range ms {
		m := &ms[i]
		k := [2]string{m.Asset, m.CVE}
		e := out[m.Asset]
		if !seen[k] {
			seen[k] = true
			e.Count++
			if m.Exploited {
				e.Exploited++
			}
			if m.Ransomware {
				e.Ransomware++
			}
		}
		e.MaxCVSS = max(e.MaxCVSS, m.CVSS)
		e.MaxEPSS = max(e.MaxEPSS, m.EPSS)
		out[m.Asset] = e
	}
	return out
}

// Prioritise orders matches by what to patch first: used by ransomware,
// then exploited in the wild, then by EPSS, then by CVSS; ties by asset and
// CVE so the order is stable. It sorts a copy.
func Prioritise(ms []Match) []Match {
	out := slices.Clone(ms)
	rank := func(m *Match) int {
		switch {
		case m.Ransomware:
			return 2
		case m.Exploited:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		return cmp.Or(
			cmp.Compare(rank(&b), rank(&a)),
			cmp.Compare(b.EPSS, a.EPSS),
			cmp.Compare(b.CVSS, a.CVSS),
			strings.Compare(a.Asset, b.Asset),
			strings.Compare(a.CVE, b.CVE))
	})
	return out
}
