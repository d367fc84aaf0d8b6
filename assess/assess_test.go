package assess_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
)

func demoResult(t *testing.T) *assess.Result {
	t.Helper()
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	res, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// find returns the register line of a threat on an asset.
func find(t *testing.T, res *assess.Result, threat, asset string) (assess.Risk, int) {
	t.Helper()
	for i, r := range res.Risks {
		if r.Threat == threat && slices.Contains(r.Assets, asset) {
			return r, i
		}
	}
	t.Fatalf("no %s risk on %s", threat, asset)
	return assess.Risk{}, -1
}

// TestCalibration names, by reasoning from docs/risk-method.md, what the
// demo's planted weaknesses must score.
func TestCalibration(t *testing.T) {
	res := demoResult(t)
	expect := func(threat, asset, severity, dimension string, why string) {
		t.Helper()
		r, rank := find(t, res, threat, asset)
		if r.Severity != severity || (dimension != "" && r.Dimension != dimension) {
			t.Errorf("%s on %s: %s %s (L%d x I%d, #%d), want %s %s: %s\nfactors: %+v", threat, asset, r.Severity, r.Dimension, r.Likelihood, r.Impact, rank, severity, dimension, why, r.Factors)
		}
	}
	// Vendor gateway: credential attacks start at 3, the Internet reaches
	// it directly (a likely path, +1; exposure and vendor access are that
	// path), no MFA +2: likelihood 5; impact is integrity, critical for a
	// VPN gateway (5), less 1 for logging: 20.
	expect("credential-attack", "vpn-vendor", "critical", "integrity", "the Internet-exposed vendor gateway without MFA")
	expect("vendor-remote-access", "vpn-vendor", "critical", "", "the vendor gateway is the way in")
	// Flat device network: tampering starts at 2, a path from the vendor
	// gateway through the pump server may reach the pumps (0), clear
	// device control +1, unauthenticated connections +1: likelihood 4;
	// safety critical (5), which no control limits once a pump is
	// tampered with: 20.
	expect("device-tampering", "pump-01", "critical", "safety", "pumps on a flat network take unauthenticated clear-text orders")
	// Core switch: network failure starts at 2, no redundancy for 15-minute
	// services +1: 3; every critical service depends on it: safety 5. 15.
	expect("network-failure", "core-sw-01", "high", "safety", "the core switch is a single point of failure for patient care")
	// Windows 7 imaging workstation: end of support starts at 3, flat
	// network +1, asset inventory -1: 3; availability of imaging 4: 12.
	expect("end-of-support", "ct-workstation", "high", "", "the out-of-support imaging workstation")
	// The clear HL7 results feed is a high finding on both ends.
	for _, a := range []string{"lis-01", "hl7-engine"} {
		found := false
		for _, f := range res.Findings {
			if f.Weakness == "cleartext-sensitive" && slices.Contains(f.Assets, a) && f.Severity == "high" {
				found = true
			}
		}
		if !found {
			t.Errorf("no high clear-text finding on %s", a)
		}
	}
	// The register leads with harm to patients: the first line is critical
	// and about safety.
	if top := res.Risks[0]; top.Severity != "critical" || top.Dimension != "safety" {
		t.Errorf("register starts with %+v", top)
	}
	// A critical score (20 or more) needs likelihood 4 or 5, more than any
	// base likelihood but phishing's: so every critical risk names a weakness.
	for _, r := range res.Risks {
		if r.Severity != "critical" || r.Threat == "phishing" {
			continue
		}
		weak := false
		for _, f := range r.Factors {
			weak = weak || (f.Term == "likelihood" && f.Effect > 0 && !strings.HasPrefix(f.Reason, "base"))
		}
		if !weak {
			t.Errorf("critical %s on %v has no weakness: %+v", r.Threat, r.Assets, r.Factors)
		}
	}
}

// Every number is explained: the factors add up to the score.
func TestFactorsAddUp(t *testing.T) {
	res := demoResult(t)
	for _, r := range res.Risks {
		l, i := 0, 0
		for _, f := range r.Factors {
			if f.Term == "likelihood" {
				l += f.Effect
			} else {
				i += f.Effect
			}
		}
		if l != r.Likelihood || i != r.Impact || r.Score != l*i {
			t.Fatalf("%s on %v: factors give L%d I%d, risk says L%d I%d score %d", r.Threat, r.Assets, l, i, r.Likelihood, r.Impact, r.Score)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, _ := json.Marshal(demoResult(t))
	b, _ := json.Marshal(demoResult(t))
	if string(a) != string(b) {
		t.Fatal("two assessments of the same model differ")
	}
}

// The worked example of docs/risk-method.md, checked.
func TestWorkedExample(t *testing.T) {
	res := demoResult(t)
	r, _ := find(t, res, "network-failure", "core-sw-01")
	if r.Likelihood != 3 || r.Impact != 5 || r.Score != 15 || r.Severity != "high" || r.Dimension != "safety" {
		t.Fatalf("core switch: %+v", r)
	}
	want := []string{
		"likelihood +2 base likelihood of Network failure in hospitals",
		"likelihood +1 No redundancy for a critical service: a service that tolerates 5 minutes of outage depends on it alone",
		"impact +5 patient safety: critical services depend on it (emergency-care, medication-administration, intensive-care and 7 more)",
	}
	for i, f := range r.Factors {
		if got := fmt.Sprintf("%s %+d %s", f.Term, f.Effect, f.Reason); i >= len(want) || got != want[i] {
			t.Fatalf("factor %d: %q", i, got)
		}
	}
	// With a second core switch: no weakness, and redundancy limits the harm.
	m, _ := demo.Model()
	for i := range m.Assets {
		if m.Assets[i].ID == "core-sw-01" {
			m.Assets[i].Controls = append(m.Assets[i].Controls, "redundancy")
		}
	}
	cat, _ := catalog.Load()
	after, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = find(t, after, "network-failure", "core-sw-01")
	if r.Likelihood != 2 || r.Impact != 4 || r.Severity != "medium" {
		t.Fatalf("with redundancy: %+v", r)
	}
}

func TestDecisions(t *testing.T) {
	m, _ := demo.Model()
	m.Decisions = []ward.Decision{
		{Threat: "end-of-support", Asset: "ct-workstation", Status: "accepted", Justification: "replaced with the scanner in 2027", Date: "2026-10-01", Until: "2027-06-30", By: "CISO"},
		{Threat: "credential-attack", Asset: "vpn-vendor", Status: "accepted", Justification: "old decision", Date: "2025-01-01", Until: "2025-12-31"},
		{Threat: "device-tampering", Asset: "pump-01", Status: "mitigated", Justification: "drug library locked", Date: "2026-11-01"},
		{Threat: "fire", Asset: "pump-01", Status: "false-positive", Justification: "not in a data centre", Date: "2026-11-01"},
		{Threat: "meteorite", Asset: "core-sw-01", Status: "accepted", Justification: "sky", Date: "2026-11-01"},
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load()
	res, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := find(t, res, "end-of-support", "ct-workstation")
	if r.Status != "accepted" || r.Decision == nil || r.Decision.By != "CISO" {
		t.Errorf("accepted risk: %+v", r)
	}
	r, _ = find(t, res, "credential-attack", "vpn-vendor")
	if r.Status != assess.Open || r.Note != "acceptance lapsed on 2025-12-31" {
		t.Errorf("lapsed acceptance: status %s, note %q", r.Status, r.Note)
	}
	// pump-01's tampering risk leaves its line: the other pumps stay open.
	r, _ = find(t, res, "device-tampering", "pump-01")
	if r.Status != "mitigated" || len(r.Assets) != 1 {
		t.Errorf("mitigated pump: %+v", r)
	}
	r, _ = find(t, res, "device-tampering", "pump-02")
	if r.Status != assess.Open || len(r.Assets) != 11 {
		t.Errorf("other pumps: status %s, %d assets", r.Status, len(r.Assets))
	}
	if len(res.Unmatched) != 2 || res.Unmatched[0].Threat != "fire" || res.Unmatched[1].Reason != `no threat "meteorite" in the catalog` {
		t.Errorf("unmatched: %+v", res.Unmatched)
	}
	if res.Summary.Open["critical"] >= res.Summary.Risks["critical"] {
		t.Errorf("decided risks still counted as open: %+v", res.Summary)
	}
}

// The demo's planted single point of failure: the core switch under every
// clinical service.
func TestDemoSinglePoints(t *testing.T) {
	m, _ := demo.Model()
	res := assess.SinglePointsOfFailure(m)
	if len(res) != len(m.Services) {
		t.Fatalf("%d services", len(res))
	}
	for _, r := range res {
		found := false
		for _, p := range r.SinglePoints {
			found = found || p.Asset == "core-sw-01"
		}
		if !found {
			t.Errorf("%s: core switch is not a single point of failure: %+v", r.Service, r.SinglePoints)
		}
		if r.Service == "intensive-care" {
			// Monitors reach the central station through the device switch,
			// which the service lists; the ICU needs the UPS too.
			var ids []string
			for _, p := range r.SinglePoints {
				ids = append(ids, p.Asset)
			}
			for _, want := range []string{"central-station", "core-sw-01", "dist-sw-meddev", "ups-01"} {
				if !slices.Contains(ids, want) {
					t.Errorf("intensive care: %s missing from %v", want, ids)
				}
			}
		}
	}
}

func TestWhatIfCoreSwitch(t *testing.T) {
	m, _ := demo.Model()
	w, err := assess.Fail(m, []string{"core-sw-01"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range w.Services {
		if !s.Stops {
			t.Errorf("%s survives the loss of the core switch", s.Service)
		}
		if s.Service == "intensive-care" && !s.Exceeds {
			t.Error("an hour exceeds intensive care's 5 minutes")
		}
		if s.Service == "telemedicine" && s.Exceeds {
			t.Error("an hour does not exceed telemedicine's day")
		}
	}
	// With a standby, the same failure is absorbed.
	for i := range m.Assets {
		if m.Assets[i].ID == "core-sw-01" {
			m.Assets[i].Controls = append(m.Assets[i].Controls, "redundancy")
		}
	}
	w, _ = assess.Fail(m, []string{"core-sw-01"}, time.Hour)
	if len(w.Absorbed) != 1 {
		t.Fatalf("not absorbed: %+v", w)
	}
	for _, s := range w.Services {
		if s.Stops {
			t.Errorf("%s stops although the core switch has a standby: %v", s.Service, s.Causes)
		}
	}
	if _, err := assess.Fail(m, []string{"nope"}, 0); err == nil {
		t.Error("an unknown asset was accepted")
	}
}

// Failing a distribution switch cuts the devices behind it off: a network
// single point of failure, not a dependency.
func TestWhatIfDisconnection(t *testing.T) {
	m, _ := demo.Model()
	w, err := assess.Fail(m, []string{"dist-sw-building"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range w.Services {
		if s.Service == "nurse-call" && (!s.Stops || len(s.Causes) == 0) {
			t.Errorf("nurse call survives the loss of its switch: %+v", s)
		}
		if s.Service == "lab-results" && s.Stops {
			t.Errorf("lab results stop with the building switch: %v", s.Causes)
		}
	}
}

// ENISA's scenarios on the demo, reasoned from its planted weaknesses.
func TestDemoScenarios(t *testing.T) {
	res := demoResult(t)
	byID := map[string]assess.ScenarioResult{}
	for _, s := range res.Scenarios {
		byID[s.ID] = s
	}
	path := func(id string) []string {
		s := byID[id]
		if !s.Feasible || len(s.Paths) == 0 {
			t.Fatalf("scenario %s is not feasible on the demo", id)
		}
		var hops []string
		for _, st := range s.Paths[0].Steps {
			hops = append(hops, st.To)
		}
		return hops
	}
	// The leftover firewall rule: someone within radio range (0.5) ->
	// pump server console -> pumps over their unauthenticated protocol:
	// 0.5 x 0.6 x 0.6.
	if hops := path("pump-tampering-from-guest-wifi"); !slices.Contains(hops, "pump-server") || byID["pump-tampering-from-guest-wifi"].P < 0.17 {
		t.Errorf("pump tampering: %v p=%.3f", hops, byID["pump-tampering-from-guest-wifi"].P)
	}
	// The vendor gateway leads to the modalities over unauthenticated VNC.
	if hops := path("vendor-access-to-devices"); !slices.Contains(hops, "vpn-vendor") {
		t.Errorf("vendor access: %v", hops)
	}
	for _, id := range []string{"ransomware-from-phishing", "eprescription-denial-of-service", "mobile-device-theft"} {
		path(id)
	}
	// Every step is explained, and probabilities multiply.
	for _, tp := range res.Paths {
		for _, p := range tp.Paths {
			prod := 1.0
			for _, s := range p.Steps {
				if s.Reason == "" || s.P <= 0 || s.P > 1 {
					t.Fatalf("unexplained step %+v", s)
				}
				prod *= s.P
			}
			if d := prod - p.P; d > 1e-9 || d < -1e-9 {
				t.Fatalf("path to %s: steps give %g, path says %g", tp.Target, prod, p.P)
			}
		}
	}
	if len(res.Paths) == 0 || res.Paths[0].P < res.Paths[len(res.Paths)-1].P {
		t.Error("targets are not ordered by exposure")
	}
}

// Entry points are configurable: without the guest Wi-Fi, the pump server
// is reached some other way, and less likely.
func TestEntryPointsConfigurable(t *testing.T) {
	m, _ := demo.Model()
	m.Organisation.EntryPoints = []ward.EntryPoint{"internet", "phishing"}
	cat, _ := catalog.Load()
	res, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range res.Paths {
		for _, p := range tp.Paths {
			if p.Entry != "entry:internet" && p.Entry != "entry:phishing" {
				t.Fatalf("path from %s although only internet and phishing are entry points", p.Entry)
			}
		}
	}
}

// Adding controls or segmenting a zone never makes a target easier to reach.
func TestControlsNeverHelpAttackers(t *testing.T) {
	best := func(m *ward.Model) map[string]float64 {
		cat, _ := catalog.Load()
		res, err := assess.Assess(m, cat, assess.Options{Today: "2026-11-23"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, tp := range res.Paths {
			out[tp.Target] = tp.P
		}
		return out
	}
	m, _ := demo.Model()
	before := best(m)
	for i := range m.Zones {
		m.Zones[i].Controls = append(m.Zones[i].Controls, "segmentation", "firewall")
	}
	for i := range m.Assets {
		m.Assets[i].Controls = append(m.Assets[i].Controls, "edr", "mfa", "strong-credentials")
	}
	after := best(m)
	for target, p := range after {
		if q, ok := before[target]; ok && p > q+1e-12 {
			t.Errorf("%s: %.3f before the controls, %.3f after", target, q, p)
		}
	}
	if len(after) > len(before) {
		t.Errorf("more targets reachable with the controls: %d > %d", len(after), len(before))
	}
}

func TestPlanOnDemo(t *testing.T) {
	m, _ := demo.Model()
	cat, _ := catalog.Load()
	opt := assess.Options{Today: "2026-11-23"}
	plan, err := assess.MakePlan(m, cat, opt, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 8 || plan.After >= plan.Before {
		t.Fatalf("plan: %d steps, risk %d -> %d", len(plan.Steps), plan.Before, plan.After)
	}
	for i, s := range plan.Steps {
		t.Logf("%d %-22s -%-5d %s", s.Rank, s.Action, s.Removed, s.Title)
		if s.Removed <= 0 || (i > 0 && s.After >= plan.Steps[i-1].After) {
			t.Errorf("step %d removes nothing: %+v", i+1, s)
		}
	}
	// Applying the plan never raises the risk, and re-assessing the whole
	// changed model agrees with the plan's last figure.
	if plan.Steps[len(plan.Steps)-1].After != plan.After {
		t.Errorf("plan ends at %d, last step at %d", plan.After, plan.Steps[len(plan.Steps)-1].After)
	}
	openRisk := func(res *assess.Result) int {
		total := 0
		for _, r := range res.Risks {
			if r.Status == assess.Open {
				total += r.Score * len(r.Assets)
			}
		}
		return total
	}
	before, _ := assess.Assess(m, cat, opt)
	after, err := assess.Assess(plan.Apply(m), cat, opt)
	if err != nil {
		t.Fatal(err)
	}
	if openRisk(before) != plan.RiskBefore || openRisk(after) != plan.RiskAfter {
		t.Errorf("re-assessing gives %d -> %d, the plan says %d -> %d", openRisk(before), openRisk(after), plan.RiskBefore, plan.RiskAfter)
	}
	if got, _ := json.Marshal(m); strings.Contains(string(got), `"segmentation","firewall"`) {
		t.Error("planning changed the model it was given")
	}
}
