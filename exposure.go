package ward

// Exposure says for each asset of a valid model, in model order, why it is
// reachable from the Internet, or "" when it is not. This is Ward's one
// definition, used by the summary, the asset and link lists, the dashboard
// and the assessment's finding:
//
//   - the model declares it (internet_exposed), or
//   - a link from a zone of kind internet reaches it (a cable, protocol
//     ethernet, is no way in by itself), or
//   - a rule lets a zone of kind internet open connections to it.
//
// An asset in a zone of kind internet is not the hospital's own: it is a
// service out on the Internet (the national ePrescription service, a
// partner's API). It is not counted here; see External.
func (m *Model) Exposure() []string {
	internet := map[string]bool{}
	for _, z := range m.Zones {
		if z.Kind == "internet" {
			internet[z.ID] = true
		}
	}
	index := make(map[string]int, len(m.Assets))
	for i := range m.Assets {
		index[m.Assets[i].ID] = i
	}
	zoneOf := func(id string) string {
		if i, ok := index[id]; ok {
			return m.Assets[i].Zone
		}
		return id
	}
	out := make([]string, len(m.Assets))
	for i := range m.Assets {
		if m.Assets[i].InternetExposed {
			out[i] = "declared reachable from the Internet (internet_exposed)"
		}
	}
	for k := range m.Links {
		l := &m.Links[k]
		if l.Protocol == "ethernet" || !internet[zoneOf(l.From)] {
			continue
		}
		i, ok := index[l.To]
		if !ok || out[i] != "" || internet[m.Assets[i].Zone] {
			continue
		}
		out[i] = "a " + string(l.Protocol) + " link from the Internet reaches it"
		if l.Description != "" {
			out[i] += " (" + l.Description + ")"
		}
	}
	for _, o := range m.Openings() {
		r := &m.Rules[o.Rule]
		if !internet[r.From] {
			continue
		}
		for _, i := range o.Assets {
			if out[i] == "" && !internet[m.Assets[i].Zone] {
				out[i] = "rule " + r.Describe() + " lets the Internet reach it"
			}
		}
	}
	return out
}

// External says whether an asset is a service the hospital uses but does
// not run: of the external-service kinds, or out in a zone of kind
// internet. The hospital cannot take it off the Internet or patch it; it
// can guard the connection to it and plan for its failure.
func (m *Model) External(a *Asset) bool {
	if k, ok := LookupKind(a.Kind); ok && k.Category == CategoryExternalService {
		return true
	}
	for _, z := range m.Zones {
		if z.ID == a.Zone {
			return z.Kind == "internet"
		}
	}
	return false
}
