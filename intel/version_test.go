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

// Versions as advisories and devices print them, in order.
func TestVersionOrderExamples(t *testing.T) {
	for _, c := range []struct {
		a, b string
		cmp  int
		ok   bool
	}{
		{"4.20", "4.20 SR1", -1, true},
		{"4.20 SR1", "4.20 SR2", -1, true},
		{"4.20 SP2", "4.21", -1, true},
		{"1.3.1 Build 9", "1.3.1 Build 13", -1, true},
		{"M.04", "N", -1, true},
		{"B.12", "B.06.18", 1, true},
		{"B.06.12", "B.06.18", -1, true},
		{"2.01", "2.0.3", -1, true},
		{"1.7.15", "1.7.15b", -1, true},
		{"3.0 D15", "3.0 D16", -1, true},
		{"012U000061", "U61", 0, true},
		{"012U000093", "U61", 1, true},
		{"054U000093", "L81", 0, false},
		{"HD23", "BT03", 0, false},
		{"VM5.0", "VM6.0", -1, true},
		{"2023.3", "2024.1", -1, true},
		{"R4.1L1", "R4.1L2", -1, true},
	} {
		cmp, ok := compareVersions(c.a, c.b)
		if cmp != c.cmp || ok != c.ok {
			t.Errorf("compare %q %q = %d %v, want %d %v", c.a, c.b, cmp, ok, c.cmp, c.ok)
		}
	}
	for _, c := range []struct {
		v, expr  string
		in, sure bool
	}{
		{"8.2.1", "< 8.2.2", true, true},
		{"8.2.2", "< 8.2.2", false, true},
		{"8.2.2.1", "< 8.2.2", false, true},
		{"3.0", "< 3.x", false, true},
		{"2.9", "< 3.x", true, true},
		{"12.2.6.0", "<= 12.2.x.x", true, true},
		{"12.3", "<= 12.2.x.x", false, true},
		{"5.4.1", "5.x.x", true, true},
		{"C.02", "A.01 <= C.0x | 4.0", true, true},
		{"M.00.03", "Rev B-M", true, true},
		{"N.00.01", "Rev B-M", false, true},
		{"K.00.02", "<= K", true, true},
		{"2.3.6.1", "<= 2.3.6", true, false},
		{"B.02.01", "B.02 | C.02 | C.03", true, false},
		{"1.4.3", "(Release 1.3.2 1.4.0 1.4.1 1.4.3 1.4.5)", true, true},
		{"1.3.1 Build 13", "1.3.1 Build 13", true, true},
		{"2.3.6", "2.3.6 and  below", true, true},
		{"A.07.107", "<= S4 A.07.107", true, true},
		{"3.0 D16", "<= 3.0 D15", false, true},
		{"3.5.12.P30", "LPI 3.5.12.P30", true, true},
		{"1.4.2.0", "1.4.2.0-9d9eff4", true, true},
		{"054U000092", "053L000091 (global) / 054U000091 (U.S.) and 053L000092 (global) / 054U000092 (U.S.)", true, true},
		{"1.2", "< august 28", true, false},
		{"", "<= 2.3.6", true, false},
		{"2.0.3", "<= GEH-1.1 (integrated into GE MobileLink)", false, true},
	} {
		got := inRange(c.v, c.expr)
		if got.In != c.in || got.Sure != c.sure {
			t.Errorf("%q in %q: %+v, want in=%v sure=%v", c.v, c.expr, got, c.in, c.sure)
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
