package intel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

func cpePart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 32
		}
		return '_'
	}, s)
}

// syntheticNVD writes an NVD page of n CVEs: 2% on the products of the
// generated assets (about 80 per product, as for a widely deployed one in
// the real NVD), the rest over 100,000 made-up products.
func syntheticNVD(n int, assets []ward.Asset) []byte {
	rnd := rand.New(rand.NewPCG(1, 1))
	type vp struct{ v, p string }
	var pool []vp
	seen := map[vp]bool{}
	for _, a := range assets {
		k := vp{cpePart(a.Vendor), cpePart(a.Product)}
		if a.Vendor != "" && !seen[k] {
			seen[k] = true
			pool = append(pool, k)
		}
	}
	known := len(pool)
	for i := range 100_000 {
		pool = append(pool, vp{fmt.Sprintf("vendor%d", i%20_000), fmt.Sprintf("product%d", i)})
	}
	var b bytes.Buffer
	b.WriteString(`{"format":"NVD_CVE","version":"2.0","vulnerabilities":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		p := pool[known+rnd.IntN(len(pool)-known)]
		if rnd.Float64() < 0.02 {
			p = pool[rnd.IntN(known)]
		}
		fmt.Fprintf(&b, `{"cve":{"id":"CVE-2020-%07d","metrics":{"cvssMetricV31":[{"cvssData":{"baseScore":7.5,"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}}]},"configurations":[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:%s:%s:*:*:*:*:*:*:*:*","versionEndExcluding":"%d.0"}]}]}]}}`,
			i, p.v, p.p, 1+rnd.IntN(30))
	}
	b.WriteString("]}")
	return b.Bytes()
}

func withCPEs(assets []ward.Asset) []ward.Asset {
	out := make([]ward.Asset, len(assets))
	for i, a := range assets {
		if a.Vendor != "" {
			a.CPE = fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*", cpePart(a.Vendor), cpePart(a.Product), cpePart(a.Version))
		}
		out[i] = a
	}
	return out
}

// BenchmarkNVD imports a synthetic NVD of 250,000 CVEs and matches 100,000
// generated assets by CPE; the naive nested loop is timed on 1,000 assets.
func BenchmarkNVD(b *testing.B) {
	m, err := synth.Generate(synth.Options{Assets: 100_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	assets := withCPEs(m.Assets)
	page := syntheticNVD(250_000, assets)
	b.Logf("NVD page %d MiB", len(page)>>20)
	var cves []CVE
	b.Run("import-250k-cves", func(b *testing.B) {
		for b.Loop() {
			if cves, err = ParseNVD("nvd.json", page); err != nil {
				b.Fatal(err)
			}
		}
	})
	matcher := NewMatcher(loadAll(b), nil)
	matcher.AddNVD(cves)
	b.Run("match-100k-assets", func(b *testing.B) {
		matches := 0
		for b.Loop() {
			matches = len(matcher.Match(assets))
		}
		b.ReportMetric(float64(matches), "matches/op")
	})
	b.Run("naive-1k-assets", func(b *testing.B) {
		// The same primitives as the index (CPE parsing, configurations)
		// without it: every CVE is tried on every asset. Its time, times
		// 100, is what the 100,000 assets would take without the index.
		hits := 0
		for b.Loop() {
			hits = 0
			for _, a := range assets[:1000] {
				n, err := parseCPE(a.CPE)
				if err != nil {
					continue
				}
				for i := range cves {
					for _, cfg := range cves[i].Config {
						if _, ok := cfg.applies([]cpeName{n}); ok {
							hits++
						}
					}
				}
			}
		}
		b.ReportMetric(float64(hits), "nvd-matches/op")
	})
}
