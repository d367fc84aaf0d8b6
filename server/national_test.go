package server_test

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/national"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/store/sqlite"
)

const alphaToken = "ward_alphatok_0123456789abcdefghijklmnopqrstuvwxyzABCDEF"

// sectorServer serves the small sector of national/testdata/sector: the
// hub nha and the hospitals alpha, beta and gamma, none sharing yet; users
// hub (the hub role), amy (alpha's admin, also with a token), ben (beta's
// admin) and gil (gamma's admin).
func sectorServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var models []*ward.Model
	for _, id := range []string{"nha", "alpha", "beta", "gamma"} {
		m, err := modelfile.Load(filepath.Join("..", "national", "testdata", "sector", id+".yaml"), modelfile.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	if err := s.PutModels(ctx, models); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, u := range []ward.User{
		{ID: "u-hub", Name: "hub", Memberships: []ward.Membership{{Org: ward.AllOrganisations, Role: ward.RoleHub}}},
		{ID: "u-amy", Name: "amy", Memberships: []ward.Membership{{Org: "alpha", Role: ward.RoleAdmin}}},
		{ID: "u-ben", Name: "ben", Memberships: []ward.Membership{{Org: "beta", Role: ward.RoleAdmin}}},
		{ID: "u-gil", Name: "gil", Memberships: []ward.Membership{{Org: "gamma", Role: ward.RoleAdmin}}},
	} {
		u.PasswordHash, u.Created = passwordHash(t), now
		if err := s.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutToken(ctx, ward.Token{ID: "alphatok", UserID: "u-amy", Name: "alpha sync", Hash: sha256hex(alphaToken), Scope: ward.ScopeWrite, Org: "alpha", Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return newTestServer(t, server.Config{Store: s})
}

// TestNationalSharingIsTheHospitals: nothing is shared until a hospital's
// admin says so; the hub sees each at the level it chose, RED never, and
// every read is in the audit log; a hospital sees no other's data.
func TestNationalSharingIsTheHospitals(t *testing.T) {
	ts := sectorServer(t)
	hub := ts.session(t, "hub")
	var w national.WhatIf
	res := hub.do("GET", "/api/v1/national/whatif?fail=erx&for=3h", nil)
	res.json(t, &w)
	if res.code != http.StatusOK || w.Considered != 0 || len(w.Hospitals) != 0 || len(w.National) != 1 {
		t.Fatalf("before anyone shares: %d %s", res.code, res.body)
	}
	for _, org := range []string{"alpha", "beta"} {
		if res := hub.do("GET", "/api/v1/orgs/"+org+"/model", nil); res.code != http.StatusNotFound {
			t.Errorf("the hub reads %s's model unshared: %d", org, res.code)
		}
	}

	// Each admin sets its own level; none may set another's.
	for _, x := range []struct{ user, org, level string }{{"amy", "alpha", "services"}, {"ben", "beta", "full"}, {"gil", "gamma", "counts"}} {
		if res := ts.session(t, x.user).do("PUT", "/api/v1/orgs/"+x.org+"/national-sharing", map[string]string{"level": x.level}); res.code != http.StatusOK {
			t.Fatalf("%s shares %s: %d %s", x.org, x.level, res.code, res.body)
		}
	}
	if res := ts.session(t, "amy").do("PUT", "/api/v1/orgs/beta/national-sharing", map[string]string{"level": "none"}); res.code != http.StatusNotFound {
		t.Errorf("alpha's admin sets beta's level: %d", res.code)
	}
	if res := ts.session(t, "amy").do("PUT", "/api/v1/orgs/alpha/national-sharing", map[string]string{"level": "everything"}); res.code != http.StatusUnprocessableEntity {
		t.Errorf("an unknown level: %d", res.code)
	}
	if res := hub.do("PUT", "/api/v1/orgs/alpha/national-sharing", map[string]string{"level": "full"}); res.code != http.StatusForbidden {
		t.Errorf("the hub sets a hospital's level: %d", res.code)
	}

	res = hub.do("GET", "/api/v1/national/whatif?fail=erx&for=3h", nil)
	w = national.WhatIf{}
	res.json(t, &w)
	var orgs []string
	for _, h := range w.Hospitals {
		orgs = append(orgs, h.Org)
	}
	if !slices.Equal(orgs, []string{"alpha", "beta"}) || w.Considered != 2 || !slices.Equal(w.CountsOnly, []string{"gamma"}) || w.Exceeding != 1 {
		t.Errorf("what-if: %s", res.body)
	}
	for _, path := range []string{"/api/v1/national/whatif?fail=eid-ca", "/api/v1/national/concentration", "/api/v1/national", "/national/map", "/national/concentration", "/national?fail=eid-ca"} {
		res := hub.do("GET", path, nil)
		if res.code != http.StatusOK {
			t.Errorf("GET %s: %d %.300s", path, res.code, res.body)
		}
		if strings.Contains(res.body, "secret-db") || strings.Contains(res.body, "Forensic") {
			t.Errorf("GET %s: beta's RED asset reached the hub", path)
		}
	}
	// The hub reads the pages of beta, which shares its full model, not
	// alpha's, which shares its services only.
	if res := hub.do("GET", "/api/v1/orgs/beta/assets", nil); res.code != http.StatusOK {
		t.Errorf("the hub reads beta's assets: %d", res.code)
	}
	if res := hub.do("GET", "/api/v1/orgs/alpha/assets", nil); res.code != http.StatusNotFound {
		t.Errorf("the hub reads alpha's assets: %d", res.code)
	}
	var list struct{ Items []struct{ ID string } }
	hub.do("GET", "/api/v1/orgs", nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != "beta" {
		t.Errorf("the hub's organisations: %+v", list.Items)
	}

	// Every read is in the audit log, of the organisation read.
	ctx := context.Background()
	for org, action := range map[string]string{"alpha": "national.read", "beta": "hub.read", "gamma": "national.read"} {
		entries, err := ts.store.Audit(ctx, org, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(entries, func(e ward.AuditEntry) bool { return e.Action == action && e.Actor == "hub" }) {
			t.Errorf("%s: no %s by the hub in %+v", org, action, entries)
		}
	}
	if entries, _ := ts.store.Audit(ctx, "nha", 0, 0); slices.ContainsFunc(entries, func(e ward.AuditEntry) bool { return e.Action == "national.read" }) {
		t.Error("the hub's reads of its own model are audited as a hospital's")
	}

	// A hospital's token: its own setting, nothing national, nothing of
	// another hospital's.
	tok := ts.anonymous(t)
	tok.token = alphaToken
	if res := tok.do("GET", "/api/v1/orgs/alpha/national-sharing", nil); res.code != http.StatusOK || !strings.Contains(res.body, `"level":"services"`) {
		t.Errorf("alpha's own setting: %d %s", res.code, res.body)
	}
	for _, path := range []string{"/api/v1/national", "/api/v1/national/whatif?fail=erx", "/api/v1/national/concentration", "/api/v1/national/exposure"} {
		if res := tok.do("GET", path, nil); res.code != http.StatusForbidden {
			t.Errorf("alpha's token: GET %s: %d", path, res.code)
		}
	}
	for _, path := range []string{"/api/v1/orgs/beta/national-sharing", "/api/v1/orgs/beta/model", "/api/v1/orgs/nha/model"} {
		if res := tok.do("GET", path, nil); res.code != http.StatusNotFound {
			t.Errorf("alpha's token: GET %s: %d", path, res.code)
		}
	}
}

// TestNationalWhatIfErrors: what cannot fail, and a binding to nothing.
func TestNationalWhatIfErrors(t *testing.T) {
	ts := sectorServer(t)
	hub := ts.session(t, "hub")
	ts.session(t, "amy").do("PUT", "/api/v1/orgs/alpha/national-sharing", map[string]string{"level": "services"})
	for path, want := range map[string]string{
		"/api/v1/national/whatif":                  "name what fails",
		"/api/v1/national/whatif?fail=erxx":        `did you mean \"erx\"?`,
		"/api/v1/national/whatif?fail=erx&for=ten": "for",
	} {
		if res := hub.do("GET", path, nil); res.code != http.StatusUnprocessableEntity || !strings.Contains(res.body, want) {
			t.Errorf("GET %s: %d %s", path, res.code, res.body)
		}
	}
	if page := hub.do("GET", "/national?fail=erxx", nil); page.code != http.StatusOK || !strings.Contains(page.body, "did you mean &#34;erx&#34;?") {
		t.Errorf("the page with an unknown target: %d %.500s", page.code, page.body)
	}
	m, _ := ts.store.Model(context.Background(), "alpha")
	m.Assets[0].National = "erxx"
	if err := ts.store.PutModels(context.Background(), []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	if res := hub.do("GET", "/api/v1/national/whatif?fail=erx", nil); res.code != http.StatusConflict || !strings.Contains(res.body, `alpha: assets[0] (nat-erx): national: unknown national service \"erxx\" (did you mean \"erx\"?)`) {
		t.Errorf("a binding to nothing: %d %s", res.code, res.body)
	}
}

// TestNationalPages: the what-if, concentration and map pages.
func TestNationalPages(t *testing.T) {
	ts := sectorServer(t)
	for _, x := range []struct{ user, org string }{{"amy", "alpha"}, {"ben", "beta"}, {"gil", "gamma"}} {
		ts.session(t, x.user).do("PUT", "/api/v1/orgs/"+x.org+"/national-sharing", map[string]string{"level": "services"})
	}
	hub := ts.session(t, "hub")
	page := hub.do("GET", "/national?fail=cloud:microsoft&for=2h", nil)
	wantIn(t, "what-if page", page.body, "<h1>National what-if</h1>", `<strong id="national-affected">3</strong> of 3 hospitals`, "Gamma Clinic", "telemed (30m, exceeded)", "National ePrescription")
	conc := hub.do("GET", "/national/concentration", nil)
	wantIn(t, "concentration page", conc.body, `id="national-spof"`, "cloud:microsoft", "Baxter Sigma Spectrum 35700", "No advisory reaches 3 hospitals")
	mp := hub.do("GET", "/national/map", nil)
	wantIn(t, "map", mp.body, `aria-label="Sector map"`, `<path d="M 1080 `, `data-org="gamma"`, `data-key="national:erx"`, ">FR-IDF · 1</text>", ">DE-BY · 1</text>", ">DE-NW · 1</text>", "<line ")
	for _, path := range []string{"/national", "/national/register", "/national/concentration", "/national/map", "/api/v1/national/register", "/api/v1/national/exposure"} {
		if res := ts.session(t, "amy").do("GET", path, nil); res.code != http.StatusForbidden {
			t.Errorf("a hospital's admin opens %s: %d", path, res.code)
		}
	}
	reg := hub.do("GET", "/national/register", nil)
	wantIn(t, "register page", reg.body, "<h1>National risk register</h1>", `id="national-risks-nha"`, "from the 0 hospitals sharing their full model (3 share less and are not assessed)", "No risk is shared by 5 hospitals or more")
}

func wantIn(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: no %q in\n%.2000s", what, w, body)
		}
	}
}
