package intel

import (
	"strconv"
	"strings"
	"unicode"
)

// compareVersions orders versions as people write them: runs of digits
// compare as numbers, other runs case-insensitively, "1.10" after "1.9".
// A two-digit part with a leading zero after a dot reads as two parts
// ("2.01" is 2.0.1, before 2.0.3), the way device makers number
// maintenance releases. A revision letter before a dot or at the end
// ("M.04", "N") orders with other revision letters; letters joined to
// digits name a product line ("U61", "L81", "BT03", "HD23"), and versions
// of two lines do not compare. Service packs, service releases and builds
// come after the release they extend: "4.20" < "4.20 SR1" < "4.20 SR2".
// ok is false when the two cannot be compared: different product lines,
// a number against a line, or an empty version.
func compareVersions(a, b string) (int, bool) {
	ra, rb := runs(a), runs(b)
	if len(ra) == 0 || len(rb) == 0 {
		return 0, false
	}
	if la, lb := lineBuild(ra), lineBuild(rb); la.line != "" || lb.line != "" {
		if la.line == "" || lb.line == "" {
			return 0, false // a line's software number against another kind
		}
		// "012U000061" against "U61": the line letter and the software
		// release; the digits before the letter name the hardware
		// ("028U00093" and "054U00093" are release 93 of two packs)
		if la.line != lb.line {
			return 0, false
		}
		if la.number != lb.number {
			if la.number < lb.number {
				return -1, true
			}
			return 1, true
		}
		return 0, true
	}
	if isDigits(ra[0].s) != isDigits(rb[0].s) {
		return 0, false
	}
	if !isDigits(ra[0].s) && !strings.EqualFold(ra[0].s, rb[0].s) && !(ra[0].revision && rb[0].revision) {
		return 0, false
	}
	for i := 0; i < len(ra) && i < len(rb); i++ {
		x, y := ra[i].s, rb[i].s
		if isDigits(x) && isDigits(y) {
			nx, ny := number(x), number(y)
			if nx != ny {
				if nx < ny {
					return -1, true
				}
				return 1, true
			}
			continue
		}
		if isDigits(x) != isDigits(y) {
			// "1.0.5" against "1.0 SP2": the number is a later part
			if isDigits(x) {
				return 1, true
			}
			return -1, true
		}
		if c := strings.Compare(strings.ToLower(x), strings.ToLower(y)); c != 0 {
			return c, true
		}
	}
	switch {
	case len(ra) < len(rb):
		return -1, true
	case len(ra) > len(rb):
		return 1, true
	}
	return 0, true
}

func number(s string) uint64 {
	s = strings.TrimLeft(s, "0")
	if len(s) > 19 {
		s = s[:19]
	}
	n, _ := strconv.ParseUint("0"+s, 10, 64)
	return n
}

// run is a run of digits or of letters in a version.
type run struct {
	s string
	// revision: a single letter standing alone ("M" of "M.04"), which
	// orders with other revision letters.
	revision bool
}

// runs splits a version into digit and letter runs, dropping separators;
// see compareVersions for the two-digit parts.
func runs(v string) []run {
	var out []run
	rs := []rune(v)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsDigit(r):
			j := i
			for j < len(rs) && unicode.IsDigit(rs[j]) {
				j++
			}
			d := string(rs[i:j])
			if len(d) == 2 && d[0] == '0' && i > 0 && rs[i-1] == '.' && len(out) > 0 {
				out = append(out, run{s: "0"}, run{s: d[1:]})
			} else {
				out = append(out, run{s: d})
			}
			i = j
		case unicode.IsLetter(r):
			j := i
			for j < len(rs) && unicode.IsLetter(rs[j]) {
				j++
			}
			rev := j-i == 1 && (j == len(rs) || !unicode.IsDigit(rs[j])) && (i == 0 || !unicode.IsDigit(rs[i-1]))
			out = append(out, run{s: string(rs[i:j]), revision: rev})
			i = j
		default:
			i++
		}
	}
	return out
}

// lineBuild reads a version of a product line and a build number:
// "U61", "012U000061", "054U00093". line is empty for other versions.
type lineNumber struct {
	line   string
	number uint64
}

func lineBuild(rs []run) lineNumber {
	switch {
	case len(rs) == 2 && !isDigits(rs[0].s) && len(rs[0].s) == 1 && !rs[0].revision && isDigits(rs[1].s):
		return lineNumber{strings.ToUpper(rs[0].s), number(rs[1].s)}
	case len(rs) == 3 && isDigits(rs[0].s) && !isDigits(rs[1].s) && len(rs[1].s) == 1 && isDigits(rs[2].s) && len(rs[2].s) >= 4:
		return lineNumber{strings.ToUpper(rs[1].s), number(rs[2].s)}
	}
	return lineNumber{}
}

func isDigits(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// Coverage says how a version relates to an advisory's version or range.
type Coverage struct {
	In bool
	// Unknown: the versions could not be compared (no version on the
	// asset, a date or words in the advisory, schemes that differ), so In
	// says only that the advisory does not rule the asset out.
	Unknown bool
	// Sure is false when the range could only be read in part (trailing
	// words, product lines), the version only extends the advisory's
	// ("B.02.01" for "B.02"), or the two could not be compared.
	Sure bool
	Rule string
}

// cleanVersion drops what is not the version from a version as written:
// a leading "v", "version", "release", "rev", "sw" or product code ("LPI
// 3.5.12.P30"), a build hash ("1.4.2.0-9d9eff4"), underscores.
func cleanVersion(v string) string {
	v = strings.TrimSpace(strings.ReplaceAll(v, "_", " "))
	for {
		lower := strings.ToLower(v)
		cut := false
		for _, p := range []string{"version ", "version:", "release ", "rev. ", "rev ", "sw ", "software "} {
			if strings.HasPrefix(lower, p) {
				v, cut = strings.TrimSpace(v[len(p):]), true
				break
			}
		}
		if !cut && len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
			v, cut = v[1:], true
		}
		if !cut {
			// a product code before the number: "LPI 3.5.12.P30", "AP 3.0"
			if i := strings.IndexByte(v, ' '); i > 0 && i < len(v)-1 && isLetters(strings.ToLower(v[:i])) && v[i+1] >= '0' && v[i+1] <= '9' {
				v, cut = v[i+1:], true
			}
		}
		if !cut {
			break
		}
	}
	if i := strings.LastIndexByte(v, '-'); i > 0 && len(v)-i-1 >= 7 && isHex(v[i+1:]) {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

func isHex(s string) bool {
	letters := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'f':
			letters = true
		default:
			return false
		}
	}
	return letters
}

// versionWildcard reads "12.2.x.x", "3.x", "C.0x", "14.1.*": the prefix every
// version of the line starts with ("12.2.", "3.", "C.0"), lower case.
func versionWildcard(v string) (string, bool) {
	l := strings.ToLower(strings.TrimSpace(v))
	i := strings.IndexAny(l, "x*")
	if i <= 0 {
		return "", false
	}
	rest := strings.Trim(l[i:], "x*.")
	if rest != "" {
		return "", false
	}
	prev := l[i-1]
	if prev != '.' && (prev < '0' || prev > '9') {
		return "", false
	}
	return l[:i], true
}

// extends tells whether v is prefix followed by more parts: "B.02.01"
// extends "B.02", "K.00.02" extends "K"; "1.30" does not extend "1.3".
func extends(v, prefix string) bool {
	v, prefix = strings.ToLower(strings.TrimSpace(v)), strings.ToLower(strings.TrimSpace(prefix))
	if len(v) <= len(prefix) || !strings.HasPrefix(v, prefix) {
		return false
	}
	next := v[len(prefix)]
	return next == '.' || next == ' ' || next == '-' || (unicode.IsDigit(rune(next)) != unicode.IsDigit(rune(prefix[len(prefix)-1])))
}

// versionTerms splits a version text into the versions it lists: "(Release
// 1.3.2 1.4.0 1.4.1)", "053L000091 (global) / 054U000091 (U.S.)", keeping
// together a version and its build, service pack or suffix ("1.3.1 Build
// 13", "1.1.3 MR Build 11", "4.20 SR1", "3.0 D15", "HD 16").
func versionTerms(s string) []string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '/' || r == ',' || r == '(' || r == ')' || r == ';' })
	var out []string
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		lower := strings.ToLower(f)
		switch {
		case lower == "release" || lower == "version" || lower == "versions" || lower == "rev" || lower == "and" || lower == "or":
			continue
		case len(out) > 0 && (lower == "build" || lower == "mr" || lower == "sr" || lower == "sp" || lower == "patch" || lower == "hotfix") && i+1 < len(fields):
			out[len(out)-1] += " " + f
			continue
		case len(out) > 0 && (isDigitsOnly(lower) && i > 0 && isBuildWord(fields[i-1]) || isSuffix(lower)) && len(out) > 0:
			out[len(out)-1] += " " + f
			continue
		case isLetters(lower) && len(lower) <= 3 && i+1 < len(fields) && isDigitsOnly(fields[i+1]):
			out = append(out, f+fields[i+1])
			i++
			continue
		}
		if versionLike(f) {
			out = append(out, f)
		}
	}
	for i := range out {
		out[i] = cleanVersion(out[i])
	}
	return out
}

func isBuildWord(f string) bool {
	switch strings.ToLower(f) {
	case "build", "mr", "sr", "sp", "patch", "hotfix":
		return true
	}
	return false
}

// isSuffix: "sr1", "sp2", "d15", "build13" after a version.
func isSuffix(f string) bool {
	for _, p := range []string{"sr", "sp", "mr", "build", "d", "p"} {
		if rest, ok := strings.CutPrefix(f, p); ok && isDigitsOnly(rest) {
			return true
		}
	}
	return false
}

// versionLike tells whether a word reads as a version: it starts with a
// digit, or with up to three letters then a digit or a dot ("B.02",
// "R8.0.3", "VF10.1", "U61", "A.07.107").
func versionLike(f string) bool {
	f = strings.TrimSpace(f)
	if f == "" {
		return false
	}
	if f[0] >= '0' && f[0] <= '9' {
		return true
	}
	i := 0
	for i < len(f) && i < 4 && unicode.IsLetter(rune(f[i])) {
		i++
	}
	if i == 0 || i > 3 || i == len(f) {
		return i > 0 && i == len(f) && i == 1 // a lone revision letter: "K"
	}
	return f[i] == '.' || (f[i] >= '0' && f[i] <= '9') || f[i] == '-' && i+1 < len(f) && f[i+1] >= '0' && f[i+1] <= '9'
}

// inRange tells whether version falls in an advisory's range expression:
// "vers:all/*", "<= U61 |<= L81" (alternatives), ">= 4.4 | <= 4.12" (a
// lower and an upper bound together), "14.1.x", "1.3.1 Build 13" (exact),
// "2.3.6 and below", "Rev B-M", "A.01 <= C.0x", "<=11.2 on Windows 8.1"
// (the bound only), "< august 28" (a date: not comparable with a version).
func inRange(version, expr string) Coverage {
	expr = strings.TrimSpace(expr)
	rule := "range " + expr
	if expr == "vers:all/*" || strings.HasPrefix(expr, "*") {
		return Coverage{In: true, Sure: true, Rule: "all versions"}
	}
	if rest, ok := strings.CutPrefix(expr, "vers:"); ok {
		// vers:generic/>=1.0|<2.0: the constraints after the scheme.
		if _, cs, ok := strings.Cut(rest, "/"); ok {
			expr = cs
		}
	}
	version = cleanVersion(version)
	if version == "" {
		return Coverage{In: true, Unknown: true, Rule: rule + ", the asset's version is unknown"}
	}
	conds := parseConds(expr)
	if len(conds) == 0 {
		return Coverage{In: true, Unknown: true, Rule: rule + ", which names no version to compare with " + version}
	}
	// One lower and one upper bound: both must hold.
	if len(conds) == 2 && strings.HasPrefix(conds[0].op, ">") && strings.HasPrefix(conds[1].op, "<") {
		lo, lok := conds[0].test(version)
		hi, hok := conds[1].test(version)
		if lok == notComparable || hok == notComparable {
			return Coverage{In: true, Unknown: true, Rule: rule + ", not comparable with " + version}
		}
		return Coverage{In: lo && hi, Sure: lok == sure && hok == sure, Rule: rule}
	}
	// Otherwise alternatives: any may hold.
	comparable, found, foundSure := false, false, false
	for _, c := range conds {
		in, how := c.test(version)
		if in {
			found, foundSure = true, foundSure || how == sure
		}
		if how != notComparable && how != otherLine {
			comparable = true
		}
	}
	if found {
		return Coverage{In: true, Sure: foundSure, Rule: rule}
	}
	if !comparable {
		for _, c := range conds {
			if _, how := c.test(version); how == notComparable {
				return Coverage{In: true, Unknown: true, Rule: rule + ", not comparable with " + version}
			}
		}
	}
	return Coverage{In: false, Sure: true, Rule: rule}
}

type certainty int

const (
	sure certainty = iota
	unsure
	notComparable // the advisory's text is no version (a date, words)
	otherLine     // versions of another product line
)

type cond struct {
	op, v string
	// partial: the bound was read from longer text ("<=11.2 on Windows").
	partial bool
	// date: the bound is a date, not a version.
	date bool
}

var months = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// parseConds reads a range expression into conditions.
func parseConds(expr string) []cond {
	var conds []cond
	for _, p := range strings.Split(expr, "|") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		lower := strings.ToLower(p)
		// "Rev B-M", "Rev J-M": revision letters from .. to
		if rest, ok := strings.CutPrefix(lower, "rev "); ok && len(rest) == 3 && rest[1] == '-' && isLetters(rest[:1]) && isLetters(rest[2:]) {
			conds = append(conds, cond{op: ">=", v: strings.ToUpper(rest[:1])}, cond{op: "<=", v: strings.ToUpper(rest[2:])})
			continue
		}
		// "2.3.6 and below", "R8.0.3 or prior"
		for _, suf := range []string{" and below", " and earlier", " and prior", " or prior", " or earlier", " or lower", " and lower"} {
			if i := strings.Index(lower, suf); i > 0 {
				p = "<= " + strings.TrimSpace(p[:i])
				break
			}
		}
		op, at := "", -1
		for _, o := range []string{"<=", ">=", "<", ">", "="} {
			if i := strings.Index(p, o); i >= 0 && (at < 0 || i < at) {
				op, at = o, i
			}
		}
		if at < 0 {
			for _, t := range versionTerms(p) {
				conds = append(conds, cond{op: "", v: t})
			}
			continue
		}
		// words before the operator ("distributed < april 1") say what
		// is dated; a version before it is a lower bound ("A.01 <= C.0x")
		before := strings.TrimSpace(p[:at])
		after := strings.TrimSpace(p[at+len(op):])
		if terms := versionTerms(before); len(terms) == 1 && before == terms[0] {
			conds = append(conds, cond{op: ">=", v: terms[0]})
		}
		lowerAfter := strings.ToLower(after)
		isDate := strings.Count(after, "/") == 2
		for _, m := range months {
			if strings.HasPrefix(lowerAfter, m) {
				isDate = true
			}
		}
		if isDate {
			conds = append(conds, cond{op: op, v: after, date: true})
			continue
		}
		terms := versionTerms(after)
		if len(terms) == 0 {
			conds = append(conds, cond{op: op, v: after, date: true})
			continue
		}
		c := cond{op: op, v: strings.Join(terms, "\x00")}
		c.partial = !strings.HasPrefix(after, terms[0]) || len(strings.Fields(after)) > len(strings.Fields(strings.Join(terms, " ")))+1
		conds = append(conds, c)
	}
	return conds
}

// bound picks, of the versions a bound lists ("S4 A.07.107"), the one of
// the asset's version's kind: starting with the same letter, or a digit.
func (c cond) bound(version string) string {
	terms := strings.Split(c.v, "\x00")
	if len(terms) == 1 {
		return terms[0]
	}
	for i, t := range terms {
		if _, ok := compareVersions(version, t); ok {
			// the rest belongs to it: "3.0 D15"
			return strings.Join(terms[i:], " ")
		}
	}
	return strings.Join(terms, " ")
}

// test tells whether the version meets the condition, and how sure that is.
func (c cond) test(version string) (bool, certainty) {
	if c.date {
		return false, notComparable
	}
	how := sure
	if c.partial {
		how = unsure
	}
	b := c.bound(version)
	if prefix, ok := versionWildcard(b); ok {
		has := strings.HasPrefix(strings.ToLower(version), prefix)
		line := strings.TrimRight(prefix, ".")
		switch c.op {
		case "", "=":
			return has, how
		case "<", ">=":
			cmp, ok := compareVersions(version, line)
			if !ok {
				return false, certaintyOf(version, line)
			}
			below := cmp < 0 && !has
			if c.op == "<" {
				return below, how
			}
			return !below, how
		case "<=", ">":
			cmp, ok := compareVersions(version, line)
			if !ok {
				return false, certaintyOf(version, line)
			}
			atMost := cmp <= 0 || has
			if c.op == "<=" {
				return atMost, how
			}
			return !atMost, how
		}
	}
	cmp, ok := compareVersions(version, b)
	if !ok {
		// "GEH-1.1", "R8.0.3", "VF10.1" against a plain number: the
		// number after the line's letters, not surely the same scheme
		x, y := stripLine(version), stripLine(b)
		if cmp, ok = compareVersions(x, y); !ok || x == version && y == b {
			return false, certaintyOf(version, b)
		}
		how = unsure
	}
	switch c.op {
	case "", "=":
		if cmp == 0 {
			return true, how
		}
		if extends(version, b) {
			return true, unsure // "B.02.01" of the "B.02" release
		}
		return false, how
	case "<=":
		if cmp <= 0 {
			return true, how
		}
		if extends(version, b) {
			if len(b) == 1 {
				return true, how // "K.00.02" of revision K
			}
			return true, unsure // "2.3.6.1" of "2.3.6 and below"
		}
		return false, how
	case "<":
		return cmp < 0 && !extends(version, b), how
	case ">=":
		return cmp >= 0, how
	case ">":
		return cmp > 0, how
	}
	return false, how
}

// certaintyOf says why two versions did not compare: another product
// line ("HD23" against "BT03", "U61" against "L81") or kinds that cannot
// be told apart (a number against a line).
func certaintyOf(a, b string) certainty {
	ra, rb := runs(a), runs(b)
	if lineBuild(ra).line != "" && lineBuild(rb).line != "" {
		return otherLine
	}
	if x, y := stripLine(a), stripLine(b); x != a || y != b {
		return otherLine // "GEH-1.1" against "2.0.3" that still did not compare
	}
	if len(ra) > 0 && len(rb) > 0 && !isDigits(ra[0].s) && !isDigits(rb[0].s) {
		return otherLine
	}
	return notComparable
}

// stripLine drops the letters of a product line before a dotted version:
// "GEH-1.1" -> "1.1", "VF10.1" -> "10.1"; other versions stay.
func stripLine(v string) string {
	i := 0
	for i < len(v) && (v[i] >= 'a' && v[i] <= 'z' || v[i] >= 'A' && v[i] <= 'Z') {
		i++
	}
	if i == 0 || i == len(v) {
		return v
	}
	rest := strings.TrimLeft(v[i:], "-")
	if rest == "" || rest[0] < '0' || rest[0] > '9' || !strings.Contains(rest, ".") {
		return v
	}
	return rest
}
