package intel

import (
	"strconv"
	"strings"
	"unicode"
)

// compareVersions orders versions as people write them: runs of digits
// compare as numbers, other runs case-insensitively, "1.10" after "1.9".
// ok is false when the two cannot be compared: they start with different
// letters (product lines such as U61 and L81) or one is empty.
func compareVersions(a, b string) (int, bool) {
	ra, rb := runs(a), runs(b)
	if len(ra) == 0 || len(rb) == 0 {
		return 0, false
	}
	if isDigits(ra[0]) != isDigits(rb[0]) || (!isDigits(ra[0]) && !strings.EqualFold(ra[0], rb[0])) {
		return 0, false
	}
	for i := 0; i < len(ra) && i < len(rb); i++ {
		x, y := ra[i], rb[i]
		if isDigits(x) && isDigits(y) {
			nx, _ := strconv.ParseUint(strings.TrimLeft(x, "0")+"0", 10, 64)
			ny, _ := strconv.ParseUint(strings.TrimLeft(y, "0")+"0", 10, 64)
			if nx != ny {
				if nx < ny {
					return -1, true
				}
				return 1, true
			}
			continue
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

// runs splits a version into digit and letter runs, dropping separators.
func runs(v string) []string {
	var out []string
	var cur strings.Builder
	kind := 0 // 1 digits, 2 letters
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range v {
		k := 0
		switch {
		case unicode.IsDigit(r):
			k = 1
		case unicode.IsLetter(r):
			k = 2
		}
		if k != kind {
			flush()
			kind = k
		}
		if k != 0 {
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

func isDigits(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// Coverage says how a version relates to an advisory's version or range.
type Coverage struct {
	In bool
	// Sure is false when the range could only be read in part (trailing
	// words, product lines) or the version could not be compared.
	Sure bool
	Rule string
}

// inRange tells whether version falls in an advisory's range expression:
// "vers:all/*", "<= U61 |<= L81" (alternatives), ">= 4.4 | <= 4.12" (a
// lower and an upper bound together), "14.1.x", "1.3.1 Build 13" (exact).
func inRange(version, expr string) Coverage {
	expr = strings.TrimSpace(expr)
	if expr == "vers:all/*" || expr == "*" {
		return Coverage{In: true, Sure: true, Rule: "all versions"}
	}
	if rest, ok := strings.CutPrefix(expr, "vers:"); ok {
		// vers:generic/>=1.0|<2.0: the constraints after the scheme.
		if _, cs, ok := strings.Cut(rest, "/"); ok {
			expr = cs
		}
	}
	parts := strings.Split(expr, "|")
	type cond struct{ op, v string }
	var conds []cond
	partial := false
	for _, p := range parts {
		p = strings.TrimSpace(p)
		op := ""
		for _, o := range []string{"<=", ">=", "<", ">", "="} {
			if strings.HasPrefix(p, o) {
				op, p = o, strings.TrimSpace(p[len(o):])
				break
			}
		}
		if i := strings.IndexAny(p, " \t"); i > 0 && op != "" {
			p, partial = p[:i], true // "<=11.2 on Windows 8.1": the bound only
		}
		conds = append(conds, cond{op, p})
	}
	test := func(c cond) (bool, bool) {
		if c.op == "" {
			if strings.HasSuffix(strings.ToLower(c.v), ".x") {
				prefix := c.v[:len(c.v)-1]
				return strings.HasPrefix(strings.ToLower(version), strings.ToLower(prefix)), true
			}
			return strings.EqualFold(strings.TrimSpace(version), c.v), true
		}
		cmp, ok := compareVersions(version, c.v)
		if !ok {
			return false, false
		}
		switch c.op {
		case "<=":
			return cmp <= 0, true
		case "<":
			return cmp < 0, true
		case ">=":
			return cmp >= 0, true
		case ">":
			return cmp > 0, true
		}
		return cmp == 0, true
	}
	// One lower and one upper bound: both must hold.
	if len(conds) == 2 && strings.HasPrefix(conds[0].op, ">") && strings.HasPrefix(conds[1].op, "<") {
		lo, ok1 := test(conds[0])
		hi, ok2 := test(conds[1])
		return Coverage{In: lo && hi, Sure: ok1 && ok2 && !partial, Rule: "range " + expr}
	}
	// Otherwise alternatives: any may hold.
	sure := !partial
	for _, c := range conds {
		in, ok := test(c)
		if in {
			return Coverage{In: true, Sure: ok && !partial, Rule: "range " + expr}
		}
		sure = sure && ok
	}
	return Coverage{In: false, Sure: sure, Rule: "range " + expr}
}
