package intel

import (
	"strings"
)

// genericWords say what a device is, not which one: they never decide a
// match ("Alaris PC Unit" and "Alaris PC" name the same product).
var genericWords = map[string]bool{
	"system": true, "software": true, "server": true, "monitor": true, "patient": true, "unit": true, "pump": true,
	"device": true, "app": true, "application": true, "version": true, "model": true, "series": true, "the": true,
	"with": true, "and": true, "for": true, "of": true, "on": true, "only": true, "based": true, "family": true,
	"product": true, "medical": true, "client": true, "build": true, "including": true, "used": true, "all": true,
	"new": true, "w": true, "or": true, "a": true, "in": true, "to": true, "vulnerability": true, "update": true,
	"installed": true, "integrated": true, "as": true, "part": true, "number": true, "station": true,
	"workstation": true, "hub": true, "portal": false, "platform": true, "solution": true, "tool": false,
	"serie": true, "android": true, "ios": true, "mobile": true, "infusion": true, "syringe": true, "insulin": true,
	"ultrasound": true, "imaging": true, "edition": true, "suite": false, "type": true, "module": false,
}

// form is a product name as the matcher compares it: its words and model
// numbers, what the advisory leaves out ("not including LOGIQ 100 Pro"),
// and the words of its parentheses.
type form struct {
	// groups are the name's words that decide a match, model numbers
	// included; a group of several ("EPIQ/Affiniti") is met by any one.
	groups [][]string
	// words and models are the groups' words, split by kind.
	words, models []string
	// all is every word of the name, parentheses and generic words too.
	all []string
	// excluded are names the advisory leaves out of the product.
	excluded [][]string
}

// productForm reads a product name. drop tells whether a run of words
// names the vendor ("GE Aespire", "Welch Allyn ELI 380"), to leave it out.
func productForm(name string, drop func([]string) bool) form {
	var f form
	lower := strings.ToLower(name)
	if i := strings.Index(lower, "not including"); i >= 0 {
		for _, ex := range strings.Split(name[i+len("not including"):], " and ") {
			if ws, _ := words(ex); len(ws) > 0 {
				f.excluded = append(f.excluded, stemAll(ws))
			}
		}
		name = strings.TrimRight(strings.TrimSpace(name[:i]), ",;")
	}
	name = synonyms(name)
	main, paren := words(name)
	// the vendor's name before the product's, and anywhere alone
	vendorWords := map[string]bool{}
	for n := 3; n >= 1; n-- {
		if len(main) > n && drop(main[:n]) {
			for _, w := range main[:n] {
				vendorWords[w] = true
			}
			main = main[n:]
			break
		}
	}
	for _, w := range main {
		if drop([]string{w}) {
			vendorWords[w] = true
		}
	}
	kept := main[:0:0]
	for _, w := range main {
		if !vendorWords[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		// the name is the vendor's ("Capsule"): it names the product
		kept, vendorWords = main, map[string]bool{}
	}
	main = stemAll(kept)
	paren = stemAll(paren)
	f.all = append(append(f.all, main...), paren...)
	// words run together are written apart too ("WebViewer", "Web Viewer")
	for i := 0; i+1 < len(main); i++ {
		if isLetters(main[i]) && isLetters(main[i+1]) {
			f.all = append(f.all, main[i]+main[i+1])
		}
	}
	// groups: words written together with "/" are alternatives
	for _, chunk := range strings.Fields(name) {
		if strings.ContainsAny(chunk, "()[]") {
			continue
		}
		ws, _ := words(chunk)
		var g []string
		for _, w := range ws {
			if vendorWords[w] {
				continue
			}
			w = stem(w)
			if genericWords[w] || !contains(main, w) {
				continue
			}
			g = append(g, w)
		}
		if len(g) == 0 {
			continue
		}
		if strings.Contains(chunk, "/") {
			f.groups = append(f.groups, g)
		} else {
			for _, w := range g {
				f.groups = append(f.groups, []string{w})
			}
		}
	}
	// model numbers joined across chunks ("EM 2400") are not in any chunk
	for _, w := range main {
		if isModel(w) && !inGroups(f.groups, w) && !genericWords[w] {
			f.groups = append(f.groups, []string{w})
		}
	}
	for _, g := range f.groups {
		for _, w := range g {
			if isModel(w) {
				f.models = append(f.models, w)
			} else {
				f.words = append(f.words, w)
			}
		}
	}
	return f
}

func inGroups(gs [][]string, w string) bool {
	for _, g := range gs {
		if contains(g, w) {
			return true
		}
	}
	return false
}

func stemAll(ws []string) []string {
	for i, w := range ws {
		ws[i] = stem(w)
	}
	return ws
}

// synonyms writes the common abbreviations of device names one way:
// "PCU" and "Point-of-Care Unit" are "PC unit".
func synonyms(s string) string {
	r := strings.NewReplacer("Point-of-Care Unit", "PC unit", "Point of Care Unit", "PC unit", "point of care unit", "PC unit", "PCU", "PC unit")
	return r.Replace(s)
}

// nameMatch is how well an asset's product name meets an advisory's.
type nameMatch int

const (
	noName nameMatch = iota
	// familyName: the asset names the product's family only ("Alaris"
	// against "Alaris 8000 PC unit"), or a sibling the advisory may not
	// mean.
	familyName
	// productName: every word the advisory's name decides by is in the
	// asset's ("Alaris GH" in "Alaris GH syringe pump").
	productName
	// modelName: a model number of both ("B450", "24952", "EM2400").
	modelName
)

// meets compares an asset's product form with an advisory product's;
// context are the advisory's title words, which name the product family
// when the product tree does not ("RF models EX1150" of the Merlin@home
// advisory).
func meets(a, p form, context []string) nameMatch {
	if len(a.words)+len(a.models) == 0 {
		return noName
	}
	for _, ex := range p.excluded {
		if len(ex) > 0 && subset(ex, a.all) {
			return noName
		}
	}
	shared := false
	for _, m := range a.models {
		if modelIn(p.all, m) {
			shared = true
			break
		}
	}
	if shared {
		// the same model number: the names' other words must not
		// disagree ("Aespire 7900" is not "Aestiva 7900")
		if len(a.words) == 0 || len(p.words) == 0 && len(context) == 0 {
			return modelName
		}
		for _, w := range a.words {
			if contains(p.all, w) || contains(context, w) {
				return modelName
			}
		}
		return noName
	}
	if len(a.models) > 0 && len(p.models) > 0 {
		return noName // different model numbers
	}
	if len(p.groups) > 0 && groupsIn(p.groups, a.all) {
		return productName
	}
	// the asset's name is shorter than the advisory's, or names a model
	// the advisory does not: a family
	if len(a.words) > 0 {
		inP := false
		for _, w := range a.words {
			switch {
			case contains(p.words, w):
				inP = true
			case contains(p.all, w) || contains(context, w):
			default:
				return noName
			}
		}
		if inP {
			return familyName
		}
	}
	return noName
}

func groupsIn(gs [][]string, ws []string) bool {
	for _, g := range gs {
		found := false
		for _, w := range g {
			if contains(ws, w) || seriesOf(w, ws) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func subset(xs, of []string) bool {
	for _, x := range xs {
		if !contains(of, x) {
			return false
		}
	}
	return true
}

// titleWords are the words of an advisory's title that may name its
// products: not the vendor's, not "vulnerabilities" or "update".
func titleWords(title string, drop func([]string) bool) []string {
	if i := strings.IndexByte(title, '_'); i > 0 && strings.HasPrefix(strings.ToUpper(title), "ICSMA-") {
		title = title[i+1:]
	}
	ws, _ := words(title)
	var out []string
	for _, w := range ws {
		if drop([]string{w}) {
			continue
		}
		w = stem(w)
		if genericWords[w] || w == "vulnerabilitie" || w == "" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// variantMatch tells whether a product version that names models, not
// versions ("7100 | 7900", "882471 Gemini TF 64", "Accu-Chek Inform II"),
// names the asset: full when every word of one of them is in the asset's
// name, or when they share a model number or the asset's own words beyond
// the product's.
func variantMatch(a form, extra []string, alt form) (partial, full bool) {
	if len(alt.groups) > 0 && groupsIn(alt.groups, a.all) {
		// a bare number ("100" of "7100 | 7900 | 100") names a model of
		// the product only, not the product itself
		return true, len(alt.words) > 0 || len(alt.groups) > 1
	}
	for _, m := range a.models {
		if modelIn(alt.all, m) {
			return true, false
		}
	}
	if len(extra) > 0 && subset(extra, alt.all) {
		return true, false
	}
	return false, false
}

// seriesOf tells whether a short series name ("MP", "CM", "MX") is the
// prefix of one of the models ws lists ("MP70", "CM12").
func seriesOf(w string, ws []string) bool {
	if len(w) > 3 || !isLetters(w) {
		return false
	}
	for _, x := range ws {
		if len(x) > len(w) && strings.HasPrefix(x, w) && x[len(w)] >= '0' && x[len(w)] <= '9' {
			return true
		}
	}
	return false
}

// modelIn tells whether a model number is among words, written with or
// without its letter prefix ("PRM 3120" and "Model 3120", "EM2400" and
// "2400").
func modelIn(ws []string, m string) bool {
	if !isModel(m) {
		return false
	}
	for _, w := range ws {
		if w == m || isModel(w) && (numberOf(w) == m || numberOf(m) == w) {
			return true
		}
	}
	return false
}

// numberOf gives the number of a model with a short letter prefix
// ("prm3120" -> "3120"), or "" for other words.
func numberOf(w string) string {
	i := 0
	for i < len(w) && w[i] >= 'a' && w[i] <= 'z' {
		i++
	}
	if i == 0 || i > 3 || len(w)-i < 3 || !isDigitsOnly(w[i:]) {
		return ""
	}
	return w[i:]
}
