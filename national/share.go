// Package national is the hub's view across operators: the national
// services a health authority models, the hospitals whose external
// services bind to them, and, over what each hospital shares, which
// hospitals' clinical services stop when a national service, a cloud
// provider, a telecom uplink or a vendor's remote access fails,
// concentration on providers and device models, national single points of
// failure, and exposure to advisories (docs/national.md).
package national

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
)

// Red tells whether an asset is TLP:RED: it stays home.
func Red(a *ward.Asset) bool {
	return slices.ContainsFunc(a.Tags, func(t string) bool { return strings.EqualFold(t, ward.RedTag) })
}

// Project is what a hospital shares of its model at a level: a copy,
// never the model itself. At every level a TLP:RED asset is replaced by a
// placeholder ("withheld-1", kind unknown, in the same zone) that keeps
// what depends on it depending on something, without saying what. At
// counts and none it is nil: the hub gets the summary, or nothing.
func Project(m *ward.Model, level ward.ShareLevel) *ward.Model {
	if level.Rank() < ward.ShareServices.Rank() {
		return nil
	}
	rename := map[string]string{}
	for i := range m.Assets {
		if Red(&m.Assets[i]) {
			rename[m.Assets[i].ID] = fmt.Sprintf("withheld-%d", len(rename)+1)
		}
	}
	ref := func(id string) string {
		if r, ok := rename[id]; ok {
			return r
		}
		return id
	}
	refs := func(ids []string) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = ref(id)
		}
		return out
	}
	full := level == ward.ShareFull
	out := &ward.Model{Ward: m.Ward}
	out.Organisation = ward.Organisation{ID: m.Organisation.ID, Name: m.Organisation.Name, Kind: m.Organisation.Kind, Country: m.Organisation.Country, Region: m.Organisation.Region}
	if full {
		out.Organisation = m.Organisation
		out.Rules = slices.Clone(m.Rules)
		out.Controls = slices.Clone(m.Controls)
		out.Decisions = slices.Clone(m.Decisions)
		out.Costs = m.Costs
	}
	for _, z := range m.Zones {
		if !full {
			z = ward.Zone{ID: z.ID, Kind: z.Kind, Trust: z.Trust}
		}
		out.Zones = append(out.Zones, z)
	}
	for i := range m.Assets {
		a := m.Assets[i]
		if id, red := rename[a.ID]; red {
			out.Assets = append(out.Assets, ward.Asset{ID: id, Kind: "unknown", Zone: a.Zone, DependsOn: refs(a.DependsOn)})
			continue
		}
		if !full {
			b := ward.Asset{ID: a.ID, Kind: a.Kind, Zone: a.Zone, Vendor: a.Vendor, Product: a.Product, Version: a.Version, Model: a.Model,
				Site: a.Site, National: a.National, InternetExposed: a.InternetExposed, Criticality: a.Criticality, CPE: a.CPE, PURL: a.PURL}
			// A standby changes what a failure stops: the one control
			// the dependency view needs.
			if slices.Contains(a.Controls, "redundancy") {
				b.Controls = []string{"redundancy"}
			}
			a = b
		}
		a.DependsOn = refs(a.DependsOn)
		out.Assets = append(out.Assets, a)
	}
	for _, l := range m.Links {
		if !full {
			l = ward.Link{ID: l.ID, From: l.From, To: l.To, Protocol: l.Protocol, Port: l.Port, Encrypted: l.Encrypted, Authenticated: l.Authenticated}
		}
		l.From, l.To = ref(l.From), ref(l.To)
		out.Links = append(out.Links, l)
	}
	for _, g := range m.Redundancy {
		g.Of = refs(g.Of)
		out.Redundancy = append(out.Redundancy, g)
	}
	for _, s := range m.Services {
		if !full {
			s = ward.Service{ID: s.ID, Name: s.Name, MaxOutage: s.MaxOutage, PatientSafety: s.PatientSafety, DependsOn: s.DependsOn}
		}
		s.DependsOn = refs(s.DependsOn)
		out.Services = append(out.Services, s)
	}
	if full {
		for i := range out.Decisions {
			out.Decisions[i].Asset = ref(out.Decisions[i].Asset)
		}
		for i := range out.Rules {
			out.Rules[i].To = ref(out.Rules[i].To)
		}
	}
	return out
}

// Counts is what a hospital sharing counts only tells the hub.
func Counts(m *ward.Model, today string) ward.Summary {
	s := m.Summarise(today)
	for i := range m.Assets {
		if Red(&m.Assets[i]) {
			s.Assets--
		}
	}
	return s
}
