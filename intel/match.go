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
	var out []Match
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
		sort.SliceStable(found, func(x, y int) bool { return found[x].CVE < found[y].CVE })
		out = append(out, dedupe(found)...)
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

func dedupe(ms []Match) []Match {
	var out []Match
	for i, m := range ms {
		if i > 0 && m.CVE == ms[i-1].CVE {
			continue
		}
		out = append(out, m)
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
	var cpes []cpeName
	for _, s := range append([]string{a.CPE}, componentCPEs(a)...) {
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
	var out []Match
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
					k, exploited := m.exploited[cve.ID]
					out = append(out, Match{Asset: a.ID, Advisory: "NVD", CVE: cve.ID, Product: c[1] + " " + c[2],
						CVSS: cve.CVSS, EPSS: m.EPSS[cve.ID].Score, Exploited: exploited, Ransomware: exploited && strings.EqualFold(k.Ransomware, "Known"),
						Why: fmt.Sprintf("CPE of %s satisfies NVD configuration (%s)", a.ID, crit), Confidence: "high"})
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
