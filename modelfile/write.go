package modelfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"go.yaml.in/yaml/v3"
)

// Write writes a model as a model file. Fields keep the order of the
// domain types, so YAML and JSON read alike, and reading the output gives
// back an equal model. The model's lists are encoded one item at a time,
// so that writing a hospital of 100,000 assets holds one asset's encoding
// at a time, not the whole document's (which took gigabytes as a YAML
// node tree).
func Write(w io.Writer, m *ward.Model, f Format) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var err error
	if f == JSON {
		err = writeJSON(bw, m)
	} else {
		err = writeYAML(bw, m)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// section is one top-level field of a model: its key and, for a list
// written item by item, the list; otherwise its value as JSON.
type section struct {
	key   string
	list  reflect.Value
	value json.RawMessage
}

// sections lists a model's top-level fields in the order encoding/json
// writes them. The lists it leaves out when empty (omitempty) are given as
// lists when they hold anything; everything else comes from encoding the
// model with those lists emptied, so that what is written is what
// encoding/json writes.
func sections(m *ward.Model) ([]section, error) {
	skeleton := *m
	v := reflect.ValueOf(&skeleton).Elem()
	t := v.Type()
	lists := map[string]reflect.Value{}
	var order []string
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		order = append(order, name)
		fv := v.Field(i)
		if sf.Type.Kind() == reflect.Slice && slices.Contains(strings.Split(opts, ","), "omitempty") && fv.Len() > 0 {
			lists[name] = reflect.ValueOf(m).Elem().Field(i)
			fv.SetZero()
		}
	}
	data, err := json.Marshal(&skeleton)
	if err != nil {
		return nil, fmt.Errorf("encode model: %w", err)
	}
	var rest map[string]json.RawMessage
	if err := json.Unmarshal(data, &rest); err != nil {
		return nil, fmt.Errorf("encode model: %w", err)
	}
	var out []section
	for _, name := range order {
		if l, ok := lists[name]; ok {
			out = append(out, section{key: name, list: l})
		} else if raw, ok := rest[name]; ok {
			out = append(out, section{key: name, value: raw})
		}
	}
	return out, nil
}

// writeJSON writes what json.Indent of the whole encoding with an indent
// of two spaces gives.
func writeJSON(w *bufio.Writer, m *ward.Model) error {
	secs, err := sections(m)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	indent := func(raw []byte, prefix string) error {
		buf.Reset()
		if err := json.Indent(&buf, raw, prefix, "  "); err != nil {
			return err
		}
		w.Write(buf.Bytes())
		return nil
	}
	w.WriteString("{")
	for i, sec := range secs {
		if i > 0 {
			w.WriteString(",")
		}
		key, _ := json.Marshal(sec.key)
		w.WriteString("\n  ")
		w.Write(key)
		w.WriteString(": ")
		if !sec.list.IsValid() {
			if err := indent(sec.value, "  "); err != nil {
				return err
			}
			continue
		}
		w.WriteString("[")
		for j := range sec.list.Len() {
			item, err := json.Marshal(sec.list.Index(j).Addr().Interface())
			if err != nil {
				return fmt.Errorf("encode model: %w", err)
			}
			if j > 0 {
				w.WriteString(",")
			}
			w.WriteString("\n    ")
			if err := indent(item, "    "); err != nil {
				return err
			}
		}
		w.WriteString("\n  ]")
	}
	if len(secs) > 0 {
		w.WriteString("\n")
	}
	w.WriteString("}\n")
	return nil
}

// writeYAML writes one section, and each list one item, at a time: the
// YAML encoder slows down badly on a whole large document, and this way
// memory stays small. The result is what encoding the whole tree with an
// indent of 2 gives.
func writeYAML(w *bufio.Writer, m *ward.Model) error {
	secs, err := sections(m)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	encode := func(n *yaml.Node) ([]byte, error) {
		buf.Reset()
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(n); err != nil {
			return nil, fmt.Errorf("encode model: %w", err)
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	for _, sec := range secs {
		if !sec.list.IsValid() {
			val, err := JSONToYAML(sec.value)
			if err != nil {
				return err
			}
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: sec.key}
			out, err := encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, val.Content[0]}})
			if err != nil {
				return err
			}
			w.Write(out)
			continue
		}
		w.WriteString(sec.key)
		w.WriteString(":\n")
		for j := range sec.list.Len() {
			data, err := json.Marshal(sec.list.Index(j).Addr().Interface())
			if err != nil {
				return fmt.Errorf("encode model: %w", err)
			}
			item, err := JSONToYAML(data)
			if err != nil {
				return err
			}
			out, err := encode(item.Content[0])
			if err != nil {
				return err
			}
			prefix := "  - "
			for len(out) > 0 {
				line, rest, _ := bytes.Cut(out, []byte("\n"))
				w.WriteString(prefix)
				w.Write(line)
				w.WriteByte('\n')
				prefix, out = "    ", rest
			}
		}
	}
	return nil
}

// JSONToYAML turns a JSON document into a YAML node tree with the keys in
// their JSON order.
func JSONToYAML(data []byte) (*yaml.Node, error) {
	n, perr := parseJSON(context.Background(), data, 1<<10)
	if perr != nil {
		return nil, fmt.Errorf("convert to YAML: %s", perr.Message)
	}
	var clear func(*yaml.Node)
	clear = func(n *yaml.Node) {
		n.Line, n.Column, n.Style = 0, 0, 0
		for _, c := range n.Content {
			clear(c)
		}
	}
	clear(n)
	return n, nil
}
