package quantify

import (
	"math"
	"testing"
)

// The draws have the means their formulas give, and the lognormal's 90 %
// interval is the one it was made from.
func TestDraws(t *testing.T) {
	s := stream(3)
	const n = 400_000
	for _, p := range []pert{{24, 168, 600}, {0, 0.1, 1}, {0.15, 0.25, 0.45}} {
		sum := 0.0
		for range n {
			x := s.pert(p)
			if x < p.min || x > p.max {
				t.Fatalf("PERT %v drew %v", p, x)
			}
			sum += x
		}
		if got := sum / n; !near(got, p.mean(), 0.005) {
			t.Errorf("PERT %v: mean %.4f, want %.4f", p, got, p.mean())
		}
	}
	l := fromInterval(25, 400)
	sum, below, above := 0.0, 0, 0
	for range n {
		x := s.lognormal(l)
		sum += x
		if x < 25 {
			below++
		}
		if x > 400 {
			above++
		}
	}
	if got := sum / n; !near(got, l.mean(), 0.01) || !near(l.mean(), 142.641, 1e-5) {
		t.Errorf("lognormal 25-400: mean %.3f, formula %.3f", got, l.mean())
	}
	if !near(float64(below)/n, 0.05, 0.03) || !near(float64(above)/n, 0.05, 0.03) {
		t.Errorf("lognormal 25-400: %d below, %d above of %d", below, above, n)
	}
	// Poisson by inversion: mean lambda, and fewer events for a smaller
	// lambda from the same uniform.
	total := 0
	for i := range n {
		u := (float64(i) + 0.5) / n
		k := poisson(0.3, u)
		if poisson(0.1, u) > k {
			t.Fatalf("u %v: more events at 0.1 than at 0.3", u)
		}
		total += k
	}
	if got := float64(total) / n; math.Abs(got-0.3) > 0.001 {
		t.Errorf("Poisson 0.3: mean %.4f", got)
	}
}

func TestMoney(t *testing.T) {
	for x, want := range map[float64]string{0: "0", -0.3: "0", 999.5: "1,000", 1234567.4: "1,234,567", -25000: "-25,000", 100: "100"} {
		if got := Money(x); got != want {
			t.Errorf("Money(%v) = %q, want %q", x, got, want)
		}
	}
}
