package ward

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"net"
	"net/netip"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/package-url/packageurl-go"

	"github.com/wardhealth/ward/internal/parallel"
)

// FieldError is one problem in a model, at a field path such as
// "assets[12].zone". Model files map the path back to a line and column.
type FieldError struct {
	Path    string `json:"field"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

func (e FieldError) Error() string {
	s := e.Path + ": " + e.Message
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// ValidationError holds every problem found in a model.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Errors) == 1 {
		return e.Errors[0].Error()
	}
	return fmt.Sprintf("%s (and %d more problems)", e.Errors[0].Error(), len(e.Errors)-1)
}

// MaxErrors caps the problems reported for one model: past it, a file is
// wrong in some systematic way and more lines would only bury the first.
const MaxErrors = 1000

var (
	idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$`)
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
	regionRe  = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)
	hostRe    = regexp.MustCompile(`^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$`)
	cpeRe     = func() *regexp.Regexp {
		// The CPE 2.3 formatted-string binding (NISTIR 7695, section 6.2).
		avstring := `(((\?*|\*?)([a-zA-Z0-9\-._]|(\\[\\*?!"#$%&'()+,/:;<=>@\[\]^` + "`" + `{|}~]))+(\?*|\*?))|[*\-])`
		lang := `(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[*\-])`
		return regexp.MustCompile(`^cpe:2\.3:[aho*\-](:` + avstring + `){5}(:` + lang + `)(:` + avstring + `){4}$`)
	}()
)

// Validate checks a model: ids, references, enumerated values, syntax of
// CPE, purl, addresses and dates, and values that cannot be true. It returns
// nil or a *ValidationError listing every problem (up to MaxErrors).
func (m *Model) Validate() error {
	v := validator{m: m, controls: map[string]bool{}, ids: map[string]idKind{}}
	v.run()
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: v.errs}
}

type idKind uint8

const (
	idZone idKind = iota + 1
	idAsset
	idService
	idGroup
)

func (k idKind) String() string {
	return [...]string{"", "zone", "asset", "service", "redundancy group"}[k]
}

func (k idKind) withArticle() string {
	if k == idAsset {
		return "an asset"
	}
	return "a " + k.String()
}

type validator struct {
	m        *Model
	errs     []FieldError
	controls map[string]bool
	ids      map[string]idKind // zones, assets, services and redundancy groups share one namespace
	// about is, in a range's validator of the links, the link each
	// problem is about.
	about []int
}

func (v *validator) add(at loc, msg, hint string) {
	if len(v.errs) < MaxErrors {
		v.errs = append(v.errs, FieldError{Path: at.String(), Message: msg, Hint: hint})
	}
}

func (v *validator) add0(e FieldError) {
	if len(v.errs) < MaxErrors {
		v.errs = append(v.errs, e)
	}
}

// checkedApart is the fewest items split into ranges checked side by side:
// below it, starting the workers costs more than it saves.
var checkedApart = 4096

// split checks items [0, n) in ranges side by side on the cores, each range
// by a validator of its own, and returns those in range order. The checks
// read the model, the ids and the controls, which none of them changes;
// each range's problems are its own, so that joined in range order they
// are those, in the order, of checking the items one by one. A large
// hospital's assets and links are most of a validation's time.
func (v *validator) split(n int, check func(w *validator, lo, hi int)) []*validator {
	// More ranges than cores, so that a range of assets with much to
	// check does not keep the others waiting.
	parts := 1
	if parallel.Parts(n, checkedApart) > 1 {
		parts = min(8*runtime.GOMAXPROCS(0), max(1, n/max(1, checkedApart/4)))
	}
	out := make([]*validator, parts)
	parallel.Split(n, parts, func(p, lo, hi int) {
		w := &validator{m: v.m, controls: v.controls, ids: v.ids}
		check(w, lo, hi)
		out[p] = w
	})
	return out
}

// ranges is split with the ranges' problems joined into v's.
func (v *validator) ranges(n int, check func(w *validator, lo, hi int)) {
	for _, w := range v.split(n, check) {
		for _, e := range w.errs {
			v.add0(e)
		}
	}
}

// loc is a field path built only when a problem is reported: validating a
// large model must not format a path per field.
type loc struct {
	list  string // "assets"; empty for a top-level field
	i     int    // index in list
	field string // "zone", "criticality.safety"
	j     int    // index in field's list, or -1
	sub   string // field of that item, e.g. "name"
}

func path(list string, i int, field string) loc { return loc{list: list, i: i, field: field, j: -1} }

func top(field string) loc { return loc{field: field, j: -1} }

// at selects item j of the list field.
func (l loc) at(j int) loc { l.j = j; return l }

// of selects a field of the selected item.
func (l loc) of(sub string) loc { l.sub = sub; return l }

func (l loc) String() string {
	var b strings.Builder
	if l.list != "" {
		fmt.Fprintf(&b, "%s[%d]", l.list, l.i)
		if l.field != "" {
			b.WriteByte('.')
		}
	}
	b.WriteString(l.field)
	if l.j >= 0 {
		fmt.Fprintf(&b, "[%d]", l.j)
	}
	if l.sub != "" {
		b.WriteByte('.')
		b.WriteString(l.sub)
	}
	return b.String()
}

func (v *validator) run() {
	m := v.m
	switch {
	case m.Ward == 0:
		v.add(top("ward"), "missing model format version", fmt.Sprintf("add `ward: %d` at the top", FormatVersion))
	case m.Ward != FormatVersion:
		v.add(top("ward"), fmt.Sprintf("unsupported model format version %d", m.Ward), fmt.Sprintf("this version of Ward reads version %d", FormatVersion))
	}
	v.organisation()
	v.declaredControls()
	v.declare()
	for i := range m.Zones {
		v.zone(i)
	}
	// The links' repeats are found beside the checks of the assets and
	// links, which read the model and the ids only.
	repeats := make(chan map[int]int, 1)
	go func() { repeats <- sameLinks(m.Links) }()
	v.ranges(len(m.Assets), func(w *validator, lo, hi int) {
		for i := lo; i < hi; i++ {
			w.asset(i)
		}
	})
	v.links(repeats)
	v.rules()
	v.redundancy()
	v.services()
	v.decisions()
	v.costs()
}

func (v *validator) decisions() {
	seen := map[[2]string]int{}
	for i, d := range v.m.Decisions {
		p := func(f string) loc { return path("decisions", i, f) }
		if d.Threat == "" {
			v.add(p("threat"), "missing threat id", "the id of a threat of the catalog, e.g. ransomware")
		}
		v.ref(p("asset"), d.Asset, "asset", idAsset)
		enum(v, p("status"), d.Status, true)
		v.line(p("threat"), d.Threat)
		if strings.TrimSpace(d.Justification) == "" {
			v.add(p("justification"), "missing justification", "say why, so that the decision can be reviewed")
		}
		v.text(p("justification"), d.Justification)
		v.line(p("by"), d.By)
		if d.Date == "" {
			v.add(p("date"), "missing date", "when the decision was taken, YYYY-MM-DD")
		} else if msg, hint := checkDate(d.Date); msg != "" {
			v.add(p("date"), msg, hint)
		}
		if d.Until != "" {
			if msg, hint := checkDate(d.Until); msg != "" {
				v.add(p("until"), msg, hint)
			} else if d.Until < d.Date {
				v.add(p("until"), fmt.Sprintf("until %s is before the decision date %s", d.Until, d.Date), "")
			}
		}
		k := [2]string{d.Threat, d.Asset}
		if j, dup := seen[k]; dup {
			v.add(p("threat"), fmt.Sprintf("a second decision on %s for %s", d.Threat, d.Asset), fmt.Sprintf("decisions[%d] is about the same risk", j))
		}
		seen[k] = i
	}
}

func (v *validator) id(p loc, id string) bool {
	if id == "" {
		v.add(p, "missing id", "")
		return false
	}
	if !idPattern.MatchString(id) {
		v.add(p, fmt.Sprintf("invalid id %q", id), "ids start with a letter or digit and use letters, digits and . _ : @ / - (at most 128 characters)")
		return false
	}
	return true
}

// line refuses control characters in one line of text (a name, a vendor):
// printed to a terminal or a page they could rewrite what is shown.
func (v *validator) line(p loc, s string) {
	if r, bad := ControlChar(s, false); bad {
		v.add(p, fmt.Sprintf("control character %U", r), "a name is one line of printable text; remove the character")
	}
}

// text refuses control characters other than tabs and line breaks in
// free text (a description).
func (v *validator) text(p loc, s string) {
	if r, bad := ControlChar(s, true); bad {
		v.add(p, fmt.Sprintf("control character %U", r), "text may hold tabs and line breaks, no other control characters")
	}
}

// Printable is s with the control characters validation refuses replaced
// by U+FFFD: for text from the wire or a scan, that a model keeps. multiline
// keeps tabs and line breaks.
func Printable(s string, multiline bool) string {
	if _, bad := ControlChar(s, multiline); !bad {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r, multiline) {
			return utf8.RuneError
		}
		return r
	}, s)
}

// isControl tells whether r is a C0 or C1 control, DEL, or one of the
// bidirectional overrides and isolates that reorder what is shown;
// multiline allows tab, line feed and carriage return.
func isControl(r rune, multiline bool) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return !multiline
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	}
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// ControlChar finds the first control character in s (see isControl),
// looking at bytes: only a few lead bytes need decoding.
func ControlChar(s string, multiline bool) (rune, bool) {
	for i := 0; i < len(s); i++ {
		r := rune(s[i])
		if b := s[i]; b == 0xc2 || b == 0xe2 { // lead bytes of U+0080-U+00BF, U+2000-U+2FFF
			r, _ = utf8.DecodeRuneInString(s[i:])
		} else if b >= 0x80 {
			continue
		}
		if isControl(r, multiline) {
			return r, true
		}
	}
	return 0, false
}

func (v *validator) organisation() {
	o := &v.m.Organisation
	v.id(top("organisation.id"), o.ID)
	if strings.TrimSpace(o.Name) == "" {
		v.add(top("organisation.name"), "missing name", "")
	}
	v.line(top("organisation.name"), o.Name)
	enum(v, top("organisation.kind"), o.Kind, false)
	for j, e := range o.EntryPoints {
		enum(v, top("organisation.entry_points").at(j), e, true)
	}
	if o.Country != "" && !countryRe.MatchString(o.Country) {
		v.add(top("organisation.country"), fmt.Sprintf("invalid country %q", o.Country), "use an ISO 3166-1 alpha-2 code such as DE or FR")
	}
	switch {
	case o.Region == "":
	case !regionRe.MatchString(o.Region):
		v.add(top("organisation.region"), fmt.Sprintf("invalid region %q", o.Region), "use an ISO 3166-2 subdivision code such as DE-BY or FR-IDF")
	case o.Country != "" && !strings.HasPrefix(o.Region, o.Country+"-"):
		v.add(top("organisation.region"), fmt.Sprintf("region %q is not in country %s", o.Region, o.Country), fmt.Sprintf("an ISO 3166-2 code of %s begins with %s-", o.Country, o.Country))
	}
}

func (v *validator) declaredControls() {
	for _, c := range builtinControls {
		v.controls[c.ID] = true
	}
	for i, c := range v.m.Controls {
		if v.id(path("controls", i, "id"), c.ID) {
			if v.controls[c.ID] {
				v.add(path("controls", i, "id"), fmt.Sprintf("duplicate control id %q", c.ID), "it is already defined (built-in controls need no declaration)")
			}
			v.controls[c.ID] = true
		}
		if strings.TrimSpace(c.Name) == "" {
			v.add(path("controls", i, "name"), "missing name", "")
		}
		v.line(path("controls", i, "name"), c.Name)
		v.text(path("controls", i, "description"), c.Description)
		enum(v, path("controls", i, "category"), c.Category, true)
	}
	v.controlRefs(top("organisation.controls"), v.m.Organisation.Controls)
}

// declare records every zone, asset and service id first, so references can
// point forward in the file.
func (v *validator) declare() {
	reg := func(list string, i int, id string, k idKind) {
		p := path(list, i, "id")
		if !v.id(p, id) {
			return
		}
		if prev, dup := v.ids[id]; dup {
			v.add(p, fmt.Sprintf("duplicate id %q", id), fmt.Sprintf("already the id of %s; zones, assets, services and redundancy groups share one namespace", prev.withArticle()))
			return
		}
		v.ids[id] = k
	}
	for i := range v.m.Zones {
		reg("zones", i, v.m.Zones[i].ID, idZone)
	}
	for i := range v.m.Assets {
		reg("assets", i, v.m.Assets[i].ID, idAsset)
	}
	for i := range v.m.Services {
		reg("services", i, v.m.Services[i].ID, idService)
	}
	for i := range v.m.Redundancy {
		reg("redundancy", i, v.m.Redundancy[i].ID, idGroup)
	}
}

func (v *validator) zone(i int) {
	z := &v.m.Zones[i]
	v.line(path("zones", i, "name"), z.Name)
	v.text(path("zones", i, "description"), z.Description)
	enum(v, path("zones", i, "kind"), z.Kind, true)
	enum(v, path("zones", i, "trust"), z.Trust, true)
	if z.Kind == "internet" && z.Trust != "" && z.Trust != "untrusted" {
		v.add(path("zones", i, "trust"), fmt.Sprintf("the internet zone cannot be trusted (%q)", z.Trust), "set trust: untrusted")
	}
	v.controlRefs(path("zones", i, "controls"), z.Controls)
}

func (v *validator) asset(i int) {
	a := &v.m.Assets[i]
	for _, f := range [...]struct{ name, value string }{{"name", a.Name}, {"vendor", a.Vendor}, {"product", a.Product}, {"version", a.Version}, {"model", a.Model}, {"owner", a.Owner}, {"serial", a.Serial}, {"site", a.Site}} {
		v.line(path("assets", i, f.name), f.value)
	}
	v.text(path("assets", i, "description"), a.Description)
	for j, t := range a.Tags {
		v.line(path("assets", i, "tags").at(j), t)
	}
	enum(v, path("assets", i, "kind"), a.Kind, true)
	v.ref(path("assets", i, "zone"), a.Zone, "zone", idZone)
	for j, addr := range a.Addresses {
		if msg, hint := checkAddress(addr); msg != "" {
			v.add(path("assets", i, "addresses").at(j), msg, hint)
		}
	}
	v.cpe(path("assets", i, "cpe"), a.CPE)
	v.purl(path("assets", i, "purl"), a.PURL)
	for j, c := range a.Components {
		p := path("assets", i, "components").at(j)
		if strings.TrimSpace(c.Name) == "" {
			v.add(p.of("name"), "missing name", "")
		}
		v.line(p.of("name"), c.Name)
		v.line(p.of("version"), c.Version)
		v.cpe(p.of("cpe"), c.CPE)
		v.purl(p.of("purl"), c.PURL)
	}
	for j, d := range a.Data {
		enum(v, path("assets", i, "data").at(j), d, true)
	}
	c := a.Criticality
	enum(v, path("assets", i, "criticality.safety"), c.Safety, false)
	enum(v, path("assets", i, "criticality.availability"), c.Availability, false)
	enum(v, path("assets", i, "criticality.confidentiality"), c.Confidentiality, false)
	enum(v, path("assets", i, "criticality.integrity"), c.Integrity, false)
	v.controlRefs(path("assets", i, "controls"), a.Controls)
	if a.EndOfSupport != "" {
		if msg, hint := checkDate(a.EndOfSupport); msg != "" {
			v.add(path("assets", i, "end_of_support"), msg, hint)
		}
	}
	enum(v, path("assets", i, "provenance"), a.Provenance, false)
	for j, d := range a.DependsOn {
		p := path("assets", i, "depends_on").at(j)
		k, ok := v.ids[d]
		switch {
		case d == a.ID:
			v.add(p, fmt.Sprintf("asset %q depends on itself", d), "")
		case !ok:
			v.add(p, fmt.Sprintf("unknown asset or redundancy group %q", d), v.suggestID(d, idAsset, idGroup))
		case k != idAsset && k != idGroup:
			v.add(p, fmt.Sprintf("%q is %s", d, k.withArticle()), "an asset depends on assets (its power, switch, directory) or on redundancy groups of them")
		}
	}
	type portKey struct {
		port      int
		transport Transport
	}
	seenPort := map[portKey]int{}
	for j, pt := range a.Ports {
		p := path("assets", i, "ports").at(j)
		if pt.Port < 1 || pt.Port > 65535 {
			v.add(p.of("port"), fmt.Sprintf("port %d out of range", pt.Port), "ports run from 1 to 65535")
		}
		v.line(p.of("product"), pt.Product)
		v.line(p.of("version"), pt.Version)
		enum(v, p.of("transport"), pt.Transport, false)
		enum(v, p.of("protocol"), pt.Protocol, false)
		k := portKey{pt.Port, pt.transport()}
		if prev, dup := seenPort[k]; dup {
			v.add(p.of("port"), fmt.Sprintf("port %d/%s listed twice", pt.Port, pt.transport()), fmt.Sprintf("ports[%d] is the same port", prev))
		}
		seenPort[k] = j
	}
	v.sources(func(j int) loc { return path("assets", i, "sources").at(j) }, a.Sources)
	if a.National != "" {
		switch {
		case !idPattern.MatchString(a.National):
			v.add(path("assets", i, "national"), fmt.Sprintf("invalid national service id %q", a.National), "the id the hub publishes, e.g. erx: letters, digits and . _ : @ / - (at most 128 characters)")
		case a.Kind != "external-service":
			v.add(path("assets", i, "national"), fmt.Sprintf("asset of kind %s bound to a national service", a.Kind), "only an external-service asset binds to a national service; give it kind external-service")
		}
	}
}

func (p Port) transport() Transport {
	if p.Transport == "" {
		return "tcp"
	}
	return p.Transport
}

// sources checks the provenance records of an asset or a link.
func (v *validator) sources(at func(j int) loc, srcs []Source) {
	for j, s := range srcs {
		p := at(j)
		if strings.TrimSpace(s.Attribute) == "" {
			v.add(p.of("attribute"), "missing attribute", "the field the source speaks of, e.g. kind or vendor")
		}
		v.line(p.of("attribute"), s.Attribute)
		v.text(p.of("value"), s.Value)
		v.text(p.of("reason"), s.Reason)
		v.line(p.of("file"), s.File)
		enum(v, p.of("source"), s.Origin, true)
		if s.Seen != "" {
			if _, err := s.Seen.Time(); err != nil {
				v.add(p.of("seen"), fmt.Sprintf("invalid time %q", string(s.Seen)), "write RFC 3339 times, e.g. 2025-10-14T09:30:00Z")
			}
		}
		if s.Confidence < 0 || s.Confidence > 100 {
			v.add(p.of("confidence"), fmt.Sprintf("confidence %d out of range", s.Confidence), "a percentage from 1 to 100; leave it out for facts read rather than inferred")
		}
	}
}

// sameLinks finds the links that repeat an earlier one (the same ends,
// protocol and port): for each, the first link it repeats. The links' keys
// are hashed and sorted rather than kept in a map: at ten million links a
// map of their keys took about a gigabyte and most of the validation's
// time in cache misses; the hashes and positions take 16 bytes a link.
func sameLinks(links []Link) map[int]int {
	type keyed struct {
		h uint64
		i int
	}
	seed := maphash.MakeSeed()
	hs := make([]keyed, len(links))
	for i := range links {
		l := &links[i]
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteString(l.From)
		h.WriteByte(0)
		h.WriteString(l.To)
		h.WriteByte(0)
		h.WriteString(string(l.Protocol))
		h.WriteByte(0)
		var port [8]byte
		binary.LittleEndian.PutUint64(port[:], uint64(l.Port))
		h.Write(port[:])
		hs[i] = keyed{h.Sum64(), i}
	}
	slices.SortFunc(hs, func(a, b keyed) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	same := func(a, b *Link) bool {
		return a.From == b.From && a.To == b.To && a.Protocol == b.Protocol && a.Port == b.Port
	}
	var out map[int]int
	for start := 0; start < len(hs); {
		end := start + 1
		for end < len(hs) && hs[end].h == hs[start].h {
			end++
		}
		// A run of one hash, in position order: each link is the first of
		// its key or repeats the first of one met before in the run, of
		// which there are as many as keys collide (one, almost always).
		firsts := []int{hs[start].i}
		for k := start + 1; k < end; k++ {
			i := hs[k].i
			repeat := false
			for _, j := range firsts {
				if same(&links[j], &links[i]) {
					if out == nil {
						out = map[int]int{}
					}
					out[i], repeat = j, true
					break
				}
			}
			if !repeat {
				firsts = append(firsts, i)
			}
		}
		start = end
	}
	return out
}

func (v *validator) links(repeats <-chan map[int]int) {
	links := v.m.Links
	// A link id met before names the last link that had it, as a map
	// filled in link order tells; the ids are few and found first.
	dupID := map[int]int{}
	seenID := map[string]int{}
	for i := range links {
		if id := links[i].ID; id != "" && idPattern.MatchString(id) {
			if j, dup := seenID[id]; dup {
				dupID[i] = j
			}
			seenID[id] = i
		}
	}
	// Each range's problems are kept with the links they are about, so
	// that a link's repeat is told after its other problems, as when the
	// links are checked one by one.
	parts := v.split(len(links), func(w *validator, lo, hi int) {
		var lastFromID string
		var lastFrom idKind
		for i := lo; i < hi; i++ {
			before := len(w.errs)
			w.link(i, dupID, &lastFromID, &lastFrom)
			for range len(w.errs) - before {
				w.about = append(w.about, i)
			}
		}
	})
	same := <-repeats
	order := make([]int, 0, len(same))
	for i := range same {
		order = append(order, i)
	}
	slices.Sort(order)
	for _, w := range parts {
		for k, e := range w.errs {
			for len(order) > 0 && order[0] < w.about[k] {
				v.repeat(order[0], same[order[0]])
				order = order[1:]
			}
			v.add0(e)
		}
	}
	for _, i := range order {
		v.repeat(i, same[i])
	}
}

func (v *validator) repeat(i, first int) {
	l := &v.m.Links[i]
	v.add(path("links", i, ""), fmt.Sprintf("duplicate link %s -> %s (%s)", l.From, l.To, l.Protocol), fmt.Sprintf("links[%d] is the same link", first))
}

// link checks link i; lastFromID and lastFrom are the first end met just
// before in the same range: links are often listed by their first end, and
// a known one is not looked up again.
func (v *validator) link(i int, dupID map[int]int, lastFromID *string, lastFrom *idKind) {
	l := &v.m.Links[i]
	if l.ID != "" && v.id(path("links", i, "id"), l.ID) {
		if j, dup := dupID[i]; dup {
			v.add(path("links", i, "id"), fmt.Sprintf("duplicate link id %q", l.ID), fmt.Sprintf("links[%d] has it too", j))
		}
	}
	from := *lastFrom
	if l.From != *lastFromID || from == 0 {
		from = v.endpoint(path("links", i, "from"), l.From)
		*lastFromID, *lastFrom = l.From, from
	}
	to := v.endpoint(path("links", i, "to"), l.To)
	if l.From != "" && l.From == l.To {
		v.add(path("links", i, "to"), fmt.Sprintf("link from %q to itself", l.From), "")
	} else if from == idZone && to == idZone {
		v.add(path("links", i, "to"), "a link joins two zones", "one end of a link must be an asset")
	}
	v.text(path("links", i, "description"), l.Notes().Description)
	enum(v, path("links", i, "protocol"), l.Protocol, true)
	if l.Port < 0 || l.Port > 65535 {
		v.add(path("links", i, "port"), fmt.Sprintf("port %d out of range", l.Port), "ports run from 1 to 65535; leave it out when unknown")
	}
	enum(v, path("links", i, "direction"), l.Direction, false)
	enum(v, path("links", i, "provenance"), l.Notes().Provenance, false)
	v.sources(func(j int) loc { return path("links", i, "sources").at(j) }, l.Notes().Sources)
	for j, d := range l.Data {
		enum(v, path("links", i, "data").at(j), d, true)
	}
}

// rules checks the firewall rules: a zone opens connections to a zone or an
// asset, with an optional protocol and port.
func (v *validator) rules() {
	seen := map[string]int{}
	for i := range v.m.Rules {
		r := &v.m.Rules[i]
		p := func(f string) loc { return path("rules", i, f) }
		if r.ID == "" {
			v.add(p("id"), "missing id", "name the rule as the firewall does (r-12), so paths and plans can cite it")
		} else if v.id(p("id"), r.ID) {
			if j, dup := seen[r.ID]; dup {
				v.add(p("id"), fmt.Sprintf("duplicate rule id %q", r.ID), fmt.Sprintf("rules[%d] has it too", j))
			}
			seen[r.ID] = i
		}
		v.ref(p("from"), r.From, "zone", idZone)
		switch k, ok := v.ids[r.To]; {
		case r.To == "":
			v.add(p("to"), "missing zone or asset", "")
		case !ok:
			v.add(p("to"), fmt.Sprintf("unknown zone or asset %q", r.To), v.suggestID(r.To, idZone, idAsset))
		case k != idZone && k != idAsset:
			v.add(p("to"), fmt.Sprintf("%q is %s", r.To, k.withArticle()), "a rule opens a zone or an asset")
		case r.To == r.From:
			v.add(p("to"), fmt.Sprintf("rule from zone %q to itself", r.From), "within a zone, segmentation decides; rules cross zones")
		}
		enum(v, p("action"), r.Action, false)
		enum(v, p("protocol"), r.Protocol, false)
		if r.Port < 0 || r.Port > 65535 {
			v.add(p("port"), fmt.Sprintf("port %d out of range", r.Port), "ports run from 1 to 65535; leave it out for any port")
		}
		v.text(p("description"), r.Description)
	}
}

// redundancy checks the redundancy groups: at least two distinct assets,
// of which a number from 1 to all of them is needed.
func (v *validator) redundancy() {
	for i := range v.m.Redundancy {
		g := &v.m.Redundancy[i]
		p := func(f string) loc { return path("redundancy", i, f) }
		v.line(p("name"), g.Name)
		if len(g.Of) < 2 {
			v.add(p("of"), fmt.Sprintf("a redundancy group of %d asset(s)", len(g.Of)), "list at least two interchangeable assets")
		}
		seen := map[string]int{}
		for j, id := range g.Of {
			if k, dup := seen[id]; dup {
				v.add(p("of").at(j), fmt.Sprintf("%q listed twice", id), fmt.Sprintf("of[%d] is the same asset", k))
				continue
			}
			seen[id] = j
			v.ref(p("of").at(j), id, "asset", idAsset)
		}
		if g.Need < 1 || (len(g.Of) >= 2 && g.Need > len(g.Of)) {
			v.add(p("need"), fmt.Sprintf("need %d of %d", g.Need, len(g.Of)), "how many of the members must work: at least 1, at most all of them; 1 for a standby pair")
		}
	}
}

// endpoint checks that a link end names an asset or a zone.
func (v *validator) endpoint(p loc, id string) idKind {
	if id == "" {
		v.add(p, "missing asset or zone id", "")
		return 0
	}
	k, ok := v.ids[id]
	if ok && (k == idAsset || k == idZone) {
		return k
	}
	if ok {
		v.add(p, fmt.Sprintf("%q is %s", id, k.withArticle()), "links join assets, or an asset and a zone")
		return 0
	}
	v.add(p, fmt.Sprintf("unknown asset or zone %q", id), v.suggestID(id, idAsset, idZone))
	return 0
}

func (v *validator) services() {
	m := v.m
	for i := range m.Services {
		s := &m.Services[i]
		p := func(f string) loc { return path("services", i, f) }
		v.line(p("name"), s.Name)
		v.text(p("description"), s.Description)
		v.line(p("owner"), s.Owner)
		switch {
		case s.MaxOutage <= 0:
			v.add(p("max_outage"), "missing or zero maximum tolerable outage", "how long can the service be down before patients are harmed, e.g. 15m, 4h, 2d")
		case time.Duration(s.MaxOutage) > 365*24*time.Hour:
			v.add(p("max_outage"), fmt.Sprintf("maximum tolerable outage %s exceeds a year", s.MaxOutage), "a clinical service that can stop for a year is not critical; use at most 365d")
		}
		enum(v, p("patient_safety"), s.PatientSafety, false)
		if len(s.DependsOn) == 0 {
			v.add(p("depends_on"), "service depends on nothing", "list the assets and services it needs")
		}
		for j, d := range s.DependsOn {
			dp := p("depends_on").at(j)
			if d == s.ID {
				v.add(dp, fmt.Sprintf("service %q depends on itself", d), "")
				continue
			}
			k, ok := v.ids[d]
			switch {
			case !ok:
				v.add(dp, fmt.Sprintf("unknown asset, redundancy group or service %q", d), v.suggestID(d, idAsset, idService, idGroup))
			case k == idZone:
				v.add(dp, fmt.Sprintf("%q is a zone", d), "services depend on assets, redundancy groups and other services")
			}
		}
	}
	v.serviceCycles()
}

// serviceCycles reports a chain of services that depend on one another in a
// circle: no service in it could ever be restored first.
func (v *validator) serviceCycles() {
	index := map[string]int{}
	for i, s := range v.m.Services {
		index[s.ID] = i
	}
	state := make([]uint8, len(v.m.Services)) // 0 new, 1 on stack, 2 done
	var stack []string
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = 1
		stack = append(stack, v.m.Services[i].ID)
		for _, d := range v.m.Services[i].DependsOn {
			j, ok := index[d]
			if !ok || j == i {
				continue
			}
			if state[j] == 1 {
				start := 0
				for k, id := range stack {
					if id == d {
						start = k
					}
				}
				cycle := append(append([]string(nil), stack[start:]...), d)
				v.add(path("services", i, "depends_on"), "services depend on each other in a cycle: "+strings.Join(cycle, " -> "), "")
				return true
			}
			if state[j] == 0 && visit(j) {
				return true
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = 2
		return false
	}
	for i := range v.m.Services {
		if state[i] == 0 {
			stack = stack[:0]
			visit(i)
		}
	}
}

func (v *validator) ref(p loc, id, what string, want idKind) {
	if id == "" {
		v.add(p, "missing "+what, "")
		return
	}
	k, ok := v.ids[id]
	if ok && k == want {
		return
	}
	if ok {
		v.add(p, fmt.Sprintf("%q is %s, not a %s", id, k.withArticle(), what), "")
		return
	}
	v.add(p, fmt.Sprintf("unknown %s %q", what, id), v.suggestID(id, want))
}

func (v *validator) controlRefs(p loc, ids []string) {
	for j, id := range ids {
		if !v.controls[id] {
			names := make([]string, 0, len(v.controls))
			for c := range v.controls {
				names = append(names, c)
			}
			hint := didYouMean(id, names)
			if hint == "" {
				hint = "declare it under controls: or use a built-in control (ward schema lists them)"
			}
			v.add(p.at(j), fmt.Sprintf("unknown control %q", id), hint)
		}
	}
}

type enumString interface {
	Enumerated
	~string
}

func enum[T enumString](v *validator, p loc, value T, required bool) {
	if value == "" {
		if required {
			v.add(p, "missing value", "one of: "+strings.Join(value.Enum(), ", "))
		}
		return
	}
	allowed := value.Enum()
	for _, a := range allowed {
		if a == string(value) {
			return
		}
	}
	hint := didYouMean(string(value), allowed)
	if hint == "" {
		hint = "one of: " + strings.Join(allowed, ", ")
	}
	v.add(p, fmt.Sprintf("invalid value %q", string(value)), hint)
}

func (v *validator) cpe(p loc, s string) {
	if s == "" || cpeRe.MatchString(s) {
		return
	}
	hint := "a CPE 2.3 formatted string has 13 parts, e.g. cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*"
	if strings.HasPrefix(s, "cpe:/") {
		hint = "this is the older CPE 2.2 URI form; write the CPE 2.3 formatted string, e.g. cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*"
	}
	v.add(p, fmt.Sprintf("invalid CPE 2.3 name %q", s), hint)
}

func (v *validator) purl(p loc, s string) {
	if s == "" {
		return
	}
	if err := CheckPURL(s); err != nil {
		v.add(p, fmt.Sprintf("invalid package URL %q: %v", s, err), "e.g. pkg:deb/debian/openssl@3.0.11 (see github.com/package-url/purl-spec)")
	}
}

// CheckPURL reports whether s is a syntactically valid package URL.
func CheckPURL(s string) error {
	u, err := packageurl.FromString(s)
	if err != nil {
		return err
	}
	if u.Name == "" {
		return fmt.Errorf("missing name")
	}
	return nil
}

// ValidCPE reports whether s is a CPE 2.3 formatted string.
func ValidCPE(s string) bool { return cpeRe.MatchString(s) }

// ValidAddress reports whether s may stand in an asset's addresses: an IP
// address, a CIDR prefix, a MAC address or a host name.
func ValidAddress(s string) bool {
	msg, _ := checkAddress(s)
	return msg == ""
}

func checkAddress(s string) (msg, hint string) {
	if _, err := netip.ParseAddr(s); err == nil {
		return "", ""
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return "", ""
	}
	if _, err := net.ParseMAC(s); err == nil {
		return "", ""
	}
	looksNumeric := strings.Trim(s, "0123456789./") == ""
	if looksNumeric {
		return fmt.Sprintf("invalid IP address or prefix %q", s), "each IPv4 octet runs from 0 to 255, e.g. 10.20.0.15 or 10.20.0.0/24"
	}
	if strings.Contains(s, ":") {
		return fmt.Sprintf("invalid IPv6 or MAC address %q", s), ""
	}
	if len(s) > 253 || !hostRe.MatchString(s) {
		return fmt.Sprintf("invalid address %q", s), "use an IP address, a CIDR prefix, a host name or a MAC address"
	}
	return "", ""
}

func checkDate(d Date) (msg, hint string) {
	t, err := d.Time()
	if err != nil {
		return fmt.Sprintf("invalid date %q", string(d)), "write dates as YYYY-MM-DD, e.g. 2025-10-14"
	}
	if y := t.Year(); y < 1970 || y > 2100 {
		return fmt.Sprintf("implausible date %q", string(d)), "years run from 1970 to 2100"
	}
	return "", ""
}

// suggestID proposes the closest id of the wanted kinds.
func (v *validator) suggestID(id string, kinds ...idKind) string {
	if len(v.ids) > maxSuggestCandidates {
		return ""
	}
	var names []string
	for name, k := range v.ids {
		for _, want := range kinds {
			if k == want {
				names = append(names, name)
			}
		}
	}
	return didYouMean(id, names)
}

const maxSuggestCandidates = 20000

// didYouMean returns `did you mean "x"?` for the candidate closest to word,
// or "" when none is close enough to be a likely typo.
func didYouMean(word string, candidates []string) string {
	if s := Closest(word, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

// Closest returns the candidate within a typo's distance of word (ties
// broken alphabetically), or "".
func Closest(word string, candidates []string) string {
	candidates = append([]string(nil), candidates...) // callers' slices may be shared
	sort.Strings(candidates)
	best, bestD := "", 1<<30
	limit := len(word)/3 + 1
	if limit > 3 {
		limit = 3
	}
	lw := strings.ToLower(word)
	bestP := -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein(lw, lc)
		p := commonPrefix(lw, lc)
		if d < bestD || (d == bestD && p > bestP) {
			best, bestD, bestP = c, d, p
		}
	}
	if bestD <= limit {
		return best
	}
	return ""
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func levenshtein(a, b string) int {
	if a == b {
		return 0
	}
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
