package quantify

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/modelfile"
)

const today = "2026-12-01"

func load(t testing.TB, file string) (*ward.Model, *catalog.Catalog, *assess.Result) {
	t.Helper()
	var m *ward.Model
	var err error
	if file == "" {
		m, err = demo.Model()
	} else {
		m, err = modelfile.Load(file, modelfile.DefaultLimits)
	}
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return m, cat, assessed(t, m, cat)
}

func assessed(t testing.TB, m *ward.Model, cat *catalog.Catalog) *assess.Result {
	t.Helper()
	res, err := assess.Assess(m, cat, assess.Options{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func run(t testing.TB, m *ward.Model, cat *catalog.Catalog, res *assess.Result, opt Options) *Result {
	t.Helper()
	q, err := Quantify(m, cat, res, opt)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Abs(want) }

// The worked example of docs/risk-method.md, "Expected loss": the
// figures there are reasoned out by hand from the defaults; the
// simulation must find them.
func TestWorkedExample(t *testing.T) {
	doc := mustRead(t, "../docs/risk-method.md")
	m, cat, res := load(t, "testdata/worked.yaml")
	q := run(t, m, cat, res, Options{Trials: 1_000_000, Seed: 7})
	// Per event, by hand (docs/risk-method.md):
	const (
		hour     = 10_000.0 // costs.services
		divert   = 1_710.0  // ambulances diverted from emergency care, an hour
		records  = 200_000.0
		exposed  = 7.0 / 30                           // PERT 0 / 0.1 / 1
		perRec   = 142.644                            // lognormal 25-400: 100 x exp(0.842807^2 / 2)
		fine     = 338_495.0                          // lognormal 50K-1M: 223,607 x exp(0.910638^2 / 2)
		recovery = 3_384_970.0                        // lognormal 0.5M-10M: 2,236,068 x exp(0.910638^2 / 2)
		breach   = records*exposed*perRec + 0.03*fine // 6,666,743
		malware  = 427_923.0                          // lognormal 75K-1.2M: 300,000 x exp(0.842807^2 / 2)
		// Reputation: 120M revenue x PERT 0 / 0.021 / 0.05 (mean 0.134 / 6)
		// when at least 500 of the 200,000 records are exposed: a share of
		// 0.0025 or more, which PERT 0 / 0.1 / 1 (Beta(1.4, 4.6)) draws
		// with probability 1 - 0.0016343.
		reputation = 120e6 * 0.134 / 6 * (1 - 0.0016343) // 2,675,620
		leak       = breach + reputation                 // 9,342,363
	)
	want := map[string]struct {
		rate, event float64
	}{
		"software-failure":    {0.1, (hour + divert) * (10.75 - 0.25)},                // PERT 0.5 / 4 / 48 h
		"overload":            {0.01, (hour + divert) * (10.75 - 0.25)},               // PERT 0.5 / 4 / 48 h
		"unauthorised-access": {0.03, leak},                                           // confidentiality only
		"data-theft":          {0.002, leak},                                          // no attack path reaches the server
		"earthquake":          {0.002, (hour + divert) * (292 - 0.25)},                // PERT 24 / 72 / 1440 h
		"fire":                {0.002, (hour + divert) * (292 - 0.25)},                //
		"flood":               {0.002, (hour + divert) * (292 - 0.25)},                //
		"ransomware":          {0.002, (hour+divert)*(216-0.25) + recovery},           // PERT 24 / 168 / 600 h
		"malware":             {0.002, (hour+divert)*(532.0/6-0.25) + malware + leak}, // PERT 4 / 48 / 336 h, recovery 75K-1.2M
	}
	total := 0.0
	for _, s := range q.Scenarios {
		w, ok := want[s.Threat]
		if !ok {
			t.Errorf("unexpected scenario %s", s.Threat)
			continue
		}
		delete(want, s.Threat)
		el := w.rate * w.event
		total += el
		if s.Rate != w.rate {
			t.Errorf("%s: %v events a year, want %v", s.Threat, s.Rate, w.rate)
		}
		// Three standard errors: a year's loss of a line has a coefficient
		// of variation of at most about 1.7 per event (the breach's), over
		// rate x trials events.
		if tol := 3 * 1.7 / math.Sqrt(w.rate*1e6); !near(s.Mean, el, tol) {
			t.Errorf("%s: expected loss %.0f, by hand %.0f", s.Threat, s.Mean, el)
		}
	}
	for th := range want {
		t.Errorf("no scenario for %s", th)
	}
	if !near(q.Mean, total, 0.03) {
		t.Errorf("expected loss a year %.0f, by hand %.0f", q.Mean, total)
	}
	// One asset: no two scenarios share a cause, so the total is the sum.
	sum := 0.0
	for _, s := range q.Scenarios {
		sum += s.Mean
	}
	if !near(q.Mean, sum, 1e-9) {
		t.Errorf("total %.0f, sum of scenarios %.0f", q.Mean, sum)
	}
	// The parts of the new components: diversion is 1,710 / 10,000 of the
	// downtime (both count the same hours past max outage), and every
	// breach of the server is made public but one in 612.
	if !near(q.Parts.Diversion, q.Parts.Downtime*divert/hour, 1e-9) {
		t.Errorf("diversion %.0f, downtime %.0f: not in the ratio 1,710 / 10,000", q.Parts.Diversion, q.Parts.Downtime)
	}
	if want := (0.03 + 0.002 + 0.002) * reputation; !near(q.Parts.Reputation, want, 3*1.1/math.Sqrt(0.034*1e6)) {
		t.Errorf("reputation %.0f a year, by hand %.0f", q.Parts.Reputation, want)
	}
	if !near(q.NoLoss, math.Exp(-0.152), 0.002) {
		t.Errorf("years without loss %.4f, want e^-0.152 = %.4f", q.NoLoss, math.Exp(-0.152))
	}
	// The rounded figures the documentation gives.
	for _, s := range []string{"366,413", "280,271", "9,342,363", "2,675,620", "5,911,418", "10,805,645", "122,955", "3,416,393"} {
		if !strings.Contains(doc, s) {
			t.Errorf("docs/risk-method.md does not give %s", s)
		}
	}
	t.Logf("total %.0f by hand %.0f; P50 %.0f P90 %.0f P99 %.0f", q.Mean, total, q.P50, q.P90, q.P99)
}

// The same model and seed give the same figures; another seed others.
func TestSeeded(t *testing.T) {
	m, cat, res := load(t, "")
	a := run(t, m, cat, res, Options{Seed: 42, Workers: 1})
	b := run(t, m, cat, res, Options{Seed: 42, Workers: 3})
	c := run(t, m, cat, res, Options{Seed: 43})
	if a.Mean != b.Mean || a.P99 != b.P99 || a.Scenarios[0].Mean != b.Scenarios[0].Mean {
		t.Errorf("seed 42: %.2f/%.2f with one worker, %.2f/%.2f with three", a.Mean, a.P99, b.Mean, b.P99)
	}
	if a.Mean == c.Mean {
		t.Errorf("seeds 42 and 43 give the same mean %.2f", a.Mean)
	}
	if a.Method != Method || a.Seed != 42 || a.Trials != DefaultTrials || a.Currency != "EUR" {
		t.Errorf("recorded method %q seed %d trials %d currency %s", a.Method, a.Seed, a.Trials, a.Currency)
	}
	// The curve falls, and its points are the percentiles.
	for i := 1; i < len(a.Curve); i++ {
		if a.Curve[i].Loss < a.Curve[i-1].Loss || a.Curve[i].P >= a.Curve[i-1].P {
			t.Errorf("curve not falling at %d: %+v", i, a.Curve)
		}
		if a.Curve[i].P == 0.01 && a.Curve[i].Loss != a.P99 {
			t.Errorf("curve at 1 %%: %.0f, P99 %.0f", a.Curve[i].Loss, a.P99)
		}
	}
	if !(a.P50 <= a.P90 && a.P90 <= a.P99) {
		t.Errorf("percentiles out of order: %.0f %.0f %.0f", a.P50, a.P90, a.P99)
	}
}

// Doubling what an hour of outage costs doubles the downtime part of the
// loss and leaves the other parts as they were.
func TestDoublingDowntimeCostDoublesDowntimeLoss(t *testing.T) {
	m, cat, res := load(t, "")
	a := run(t, m, cat, res, Options{})
	m2 := *m
	m2.Costs.RevenuePerYear = 2 * 120e6 // twice the default
	b := run(t, &m2, cat, res, Options{})
	if a.Parts.Downtime == 0 || !near(b.Parts.Downtime, 2*a.Parts.Downtime, 1e-9) {
		t.Errorf("downtime %.2f, doubled %.2f", a.Parts.Downtime, b.Parts.Downtime)
	}
	if a.Parts.Breach != b.Parts.Breach || a.Parts.Recovery != b.Parts.Recovery {
		t.Errorf("other parts moved: %+v -> %+v", a.Parts, b.Parts)
	}
	// So does a service's own cost per hour, for that service.
	m3 := *m
	m3.Costs.Services = []ward.ServiceCost{{Service: "medication-administration", DowntimePerHour: 1000}}
	m4 := *m
	m4.Costs.Services = []ward.ServiceCost{{Service: "medication-administration", DowntimePerHour: 2000}}
	c, d := run(t, &m3, cat, res, Options{}), run(t, &m4, cat, res, Options{})
	if !(d.Parts.Downtime > c.Parts.Downtime) {
		t.Errorf("downtime %.2f with 1,000 an hour, %.2f with 2,000", c.Parts.Downtime, d.Parts.Downtime)
	}
}

// The simulation converges: P90 of the demo moves less than 2 % between
// 10,000 and 100,000 trials.
func TestConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 trials")
	}
	m, cat, res := load(t, "")
	a := run(t, m, cat, res, Options{Trials: 10_000})
	b := run(t, m, cat, res, Options{Trials: 100_000})
	if !near(a.P90, b.P90, 0.02) {
		t.Errorf("P90 %.0f at 10k trials, %.0f at 100k", a.P90, b.P90)
	}
	if !near(a.Mean, b.Mean, 0.05) {
		t.Errorf("mean %.0f at 10k trials, %.0f at 100k", a.Mean, b.Mean)
	}
	t.Logf("P90 %.0f / %.0f, mean %.0f / %.0f", a.P90, b.P90, a.Mean, b.Mean)
}

// Scenarios with a shared cause are hit by the same incidents: a year's
// loss is not the sum of independent draws, and the total is at most the
// sum of the scenarios' losses alone.
func TestSharedCauses(t *testing.T) {
	m, cat, res := load(t, "")
	q := run(t, m, cat, res, Options{})
	sum := 0.0
	causes := map[string]int{}
	for _, s := range q.Scenarios {
		sum += s.Mean
		causes[s.Cause]++
	}
	if q.Mean > sum*(1+1e-9) {
		t.Errorf("total %.0f above the sum of the scenarios %.0f", q.Mean, sum)
	}
	shared := 0
	for _, n := range causes {
		if n > 1 {
			shared++
		}
	}
	if shared == 0 || q.Mean >= sum {
		t.Errorf("no shared cause lowers the total: %d shared, total %.0f, sum %.0f", shared, q.Mean, sum)
	}
}

// A harm-limiting control halves the outage and the recovery: with an
// offline backup of the worked example's server, ransomware costs
// (10,000 + 1,710) x (216 / 2 - 0.25) + 3,384,986 / 2 = 2,954,245 an
// event, and a software failure (10,000 + 1,710) x (10.75 / 2 - 0.25) =
// 60,014.
func TestHarmLimitingControl(t *testing.T) {
	m, cat, _ := load(t, "testdata/worked.yaml")
	m.Assets[0].Controls = []string{"offline-backup"}
	q := run(t, m, cat, assessed(t, m, cat), Options{Trials: 1_000_000, Seed: 7})
	want := map[string]struct{ rate, event float64 }{
		"ransomware":       {0.002, 11_710*(216.0/2-0.25) + 3_384_986.0/2},
		"software-failure": {0.1, 11_710 * (10.75/2 - 0.25)},
	}
	for _, s := range q.Scenarios {
		w, ok := want[s.Threat]
		if !ok {
			continue
		}
		delete(want, s.Threat)
		if !s.HarmLimited {
			t.Errorf("%s: offline backup does not limit the harm", s.Threat)
		}
		if tol := 3 * 1.7 / math.Sqrt(w.rate*1e6); !near(s.Mean, w.rate*w.event, tol) {
			t.Errorf("%s: expected loss %.0f, by hand %.0f", s.Threat, s.Mean, w.rate*w.event)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing scenarios: %v", want)
	}
	for _, s := range []string{"2,954,245", "60,014"} {
		if !strings.Contains(mustRead(t, "../docs/risk-method.md"), s) {
			t.Error("docs/risk-method.md does not give " + s)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Figures that would be ignored are refused: a threat the catalog does
// not have, a change ward plan does not propose.
func TestUnknownCostTargets(t *testing.T) {
	m, cat, res := load(t, "testdata/worked.yaml")
	m.Costs.Threats = []ward.ThreatCost{{Threat: "ransomwear", Recovery: &ward.Interval{Low: 1, High: 2}}}
	m.Costs.Changes = []ward.ChangeCost{{Action: "buy-firewall", OneOff: 1}}
	_, err := Quantify(m, cat, res, Options{Trials: 1000})
	var ve *ward.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 2 ||
		ve.Errors[0].Error() != `costs.threats[0].threat: no threat "ransomwear" in the catalog (did you mean "ransomware"?)` ||
		!strings.HasPrefix(ve.Errors[1].Error(), `costs.changes[0].action: ward plan proposes no change "buy-firewall" (add-edr, add-mfa,`) {
		t.Errorf("got %v", err)
	}
}

// A ransom is shown apart, never in the loss: in the worked example
// 0.002 ransomware events a year x 0.36 paying x EUR 934,740 (lognormal
// 100K-3M: 547,723 x exp(1.033906^2 / 2)) = EUR 673 a year; none for a
// policy of never paying.
func TestRansomApart(t *testing.T) {
	m, cat, res := load(t, "testdata/worked.yaml")
	q := run(t, m, cat, res, Options{Trials: 1_000_000, Seed: 7})
	var rw Scenario
	for _, s := range q.Scenarios {
		if s.Threat == "ransomware" {
			rw = s
		} else if s.Parts.Ransom != 0 {
			t.Errorf("%s asks a ransom", s.Threat)
		}
	}
	if want := 0.002 * 0.36 * 934_740; !near(rw.Parts.Ransom, want, 3*2/math.Sqrt(0.002*0.36*1e6)) || !near(q.Parts.Ransom, rw.Parts.Ransom, 1e-9) {
		t.Errorf("ransom %.0f a year (total %.0f), by hand %.0f", rw.Parts.Ransom, q.Parts.Ransom, want)
	}
	p := q.Parts
	if !near(q.Mean, p.Downtime+p.Diversion+p.Breach+p.Reputation+p.Recovery+p.Fines, 1e-12) {
		t.Errorf("the ransom is in the loss: mean %.0f, parts %+v", q.Mean, p)
	}
	never := 0.0
	m.Costs.RansomProbability = &never
	if q := run(t, m, cat, res, Options{Trials: 100_000, Seed: 7}); q.Parts.Ransom != 0 {
		t.Errorf("a policy of never paying pays %.0f a year", q.Parts.Ransom)
	}
}

// Insurance pays per incident what its loss exceeds the retention by, up
// to the limit: all of it with no retention and no cap, none of it above
// every incident's loss, and in between the net is less than the gross.
func TestInsurance(t *testing.T) {
	m, cat, res := load(t, "")
	gross := run(t, m, cat, res, Options{Trials: 5000})
	if gross.Net != nil {
		t.Fatal("a net figure without insurance")
	}
	for _, c := range []struct {
		retention, limit float64
		check            func(q *Result) bool
	}{
		{0, 1e15, func(q *Result) bool { return q.Net.Mean == 0 && q.Net.P99 == 0 && near(q.Net.Paid, q.Mean, 1e-9) }},
		{1e15, 1e9, func(q *Result) bool {
			return near(q.Net.Mean, q.Mean, 1e-9) && q.Net.P99 == q.P99 && math.Abs(q.Net.Paid) < 1e-6*q.Mean
		}},
		{1e6, 5e6, func(q *Result) bool {
			return q.Net.Mean < q.Mean && q.Net.P99 < q.P99 && q.Net.P50 <= q.P50 && q.Net.Paid > 0 && q.Mean == gross.Mean
		}},
	} {
		mm := *m
		mm.Costs.Insurance = &ward.Insurance{Retention: c.retention, Limit: c.limit}
		q := run(t, &mm, cat, res, Options{Trials: 5000})
		if q.Net == nil || !c.check(q) {
			t.Errorf("retention %g, limit %g: gross %.0f/%.0f, net %+v", c.retention, c.limit, q.Mean, q.P99, q.Net)
		}
	}
}

// Reputation and patients diverted are the organisation's to set: an
// emergency service diverts at the organisation's rate unless it says
// otherwise, another service only when it says so, and the reputation
// share scales its part, the same draws underneath.
func TestReputationAndDiversionSet(t *testing.T) {
	m, cat, res := load(t, "testdata/worked.yaml")
	opt := Options{Trials: 20_000, Seed: 3}
	base := run(t, m, cat, res, opt)
	if !(base.Parts.Diversion > 0) || !(base.Parts.Reputation > 0) {
		t.Fatalf("worked example: diversion %.0f, reputation %.0f", base.Parts.Diversion, base.Parts.Reputation)
	}
	twice, none := 2*DiversionPerHour, 0.0
	mm := *m
	mm.Costs.DiversionPerHour = &twice
	mm.Costs.Reputation = &ward.Estimate{Min: 0, Mode: 0.042, Max: 0.1}
	q := run(t, &mm, cat, res, opt)
	if !near(q.Parts.Diversion, 2*base.Parts.Diversion, 1e-9) || !near(q.Parts.Reputation, 2*base.Parts.Reputation, 1e-9) ||
		q.Parts.Downtime != base.Parts.Downtime || q.Parts.Breach != base.Parts.Breach {
		t.Errorf("doubled: %+v, from %+v", q.Parts, base.Parts)
	}
	// The service's own figure comes first: 0 diverts no one.
	mm = *m
	mm.Costs.DiversionPerHour = &twice
	mm.Costs.Services = []ward.ServiceCost{{Service: "emergency-care", DowntimePerHour: 10_000, DiversionPerHour: &none}}
	if q := run(t, &mm, cat, res, opt); q.Parts.Diversion != 0 || q.Parts.Downtime != base.Parts.Downtime {
		t.Errorf("a service that diverts no one: %+v", q.Parts)
	}
	// A service that does not say emergency diverts nothing by default,
	// and its own figure when it has one.
	mm = *m
	mm.Services = []ward.Service{m.Services[0]}
	mm.Services[0].ID, mm.Services[0].Name = "records-office", "Records office"
	mm.Costs.Services = []ward.ServiceCost{{Service: "records-office", DowntimePerHour: 10_000}}
	if q := run(t, &mm, cat, res, opt); q.Parts.Diversion != 0 || !near(q.Parts.Downtime, base.Parts.Downtime, 1e-9) {
		t.Errorf("a service that is not emergency care diverts %.0f", q.Parts.Diversion)
	}
	rate := 855.0
	mm.Costs.Services[0].DiversionPerHour = &rate
	if q := run(t, &mm, cat, res, opt); !near(q.Parts.Diversion, base.Parts.Diversion/2, 1e-9) {
		t.Errorf("diverting at 855 an hour: %.0f, half of %.0f", q.Parts.Diversion, base.Parts.Diversion)
	}
	// A public body is not fined, but loses patients all the same.
	mm = *m
	mm.Costs.PublicBody = true
	if q := run(t, &mm, cat, res, opt); q.Parts.Fines != 0 || q.Parts.Reputation != base.Parts.Reputation {
		t.Errorf("public body: %+v", q.Parts)
	}
}
