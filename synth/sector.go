package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/wardhealth/ward"
)

// SectorOptions steer Sector.
type SectorOptions struct {
	Hospitals int    // how many hospitals, at least 1
	Assets    int    // assets per hospital, at least MinAssets
	Seed      uint64 // same seed, same sector
}

// HubID is the id of the hub Sector makes.
const HubID = "national-health-agency"

// NationalServices are the services the hub of Sector publishes, by id.
var NationalServices = []string{"erx", "ehr", "eid", "hie"}

// Sector makes a health sector: a hub (a health authority) modelling the
// national services — ePrescription (erx), the national patient summary
// (ehr), eID and its PKI (eid), the health information exchange (hie) —
// and hospitals whose external services bind to them, each with its cloud
// provider, telecom carrier and device vendors' remote access, spread over
// a few countries. The hub comes first. Each hospital has o.Assets assets
// and clinical services that need the national services; some reach them
// over two carriers, most over one.
func Sector(o SectorOptions) ([]*ward.Model, error) {
	if o.Hospitals < 1 {
		return nil, fmt.Errorf("at least one hospital, got %d", o.Hospitals)
	}
	if o.Hospitals > 100_000 {
		return nil, fmt.Errorf("at most 100,000 hospitals, got %d", o.Hospitals)
	}
	if o.Assets < MinAssets+5 {
		return nil, fmt.Errorf("at least %d assets per hospital in a sector, got %d", MinAssets+5, o.Assets)
	}
	rnd := rand.New(rand.NewPCG(o.Seed, o.Seed^0x51ed270b27f4a7c1))
	out := []*ward.Model{hub()}
	for i := 1; i <= o.Hospitals; i++ {
		m, err := Generate(Options{Assets: o.Assets - 5, Seed: o.Seed*1_000_003 + uint64(i)})
		if err != nil {
			return nil, err
		}
		bindHospital(m, i, rnd)
		out = append(out, m)
	}
	return out, nil
}

var (
	countries = []string{"DE", "DE", "DE", "AT", "FR", "NL", "BE"}
	clouds    = []string{"Microsoft", "Microsoft", "Microsoft", "Amazon Web Services", "Google Cloud", "OVHcloud", "IONOS"}
	carriers  = []string{"Deutsche Telekom", "Deutsche Telekom", "Vodafone", "Telefonica", "Orange", "KPN", "Proximus"}
	// regions are a few ISO 3166-2 subdivisions of each country.
	regions = map[string][]string{
		"DE": {"DE-BY", "DE-BW", "DE-NW", "DE-NI", "DE-HE", "DE-BE"},
		"AT": {"AT-9", "AT-3", "AT-6"},
		"FR": {"FR-IDF", "FR-ARA", "FR-OCC"},
		"NL": {"NL-NH", "NL-ZH"},
		"BE": {"BE-VLG", "BE-WAL", "BE-BRU"},
	}
	vendors = []string{"Philips", "GE HealthCare", "Siemens Healthineers", "Baxter", "Draeger", "B. Braun"}
)

// hub is the national health agency's model.
func hub() *ward.Model {
	d := func(s string) ward.Duration { v, _ := ward.ParseDuration(s); return v }
	return &ward.Model{
		Ward:         ward.FormatVersion,
		Organisation: ward.Organisation{ID: HubID, Name: "National Health Agency", Kind: "health-authority", Country: "DE", Region: "DE-BE"},
		Zones: []ward.Zone{
			{ID: "internet", Name: "Internet", Kind: "internet", Trust: "untrusted"},
			{ID: "cloud", Name: "Government cloud tenant", Kind: "cloud", Trust: "medium"},
			{ID: "datacentre", Name: "Agency data centre", Kind: "datacentre", Trust: "high"},
		},
		Assets: []ward.Asset{
			{ID: "erx-platform", Name: "ePrescription platform", Kind: "eprescription", Zone: "cloud", Vendor: "Microsoft", Product: "Azure", Data: []ward.DataClass{"prescriptions"}},
			{ID: "erx-db", Name: "Prescription store", Kind: "database", Zone: "cloud", Vendor: "Microsoft", Product: "Azure SQL"},
			{ID: "ehr-platform", Name: "National patient summary", Kind: "ehr", Zone: "datacentre", Vendor: "Dedalus", Product: "HealthShare", Data: []ward.DataClass{"phi"}},
			{ID: "pki-ca", Name: "eHealth PKI certificate authority", Kind: "identity-provider", Zone: "datacentre", Vendor: "Bundesdruckerei", Controls: []string{"redundancy"}},
			{ID: "eid-idp", Name: "eID identity provider", Kind: "identity-provider", Zone: "datacentre", Vendor: "Bundesdruckerei", DependsOn: []string{"pki-ca"}},
			{ID: "hie-broker", Name: "Health information exchange broker", Kind: "integration-engine", Zone: "cloud", Vendor: "Amazon Web Services", Product: "HealthLake"},
			{ID: "agency-core", Name: "Agency core switch", Kind: "switch", Zone: "datacentre", Vendor: "Cisco", Product: "Nexus 9300"},
			{ID: "agency-uplink", Name: "Agency Internet uplink", Kind: "network-device", Zone: "internet", Vendor: "Deutsche Telekom"},
		},
		Links: []ward.Link{
			{From: "ehr-platform", To: "agency-core", Protocol: "ethernet"},
			{From: "pki-ca", To: "agency-core", Protocol: "ethernet"},
			{From: "eid-idp", To: "agency-core", Protocol: "ethernet"},
			{From: "agency-uplink", To: "agency-core", Protocol: "ethernet"},
			{From: "erx-platform", To: "erx-db", Protocol: "sql", Port: 1433, Encrypted: true, Authenticated: true},
		},
		Services: []ward.Service{
			{ID: "erx", Name: "National ePrescription", MaxOutage: d("4h"), PatientSafety: "high", DependsOn: []string{"erx-platform", "erx-db", "eid"}},
			{ID: "ehr", Name: "National patient summary", MaxOutage: d("8h"), PatientSafety: "medium", DependsOn: []string{"ehr-platform", "eid", "agency-uplink"}},
			{ID: "eid", Name: "National eID and PKI", MaxOutage: d("2h"), PatientSafety: "medium", DependsOn: []string{"eid-idp", "pki-ca"}},
			{ID: "hie", Name: "Health information exchange", MaxOutage: d("8h"), PatientSafety: "medium", DependsOn: []string{"hie-broker"}},
		},
	}
}

// bindHospital makes a generated hospital the i-th of the sector: its
// name and country, its providers, and its external services bound to the
// hub's national services.
func bindHospital(m *ward.Model, i int, rnd *rand.Rand) {
	pick := func(xs []string) string { return xs[rnd.IntN(len(xs))] }
	m.Organisation.ID = fmt.Sprintf("hospital-%04d", i)
	m.Organisation.Name = fmt.Sprintf("Hospital %d", i)
	m.Organisation.Country = pick(countries)
	// The region follows from the hospital's number, so that it draws
	// nothing from rnd and the rest of the sector stays as it was.
	rs := regions[m.Organisation.Country]
	m.Organisation.Region = rs[i%len(rs)]
	cloud, remote := pick(clouds), pick(vendors)
	var erx string
	for k := range m.Assets {
		a := &m.Assets[k]
		switch {
		case a.Kind == "external-service" && a.Zone == "internet":
			a.National, erx = "erx", a.ID
		case a.Kind == "external-service" && a.Zone == "vendor-remote":
			a.Vendor = remote
		case a.Zone == "cloud" && a.Vendor == "":
			a.Vendor = cloud
		}
	}
	// The national services are reached over the hospital's uplink, or
	// over either of two carriers.
	uplinks := []ward.Asset{{ID: "isp-uplink-1", Name: "Internet uplink", Kind: "network-device", Zone: "internet", Vendor: pick(carriers), Tags: []string{"uplink"}}}
	via := "isp-uplink-1"
	if rnd.Float64() < 0.3 {
		second := pick(carriers)
		for second == uplinks[0].Vendor {
			second = pick(carriers)
		}
		uplinks = append(uplinks, ward.Asset{ID: "isp-uplink-2", Name: "Second Internet uplink", Kind: "network-device", Zone: "internet", Vendor: second, Tags: []string{"uplink"}})
		m.Redundancy = append(m.Redundancy, ward.RedundancyGroup{ID: "uplinks", Name: "Internet uplinks", Need: 1, Of: []string{"isp-uplink-1", "isp-uplink-2"}})
		via = "uplinks"
	}
	nat := func(id, service, name string) ward.Asset {
		return ward.Asset{ID: id, Name: name, Kind: "external-service", Zone: "internet", National: service, DependsOn: []string{via}}
	}
	m.Assets = append(m.Assets, uplinks...)
	m.Assets = append(m.Assets, nat("nat-ehr", "ehr", "National patient summary"), nat("nat-eid", "eid", "National eID"), nat("nat-hie", "hie", "Health information exchange"))
	if len(uplinks) == 1 { // keep the count: a spare fifth asset
		m.Assets = append(m.Assets, ward.Asset{ID: "isp-router", Name: "Carrier's router", Kind: "router", Zone: "dmz", Vendor: uplinks[0].Vendor, DependsOn: []string{"isp-uplink-1"}})
	}
	for k := range m.Assets {
		if m.Assets[k].ID == erx {
			m.Assets[k].DependsOn = append(m.Assets[k].DependsOn, via)
		}
	}
	d := func(s string) ward.Duration { v, _ := ward.ParseDuration(s); return v }
	var ehr string
	for k := range m.Services {
		s := &m.Services[k]
		if s.ID == "eprescription" {
			if len(s.DependsOn) > 2 {
				ehr = s.DependsOn[2]
			}
			if rnd.Float64() < 0.7 && !slices.Contains(s.DependsOn, "nat-eid") {
				s.DependsOn = append(s.DependsOn, "nat-eid")
			}
		}
	}
	m.Services = append(m.Services,
		ward.Service{ID: "patient-summary", Name: "Patient summary on admission", MaxOutage: d([]string{"4h", "8h", "1d"}[rnd.IntN(3)]), PatientSafety: "medium", DependsOn: nonEmpty("nat-ehr", ehr)},
		ward.Service{ID: "referrals", Name: "Referrals and discharge letters", MaxOutage: d([]string{"8h", "1d", "2d"}[rnd.IntN(3)]), PatientSafety: "low", DependsOn: nonEmpty("nat-hie", ehr)},
		ward.Service{ID: "staff-login", Name: "Staff sign-in with the health professional card", MaxOutage: d([]string{"30m", "1h", "2h"}[rnd.IntN(3)]), PatientSafety: "high", DependsOn: []string{"nat-eid"}},
	)
}

func nonEmpty(ids ...string) []string {
	return slices.DeleteFunc(ids, func(s string) bool { return s == "" })
}
