// Package jsonout writes large documents as indented JSON one list item
// at a time: what json.Encoder with an indent of two spaces writes, byte
// for byte, without holding the whole encoding. An assessment of a
// million assets is about 1.6 GB of JSON; the encoder keeps its compact
// form, then its indented form, and the caller's buffer a third copy.
package jsonout

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Section is one member of a top-level object, in the order encoding/json
// writes them: its key and either, for a list, the list itself (to be
// encoded an item at a time) or the member's value as compact JSON.
type Section struct {
	Key   string
	List  reflect.Value
	Value json.RawMessage
}

// Sections cuts the encoding of v, a struct or a pointer to one, into its
// top-level members, every list of its fields (and of the fields its
// embedded structs promote) that holds anything given as the list. ok is
// false when v is not such a value: it is then to be encoded whole.
func Sections(v any) (secs []Section, ok bool, err error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, false, nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct || implementsMarshaler(rv.Type()) {
		return nil, false, nil
	}
	// The skeleton is a copy of v whose lists hold one zero item each:
	// encoding it gives every member, in order, with the lists' keys in
	// their places (an empty list would drop an omitempty key), at the
	// cost of encoding one item per list.
	lists := map[string]reflect.Value{}
	names := map[string]int{}
	skeleton := reflect.New(rv.Type()).Elem()
	skeleton.Set(rv)
	var walk func(orig, copy reflect.Value)
	walk = func(orig, copy reflect.Value) {
		t := orig.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			fv, cv := orig.Field(i), copy.Field(i)
			if sf.Anonymous && name == "" {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && !fv.IsNil() && !implementsMarshaler(ft.Elem()) && cv.CanSet() {
					inner := reflect.New(ft.Elem())
					inner.Elem().Set(fv.Elem())
					cv.Set(inner)
					walk(fv.Elem(), inner.Elem())
				} else if ft.Kind() == reflect.Struct && !implementsMarshaler(ft) {
					walk(fv, cv)
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			names[name]++
			if sf.Type.Kind() != reflect.Slice || sf.Type.Elem().Kind() == reflect.Uint8 || implementsMarshaler(sf.Type) || fv.Len() == 0 || !cv.CanSet() {
				continue
			}
			lists[name] = fv
			cv.Set(reflect.MakeSlice(sf.Type, 1, 1))
		}
	}
	walk(rv, skeleton)
	for _, n := range names {
		if n > 1 {
			// encoding/json's rules decide which of the two is
			// written; the whole encoding is left to it.
			return nil, false, nil
		}
	}
	data, err := json.Marshal(skeleton.Addr().Interface())
	if err != nil {
		return nil, true, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, true, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, true, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, true, err
		}
		if l, ok := lists[key]; ok {
			secs = append(secs, Section{Key: key, List: l})
		} else {
			secs = append(secs, Section{Key: key, Value: raw})
		}
	}
	return secs, true, nil
}

// implementsMarshaler tells whether values of t encode themselves, in
// which case their encoding is not cut.
func implementsMarshaler(t reflect.Type) bool {
	m := reflect.TypeFor[json.Marshaler]()
	tm := reflect.TypeFor[encoding.TextMarshaler]()
	p := reflect.PointerTo(t)
	return t.Implements(m) || p.Implements(m) || t.Implements(tm) || p.Implements(tm)
}

// Write writes v as json.Encoder with SetIndent("", "  ") does, a list of
// its top level one item at a time.
func Write(w io.Writer, v any) error {
	secs, ok, err := Sections(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if !ok {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := WriteSections(bw, secs); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteSections writes sections as the indented encoding of the object
// they were cut from, and a newline.
func WriteSections(w *bufio.Writer, secs []Section) error {
	var buf bytes.Buffer
	indent := func(raw []byte, prefix string) error {
		buf.Reset()
		if err := json.Indent(&buf, raw, prefix, "  "); err != nil {
			return err
		}
		_, err := w.Write(buf.Bytes())
		return err
	}
	w.WriteString("{")
	for i, sec := range secs {
		if i > 0 {
			w.WriteString(",")
		}
		key, _ := json.Marshal(sec.Key)
		w.WriteString("\n  ")
		w.Write(key)
		w.WriteString(": ")
		if !sec.List.IsValid() {
			if err := indent(sec.Value, "  "); err != nil {
				return err
			}
			continue
		}
		w.WriteString("[")
		for j := range sec.List.Len() {
			item, err := json.Marshal(sec.List.Index(j).Addr().Interface())
			if err != nil {
				return fmt.Errorf("encode %s[%d]: %w", sec.Key, j, err)
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
	_, err := w.WriteString("}\n")
	return err
}
