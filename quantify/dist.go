package quantify

import "math"

// stream is a SplitMix64 generator: small, fast, and seeded from any
// 64-bit key, so that each cause, trial and draw has its own stream and
// a change to one part of the model leaves the others' draws as they were
// (common random numbers: what a change avoids is measured, not noise).
type stream uint64

func (s *stream) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	return mix(uint64(*s))
}

// mix is SplitMix64's finaliser, also used to hash keys together.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform is in (0, 1).
func (s *stream) uniform() float64 {
	return (float64(s.next()>>11) + 0.5) / (1 << 53)
}

// normal is a standard normal draw (Box-Muller, one of the pair).
func (s *stream) normal() float64 {
	u, v := s.uniform(), s.uniform()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

// gamma draws Gamma(a, 1), a >= 1 (Marsaglia and Tsang 2000).
func (s *stream) gamma(a float64) float64 {
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := s.normal()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := s.uniform()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// shape gives the standard PERT's Beta parameters (as in mc2d):
// alpha = 1 + 4(mode - min)/(max - min), beta = 1 + 4(max - mode)/(max - min).
func (p pert) shape() (float64, float64) {
	r := p.max - p.min
	return 1 + 4*(p.mode-p.min)/r, 1 + 4*(p.max-p.mode)/r
}

// mean of the standard PERT: (min + 4 mode + max) / 6.
func (p pert) mean() float64 { return (p.min + 4*p.mode + p.max) / 6 }

// draw is one PERT draw, from Beta(alpha, beta) by two gamma draws; both
// shape parameters are at least 1.
func (s *stream) pert(p pert) float64 {
	if p.max <= p.min {
		return p.min
	}
	a, b := p.shape()
	x := s.gamma(a)
	y := s.gamma(b)
	return p.min + (p.max-p.min)*x/(x+y)
}

func (s *stream) lognormal(l lognormal) float64 {
	return math.Exp(l.mu + l.sigma*s.normal())
}

// poisson draws a count of events with mean lambda by inverting its
// distribution function with one uniform: the same uniform gives fewer
// or as many events for a smaller lambda.
func poisson(lambda, u float64) int {
	if lambda <= 0 {
		return 0
	}
	p := math.Exp(-lambda)
	cdf := p
	n := 0
	for u > cdf && n < 1000 {
		n++
		p *= lambda / float64(n)
		cdf += p
	}
	return n
}

// hash64 is FNV-1a of a key, for naming streams.
func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(s) {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
