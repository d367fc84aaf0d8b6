package modelfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/wardhealth/ward"
	"go.yaml.in/yaml/v3"
)

// Write writes a model as a model file. Fields keep the order of the
// domain types, so YAML and JSON read alike, and reading the output gives
// back an equal model.
func Write(w io.Writer, m *ward.Model, f Format) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	if f == JSON {
		var buf bytes.Buffer
		if err := json.Indent(&buf, data, "", "  "); err != nil {
			return err
		}
		buf.WriteByte('\n')
		_, err := w.Write(buf.Bytes())
		return err
	}
	n, err := JSONToYAML(data)
	if err != nil {
		return err
	}
	return writeYAML(w, n.Content[0])
}

// writeYAML writes a top-level mapping one section, and each list one item,
// at a time: the YAML encoder slows down badly on a whole large document,
// and this way memory stays small. The result is what encoding the whole
// tree with an indent of 2 gives.
func writeYAML(w io.Writer, root *yaml.Node) error {
	bw := bufio.NewWriterSize(w, 1<<16)
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
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if val.Kind != yaml.SequenceNode || len(val.Content) == 0 {
			out, err := encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, val}})
			if err != nil {
				return err
			}
			bw.Write(out)
			continue
		}
		bw.WriteString(key.Value)
		bw.WriteString(":\n")
		for _, item := range val.Content {
			out, err := encode(item)
			if err != nil {
				return err
			}
			prefix := "  - "
			for len(out) > 0 {
				line, rest, _ := bytes.Cut(out, []byte("\n"))
				bw.WriteString(prefix)
				bw.Write(line)
				bw.WriteByte('\n')
				prefix, out = "    ", rest
			}
		}
	}
	return bw.Flush()
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
