package modelfile

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/wardhealth/ward"
)

// Schema returns a JSON Schema (draft 2020-12) of the model file, built from
// the same types and enumerations the reader uses, for editors' completion
// and checking. Ward's own checks go further (references, CPE and purl
// syntax, cycles); `ward validate` is the authority.
func Schema() ([]byte, error) {
	g := schemaGen{defs: map[string]any{}}
	root := g.of(reflect.TypeFor[ward.Model]()).(map[string]any)
	props := root["properties"].(map[string]any)
	props["ward"] = map[string]any{"const": ward.FormatVersion, "description": "Model format version."}
	out := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         "https://ward.example/schema/model-v1.json",
		"title":       "Ward hospital model",
		"description": "A hospital's assets, zones, links, clinical services and controls. See docs/model.md.",
		"$defs":       g.defs,
	}
	for k, v := range root {
		out[k] = v
	}
	return json.MarshalIndent(out, "", "  ")
}

type schemaGen struct {
	defs map[string]any
}

var (
	durationType = reflect.TypeFor[ward.Duration]()
	dateType     = reflect.TypeFor[ward.Date]()
	enumType     = reflect.TypeFor[ward.Enumerated]()
)

func (g *schemaGen) of(t reflect.Type) any {
	switch {
	case t == durationType:
		return map[string]any{"type": "string", "pattern": `^([0-9]+[smhdw])+$`, "description": "A duration such as 15m, 4h, 2d or 1h30m."}
	case t == dateType:
		return map[string]any{"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, "description": "A date, YYYY-MM-DD."}
	case t.Implements(enumType):
		vals := reflect.Zero(t).Interface().(ward.Enumerated).Enum()
		return map[string]any{"type": "string", "enum": vals}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Pointer:
		return g.of(t.Elem())
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Struct:
		name := strings.ToLower(t.Name()[:1]) + t.Name()[1:]
		if t != reflect.TypeFor[ward.Model]() {
			if _, ok := g.defs[name]; !ok {
				g.defs[name] = true // placeholder against recursion
				g.defs[name] = g.object(t)
			}
			return map[string]any{"$ref": "#/$defs/" + name}
		}
		return g.object(t)
	}
	panic("modelfile: no schema for " + t.String())
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	info := structFields(t)
	for k, name := range info.names {
		f := info.fields[k]
		_, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		props[name] = g.of(f.Type)
		if !strings.Contains(opts, "omit") {
			required = append(required, name)
		}
	}
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}
