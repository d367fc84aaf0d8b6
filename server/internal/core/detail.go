package core

import (
	"net/http"
	"slices"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/intel"
)

// AssetDetail is one asset with what surrounds it: its links, the risks
// and findings on it, and its known vulnerabilities.
type AssetDetail struct {
	Asset ward.Asset `json:"asset"`
	// Reachable says why the asset is reachable from the Internet ("" when
	// it is not), as ward.Model.Exposure defines it.
	Reachable       string         `json:"reachable_from_internet,omitempty"`
	Links           []ward.Link    `json:"links"`
	Risks           []assess.Risk  `json:"risks"`
	Findings        []AssetFinding `json:"findings"`
	Vulnerabilities []intel.Match  `json:"vulnerabilities"`
	Services        []ward.Service `json:"services"`
}

// AssetFinding is a finding's weakness with the evidence on one asset.
type AssetFinding struct {
	Weakness string `json:"weakness"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Evidence string `json:"evidence"`
	Remedy   string `json:"remedy,omitempty"`
}

func DetailOf(v *View, id string) (*AssetDetail, error) {
	m := v.Model
	i := findAsset(m, id)
	if i < 0 {
		return nil, Fail(http.StatusNotFound, "asset %q: not found", id)
	}
	d := &AssetDetail{Asset: m.Assets[i], Reachable: v.ReachableFromInternet(id), Links: []ward.Link{}, Risks: []assess.Risk{}, Findings: []AssetFinding{},
		Vulnerabilities: []intel.Match{}, Services: []ward.Service{}}
	for _, l := range m.Links {
		if l.From == id || l.To == id {
			d.Links = append(d.Links, l)
		}
	}
	for _, r := range v.Result.Risks {
		if slices.Contains(r.Assets, id) {
			d.Risks = append(d.Risks, r)
		}
	}
	for _, f := range v.Result.Findings {
		if j := slices.Index(f.Assets, id); j >= 0 {
			d.Findings = append(d.Findings, AssetFinding{f.Weakness, f.Title, f.Severity, f.Evidence[j], f.Remedy})
		}
	}
	for _, vm := range intel.Prioritise(v.Result.Vulnerabilities) {
		if vm.Asset == id {
			d.Vulnerabilities = append(d.Vulnerabilities, vm)
		}
	}
	for _, s := range m.Services {
		if slices.Contains(s.DependsOn, id) {
			d.Services = append(d.Services, s)
		}
	}
	return d, nil
}
