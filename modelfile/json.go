package modelfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// parseJSON builds the same node tree the YAML parser gives, with lines and
// columns, from a JSON document. JSON is read by encoding/json rather than as
// YAML, so that JSON's own rules hold (tabs, escapes, numbers).
func parseJSON(ctx context.Context, data []byte, maxDepth int) (*yaml.Node, *Error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	p := jsonParser{ctx: ctx, lineCounter: lineCounter{data: data}, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	root, err := p.value(0, maxDepth)
	if err != nil {
		return nil, err
	}
	if _, terr := p.dec.Token(); terr != io.EOF {
		line, col := p.pos(p.start())
		return nil, &Error{Line: line, Column: col, Message: "JSON syntax: unexpected data after the model", Hint: "a model file holds one JSON object"}
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: 1, Column: 1, Content: []*yaml.Node{root}}, nil
}

type jsonParser struct {
	lineCounter
	ctx    context.Context
	tokens int // read so far; ctx is looked at every checkEvery
	dec    *json.Decoder
}

// start returns the offset where the next token begins.
func (p *jsonParser) start() int {
	i := int(p.dec.InputOffset())
	for i < len(p.data) {
		switch p.data[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
			continue
		}
		break
	}
	return i
}

// lineCounter converts offsets in data to lines and columns (in
// characters), counting on from the last offset asked for, so that a
// whole file costs one pass.
type lineCounter struct {
	data           []byte
	off, line, col int // offset at which line and col were last computed
}

func (c *lineCounter) pos(off int) (line, col int) {
	off = min(off, len(c.data))
	if off < c.off || c.line == 0 { // an error may point back; recount from the top
		c.off, c.line, c.col = 0, 1, 0
	}
	for i := c.off; i < off; i++ {
		switch b := c.data[i]; {
		case b == '\n':
			c.line++
			c.col = 0
		case b < utf8.RuneSelf || utf8.RuneStart(b):
			c.col++
		}
	}
	c.off = off
	return c.line, c.col + 1
}

func (p *jsonParser) syntax(err error) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := p.pos(int(se.Offset))
		return &Error{Line: line, Column: col, Message: "JSON syntax: " + se.Error()}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		line, col := p.pos(len(p.data))
		return &Error{Line: line, Column: col, Message: "JSON syntax: unexpected end of file", Hint: "a closing } or ] is missing"}
	}
	return &Error{Message: "JSON syntax: " + err.Error()}
}

func (p *jsonParser) value(depth, maxDepth int) (*yaml.Node, *Error) {
	if p.tokens++; p.tokens%checkEvery == 0 && p.ctx.Err() != nil {
		return nil, &Error{Message: "reading stopped"} // decode reports ctx's error
	}
	at := p.start()
	tok, err := p.dec.Token()
	if err != nil {
		if err == io.EOF && depth == 0 {
			return nil, &Error{Message: "empty file", Hint: "a model is a JSON object starting with \"ward\": 1"}
		}
		return nil, p.syntax(err)
	}
	line, col := p.pos(at)
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			return nil, &Error{Line: line, Column: col, Message: fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
		}
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
			for p.dec.More() {
				kat := p.start()
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(err)
				}
				kline, kcol := p.pos(kat)
				key, ok := ktok.(string)
				if !ok {
					return nil, &Error{Line: kline, Column: kcol, Message: "JSON syntax: object keys must be strings"}
				}
				val, perr := p.value(depth+1, maxDepth)
				if perr != nil {
					return nil, perr
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: kline, Column: kcol}, val)
			}
		} else {
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
			for p.dec.More() {
				val, perr := p.value(depth+1, maxDepth)
				if perr != nil {
					return nil, perr
				}
				n.Content = append(n.Content, val)
			}
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, p.syntax(err)
		}
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", t, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Value, n.Tag = yaml.ScalarNode, t.String(), "!!int"
		if strings.ContainsAny(n.Value, ".eE") {
			n.Tag = "!!float"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", fmt.Sprint(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}
