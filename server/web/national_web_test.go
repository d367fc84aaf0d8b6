package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/server/internal/core"
	"github.com/wardhealth/ward/store/sqlite"
)

// newSectorWebEnv serves the small sector of national/testdata/sector,
// each hospital with a B. Braun SpaceCom pump that CISA's advisory
// ICSMA-20-296-02 names, the advisory in the feeds, and the hospitals
// named sharing their services; the user "hub" has the hub role.
func newSectorWebEnv(t testing.TB, sharing ...string) *webEnv {
	t.Helper()
	return newSectorWebEnvWith(t, ward.ShareServices, nil, sharing...)
}

// newSectorWebEnvWith is newSectorWebEnv with the hospitals named sharing
// at a level, and the server's configuration changed by cfg.
func newSectorWebEnvWith(t testing.TB, level ward.ShareLevel, cfg func(*core.Config), sharing ...string) *webEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var models []*ward.Model
	for _, id := range []string{"nha", "alpha", "beta", "gamma"} {
		m, err := modelfile.Load(filepath.Join("..", "..", "national", "testdata", "sector", id+".yaml"), modelfile.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if id != "nha" {
			m.Assets = append(m.Assets, ward.Asset{ID: "spacecom-1", Kind: "infusion-pump", Zone: "dc", Vendor: "B. Braun Medical", Product: "SpaceCom", Version: "U61"})
		}
		models = append(models, m)
	}
	if err := st.PutModels(ctx, models); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../testdata/icsma-20-296-02.json")
	if err != nil {
		t.Fatal(err)
	}
	var feeds intel.Feeds
	f, err := feeds.Read("icsma-20-296-02.json", "../testdata/icsma-20-296-02.json", data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutFeeds(ctx, []ward.FeedFile{f}); err != nil {
		t.Fatal(err)
	}
	for _, org := range sharing {
		if err := st.PutNationalSharing(ctx, ward.NationalSharing{Org: org, Level: level, Updated: time.Now(), By: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	hash, err := core.HashPassword(webPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutUser(ctx, ward.User{ID: "u-hub", Name: "hub", PasswordHash: hash, Created: time.Now().UTC(), Memberships: []ward.Membership{{Org: ward.AllOrganisations, Role: ward.RoleHub}}}); err != nil {
		t.Fatal(err)
	}
	c := core.Config{Store: st, Version: "test"}
	if cfg != nil {
		cfg(&c)
	}
	srv, err := newServer(c)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &webEnv{store: st, srv: srv, ts: ts, ids: map[string]string{"hub": "u-hub"}}
}

// TestNationalExposure: an advisory's reach is shown from three hospitals
// (the minimum group), withheld below.
func TestNationalExposure(t *testing.T) {
	for _, c := range []struct {
		sharing  []string
		shown    bool
		withheld string
	}{
		{[]string{"alpha", "beta", "gamma"}, true, `"withheld":0`},
		{[]string{"alpha", "beta"}, false, `"withheld":1`},
	} {
		e := newSectorWebEnv(t, c.sharing...)
		body := e.get(t, "hub", "/api/v1/national/exposure")
		if strings.Contains(body, "ICSMA-20-296-02") != c.shown || !strings.Contains(body, c.withheld) {
			t.Errorf("%v sharing: %s", c.sharing, body)
		}
		if c.shown && !strings.Contains(body, `"hospitals":3`) {
			t.Errorf("three hospitals: %s", body)
		}
	}
}

// get reads a path as a user, signed in through the API.
func (e *webEnv) get(t testing.TB, user, path string) string {
	t.Helper()
	c := &http.Client{}
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/login", strings.NewReader(`{"name":"`+user+`","password":"`+webPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	req, _ = http.NewRequest("GET", e.ts.URL+path, nil)
	for _, ck := range res.Cookies() {
		req.AddCookie(ck)
	}
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

// TestBrowserNational: the hub signs in, simulates a cloud provider's
// failure from the what-if form, reads the concentration tables and sees
// the sector map, in a real browser under the Content Security Policy.
func TestBrowserNational(t *testing.T) {
	t.Parallel()
	b, dir := browser(t)
	e := newSectorWebEnv(t, "alpha", "beta", "gamma")
	ctx, _ := tab(t, b)
	do(t, ctx,
		hubToNational(e),
		chromedp.WaitVisible(chromedp.CSS(`input[name=fail]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=fail]`), "cloud:microsoft"),
		chromedp.SendKeys(chromedp.CSS(`input[name=for]`), "2h"),
		chromedp.Click(chromedp.CSS(`#national form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#national-result`)),
		shot(t, dir, "national-whatif"),
	)
	if n := read(t, ctx, chromedp.Text(chromedp.CSS(`#national-affected`))); n != "3" {
		t.Errorf("hospitals affected: %q", n)
	}
	if rows := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#national-hospitals tr').length`)); rows != 4 {
		t.Errorf("%d rows in the hospitals table, want a header and 3", rows)
	}
	first := read(t, ctx, chromedp.Text(chromedp.CSS(`#national-hospitals tr:nth-child(2)`)))
	if !strings.Contains(first, "Gamma Clinic") || !strings.Contains(first, "exceeded") {
		t.Errorf("the first hospital is %q, want gamma, beyond its limit", first)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#national a[href="/national/concentration"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#national-exposure`)),
		shot(t, dir, "national-concentration"),
	)
	if x := read(t, ctx, chromedp.Text(chromedp.CSS(`#national-exposure`))); !strings.Contains(x, "ICSMA-20-296-02") {
		t.Errorf("exposure: %q", x)
	}
	if x := read(t, ctx, chromedp.Text(chromedp.CSS(`#national-spof`))); !strings.Contains(x, "cloud:microsoft") {
		t.Errorf("single points: %q", x)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#concentration a[href="/national/map"]`)),
		chromedp.WaitVisible(chromedp.CSS(`svg[aria-label="Sector map"]`)),
		shot(t, dir, "national-map"),
	)
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('circle.hospital').length`)); n != 3 {
		t.Errorf("%d hospitals drawn", n)
	}
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg line').length`)); n < 5 {
		t.Errorf("%d dependency lines", n)
	}
}

// A hospital's administrator sets what it shares with the hub from the
// dashboard; a viewer sees the level and no form; the change is audited.
func TestWebNationalSharing(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	viewer := e.signIn(t, "viewer", webPassword)
	status, body := viewer.get("/orgs/" + webOrg + "/national-sharing")
	if status != http.StatusOK || !strings.Contains(body, `id="sharing-level"`) || strings.Contains(body, `id="sharing-form"`) {
		t.Fatalf("viewer: %d %s", status, body)
	}
	if status, _ := viewer.submit("/orgs/"+webOrg+"/national-sharing", url.Values{"level": {"none"}}); status != http.StatusForbidden {
		t.Errorf("a viewer changed the sharing: %d", status)
	}
	admin := e.signIn(t, "admin", webPassword)
	if _, body := admin.get("/orgs/" + webOrg + "/national-sharing"); !strings.Contains(body, `id="sharing-form"`) {
		t.Fatalf("no form for the admin: %s", body)
	}
	status, body = admin.submit("/orgs/"+webOrg+"/national-sharing", url.Values{"level": {"counts"}})
	if status != http.StatusOK || !strings.Contains(body, `id="sharing-saved"`) || !strings.Contains(body, `<b id="sharing-level">counts</b>`) {
		t.Errorf("after saving: %d %s", status, body)
	}
	if status, _ := admin.submit("/orgs/"+webOrg+"/national-sharing", url.Values{"level": {"everything"}}); status != http.StatusUnprocessableEntity {
		t.Errorf("a bad level: %d", status)
	}
	x, err := e.srv.Sharing(context.Background(), webOrg)
	if err != nil || x.Level != ward.ShareCounts || x.By != "admin" {
		t.Errorf("stored: %+v %v", x, err)
	}
	entries, err := e.store.Audit(context.Background(), webOrg, 0, 1000)
	found := false
	for _, a := range entries {
		found = found || a.Action == "national.sharing" && a.Actor == "admin"
	}
	if err != nil || !found {
		t.Errorf("no audit entry of the change: %v", err)
	}
}
