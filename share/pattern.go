package share

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ValidatePattern checks a STIX 2.1 pattern against the patterning
// grammar (STIX 2.1 part 9): observation expressions in brackets joined by
// AND, OR and FOLLOWEDBY, with WITHIN, REPEATS and START/STOP qualifiers;
// comparisons of object paths with literals (strings, numbers, booleans,
// binary, hex, timestamps, sets) by =, !=, <, <=, >, >=, IN, LIKE, MATCHES,
// ISSUBSET, ISSUPERSET, optionally negated with NOT; EXISTS. An error
// names the column where the pattern goes wrong.
func ValidatePattern(pattern string) error {
	toks, err := lexPattern(pattern)
	if err != nil {
		return err
	}
	p := &patternParser{toks: toks}
	if err := p.observations(); err != nil {
		return err
	}
	if t := p.peek(); t.kind != tEOF {
		return p.errorf(t, "unexpected %s after the pattern", t)
	}
	return nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tString
	tNumber
	tBinary
	tHex
	tTime
	tPunct
)

type token struct {
	kind tokKind
	text string
	col  int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of pattern"
	case tString:
		return "string '" + t.text + "'"
	}
	return "'" + t.text + "'"
}

func lexPattern(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		col := i + 1
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || (c == 'b' || c == 'h' || c == 't') && i+1 < len(s) && s[i+1] == '\'':
			kind := tString
			if c != '\'' {
				kind = map[byte]tokKind{'b': tBinary, 'h': tHex, 't': tTime}[c]
				i++
			}
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				if s[i] == '\\' {
					if i+1 >= len(s) || (s[i+1] != '\'' && s[i+1] != '\\') {
						return nil, fmt.Errorf("column %d: only \\' and \\\\ may be escaped in a string", i+1)
					}
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '\'' {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("column %d: string not closed", col)
			}
			out = append(out, token{kind, b.String(), col})
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			text := s[i:j]
			if _, err := strconv.ParseFloat(text, 64); err != nil {
				return nil, fmt.Errorf("column %d: %q is not a number", col, text)
			}
			out = append(out, token{tNumber, text, col})
			i = j
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] == '-' || s[j] >= '0' && s[j] <= '9' || unicode.IsLetter(rune(s[j]))) {
				j++
			}
			out = append(out, token{tWord, s[i:j], col})
			i = j
		default:
			for _, op := range []string{"!=", "<=", ">=", "=", "<", ">", "[", "]", "(", ")", ":", ".", ",", "*"} {
				if strings.HasPrefix(s[i:], op) {
					out = append(out, token{tPunct, op, col})
					i += len(op)
					goto next
				}
			}
			return nil, fmt.Errorf("column %d: unexpected character %q", col, c)
		next:
		}
	}
	return append(out, token{tEOF, "", len(s) + 1}), nil
}

type patternParser struct {
	toks []token
	pos  int
}

func (p *patternParser) peek() token { return p.toks[p.pos] }
func (p *patternParser) next() token {
	t := p.toks[p.pos]
	p.pos = min(p.pos+1, len(p.toks)-1)
	return t
}

func (p *patternParser) is(kind tokKind, text string) bool {
	t := p.peek()
	return t.kind == kind && t.text == text
}

func (p *patternParser) accept(kind tokKind, text string) bool {
	if p.is(kind, text) {
		p.next()
		return true
	}
	return false
}

func (p *patternParser) expect(kind tokKind, text string) error {
	if !p.accept(kind, text) {
		t := p.peek()
		return p.errorf(t, "expected '%s', found %s", text, t)
	}
	return nil
}

func (p *patternParser) errorf(t token, format string, a ...any) error {
	return fmt.Errorf("column %d: %s", t.col, fmt.Sprintf(format, a...))
}

// observations: observation (('AND' | 'OR' | 'FOLLOWEDBY') observation)*
func (p *patternParser) observations() error {
	for {
		if err := p.observation(); err != nil {
			return err
		}
		if !p.accept(tWord, "AND") && !p.accept(tWord, "OR") && !p.accept(tWord, "FOLLOWEDBY") {
			return nil
		}
	}
}

// observation: '[' comparison ']' qualifier* | '(' observations ')' qualifier*
func (p *patternParser) observation() error {
	switch {
	case p.accept(tPunct, "["):
		if err := p.comparison(); err != nil {
			return err
		}
		if err := p.expect(tPunct, "]"); err != nil {
			return err
		}
	case p.accept(tPunct, "("):
		if err := p.observations(); err != nil {
			return err
		}
		if err := p.expect(tPunct, ")"); err != nil {
			return err
		}
	default:
		t := p.peek()
		return p.errorf(t, "expected an observation expression '[...]', found %s", t)
	}
	return p.qualifiers()
}

func (p *patternParser) qualifiers() error {
	for {
		switch {
		case p.accept(tWord, "WITHIN"):
			t := p.next()
			if t.kind != tNumber || strings.HasPrefix(t.text, "-") {
				return p.errorf(t, "WITHIN takes a positive number of seconds, found %s", t)
			}
			if err := p.expect(tWord, "SECONDS"); err != nil {
				return err
			}
		case p.accept(tWord, "REPEATS"):
			t := p.next()
			if n, err := strconv.Atoi(t.text); t.kind != tNumber || err != nil || n <= 0 {
				return p.errorf(t, "REPEATS takes a positive whole number, found %s", t)
			}
			if err := p.expect(tWord, "TIMES"); err != nil {
				return err
			}
		case p.accept(tWord, "START"):
			if err := p.timestamp(); err != nil {
				return err
			}
			if err := p.expect(tWord, "STOP"); err != nil {
				return err
			}
			if err := p.timestamp(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

func (p *patternParser) timestamp() error {
	t := p.next()
	if t.kind != tTime {
		return p.errorf(t, "expected a timestamp t'...', found %s", t)
	}
	if _, err := time.Parse(time.RFC3339Nano, t.text); err != nil || !strings.HasSuffix(t.text, "Z") {
		return p.errorf(t, "timestamp %q: write RFC 3339 in UTC, e.g. t'2026-11-23T08:00:00Z'", t.text)
	}
	return nil
}

// comparison: test (('AND' | 'OR') test)*
func (p *patternParser) comparison() error {
	for {
		if err := p.test(); err != nil {
			return err
		}
		if !p.accept(tWord, "AND") && !p.accept(tWord, "OR") {
			return nil
		}
	}
}

var comparators = map[string]bool{"=": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

// test: '(' comparison ')' | 'EXISTS' path | path 'NOT'? operator operand
func (p *patternParser) test() error {
	if p.accept(tPunct, "(") {
		if err := p.comparison(); err != nil {
			return err
		}
		return p.expect(tPunct, ")")
	}
	if p.accept(tWord, "EXISTS") {
		return p.path()
	}
	if err := p.path(); err != nil {
		return err
	}
	p.accept(tWord, "NOT")
	op := p.next()
	switch {
	case op.kind == tPunct && comparators[op.text]:
		return p.literal()
	case op.kind == tWord && op.text == "IN":
		return p.set()
	case op.kind == tWord && (op.text == "LIKE" || op.text == "MATCHES" || op.text == "ISSUBSET" || op.text == "ISSUPERSET"):
		t := p.next()
		if t.kind != tString {
			return p.errorf(t, "%s takes a string, found %s", op.text, t)
		}
		return nil
	}
	return p.errorf(op, "expected a comparison (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET), found %s", op)
}

// path: type ':' property ('.' property | '[' index ']')*
func (p *patternParser) path() error {
	t := p.next()
	if t.kind != tWord || !isObjectType(t.text) {
		return p.errorf(t, "expected an object type such as file or ipv4-addr, found %s", t)
	}
	if err := p.expect(tPunct, ":"); err != nil {
		return err
	}
	if err := p.property(); err != nil {
		return err
	}
	for {
		switch {
		case p.accept(tPunct, "."):
			if err := p.property(); err != nil {
				return err
			}
		case p.accept(tPunct, "["):
			t := p.next()
			if !(t.kind == tPunct && t.text == "*") {
				if n, err := strconv.Atoi(t.text); t.kind != tNumber || err != nil || n < 0 {
					return p.errorf(t, "a list index is a whole number or *, found %s", t)
				}
			}
			if err := p.expect(tPunct, "]"); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

func (p *patternParser) property() error {
	t := p.next()
	if t.kind == tString || t.kind == tWord && !strings.Contains(t.text, "-") {
		return nil
	}
	return p.errorf(t, "expected a property name, found %s", t)
}

func isObjectType(s string) bool {
	if len(s) < 3 || !(s[0] >= 'a' && s[0] <= 'z') || strings.HasSuffix(s, "-") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func (p *patternParser) literal() error {
	t := p.next()
	switch t.kind {
	case tString, tNumber:
		return nil
	case tWord:
		if t.text == "true" || t.text == "false" {
			return nil
		}
	case tTime:
		p.pos--
		return p.timestamp()
	case tBinary:
		for _, c := range t.text {
			if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '+' || c == '/' || c == '=') {
				return p.errorf(t, "binary literal: not base64")
			}
		}
		return nil
	case tHex:
		if len(t.text)%2 != 0 || strings.Trim(strings.ToLower(t.text), "0123456789abcdef") != "" {
			return p.errorf(t, "hex literal: an even number of hex digits")
		}
		return nil
	}
	return p.errorf(t, "expected a value (string, number, boolean, b'', h'', t''), found %s", t)
}

// set: '(' (literal (',' literal)*)? ')'
func (p *patternParser) set() error {
	if err := p.expect(tPunct, "("); err != nil {
		return err
	}
	if p.accept(tPunct, ")") {
		return nil
	}
	for {
		if err := p.literal(); err != nil {
			return err
		}
		if p.accept(tPunct, ")") {
			return nil
		}
		if err := p.expect(tPunct, ","); err != nil {
			return err
		}
	}
}
