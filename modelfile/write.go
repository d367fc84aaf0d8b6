package modelfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/jsonout"
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

// writeJSON writes what json.Indent of the whole encoding with an indent
// of two spaces gives.
func writeJSON(w *bufio.Writer, m *ward.Model) error {
	secs, err := sections(m)
	if err != nil {
		return err
	}
	return jsonout.WriteSections(w, secs)
}

// sections cuts a model's encoding into its top-level members, its lists
// to be written an item at a time.
func sections(m *ward.Model) ([]jsonout.Section, error) {
	secs, _, err := jsonout.Sections(m)
	if err != nil {
		return nil, fmt.Errorf("encode model: %w", err)
	}
	return secs, nil
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
		if !sec.List.IsValid() {
			val, err := JSONToYAML(sec.Value)
			if err != nil {
				return err
			}
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: sec.Key}
			out, err := encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, val.Content[0]}})
			if err != nil {
				return err
			}
			w.Write(out)
			continue
		}
		w.WriteString(sec.Key)
		w.WriteString(":\n")
		for j := range sec.List.Len() {
			data, err := json.Marshal(sec.List.Index(j).Addr().Interface())
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
