package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Rule is a Sigma rule: a detection over single events, or a correlation
// (event_count, value_count, temporal, temporal_ordered) over the hits of
// other rules.
type Rule struct {
	ID          string   `json:"id,omitempty"`
	Name        string   `json:"name,omitempty"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Level       string   `json:"level,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Techniques are the ATT&CK technique ids of the tags (attack.t1110.003 is T1110.003).
	Techniques []string `json:"techniques,omitempty"`
	// File and Line say where the rule was read.
	File string `json:"file"`
	Line int    `json:"line"`

	logsource   logsource
	selections  map[string]*selection
	cond        cond
	correlation *correlation
	// silent is set on a rule a correlation uses, unless it says
	// generate: true: its single hits are not detections of their own.
	silent bool
	// listeners are the correlations that use this rule.
	listeners []*Rule
	// why is what a detection of the rule says it measured.
	why string
}

// IsCorrelation says the rule counts hits of other rules.
func (r *Rule) IsCorrelation() bool { return r.correlation != nil }

type logsource struct{ product, service, category string }

func (l logsource) match(e *Event) bool {
	if l.product != "" && l.product != e.Product {
		return false
	}
	if l.service != "" && l.service != e.Service && (l.service != "auth" || e.Service != "sshd") {
		return false
	}
	return l.category == "" || e.hasCategory(l.category)
}

// RuleError is a mistake in a rule file, at a line and column.
type RuleError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

func errAt(file string, n *yaml.Node, format string, a ...any) error {
	return &RuleError{File: file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, a...)}
}

// ParseRules reads the rules of one YAML file (several documents apart by
// ---). Every mistake is reported with its line and column.
func ParseRules(file string, data []byte) ([]*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var rules []*Rule
	var errs []error
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		r, err := parseRule(file, doc.Content[0])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	return rules, errors.Join(errs...)
}

func parseRule(file string, n *yaml.Node) (*Rule, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "a Sigma rule is a mapping")
	}
	r := &Rule{File: file, Line: n.Line}
	var detection, corr, ls *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "title", "id", "name", "level", "description", "status":
			if v.Kind != yaml.ScalarNode {
				return nil, errAt(file, v, "%s must be text", k.Value)
			}
			switch k.Value {
			case "title":
				r.Title = v.Value
			case "id":
				r.ID = v.Value
			case "name":
				r.Name = v.Value
			case "level":
				r.Level = v.Value
				if !slices.Contains([]string{"informational", "low", "medium", "high", "critical"}, v.Value) {
					return nil, errAt(file, v, "level %q is none of informational, low, medium, high, critical", v.Value)
				}
			case "description":
				r.Description = v.Value
			}
		case "tags":
			if err := v.Decode(&r.Tags); err != nil {
				return nil, errAt(file, v, "tags must be a list of text")
			}
		case "logsource":
			ls = v
		case "detection":
			detection = v
		case "correlation":
			corr = v
		}
	}
	if r.Title == "" {
		return nil, errAt(file, n, "the rule has no title")
	}
	for _, t := range r.Tags {
		if rest, ok := strings.CutPrefix(strings.ToLower(t), "attack.t"); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			r.Techniques = append(r.Techniques, "T"+strings.ToUpper(rest))
		}
	}
	switch {
	case detection != nil && corr != nil:
		return nil, errAt(file, corr, "a rule has detection or correlation, not both")
	case corr != nil:
		c, err := parseCorrelation(file, corr)
		if err != nil {
			return nil, err
		}
		r.correlation = c
		return r, nil
	case detection == nil:
		return nil, errAt(file, n, "the rule has no detection (nor correlation)")
	}
	if ls != nil {
		var l map[string]string
		if err := ls.Decode(&l); err != nil {
			return nil, errAt(file, ls, "logsource must map product, service, category to text")
		}
		r.logsource = logsource{product: strings.ToLower(l["product"]), service: strings.ToLower(l["service"]), category: strings.ToLower(l["category"])}
	}
	return r, parseDetection(file, r, detection)
}

func parseDetection(file string, r *Rule, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errAt(file, n, "detection must be a mapping of selections and a condition")
	}
	r.selections = map[string]*selection{}
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "condition" {
			condNode = v
			continue
		}
		if k.Value == "timeframe" {
			return errAt(file, k, "timeframe belongs to a correlation rule (correlation: timespan)")
		}
		s, err := parseSelection(file, v)
		if err != nil {
			return err
		}
		r.selections[k.Value] = s
	}
	if condNode == nil {
		return errAt(file, n, "detection has no condition")
	}
	var texts []string
	switch condNode.Kind {
	case yaml.ScalarNode:
		texts = []string{condNode.Value}
	case yaml.SequenceNode:
		for _, c := range condNode.Content {
			texts = append(texts, c.Value)
		}
	default:
		return errAt(file, condNode, "condition must be text")
	}
	var alts []cond
	for _, t := range texts {
		c, err := parseCondition(t, r.selections)
		if err != nil {
			return errAt(file, condNode, "condition: %v", err)
		}
		alts = append(alts, c)
	}
	if len(alts) == 1 {
		r.cond = alts[0]
	} else {
		r.cond = orCond(alts)
	}
	return nil
}

// selection is one named search: maps of fields (any of them), or
// keywords (any of them, in the whole line).
type selection struct {
	maps     [][]fieldMatch
	keywords []valueMatcher
}

type fieldMatch struct {
	field  Field
	name   string // the name, when the field is only in Extra
	known  bool
	values []valueMatcher
	all    bool
}

func (f *fieldMatch) get(e *Event) string {
	if f.known {
		return e.fields[f.field]
	}
	v, _ := e.GetName(f.name)
	return v
}

func (s *selection) match(e *Event) bool {
	for i := range s.keywords {
		if s.keywords[i].match(e.Raw) {
			return true
		}
	}
	for _, m := range s.maps {
		if matchAll(m, e) {
			return true
		}
	}
	return false
}

func matchAll(m []fieldMatch, e *Event) bool {
	for i := range m {
		f := &m[i]
		v := f.get(e)
		ok := f.all
		for j := range f.values {
			hit := f.values[j].match(v)
			if f.all && !hit {
				ok = false
				break
			}
			if !f.all && hit {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func parseSelection(file string, n *yaml.Node) (*selection, error) {
	s := &selection{}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for _, item := range items {
		switch item.Kind {
		case yaml.MappingNode:
			m, err := parseFieldMap(file, item)
			if err != nil {
				return nil, err
			}
			s.maps = append(s.maps, m)
		case yaml.ScalarNode:
			// A keyword: anywhere in the line.
			v, err := newMatcher("*"+item.Value+"*", false, nil)
			if err != nil {
				return nil, errAt(file, item, "%v", err)
			}
			s.keywords = append(s.keywords, v)
		default:
			return nil, errAt(file, item, "a selection is a map of fields, or a list of maps or keywords")
		}
	}
	return s, nil
}

func parseFieldMap(file string, n *yaml.Node) ([]fieldMatch, error) {
	var out []fieldMatch
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		parts := strings.Split(k.Value, "|")
		if parts[0] == "" {
			return nil, errAt(file, k, "a field name is empty")
		}
		f := fieldMatch{name: parts[0]}
		f.field, f.known = lookupField(parts[0])
		mods := parts[1:]
		f.all = slices.Contains(mods, "all")
		var vals []*yaml.Node
		switch v.Kind {
		case yaml.ScalarNode:
			vals = []*yaml.Node{v}
		case yaml.SequenceNode:
			vals = v.Content
		default:
			return nil, errAt(file, v, "the value of %s must be text or a list", parts[0])
		}
		for _, x := range vals {
			if x.Kind != yaml.ScalarNode {
				return nil, errAt(file, x, "the value of %s must be text", parts[0])
			}
			m, err := newMatcher(x.Value, x.Tag == "!!null", mods)
			if err != nil {
				return nil, errAt(file, k, "%s: %v", parts[0], err)
			}
			f.values = append(f.values, m)
		}
		if len(f.values) == 0 {
			return nil, errAt(file, v, "%s has no value to match", parts[0])
		}
		out = append(out, f)
	}
	return out, nil
}

// correlation counts the hits of other rules in a time span, per group.
type correlation struct {
	kind    string
	refs    []string
	rules   []*Rule
	groupBy []fieldMatch
	span    time.Duration
	// the condition: count >= min (gt is min = n+1); for value_count, of
	// distinct values of field.
	min      int
	field    fieldMatch
	generate bool
}

func parseCorrelation(file string, n *yaml.Node) (*correlation, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "correlation must be a mapping")
	}
	c := &correlation{}
	var condNode, spanNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "type":
			c.kind = v.Value
			if !slices.Contains([]string{"event_count", "value_count", "temporal", "temporal_ordered"}, v.Value) {
				return nil, errAt(file, v, "correlation type %q is none of event_count, value_count, temporal, temporal_ordered", v.Value)
			}
		case "rules":
			if err := v.Decode(&c.refs); err != nil {
				return nil, errAt(file, v, "rules must be a list of rule names or ids")
			}
		case "group-by":
			var names []string
			if err := v.Decode(&names); err != nil {
				return nil, errAt(file, v, "group-by must be a list of fields")
			}
			for _, name := range names {
				f := fieldMatch{name: name}
				f.field, f.known = lookupField(name)
				c.groupBy = append(c.groupBy, f)
			}
		case "timespan":
			spanNode = v
			d, err := parseTimespan(v.Value)
			if err != nil {
				return nil, errAt(file, v, "timespan: %v", err)
			}
			c.span = d
		case "condition":
			condNode = v
		case "generate":
			c.generate = v.Value == "true"
		}
	}
	switch {
	case c.kind == "":
		return nil, errAt(file, n, "correlation has no type")
	case len(c.refs) == 0:
		return nil, errAt(file, n, "correlation names no rules")
	case spanNode == nil:
		return nil, errAt(file, n, "correlation has no timespan")
	}
	if c.kind == "temporal" || c.kind == "temporal_ordered" {
		c.min = len(c.refs)
		return c, nil
	}
	if condNode == nil || condNode.Kind != yaml.MappingNode {
		return nil, errAt(file, n, "%s needs a condition such as {gte: 10}", c.kind)
	}
	for i := 0; i+1 < len(condNode.Content); i += 2 {
		k, v := condNode.Content[i], condNode.Content[i+1]
		switch k.Value {
		case "field":
			c.field = fieldMatch{name: v.Value}
			c.field.field, c.field.known = lookupField(v.Value)
		case "gte", "gt":
			x, err := strconv.Atoi(v.Value)
			if err != nil || x < 1 {
				return nil, errAt(file, v, "%s must be a whole number of at least 1", k.Value)
			}
			if k.Value == "gt" {
				x++
			}
			c.min = x
		case "lt", "lte", "eq", "neq":
			return nil, errAt(file, k, "condition %s: Ward counts only upwards (gte, gt)", k.Value)
		default:
			return nil, errAt(file, k, "condition %s is none of field, gte, gt", k.Value)
		}
	}
	if c.min == 0 {
		return nil, errAt(file, condNode, "condition needs gte or gt")
	}
	if c.kind == "value_count" && c.field.name == "" {
		return nil, errAt(file, condNode, "value_count needs the field whose distinct values it counts")
	}
	return c, nil
}

// parseTimespan reads Sigma's 30s, 10m, 1h, 2d.
func parseTimespan(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a number and a unit (s, m, h, d)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a number and a unit (s, m, h, d)", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("%q: the unit is none of s, m, h, d", s)
	}
	return time.Duration(n) * unit, nil
}

// Link resolves the rules correlations name, by name or id, and marks the
// rules they use silent unless the correlation generates them.
func Link(rules []*Rule) error {
	by := map[string]*Rule{}
	for _, r := range rules {
		for _, k := range []string{r.ID, r.Name} {
			if k == "" {
				continue
			}
			if o, ok := by[k]; ok && o != r {
				return fmt.Errorf("%s:%d: rule %q is also at %s:%d", r.File, r.Line, k, o.File, o.Line)
			}
			by[k] = r
		}
	}
	for _, r := range rules {
		c := r.correlation
		if c == nil {
			continue
		}
		c.rules = c.rules[:0]
		for _, ref := range c.refs {
			u, ok := by[ref]
			if !ok {
				return fmt.Errorf("%s:%d: correlation %q uses rule %q, which no rule file has", r.File, r.Line, r.Title, ref)
			}
			if u == r {
				return fmt.Errorf("%s:%d: correlation %q uses itself", r.File, r.Line, r.Title)
			}
			c.rules = append(c.rules, u)
			if !c.generate {
				u.silent = true
			}
			if !slices.Contains(u.listeners, r) {
				u.listeners = append(u.listeners, r)
			}
		}
	}
	// A loop of correlations would never end.
	var visit func(r *Rule, depth int) error
	visit = func(r *Rule, depth int) error {
		if depth > len(rules) {
			return fmt.Errorf("%s:%d: correlation %q uses itself through others", r.File, r.Line, r.Title)
		}
		for _, l := range r.listeners {
			if err := visit(l, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range rules {
		if err := visit(r, 0); err != nil {
			return err
		}
	}
	return nil
}

// LoadDir reads every .yml and .yaml file under a directory of the file
// system, named in errors by their paths there.
func LoadDir(dir string) ([]*Rule, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	return loadRules(os.DirFS(dir), ".", func(p string) string { return filepath.Join(dir, p) })
}

// LoadRules reads every .yml and .yaml file under dir in fsys.
func LoadRules(fsys fs.FS, dir string) ([]*Rule, error) {
	return loadRules(fsys, dir, func(p string) string { return p })
}

func loadRules(fsys fs.FS, dir string, name func(string) string) ([]*Rule, error) {
	var rules []*Rule
	var errs []error
	err := fs.WalkDir(fsys, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || (filepath.Ext(path) != ".yml" && filepath.Ext(path) != ".yaml") {
			return nil
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		rs, err := ParseRules(name(path), data)
		if err != nil {
			errs = append(errs, err)
		}
		rules = append(rules, rs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rules, errors.Join(errs...)
}
