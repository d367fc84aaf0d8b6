package modelfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Other JSON files Ward reads (vulnerability feeds, SBOMs) come in sizes
// and with fields that model files do not: they are decoded by encoding/json
// into structs of the fields Ward reads, other fields ignored, and held to
// what a model file is held to: valid UTF-8, no key twice in an object, and
// every problem reported as an Error with file:line:column and field path.

// DecodeJSON decodes a JSON document into v with encoding/json, refusing
// invalid UTF-8 and repeated keys, and turns encoding/json's errors into
// positioned ones (a wrong type says where and what was expected, not Go's
// type names). The error is Errors.
func DecodeJSON(name string, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		w := jsonWalk{lineCounter: lineCounter{data: data}}
		line, col := w.pos(int(se.Offset))
		return Errors{{File: name, Line: line, Column: col, Message: "JSON syntax: " + se.Error()}}
	}
	if err != nil && err.Error() == "unexpected end of JSON input" {
		w := jsonWalk{lineCounter: lineCounter{data: data}}
		line, col := w.pos(len(data))
		return Errors{{File: name, Line: line, Column: col, Message: "JSON syntax: unexpected end of file", Hint: "a closing } or ] is missing"}}
	}
	if err != nil && !strings.Contains(err.Error(), "exceeded max depth") {
		// Syntax is sound from here on: the document can be walked.
		errs := checkJSON(name, data)
		if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) {
			w := jsonWalk{lineCounter: lineCounter{data: data}}
			field, start := w.endingAt(int(te.Offset))
			line, col := w.pos(start)
			errs = append(errs, Error{File: name, Line: line, Column: col, Field: field, Message: fmt.Sprintf("expected %s, found %s", expected(te.Type), te.Value)})
		} else {
			errs = append(errs, Error{File: name, Message: strings.TrimPrefix(err.Error(), "json: ")})
		}
		return errs
	}
	if err != nil {
		return Errors{{File: name, Message: "JSON nested too deeply"}}
	}
	if errs := checkJSON(name, data); len(errs) > 0 {
		return errs
	}
	return nil
}

// JSONError makes a positioned problem about the value at a field path
// ("vulnerabilities[3].cve") of a JSON document; an absent field is placed
// at its nearest present parent. Finding it walks the document: it is for
// reporting, not for every field.
func JSONError(name string, data []byte, field, msg, hint string) Error {
	w := jsonWalk{lineCounter: lineCounter{data: data}}
	start := w.find(field)
	line, col := w.pos(start)
	return Error{File: name, Line: line, Column: col, Field: field, Message: msg, Hint: hint}
}

// expected names what a Go type wants, in the words errors use.
func expected(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return expected(t.Elem())
	}
	return "a value of another type"
}

// checkJSON reports invalid UTF-8 and repeated keys in a syntactically
// valid document, up to MaxErrors.
func checkJSON(name string, data []byte) Errors {
	w := jsonWalk{lineCounter: lineCounter{data: data}, check: true}
	w.walk()
	for i := range w.errs {
		w.errs[i].File = name
	}
	return w.errs
}

// jsonWalk walks a syntactically valid JSON document (encoding/json has
// checked it, and bounded its nesting), keeping the path to where it is.
type jsonWalk struct {
	i     int
	path  []jsonSeg
	keys  [][][]byte // per depth, the keys of the object open there
	check bool       // report invalid UTF-8 and repeated keys
	errs  Errors
	// stop, when set, is asked at the start and end of every value; true
	// ends the walk.
	stop func(start, end int) bool
	done bool
	lineCounter
}

type jsonSeg struct {
	key   []byte // raw key, quotes off; nil in a list
	index int
}

func (w *jsonWalk) walk() {
	w.skipSpace()
	w.value()
}

func (w *jsonWalk) skipSpace() {
	for w.i < len(w.data) {
		switch w.data[w.i] {
		case ' ', '\t', '\r', '\n':
			w.i++
			continue
		}
		return
	}
}

func (w *jsonWalk) value() {
	if w.done || w.i >= len(w.data) {
		return
	}
	start := w.i
	if w.stop != nil && w.stop(start, -1) {
		w.done = true
		return
	}
	switch w.data[w.i] {
	case '{':
		w.object()
	case '[':
		w.i++
		w.path = append(w.path, jsonSeg{})
		for n := 0; !w.done; n++ {
			w.skipSpace()
			if w.data[w.i] == ']' {
				w.i++
				break
			}
			if w.data[w.i] == ',' {
				w.i++
				w.skipSpace()
			}
			w.path[len(w.path)-1].index = n
			w.value()
		}
		w.path = w.path[:len(w.path)-1]
	case '"':
		w.str()
	default:
	literal:
		for ; w.i < len(w.data); w.i++ {
			switch w.data[w.i] {
			case ' ', '\t', '\r', '\n', ',', ']', '}':
				break literal
			}
		}
	}
	if !w.done && w.stop != nil && w.stop(start, w.i) {
		w.done = true
	}
}

func (w *jsonWalk) object() {
	w.i++
	// The keys met so far, in a list kept per depth and reused: a large
	// feed is millions of small objects.
	depth := len(w.path)
	for len(w.keys) <= depth {
		w.keys = append(w.keys, nil)
	}
	keys := w.keys[depth][:0]
	var set map[string]bool
	w.path = append(w.path, jsonSeg{})
	for !w.done {
		w.skipSpace()
		switch w.data[w.i] {
		case '}':
			w.i++
			w.path = w.path[:len(w.path)-1]
			w.keys[depth] = keys
			return
		case ',':
			w.i++
			w.skipSpace()
		}
		kstart := w.i
		key := w.str()
		w.path[len(w.path)-1].key = key
		if w.check {
			k := key
			if bytes.IndexByte(k, '\\') >= 0 {
				var s string
				json.Unmarshal(w.data[kstart:w.i], &s)
				k = []byte(s)
			}
			dup := false
			if set != nil {
				dup = set[string(k)]
				set[string(k)] = true
			} else {
				for _, o := range keys {
					if bytes.Equal(o, k) {
						dup = true
					}
				}
				if keys = append(keys, k); len(keys) > 16 && !dup {
					set = map[string]bool{}
					for _, o := range keys {
						set[string(o)] = true
					}
				}
			}
			if dup {
				w.fail(kstart, fmt.Sprintf("duplicate key %q", k), "the later value would silently win; keep one")
			}
		}
		w.skipSpace()
		w.i++ // the colon
		w.skipSpace()
		w.value()
	}
}

// str reads a string and returns its raw content, reporting invalid UTF-8.
func (w *jsonWalk) str() []byte {
	start := w.i + 1
	w.i = start
	for {
		j := bytes.IndexByte(w.data[w.i:], '"')
		if j < 0 {
			w.i = len(w.data)
			break
		}
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		k := w.i + j
		n := 0
		for k-n-1 >= start && w.data[k-n-1] == '\\' {
			n++
		}
		w.i = k + 1
		if n%2 == 0 {
			break
		}
	}
	s := w.data[start:max(start, w.i-1)]
	if w.check && !utf8.Valid(s) {
		bad := start
		for rest := s; len(rest) > 0; {
			r, n := utf8.DecodeRune(rest)
			if r == utf8.RuneError && n == 1 {
				break
			}
			rest, bad = rest[n:], bad+n
		}
		w.fail(bad, fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", w.data[bad]), "save the file as UTF-8")
	}
	return s
}

func (w *jsonWalk) fail(at int, msg, hint string) {
	if len(w.errs) >= maxFeedErrors {
		w.done = true
		return
	}
	line, col := w.pos(at)
	w.errs = append(w.errs, Error{Line: line, Column: col, Field: w.pathString(), Message: msg, Hint: hint})
}

// maxFeedErrors caps the problems one JSON file reports.
const maxFeedErrors = 100

func (w *jsonWalk) pathString() string {
	var b strings.Builder
	for _, s := range w.path {
		if s.key == nil {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.Write(s.key)
	}
	return b.String()
}

// endingAt finds the value encoding/json reports a type error at, and
// gives its path and start: off is the end of a string, number or literal,
// or just inside the opening of a list or object.
func (w *jsonWalk) endingAt(off int) (field string, start int) {
	start = off
	w.stop = func(s, e int) bool {
		container := e < 0 && s == off-1 && (w.data[s] == '[' || w.data[s] == '{')
		if e == off || container {
			field, start = w.pathString(), s
			return true
		}
		return s > off
	}
	w.walk()
	return field, start
}

// find gives the start of the value at a field path, or of its nearest
// present parent.
func (w *jsonWalk) find(field string) int {
	want := splitPath(field)
	best, bestDepth := 0, -1
	w.stop = func(s, e int) bool {
		if e >= 0 {
			return false
		}
		depth := len(w.path)
		if depth > len(want) || depth <= bestDepth {
			return false
		}
		for k, seg := range w.path {
			if seg.key == nil && want[k] != strconv.Itoa(seg.index) || seg.key != nil && want[k] != string(seg.key) {
				return false
			}
		}
		best, bestDepth = s, depth
		return depth == len(want)
	}
	w.walk()
	return best
}
