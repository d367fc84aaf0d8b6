package modelfile_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/wardhealth/ward/modelfile"
)

const costsBase = `ward: 1
organisation: {id: h, name: H}
zones:
  - {id: dc, kind: datacentre, trust: high}
assets:
  - {id: ehr, kind: ehr, zone: dc}
services:
  - {id: er, max_outage: 15m, depends_on: [ehr]}
`

// Bad cost figures are reported where they stand in the file.
func TestCostErrorsArePositioned(t *testing.T) {
	good := costsBase + `costs:
  currency: EUR
  revenue_per_year: 3.1e8
  fine_probability: 0.05
  cost_per_record: {low: 25, high: 400}
  reputation: {min: 0, mode: 0.02, max: 0.06}
  diversion_per_hour: 2000
  services: [{service: er, downtime_per_hour: 42000, diversion_per_hour: 0}]
  assets: [{asset: ehr, records: 420000}]
  threats: [{threat: ransomware, outage_hours: {min: 24, mode: 168, max: 600}, recovery: {low: 5e5, high: 1e7}}]
  changes: [{action: add-edr, one_off: 40, yearly: 35}]
`
	m, err := modelfile.Parse("h.yaml", []byte(good), modelfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if m.Costs.RevenuePerYear != 3.1e8 || *m.Costs.FineProbability != 0.05 || m.Costs.Threats[0].OutageHours.Mode != 168 || m.Costs.Assets[0].Records != 420000 ||
		m.Costs.Reputation.Mode != 0.02 || *m.Costs.DiversionPerHour != 2000 || m.Costs.Services[0].DiversionPerHour == nil || *m.Costs.Services[0].DiversionPerHour != 0 {
		t.Fatalf("costs read as %+v", m.Costs)
	}
	// Written out and read again, in both formats, the figures are the same.
	for _, f := range []modelfile.Format{modelfile.YAML, modelfile.JSON} {
		var buf bytes.Buffer
		if err := modelfile.Write(&buf, m, f); err != nil {
			t.Fatal(err)
		}
		again, err := modelfile.Parse("again."+string(f), buf.Bytes(), modelfile.DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, buf.String())
		}
		if !reflect.DeepEqual(again.Costs, m.Costs) {
			t.Errorf("%s: costs %+v, written %+v", f, again.Costs, m.Costs)
		}
	}
	for _, c := range []struct{ text, want string }{
		{"costs:\n  revenue_per_year: -5\n", "h.yaml:10:21: costs.revenue_per_year"},
		{"costs:\n  revenue_per_year: lots\n", "h.yaml:10:21: costs.revenue_per_year: expected a number"},
		{"costs:\n  fine_probability: 1.5\n", "h.yaml:10:21: costs.fine_probability"},
		{"costs:\n  ransom_probability: -0.1\n", "h.yaml:10:23: costs.ransom_probability"},
		{"costs:\n  insurance: {retention: 100000, limit: 0}\n", "h.yaml:10:41: costs.insurance.limit: an insurance that pays nothing"},
		{"costs:\n  currency: euro\n", "h.yaml:10:13: costs.currency"},
		{"costs:\n  cost_per_record: {low: 400, high: 25}\n", "h.yaml:10:20: costs.cost_per_record"},
		{"costs:\n  services:\n    - {service: imaging, downtime_per_hour: 10}\n", "h.yaml:11:17: costs.services[0].service: unknown service \"imaging\""},
		{"costs:\n  services:\n    - {service: er, downtime_per_hour: -10}\n", "h.yaml:11:40: costs.services[0].downtime_per_hour"},
		{"costs:\n  assets:\n    - {asset: ehr, records: -1}\n", "h.yaml:11:29: costs.assets[0].records"},
		{"costs:\n  threats:\n    - {threat: ransomware, outage_hours: {min: 10, mode: 5, max: 20}}\n", "h.yaml:11:42: costs.threats[0].outage_hours"},
		{"costs:\n  changes:\n    - {action: add-edr, one_off: 1, yearly: -2}\n", "h.yaml:11:45: costs.changes[0].yearly"},
		{"costs:\n  revenue: 5\n", "h.yaml:10:3: costs.revenue: unknown field"},
		{"costs:\n  reputation: {min: 0, mode: 0.3, max: 0.1}\n", "h.yaml:10:15: costs.reputation: share of revenue 0, 0.3, 0.1 is not in order"},
		{"costs:\n  reputation: {min: 0, mode: 0.5, max: 2}\n", "h.yaml:10:15: costs.reputation"},
		{"costs:\n  diversion_per_hour: -1\n", "h.yaml:10:23: costs.diversion_per_hour: -1 is not an amount of money"},
		{"costs:\n  diversion_per_hour: many\n", "h.yaml:10:23: costs.diversion_per_hour: expected a number"},
		{"costs:\n  services:\n    - {service: er, diversion_per_hour: -3}\n", "h.yaml:11:41: costs.services[0].diversion_per_hour"},
	} {
		_, err := modelfile.Parse("h.yaml", []byte(costsBase+c.text), modelfile.DefaultLimits)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
}
