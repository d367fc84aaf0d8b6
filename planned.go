package ward

import "slices"

// ProvenancePlanned marks an asset, or a link, that does not exist yet: a
// candidate device placed in the model before it is bought.
const ProvenancePlanned Provenance = "planned"

// Planned lists the ids of the model's planned assets.
func (m *Model) Planned() []string {
	var ids []string
	for i := range m.Assets {
		if m.Assets[i].Provenance == ProvenancePlanned {
			ids = append(ids, m.Assets[i].ID)
		}
	}
	return ids
}

// WithoutPlanned is the model as it exists: without its planned assets,
// the links that touch them or are planned themselves, and the services'
// dependencies on them. A model with nothing planned is returned as it is;
// otherwise the copy shares nothing that it changes with m.
func (m *Model) WithoutPlanned() *Model {
	gone := map[string]bool{}
	for _, id := range m.Planned() {
		gone[id] = true
	}
	plannedLink := slices.ContainsFunc(m.Links, func(l Link) bool { return l.Notes().Provenance == ProvenancePlanned })
	if len(gone) == 0 && !plannedLink {
		return m
	}
	c := *m
	c.Assets = slices.DeleteFunc(slices.Clone(m.Assets), func(a Asset) bool { return gone[a.ID] })
	c.Links = slices.DeleteFunc(slices.Clone(m.Links), func(l Link) bool {
		return gone[l.From] || gone[l.To] || l.Notes().Provenance == ProvenancePlanned
	})
	c.Services = slices.Clone(m.Services)
	for i := range c.Services {
		s := &c.Services[i]
		if slices.ContainsFunc(s.DependsOn, func(id string) bool { return gone[id] }) {
			s.DependsOn = slices.DeleteFunc(slices.Clone(s.DependsOn), func(id string) bool { return gone[id] })
		}
	}
	return &c
}
