package modelfile

import (
	"bytes"
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
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	return enc.Close()
}

// JSONToYAML turns a JSON document into a YAML node tree with the keys in
// their JSON order.
func JSONToYAML(data []byte) (*yaml.Node, error) {
	n, perr := parseJSON(data, 1<<10)
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
