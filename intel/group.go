package intel

// AssetMatches is one asset's matches, in the order to patch them.
type AssetMatches struct {
	Asset   string  `json:"asset"`
	Matches []Match `json:"matches"`
	// Exploited counts the matches known to be exploited (KEV).
	Exploited int `json:"exploited,omitempty"`
	// MaxCVSS is the highest CVSS score of the matches.
	MaxCVSS float64 `json:"max_cvss,omitempty"`
}

// ByAsset groups matches by asset for patching: each asset's matches in
// Prioritise order, the assets in the order of their most urgent match.
// Matches by product family only (rule "family") are kept apart, in
// Prioritise order, for a biomedical engineer to check the device's model:
// they are the second result.
func ByAsset(ms []Match) ([]AssetMatches, []Match) {
	var groups []AssetMatches
	var family []Match
	at := map[string]int{}
	for _, m := range Prioritise(ms) {
		if m.Rule == "family" {
			family = append(family, m)
			continue
		}
		i, ok := at[m.Asset]
		if !ok {
			i = len(groups)
			at[m.Asset] = i
			groups = append(groups, AssetMatches{Asset: m.Asset})
		}
		g := &groups[i]
		g.Matches = append(g.Matches, m)
		if m.Exploited {
			g.Exploited++
		}
		if m.CVSS > g.MaxCVSS {
			g.MaxCVSS = m.CVSS
		}
	}
	return groups, family
}
