package intel

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/wardhealth/ward/catalog"
)

// Names on both sides of a match, the asset's and the advisory's, go
// through the same normalisation: accents folded (Dräger, Dräger written
// with a broken encoding, Drager), lower case, punctuation as spaces, a
// short letter prefix joined to its number ("EM 2400", "EM-2400" and
// "EM2400" are one model), plurals reduced.

// foldRune maps accented Latin letters to their base letter; mojibake of
// UTF-8 read as Latin-1 ("YhtymÃ¤") folds to the same letters as the
// original once the stray symbols are dropped.
func foldRune(r rune) rune {
	switch {
	case r < 0x80:
		return r
	case strings.ContainsRune("àáâãäåāăą", r):
		return 'a'
	case strings.ContainsRune("ÀÁÂÃÄÅĀĂĄ", r):
		return 'A'
	case strings.ContainsRune("çćč", r):
		return 'c'
	case strings.ContainsRune("ÇĆČ", r):
		return 'C'
	case strings.ContainsRune("èéêëēėęě", r):
		return 'e'
	case strings.ContainsRune("ÈÉÊËĒĖĘĚ", r):
		return 'E'
	case strings.ContainsRune("ìíîïī", r):
		return 'i'
	case strings.ContainsRune("ÌÍÎÏĪ", r):
		return 'I'
	case strings.ContainsRune("ñń", r):
		return 'n'
	case strings.ContainsRune("òóôõöøō", r):
		return 'o'
	case strings.ContainsRune("ÒÓÔÕÖØŌ", r):
		return 'O'
	case strings.ContainsRune("ùúûüū", r):
		return 'u'
	case strings.ContainsRune("ÙÚÛÜŪ", r):
		return 'U'
	case strings.ContainsRune("ýÿ", r):
		return 'y'
	case r == 'ß':
		return 's'
	}
	return r
}

// words splits a name into lower-case words of letters and digits, accents
// folded. Text in parentheses is kept apart (the second result): it
// qualifies the name ("(WLAN only)", "(PRM)", "(718132)").
func words(s string) (main, paren []string) {
	depth := 0
	var cur strings.Builder
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		if depth > 0 {
			paren = append(paren, cur.String())
		} else {
			main = append(main, cur.String())
		}
		cur.Reset()
	}
	for _, r := range s {
		r = foldRune(r)
		switch {
		case r == '(' || r == '[':
			flush()
			depth++
		case r == ')' || r == ']':
			flush()
			if depth > 0 {
				depth--
			}
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			cur.WriteRune(unicode.ToLower(r))
		case r >= 0x80 && unicode.IsLetter(r):
			// a letter without a fold (Greek, Cyrillic, CJK): kept
			cur.WriteRune(unicode.ToLower(r))
		case r >= 0x80:
			// symbols of broken encodings ("Ã¤"): dropped inside a word
		default:
			flush()
		}
	}
	flush()
	return joinModels(main), joinModels(paren)
}

// joinModels joins a short letter prefix to the number after it ("em
// 2400" -> "em2400", "mmt 503" -> "mmt503"), "wi fi" to "wifi", and a
// field strength to its unit ("3 0t" -> "3t", "1 5t" -> "1.5t").
func joinModels(ws []string) []string {
	out := ws[:0:0]
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		switch {
		case isDigitsOnly(w) && i+1 < len(ws) && (ws[i+1] == "0t" || ws[i+1] == "5t"):
			if ws[i+1] == "0t" {
				w += "t"
			} else {
				w += ".5t"
			}
			i++
		case i+1 < len(ws) && len(w) <= 3 && isLetters(w) && isDigitsOnly(ws[i+1]) && w != "and" && w != "the" && w != "for" && w != "rev" &&
			(i+2 >= len(ws) || ws[i+2] != "0t" && ws[i+2] != "5t"):
			w += ws[i+1]
			i++
		case w == "wi" && i+1 < len(ws) && ws[i+1] == "fi":
			w = "wifi"
			i++
		}
		out = append(out, w)
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return s != ""
}

func isDigitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// isModel tells whether a word is a model number: letters and digits
// together ("b450", "ex1150", "mmt1715", "cms8000"), or three digits or
// more ("8015", "24952").
func isModel(w string) bool {
	letters, digits := 0, 0
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z':
			letters++
		}
	}
	return digits > 0 && (letters > 0 || digits >= 3)
}

// stem reduces an English plural: "systems" -> "system", "monitors" ->
// "monitor"; short words and words ending in "ss" stay.
func stem(w string) string {
	if len(w) > 4 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !isModel(w) {
		return w[:len(w)-1]
	}
	return w
}

// legalNoise are words of company names that say nothing of the maker:
// legal forms, and the words makers add to their names.
var legalNoise = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "gmbh": true, "ag": true, "kgaa": true, "kg": true,
	"ltd": true, "limited": true, "llc": true, "llp": true, "lp": true, "co": true, "company": true, "plc": true, "sa": true, "se": true, "nv": true,
	"bv": true, "spa": true, "srl": true, "oy": true, "oyj": true, "yhtyma": true, "ab": true, "as": true, "pty": true,
	"the": true, "and": true, "group": true, "holdings": true, "international": true,
	"medical": true, "healthcare": true, "health": true, "systems": true, "system": true,
	"technology": true, "technologies": true, "informatics": true, "laboratories": true, "labs": true,
}

// vendorKey reduces a vendor name to the key it is compared by: its words,
// less legal forms and the like, run together ("Becton, Dickinson and
// Company" -> "bectondickinson", "B. Braun" -> "bbraun").
func vendorKey(s string) string {
	ws, _ := words(s)
	var b strings.Builder
	for _, w := range ws {
		if !legalNoise[w] {
			b.WriteString(w)
		}
	}
	if b.Len() == 0 {
		// a name made of noise words only ("Medical Systems") is itself
		return strings.Join(ws, "")
	}
	return b.String()
}

// vendorParts splits a vendor field naming several makers ("Silex
// Technology and GE Healthcare", "Hillrom and ELI, Baxter International
// Inc.") into its makers; a parenthesised abbreviation ("Becton,
// Dickinson and Company (BD)") is one more name of the maker.
func vendorParts(s string) []string {
	out := []string{s}
	if i := strings.IndexByte(s, '('); i >= 0 {
		if j := strings.IndexByte(s[i:], ')'); j > 0 {
			out = append(out, s[i+1:i+j], s[:i]+s[i+j+1:])
		}
	}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '/' || r == '(' || r == ')' }) {
		out = append(out, strings.Split(part, " and ")...)
	}
	return out
}

// Lineage maps vendor keys to the makers they name, from the catalog's
// vendor lineage.
type Lineage struct {
	groups map[string][]string // vendor key -> vendor ids
	names  map[string]string   // vendor id -> current name, for explanations
	// via says, by vendor key and id, how the name relates ("acquired
	// 2015"), for explanations.
	via map[string]string
	// brands are keys that name product lines too ("Alaris", "Pyxis"):
	// left in product names.
	brands map[string]bool
}

// NewLineage indexes a vendor lineage (catalog.BuiltinVendors, or the
// vendors of a catalog loaded with the user's files).
func NewLineage(vendors []catalog.Vendor) *Lineage {
	l := &Lineage{groups: map[string][]string{}, names: map[string]string{}, via: map[string]string{}, brands: map[string]bool{}}
	add := func(name, id, via string) {
		k := vendorKey(name)
		if k == "" {
			return
		}
		if _, ok := l.via[k+"\x00"+id]; !ok && via != "" {
			l.via[k+"\x00"+id] = via
		}
		for _, have := range l.groups[k] {
			if have == id {
				return
			}
		}
		l.groups[k] = append(l.groups[k], id)
	}
	for _, v := range vendors {
		l.names[v.ID] = v.Name
		add(v.Name, v.ID, "")
		for _, n := range v.Names {
			add(n.Name, v.ID, fmt.Sprintf("%s %d", n.Relation, n.Year))
			if n.Relation == "brand" {
				l.brands[vendorKey(n.Name)] = true
			}
		}
	}
	return l
}

// keys gives the index keys of a vendor field: the lineage ids of every
// maker it names (as "=id"), and for names the lineage does not know,
// their own key. via tells, for each lineage key, the name that led to it.
func (l *Lineage) keys(vendor string) []string {
	var out []string
	seen := map[string]bool{}
	for _, part := range vendorParts(vendor) {
		k := vendorKey(part)
		if k == "" {
			continue
		}
		ids, known := l.groups[k]
		if !known {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
			// "BD Kiestra", "Roche Diagnostics": the maker's first word
			ws, _ := words(part)
			if len(ws) > 1 && !legalNoise[ws[0]] {
				first := vendorKey(ws[0])
				if fids, ok := l.groups[first]; ok {
					ids = fids
				} else if len(first) >= 4 && !seen[first] {
					seen[first] = true
					out = append(out, first)
				}
			}
		}
		for _, id := range ids {
			if !seen["="+id] {
				seen["="+id] = true
				out = append(out, "="+id)
			}
		}
	}
	return out
}

// known tells whether a run of words names a vendor of the lineage, not
// a brand that names products too.
func (l *Lineage) known(ws []string) bool {
	k := strings.Join(ws, "")
	_, ok := l.groups[k]
	return ok && !l.brands[k]
}

// explain says how an asset's vendor name led to an advisory's, when the
// lineage did it ("Welch Allyn: Baxter International Inc., acquired
// 2021"); empty when the names are the same once normalised.
func (l *Lineage) explain(asset, advisory string) string {
	ak := vendorKey(asset)
	for _, part := range vendorParts(advisory) {
		if vendorKey(part) == ak {
			return ""
		}
	}
	for _, id := range l.groups[ak] {
		if n, ok := l.via[ak+"\x00"+id]; ok {
			return "; vendor " + asset + ": " + l.names[id] + ", " + n
		}
	}
	return ""
}

// VendorKey is the name one vendor goes by across inventories, as a key
// of lower-case words joined by "-": the lineage id of the maker when the
// built-in lineage knows the name ("Philips Medical Systems", "Philips
// Healthcare" and "Koninklijke Philips N.V." are all "philips"), else the
// name's words less legal forms and the like ("Pathology Partners LLP"
// and "PATHOLOGY PARTNERS" are both "pathology-partners"). Hospitals name
// a shared provider each in their own way; counted by this key, they
// count as one.
func VendorKey(vendor string) string {
	l := builtinLineage()
	if ids := l.groups[vendorKey(vendor)]; len(ids) == 1 {
		return ids[0]
	}
	ws, _ := words(vendor)
	kept := ws[:0:0]
	for _, w := range ws {
		if !legalNoise[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		kept = ws
	}
	return strings.Join(kept, "-")
}
