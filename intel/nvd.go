package intel

import (
	"fmt"
	"strings"

	"github.com/wardhealth/ward/modelfile"
)

// CVE is what Ward keeps of an NVD CVE record (CVE API 2.0).
type CVE struct {
	ID     string   `json:"id"`
	CVSS   float64  `json:"cvss,omitempty"`
	Vector string   `json:"cvss_vector,omitempty"`
	Config []Config `json:"configurations"`
}

// Config is one NVD configuration: its nodes combined by Operator (AND or
// OR; OR when empty).
type Config struct {
	Operator string `json:"operator,omitempty"`
	Nodes    []Node `json:"nodes"`
}

// Node is a set of CPE match criteria combined by Operator.
type Node struct {
	Operator string     `json:"operator"`
	Negate   bool       `json:"negate,omitempty"`
	Matches  []CPEMatch `json:"cpeMatch"`
}

// CPEMatch is one criterion: a CPE 2.3 name (with wildcards) and an
// optional version range.
type CPEMatch struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	VersionStartIncluding string `json:"versionStartIncluding,omitempty"`
	VersionStartExcluding string `json:"versionStartExcluding,omitempty"`
	VersionEndIncluding   string `json:"versionEndIncluding,omitempty"`
	VersionEndExcluding   string `json:"versionEndExcluding,omitempty"`

	parsed *cpeName // Criteria, parsed once
}

type nvdPage struct {
	Format          string `json:"format"`
	Version         string `json:"version"`
	Vulnerabilities []struct {
		CVE struct {
			ID      string `json:"id"`
			Metrics struct {
				V31 []struct {
					CVSSData struct {
						BaseScore    float64 `json:"baseScore"`
						VectorString string  `json:"vectorString"`
					} `json:"cvssData"`
				} `json:"cvssMetricV31"`
			} `json:"metrics"`
			Configurations []Config `json:"configurations"`
		} `json:"cve"`
	} `json:"vulnerabilities"`
}

// ParseNVD reads a page saved from the NVD CVE API 2.0.
func ParseNVD(name string, data []byte) ([]CVE, error) {
	var p nvdPage
	if err := modelfile.DecodeJSON(name, data, &p); err != nil {
		return nil, err
	}
	ck := checker{name: name, data: data}
	if p.Format != "NVD_CVE" || !strings.HasPrefix(p.Version, "2.") {
		ck.add("format", fmt.Sprintf("format %q version %q", p.Format, p.Version), "want an NVD CVE API 2.0 page")
		return nil, ck.err()
	}
	out := make([]CVE, 0, len(p.Vulnerabilities))
	for i, v := range p.Vulnerabilities {
		c := CVE{ID: v.CVE.ID, Config: v.CVE.Configurations}
		// Paths are written only for a problem: a page holds thousands.
		at := func() string { return fmt.Sprintf("vulnerabilities[%d].cve.", i) }
		if !cveRe.MatchString(c.ID) {
			ck.cve(at()+"id", c.ID)
		}
		for j, m := range v.CVE.Metrics.V31 {
			if s := m.CVSSData.BaseScore; s < 0 || s > 10 {
				ck.score(fmt.Sprintf("%smetrics.cvssMetricV31[%d].cvssData.baseScore", at(), j), s)
			}
			if m.CVSSData.BaseScore > c.CVSS {
				c.CVSS, c.Vector = m.CVSSData.BaseScore, m.CVSSData.VectorString
			}
		}
		for j, cfg := range c.Config {
			for k, n := range cfg.Nodes {
				for l := range n.Matches {
					m := &n.Matches[l]
					parsed, err := parseCPE(m.Criteria)
					if err != nil {
						ck.add(fmt.Sprintf("%sconfigurations[%d].nodes[%d].cpeMatch[%d].criteria", at(), j, k, l), err.Error(), "")
						continue
					}
					m.parsed = &parsed
				}
			}
		}
		out = append(out, c)
	}
	if err := ck.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// cpeName is a CPE 2.3 formatted string split into its 11 attributes.
type cpeName [11]string

// parseCPE splits a CPE 2.3 formatted string, honouring escaped colons.
func parseCPE(s string) (cpeName, error) {
	var n cpeName
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return n, fmt.Errorf("%q is not a CPE 2.3 name", s)
	}
	rest := s[len("cpe:2.3:"):]
	i, start := 0, 0
	for k := 0; k <= len(rest); k++ {
		if k == len(rest) || (rest[k] == ':' && (k == 0 || rest[k-1] != '\\')) {
			if i >= 11 {
				return n, fmt.Errorf("%q has more than 13 parts", s)
			}
			n[i] = rest[start:k]
			i++
			start = k + 1
		}
	}
	if i != 11 {
		return n, fmt.Errorf("%q has %d parts, not 13", s, i+2)
	}
	return n, nil
}

// attrMatches compares a criterion's attribute with an asset's, after the
// CPE name-matching rules: ANY (*) matches everything, NA (-) only NA, and
// * and ? inside a value are wildcards.
func attrMatches(criterion, value string) bool {
	switch {
	case criterion == "*":
		return true
	case criterion == "-" || value == "-":
		return criterion == value
	case value == "*":
		return false // a specific criterion against an unknown value
	}
	return wildcard(strings.ToLower(criterion), strings.ToLower(value))
}

// wildcard matches a pattern with unescaped * and ? against s.
func wildcard(p, s string) bool {
	if !strings.ContainsAny(p, "*?") {
		return p == s
	}
	// Simple backtracking matcher; patterns are short.
	var match func(pi, si int) bool
	match = func(pi, si int) bool {
		for pi < len(p) {
			switch {
			case p[pi] == '\\' && pi+1 < len(p):
				if si >= len(s) || s[si] != p[pi+1] {
					return false
				}
				pi, si = pi+2, si+1
			case p[pi] == '*':
				for k := si; k <= len(s); k++ {
					if match(pi+1, k) {
						return true
					}
				}
				return false
			case p[pi] == '?':
				if si >= len(s) {
					return false
				}
				pi, si = pi+1, si+1
			default:
				if si >= len(s) || s[si] != p[pi] {
					return false
				}
				pi, si = pi+1, si+1
			}
		}
		return si == len(s)
	}
	return match(0, 0)
}

// matchCPE tells whether an asset's CPE satisfies a criterion, versions
// included.
func (m *CPEMatch) matchCPE(asset cpeName) bool {
	if m.parsed == nil {
		c, err := parseCPE(m.Criteria)
		if err != nil {
			return false
		}
		m.parsed = &c
	}
	c := *m.parsed
	for i := range c {
		if i == 3 && (m.VersionStartIncluding != "" || m.VersionStartExcluding != "" || m.VersionEndIncluding != "" || m.VersionEndExcluding != "") {
			continue // the range decides the version
		}
		if !attrMatches(c[i], asset[i]) {
			return false
		}
	}
	v := strings.ReplaceAll(asset[3], `\`, "")
	check := func(bound string, ok func(int) bool) bool {
		if bound == "" {
			return true
		}
		cmp, comparable := compareVersions(v, bound)
		return comparable && ok(cmp)
	}
	return check(m.VersionStartIncluding, func(c int) bool { return c >= 0 }) &&
		check(m.VersionStartExcluding, func(c int) bool { return c > 0 }) &&
		check(m.VersionEndIncluding, func(c int) bool { return c <= 0 }) &&
		check(m.VersionEndExcluding, func(c int) bool { return c < 0 })
}

// applies tells whether a set of CPEs (an asset's and its components')
// satisfies a configuration, and gives the criterion that made it
// vulnerable.
func (cfg Config) applies(cpes []cpeName) (string, bool) {
	and := strings.EqualFold(cfg.Operator, "AND")
	hit := ""
	any := false
	for _, n := range cfg.Nodes {
		crit, ok := n.satisfied(cpes)
		if n.Negate {
			ok = !ok
		}
		if ok && crit != "" && hit == "" {
			hit = crit
		}
		if and && !ok {
			return "", false
		}
		any = any || ok
	}
	if !any || hit == "" {
		return "", false
	}
	return hit, true
}

// satisfied tells whether a node holds for the CPEs; the criterion named
// is a vulnerable one that matched.
func (n Node) satisfied(cpes []cpeName) (string, bool) {
	and := strings.EqualFold(n.Operator, "AND")
	vulnerable := ""
	matched := 0
	for i := range n.Matches {
		m := &n.Matches[i]
		ok := false
		for _, c := range cpes {
			if m.matchCPE(c) {
				ok = true
				break
			}
		}
		if ok {
			matched++
			if m.Vulnerable && vulnerable == "" {
				vulnerable = m.Criteria
			}
		}
	}
	if and {
		return vulnerable, matched == len(n.Matches) && len(n.Matches) > 0
	}
	return vulnerable, matched > 0
}
