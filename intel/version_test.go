package intel

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// randomVersion writes versions the way device makers do: numbers and
// dots, revision letters, product lines, service packs, builds.
func randomVersion(r *rand.Rand) string {
	var b strings.Builder
	switch r.IntN(6) {
	case 0:
		b.WriteString(string(rune('A' + r.IntN(6))))
		b.WriteByte('.')
	case 1:
		b.WriteString([]string{"U", "L", "VF", "VM", "R", "BT"}[r.IntN(6)])
	case 2:
		// a B. Braun software number: hardware, line, release
		return []string{"012U0000", "028U0000", "053L0000", "054U0000"}[r.IntN(4)] + []string{"40", "61", "81", "93"}[r.IntN(4)]
	}
	parts := 1 + r.IntN(4)
	for i := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString([]string{"0", "1", "2", "9", "10", "01", "06", "33", "107"}[r.IntN(9)])
	}
	switch r.IntN(6) {
	case 0:
		b.WriteString([]string{" SR1", " SR2", " SP1", " Build 13", " Build 9", " D15", " D16"}[r.IntN(7)])
	case 1:
		b.WriteString([]string{"a", "b", "A", "c"}[r.IntN(4)])
	}
	return b.String()
}

// The version order is an order where it compares: a version equals
// itself, two compare the other way round when swapped (antisymmetry), and
// a < b < c gives a < c (transitivity).
func TestVersionOrderProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 16))
	vs := make([]string, 400)
	for i := range vs {
		vs[i] = randomVersion(r)
	}
	for _, a := range vs {
		if c, ok := compareVersions(a, a); !ok || c != 0 {
			t.Fatalf("%q against itself: %d %v", a, c, ok)
		}
		for _, b := range vs {
			ab, ok1 := compareVersions(a, b)
			ba, ok2 := compareVersions(b, a)
			if ok1 != ok2 || ok1 && ab != -ba {
				t.Fatalf("%q %q: %d %v, swapped %d %v", a, b, ab, ok1, ba, ok2)
			}
		}
	}
	for i := 0; i < 200_000; i++ {
		a, b, c := vs[r.IntN(len(vs))], vs[r.IntN(len(vs))], vs[r.IntN(len(vs))]
		ab, ok1 := compareVersions(a, b)
		bc, ok2 := compareVersions(b, c)
		if !ok1 || !ok2 || ab > 0 || bc > 0 {
			continue
		}
		ac, ok := compareVersions(a, c)
		if !ok || ac > 0 || (ab < 0 || bc < 0) && ac == 0 {
			t.Fatalf("%q <= %q <= %q but %q against %q: %d %v", a, b, c, a, c, ac, ok)
		}
	}
}

// FuzzCompareVersions: the order never panics, a version equals itself,
// and swapping two versions swaps their order.
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][2]string{{"1.9", "1.10"}, {"M.04", "N"}, {"4.20 SR1", "4.20"}, {"012U000061", "U61"}, {"2.01", "2.0.3"}, {"B.06.18", "B.12"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if c, ok := compareVersions(a, a); ok && c != 0 {
			t.Fatalf("%q differs from itself", a)
		}
		ab, ok1 := compareVersions(a, b)
		ba, ok2 := compareVersions(b, a)
		if ok1 != ok2 || ok1 && ab != -ba {
			t.Fatalf("%q %q: %d %v, swapped %d %v", a, b, ab, ok1, ba, ok2)
		}
		inRange(a, b)
	})
}
