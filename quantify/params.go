package quantify

import (
	"fmt"
	"math"
	"strings"

	"github.com/wardhealth/ward"
)

// Method names the version of the method, recorded with every figure: a
// change to a default, a mapping or the way events are drawn is a new
// version.
const Method = "ward-fair-1"

// Currency is the currency of Ward's defaults.
const Currency = "EUR"

// Parameter is one figure the loss depends on, where it came from, and
// whether the organisation set it.
type Parameter struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"`
	// Set says the model's costs block gave it; otherwise it is Ward's
	// default.
	Set bool `json:"set"`
}

// Sources of the defaults (docs/risk-method.md, "Expected loss"). An
// "assumption" has no public figure behind it: set the organisation's own.
const (
	srcRate       = "Ward's mapping of the register's likelihood (docs/risk-method.md): assumption, a step of the scale a factor of about 3: rare 0.002, unlikely 0.01, possible 0.03, likely 0.1, almost certain 0.3 loss events a year per register line"
	srcRevenue    = "a 400-bed general hospital, EUR 120M a year: Destatis, Kostennachweis der Krankenhäuser 2022 and Grunddaten 2022-2023 (EUR 132-140 bn for 476,924-480,382 beds, EUR 275K-294K a bed; German hospitals about break even); set costs.revenue_per_year"
	srcActivity   = "lost activity during an outage, PERT 0.15/0.25/0.45: Neprash et al., AEJ: Economic Policy 2026 (-17 to -24 % in week 1); Abouk and Powell, JAMA 2024 (-8 %, -16 %); Uniklinik Düsseldorf 2020, inpatients 1,000 -> 550 (-45 %, dpa)"
	srcRecord     = "cost per health record exposed, 90 % interval EUR 25-400: NetDiligence 2017 (claims median $28), IBM/Ponemon 2018 ($408); above 1M records x (n/1M)^0.55, IBM 2018 mega-breaches"
	srcRecords    = "assumption: of an asset that holds health data, 100,000 records on a system of record (clinical system, remote-care platform, database, backup, cloud service), 100 on a medical device, wearable or badge system, 1,000 on any other; set costs.assets"
	srcExposed    = "assumption: an event exposes a share of the records its assets hold, PERT 0 / 0.1 / 1"
	srcFine       = "3 breaches in 100 fined: 237 GDPR fines on health care from 2018 to 2025 (CMS Enforcement Tracker Report 2025) against some 363 breach notifications a day in all sectors (DLA Piper GDPR survey, 2025), Ward's reading of the two; 0 for a public body exempt under GDPR Art. 83(7); set costs.fine_probability"
	srcFineAmount = "fine, 90 % interval EUR 50K-1M: fines on hospitals EUR 105K (DE), 400K (PT 2018), 460K (NL 2019), DPA decisions; capped at EUR 20M or 4 % of revenue, GDPR Art. 83(5)"
	srcRansomware = "ransomware: outage PERT 24/168/600 h (Scripps 2021 ~25 days of EHR down; UHS 2020 3-4 weeks; Neuss 2016 restored from backup); recovery 90 % interval EUR 0.5M-10M, Sophos State of Ransomware in Healthcare 2023-2025 (means $1.02M-2.57M excl. ransom), HSE Ireland 2021 (EUR 101M direct)"
	srcMalware    = "malware: outage PERT 4/48/336 h (Klinikum Fürstenfeldbruck 2018, a week without computers; Klinikum Fürth 2019, days offline); recovery 90 % interval EUR 75K-1.2M, around the median EUR 300K of a significant health-sector incident (ENISA Threat Landscape: Health Sector 2023, from NIS Investments 2022)"
	srcMalicious  = "assumption: outage PERT 1/8/72 h, no recovery cost beyond the outage"
	srcFailure    = "failures and errors: outage PERT 0.5/4/48 h (12 EMR downtimes of an emergency department averaging 4.8 h, Qatar Medical Journal 2020; an unplanned 48 h breakdown, Frontiers in Public Health 2019)"
	srcNatural    = "fire, flood and earthquake: outage PERT 24/72/1440 h (NYU Langone reopened inpatient care 59 days after Hurricane Sandy, 2012); damage to buildings not costed"
	srcRansom     = "ransom, shown apart from the loss: paid with probability 0.36, Sophos State of Ransomware in Healthcare 2025; amount 90 % interval EUR 100K-3M, around Sophos's medians of $150K (2025) and $1.47M (2024) paid; set costs.ransom_probability (0 for a policy of never paying)"
	srcReputation = "patients going elsewhere after a breach of 500 records or more, a share of a year's revenue, PERT 0 / 0.021 / 0.05: admissions -2.1 % at 883 breached US hospitals against their matched peers, 2010-2017, the breaches of 500 records or more HHS lists (Kwon and Johnson, Production and Operations Management 34(7), 2025, online 2024); no significant change in productivity (Choi and Lee, California 2012-2016); visits -4.65 % at 12 California hospitals (2025); set costs.reputation"
	srcDiversion  = "ambulances diverted while an emergency service is down past its max outage: EUR 1,710 an hour, USD 1,086 an hour of diversion in forgone revenue (95 % CI 611-1,461; McConnell et al., Annals of Emergency Medicine 2006, data 2002-2003) x US CPI-U 313.689 (2024) / 184.0 (2003) = USD 1,851, at the ECB's 2024 average reference rate of USD 1.0824 a euro; on services whose id or name says emergency; set costs.diversion_per_hour, or per service costs.services[].diversion_per_hour (0: diverts no one)"
	srcHarm       = "Ward's rule: a harm-limiting control in place (offline backup, redundancy, ...) halves the outage, the records exposed and the recovery"
	srcChanges    = "per asset touched (table in docs/risk-method.md), paid off over 5 years, in EUR at the ECB's 2024 rate of USD 1.0824: list prices for add-mfa (Microsoft Entra ID P1, USD 6 a user a month), add-edr (USD 5.20-7.99 a device a month), secure-remote-access (Cloudflare Zero Trust, USD 7 a user a month), tier-admin (Entra ID P2, USD 9 a user a month), offline-backup (Veeam Cloud Connect, EUR 5 a server a month + EUR 0.03 a GB a month); work at EUR 43.40 an hour (Destatis 2024) for the hours each takes, the hours an assumption; replace, add-redundancy, segment-zone and offline-backup's one-off cost assumptions; set costs.changes"
)

// Rates maps the register's likelihood, 1 to 5, to loss events a year: a
// step of the scale is about a factor of three.
var Rates = [6]float64{0, 0.002, 0.01, 0.03, 0.1, 0.3}

// pert is a three-point estimate drawn as a PERT distribution.
type pert struct{ min, mode, max float64 }

// lognormal is drawn from the normal of its logarithm.
type lognormal struct{ mu, sigma float64 }

// z95 is the standard normal's 95th percentile: a 90 % interval spans
// 2 x 1.6448536 standard deviations.
const z95 = 1.6448536

func fromInterval(lo, hi float64) lognormal {
	return lognormal{mu: (math.Log(lo) + math.Log(hi)) / 2, sigma: (math.Log(hi) - math.Log(lo)) / (2 * z95)}
}

// mean is E[X] of the lognormal.
func (l lognormal) mean() float64 { return math.Exp(l.mu + l.sigma*l.sigma/2) }

// profile is how an incident of one threat plays out.
type profile struct {
	outage   pert
	recovery *lognormal
	ransom   bool // a ransom may be asked
	source   string
	set      bool
}

func defaultProfile(threat, group string) profile {
	switch {
	case threat == "ransomware":
		r := fromInterval(0.5e6, 10e6)
		return profile{outage: pert{24, 168, 600}, recovery: &r, ransom: true, source: srcRansomware}
	case threat == "malware":
		r := fromInterval(75e3, 1.2e6)
		return profile{outage: pert{4, 48, 336}, recovery: &r, source: srcMalware}
	case group == "malicious":
		return profile{outage: pert{1, 8, 72}, source: srcMalicious}
	case group == "natural":
		return profile{outage: pert{24, 72, 1440}, source: srcNatural}
	}
	return profile{outage: pert{0.5, 4, 48}, source: srcFailure}
}

// Change costs by action: once and each year, per unit (an asset it
// touches; a zone for segment-zone; the whole change for filter-links,
// close-rule and offline-backup). docs/risk-method.md, "Changes in
// money", gives each figure's basis: a public list price where there is
// one, else hours of work at the public labour cost (LabourHour) with the
// hours an assumption, else an assumption.
var changeCosts = map[string][2]float64{
	"add-mfa":              {43, 67},       // 1 h to enrol; Entra ID P1 USD 6 a user a month
	"add-edr":              {22, 73},       // 0.5 h to deploy; EDR USD 5.20-7.99 a device a month, the middle
	"secure-remote-access": {1736, 776},    // 40 h to set up; 10 accounts on Cloudflare Zero Trust at USD 7 a user a month
	"replace":              {25000, 0},     // assumption
	"encrypt-links":        {521, 87},      // 12 h to set up; 2 h a year to renew certificates
	"authenticate-links":   {521, 87},      // as encrypt-links
	"encrypt-storage":      {87, 22},       // 2 h (BitLocker comes with Windows Pro); 0.5 h a year of key recovery
	"add-redundancy":       {20000, 2000},  // assumption
	"segment-zone":         {30000, 5000},  // assumption
	"remove-exposure":      {347, 0},       // 8 h
	"filter-links":         {3472, 694},    // 80 h to design and test the filters; 16 h a year to review them
	"close-rule":           {174, 0},       // 4 h: change request, test, close
	"patch":                {174, 0},       // 4 h an asset: test, window, apply
	"tier-admin":           {6944, 1692},   // 160 h; Entra ID P2 for 10 administrators (USD 9 a user a month) and 16 h a year
	"offline-backup":       {20000, 25000}, // one-off an assumption; a published Veeam Cloud Connect price list
}

// LabourHour is what an hour of work costs, in euros: Destatis, labour
// costs per hour worked in industry and services, Germany 2024 (EUR
// 43.40; EU average EUR 33.50, Eurostat). IT staff cost more: the figures
// built on it are a floor.
const LabourHour = 43.40

// USDPerEUR is the ECB's average euro reference rate of 2024, at which
// Ward's defaults from prices in dollars are converted.
const USDPerEUR = 1.0824

// DiversionPerHour is Ward's default cost of an hour of ambulances
// diverted (srcDiversion), and PublicBreach the records a breach must
// expose to be made public, as the US health department lists breaches
// (HITECH Act, 45 CFR 164.408), the breaches the reputation figure was
// measured on.
const (
	DiversionPerHour = 1710.0
	PublicBreach     = 500.0
)

// diverts says what an hour of a service's outage costs in patients
// diverted: its own figure, else the organisation's for an emergency
// service (ambulances are turned away from the emergency department), else
// nothing.
func (p *params) diverts(sv *ward.Service) float64 {
	if d, ok := p.serviceDiv[sv.ID]; ok {
		return d
	}
	if strings.Contains(strings.ToLower(sv.ID+" "+sv.Name), "emergency") {
		return p.diversion
	}
	return 0
}

// PayOff is how many years a one-off cost is spread over.
const PayOff = 5

// params are the figures of one model, defaults filled in.
type params struct {
	currency     string
	revenue      float64
	activity     pert
	exposed      pert
	perRecord    lognormal
	reputation   pert
	diversion    float64            // per hour, for the services that divert
	serviceDiv   map[string]float64 // per service, when set
	fineP        float64
	fine         lognormal
	fineCap      float64
	ransomP      float64
	insured      bool
	retention    float64
	limit        float64
	ransom       lognormal
	serviceHour  map[string]float64 // fixed cost per hour, when set
	serviceShare map[string]float64
	records      map[string]int64
	threats      map[string]ward.ThreatCost
	changes      map[string][2]float64
	list         []Parameter
}

func newParams(m *ward.Model) *params {
	c := &m.Costs
	p := &params{currency: Currency, revenue: 120e6, activity: pert{0.15, 0.25, 0.45}, exposed: pert{0, 0.1, 1}, perRecord: fromInterval(25, 400),
		fineP: 0.03, fine: fromInterval(50e3, 1e6), ransomP: 0.36, ransom: fromInterval(100e3, 3e6),
		reputation: pert{0, 0.021, 0.05}, diversion: DiversionPerHour, serviceDiv: map[string]float64{},
		serviceHour: map[string]float64{}, serviceShare: map[string]float64{}, records: map[string]int64{},
		threats: map[string]ward.ThreatCost{}, changes: map[string][2]float64{}}
	add := func(name, value, source string, set bool) {
		p.list = append(p.list, Parameter{Name: name, Value: value, Source: source, Set: set})
	}
	if c.Currency != "" {
		p.currency = c.Currency
	}
	add("currency", p.currency, "the currency of Ward's defaults; Ward does not convert", c.Currency != "")
	add("loss events a year by likelihood 1-5", "0.002, 0.01, 0.03, 0.1, 0.3", srcRate, false)
	add("share of records exposed by an event", "PERT 0 / 0.1 / 1", srcExposed, false)
	if c.RevenuePerYear > 0 {
		p.revenue = c.RevenuePerYear
	}
	add("revenue a year", Money(p.revenue), srcRevenue, c.RevenuePerYear > 0)
	add("lost activity while a service is down", "PERT 0.15 / 0.25 / 0.45", srcActivity, false)
	if c.CostPerRecord != nil {
		p.perRecord = fromInterval(c.CostPerRecord.Low, c.CostPerRecord.High)
		add("cost per record", fmt.Sprintf("90 %% interval %s-%s", Money(c.CostPerRecord.Low), Money(c.CostPerRecord.High)), "the model's costs.cost_per_record", true)
	} else {
		add("cost per record", "90 % interval 25-400", srcRecord, false)
	}
	src := srcReputation
	if r := c.Reputation; r != nil {
		p.reputation, src = pert{r.Min, r.Mode, r.Max}, "the model's costs.reputation"
	}
	add("revenue lost to reputation after a breach of 500+ records", fmt.Sprintf("PERT %g / %g / %g of a year's revenue", p.reputation.min, p.reputation.mode, p.reputation.max), src, c.Reputation != nil)
	src = srcDiversion
	if c.DiversionPerHour != nil {
		p.diversion, src = *c.DiversionPerHour, "the model's costs.diversion_per_hour"
	}
	add("patients diverted, an hour of an emergency service down", Money(p.diversion), src, c.DiversionPerHour != nil)
	add("health records held", "100,000 / 100 / 1,000", srcRecords, false)
	if len(c.Assets) > 0 {
		add("health records held", fmt.Sprintf("on %d assets", len(c.Assets)), "the model's costs.assets", true)
	}
	switch {
	case c.PublicBody:
		p.fineP = 0
		add("chance a breach is fined", "0", "the model's costs.public_body: exempt under GDPR Art. 83(7)", true)
	case c.FineProbability != nil:
		p.fineP = *c.FineProbability
		add("chance a breach is fined", fmt.Sprint(p.fineP), "the model's costs.fine_probability", true)
	default:
		add("chance a breach is fined", "0.1", srcFine, false)
	}
	p.fineCap = max(20e6, 0.04*p.revenue)
	add("fine", "90 % interval 50,000-1,000,000, capped at "+Money(p.fineCap), srcFineAmount, false)
	if c.RansomProbability != nil {
		p.ransomP = *c.RansomProbability
	}
	add("ransom (apart)", fmt.Sprintf("paid with probability %g, 90 %% interval 100,000-3,000,000", p.ransomP), srcRansom, c.RansomProbability != nil)
	if in := c.Insurance; in != nil {
		p.insured, p.retention, p.limit = true, in.Retention, in.Limit
		add("insurance per incident", fmt.Sprintf("retention %s, limit %s", Money(in.Retention), Money(in.Limit)), "the model's costs.insurance: the loss is shown gross and net", true)
	}
	add("harm-limiting control", "x 0.5", srcHarm, false)
	for _, s := range c.Services {
		if s.DowntimePerHour > 0 {
			p.serviceHour[s.Service] = s.DowntimePerHour
			add("downtime per hour of "+s.Service, Money(s.DowntimePerHour), "the model's costs.services", true)
		} else if s.RevenueShare > 0 {
			p.serviceShare[s.Service] = s.RevenueShare
			add("revenue share of "+s.Service, fmt.Sprint(s.RevenueShare), "the model's costs.services", true)
		}
	}
	for _, s := range c.Services {
		if s.DiversionPerHour != nil {
			p.serviceDiv[s.Service] = *s.DiversionPerHour
			add("patients diverted, an hour of "+s.Service+" down", Money(*s.DiversionPerHour), "the model's costs.services", true)
		}
	}
	for _, a := range c.Assets {
		p.records[a.Asset] = a.Records
	}
	for _, t := range c.Threats {
		p.threats[t.Threat] = t
	}
	for k, v := range changeCosts {
		p.changes[k] = v
	}
	add("cost of the plan's changes", "per unit, one-off over 5 years + yearly", srcChanges, false)
	for _, ch := range c.Changes {
		p.changes[ch.Action] = [2]float64{ch.OneOff, ch.Yearly}
		add("cost of "+ch.Action, fmt.Sprintf("%s once, %s a year", Money(ch.OneOff), Money(ch.Yearly)), "the model's costs.changes", true)
	}
	return p
}

// profile gives a threat's incident profile, the model's figures first.
func (p *params) profile(threat, group string) profile {
	pr := defaultProfile(threat, group)
	if t, ok := p.threats[threat]; ok {
		if t.OutageHours != nil {
			pr.outage = pert{t.OutageHours.Min, t.OutageHours.Mode, t.OutageHours.Max}
			pr.set = true
		}
		if t.Recovery != nil {
			r := fromInterval(t.Recovery.Low, t.Recovery.High)
			pr.recovery = &r
			pr.set = true
		}
		if pr.set {
			pr.source = "the model's costs.threats"
		}
	}
	return pr
}

// records is how many health records an asset holds.
func (p *params) recordsOf(id, kind, category string, phi bool) int64 {
	if n, ok := p.records[id]; ok {
		return n
	}
	if !phi {
		return 0
	}
	switch {
	case category == string(ward.CategoryClinicalSystem) || category == string(ward.CategoryCloud) ||
		kind == "remote-care" || kind == "database" || kind == "backup":
		return 100_000
	case category == string(ward.CategoryMedicalDevice) || kind == "wearable" || category == string(ward.CategoryIdentification):
		return 100
	}
	return 1_000
}

// Money writes an amount rounded to the unit, with thousands separators.
func Money(x float64) string {
	s := fmt.Sprintf("%.0f", math.Abs(x))
	neg := x < 0 && s != "0"
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
