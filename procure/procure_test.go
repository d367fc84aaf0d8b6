package procure_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/internal/mds2form"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/procure"
)

const today = "2026-12-01"

func load(t *testing.T, name string) *procure.Candidate {
	t.Helper()
	c, err := procure.Load(filepath.Join("testdata", name), "", "", procure.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

func matcher(t *testing.T) *intel.Matcher {
	t.Helper()
	cves, err := intel.LoadNVD("testdata/nvd-components.json")
	if err != nil {
		t.Fatal(err)
	}
	kev, err := intel.LoadKEV("../intel/testdata/kev/known_exploited_vulnerabilities.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &intel.Feeds{KEV: kev}
	f.AddCVEs(cves)
	return f.Matcher()
}

func check(t *testing.T, name string) *procure.Report {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return procure.Check(load(t, name), cat.DeviceRequirements, procure.Options{Today: today, Matcher: matcher(t)})
}

func outcome(t *testing.T, r *procure.Report, id string) procure.Outcome {
	t.Helper()
	for _, o := range r.Outcomes {
		if o.Requirement == id {
			return o
		}
	}
	t.Fatalf("%s: no outcome %s", r.Candidate, id)
	return procure.Outcome{}
}

func TestCheckCandidates(t *testing.T) {
	a := check(t, "pump-aurora.yaml")
	var text bytes.Buffer
	procure.Text(&text, a)
	t.Log(text.String())
	if a.Counts.MustNotMet != 0 {
		t.Errorf("aurora fails must requirements: %s\n%s", a.Verdict, text.String())
	}
	if o := outcome(t, a, "multi-factor"); o.Status != procure.NotMet || !strings.Contains(o.Reason, "PAUT-8 answered no") || !strings.Contains(o.Evidence[0].Where, "MDS2!C") {
		t.Errorf("aurora multi-factor: %+v", o)
	}
	if o := outcome(t, a, "malware-protection"); o.Status != procure.NotApplicable || !strings.Contains(o.Reason, "MLDP-1") {
		t.Errorf("aurora malware: %+v", o)
	}
	if o := outcome(t, a, "network-documented"); o.Status != procure.Met {
		t.Errorf("aurora network-documented: %+v", o)
	}
	if o := outcome(t, a, "support-period"); o.Status != procure.Met || o.Evidence[0].Where != "pump-aurora.yaml:13" {
		t.Errorf("aurora support: %+v", o)
	}
	if len(a.Vulnerabilities) != 0 {
		t.Errorf("aurora has vulnerabilities: %+v", a.Vulnerabilities)
	}

	b := check(t, "pump-borealis.yaml")
	text.Reset()
	procure.Text(&text, b)
	t.Log(text.String())
	for id, want := range map[string]string{
		"changeable-default-credentials": procure.NotMet, "encryption-in-transit": procure.Unknown, "encryption-at-rest": procure.NotMet,
		"malware-protection": procure.NotMet, "support-period": procure.NotMet, "remote-service-control": procure.NotMet,
		"no-known-vulnerabilities": procure.NotMet, "sbom-available": procure.Met, "vulnerability-disclosure": procure.NotMet,
	} {
		if o := outcome(t, b, id); o.Status != want {
			t.Errorf("borealis %s: %s, want %s (%s)", id, o.Status, want, o.Reason)
		}
	}
	// The candidate file's answer overrides the form's, both cited.
	if o := outcome(t, b, "multi-factor"); o.Status != procure.NotMet || o.Evidence[0].Source != "candidate" || !strings.Contains(o.Evidence[0].Note, "the form says see-note") {
		t.Errorf("borealis multi-factor: %+v", o)
	}
	cves := map[string]bool{}
	for _, v := range b.Vulnerabilities {
		cves[v.CVE] = true
		if v.CVE == "CVE-2021-44228" && !v.Exploited {
			t.Error("Log4Shell is not marked exploited (KEV)")
		}
	}
	for _, id := range []string{"CVE-2021-44228", "CVE-2022-0778", "CVE-2021-3711"} {
		if !cves[id] {
			t.Errorf("borealis: %s not matched from the SPDX SBOM (%v)", id, cves)
		}
	}
	c := check(t, "pump-cygnus.yaml")
	if o := outcome(t, c, "sbom-available"); o.Status != procure.NotMet {
		t.Errorf("cygnus sbom: %+v", o)
	}
	if o := outcome(t, c, "audit-log"); o.Status != procure.Unknown || !strings.Contains(o.Reason, "AUDT-1.1 refers to a note") {
		t.Errorf("cygnus audit: %+v", o)
	}
	if c.Counts.MustUnknown == 0 {
		t.Errorf("cygnus: no must requirement unknown: %+v", c.Counts)
	}
}

func TestCompareAndTender(t *testing.T) {
	rs := []*procure.Report{check(t, "pump-aurora.yaml"), check(t, "pump-borealis.yaml"), check(t, "pump-cygnus.yaml")}
	cmp := procure.Compare(rs)
	var b bytes.Buffer
	procure.CompareText(&b, cmp)
	t.Log(b.String())
	if !strings.Contains(b.String(), "AURORA-LVP") || !strings.Contains(b.String(), "NOT MET") {
		t.Errorf("comparison:\n%s", b.String())
	}
	clauses := procure.Tender(rs[1:2])
	b.Reset()
	procure.TenderMarkdown(&b, rs[1:2], clauses)
	t.Log(b.String())
	if len(clauses) == 0 || clauses[0].Level != "must" || clauses[0].Number != 1 {
		t.Fatalf("clauses: %+v", clauses)
	}
	if !strings.Contains(b.String(), "1. **") || !strings.Contains(b.String(), "shall") {
		t.Errorf("tender:\n%s", b.String())
	}
	b.Reset()
	if err := procure.HTML(&b, procure.Page{Title: "Pumps", Reports: rs, Comparison: cmp, Clauses: clauses}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `<ol class="clauses">`) || strings.Contains(b.String(), "<script") {
		t.Errorf("html: %.500s", b.String())
	}
}

func TestPlaceAndAssess(t *testing.T) {
	m, err := demo.Model()
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load()
	b := check(t, "pump-borealis.yaml")
	placed, err := procure.Place(m, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(placed.Assets) != len(m.Assets)+1 || len(m.WithoutPlanned().Assets) != len(m.Assets) {
		t.Fatalf("placed: %d assets", len(placed.Assets))
	}
	if got := placed.WithoutPlanned(); len(got.Assets) != len(m.Assets) || len(got.Links) != len(m.Links) {
		t.Errorf("without planned: %d assets, %d links; want %d, %d", len(got.Assets), len(got.Links), len(m.Assets), len(m.Links))
	}
	// Placed again (checked again), it replaces itself.
	if again, err := procure.Place(placed, b); err != nil || len(again.Assets) != len(placed.Assets) || len(again.Links) != len(placed.Links) {
		t.Errorf("placed twice: %v", err)
	}
	_, adds, err := procure.AssessWithPlanned(placed, cat, assess.Options{Today: today, Matches: matcher(t).Match(placed.Assets)})
	if err != nil {
		t.Fatal(err)
	}
	if len(adds) != 1 || adds[0].Asset != "borealis-v3" || len(adds[0].Risks) == 0 || len(adds[0].Vulnerabilities) == 0 || adds[0].OpenAfter <= adds[0].OpenBefore {
		t.Fatalf("additions: %+v", adds)
	}
	var w bytes.Buffer
	procure.WriteAdditionText(&w, adds[0])
	t.Log(w.String())
}

// Bad input: named, with sheet and cell where there is one.
func TestBadWorkbooks(t *testing.T) {
	table, _ := mds2form.Table()
	old, _ := mds2form.Form2013()
	untitled, _ := mds2form.Form2013Untitled()
	bomb, _ := mds2form.Bomb(1 << 40)
	dense, _ := mds2form.Dense(16 << 20)
	many, _ := mds2form.Bytes(mds2form.Spec{Sheet: "Form 2019"})
	partial, _ := mds2form.Bytes(mds2form.Spec{})
	replacing, _ := mds2form.Bytes(mds2form.Spec{Title: "ANSI/NEMA HN 1-2019 (replaces HN 1-2013)"})
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"budget.xlsx", table, "Budget: not an MDS2 form"},
		{"old.xlsx", old, `MDS2!A2: an MDS2 form of another revision ("HN 1-2013")`},
		{"untitled.xlsx", untitled, `MDS2!A5: question id "1-1" is numbered as the 2013 form`},
		{"bomb.xlsx", bomb, "would decompress to more than 64 MiB"},
		{"dense.xlsx", dense, "xl/worksheets/sheet1.xml: a part expands"},
		{"form.pdf", []byte("%PDF-1.7 ..."), "a PDF, not an XLSX workbook"},
		{"form.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, "old Excel (.xls)"},
		{"notes.txt", []byte("Question ID,Answer"), "not an XLSX workbook"},
	} {
		_, err := procure.ReadForm(tc.name, tc.data, procure.Limits{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if _, ok := modelfile.AsErrors(err); !ok {
			t.Errorf("%s: not a positioned error: %T", tc.name, err)
		}
	}
	// A sheet name with a space is quoted in cell references.
	if f, err := procure.ReadForm("form.xlsx", many, procure.Limits{}); err != nil || !strings.HasPrefix(f.Answers[0].Cell, "'Form 2019'!C") {
		t.Errorf("quoted sheet: %v %+v", err, f)
	}
	if f, err := procure.ReadForm("blank.xlsx", partial, procure.Limits{}); err != nil || f.Answers[0].Value != "blank" {
		t.Errorf("blank form: %v", err)
	}
	// A 2019 form that names the revision it replaces is a 2019 form.
	if _, err := procure.ReadForm("replacing.xlsx", replacing, procure.Limits{}); err != nil {
		t.Errorf("a 2019 form naming the 2013 one: %v", err)
	}
}

// Macros and links to other workbooks are never run or followed, and said.
func TestMacrosAndExternalLinks(t *testing.T) {
	data, err := os.ReadFile("testdata/pump-aurora-mds2.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	tricky, err := mds2form.WithParts(data, map[string][]byte{
		"xl/vbaProject.bin":                             []byte("Attribute VB_Name = \"Module1\"\nSub Auto_Open()\nShell \"calc\"\nEnd Sub"),
		"xl/externalLinks/externalLink1.xml":            []byte(`<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></externalLink>`),
		"xl/externalLinks/_rels/externalLink1.xml.rels": []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="http://127.0.0.1:9/answers.xlsx" TargetMode="External"/></Relationships>`),
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := procure.ReadForm("tricky.xlsm", tricky, procure.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(f.Warnings, "\n")
	if !strings.Contains(w, "macros (xl/vbaProject.bin): never run") || !strings.Contains(w, "never followed") {
		t.Errorf("warnings: %s", w)
	}
}

func FuzzReadForm(f *testing.F) {
	data, _ := os.ReadFile("testdata/pump-cygnus-mds2.xlsx")
	f.Add(data)
	old, _ := mds2form.Form2013Untitled()
	f.Add(old)
	bomb, _ := mds2form.Bomb(1 << 30)
	f.Add(bomb)
	f.Add([]byte("PK\x03\x04"))
	lim := procure.Limits{MaxBytes: 1 << 20, MaxUnzipped: 4 << 20, MaxRatio: 200, MaxEntries: 200, MaxRows: 500}
	f.Fuzz(func(t *testing.T, data []byte) {
		form, err := procure.ReadForm("fuzz.xlsx", data, lim)
		if err != nil {
			if _, ok := modelfile.AsErrors(err); !ok {
				t.Fatalf("an error that is not positioned: %T %v", err, err)
			}
			return
		}
		for _, a := range form.Answers {
			if a.Cell == "" || a.Question == "" {
				t.Fatalf("answer without place: %+v", a)
			}
		}
	})
}

// A corrupted workbook is refused with a positioned error, never a panic or
// a hang: a few hundred random byte changes of a real form, seeded.
func TestReadFormSurvivesCorruption(t *testing.T) {
	data, err := os.ReadFile("testdata/pump-cygnus-mds2.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		d := bytes.Clone(data)
		for range 1 + r.IntN(4) {
			d[r.IntN(len(d))] = byte(r.IntN(256))
		}
		start := time.Now()
		_, err := procure.ReadForm("corrupt.xlsx", d, procure.Limits{})
		if err != nil {
			if _, ok := modelfile.AsErrors(err); !ok {
				t.Fatalf("%d: an error that is not positioned: %T %v", i, err, err)
			}
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Fatalf("%d: %v to read a corrupt workbook", i, el)
		}
	}
}
