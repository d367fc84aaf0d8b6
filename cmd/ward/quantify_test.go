package main_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ward assess --quantify puts the register in money, as text, JSON and
// CSV, with the seed and method it used; the same seed gives the same
// figures.
func TestAssessQuantify(t *testing.T) {
	t.Parallel()
	model := filepath.Join("..", "..", "quantify", "testdata", "worked.yaml")
	data := t.TempDir()
	r := ward(t, data, "assess", model, "--quantify", "--date", "2026-12-01")
	expect(t, r, 0, "Expected loss of Worked Example Clinic", "method ward-fair-1, 10,000 simulated years, seed 1", "Loss exceedance",
		"Unauthorised access by staff", "downtime per hour of emergency-care", "model", "ransoms, apart from the loss",
		"patients diverted ", "reputation ", "patients diverted, an hour of an emergency service down", "ambulances diverted while an emergency service is down",
		"revenue lost to reputation after a breach of 500+ records")
	r = ward(t, data, "assess", model, "--quantify", "--date", "2026-12-01", "--format", "json", "--trials", "20000", "--seed", "5")
	expect(t, r, 0)
	var q struct {
		Method    string  `json:"method"`
		Seed      uint64  `json:"seed"`
		Trials    int     `json:"trials"`
		Currency  string  `json:"currency"`
		Mean      float64 `json:"mean_annual_loss"`
		P99       float64 `json:"p99"`
		Scenarios []struct {
			Threat string  `json:"threat"`
			Rate   float64 `json:"events_per_year"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &q); err != nil {
		t.Fatal(err)
	}
	if q.Method != "ward-fair-1" || q.Seed != 5 || q.Trials != 20000 || q.Currency != "EUR" || len(q.Scenarios) != 9 || q.Scenarios[0].Threat != "unauthorised-access" || q.Scenarios[0].Rate != 0.03 {
		t.Errorf("quantified: %+v", q)
	}
	if q.Mean < 300_000 || q.Mean > 430_000 {
		t.Errorf("expected loss %.0f, by hand 366,413", q.Mean)
	}
	again := ward(t, data, "assess", model, "--quantify", "--date", "2026-12-01", "--format", "json", "--trials", "20000", "--seed", "5")
	if again.stdout != r.stdout {
		t.Error("the same seed gave other figures")
	}
	out := filepath.Join(t.TempDir(), "loss.csv")
	expect(t, ward(t, data, "assess", model, "--quantify", "--date", "2026-12-01", "--format", "csv", "-o", out), 0)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 11 || rows[0][0] != "rank" || rows[1][0] != "total" || rows[2][1] != "unauthorised-access" || rows[2][18] != "EUR" ||
		rows[0][10] != "diversion" || rows[0][12] != "reputation" || rows[1][10] == "0" || rows[1][12] == "0" || rows[2][10] != "0" || rows[2][12] == "0" {
		t.Errorf("csv: %v", rows)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	expect(t, ward(t, data, "assess", model, "--quantify", "--date", "2026-12-01", "--format", "html", "-o", page), 0)
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), `<section id="expected-loss">`) || !strings.Contains(string(b), `aria-label="Loss exceedance curve"`) {
		t.Errorf("report lacks the expected loss: %v", err)
	}
	// With --plan, the plan in money comes with the loss.
	r = ward(t, data, "assess", model, "--quantify", "--plan", "1", "--date", "2026-12-01", "--format", "json", "--trials", "2000")
	var withPlan struct {
		Plan struct {
			Before float64 `json:"loss_before"`
			After  float64 `json:"loss_after"`
			Steps  []struct {
				Action string `json:"action"`
			} `json:"steps"`
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &withPlan); err != nil || len(withPlan.Plan.Steps) != 1 || withPlan.Plan.Steps[0].Action != "add-redundancy" || !(withPlan.Plan.After < withPlan.Plan.Before) {
		t.Errorf("plan in money: %v %+v", err, withPlan)
	}
	// A figure Ward would ignore is invalid input.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, append(b, "  threats: [{threat: ransomwear, recovery: {low: 1, high: 2}}]\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	// It stands at the line and column of the field in the file.
	line := 1 + strings.Count(string(b), "\n")
	expect(t, ward(t, data, "assess", bad, "--quantify"), 1, fmt.Sprintf(`bad.yaml:%d:22: costs.threats[0].threat: no threat "ransomwear" in the catalog`, line), `did you mean "ransomware"?`)
	expect(t, ward(t, data, "plan", bad, "--by", "money"), 1, fmt.Sprintf(`bad.yaml:%d:22: costs.threats[0].threat`, line))
	// Ward does not convert: another currency than the model's is refused.
	expect(t, ward(t, data, "assess", model, "--quantify", "--currency", "GBP"), 2, "the model's costs are in EUR and Ward does not convert")
	expect(t, ward(t, data, "assess", model, "--quantify", "--format", "sarif"), 2, "--quantify writes text, json, csv or html")
	expect(t, ward(t, data, "assess", model, "--quantify", "--trials", "10"), 2, "at least 1000")
}

// ward plan --by money ranks the changes by loss avoided per euro and
// shows the loss exceedance curve before and after.
func TestPlanByMoney(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	planned := filepath.Join(t.TempDir(), "planned.yaml")
	r := ward(t, data, "plan", "--by", "money", "--budget", "3", "--date", "2026-12-01", "--trials", "2000", "--apply", planned)
	expect(t, r, 0, "Mitigation plan in money: 3 changes of", "AVOIDED/YEAR", "PER EUR", "Loss exceedance before and after", "wrote the changed model to")
	if b, err := os.ReadFile(planned); err != nil || !strings.Contains(string(b), "ward: 1") {
		t.Errorf("planned model: %v", err)
	}
	expect(t, ward(t, data, "plan", "--by", "euros"), 2, `--by "euros": use risk or money`)
}
