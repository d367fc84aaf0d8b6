package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// One navigation on every page: the organisation's menu on the pages of
// no organisation (tokens, users, the sector) and on error pages, each
// error inside the layout, and a way past the menu for the keyboard.
func TestWebOneNavigation(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	menu := []string{`href="/orgs/` + webOrg + `/map"`, `href="/orgs/` + webOrg + `/findings"`, `href="/tokens"`, `<a class="skip" href="#main">`, `<main id="main"`}
	for _, who := range []string{"analyst", "admin"} {
		c := e.signIn(t, who, webPassword)
		c.get("/orgs/" + webOrg + "/") // the organisation read last
		pages := []struct {
			path   string
			status int
			says   string
		}{
			{"/tokens", http.StatusOK, "API tokens"},
			{"/nope", http.StatusNotFound, "404"},
			{"/orgs/" + webOrg + "/nope", http.StatusNotFound, "404"},
			{"/orgs/" + webOrg + "/assets/no-such-asset", http.StatusNotFound, "no-such-asset"},
			{"/orgs/" + webOrg + "/findings?severity=bogus", http.StatusBadRequest, "severity &#34;bogus&#34;"},
			{"/orgs/" + webOrg + "/map?target=nowhere", http.StatusNotFound, "nowhere"},
		}
		if who == "admin" {
			pages = append(pages, struct {
				path   string
				status int
				says   string
			}{"/users", http.StatusOK, "user-create"}, struct {
				path   string
				status int
				says   string
			}{"/sector", http.StatusOK, "sector"})
		}
		for _, p := range pages {
			status, body := c.get(p.path)
			if status != p.status {
				t.Errorf("%s %s: %d, want %d", who, p.path, status, p.status)
			}
			for _, m := range menu {
				if !strings.Contains(body, m) {
					t.Errorf("%s %s: the page has no %s", who, p.path, m)
				}
			}
			main := strings.Index(body, "<main")
			if main < 0 || !strings.Contains(body[main:], p.says) {
				t.Errorf("%s %s: %q not inside the layout's main", who, p.path, p.says)
			}
		}
		if who == "analyst" {
			_, body := c.get("/tokens")
			if !strings.Contains(body, `href="/orgs/`+webOrg+`/import"`) {
				t.Error("an analyst's menu on the tokens page leads to no import")
			}
		}
	}
	// A program asking an address that does not exist gets a problem.
	if res := e.anonymous(t).raw(t, "/api/v1/nope"); res.status != http.StatusNotFound || res.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("GET /api/v1/nope: %d %s", res.status, res.header.Get("Content-Type"))
	}
	// A viewer's menu offers no import, there as on the organisation's
	// pages.
	c := e.signIn(t, "viewer", webPassword)
	if _, body := c.get("/tokens"); strings.Contains(body, `/import"`) || !strings.Contains(body, `href="/orgs/`+webOrg+`/map"`) {
		t.Error("a viewer's menu on the tokens page is not the viewer's")
	}
}

// Every number on the overview links to the page behind it: the cards,
// the heat map's counts, the top risks' scores, the baselines' coverage
// and the exploited assets' counts. Axis labels (the heat map's headers,
// the history's scale) are not counts and are left out.
func TestWebOverviewNumbersLink(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	c := e.signIn(t, "viewer", webPassword)
	_, body := c.get("/orgs/" + webOrg + "/")
	start, end := strings.Index(body, `<section id="summary">`), strings.Index(body, `<section id="history">`)
	if start < 0 || end < start {
		t.Fatal("no summary or history section")
	}
	part := body[start:end]
	if i := strings.Index(body, `<section id="exploited">`); i > 0 {
		part += body[i:]
	}
	number := regexp.MustCompile(`^[\s€$]*[0-9][0-9.,]*\s*(%|[KMB])?\s*$`)
	links, skip, seen := 0, 0, 0
	for _, tok := range regexp.MustCompile(`<[^>]*>|[^<]+`).FindAllString(part, -1) {
		switch {
		case strings.HasPrefix(tok, "<a "), tok == "<a>":
			links++
		case tok == "</a>":
			links--
		case strings.HasPrefix(tok, "<th"), strings.HasPrefix(tok, "<title"):
			skip++
		case tok == "</th>", tok == "</title>":
			skip--
		case !strings.HasPrefix(tok, "<") && number.MatchString(tok) && skip == 0:
			seen++
			if links == 0 {
				t.Errorf("the number %q on the overview links nowhere", strings.TrimSpace(tok))
			}
		}
	}
	if seen < 10 {
		t.Errorf("only %d numbers seen on the overview", seen)
	}
}
