package modelfile

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"runtime"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/parallel"
	"go.yaml.in/yaml/v3"
)

// Reading is tuned for the common case, a valid file: JSON is decoded
// straight into the domain types, and a large YAML file's top-level sections
// are parsed side by side. Whenever a fast path meets anything unusual it
// gives up, and the general path, which explains every problem with its
// position, reads the file instead. Both paths accept exactly the same files.

// fastJSON decodes a JSON model with encoding/json. ok is false when the
// file has any problem the general path must explain.
func fastJSON(data []byte) (*ward.Model, bool) {
	// encoding/json ignores unknown fields, matches names regardless of
	// case and lets a repeated key win silently; the general path refuses
	// all three, so the keys are checked first.
	counts, ok := strictKeys(data)
	if !ok {
		return nil, false
	}
	// Sized lists spare encoding/json from growing them element by
	// element, which costs more than the decoding on a large model.
	m := ward.Model{
		Zones:    sized[ward.Zone](counts["zones"]),
		Assets:   sized[ward.Asset](counts["assets"]),
		Links:    sized[ward.Link](counts["links"]),
		Services: sized[ward.Service](counts["services"]),
		Controls: sized[ward.Control](counts["controls"]),
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, false
	}
	return &m, true
}

func sized[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// keyFrame is one open object or array while strictKeys scans.
type keyFrame struct {
	array bool
	typ   reflect.Type // the struct an object decodes into; an array's element type
	seen  uint64       // fields met so far in an object, by index
	key   string       // the top-level key an array is the value of
	items int          // objects met so far in an array
}

// strictKeys scans JSON and reports whether every object key names, exactly
// and once, a field of the domain type the object decodes into. It gives up
// (false) on anything unusual, such as an escape in a key; encoding/json
// checks the syntax itself. It also counts the items of each top-level list.
func strictKeys(data []byte) (counts map[string]int, ok bool) {
	return strictKeysOf(data, reflect.TypeFor[ward.Model]())
}

// strictKeysOf is strictKeys for a value of type typ: a model, or one of
// its fields or list items when a file is streamed.
func strictKeysOf(data []byte, typ reflect.Type) (counts map[string]int, ok bool) {
	counts = map[string]int{}
	_, ok = scanKeys(data, typ, counts, make([]keyFrame, 0, 8))
	return counts, ok
}

// scanKeys is strictKeysOf counting into counts unless it is nil, with
// stack's room for its frames, which it returns for the next call: a
// streamed file scans each of its items alike.
func scanKeys(data []byte, typ reflect.Type, counts map[string]int, stack []keyFrame) ([]keyFrame, bool) {
	stack = stack[:0]
	next := typ // type of the coming value
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{':
			t := derefType(next)
			if t == nil || t.Kind() != reflect.Struct {
				return stack, false
			}
			if len(stack) > 0 {
				stack[len(stack)-1].items++
			}
			stack = append(stack, keyFrame{typ: t})
			next = nil
		case '[':
			t := derefType(next)
			if t == nil || t.Kind() != reflect.Slice {
				return stack, false
			}
			key := ""
			if len(stack) > 0 {
				key = stack[len(stack)-1].key
			}
			stack = append(stack, keyFrame{array: true, typ: t.Elem(), key: key})
			next = t.Elem()
		case '}', ']':
			if len(stack) == 0 {
				return stack, false
			}
			if f := stack[len(stack)-1]; counts != nil && f.array && len(stack) == 2 {
				counts[f.key] = f.items
			}
			stack = stack[:len(stack)-1]
			next = nil
			if len(stack) > 0 && stack[len(stack)-1].array {
				next = stack[len(stack)-1].typ
			}
		case ',':
			if len(stack) > 0 && stack[len(stack)-1].array {
				next = stack[len(stack)-1].typ
			}
		case '"':
			start, escaped := i+1, false
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					escaped = true
					i++
				}
			}
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\r' || data[j] == '\n') {
				j++
			}
			if j >= len(data) || data[j] != ':' {
				continue // a value, not a key
			}
			if escaped || len(stack) == 0 || stack[len(stack)-1].array {
				return stack, false
			}
			f := &stack[len(stack)-1]
			info := structFields(f.typ)
			idx, known := info.index[string(data[start:i])]
			if !known || idx >= 64 || f.seen&(1<<idx) != 0 {
				return stack, false
			}
			f.seen |= 1 << idx
			if len(stack) == 1 {
				f.key = string(data[start:i])
			}
			next = info.fields[idx].Type
			i = j
		}
	}
	return stack, len(stack) == 0
}

func derefType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// minParallelYAML is the size from which a YAML file is parsed in parallel;
// below it, starting goroutines costs more than it saves.
const minParallelYAML = 1 << 20

// yamlChunk is the size a long top-level list is cut into for parsing.
const yamlChunk = 256 << 10

// parseYAMLSections parses a large block-style YAML file in pieces, side by
// side: each top-level section ("zones:", "assets:", ...), and each long
// list cut between its items. The pieces' trees are joined into the tree
// one parse would give. ok is false if the file is not plain block style, or
// if any piece fails alone (say, an alias to an anchor in another piece).
func parseYAMLSections(ctx context.Context, data []byte) (*yaml.Node, bool) {
	type piece struct {
		start, end, line int
		head             bool // starts a section ("key:"); else list items
		node             *yaml.Node
		err              error
	}
	var pieces []*piece
	line := 1
	itemPrefix := []byte(nil) // "  - " of the current section's list
	last := 0                 // where the current piece began
	cut := false              // the current section's list was cut
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data) - off
		}
		l := data[off : off+end]
		if len(l) > 0 {
			switch c := l[0]; {
			case c == ' ' || c == '-':
				if itemPrefix == nil {
					if i := bytes.Index(l, []byte("- ")); i >= 0 && len(bytes.TrimLeft(l[:i], " ")) == 0 {
						itemPrefix = append([]byte(nil), l[:i+2]...)
					}
				}
				if cut && lessIndented(l, len(itemPrefix)-2) {
					return nil, false // a piece alone would read it otherwise
				}
				if itemPrefix != nil && off-last >= yamlChunk && bytes.HasPrefix(l, itemPrefix) {
					pieces[len(pieces)-1].end = off
					pieces = append(pieces, &piece{start: off, line: line})
					last, cut = off, true
				}
			case c == '#' || c == '\r':
			case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_':
				if bytes.IndexByte(l, ':') < 0 {
					return nil, false
				}
				if len(pieces) > 0 {
					pieces[len(pieces)-1].end = off
				}
				pieces = append(pieces, &piece{start: off, line: line, head: true})
				itemPrefix, last, cut = nil, off, false
			default: // documents, directives, flow style, anchors at the top
				return nil, false
			}
		}
		off += end + 1
		line++
	}
	if len(pieces) < 2 || !pieces[0].head {
		return nil, false
	}
	pieces[len(pieces)-1].end = len(data)
	var wg parallel.Group
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, p := range pieces {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var doc yaml.Node
			p.err = yaml.NewDecoder(ctxReader{ctx, bytes.NewReader(data[p.start:p.end])}).Decode(&doc)
			p.node = &doc
			if p.err == nil && len(doc.Content) == 1 {
				shiftLines(doc.Content[0], p.line-1)
			}
		})
	}
	wg.Wait()
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: pieces[0].line, Column: 1}
	var list *yaml.Node // the list the current section holds
	for _, p := range pieces {
		if p.err != nil || len(p.node.Content) != 1 {
			return nil, false
		}
		n := p.node.Content[0]
		if p.head {
			if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
				return nil, false
			}
			root.Content = append(root.Content, n.Content...)
			list = n.Content[1]
			continue
		}
		if n.Kind != yaml.SequenceNode || list == nil || list.Kind != yaml.SequenceNode {
			return nil, false
		}
		list.Content = append(list.Content, n.Content...)
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: 1, Column: 1, Content: []*yaml.Node{root}}, true
}

func shiftLines(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}
