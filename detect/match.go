package detect

import (
	"fmt"
	"net/netip"
	"regexp"
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
	matchEmpty // the value null: the field is absent or empty
)

// valueMatcher compares one value of a selection with a field; strings
// compare without regard to ASCII case, as Sigma says.
type valueMatcher struct {
	kind   matchKind
	s      string
	re     *regexp.Regexp
	prefix netip.Prefix
	num    float64
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
	}
	return false
}

// newMatcher makes the matcher of a value under a field's modifiers.
func newMatcher(value string, isNull bool, mods []string) (valueMatcher, error) {
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
			return valueMatcher{}, fmt.Errorf("modifier %q is not one Ward reads (contains, startswith, endswith, re, cidr, gt, gte, lt, lte, all)", m)
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
