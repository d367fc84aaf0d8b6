// Package modelfile reads and writes hospital model files (YAML or JSON).
//
// Reading is strict and explains itself: every problem in a file is reported
// at once, each with file:line:column, the field path and a hint where one
// helps. Alias bombs, deep nesting and oversized files are refused before
// they can cost memory or time.
package modelfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/wardhealth/ward"
	"go.yaml.in/yaml/v3"
)

// Limits bound what a model file may cost to read.
type Limits struct {
	// MaxBytes is the largest file accepted.
	MaxBytes int64
	// MaxDepth is the deepest nesting of mappings and lists accepted.
	MaxDepth int
	// MaxAliasNodes caps the nodes that YAML aliases may expand to, beyond
	// the nodes written in the file.
	MaxAliasNodes int
}

// DefaultLimits fit a national-scale model (a million assets with ten
// million links is some 2.1 GiB of JSON, 1.4 GiB of YAML, read as a stream)
// and refuse what no model needs.
var DefaultLimits = Limits{MaxBytes: 4 << 30, MaxDepth: 32, MaxAliasNodes: 100_000}

// Error is one problem in a model file.
type Error struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

func (e Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Errors is every problem found in one or more files, in file order.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// AsErrors extracts the positioned problems from an error returned by this
// package; ok is false for other errors (I/O, for instance).
func AsErrors(err error) (Errors, bool) {
	var es Errors
	if errors.As(err, &es) {
		return es, true
	}
	return nil, false
}

// Format is a model file's syntax.
type Format string

// The formats Ward reads and writes.
const (
	YAML Format = "yaml"
	JSON Format = "json"
)

// DetectFormat picks the syntax from the file name, or from the content
// when the name does not tell.
func DetectFormat(name string, data []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return JSON
	case ".yaml", ".yml":
		return YAML
	}
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		return JSON
	}
	return YAML
}

// Load reads and validates the model file at path. A file over the size
// limit is refused before it is read.
func Load(path string, lim Limits) (*ward.Model, error) {
	return LoadContext(context.Background(), path, lim)
}

// LoadContext is Load that stops when ctx ends.
func LoadContext(ctx context.Context, path string, lim Limits) (*ward.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadContext(ctx, path, f, lim)
}

// Read reads and validates a model from r; name is used in errors and to
// tell the format. When r is a file (standard input redirected from one,
// say), one over the size limit is refused before anything is read.
func Read(name string, r io.Reader, lim Limits) (*ward.Model, error) {
	return ReadContext(context.Background(), name, r, lim)
}

// ReadContext is Read that stops when ctx ends.
func ReadContext(ctx context.Context, name string, r io.Reader, lim Limits) (*ward.Model, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			return readFile(ctx, name, f, st.Size(), lim)
		}
	}
	data, err := ReadLimited(name, r, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	return ParseContext(ctx, name, data, lim)
}

// ReadLimited reads all of r, refusing more than max bytes: at once from
// its size when r is a regular file, else after reading max+1 bytes. The
// error about size is an Errors naming the file; others are I/O errors.
func ReadLimited(name string, r io.Reader, max int64) ([]byte, error) {
	tooBig := Errors{{File: name, Message: fmt.Sprintf("file is larger than the %s limit", sizeString(max)), Hint: "split the file, or raise the limit with --max-size"}}
	var buf bytes.Buffer
	if f, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if st.Size() > max {
				return nil, tooBig
			}
			buf.Grow(int(st.Size()) + bytes.MinRead)
		}
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, max+1)); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(buf.Len()) > max {
		return nil, tooBig
	}
	return buf.Bytes(), nil
}

// Parse decodes and validates a model held in memory.
func Parse(name string, data []byte, lim Limits) (*ward.Model, error) {
	return ParseContext(context.Background(), name, data, lim)
}

// ParseContext is Parse that stops when ctx ends, with an error that
// wraps ctx.Err(): a server parses an upload under its request's context,
// so that a file that costs too much stops costing when its client goes or
// its deadline passes. Parsing and decoding look at ctx every few thousand
// steps; the fast JSON path and validation, linear in the file's size, look
// before and after.
func ParseContext(ctx context.Context, name string, data []byte, lim Limits) (*ward.Model, error) {
	if int64(len(data)) > lim.MaxBytes {
		return nil, Errors{{File: name, Message: fmt.Sprintf("file is larger than the %s limit", sizeString(lim.MaxBytes))}}
	}
	if err := ctx.Err(); err != nil {
		return nil, stopped(name, err)
	}
	if DetectFormat(name, data) == JSON {
		if m, ok := fastJSON(data); ok && m.Validate() == nil {
			return m, nil
		}
	}
	var m ward.Model
	doc, errs, err := decode(ctx, name, data, &m, lim)
	if err != nil {
		return nil, err
	}
	if doc == nil || doc.refused {
		return nil, errs
	}
	if err := m.Validate(); err != nil {
		var ve *ward.ValidationError
		if !errors.As(err, &ve) {
			return nil, err
		}
		for _, fe := range ve.Errors {
			errs = append(errs, doc.Error(fe.Path, fe.Message, fe.Hint))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, stopped(name, err)
	}
	if len(errs) > 0 {
		return nil, dedupe(errs)
	}
	return &m, nil
}

func stopped(name string, err error) error {
	return fmt.Errorf("%s: reading stopped: %w", name, err)
}

// Document is a decoded file, kept to say where a field stands in it.
type Document struct {
	name string
	root *yaml.Node
	// refused is set when decoding stopped at a budget: what was decoded
	// is partial and not worth validating.
	refused bool
	work    int // decoding steps taken
}

// Name is the file name the document was read from.
func (d *Document) Name() string { return d.name }

// Error makes a positioned problem about a field path such as
// "threats[3].applies"; an absent field is placed at its nearest present
// parent.
func (d *Document) Error(field, msg, hint string) Error {
	line, col := locate(d.root, field)
	return Error{File: d.name, Line: line, Column: col, Field: field, Message: msg, Hint: hint}
}

// Decode reads a YAML or JSON document into v, a pointer to a struct whose
// fields carry json tags, as strictly as model files are read: unknown and
// repeated fields, wrong types, aliases, nesting and size limits are all
// reported with positions. Other file formats of Ward (the catalog) use it.
func Decode(name string, data []byte, v any, lim Limits) (*Document, error) {
	return DecodeContext(context.Background(), name, data, v, lim)
}

// DecodeContext is Decode that stops when ctx ends, as ParseContext does.
func DecodeContext(ctx context.Context, name string, data []byte, v any, lim Limits) (*Document, error) {
	if int64(len(data)) > lim.MaxBytes {
		return nil, Errors{{File: name, Message: fmt.Sprintf("file is larger than the %s limit", sizeString(lim.MaxBytes))}}
	}
	doc, errs, err := decode(ctx, name, data, v, lim)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return doc, nil
}

// decode parses and decodes; doc is nil when the file could not be parsed
// at all, and errs holds the decoding problems otherwise. err is set when
// ctx ended first.
func decode(ctx context.Context, name string, data []byte, v any, lim Limits) (doc *Document, errs Errors, err error) {
	var root *yaml.Node
	var perr *Error
	switch {
	case DetectFormat(name, data) == JSON:
		root, perr = parseJSON(ctx, data, lim.MaxDepth)
	case len(data) >= minParallelYAML:
		var ok bool
		if root, ok = parseYAMLSections(ctx, data); !ok {
			root, perr = parseYAML(ctx, data)
		}
	default:
		root, perr = parseYAML(ctx, data)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, stopped(name, err)
	}
	if perr == nil {
		perr = checkDepth(root, lim.MaxDepth)
	}
	if perr != nil {
		perr.File = name
		return nil, Errors{*perr}, nil
	}
	d := decoder{ctx: ctx, file: name, lim: lim, aliasBudget: lim.MaxAliasNodes}
	d.decodeRoot(root, reflect.ValueOf(v).Elem())
	if d.stopped != nil {
		return nil, nil, stopped(name, d.stopped)
	}
	return &Document{name: name, root: root, refused: d.bombed, work: d.work}, d.errs, nil
}

// dedupe drops validation errors about a field the decoder already
// reported (a bad value there leaves the field empty, which validation
// would report again as missing), and caps the list.
func dedupe(errs Errors) Errors {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if e.Field != "" && seen[e.Field] {
			continue
		}
		seen[e.Field] = true
		out = append(out, e)
		if len(out) == ward.MaxErrors {
			break
		}
	}
	return out
}

func parseYAML(ctx context.Context, data []byte) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(ctxReader{ctx, bytes.NewReader(data)})
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &Error{Message: "empty file", Hint: "a model starts with `ward: 1` and an organisation"}
		}
		return nil, yamlSyntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			return nil, yamlSyntaxError(err)
		}
		return nil, &Error{Line: line, Column: 1, Message: "more than one YAML document", Hint: "a model file holds one model; remove the second ---"}
	}
	return &doc, nil
}

// yamlSyntaxError turns the YAML library's message ("yaml: line 3: ...")
// into a positioned error.
func yamlSyntaxError(err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		return &Error{Line: line, Column: 1, Message: "YAML syntax: " + msg}
	}
	return &Error{Message: "YAML syntax: " + msg}
}

// ctxReader reads from r until ctx ends, so that a parser reading from it
// stops then.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d-byte", n)
}

// checkDepth refuses a tree nested deeper than max, before anything walks
// it recursively. Aliases are not followed: the decoder bounds those.
func checkDepth(root *yaml.Node, max int) *Error {
	var deepest *yaml.Node
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if deepest != nil {
			return
		}
		if depth > max {
			deepest = n
			return
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	if deepest != nil {
		return &Error{Line: deepest.Line, Column: deepest.Column, Message: fmt.Sprintf("nesting deeper than %d levels", max), Hint: "a model needs no more than a few levels"}
	}
	return nil
}
