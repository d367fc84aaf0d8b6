package synth

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/wardhealth/ward"
)

// Variety says how much the assets of a generated hospital differ from
// one another (docs/cli.md, "ward gen").
type Variety string

const (
	// VarietyLow dresses every asset of a kind from a few templates: many
	// assets share all their facts, as in the generator's first versions.
	VarietyLow Variety = "low"
	// VarietyRealistic gives each site asset its own version (spread over
	// the ranges the advisories name), its own controls (drawn with the
	// probabilities of variety.go's controlOdds) and its own number of
	// application flows.
	VarietyRealistic Variety = "realistic"
	// VarietyHigh spreads versions twice as wide, draws each control with
	// a probability of its own per asset, and flows more unevenly.
	VarietyHigh Variety = "high"
)

// ParseVariety reads a variety's name; "" is low.
func ParseVariety(s string) (Variety, error) {
	switch v := Variety(s); v {
	case "":
		return VarietyLow, nil
	case VarietyLow, VarietyRealistic, VarietyHigh:
		return v, nil
	}
	return "", fmt.Errorf("variety %q: use low, realistic or high", s)
}

// versionLines are the versions a product is found in, oldest first, for
// the products the demo's advisories name: a realistic hospital has them
// on both sides of an advisory's "<= U61" or "Rev J-M".
var versionLines = map[string][]string{
	// ICSMA-20-296-02, ICSMA-21-294-01: SpaceCom <= U61 / <= L81.
	"SpaceCom": {"U57", "U58", "U59", "U60", "U61", "U62", "U63", "L78", "L79", "L80", "L81", "L82", "L83"},
	// ICSMA-18-156-01: IntelliVue MX Rev J-M.
	"IntelliVue MX450": {"J.10.52", "K.10.24", "L.01.13", "M.00.03", "M.00.04", "N.00.01", "N.01.02"},
	// ICSMA-18-347-01, ICSMA-19-080-01: CareLink 2090, all versions.
	"CareLink 2090": {"1.6", "1.8", "2.0", "2.1", "2.2"},
}

// controlOdds are the probabilities that a site asset of each group has
// each control, at realistic variety. At high variety each asset draws
// each probability anew, uniform between 0.05 and 0.95.
var controlOdds = map[string][]struct {
	control string
	p       float64
}{
	"endpoint": {{"patch-management", 0.7}, {"edr", 0.6}, {"logging", 0.5}, {"hardening", 0.3}, {"disk-encryption", 0.4}, {"mfa", 0.25}},
	"device":   {{"strong-credentials", 0.3}, {"device-authentication", 0.2}, {"logging", 0.2}, {"patch-management", 0.3}, {"hardening", 0.15}},
	"building": {{"strong-credentials", 0.25}, {"logging", 0.2}, {"physical-protection", 0.3}},
}

// group says which controlOdds an asset draws from, or "".
func group(a *ward.Asset) string {
	k, _ := ward.LookupKind(a.Kind)
	switch k.Category {
	case ward.CategoryEndpoint, ward.CategoryMobile:
		return "endpoint"
	case ward.CategoryMedicalDevice, ward.CategoryIdentification:
		return "device"
	case ward.CategoryBuilding:
		return "building"
	}
	if a.Kind == "server" {
		return "endpoint"
	}
	return ""
}

// vary gives the site assets (those from first on) their own versions and
// controls.
func (g *gen) vary(v Variety, first int) {
	if v == VarietyLow {
		return
	}
	spread := 1
	if v == VarietyHigh {
		spread = 2
	}
	for i := first; i < len(g.m.Assets); i++ {
		a := &g.m.Assets[i]
		if a.Version != "" {
			a.Version = g.version(a.Product, a.Version, spread)
		}
		grp := group(a)
		if grp == "" {
			continue
		}
		var cs []string
		for _, o := range controlOdds[grp] {
			p := o.p
			if v == VarietyHigh {
				p = 0.05 + 0.9*g.rnd.Float64()
			}
			if g.chance(p) {
				cs = append(cs, o.control)
			}
		}
		a.Controls = cs
	}
}

// version draws a product's version: from its line when the advisories
// name one (spread lines further on either side at high variety), else
// the template's with its last number moved by up to 3 x spread either
// way (never below 0), and a build number half of the time.
func (g *gen) version(product, template string, spread int) string {
	if line, ok := versionLines[product]; ok {
		at := slices.Index(line, template)
		if at < 0 {
			at = len(line) / 2
		}
		k := at + g.rnd.IntN(len(line)*spread) - len(line)*spread/2
		return line[min(max(k, 0), len(line)-1)]
	}
	end := strings.LastIndexFunc(template, func(r rune) bool { return r < '0' || r > '9' }) + 1
	out := template
	if n, err := strconv.Atoi(template[end:]); err == nil && end < len(template) {
		n = max(n+g.rnd.IntN(6*spread+1)-3*spread, 0)
		out = template[:end] + strconv.Itoa(n)
	}
	if g.chance(0.5) {
		out += "." + strconv.Itoa(g.rnd.IntN(40*spread))
	}
	return out
}

// spreadLinks adds application flows until the model has total links, as
// extraLinks does, but with each client's number of new flows its own:
// drawn log-normally (sigma 0.6 at realistic, 1.0 at high variety) around
// the mean the total asks for, the clients taken in turn.
func (g *gen) spreadLinks(total int, v Variety) {
	if total <= len(g.m.Links) {
		return
	}
	clients, servers := g.ends()
	if len(clients) == 0 || len(servers) == 0 {
		return
	}
	sigma := 0.6
	if v == VarietyHigh {
		sigma = 1.0
	}
	mean := float64(total-len(g.m.Links)) / float64(len(clients))
	seen := g.flows(total)
	for len(g.m.Links) < total {
		added := 0
		for _, c := range clients {
			want := int(math.Round(mean * math.Exp(sigma*g.rnd.NormFloat64()-sigma*sigma/2)))
			for k := 0; k < want && len(g.m.Links) < total; k++ {
				if g.flow(c, servers[g.rnd.IntN(len(servers))], seen) {
					added++
				}
			}
		}
		if added == 0 {
			return // every flow there is, is there
		}
	}
}
