package detect

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// cond is a compiled Sigma condition.
type cond interface{ eval(e *Event) bool }

type selCond struct{ s *selection }
type notCond struct{ c cond }
type andCond []cond
type orCond []cond

func (c selCond) eval(e *Event) bool { return c.s.match(e) }
func (c notCond) eval(e *Event) bool { return !c.c.eval(e) }
func (c andCond) eval(e *Event) bool {
	for _, x := range c {
		if !x.eval(e) {
			return false
		}
	}
	return true
}
func (c orCond) eval(e *Event) bool {
	for _, x := range c {
		if x.eval(e) {
			return true
		}
	}
	return false
}

// parseCondition reads a Sigma condition: selection names, and, or, not,
// parentheses, "1 of pattern*", "all of pattern*", "1 of them", "all of them".
func parseCondition(s string, sels map[string]*selection) (cond, error) {
	p := &condParser{toks: tokenize(s), sels: sels}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("empty")
	}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		if p.toks[p.i] == "|" {
			return nil, fmt.Errorf("aggregations after | are old Sigma: write a correlation rule (event_count, value_count) instead")
		}
		return nil, fmt.Errorf("unexpected %q", p.toks[p.i])
	}
	return c, nil
}

func tokenize(s string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r':
			flush()
		case '(', ')', '|':
			flush()
			toks = append(toks, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

type condParser struct {
	toks []string
	i    int
	sels map[string]*selection
}

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *condParser) or() (cond, error) {
	return p.chain("or", p.and, func(cs []cond) cond { return orCond(cs) })
}

func (p *condParser) and() (cond, error) {
	return p.chain("and", p.not, func(cs []cond) cond { return andCond(cs) })
}

// chain reads operands joined by the word op.
func (p *condParser) chain(op string, next func() (cond, error), join func([]cond) cond) (cond, error) {
	c, err := next()
	if err != nil {
		return nil, err
	}
	cs := []cond{c}
	for strings.EqualFold(p.peek(), op) {
		p.i++
		c, err := next()
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	return join(cs), nil
}

func (p *condParser) not() (cond, error) {
	if strings.EqualFold(p.peek(), "not") {
		p.i++
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return notCond{c}, nil
	}
	return p.primary()
}

func (p *condParser) primary() (cond, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("ends where a selection was expected")
	case t == "(":
		p.i++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("( without )")
		}
		p.i++
		return c, nil
	case t == ")" || t == "|" || strings.EqualFold(t, "and") || strings.EqualFold(t, "or"):
		return nil, fmt.Errorf("unexpected %q", t)
	}
	if p.i+1 < len(p.toks) && strings.EqualFold(p.toks[p.i+1], "of") {
		return p.of()
	}
	p.i++
	s, ok := p.sels[t]
	if !ok {
		return nil, fmt.Errorf("no selection is named %q", t)
	}
	return selCond{s}, nil
}

// of reads "1 of x*", "all of them".
func (p *condParser) of() (cond, error) {
	q := strings.ToLower(p.toks[p.i])
	p.i += 2
	target := p.peek()
	if target == "" {
		return nil, fmt.Errorf("%q of what?", q)
	}
	p.i++
	var names []string
	for name := range p.sels {
		if target == "them" {
			if !strings.HasPrefix(name, "_") {
				names = append(names, name)
			}
		} else if ok, _ := path.Match(target, name); ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no selection matches %q", target)
	}
	slices.Sort(names)
	var cs []cond
	for _, n := range names {
		cs = append(cs, selCond{p.sels[n]})
	}
	switch q {
	case "all":
		return andCond(cs), nil
	case "1", "any":
		return orCond(cs), nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%q of: a count, 1 or all", q)
	}
	return atLeast{n: n, cs: cs}, nil
}

type atLeast struct {
	n  int
	cs []cond
}

func (c atLeast) eval(e *Event) bool {
	k := 0
	for _, x := range c.cs {
		if x.eval(e) {
			if k++; k >= c.n {
				return true
			}
		}
	}
	return false
}
