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
func (m *Model) Exposure() []string { return m.Index().Exposure() }

// Exposure is the model's Exposure, its link ends resolved by the index.
func (x *Index) Exposure() []string {
	m := x.m
	out := make([]string, len(m.Assets))
	for i := range m.Assets {
		if m.Assets[i].InternetExposed {
			out[i] = "declared reachable from the Internet (internet_exposed)"
		}
	}
	for k := range m.Links {
		l := &m.Links[k]
		if l.Protocol == "ethernet" {
			continue
		}
		i, ok := x.To[k].Asset()
		if !ok || out[i] != "" || x.ZoneKindOf(x.From[k]) != "internet" || x.ZoneKindOf(x.To[k]) == "internet" {
			continue
		}
		out[i] = "a " + string(l.Protocol) + " link from the Internet reaches it"
		if d := l.Notes().Description; d != "" {
			out[i] += " (" + d + ")"
		}
	}
	for _, o := range m.Openings() {
		r := &m.Rules[o.Rule]
		if x.ZoneKind(r.From) != "internet" {
			continue
		}
		for _, i := range o.Assets {
			if out[i] == "" && x.ZoneKind(m.Assets[i].Zone) != "internet" {
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
	for _, z := range m.Zones {
		if z.ID == a.Zone {
			return external(a, z.Kind)
		}
	}
	return external(a, "")
}

// External is the model's External for the asset at position i.
func (x *Index) External(i int) bool {
	a := &x.m.Assets[i]
	return external(a, x.ZoneKind(a.Zone))
}

func external(a *Asset, zone ZoneKind) bool {
	if k, ok := LookupKind(a.Kind); ok && k.Category == CategoryExternalService {
		return true
	}
	return zone == "internet"
}
