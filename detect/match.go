package detect

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// matchKind is how a value of a selection compares with a field.
type matchKind int

const (
	matchEqual matchKind = iota
	matchContains
	matchPrefix
	matchSuffix
	matchGlob
	matchRegexp
	matchCIDR
	matchGT
	matchGTE
	matchLT
	matchLTE
	matchEmpty  // the value null: the field is absent or empty
	matchExists // |exists: the field is there (num 1) or not (num 0)
	matchAny    // any of alts: the variants of windash, base64offset
)

// valueMatcher compares one value of a selection with a field; strings
// compare without regard to ASCII case, as Sigma says.
type valueMatcher struct {
	kind   matchKind
	s      string
	re     *regexp.Regexp
	prefix netip.Prefix
	num    float64
	alts   []valueMatcher
}

func (m *valueMatcher) match(v string) bool {
	switch m.kind {
	case matchEqual:
		return strings.EqualFold(v, m.s)
	case matchContains:
		return containsFold(v, m.s)
	case matchPrefix:
		return len(v) >= len(m.s) && strings.EqualFold(v[:len(m.s)], m.s)
	case matchSuffix:
		return len(v) >= len(m.s) && strings.EqualFold(v[len(v)-len(m.s):], m.s)
	case matchGlob:
		return globFold(m.s, v)
	case matchRegexp:
		return m.re.MatchString(v)
	case matchCIDR:
		a, err := netip.ParseAddr(v)
		return err == nil && m.prefix.Contains(a.Unmap())
	case matchGT, matchGTE, matchLT, matchLTE:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		switch m.kind {
		case matchGT:
			return n > m.num
		case matchGTE:
			return n >= m.num
		case matchLT:
			return n < m.num
		}
		return n <= m.num
	case matchEmpty:
		return v == ""
	case matchExists:
		return (v != "") == (m.num == 1)
	case matchAny:
		for i := range m.alts {
			if m.alts[i].match(v) {
				return true
			}
		}
	}
	return false
}

// newMatcher makes the matcher of a value under a field's modifiers.
func newMatcher(value string, isNull bool, mods []string) (valueMatcher, error) {
	// Transformations first: each value becomes variants, any of which
	// may match.
	var transforms, rest []string
	for _, m := range mods {
		switch m {
		case "windash", "base64", "base64offset":
			transforms = append(transforms, m)
		case "exists":
			switch strings.ToLower(value) {
			case "true":
				return valueMatcher{kind: matchExists, num: 1}, nil
			case "false":
				return valueMatcher{kind: matchExists}, nil
			}
			return valueMatcher{}, fmt.Errorf("exists takes true or false, not %q", value)
		default:
			rest = append(rest, m)
		}
	}
	if len(transforms) > 0 {
		if isNull {
			return valueMatcher{}, fmt.Errorf("%s of null", transforms[0])
		}
		variants := []string{value}
		for _, t := range transforms {
			if t == "base64offset" && !slices.Contains(rest, "contains") {
				return valueMatcher{}, fmt.Errorf("base64offset goes with contains")
			}
			variants = transform(t, variants)
		}
		m := valueMatcher{kind: matchAny}
		for _, v := range variants {
			a, err := newMatcher(v, false, rest)
			if err != nil {
				return valueMatcher{}, err
			}
			m.alts = append(m.alts, a)
		}
		return m, nil
	}
	if isNull {
		return valueMatcher{kind: matchEmpty}, nil
	}
	kind := matchEqual
	for _, m := range mods {
		switch m {
		case "contains":
			kind = matchContains
		case "startswith":
			kind = matchPrefix
		case "endswith":
			kind = matchSuffix
		case "re":
			kind = matchRegexp
		case "i", "m", "s": // flags of re
		case "cidr":
			kind = matchCIDR
		case "gt":
			kind = matchGT
		case "gte":
			kind = matchGTE
		case "lt":
			kind = matchLT
		case "lte":
			kind = matchLTE
		case "all":
		default:
			return valueMatcher{}, fmt.Errorf("modifier %q is not one Ward reads (contains, startswith, endswith, re, cidr, gt, gte, lt, lte, all, exists, windash, base64, base64offset)", m)
		}
	}
	switch kind {
	case matchRegexp:
		flags := ""
		for _, m := range mods {
			if m == "i" || m == "m" || m == "s" {
				flags += m
			}
		}
		if flags != "" {
			value = "(?" + flags + ")" + value
		}
		re, err := regexp.Compile(value)
		if err != nil {
			return valueMatcher{}, fmt.Errorf("regular expression: %v", err)
		}
		return valueMatcher{kind: kind, re: re}, nil
	case matchCIDR:
		p, err := netip.ParsePrefix(value)
		if err != nil {
			return valueMatcher{}, fmt.Errorf("cidr: %v", err)
		}
		return valueMatcher{kind: kind, prefix: p.Masked()}, nil
	case matchGT, matchGTE, matchLT, matchLTE:
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return valueMatcher{}, fmt.Errorf("%q is not a number", value)
		}
		return valueMatcher{kind: kind, num: n}, nil
	}
	// Sigma's wildcards: * and ?, escaped with a backslash.
	lit, wild := unescapeWildcards(value)
	if !wild {
		return valueMatcher{kind: kind, s: lit}, nil
	}
	switch kind {
	case matchContains:
		value = "*" + value + "*"
	case matchPrefix:
		value += "*"
	case matchSuffix:
		value = "*" + value
	}
	return valueMatcher{kind: matchGlob, s: value}, nil
}

// dashes are what windash puts for a leading - or /: Windows programs take
// each of them as an option's dash.
var dashes = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// transform applies a Sigma value transformation: windash (each dash or
// slash starting a word becomes each of dashes, all alike), base64,
// base64offset (the three encodings of the value at any offset in a
// longer text).
func transform(t string, vs []string) []string {
	var out []string
	for _, v := range vs {
		switch t {
		case "windash":
			for _, d := range dashes {
				b := []byte(nil)
				for i := 0; i < len(v); i++ {
					if (v[i] == '-' || v[i] == '/') && (i == 0 || v[i-1] == ' ') {
						b = append(b, d...)
						continue
					}
					b = append(b, v[i])
				}
				if w := string(b); !slices.Contains(out, w) {
					out = append(out, w)
				}
			}
		case "base64":
			out = append(out, base64.StdEncoding.EncodeToString([]byte(v)))
		case "base64offset":
			for i := range 3 {
				enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + v))
				start := []int{0, 2, 3}[i]
				end := len(enc) - []int{0, 3, 2}[(len(v)+i)%3]
				if start < end {
					out = append(out, enc[start:end])
				}
			}
		}
	}
	return out
}

// unescapeWildcards returns the value with escapes removed, and whether it
// holds an unescaped * or ?.
func unescapeWildcards(v string) (string, bool) {
	if !strings.ContainsAny(v, `*?\`) {
		return v, false
	}
	var b strings.Builder
	wild := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v) && (v[i+1] == '*' || v[i+1] == '?' || v[i+1] == '\\'):
			i++
			b.WriteByte(v[i])
		case c == '*' || c == '?':
			wild = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), wild
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsFold reports whether sub is in s, ignoring ASCII case.
func containsFold(s, sub string) bool {
	n := len(sub)
	if n == 0 {
		return true
	}
	c0 := lower(sub[0])
	for i := 0; i+n <= len(s); i++ {
		if lower(s[i]) == c0 && strings.EqualFold(s[i:i+n], sub) {
			return true
		}
	}
	return false
}

// globFold matches s against a pattern of * and ? (backslash escapes),
// ignoring ASCII case.
func globFold(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) {
			c := p[pi]
			switch {
			case c == '*':
				star, mark = pi, si
				pi++
				continue
			case c == '?':
				pi++
				si++
				continue
			case c == '\\' && pi+1 < len(p) && (p[pi+1] == '*' || p[pi+1] == '?' || p[pi+1] == '\\'):
				if lower(p[pi+1]) == lower(s[si]) {
					pi += 2
					si++
					continue
				}
			case lower(c) == lower(s[si]):
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		si = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
