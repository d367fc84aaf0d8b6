package assess_test

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
)

// redundant adds to a generated hospital what the generator does not
// write: the two domain controllers as a group (one of two) on one site,
// each on its own hypervisor; each site's infusion pumps as a group that
// needs all but two, the medication service depending on it; the site's
// core switch, pump server and a third of its access switches on the
// site's UPS; every workstation logging on through the directory.
func redundant(m *ward.Model) {
	byName := map[string]int{}
	for i, a := range m.Assets {
		byName[a.Name] = i
	}
	dc1, dc2 := byName["Domain controller 1"], byName["Domain controller 2"]
	hv1, hv2 := byName["Hypervisor 1"], byName["Hypervisor 2"]
	m.Assets[dc1].DependsOn = []string{m.Assets[hv1].ID}
	m.Assets[dc2].DependsOn = []string{m.Assets[hv2].ID}
	m.Assets[dc1].Site, m.Assets[dc2].Site = "dc-room-1", "dc-room-1"
	m.Redundancy = append(m.Redundancy, ward.RedundancyGroup{ID: "directory", Need: 1, Of: []string{m.Assets[dc1].ID, m.Assets[dc2].ID}})
	pumps := map[string][]string{}
	ups := map[string]string{}
	access := 0
	for i := range m.Assets {
		a := &m.Assets[i]
		site, _, _ := strings.Cut(a.ID, "-")
		switch {
		case a.Kind == "infusion-pump":
			pumps[site] = append(pumps[site], a.ID)
			a.Site = fmt.Sprintf("%s-ward-%d", site, len(pumps[site])%4)
		case a.Kind == "power-supply" && strings.HasPrefix(a.ID, "s"):
			ups[site] = a.ID
		case a.Kind == "workstation":
			a.DependsOn = append(a.DependsOn, "directory")
		}
	}
	for i := range m.Assets {
		a := &m.Assets[i]
		site, _, _ := strings.Cut(a.ID, "-")
		u, ok := ups[site]
		if !ok {
			continue
		}
		if strings.Contains(a.ID, "-core") || strings.Contains(a.ID, "-pumpsrv") || (strings.Contains(a.ID, "-acc") && access%3 == 0) {
			a.DependsOn = append(a.DependsOn, u)
		}
		if strings.Contains(a.ID, "-acc") {
			access++
		}
	}
	for i := range m.Services {
		s := &m.Services[i]
		if j := slices.Index(s.DependsOn, m.Assets[dc1].ID); j >= 0 {
			s.DependsOn[j] = "directory"
		}
		site, _, _ := strings.Cut(s.ID, "-")
		if strings.HasSuffix(s.ID, "-medication") && len(pumps[site]) >= 2 {
			g := site + "-pumps"
			m.Redundancy = append(m.Redundancy, ward.RedundancyGroup{ID: g, Need: len(pumps[site]) - 2, Of: pumps[site]})
			s.DependsOn = append(s.DependsOn, g)
		}
	}
}
