package intel

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/wardhealth/ward"
)

// Match is an advisory's vulnerability found on an asset, and why.
type Match struct {
	Asset    string  `json:"asset"`
	Advisory string  `json:"advisory"`
	CVE      string  `json:"cve"`
	Product  string  `json:"product"`
	CVSS     float64 `json:"cvss,omitempty"`
	// EPSS is the probability of exploitation in the next 30 days, when
	// EPSS scores are loaded.
	EPSS float64 `json:"epss,omitempty"`
	// Exploited: the CVE is in CISA's KEV catalog; Ransomware: known use
	// in ransomware campaigns.
	Exploited  bool   `json:"exploited,omitempty"`
	Ransomware bool   `json:"ransomware,omitempty"`
	Why        string `json:"why"`
	// Confidence is high when vendor, product and version all match
	// exactly, medium when the version was read from a range in part, low
	// when the advisory names no version the asset could be compared with.
	Confidence string `json:"confidence"`
}

// vendorNoise are words dropped when comparing vendor names.
var vendorNoise = map[string]bool{"inc": true, "incorporated": true, "corp": true, "corporation": true, "gmbh": true, "ag": true,
	"ltd": true, "limited": true, "llc": true, "co": true, "company": true, "medical": true, "healthcare": true, "health": true,
	"systems": true, "the": true, "se": true, "sa": true, "plc": true, "group": true}

// vendorAliases maps normalised names that differ for the same maker.
var vendorAliases = map[string]string{"bbraun": "braun", "philipshealthcare": "philips", "siemenshealthineers": "siemens", "gehealthcare": "ge", "ge": "ge"}

// normVendor reduces a vendor name to compare: lower case, letters and
// digits, noise words dropped.
func normVendor(s string) string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !vendorNoise[w] {
			words = append(words, w)
		}
	}
	n := strings.Join(words, "")
	if a, ok := vendorAliases[n]; ok {
		return a
	}
	return n
}

func normProduct(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

// productMatches tells whether an asset's product names an advisory's:
// equal once normalised, or one's words all in the other's.
func productMatches(asset, advisory string) bool {
	a, p := normProduct(asset), normProduct(advisory)
	if a == "" || p == "" {
		return false
	}
	if a == p {
		return true
	}
	return containsWords(p, a) || containsWords(a, p)
}

func containsWords(haystack, needle string) bool {
	hw := " " + haystack + " "
	for _, w := range strings.Fields(needle) {
		if !strings.Contains(hw, " "+w+" ") {
			return false
		}
	}
	return true
}

// Matcher matches assets against loaded intelligence.
type Matcher struct {
	advisories []*Advisory
	// withPURL lists the products an advisory names by package URL, for
	// matching SBOM components.
	withPURL  []productRef
	exploited map[string]KEVEntry
	// EPSS scores by CVE, when loaded.
	EPSS map[string]EPSS
	// nvd indexes NVD criteria by "vendor:product" of their CPE ("*" for
	// a wildcard).
	nvd map[string][]*CVE
	// nvdSeen keeps the CVEs found for a set of CPEs, which many assets
	// share.
	nvdSeen map[string][]nvdHit
	// byVendor indexes advisory products by normalised vendor, so an asset
	// is compared with its maker's products only.
	byVendor map[string][]productRef
}

type productRef struct {
	adv *Advisory
	p   *Product
}

// NewMatcher indexes advisories and the KEV catalog (which may be nil).
func NewMatcher(advisories []*Advisory, kev *KEV) *Matcher {
	m := &Matcher{advisories: advisories, exploited: map[string]KEVEntry{}, byVendor: map[string][]productRef{}}
	if kev != nil {
		m.exploited = kev.Exploited()
	}
	for _, a := range advisories {
		for i := range a.Products {
			p := &a.Products[i]
			if p.PURL != "" {
				m.withPURL = append(m.withPURL, productRef{a, p})
			}
			// Some advisories list several makers in one vendor branch.
			for _, v := range splitVendors(p.Vendor) {
				m.byVendor[v] = append(m.byVendor[v], productRef{a, p})
			}
		}
	}
	return m
}

func splitVendors(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '/' }) {
		part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "and "))
		if n := normVendor(part); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// Match finds the advisories' vulnerabilities on the assets, in asset order
// then by CVE.
func (m *Matcher) Match(assets []ward.Asset) []Match {
	// Per asset first, then one copy: growing one slice of millions of
	// matches would move them over and over.
	per := make([][]Match, len(assets))
	total := 0
	for i := range assets {
		a := &assets[i]
		var found []Match
		for _, ref := range m.byVendor[normVendor(a.Vendor)] {
			p := ref.p
			if !productMatches(a.Product, p.Name) {
				continue
			}
			cov := Coverage{In: true, Sure: false, Rule: "no version in the advisory"}
			switch {
			case p.Version != "":
				cov = inRange(a.Version, p.Version)
				if strings.Contains(p.Version, "|") {
					cov.Rule = "versions " + p.Version
				} else {
					cov.Rule = "version " + p.Version
				}
			case p.Range != "":
				cov = inRange(a.Version, p.Range)
			}
			if !cov.In {
				continue
			}
			confidence := "high"
			switch {
			case a.Version == "" || p.Version == "" && p.Range == "":
				confidence = "low"
			case !cov.Sure:
				confidence = "medium"
			}
			found = append(found, m.matches(a, ref, fmt.Sprintf("%s %s %s: %s %s, %s", a.Vendor, a.Product, orUnknown(a.Version), ref.adv.ID, p.Name, cov.Rule), confidence)...)
		}
		for _, c := range a.Components {
			if c.PURL == "" {
				continue
			}
			for _, ref := range m.withPURL {
				if !samePackage(c.PURL, ref.p.PURL) {
					continue
				}
				version := c.Version
				if version == "" {
					version = purlVersion(c.PURL)
				}
				cov := Coverage{In: true, Rule: "the advisory names the package without a version"}
				switch {
				case ref.p.Version != "":
					cov = inRange(version, ref.p.Version)
				case ref.p.Range != "":
					cov = inRange(version, ref.p.Range)
				case purlVersion(ref.p.PURL) != "":
					cov = inRange(version, purlVersion(ref.p.PURL))
				}
				if !cov.In {
					continue
				}
				confidence := "high"
				if !cov.Sure || version == "" {
					confidence = "medium"
				}
				found = append(found, m.matches(a, ref, fmt.Sprintf("component %s %s: %s %s, %s", c.Name, orUnknown(version), ref.adv.ID, ref.p.PURL, cov.Rule), confidence)...)
			}
		}
		found = append(found, m.matchNVD(a)...)
		// Sort an index, not the matches: moving large structs around costs
		// more than the matching on assets with many vulnerabilities.
		order := make([]int, len(found))
		for k := range order {
			order[k] = k
		}
		sort.SliceStable(order, func(x, y int) bool { return found[order[x]].CVE < found[order[y]].CVE })
		mine := make([]Match, 0, len(found))
		for k, o := range order {
			if k > 0 && found[o].CVE == found[order[k-1]].CVE {
				continue // one match per CVE and asset
			}
			mine = append(mine, found[o])
		}
		per[i] = mine
		total += len(mine)
	}
	out := make([]Match, 0, total)
	for _, ms := range per {
		out = append(out, ms...)
	}
	return out
}

// matches lists the advisory's vulnerabilities that affect the product and
// are neither fixed nor ruled out for it.
func (m *Matcher) matches(a *ward.Asset, ref productRef, why, confidence string) []Match {
	var out []Match
	p := ref.p
	for _, v := range ref.adv.Vulns {
		if !contains(v.Affected, p.ID) || contains(v.Fixed, p.ID) || contains(v.NotAffected, p.ID) {
			continue
		}
		k, exploited := m.exploited[v.CVE]
		out = append(out, Match{
			Asset: a.ID, Advisory: ref.adv.ID, CVE: v.CVE, Product: strings.TrimSpace(p.Vendor + " " + p.Name),
			CVSS: v.CVSS, EPSS: m.EPSS[v.CVE].Score, Exploited: exploited, Ransomware: exploited && strings.EqualFold(k.Ransomware, "Known"),
			Why: why, Confidence: confidence,
		})
	}
	return out
}

// Counts gives the number of distinct vulnerabilities matched per asset,
// for the assessment's likelihood.
func Counts(ms []Match) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		out[m.Asset]++
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func orUnknown(v string) string {
	if v == "" {
		return "(version unknown)"
	}
	return v
}

// AddNVD indexes NVD CVE records for matching by CPE.
func (m *Matcher) AddNVD(cves []CVE) {
	if m.nvd == nil {
		m.nvd = map[string][]*CVE{}
	}
	for i := range cves {
		c := &cves[i]
		keys := map[string]bool{}
		for _, cfg := range c.Config {
			for _, n := range cfg.Nodes {
				for _, cm := range n.Matches {
					if !cm.Vulnerable {
						continue
					}
					if name, err := parseCPE(cm.Criteria); err == nil {
						k := strings.ToLower(name[1] + ":" + name[2])
						if strings.ContainsAny(k, "*?") {
							k = "*"
						}
						keys[k] = true
					}
				}
			}
		}
		for k := range keys {
			m.nvd[k] = append(m.nvd[k], c)
		}
	}
}

// matchNVD finds NVD CVEs whose configurations the asset's CPE and its
// components' CPEs satisfy.
func (m *Matcher) matchNVD(a *ward.Asset) []Match {
	if len(m.nvd) == 0 {
		return nil
	}
	names := append([]string{a.CPE}, componentCPEs(a)...)
	key := strings.Join(names, "\x00")
	hits, ok := m.nvdSeen[key]
	if !ok {
		hits = m.nvdFor(names)
		if m.nvdSeen == nil {
			m.nvdSeen = map[string][]nvdHit{}
		}
		m.nvdSeen[key] = hits
	}
	out := make([]Match, 0, len(hits))
	for _, h := range hits {
		k, exploited := m.exploited[h.cve.ID]
		out = append(out, Match{Asset: a.ID, Advisory: "NVD", CVE: h.cve.ID, Product: h.product,
			CVSS: h.cve.CVSS, EPSS: m.EPSS[h.cve.ID].Score, Exploited: exploited, Ransomware: exploited && strings.EqualFold(k.Ransomware, "Known"),
			Why: h.why, Confidence: "high"})
	}
	return out
}

type nvdHit struct {
	cve     *CVE
	product string
	why     string
}

// nvdFor finds the CVEs whose configurations a set of CPE names satisfies.
func (m *Matcher) nvdFor(names []string) []nvdHit {
	var cpes []cpeName
	for _, s := range names {
		if s == "" {
			continue
		}
		if n, err := parseCPE(s); err == nil {
			cpes = append(cpes, n)
		}
	}
	if len(cpes) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []nvdHit
	for _, c := range cpes {
		for _, key := range []string{strings.ToLower(c[1] + ":" + c[2]), "*"} {
			for _, cve := range m.nvd[key] {
				if seen[cve.ID] {
					continue
				}
				for _, cfg := range cve.Config {
					crit, ok := cfg.applies(cpes)
					if !ok {
						continue
					}
					seen[cve.ID] = true
					out = append(out, nvdHit{cve, c[1] + " " + c[2], "the asset's CPE satisfies the NVD configuration " + crit})
					break
				}
			}
		}
	}
	return out
}

func componentCPEs(a *ward.Asset) []string {
	var out []string
	for _, c := range a.Components {
		if c.CPE != "" {
			out = append(out, c.CPE)
		}
	}
	return out
}
