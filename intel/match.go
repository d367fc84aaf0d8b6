package intel

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
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
	// Confidence is high when the asset is the advisory's product by an
	// identifier (model number, SKU, serial number, CPE, package URL) or
	// by name, and its version is surely in the advisory's range; medium
	// when the version could be read only in part, was not known, or
	// could not be compared; low when the asset names only the product's
	// family (or a sibling the advisory may not mean). See
	// docs/vulnerabilities.md.
	Confidence string `json:"confidence"`
	// Rule names the rule that made the match: model-number, sku,
	// serial-number, cpe, purl, generic-uri, model, product, family,
	// component, or nvd-cpe.
	Rule string `json:"rule"`
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
	// byVendor indexes advisory products by vendor key (a lineage id as
	// "=id", or the key of a vendor the lineage does not know), so an
	// asset is compared with its maker's products only.
	byVendor map[string][]*productRef
	// byName indexes advisory products by their normalised name, for
	// components named without a package URL ("VxWorks", "DCMTK").
	byName  map[string][]*productRef
	lineage *Lineage
	// ident lists the products with identifiers (see withIdent).
	identOnce sync.Once
	ident     []*productRef
}

type productRef struct {
	adv *Advisory
	p   *Product
	// form is p.Name as compared; context the advisory's title words.
	form    form
	context []string
	// variants are the product's version alternatives that name models
	// rather than versions ("7100 | 7900", "Accu-Chek Inform II");
	// versions the others, as a range expression.
	variants []variant
	versions string
	// version is p.Version or p.Range, or a version read from the end of
	// the name ("IntelliSpace Portal 8.0.x").
	version string
	// models are the helper's model numbers and SKUs, normalised.
	models, skus []string
}

// modelsOnly tells whether every alternative of a product version is a
// plain model number of four digits or more ("24950 | 24952").
func modelsOnly(vs []variant, version string) bool {
	if len(vs) != len(strings.Split(version, "|")) {
		return false
	}
	for _, v := range vs {
		if !isDigitsOnly(strings.TrimSpace(v.raw)) || len(strings.TrimSpace(v.raw)) < 4 {
			return false
		}
	}
	return true
}

// hasNumber tells whether a model list has a plain model number ("25000").
func hasNumber(models []string) bool {
	for _, m := range models {
		if isDigitsOnly(m) {
			return true
		}
	}
	return false
}

// variant is a product version that may name a model.
type variant struct {
	raw  string
	form form
}

// NewMatcher indexes advisories and the KEV catalog (which may be nil),
// with the built-in vendor lineage.
func NewMatcher(advisories []*Advisory, kev *KEV) *Matcher {
	return NewMatcherWith(advisories, kev, builtinLineage())
}

var builtinLineage = sync.OnceValue(func() *Lineage { return NewLineage(catalog.BuiltinVendors()) })

// NewMatcherWith indexes advisories and the KEV catalog with a vendor
// lineage (NewLineage of a catalog's vendors, the user's files included).
func NewMatcherWith(advisories []*Advisory, kev *KEV, lineage *Lineage) *Matcher {
	m := &Matcher{advisories: advisories, exploited: map[string]KEVEntry{}, byVendor: map[string][]*productRef{}, byName: map[string][]*productRef{}, lineage: lineage}
	if kev != nil {
		m.exploited = kev.Exploited()
	}
	for _, a := range advisories {
		var context []string
		titleDone := false
		for i := range a.Products {
			p := &a.Products[i]
			keys := lineage.keys(p.Vendor)
			own := ownKeys(p.Vendor)
			drop := func(ws []string) bool { return dropsVendor(lineage, own, ws) }
			if !titleDone {
				context, titleDone = titleWords(a.Title, drop), true
			}
			ref := &productRef{adv: a, p: p, version: p.Version}
			if ref.version == "" {
				ref.version = p.Range
			}
			name := p.Name
			if ref.version == "" || ref.version == "vers:all/*" {
				if n, v, ok := nameVersion(name); ok {
					name, ref.version = n, v
				}
			}
			ref.form = productForm(name, drop)
			if len(ref.form.groups) == 0 {
				// a product tree that lost the name ("Version"): the title's
				ref.form = productForm(strings.Join(context, " "), drop)
			}
			ref.context = context
			if p.Version != "" {
				ref.variants, ref.versions = splitVariants(p.Version, drop)
			}
			for _, n := range p.ModelNumbers {
				ref.models = append(ref.models, identKey(n))
			}
			for _, n := range p.SKUs {
				ref.skus = append(ref.skus, identKey(n))
			}
			if p.PURL != "" {
				m.withPURL = append(m.withPURL, *ref)
			}
			for _, k := range keys {
				m.byVendor[k] = append(m.byVendor[k], ref)
			}
			if len(ref.form.all) > 0 {
				k := strings.Join(ref.form.all, " ")
				m.byName[k] = append(m.byName[k], ref)
			}
		}
	}
	return m
}

// ownKeys are the keys of the names a vendor field writes.
func ownKeys(vendor string) []string {
	var out []string
	for _, p := range vendorParts(vendor) {
		if k := vendorKey(p); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// dropsVendor tells whether a run of words of a product name names the
// product's vendor ("GE Aespire", "Welch Allyn ELI 380") or another maker
// of the lineage.
func dropsVendor(l *Lineage, keys []string, ws []string) bool {
	k := strings.Join(ws, "")
	for _, have := range keys {
		if have == k {
			return true
		}
	}
	return l.known(ws)
}

// identKey normalises an identifier (model number, SKU, serial number)
// for comparison: letters and digits only, upper case.
func identKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameVersion splits a version off the end of a product name:
// "IntelliSpace Portal 8.0.x" -> "IntelliSpace Portal", "8.0.x".
func nameVersion(name string) (string, string, bool) {
	f := strings.Fields(name)
	if len(f) < 2 {
		return name, "", false
	}
	last := f[len(f)-1]
	if versionLike(last) && (strings.Contains(last, ".") || strings.HasSuffix(strings.ToLower(last), "x")) && last[0] >= '0' && last[0] <= '9' {
		return strings.Join(f[:len(f)-1], " "), last, true
	}
	return name, "", false
}

// splitVariants reads a product version that may list models: its
// alternatives that name models, and the others as a range expression.
func splitVariants(v string, drop func([]string) bool) ([]variant, string) {
	var variants []variant
	var versions []string
	for _, alt := range strings.Split(v, "|") {
		alt = strings.TrimSpace(alt)
		if alt == "" {
			continue
		}
		if strings.HasPrefix(alt, "vers:") || strings.HasPrefix(alt, "*") {
			versions = append(versions, alt)
			continue
		}
		f := productForm(alt, drop)
		lower := strings.ToLower(alt)
		isVersion := strings.HasPrefix(lower, "rev ") || versionLike(strings.Fields(cleanVersion(alt) + " x")[0])
		for _, w := range f.words {
			if len(w) >= 3 && !isBuildWord(w) && w != "rev" {
				isVersion = false
			}
		}
		if isVersion {
			versions = append(versions, alt)
		}
		if len(f.groups) > 0 {
			variants = append(variants, variant{alt, f})
		}
	}
	if len(versions) == len(strings.Split(v, "|")) {
		// versions only: pure numbers ("7100") may still be models
		var models []variant
		for _, f := range variants {
			if len(f.form.models) > 0 {
				models = append(models, f)
			}
		}
		return models, strings.Join(versions, " | ")
	}
	return variants, strings.Join(versions, " | ")
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
		cache    = map[candidateKey][]candidate{}
	)
	for i := range assets {
		a := &assets[i]
		found = m.advisoryMatches(found[:0], a, cache)
		start := len(adv)
		if len(found) > 0 {
			// Sort an index, not the matches: moving large structs around
			// costs more than the sorting.
			order = order[:0]
			for k := range found {
				order = append(order, k)
			}
			// by CVE, the surest match of a CVE first
			sort.SliceStable(order, func(x, y int) bool {
				fx, fy := &found[order[x]], &found[order[y]]
				if fx.CVE != fy.CVE {
					return fx.CVE < fy.CVE
				}
				return confidenceRank[fx.Confidence] > confidenceRank[fy.Confidence]
			})
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
	d.Rule = t.Rule
}

// candidate is an advisory product an asset's name meets, before its
// version is compared: the same for every asset of the same vendor,
// product and model, so Match finds it once for them all.
type candidate struct {
	ref   *productRef
	level nameMatch
	// ident names the identifier rule that matched (model-number, sku,
	// cpe, purl, generic-uri), empty for a match by name.
	ident string
	// fixed: the version field named the asset's model, so every version
	// of it is affected, as cov says.
	fixed bool
	cov   Coverage
	// versions is the range to compare the asset's version with.
	versions string
	why      string
	// byVersion keeps what a version of the asset gives, as assets of a
	// model share their versions too.
	byVersion map[string]*resolved
}

// resolved is a candidate's match at one version of the asset.
type resolved struct {
	in                    bool
	why, confidence, rule string
}

// candidateKey names the assets that share their candidates.
type candidateKey struct{ vendor, product, model string }

// resolve compares the asset's version with a candidate's range and
// explains the match.
func (m *Matcher) resolve(c *candidate, a *ward.Asset) *resolved {
	version, _ := splitModel(a.Version)
	cov := c.cov
	if !c.fixed {
		if c.versions == "" {
			cov = Coverage{In: true, Sure: false, Rule: "the advisory names no version"}
		} else {
			cov = inRange(version, c.versions)
		}
	}
	if !cov.In || c.level == familyName && cov.Unknown && version != "" {
		// out of range, or a family with a version the advisory's cannot tell
		return &resolved{}
	}
	rule := c.ident
	if rule == "" {
		rule = [...]string{"", "family", "product", "model"}[c.level]
	}
	confidence := "high"
	switch {
	case c.level == familyName:
		confidence = "low"
	case !cov.Sure:
		confidence = "medium"
	}
	p := c.ref.p
	why := fmt.Sprintf("%s %s %s: %s %s %s (%s%s), %s", a.Vendor, a.Product, orUnknown(a.Version), c.ref.adv.ID, p.Vendor, p.Name, c.why, m.lineage.explain(a.Vendor, p.Vendor), coverageRule(cov, c.versions))
	for _, v := range c.ref.adv.Vulns {
		if fix, ok := v.FixedIn[p.ID]; ok {
			why += ", before " + fix + ", the version the vendor's fix names"
			break
		}
	}
	return &resolved{in: true, why: why, confidence: confidence, rule: rule}
}

// candidates finds the advisory products an asset's name meets.
func (m *Matcher) candidates(a *ward.Asset, model string) []candidate {
	keys := m.lineage.keys(a.Vendor)
	var refs []*productRef
	seen := map[*productRef]bool{}
	for _, k := range keys {
		for _, r := range m.byVendor[k] {
			if !seen[r] {
				seen[r] = true
				refs = append(refs, r)
			}
		}
	}
	if len(refs) == 0 {
		return nil
	}
	own := ownKeys(a.Vendor)
	drop := func(ws []string) bool { return dropsVendor(m.lineage, own, ws) }
	product := a.Product
	if model != "" {
		product += " " + model
	}
	af := productForm(product, drop)
	var out []candidate
	for _, ref := range refs {
		c := candidate{ref: ref, versions: ref.version}
		switch {
		case model != "" && contains(ref.models, identKey(model)):
			c.ident, c.why = "model-number", "model number "+model
		case model != "" && contains(ref.skus, identKey(model)):
			c.ident, c.why = "sku", "SKU "+model
		default:
			for _, w := range af.models {
				if contains(ref.models, identKey(w)) {
					c.ident, c.why = "model-number", "model number "+strings.ToUpper(w)
				}
			}
		}
		if c.ident != "" {
			c.level = modelName
		} else {
			c.level = meets(af, ref.form, ref.context)
		}
		if c.level == noName && len(ref.variants) == 0 {
			continue
		}
		if c.ident == "" {
			switch c.level {
			case modelName:
				c.why = "same model"
			case productName:
				c.why = "same product"
			default:
				c.why = "same product family only"
			}
		}
		if len(ref.variants) > 0 {
			var extra []string
			for _, w := range af.all {
				if !contains(ref.form.all, w) && !genericWords[w] {
					extra = append(extra, w)
				}
			}
			matched := ""
			for _, v := range ref.variants {
				if partial, full := variantMatch(af, extra, v.form); full || partial && c.level >= familyName {
					matched = v.raw
					break
				}
			}
			switch {
			case matched != "":
				c.level, c.fixed = modelName, true
				c.why = "model " + matched + " of " + ref.p.Name
				c.cov = Coverage{In: true, Sure: true, Rule: "every version of the model"}
			case ref.versions != "" && hasNumber(af.models) && modelsOnly(ref.variants, ref.p.Version):
				// "24950 | 24952": models, and the asset's is another
				continue
			case ref.versions != "":
				c.versions = ref.versions
			case len(extra) == 0 && c.level >= familyName:
				// models listed, the asset names none of them
				c.level, c.fixed = familyName, true
				c.why = "the advisory lists models of it (" + ref.p.Version + "), the asset names none"
				c.cov = Coverage{In: true, Sure: false, Rule: "model not known"}
			default:
				continue
			}
		}
		if c.level == noName {
			continue
		}
		out = append(out, c)
	}
	// an advisory that names the asset's product: its siblings, met as a
	// family only, are other products
	named := map[*Advisory]bool{}
	for _, c := range out {
		if c.level >= productName {
			named[c.ref.adv] = true
		}
	}
	kept := out[:0]
	for _, c := range out {
		if c.level > familyName || !named[c.ref.adv] {
			kept = append(kept, c)
		}
	}
	return kept
}

// advisoryMatches appends to found the asset's matches with the
// advisories: by vendor, product name and model (the candidates, found
// once per vendor, product and model and kept in cache), by identifier,
// and its components by package URL or name.
func (m *Matcher) advisoryMatches(found []Match, a *ward.Asset, cache map[candidateKey][]candidate) []Match {
	model := a.Model
	if model == "" {
		// "8.2 model 8015": a model number written into the version
		_, model = splitModel(a.Version)
	}
	if a.Vendor != "" && a.Product+model != "" {
		key := candidateKey{a.Vendor, a.Product, model}
		cands, ok := cache[key]
		if !ok {
			cands = m.candidates(a, model)
			cache[key] = cands
		}
		for i := range cands {
			c := &cands[i]
			r := c.byVersion[a.Version]
			if r == nil {
				r = m.resolve(c, a)
				if c.byVersion == nil {
					c.byVersion = map[string]*resolved{}
				}
				c.byVersion[a.Version] = r
			}
			if r.in {
				version, _ := splitModel(a.Version)
				found = m.appendMatches(found, a, c.ref, version, r.why, r.confidence, r.rule)
			}
		}
	}
	found = m.identifierMatches(found, a)
	for _, c := range a.Components {
		if c.PURL == "" {
			found = m.componentByName(found, a, c)
			continue
		}
		for i := range m.withPURL {
			ref := &m.withPURL[i]
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
			found = m.appendMatches(found, a, ref, version, fmt.Sprintf("component %s %s: %s %s, %s", c.Name, orUnknown(version), ref.adv.ID, ref.p.PURL, cov.Rule), confidence, "purl")
		}
	}
	return found
}

func coverageRule(cov Coverage, versions string) string {
	if cov.Rule == "" {
		return "version " + versions
	}
	return cov.Rule
}

// splitModel reads a model number written into a version ("8.2 model
// 8015"): the version and the model.
func splitModel(v string) (string, string) {
	lower := strings.ToLower(v)
	if i := strings.Index(lower, "model"); i >= 0 {
		return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+len("model"):])
	}
	return v, ""
}

// identifierMatches matches the asset's own CPE, package URL and serial
// number with the advisories' product identification helpers, whatever
// the vendor names.
func (m *Matcher) identifierMatches(found []Match, a *ward.Asset) []Match {
	if a.PURL == "" && a.CPE == "" && a.Serial == "" {
		return found
	}
	for _, ref := range m.withIdent() {
		p := ref.p
		rule, what := "", ""
		switch {
		case a.PURL != "" && p.PURL != "" && samePackage(a.PURL, p.PURL):
			rule, what = "purl", "package "+p.PURL
		case a.CPE != "" && p.CPE != "" && sameCPEProduct(a.CPE, p.CPE):
			rule, what = "cpe", "CPE "+p.CPE
		case a.Serial != "" && serialIn(a.Serial, p.SerialNumbers):
			rule, what = "serial-number", "serial number "+a.Serial
		case (a.PURL != "" && contains(p.GenericURIs, a.PURL)) || (a.CPE != "" && contains(p.GenericURIs, a.CPE)):
			rule, what = "generic-uri", "identifier in x_generic_uris"
		}
		if rule == "" {
			continue
		}
		version := a.Version
		if version == "" && rule == "purl" {
			version = purlVersion(a.PURL)
		}
		cov := Coverage{In: true, Sure: false, Rule: "the advisory names no version"}
		if ref.version != "" {
			cov = inRange(version, ref.version)
		}
		if !cov.In {
			continue
		}
		confidence := "high"
		if !cov.Sure {
			confidence = "medium"
		}
		found = m.appendMatches(found, a, ref, version, fmt.Sprintf("%s %s %s: %s %s %s (%s), %s", a.Vendor, a.Product, orUnknown(a.Version), ref.adv.ID, p.Vendor, p.Name, what, cov.Rule), confidence, rule)
	}
	return found
}

// withIdent lists the products named by CPE, package URL, serial number
// or generic URI, found once.
func (m *Matcher) withIdent() []*productRef {
	m.identOnce.Do(func() {
		for _, refs := range m.byVendor {
			for _, r := range refs {
				if (r.p.CPE != "" || r.p.PURL != "" || len(r.p.SerialNumbers) > 0 || len(r.p.GenericURIs) > 0) && !containsRef(m.ident, r) {
					m.ident = append(m.ident, r)
				}
			}
		}
		sort.Slice(m.ident, func(i, j int) bool {
			if m.ident[i].adv.ID != m.ident[j].adv.ID {
				return m.ident[i].adv.ID < m.ident[j].adv.ID
			}
			return m.ident[i].p.ID < m.ident[j].p.ID
		})
	})
	return m.ident
}

func containsRef(rs []*productRef, r *productRef) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// serialIn tells whether a serial number is one of an advisory's, which
// may end in "*" for a run of them.
func serialIn(serial string, list []string) bool {
	s := identKey(serial)
	for _, l := range list {
		if prefix, ok := strings.CutSuffix(strings.TrimSpace(l), "*"); ok {
			if strings.HasPrefix(s, identKey(prefix)) {
				return true
			}
		} else if identKey(l) == s {
			return true
		}
	}
	return false
}

// sameCPEProduct tells whether two CPE names name the same vendor and
// product.
func sameCPEProduct(a, b string) bool {
	x, err1 := parseCPE(a)
	y, err2 := parseCPE(b)
	return err1 == nil && err2 == nil && strings.EqualFold(x[1], y[1]) && strings.EqualFold(x[2], y[2])
}

// componentByName matches a component named without a package URL with
// the advisory products of the same name ("VxWorks", "DCMTK"): software
// inside a device that an advisory names by itself.
func (m *Matcher) componentByName(found []Match, a *ward.Asset, c ward.Component) []Match {
	f := productForm(c.Name, func([]string) bool { return false })
	refs := m.byName[strings.Join(f.all, " ")]
	for _, ref := range refs {
		cov := Coverage{In: true, Sure: false, Rule: "the advisory names no version"}
		if ref.version != "" {
			cov = inRange(c.Version, ref.version)
		}
		if !cov.In {
			continue
		}
		confidence := "high"
		if !cov.Sure {
			confidence = "medium"
		}
		found = m.appendMatches(found, a, ref, c.Version, fmt.Sprintf("component %s %s: %s %s %s, %s", c.Name, orUnknown(c.Version), ref.adv.ID, ref.p.Vendor, ref.p.Name, cov.Rule), confidence, "component")
	}
	return found
}

// appendMatches appends to out the advisory's vulnerabilities that affect
// the product and are neither fixed nor ruled out for it.
func (m *Matcher) appendMatches(out []Match, a *ward.Asset, ref *productRef, version, why, confidence, rule string) []Match {
	p := ref.p
	for _, v := range ref.adv.Vulns {
		if !contains(v.Affected, p.ID) || contains(v.Fixed, p.ID) || contains(v.NotAffected, p.ID) {
			continue
		}
		if fix, ok := v.FixedIn[p.ID]; ok {
			if cmp, ok := compareVersions(cleanVersion(version), fix); ok && cmp >= 0 {
				continue // the vendor's fix names this version
			}
		}
		k, exploited := m.exploited[v.CVE]
		out = append(out, Match{
			Asset: a.ID, Advisory: ref.adv.ID, CVE: v.CVE, Product: strings.TrimSpace(p.Vendor + " " + p.Name),
			CVSS: v.CVSS, EPSS: m.EPSS[v.CVE].Score, Exploited: exploited, Ransomware: exploited && strings.EqualFold(k.Ransomware, "Known"),
			Why: why, Confidence: confidence, Rule: rule,
		})
	}
	return out
}

var confidenceRank = map[string]int{"high": 3, "medium": 2, "low": 1}

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
			Why: h.why, Confidence: "high", Rule: "nvd-cpe"}
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
