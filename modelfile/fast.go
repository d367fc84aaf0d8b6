package modelfile

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"runtime"
	"sync"

	"github.com/wardhealth/ward"
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m ward.Model
	if err := dec.Decode(&m); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	// encoding/json matches field names regardless of case and lets a
	// repeated key win silently; the general path refuses both.
	if !exactUniqueKeys(data) {
		return nil, false
	}
	return &m, true
}

var knownKeys = sync.OnceValue(func() map[string]bool {
	keys := map[string]bool{}
	var walk func(t reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		fi := structFields(t)
		for name, i := range fi.index {
			keys[name] = true
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeFor[ward.Model]())
	return keys
})

// exactUniqueKeys scans syntactically valid JSON and reports whether every
// object key is spelt exactly as a model field and appears once per object.
func exactUniqueKeys(data []byte) bool {
	known := knownKeys()
	var stack []map[string]bool
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '{':
			stack = append(stack, map[string]bool{})
		case '}':
			stack = stack[:len(stack)-1]
		case '"':
			start := i + 1
			escaped := false
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
			if escaped || len(stack) == 0 {
				return false
			}
			key := string(data[start:i])
			if !known[key] || stack[len(stack)-1][key] {
				return false
			}
			stack[len(stack)-1][key] = true
		}
	}
	return true
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
func parseYAMLSections(data []byte) (*yaml.Node, bool) {
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
				if itemPrefix != nil && off-last >= yamlChunk && bytes.HasPrefix(l, itemPrefix) {
					pieces[len(pieces)-1].end = off
					pieces = append(pieces, &piece{start: off, line: line})
					last = off
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
				itemPrefix, last = nil, off
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
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, p := range pieces {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var doc yaml.Node
			p.err = yaml.Unmarshal(data[p.start:p.end], &doc)
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
