package server_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhealth/ward/server"
)

// TestResultPages: the findings, vulnerabilities and reports pages show
// what the assessment computes, each overview card leads to the page
// behind it, and the reports download.
func TestResultPages(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	v := ts.session(t, "victor")
	base := "/orgs/st-example/"
	page := v.do("GET", base+"findings", nil)
	if page.code != http.StatusOK || !strings.Contains(page.body, "Internet-facing logon without MFA") || !strings.Contains(page.body, "Remedy:") {
		t.Errorf("findings: %d %.600s", page.code, page.body)
	}
	crit := v.do("GET", base+"findings?severity=critical", nil)
	if strings.Contains(crit.body, `chip sev-low`) || !strings.Contains(crit.body, "sev-critical") {
		t.Errorf("critical findings only: %.600s", crit.body)
	}
	if res := v.do("GET", base+"findings?severity=purple", nil); res.code != http.StatusBadRequest {
		t.Errorf("a bad severity: %d", res.code)
	}
	vulns := v.do("GET", base+"vulnerabilities", nil)
	if vulns.code != http.StatusOK || !strings.Contains(vulns.body, "patch them") {
		t.Errorf("vulnerabilities: %d %.300s", vulns.code, vulns.body)
	}
	over := v.do("GET", base, nil)
	for _, link := range []string{base + "findings", base + "vulnerabilities", base + "assets?exposed=true"} {
		if !strings.Contains(over.body, `href="`+link+`"`) {
			t.Errorf("the overview does not link to %s", link)
		}
	}
	html := v.do("GET", base+"reports/html", nil)
	if html.code != http.StatusOK || !strings.Contains(html.header.Get("Content-Disposition"), "attachment") || !strings.Contains(html.body, "St. Example General") {
		t.Errorf("HTML report: %d %v %.200s", html.code, html.header, html.body)
	}
	js := v.do("GET", base+"reports/json", nil)
	if js.code != http.StatusOK || !strings.Contains(js.body, `"risks"`) {
		t.Errorf("JSON report: %d %.200s", js.code, js.body)
	}
	if res := v.do("GET", base+"reports/pdf", nil); res.code != http.StatusNotFound {
		t.Errorf("an unknown report: %d", res.code)
	}
	if sc := v.do("GET", base+"scenarios", nil); sc.code != http.StatusOK || !strings.Contains(sc.body, "Path 1: from") {
		t.Errorf("scenarios: %d %.300s", sc.code, sc.body)
	}
	if bl := v.do("GET", base+"baselines", nil); bl.code != http.StatusOK || !strings.Contains(bl.body, "NIS2") || !strings.Contains(bl.body, "failing:") {
		t.Errorf("baselines: %d %.300s", bl.code, bl.body)
	}
	if res := v.do("GET", base+"audit", nil); res.code != http.StatusForbidden {
		t.Errorf("a viewer reads the audit log: %d", res.code)
	}
	if au := ts.session(t, "adele").do("GET", base+"audit", nil); au.code != http.StatusOK || !strings.Contains(au.body, "audit-list") {
		t.Errorf("the organisation's admin reads its audit log: %d", au.code)
	}
	if au := ts.session(t, "root").do("GET", "/audit?verify=1", nil); !strings.Contains(au.body, "The chain is intact") {
		t.Errorf("verify the chain: %.600s", au.body)
	}
	// Refusals and errors keep the navigation; the add-user form offers an
	// organisation.
	if res := v.do("GET", "/orgs/north/findings", nil); res.code != http.StatusNotFound || !strings.Contains(res.body, `href="/tokens"`) || strings.Contains(res.body, "North Hospital") {
		t.Errorf("another hospital's page: %d, navigation kept=%v", res.code, strings.Contains(res.body, `href="/tokens"`))
	}
	if res := ts.session(t, "root").do("GET", "/users", nil); !strings.Contains(res.body, `<option value="north" selected>`) {
		t.Errorf("the add-user form offers no organisation")
	}
	if res := ts.session(t, "nora").do("GET", base+"findings", nil); res.code != http.StatusNotFound {
		t.Errorf("another hospital's findings: %d", res.code)
	}
}

// TestRiskRegisterPage: every count of the overview's heat map links to
// the register's lines at that likelihood and impact, and those lines
// hold as many asset x threat pairs as the cell says; the lines are the
// JSON report's, with their factors and paths; bad filters are 400.
func TestRiskRegisterPage(t *testing.T) {
	ts := newTestServer(t, server.Config{})
	v := ts.session(t, "victor")
	base := "/orgs/st-example/"
	var report struct {
		Risks []struct {
			Likelihood, Impact int
			Status             string
			Assets             []string
			Path               *struct{}
		}
	}
	v.do("GET", base+"reports/json", nil).json(t, &report)
	over := v.do("GET", base, nil)
	cells := regexp.MustCompile(`href="/orgs/st-example/risks\?status=open&amp;likelihood=(\d)&amp;impact=(\d)">(\d+)</a>`).FindAllStringSubmatch(over.body, -1)
	if len(cells) < 3 {
		t.Fatalf("the heat map links %d cells to the register: %.400s", len(cells), over.body)
	}
	pairs := regexp.MustCompile(`data-pairs="(\d+)"`)
	for _, c := range cells {
		l, _ := strconv.Atoi(c[1])
		im, _ := strconv.Atoi(c[2])
		lines, want := 0, 0
		for _, r := range report.Risks {
			if r.Status == "open" && r.Likelihood == l && r.Impact == im {
				lines++
				want += len(r.Assets)
			}
		}
		page := v.do("GET", fmt.Sprintf("%srisks?status=open&likelihood=%d&impact=%d", base, l, im), nil)
		m := pairs.FindStringSubmatch(page.body)
		if page.code != http.StatusOK || m == nil || m[1] != c[3] || m[1] != strconv.Itoa(want) || strings.Count(page.body, `<article class="risk">`) != min(lines, 200) {
			t.Errorf("cell %d x %d (%s on the overview): page %d, pairs %v, %d lines shown; the report has %d lines, %d pairs", l, im, c[3], page.code, m, strings.Count(page.body, `<article class="risk">`), lines, want)
		}
	}
	all := v.do("GET", base+"risks", nil)
	withPath := 0
	for _, r := range report.Risks {
		if r.Path != nil {
			withPath++
		}
	}
	if all.code != http.StatusOK || !strings.Contains(all.body, "likelihood +") || (withPath > 0 && !strings.Contains(all.body, `<ol class="steps"><li>from the Internet`)) {
		t.Errorf("the whole register: %d %.600s", all.code, all.body)
	}
	if !strings.Contains(over.body, `href="/orgs/st-example/risks"`) {
		t.Errorf("the navigation does not lead to the register")
	}
	for _, bad := range []string{"severity=purple", "likelihood=6", "impact=x", "zone=moon", "threat=dragons", "status=forgotten"} {
		if res := v.do("GET", base+"risks?"+bad, nil); res.code != http.StatusBadRequest {
			t.Errorf("risks?%s: %d", bad, res.code)
		}
	}
	if res := ts.session(t, "nora").do("GET", base+"risks", nil); res.code != http.StatusNotFound {
		t.Errorf("another hospital's register: %d", res.code)
	}
}
