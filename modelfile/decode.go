package modelfile

import (
	"context"
	"encoding"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wardhealth/ward"
	"go.yaml.in/yaml/v3"
)

// decoder fills domain values from a YAML node tree by reflection over their
// json tags, collecting every type error instead of stopping at the first.
type decoder struct {
	ctx         context.Context
	file        string
	lim         Limits
	errs        Errors
	aliasBudget int
	bombed      bool
	// merged holds the resolved pairs of each mapping merged (<<) so far:
	// a mapping merged many times is resolved once.
	merged map[*yaml.Node][][2]*yaml.Node
	// work counts the steps taken, and stopped is the context's error once
	// it has ended: decoding checks it every checkEvery steps.
	work, nextCheck int
	stopped         error
}

// checkEvery is how many decoding steps pass between looks at the context.
const checkEvery = 1 << 12

// step counts n steps of work and tells whether to go on.
func (d *decoder) step(n int) bool {
	if d.stopped != nil {
		return false
	}
	d.work += n
	if d.work >= d.nextCheck {
		d.nextCheck = d.work + checkEvery
		if err := d.ctx.Err(); err != nil {
			d.stopped = err
			return false
		}
	}
	return true
}

// charge takes the nodes an alias or a merge stands for from the budget;
// false (and one error) once the budget is spent.
func (d *decoder) charge(target, at *yaml.Node, path string) bool {
	if d.bombed {
		return false
	}
	d.aliasBudget -= d.countNodes(target, d.aliasBudget+1)
	if d.aliasBudget < 0 {
		d.bombed = true
		d.fail(at, path, fmt.Sprintf("YAML aliases and merge keys (<<) expand to more than %d nodes", d.lim.MaxAliasNodes), "the file looks like an alias bomb; write the values out")
		return false
	}
	return true
}

func (d *decoder) fail(n *yaml.Node, path, msg, hint string) {
	if len(d.errs) >= ward.MaxErrors {
		return
	}
	d.errs = append(d.errs, Error{File: d.file, Line: n.Line, Column: n.Column, Field: path, Message: msg, Hint: hint})
}

func (d *decoder) decodeRoot(root *yaml.Node, v reflect.Value) {
	n := root
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			d.fail(n, "", "empty document", "a model starts with `ward: 1` and an organisation")
			return
		}
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "", "the document must be a mapping of fields", "a model starts with `ward: 1` and an organisation")
		return
	}
	d.value(n, v, "", 0)
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, depth int) {
	if depth > d.lim.MaxDepth {
		d.fail(n, path, fmt.Sprintf("nesting deeper than %d levels", d.lim.MaxDepth), "")
		return
	}
	if !d.step(1) {
		return
	}
	if n.Kind == yaml.AliasNode {
		if d.charge(n.Alias, n, path) {
			d.value(n.Alias, v, path, depth+1)
		}
		return
	}
	if isNull(n) {
		v.SetZero()
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(textUnmarshaler) {
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected a single value, found "+kindName(n), "")
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.fail(n, path, err.Error(), "")
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "expected text, found "+kindName(n), "")
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || err != nil {
			d.fail(n, path, fmt.Sprintf("expected true or false, found %s", describe(n)), "")
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil || v.OverflowInt(i) {
			d.fail(n, path, fmt.Sprintf("expected a whole number, found %s", describe(n)), "")
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		x, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			d.fail(n, path, fmt.Sprintf("expected a number, found %s", describe(n)), "")
			return
		}
		v.SetFloat(x)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.value(n, p.Elem(), path, depth)
		v.Set(p)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "expected a list, found "+kindName(n), "write one item per line, each starting with `- `, or [a, b]")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(item, s.Index(i), path+"["+strconv.Itoa(i)+"]", depth+1)
		}
		v.Set(s)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "expected a mapping of fields, found "+kindName(n), "")
			return
		}
		d.fields(n, v, path, depth)
	default:
		panic("modelfile: no decoding for " + v.Type().String())
	}
}

// fields decodes a mapping into a struct. Merge keys (<<) are honoured:
// explicit keys override merged ones.
func (d *decoder) fields(n *yaml.Node, v reflect.Value, path string, depth int) {
	info := structFields(v.Type())
	pairs := d.pairs(n, path, depth)
	prefix := path
	if prefix != "" {
		prefix += "."
	}
	for _, kv := range pairs {
		key, val := kv[0], kv[1]
		idx, ok := info.index[key.Value]
		if !ok {
			hint := ""
			if c := ward.Closest(key.Value, info.names); c != "" {
				hint = fmt.Sprintf("did you mean %q?", c)
			} else {
				hint = "known fields: " + strings.Join(info.names, ", ")
			}
			d.fail(key, prefix+key.Value, fmt.Sprintf("unknown field %q", key.Value), hint)
			continue
		}
		d.value(val, info.field(v, idx), prefix+key.Value, depth+1)
	}
}

// pairs lists a mapping's key/value nodes with merges resolved and
// duplicate keys reported. A merged mapping costs the alias budget what it
// expands to, and is resolved once however often it is merged.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) [][2]*yaml.Node {
	if !d.step(len(n.Content) / 2) {
		return nil
	}
	var merged [][2]*yaml.Node
	own := newPairSet(len(n.Content) / 2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			d.fail(key, path, "mapping keys must be plain names", "")
			continue
		}
		if key.Tag == "!!merge" {
			for _, src := range mergeSources(val) {
				m := src.node
				if m.Kind != yaml.MappingNode {
					d.fail(src.at, path, "a merge key (<<) must refer to a mapping", "")
					continue
				}
				if depth > d.lim.MaxDepth {
					d.fail(src.at, path, fmt.Sprintf("merge keys (<<) nested deeper than %d levels", d.lim.MaxDepth), "")
					continue
				}
				if src.alias && !d.charge(m, src.at, path) {
					return own.list
				}
				resolved, done := d.merged[m]
				if !done {
					resolved = d.pairs(m, path, depth+1)
					if d.merged == nil {
						d.merged = map[*yaml.Node][][2]*yaml.Node{}
					}
					d.merged[m] = resolved
				}
				merged = append(merged, resolved...)
			}
			continue
		}
		if !own.add(key, val) {
			p := key.Value
			if path != "" {
				p = path + "." + key.Value
			}
			d.fail(key, p, fmt.Sprintf("duplicate field %q", key.Value), "the later value would silently win; keep one")
		}
	}
	if len(merged) == 0 {
		return own.list
	}
	// Explicit keys override merged ones, and an earlier merge a later one.
	for _, kv := range merged {
		own.add(kv[0], kv[1])
	}
	return own.list
}

// pairSet is a mapping's pairs in order, each key once; keys are looked up
// in a map once there are more than a few, so a mapping of many keys does
// not cost their square.
type pairSet struct {
	list [][2]*yaml.Node
	keys map[string]bool
}

func newPairSet(n int) *pairSet {
	return &pairSet{list: make([][2]*yaml.Node, 0, n)}
}

// add adds a pair unless its key is there already.
func (s *pairSet) add(key, val *yaml.Node) bool {
	if s.keys == nil && len(s.list) >= 16 {
		s.keys = make(map[string]bool, 2*len(s.list))
		for _, kv := range s.list {
			s.keys[kv[0].Value] = true
		}
	}
	if s.keys != nil {
		if s.keys[key.Value] {
			return false
		}
		s.keys[key.Value] = true
	} else {
		for _, kv := range s.list {
			if kv[0].Value == key.Value {
				return false
			}
		}
	}
	s.list = append(s.list, [2]*yaml.Node{key, val})
	return true
}

// mergeSource is one mapping a merge key names: the node, where it is
// named, and whether through an alias.
type mergeSource struct {
	node, at *yaml.Node
	alias    bool
}

func mergeSources(val *yaml.Node) []mergeSource {
	one := func(n *yaml.Node) mergeSource {
		if n.Kind == yaml.AliasNode {
			return mergeSource{node: n.Alias, at: n, alias: true}
		}
		return mergeSource{node: n, at: n}
	}
	if val.Kind == yaml.AliasNode {
		val = val.Alias
	}
	if val.Kind == yaml.SequenceNode {
		out := make([]mergeSource, 0, len(val.Content))
		for _, c := range val.Content {
			out = append(out, one(c))
		}
		return out
	}
	return []mergeSource{one(val)}
}

// countNodes counts the nodes under n, following aliases, and stops once
// past limit.
func (d *decoder) countNodes(n *yaml.Node, limit int) int {
	count := 0
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if count > limit || depth > 10_000 {
			count = limit + 1
			return
		}
		count++
		if n.Kind == yaml.AliasNode {
			walk(n.Alias, depth+1)
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	d.step(count)
	return count
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return describe(n)
}

func describe(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return kindName(n)
	}
	return strconv.Quote(n.Value)
}

// fieldInfo lists a struct's fields as encoding/json sees them: by their
// JSON names, the fields of an embedded struct (or pointer to one) in its
// place, as if they were the outer struct's.
type fieldInfo struct {
	index  map[string]int // by JSON name: the field's ordinal in names and path
	names  []string
	path   [][]int // per field: its index sequence, through embedded structs
	fields []reflect.StructField
}

var fieldCache sync.Map // reflect.Type -> *fieldInfo

func structFields(t reflect.Type) *fieldInfo {
	if fi, ok := fieldCache.Load(t); ok {
		return fi.(*fieldInfo)
	}
	fi := &fieldInfo{index: map[string]int{}}
	var walk func(t reflect.Type, at []int)
	walk = func(t reflect.Type, at []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				if e := derefType(f.Type); e.Kind() == reflect.Struct {
					walk(e, append(slices.Clip(at), i))
					continue
				}
			}
			if name == "" || name == "-" {
				continue
			}
			fi.index[name] = len(fi.names)
			fi.names = append(fi.names, name)
			fi.path = append(fi.path, append(slices.Clip(at), i))
			fi.fields = append(fi.fields, f)
		}
	}
	walk(t, nil)
	fieldCache.Store(t, fi)
	return fi
}

// field is struct v's field k (an index into names), the embedded
// pointers on its way made when nil, as encoding/json makes them.
func (fi *fieldInfo) field(v reflect.Value, k int) reflect.Value {
	for _, i := range fi.path[k] {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v
}
