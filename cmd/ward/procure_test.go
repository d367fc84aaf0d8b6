package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/mds2form"
)

var (
	procureData = filepath.Join("..", "..", "procure", "testdata")
	kevFile     = filepath.Join("..", "..", "intel", "testdata", "kev", "known_exploited_vulnerabilities.json")
)

func candidate(name string) string { return filepath.Join(procureData, name) }

// ward procure check: every requirement met, not met or unknown with the
// form's question id and cell; the SPDX SBOM's components matched to real
// CVEs; placed in the stored model, what the candidate adds.
func TestProcureCheck(t *testing.T) {
	data := demoData(t)
	r := ward(t, data, "procure", "check", candidate("pump-borealis.yaml"), "--org", "st-example",
		"--nvd", candidate("nvd-components.json"), "--kev", kevFile, "--date", "2026-12-01")
	expect(t, r, 0, "fails 7 must requirements", "NOT MET  must    changeable-default-credentials", "PAUT-4 answered no (MDS2!C123)",
		"CVE-2021-44228  10.0  KEV", "What planned borealis-v3 adds to the assessment", "attack path: ")

	r = ward(t, data, "procure", "check", candidate("pump-borealis.yaml"), "--format", "json", "--date", "2026-12-01")
	expect(t, r, 0)
	var rep struct {
		Candidate string
		Form      struct{ Revision, Sheet string }
		Counts    struct {
			MustNotMet int `json:"must_not_met"`
		}
		Requirements []struct {
			Requirement, Status string
			Evidence            []struct{ Source, Question, Where string }
		}
		Asset struct {
			Provenance string
			Controls   []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Candidate != "borealis-v3" || rep.Form.Revision != "ANSI/NEMA HN 1-2019" || rep.Counts.MustNotMet != 7 || rep.Asset.Provenance != "planned" {
		t.Errorf("json report: %+v", rep)
	}
	for _, o := range rep.Requirements {
		if o.Requirement == "unique-accounts" && (o.Status != "met" || o.Evidence[0].Where != "MDS2!C119") {
			t.Errorf("unique-accounts: %+v", o)
		}
	}

	// The form and the SBOM alone, no candidate file; --fail-on must.
	r = ward(t, data, "procure", "check", "--form", candidate("pump-borealis-mds2.xlsx"), "--sbom", candidate("pump-borealis-sbom.spdx.json"), "--fail-on", "must")
	expect(t, r, 1, "Candidate borealis-medical-volumetric-v3", "requirements not met at or above must: 6", "SPDX-2.3): 3 components")
	r = ward(t, data, "procure", "check", "--form", candidate("pump-aurora-mds2.xlsx"), "--fail-on", "must")
	expect(t, r, 0, "unknown  must    support-period", "the candidate file gives no end_of_support")
	// A model file instead of the store: placed there, the same account.
	dir := t.TempDir()
	expect(t, ward(t, data, "demo", "--write", dir), 0)
	r = ward(t, t.TempDir(), "procure", "check", candidate("pump-aurora.yaml"), "--model", filepath.Join(dir, "st-example-general.yaml"), "--format", "json")
	expect(t, r, 0, `"adds": {`, `"asset": "aurora-lvp"`)
	expect(t, ward(t, data, "procure", "check", candidate("pump-aurora.yaml"), "--model", "x.yaml", "--org", "st-example"), 2, "--org and --model")
	for _, f := range []string{"md", "html"} {
		r = ward(t, data, "procure", "check", candidate("pump-aurora.yaml"), "--format", f)
		expect(t, r, 0, "aurora-lvp")
	}
	if !strings.HasPrefix(r.stdout, "<!DOCTYPE html>") || strings.Contains(r.stdout, "<script") {
		t.Errorf("html: %.200s", r.stdout)
	}
}

func TestProcureCompareAndTender(t *testing.T) {
	data := t.TempDir()
	files := []string{candidate("pump-aurora.yaml"), candidate("pump-borealis.yaml"), candidate("pump-cygnus.yaml")}
	r := ward(t, data, append([]string{"procure", "compare", "--nvd", candidate("nvd-components.json")}, files...)...)
	expect(t, r, 0, "AURORA-LVP", "BOREALIS-V3", "CYGNUS-SP", "known vulnerabilities                   0                               3")
	r = ward(t, data, append([]string{"procure", "compare", "--format", "html"}, files...)...)
	expect(t, r, 0, `<table class="compare">`, "<th>cygnus-sp<br>")
	r = ward(t, data, append([]string{"procure", "compare", "--format", "json"}, files...)...)
	var cmp struct {
		Rows []struct {
			Requirement string
			Status      []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &cmp); err != nil || len(cmp.Rows) < 30 || len(cmp.Rows[0].Status) != 3 {
		t.Errorf("compare json: %v %+v", err, cmp)
	}
	r = ward(t, data, "procure", "tender", files[1], files[2])
	expect(t, r, 0, "# Security requirements for the device", "1. **", "(must)", "(should)", "## Why each clause is there")
	r = ward(t, data, "procure", "tender", files[1], "--format", "json")
	var tender struct {
		Clauses []struct {
			Number int
			Level  string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &tender); err != nil || len(tender.Clauses) == 0 || tender.Clauses[0].Number != 1 {
		t.Errorf("tender json: %v %s", err, r.stdout)
	}
	r = ward(t, data, "procure", "tender", files[1], "--format", "html")
	expect(t, r, 0, `<ol class="clauses">`)
	expect(t, ward(t, data, "procure", "compare", files[0]), 2, "Run 'ward procure compare --help' for usage.")
}

// ward procure place stores the candidate as planned; ward assess leaves it
// out unless --with-planned, which says what it adds.
func TestProcurePlaceAndAssessWithPlanned(t *testing.T) {
	data := demoData(t)
	before := ward(t, data, "assess", "--format", "json")
	expect(t, ward(t, data, "procure", "place", candidate("pump-borealis.yaml")), 0, "placed borealis-v3 in st-example as planned")
	expect(t, ward(t, data, "assets", "--kind", "infusion-pump"), 0, "borealis-v3 (planned)")
	expect(t, ward(t, data, "summary"), 0, "1 of the assets planned, not bought yet")
	after := ward(t, data, "assess", "--format", "json")
	expect(t, after, 0)
	var b, a, w struct {
		Summary struct{ Assets int }
		Planned []struct {
			Asset string
			Risks []struct{ Threat string }
			Paths []string
		}
	}
	json.Unmarshal([]byte(before.stdout), &b)
	json.Unmarshal([]byte(after.stdout), &a)
	if a.Summary.Assets != b.Summary.Assets || a.Planned != nil {
		t.Errorf("assess counts a planned asset: %d assets, before %d; planned %v", a.Summary.Assets, b.Summary.Assets, a.Planned)
	}
	with := ward(t, data, "assess", "--with-planned", "--format", "json")
	json.Unmarshal([]byte(with.stdout), &w)
	if w.Summary.Assets != b.Summary.Assets+1 || len(w.Planned) != 1 || w.Planned[0].Asset != "borealis-v3" || len(w.Planned[0].Risks) == 0 || len(w.Planned[0].Paths) == 0 {
		t.Errorf("--with-planned: %d assets, planned %+v", w.Summary.Assets, w.Planned)
	}
	expect(t, ward(t, data, "assess", "--with-planned", "--top", "3"), 0, "Planned assets (not bought yet", "What planned borealis-v3 adds")
	// Placed again, it replaces itself.
	expect(t, ward(t, data, "procure", "place", candidate("pump-borealis.yaml"), "--format", "json"), 0, `"provenance": "planned"`)
	expect(t, ward(t, data, "audit", "list"), 0, "asset.planned")
}

// Bad input is named, with sheet and cell, exit 1.
func TestProcureBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	table, err := mds2form.Table()
	budget := write("budget.xlsx", table, err)
	old, err := mds2form.Form2013()
	old2013 := write("old.xlsx", old, err)
	bomb, err := mds2form.Bomb(1 << 40)
	bombFile := write("bomb.xlsx", bomb, err)
	badYAML := write("cand.yaml", []byte("candidate:\n  id: x\n  zone: medical-devices\nanswers:\n  - {question: PAUT-8, answer: maybe}\n"), nil)
	badAsset := write("asset.yaml", []byte("candidate:\n  id: x\n  kind: infusion-pmup\n  zone: medical-devices\nlinks:\n  - {from: x, to: pump-server, protocol: hl7}\n"), nil)
	data := t.TempDir()
	expect(t, ward(t, data, "procure", "check", badAsset), 1, `asset.yaml:3:9: candidate.kind: invalid value "infusion-pmup" (did you mean "infusion-pump"?)`, `asset.yaml:6:`, `did you mean "hl7v2"?`)
	expect(t, ward(t, data, "procure", "check", "--form", budget), 1, "budget.xlsx: Budget: not an MDS2 form")
	expect(t, ward(t, data, "procure", "check", "--form", old2013), 1, `MDS2!A2: an MDS2 form of another revision ("HN 1-2013")`)
	expect(t, ward(t, data, "procure", "check", "--form", bombFile), 1, "would decompress to more than 64 MiB")
	expect(t, ward(t, data, "procure", "check", badYAML), 1, "cand.yaml:5", `answer "maybe"`)
	expect(t, ward(t, data, "procure", "check", "--form", filepath.Join(dir, "absent.xlsx")), 1, "absent.xlsx")
	expect(t, ward(t, data, "procure", "check"), 1, "nothing to check")
	expect(t, ward(t, data, "procure", "check", candidate("pump-cygnus.yaml"), "--format", "pdf"), 2, "--format")
}
