package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/wardhealth/ward/internal/mds2form"
)

// browseProcure: a viewer uploads three candidate pumps (candidate file,
// MDS2 workbook, SBOM) and sees each checked, side by side, with the
// tender clauses; then a workbook that is no MDS2 form, named as such.
func browseProcure(t *testing.T, b context.Context, dir string, e *webEnv) {
	ctx, _ := tab(t, b)
	data := filepath.Join("..", "..", "procure", "testdata")
	abs := func(name string) string {
		p, err := filepath.Abs(filepath.Join(data, name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	upload := func(field, file string) chromedp.Action[chromedp.Void] {
		return chromedp.SetUploadFiles(chromedp.CSS(`input[name=`+field+`]`), []string{abs(file)})
	}
	do(t, ctx,
		signInBrowser(e, "viewer"),
		chromedp.Click(chromedp.CSS(`header nav a[href$="/procure"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=form1]`)),
		upload("candidate1", "pump-aurora.yaml"), upload("form1", "pump-aurora-mds2.xlsx"), upload("sbom1", "pump-aurora-sbom.cdx.json"),
		upload("candidate2", "pump-borealis.yaml"), upload("form2", "pump-borealis-mds2.xlsx"), upload("sbom2", "pump-borealis-sbom.spdx.json"),
		upload("candidate3", "pump-cygnus.yaml"), upload("form3", "pump-cygnus-mds2.xlsx"),
		chromedp.Click(chromedp.CSS(`#upload button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#procure-results table.compare`)),
		shot(t, dir, "procure"),
	)
	results := read(t, ctx, chromedp.Text(chromedp.CSS(`#procure-results`)))
	for _, want := range []string{"Candidate aurora-lvp", "Candidate borealis-v3", "Candidate cygnus-sp", "fails 7 must requirements",
		"PAUT-4 answered no (MDS2!C123)", "Side by side", "Tender clauses", "What it adds to the assessment"} {
		if !strings.Contains(results, want) {
			t.Errorf("the procure page lacks %q", want)
		}
	}
	cols := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('table.compare thead th').length`))
	clauses := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('ol.clauses li').length`))
	if cols != 5 || clauses < 10 {
		t.Errorf("comparison with %d columns, %d tender clauses", cols, clauses)
	}

	table, err := mds2form.Table()
	if err != nil {
		t.Fatal(err)
	}
	budget := filepath.Join(t.TempDir(), "budget.xlsx")
	if err := os.WriteFile(budget, table, 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=form1]`), []string{budget}),
		chromedp.Click(chromedp.CSS(`#upload button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#procure-errors`)),
		shot(t, dir, "procure-errors"),
	)
	if errs := read(t, ctx, chromedp.Text(chromedp.CSS(`#procure-errors`))); !strings.Contains(errs, "budget.xlsx") || !strings.Contains(errs, "not an MDS2 form") {
		t.Errorf("a budget workbook: %q", errs)
	}
}
