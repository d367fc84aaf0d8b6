package modelfile

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

// mergeBomb is a model whose zones each merge the six before them: small
// to write, but resolving the merges one by one doubles the work with every
// zone (issue 14: 30 zones took 221 s).
func mergeBomb(zones int) string {
	var b strings.Builder
	b.WriteString("ward: 1\norganisation: {id: h, name: H}\nzones:\n  - &z0 {id: z0, kind: clinical, trust: high}\n")
	for i := 1; i < zones; i++ {
		var refs []string
		for j := max(0, i-6); j < i; j++ {
			refs = append(refs, fmt.Sprintf("*z%d", j))
		}
		fmt.Fprintf(&b, "  - &z%d {<<: [%s], id: z%d}\n", i, strings.Join(refs, ", "), i)
	}
	return b.String()
}

// The merge bomb is refused, with a position, after work bounded by the
// alias budget rather than doubling with every zone.
func TestMergeBombIsRefused(t *testing.T) {
	data := []byte(mergeBomb(24)) // unbounded, some 16 million merge steps
	var m ward.Model
	doc, errs, _ := decode(context.Background(), "bomb.yaml", data, &m, DefaultLimits)
	if doc == nil {
		t.Fatalf("not parsed: %v", errs)
	}
	if limit := 3 * DefaultLimits.MaxAliasNodes; doc.work > limit {
		t.Errorf("decoding took %d steps, want at most %d", doc.work, limit)
	}
	if len(errs) == 0 {
		t.Fatal("accepted")
	}
	if !strings.Contains(errs[0].Error(), "expand to more than 100000 nodes") || errs[0].Line == 0 {
		t.Errorf("error %q names no position or no budget", errs[0])
	}
}

// The bomb of the issue, 30 zones, is refused through the public entry
// with the place of the merge that spent the budget.
func TestMergeBombOfThirtyZones(t *testing.T) {
	_, err := Parse("bomb.yaml", []byte(mergeBomb(30)), DefaultLimits)
	es, ok := AsErrors(err)
	if !ok || len(es) != 1 {
		t.Fatalf("want one positioned error, got %v", err)
	}
	want := "bomb.yaml:17:37: zones[13]: YAML aliases and merge keys (<<) expand to more than 100000 nodes"
	if !strings.HasPrefix(es[0].Error(), want) {
		t.Errorf("got  %s\nwant %s...", es[0], want)
	}
}

// Merges still mean what YAML says: explicit keys win over merged ones, an
// earlier merged mapping over a later one; and a mapping merged into itself
// is refused rather than followed for ever.
func TestMergeKeys(t *testing.T) {
	text := `ward: 1
organisation: {id: h, name: H}
zones:
  - &base {id: a, kind: clinical, trust: high}
  - &other {id: b, kind: dmz, trust: low, description: other}
  - {<<: [*base, *other], id: c}
  - {<<: *other, id: d, trust: medium}
`
	m, err := Parse("m.yaml", []byte(text), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, z := range m.Zones[2:] {
		got = append(got, fmt.Sprintf("%s %s %s %s", z.ID, z.Kind, z.Trust, z.Description))
	}
	if want := "c clinical high other|d dmz medium other"; strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
	_, err = Parse("self.yaml", []byte("ward: 1\norganisation: &o {id: h, name: H, <<: *o}\n"), DefaultLimits)
	if _, ok := AsErrors(err); !ok {
		t.Errorf("self merge: %v", err)
	}
}

// BenchmarkMergeBomb measures refusing the merge bomb (30 zones,
// each merging the six before). Run:
//
//	go test ./modelfile -run XXX -bench MergeBomb -benchmem
func BenchmarkMergeBomb(b *testing.B) {
	data := []byte(mergeBomb(30))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("bomb.yaml", data, DefaultLimits); err == nil {
			b.Fatal("accepted")
		}
	}
}
