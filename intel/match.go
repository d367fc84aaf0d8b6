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

// EPSSText is the match's EPSS score as shown to people, with three
// decimals, or "-" when no EPSS data scored it: the same in the CLI, the
// reports and the dashboard.
func (m Match) EPSSText() string {
	if m.EPSS == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", m.EPSS)
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
	return normProductMatches(normProduct(asset), normProduct(advisory))
}

// normProductMatches is productMatches on names already normalised, so
// that Match normalises each advisory product once, when indexed, and each
// asset's product once, rather than both for every pair compared.
func normProductMatches(a, p string) bool {
	if a == "" || p == "" {
		return false
	}
	if a == p {
		return true
	}
	return containsWords(p, a) || containsWords(a, p)
}

// containsWords tells whether every word of needle is a word of haystack,
// both normalised (words separated by one space). It scans in place,
// without building padded copies, as it runs for every product compared.
func containsWords(haystack, needle string) bool {
	for needle != "" {
		w := needle
		if i := strings.IndexByte(needle, ' '); i >= 0 {
			w, needle = needle[:i], needle[i+1:]
		} else {
			needle = ""
		}
		if w != "" && !hasWord(haystack, w) {
			return false
		}
	}
	return true
}

// hasWord tells whether w occurs in s bounded by spaces or its ends.
func hasWord(s, w string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(w)
		if (i == 0 || s[i-1] == ' ') && (end == len(s) || s[end] == ' ') {
			return true
		}
		off = i + 1
	}
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
	nvdSeen map[string]*nvdSet
	// byVendor indexes advisory products by normalised vendor, so an asset
	// is compared with its maker's products only.
	byVendor map[string][]productRef
}

type productRef struct {
	adv *Advisory
	p   *Product
	// name is p.Name normalised, for the vendor index.
	name string
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
				m.withPURL = append(m.withPURL, productRef{adv: a, p: p})
			}
			// Some advisories list several makers in one vendor branch.
			name := normProduct(p.Name)
			for _, v := range splitVendors(p.Vendor) {
				m.byVendor[v] = append(m.byVendor[v], productRef{a, p, name})
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
//
// A large estate matched against the NVD gives millions of matches, and
// building them, not finding them, is then most of the work: a Match is
// over a hundred bytes. So Match works in two passes. The first finds each
// asset's advisory matches (few) and its set of NVD hits (shared by every
// asset with the same CPEs), and counts the matches; the second writes them
// once into a result allocated at its final size, with no per-asset slices
// to copy from. An NVD match is the same for every asset with the same set
// of hits but for the asset, so its fields (CVSS, EPSS, KEV, product,
// reason) are looked up once per set and call, and copied per asset.
func (m *Matcher) Match(assets []ward.Asset) []Match {
	var (
		// adv holds the assets' advisory matches, one asset after
		// another, each asset's sorted by CVE without repeats; advEnd[i]
		// is where asset i's stop.
		adv    []Match
		advEnd = make([]int, len(assets))
		// nvdOf[i] is asset i's NVD matches but for the asset, by CVE.
		nvdOf = make([][]Match, len(assets))
		// prepared holds, by nvdSet.id, the sets' matches prepared in this
		// call.
		prepared = make([][]Match, len(m.nvdSeen))
		found    []Match
		order    []int
		total    int
	)
	for i := range assets {
		a := &assets[i]
		found = m.advisoryMatches(found[:0], a)
		start := len(adv)
		if len(found) > 0 {
			// Sort an index, not the matches: moving large structs around
			// costs more than the sorting.
			order = order[:0]
			for k := range found {
				order = append(order, k)
			}
			sort.SliceStable(order, func(x, y int) bool { return found[order[x]].CVE < found[order[y]].CVE })
			for k, o := range order {
				if k > 0 && found[o].CVE == found[order[k-1]].CVE {
					continue // one match per CVE and asset
				}
				adv = append(adv, found[o])
			}
		}
		advEnd[i] = len(adv)
		if set := m.nvdSetFor(a); set != nil && len(set.hits) > 0 {
			for len(prepared) <= set.id {
				prepared = append(prepared, nil)
			}
			if prepared[set.id] == nil {
				prepared[set.id] = m.prepareNVD(set.hits)
			}
			nvdOf[i] = prepared[set.id]
		}
		total += mergedLen(adv[start:], nvdOf[i])
	}
	out := make([]Match, total)
	n, start := 0, 0
	for i := range assets {
		n = fillMerged(out, n, assets[i].ID, adv[start:advEnd[i]], nvdOf[i])
		start = advEnd[i]
	}
	return out
}

// mergedLen counts the matches fillMerged writes for an asset: its
// advisory matches and its NVD ones, both sorted by CVE and without
// repeats, less the CVEs in both.
func mergedLen(adv, nvd []Match) int {
	n := len(adv) + len(nvd)
	if len(adv) == 0 || len(nvd) == 0 {
		return n
	}
	for i, j := 0, 0; i < len(adv) && j < len(nvd); {
		switch c := strings.Compare(adv[i].CVE, nvd[j].CVE); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			n--
			i++
			j++
		}
	}
	return n
}

// fillMerged writes an asset's matches into out from n, merging by CVE its
// advisory matches and its NVD ones (given the asset there), and returns
// where it stopped. A CVE in both is reported once, from the advisory, as
// when the advisories were matched first and sorted stably.
func fillMerged(out []Match, n int, asset string, adv, nvd []Match) int {
	for len(adv) > 0 && len(nvd) > 0 {
		switch c := strings.Compare(adv[0].CVE, nvd[0].CVE); {
		case c < 0:
			out[n] = adv[0]
			adv = adv[1:]
		case c > 0:
			setNVD(&out[n], asset, &nvd[0])
			nvd = nvd[1:]
		default:
			out[n] = adv[0]
			adv, nvd = adv[1:], nvd[1:]
		}
		n++
	}
	n += copy(out[n:], adv)
	for k := range nvd {
		setNVD(&out[n], asset, &nvd[k])
		n++
	}
	return n
}

// setNVD sets d to the prepared NVD match t, for the asset. It assigns
// field by field because copying the struct whole goes through the
// runtime's bulk write barrier whenever the collector is marking, which
// allocating the large result of Match makes likely: that cost more than
// twice the copy itself.
func setNVD(d *Match, asset string, t *Match) {
	d.Asset = asset
	d.Advisory = t.Advisory
	d.CVE = t.CVE
	d.Product = t.Product
	d.CVSS = t.CVSS
	d.EPSS = t.EPSS
	d.Exploited = t.Exploited
	d.Ransomware = t.Ransomware
	d.Why = t.Why
	d.Confidence = t.Confidence
}

// advisoryMatches appends to found the asset's matches with the
// advisories: by vendor and product, and its components by package URL.
func (m *Matcher) advisoryMatches(found []Match, a *ward.Asset) []Match {
	refs := m.byVendor[normVendor(a.Vendor)]
	var product string
	if len(refs) > 0 {
		product = normProduct(a.Product)
	}
	for _, ref := range refs {
		p := ref.p
		if !normProductMatches(product, ref.name) {
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
		found = m.appendMatches(found, a, ref, fmt.Sprintf("%s %s %s: %s %s, %s", a.Vendor, a.Product, orUnknown(a.Version), ref.adv.ID, p.Name, cov.Rule), confidence)
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
			found = m.appendMatches(found, a, ref, fmt.Sprintf("component %s %s: %s %s, %s", c.Name, orUnknown(version), ref.adv.ID, ref.p.PURL, cov.Rule), confidence)
		}
	}
	return found
}

// appendMatches appends to out the advisory's vulnerabilities that affect
// the product and are neither fixed nor ruled out for it.
func (m *Matcher) appendMatches(out []Match, a *ward.Asset, ref productRef, why, confidence string) []Match {
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
	// Sets of hits found before may be short of these CVEs.
	m.nvdSeen = nil
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

// nvdSet is the NVD CVEs a set of CPE names satisfies.
type nvdSet struct {
	// id numbers the set among those in Matcher.nvdSeen, from 0, for Match
	// to keep what it prepares for each set in a slice.
	id int
	// hits are sorted by CVE id, the order of Match's results, and have
	// one hit per CVE id.
	hits []nvdHit
}

// nvdSetFor gives the NVD CVEs whose configurations the asset's CPE and its
// components' CPEs satisfy, nil when there are none to look for. They are
// found once per set of CPE names: assets of a model share theirs.
func (m *Matcher) nvdSetFor(a *ward.Asset) *nvdSet {
	if len(m.nvd) == 0 {
		return nil
	}
	// Most assets have one CPE and no component with one: their CPE is
	// the key, with no names to gather or join.
	key := a.CPE
	var names []string
	for _, c := range a.Components {
		if c.CPE == "" {
			continue
		}
		if names == nil {
			names = []string{a.CPE}
		}
		names = append(names, c.CPE)
	}
	if names != nil {
		key = strings.Join(names, "\x00")
	} else if a.CPE == "" {
		return nil
	}
	if set, ok := m.nvdSeen[key]; ok {
		return set
	}
	if names == nil {
		names = []string{a.CPE}
	}
	set := &nvdSet{id: len(m.nvdSeen), hits: m.nvdFor(names)}
	sort.Slice(set.hits, func(i, j int) bool { return set.hits[i].cve.ID < set.hits[j].cve.ID })
	if m.nvdSeen == nil {
		m.nvdSeen = map[string]*nvdSet{}
	}
	m.nvdSeen[key] = set
	return set
}

// prepareNVD builds the matches of a set of hits, all but their asset.
// EPSS scores and CVE records may change between calls to Match, so these
// are prepared for each call, not kept with the set.
func (m *Matcher) prepareNVD(hits []nvdHit) []Match {
	out := make([]Match, len(hits))
	for i, h := range hits {
		k, exploited := m.exploited[h.cve.ID]
		out[i] = Match{Advisory: "NVD", CVE: h.cve.ID, Product: h.product,
			CVSS: h.cve.CVSS, EPSS: m.EPSS[h.cve.ID].Score, Exploited: exploited, Ransomware: exploited && strings.EqualFold(k.Ransomware, "Known"),
			Why: h.why, Confidence: "high"}
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
