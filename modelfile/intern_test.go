package modelfile

import (
	"fmt"
	"strings"
	"testing"
)

// The strings an interner keeps side by side in its chunks stay what they
// were as the chunks fill and new ones are begun, each string kept once,
// a long one on its own.
func TestInternerChunksKeepStrings(t *testing.T) {
	in := newInterner()
	want := map[string]string{}
	for i := range 20000 {
		s := fmt.Sprintf("asset-%06d", i)
		if i%1000 == 0 {
			s = strings.Repeat("x", chunkMax/8+i) // too long for a chunk
		}
		got := in.bytes([]byte(s))
		if got != s {
			t.Fatalf("interned %q as %q", s, got)
		}
		want[s] = got
	}
	for s, kept := range want {
		if kept != s {
			t.Fatalf("%q became %q once more were kept", s, kept)
		}
		if again := in.bytes([]byte(s)); !sameString(again, kept) {
			t.Fatalf("%q kept twice", s)
		}
		p := strings.Clone(s)
		in.str(&p)
		if !sameString(p, kept) {
			t.Fatalf("str(%q) is not the kept copy", s)
		}
	}
}
