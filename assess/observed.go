package assess

import (
	"slices"
	"strings"
)

// Observation is an attack seen happening on an asset — a detection in
// its logs (ward detect) — with the ATT&CK techniques it shows. A threat
// of the catalog with the same technique is then not only possible but
// under way: its likelihood on that asset rises by ObservedRaise, with
// Text as the factor's reason.
type Observation struct {
	Asset      string   `json:"asset"`
	Techniques []string `json:"techniques"`
	// Text says what was seen, e.g. "observed: 142 failed logons from 3
	// sources in 10 min on vpn-vendor".
	Text string `json:"text"`
}

// ObservedRaise is how much an observation raises a threat's likelihood.
const ObservedRaise = 2

// observedFor returns the reasons of the observations on an asset that
// share an ATT&CK technique with a threat (T1110.001 is T1110).
func observedFor(obs map[string][]Observation, asset string, attack []string) string {
	var texts []string
	for _, o := range obs[asset] {
		if sameTechnique(o.Techniques, attack) && !slices.Contains(texts, o.Text) {
			texts = append(texts, o.Text)
		}
	}
	return strings.Join(texts, "; ")
}

func sameTechnique(a, b []string) bool {
	base := func(t string) string { s, _, _ := strings.Cut(strings.ToUpper(t), "."); return s }
	for _, x := range a {
		for _, y := range b {
			if base(x) == base(y) {
				return true
			}
		}
	}
	return false
}

func indexObserved(obs []Observation) map[string][]Observation {
	if len(obs) == 0 {
		return nil
	}
	m := map[string][]Observation{}
	for _, o := range obs {
		m[o.Asset] = append(m[o.Asset], o)
	}
	return m
}
