// Package synth generates synthetic but realistic hospital models of any
// size, deterministically from a seed, for benchmarks and tests.
//
// A model of up to SiteSize assets is one hospital; a larger one is a group
// of hospitals sharing a data centre, cloud services and remote access, each
// site with its own clinical, medical-device, building, guest and corporate
// networks. The mix of kinds, links, weaknesses and clinical services follows
// the demo hospital's.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/wardhealth/ward"
)

// SiteSize is the number of assets per hospital site.
const SiteSize = 1500

// Options steer the generator.
type Options struct {
	Assets int    // how many assets, at least MinAssets
	Seed   uint64 // same seed, same model
	// Links, when above the about 3.2 per asset a hospital's layout gives,
	// adds application flows (workstations and devices to more servers) up
	// to that many links, for denser networks.
	Links int
	// LinksPerAsset, when above 0, asks for that many links per asset on
	// average instead of Links; below what the layout itself has, it is
	// refused.
	LinksPerAsset float64
	// Variety says how much assets differ (default low: today's templates).
	Variety Variety
}

// MinAssets is the smallest model the generator makes: the shared core
// systems plus one site's infrastructure.
const MinAssets = 60

type gen struct {
	rnd    *rand.Rand
	m      *ward.Model
	counts map[string]int
	shared map[string]string // role -> asset id of shared systems
}

// Generate makes a valid model with exactly o.Assets assets.
func Generate(o Options) (*ward.Model, error) {
	if o.Assets < MinAssets {
		return nil, fmt.Errorf("at least %d assets are needed for a realistic hospital, got %d", MinAssets, o.Assets)
	}
	if o.Assets > 10_000_000 {
		return nil, fmt.Errorf("at most 10,000,000 assets, got %d", o.Assets)
	}
	variety, err := ParseVariety(string(o.Variety))
	if err != nil {
		return nil, err
	}
	if math.IsNaN(o.LinksPerAsset) || o.LinksPerAsset < 0 || o.LinksPerAsset > 1000 {
		return nil, fmt.Errorf("links-per-asset %v: give a number from the layout's about 3.1 to 1000", o.LinksPerAsset)
	}
	g := &gen{
		rnd:    rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		m:      &ward.Model{Ward: ward.FormatVersion},
		counts: map[string]int{},
		shared: map[string]string{},
	}
	sites := (o.Assets + SiteSize - 1) / SiteSize
	g.m.Organisation = ward.Organisation{ID: fmt.Sprintf("synthetic-%d", o.Seed), Name: "Synthetic General Hospital", Kind: "hospital", Country: "EU",
		Controls: []string{"asset-inventory", "incident-response-plan", "backup"}}
	if sites > 1 {
		g.m.Organisation.Name = fmt.Sprintf("Synthetic Hospital Group (%d sites)", sites)
	}
	g.m.Organisation.Country = "DE"
	g.sharedCore()
	first := len(g.m.Assets)
	budget := o.Assets - len(g.m.Assets)
	for s := 1; s <= sites; s++ {
		n := budget / (sites - s + 1)
		budget -= n
		g.site(s, n)
	}
	g.sharedServices()
	total := o.Links
	if o.LinksPerAsset > 0 {
		total = int(math.Round(o.LinksPerAsset * float64(o.Assets)))
		if total < len(g.m.Links) {
			return nil, fmt.Errorf("links-per-asset %v: the layout itself has %.2f (the cabling and the flows every device needs); ask for more, or leave it out", o.LinksPerAsset, float64(len(g.m.Links))/float64(o.Assets))
		}
	}
	if variety == VarietyLow {
		g.extraLinks(total)
	} else {
		g.spreadLinks(total, variety)
	}
	g.vary(variety, first)
	return g.m, nil
}

func (g *gen) chance(p float64) bool { return g.rnd.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.rnd.IntN(len(xs))] }

func (g *gen) zone(id string, kind ward.ZoneKind, trust ward.TrustLevel, name string, controls ...string) {
	g.m.Zones = append(g.m.Zones, ward.Zone{ID: id, Name: name, Kind: kind, Trust: trust, Controls: controls})
}

// asset adds an asset with the next id for its prefix.
func (g *gen) asset(prefix string, kind ward.AssetKind, zone string) *ward.Asset {
	g.counts[prefix]++
	a := ward.Asset{ID: fmt.Sprintf("%s-%04d", prefix, g.counts[prefix]), Kind: kind, Zone: zone, Provenance: "declared"}
	g.m.Assets = append(g.m.Assets, a)
	return &g.m.Assets[len(g.m.Assets)-1]
}

func (g *gen) link(from, to string, p ward.Protocol, port int, enc, auth bool, data ...ward.DataClass) {
	g.m.Links = append(g.m.Links, ward.Link{From: from, To: to, Protocol: p, Port: port, Encrypted: enc, Authenticated: auth, Data: data})
}

type product struct{ vendor, product, version, eos string }

var (
	serverOS = []product{
		{"Microsoft", "Windows Server", "2019", "2029-01-09"},
		{"Microsoft", "Windows Server", "2016", "2027-01-12"},
		{"Microsoft", "Windows Server", "2012 R2", "2023-10-10"},
		{"Red Hat", "Enterprise Linux", "8", "2029-05-31"},
		{"Red Hat", "Enterprise Linux", "9", "2032-05-31"},
	}
	desktopOS = []product{
		{"Microsoft", "Windows 10", "22H2", "2025-10-14"},
		{"Microsoft", "Windows 11", "23H2", "2026-11-10"},
		{"Microsoft", "Windows 11", "24H2", "2027-10-12"},
		{"Microsoft", "Windows 7", "SP1", "2020-01-14"},
	}
	devices = map[ward.AssetKind][]product{
		"infusion-pump":       {{"B. Braun Medical", "SpaceCom", "U61", ""}, {"Fresenius Kabi", "Agilia Connect", "D25", ""}, {"Baxter", "Sigma Spectrum", "8.00.01", ""}, {"BD", "Alaris 8015 PC Unit", "12.1.0", ""}},
		"patient-monitor":     {{"Philips", "IntelliVue MX450", "M.00.03", ""}, {"GE Healthcare", "CARESCAPE B450", "2.0", ""}, {"Mindray", "BeneVision N12", "2.3", ""}},
		"ventilator":          {{"Dräger", "Evita V600", "2.51", ""}, {"Hamilton Medical", "HAMILTON-C6", "1.1", ""}},
		"anaesthesia-machine": {{"Dräger", "Perseus A500", "2.0", ""}, {"GE Healthcare", "Aisys CS2", "11", ""}},
		"imaging-modality":    {{"Siemens Healthineers", "SOMATOM go.Up", "VA30", ""}, {"GE Healthcare", "Revolution CT", "22.1", ""}, {"Philips", "Ingenia MR", "5.7", ""}, {"Carestream", "DRX-Evolution", "5.7", "2022-12-31"}},
		"imaging-workstation": {{"Philips", "IntelliSpace Portal", "9.0", "2021-12-31"}, {"Siemens Healthineers", "syngo.via", "VB60", ""}},
		"lab-analyser":        {{"Roche", "cobas 8000", "06-02", ""}, {"Abbott", "Alinity ci", "3.4", ""}, {"Siemens Healthineers", "Atellica", "1.25", ""}},
		"dialysis-machine":    {{"Fresenius Medical Care", "5008S", "4.6", ""}, {"B. Braun Medical", "Dialog+", "9.1", ""}},
		"defibrillator":       {{"ZOLL", "R Series", "3.0", ""}, {"Philips", "HeartStart MRx", "F.03", ""}},
		"implant-programmer":  {{"Medtronic", "CareLink 2090", "2.0", ""}, {"Abbott", "Merlin PCS 3650", "24.2", ""}},
		"mobile-client":       {{"Apple", "iPhone", "iOS 18", ""}, {"Samsung", "Galaxy XCover", "Android 14", ""}, {"Zebra", "TC52-HC", "Android 11", "2025-06-30"}},
		"printer":             {{"HP", "LaserJet M507", "5.6", ""}, {"Zebra", "ZD621", "V93", ""}},
		"hvac":                {{"Siemens", "Desigo PXC5", "6.2", ""}, {"Johnson Controls", "Metasys NAE55", "10.1", "2024-06-30"}},
		"identification":      {{"HID Global", "iCLASS SE Reader", "8.7", ""}, {"Zebra", "FX9600 RFID", "3.10", ""}},
		"access-control":      {{"Honeywell", "Pro-Watch", "5.5", ""}},
		"rtls":                {{"Stanley Healthcare", "AeroScout T15 Tag", "4.1", ""}},
		"nurse-call":          {{"Ascom", "telecare IP", "7.2", ""}, {"Rauland", "Responder 5", "5.9", ""}},
	}
)

func (g *gen) dress(a *ward.Asset, ps []product) {
	p := pick(g, ps)
	a.Vendor, a.Product, a.Version = p.vendor, p.product, p.version
	a.EndOfSupport = ward.Date(p.eos)
}
