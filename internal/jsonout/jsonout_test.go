package jsonout

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// encoded is what json.Encoder with an indent of two spaces writes.
func encoded(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

type item struct {
	ID   string   `json:"id"`
	Tags []string `json:"tags,omitempty"`
	Note string   `json:"note,omitempty"`
}

// Part is promoted through an embedded pointer (an unexported one could
// not be set in the skeleton, and is encoded whole).
type Part struct {
	Inner []item `json:"inner,omitempty"`
	Count int    `json:"count"`
}

type part Part

type upper string

func (u upper) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(u))), nil }

type names []string

func (n names) MarshalJSON() ([]byte, error) { return json.Marshal(strings.Join(n, "+")) }

type doc struct {
	Name    string            `json:"name"`
	Items   []item            `json:"items"`
	Maybe   []item            `json:"maybe,omitempty"`
	Nil     []item            `json:"nil"`
	Raw     []byte            `json:"raw"`
	Names   names             `json:"names"`
	Upper   []upper           `json:"upper"`
	Map     map[string]int    `json:"map"`
	Skip    []item            `json:"-"`
	private []item            //nolint:unused // left out by encoding/json
	Untag   []int             // encoded under its Go name
	Nested  [][]int           `json:"nested"`
	Any     []any             `json:"any"`
	Meta    map[string][]item `json:"meta,omitempty"`
	*Part
}

// TestWriteIsTheEncoders: every kind of member, lists empty or not, nil,
// promoted through an embedded pointer, self-encoding, with HTML and
// non-ASCII text, comes out as the encoder writes the whole value.
func TestWriteIsTheEncoders(t *testing.T) {
	full := doc{
		Name:    `<b>"Ward" & co</b> é ☃ \u2028`,
		Items:   []item{{ID: "a", Tags: []string{"x", "y"}}, {ID: "b<>", Note: "n\n\t"}, {ID: "c"}},
		Maybe:   []item{{ID: "m"}},
		Raw:     []byte("bytes"),
		Names:   names{"one", "two"},
		Upper:   []upper{"up", "down"},
		Map:     map[string]int{"z": 1, "a": 2},
		Skip:    []item{{ID: "skipped"}},
		private: []item{{ID: "private"}},
		Untag:   []int{1, 2, 3},
		Nested:  [][]int{{1}, {}, nil},
		Any:     []any{1.5, "s", nil, map[string]any{"k": []any{}}},
		Meta:    map[string][]item{"k": {{ID: "v"}}},
		Part:    &Part{Inner: []item{{ID: "i"}}, Count: 2},
	}
	for _, c := range []struct {
		what string
		v    any
	}{
		{"full", &full},
		{"full by value", full},
		{"empty", &doc{}},
		{"lists empty but not nil", &doc{Items: []item{}, Maybe: []item{}, Untag: []int{}}},
		{"embedded without lists", &doc{Part: &Part{Count: 1}}},
		{"no fields", &struct{}{}},
		{"a map", map[string][]int{"a": {1, 2}}},
		{"a list", []item{{ID: "a"}}},
		{"nil", (*doc)(nil)},
		{"a number", 3},
		{"two fields of one name", &struct {
			Items []item `json:"items"`
			*Part
			Other []item `json:"inner"`
		}{Items: []item{{ID: "a"}}, Part: &Part{Inner: []item{{ID: "hidden"}}}, Other: []item{{ID: "shown"}}}},
		{"an embedded value", &struct {
			Part
			Name string `json:"name"`
		}{Part: Part{Inner: []item{{ID: "a"}, {ID: "b"}}}, Name: "n"}},
		{"an unexported embedded pointer", &struct {
			*part
		}{part: &part{Inner: []item{{ID: "a"}}}}},
		{"a tagged embedded struct", &struct {
			*Part `json:"in"`
		}{Part: &Part{Inner: []item{{ID: "a"}}}}},
	} {
		var b bytes.Buffer
		if err := Write(&b, c.v); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if want := encoded(t, c.v); b.String() != want {
			t.Errorf("%s:\n%s\nwant\n%s", c.what, b.String(), want)
		}
	}
	// The value written is not changed.
	if len(full.Items) != 3 || full.Part.Inner[0].ID != "i" {
		t.Errorf("the value was changed: %+v", full)
	}
}

// TestSectionsCut: the lists are given as lists, in the encoder's order,
// and the rest as values.
func TestSectionsCut(t *testing.T) {
	secs, ok, err := Sections(&doc{Name: "n", Items: []item{{ID: "a"}}, Part: &Part{Inner: []item{{ID: "i"}}}})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	var got []string
	for _, s := range secs {
		if s.List.IsValid() {
			got = append(got, s.Key+"[]")
		} else {
			got = append(got, s.Key+"="+string(s.Value))
		}
	}
	want := `name="n" items[] nil=null raw=null names="" upper=null map=null Untag=null nested=null any=null inner[] count=0`
	if g := strings.Join(got, " "); g != want {
		t.Errorf("sections %s\nwant     %s", g, want)
	}
}

// TestWriteErrors: an item that cannot be encoded is an error naming it.
func TestWriteErrors(t *testing.T) {
	v := struct {
		Items []any `json:"items"`
	}{Items: []any{1, func() {}}}
	err := Write(&bytes.Buffer{}, &v)
	if err == nil || !strings.Contains(err.Error(), "items[1]") {
		t.Errorf("error %v, want one naming items[1]", err)
	}
}
