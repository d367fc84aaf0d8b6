package ward

import (
	"fmt"
	"math"
	"regexp"
)

// Costs are an organisation's own figures for putting its risks in money
// (docs/risk-method.md, "Expected loss"). Every field is optional: what is
// left out takes Ward's documented default, with its public source.
type Costs struct {
	// Currency is the ISO 4217 code the figures are in (default EUR, the
	// currency of Ward's defaults; Ward does not convert).
	Currency string `json:"currency,omitempty"`
	// RevenuePerYear is the organisation's operating revenue per year,
	// from which an hour of a stopped service is costed.
	RevenuePerYear float64 `json:"revenue_per_year,omitempty"`
	// FineProbability is the chance that a breach of health data is fined
	// (0 to 1); PublicBody says national law exempts the organisation from
	// GDPR fines (Art. 83(7)), which makes it 0.
	FineProbability *float64 `json:"fine_probability,omitempty"`
	PublicBody      bool     `json:"public_body,omitempty"`
	// RansomProbability is the chance the organisation pays a ransom (0
	// to 1; 0 for a policy of never paying). Ransoms are shown apart from
	// the expected loss.
	RansomProbability *float64 `json:"ransom_probability,omitempty"`
	// CostPerRecord is the 90 % interval of the cost of one health record
	// exposed.
	CostPerRecord *Interval `json:"cost_per_record,omitempty"`
	// Reputation is the three-point estimate of the share of a year's
	// revenue lost to patients going elsewhere after a breach of health
	// data large enough to be made public (0 to 1).
	Reputation *Estimate `json:"reputation,omitempty"`
	// DiversionPerHour is what an hour of diverting ambulances away costs
	// (revenue forgone), for each service that diverts patients while it
	// is down past its max_outage: by default the emergency services.
	DiversionPerHour *float64 `json:"diversion_per_hour,omitempty"`
	// Insurance, when the organisation has cyber insurance, gives the
	// loss net of what it pays: the loss is then shown gross and net.
	Insurance *Insurance    `json:"insurance,omitempty"`
	Services  []ServiceCost `json:"services,omitempty"`
	Assets    []AssetCost   `json:"assets,omitempty"`
	Threats   []ThreatCost  `json:"threats,omitempty"`
	Changes   []ChangeCost  `json:"changes,omitempty"`
}

// Insurance pays, for each incident, what its loss exceeds the retention
// by, up to the limit.
type Insurance struct {
	Retention float64 `json:"retention"`
	Limit     float64 `json:"limit"`
}

// Interval is a 90 % interval: the true value is below Low one time in
// twenty and above High one time in twenty.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Estimate is a three-point estimate: least, most likely, most.
type Estimate struct {
	Min  float64 `json:"min"`
	Mode float64 `json:"mode"`
	Max  float64 `json:"max"`
}

// ServiceCost overrides what an hour of a clinical service's outage costs.
type ServiceCost struct {
	Service string `json:"service"`
	// DowntimePerHour is the cost of one hour of outage past the service's
	// max_outage; RevenueShare, used when it is absent, is the service's
	// share of the organisation's revenue (0 to 1).
	DowntimePerHour float64 `json:"downtime_per_hour,omitempty"`
	RevenueShare    float64 `json:"revenue_share,omitempty"`
	// DiversionPerHour is what an hour of patients diverted to other
	// hospitals costs while the service is down past its max_outage; 0
	// says the service diverts no one. Absent, emergency services divert
	// at the organisation's rate and the others not.
	DiversionPerHour *float64 `json:"diversion_per_hour,omitempty"`
}

// AssetCost says how many health records an asset holds.
type AssetCost struct {
	Asset   string `json:"asset"`
	Records int64  `json:"records"`
}

// ThreatCost overrides how long an incident of a threat stops what it hits
// and what recovering from it costs.
type ThreatCost struct {
	Threat      string    `json:"threat"`
	OutageHours *Estimate `json:"outage_hours,omitempty"`
	Recovery    *Interval `json:"recovery,omitempty"`
}

// ChangeCost is what a kind of planned change costs: once, and each year,
// per asset it touches (per zone for segmenting a zone).
type ChangeCost struct {
	Action string  `json:"action"`
	OneOff float64 `json:"one_off"`
	Yearly float64 `json:"yearly"`
}

var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

func (v *validator) costs() {
	c := &v.m.Costs
	at := func(field string) loc { return top("costs." + field) }
	money := func(p loc, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			v.add(p, fmt.Sprintf("%v is not an amount of money", x), "write a number of zero or more")
		}
	}
	share := func(p loc, x float64) {
		if math.IsNaN(x) || x < 0 || x > 1 {
			v.add(p, fmt.Sprintf("%v is not a probability or share", x), "write a number from 0 to 1")
		}
	}
	interval := func(p loc, iv *Interval) {
		if iv == nil {
			return
		}
		if !(iv.Low > 0) || math.IsInf(iv.High, 0) || !(iv.High >= iv.Low) {
			v.add(p, fmt.Sprintf("90 %% interval %v to %v must be positive, low first", iv.Low, iv.High), "write {low: L, high: H} with 0 < L <= H")
		}
	}
	seen := map[string]bool{}
	once := func(p loc, what, id string) {
		if seen[what+"\x00"+id] {
			v.add(p, fmt.Sprintf("%s %q is costed twice", what, id), "keep one entry per "+what)
		}
		seen[what+"\x00"+id] = true
	}
	if c.Currency != "" && !currencyRe.MatchString(c.Currency) {
		v.add(at("currency"), fmt.Sprintf("%q is not an ISO 4217 currency code", c.Currency), "e.g. EUR, GBP, CHF")
	}
	money(at("revenue_per_year"), c.RevenuePerYear)
	if c.FineProbability != nil {
		share(at("fine_probability"), *c.FineProbability)
	}
	if c.RansomProbability != nil {
		share(at("ransom_probability"), *c.RansomProbability)
	}
	interval(at("cost_per_record"), c.CostPerRecord)
	if e := c.Reputation; e != nil && (!(e.Min >= 0) || !(e.Mode >= e.Min) || !(e.Max >= e.Mode) || !(e.Max > e.Min) || !(e.Max <= 1)) {
		v.add(at("reputation"), fmt.Sprintf("share of revenue %v, %v, %v is not in order", e.Min, e.Mode, e.Max), "write {min, mode, max} with 0 <= min <= mode <= max <= 1 and min < max")
	}
	if c.DiversionPerHour != nil {
		money(at("diversion_per_hour"), *c.DiversionPerHour)
	}
	if in := c.Insurance; in != nil {
		money(at("insurance.retention"), in.Retention)
		money(at("insurance.limit"), in.Limit)
		if !(in.Limit > 0) {
			v.add(at("insurance.limit"), "an insurance that pays nothing", "give the limit per incident, above 0")
		}
	}
	for i, s := range c.Services {
		p := path("costs.services", i, "service")
		v.ref(p, s.Service, "service", idService)
		once(p, "service", s.Service)
		money(path("costs.services", i, "downtime_per_hour"), s.DowntimePerHour)
		share(path("costs.services", i, "revenue_share"), s.RevenueShare)
		if s.DiversionPerHour != nil {
			money(path("costs.services", i, "diversion_per_hour"), *s.DiversionPerHour)
		}
	}
	for i, a := range c.Assets {
		p := path("costs.assets", i, "asset")
		v.ref(p, a.Asset, "asset", idAsset)
		once(p, "asset", a.Asset)
		if a.Records < 0 {
			v.add(path("costs.assets", i, "records"), fmt.Sprintf("%d records", a.Records), "write a count of zero or more")
		}
	}
	for i, t := range c.Threats {
		p := path("costs.threats", i, "threat")
		if !idPattern.MatchString(t.Threat) {
			v.add(p, fmt.Sprintf("%q is not a threat id", t.Threat), "use a threat id of the catalog, e.g. ransomware")
		}
		once(p, "threat", t.Threat)
		if e := t.OutageHours; e != nil && (!(e.Min >= 0) || !(e.Mode >= e.Min) || !(e.Max >= e.Mode) || !(e.Max > e.Min) || math.IsInf(e.Max, 0)) {
			v.add(path("costs.threats", i, "outage_hours"), fmt.Sprintf("estimate %v, %v, %v is not in order", e.Min, e.Mode, e.Max), "write {min, mode, max} with 0 <= min <= mode <= max and min < max")
		}
		interval(path("costs.threats", i, "recovery"), t.Recovery)
	}
	for i, ch := range c.Changes {
		p := path("costs.changes", i, "action")
		if !idPattern.MatchString(ch.Action) {
			v.add(p, fmt.Sprintf("%q is not a change action", ch.Action), "e.g. add-mfa, add-edr, segment-zone (ward plan lists them)")
		}
		once(p, "action", ch.Action)
		money(path("costs.changes", i, "one_off"), ch.OneOff)
		money(path("costs.changes", i, "yearly"), ch.Yearly)
	}
}
