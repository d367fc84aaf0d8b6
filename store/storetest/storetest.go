// Package storetest is the contract every ward.Store must meet. Each
// implementation's tests call Run with a constructor of empty stores.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

// Run runs the contract against fresh stores from open.
func Run(t *testing.T, open func(t *testing.T) ward.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ward.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Organisations", testOrganisations},
		{"ReplaceKeepsOthers", testReplace},
		{"AtomicPut", testAtomic},
		{"AssetFilters", testAssetFilters},
		{"LinkFilters", testLinkFilters},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"Feeds", testFeeds},
		{"Users", testUsers},
		{"SessionsAndTokens", testSessionsAndTokens},
		{"Audit", testAudit},
		{"Revisions", testRevisions},
		{"Sharing", testSharing},
		{"Incidents", testIncidents},
		{"Detections", testDetections},
		{"NationalSharing", testNationalSharing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

func model(t *testing.T, assets int, seed uint64, id string) *ward.Model {
	t.Helper()
	m, err := synth.Generate(synth.Options{Assets: assets, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	m.Organisation.ID = id
	m.Organisation.Name = "Hospital " + id
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

// Equal reports whether two models hold the same content; lists that are
// empty and lists that are absent are the same.
func Equal(t *testing.T, got, want *ward.Model) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("models differ:\n got %.400s\nwant %.400s", g, w)
	}
}

// testRoundTrip checks, over hospitals of several seeds and sizes, that a
// stored model reads back unchanged.
func testRoundTrip(t *testing.T, s ward.Store) {
	ctx := context.Background()
	for seed := uint64(1); seed <= 6; seed++ {
		id := fmt.Sprintf("rt-%d", seed)
		m := model(t, 60+int(seed*seed)*40, seed, id)
		m.Controls = []ward.Control{{ID: "downtime-kits", Name: "Downtime kits", Category: "organisational", Description: "Paper forms; \"quoted\" ünïcödé"}}
		m.Assets[3].Components = []ward.Component{{Name: "openssl", Version: "1.0.2k", PURL: "pkg:generic/openssl@1.0.2k"}}
		m.Assets[3].Tags = []string{"ward 4", "'; DROP TABLE assets; --"}
		m.Decisions = []ward.Decision{{Threat: "ransomware", Asset: m.Assets[5].ID, Status: "accepted", Justification: "isolated", Date: "2026-01-02", Until: "2027-01-02", By: "CISO"}}
		fine := 0.05
		m.Costs = ward.Costs{Currency: "EUR", RevenuePerYear: 3.1e8, FineProbability: &fine, CostPerRecord: &ward.Interval{Low: 25, High: 400},
			Assets:  []ward.AssetCost{{Asset: m.Assets[5].ID, Records: 420000}},
			Threats: []ward.ThreatCost{{Threat: "ransomware", OutageHours: &ward.Estimate{Min: 24, Mode: 168, Max: 600}}},
			Changes: []ward.ChangeCost{{Action: "add-edr", OneOff: 40, Yearly: 35.5}}}
		if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Model(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		Equal(t, got, m)
	}
}

func testOrganisations(t *testing.T, s ward.Store) {
	ctx := context.Background()
	if err := s.PutModels(ctx, []*ward.Model{model(t, 80, 1, "zeta"), model(t, 80, 2, "alpha")}); err != nil {
		t.Fatal(err)
	}
	orgs, err := s.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range orgs {
		ids = append(ids, o.ID)
	}
	if !slices.Equal(ids, []string{"alpha", "zeta"}) {
		t.Fatalf("organisations = %v, want [alpha zeta]", ids)
	}
	if orgs[0].Name != "Hospital alpha" {
		t.Fatalf("name = %q", orgs[0].Name)
	}
}

func testReplace(t *testing.T, s ward.Store) {
	ctx := context.Background()
	a, b := model(t, 120, 1, "a"), model(t, 90, 2, "b")
	if err := s.PutModels(ctx, []*ward.Model{a, b}); err != nil {
		t.Fatal(err)
	}
	a2 := model(t, 70, 3, "a")
	if err := s.PutModels(ctx, []*ward.Model{a2}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Model(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	Equal(t, got, a2)
	gotB, err := s.Model(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	Equal(t, gotB, b)
}

func testAtomic(t *testing.T, s ward.Store) {
	ctx := context.Background()
	before := model(t, 80, 1, "kept")
	if err := s.PutModels(ctx, []*ward.Model{before}); err != nil {
		t.Fatal(err)
	}
	good := model(t, 80, 2, "new")
	changed := model(t, 90, 3, "kept")
	bad := model(t, 80, 4, "broken")
	bad.Assets[1].ID = bad.Assets[0].ID // a store must refuse, not merge
	err := s.PutModels(ctx, []*ward.Model{good, changed, bad})
	if err == nil {
		t.Fatal("storing a model with a duplicate asset id succeeded")
	}
	if _, err := s.Model(ctx, "new"); !errors.Is(err, ward.ErrNotFound) {
		t.Fatalf("after a failed put, organisation new: err = %v, want ErrNotFound", err)
	}
	got, err := s.Model(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	Equal(t, got, before)
}

func testAssetFilters(t *testing.T, s ward.Store) {
	ctx := context.Background()
	m := model(t, 400, 5, "f")
	if err := s.PutModels(ctx, []*ward.Model{m, model(t, 100, 6, "other")}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []ward.AssetFilter{
		{},
		{Zone: "s01-meddev"},
		{Kind: "infusion-pump"},
		{Exposed: true},
		{Zone: "dmz", Exposed: true},
		{Kind: "infusion-pump", Zone: "datacentre"},
	} {
		got, err := s.Assets(ctx, "f", f)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		exposure := m.Exposure()
		for i := range m.Assets {
			if f.Match(&m.Assets[i], exposure[i]) {
				want = append(want, m.Assets[i].ID)
			}
		}
		if ids := assetIDs(got); !slices.Equal(ids, want) {
			t.Errorf("filter %+v: got %d assets %v, want %d", f, len(ids), head(ids), len(want))
		}
	}
}

func testLinkFilters(t *testing.T, s ward.Store) {
	ctx := context.Background()
	m := model(t, 400, 8, "l")
	if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
		t.Fatal(err)
	}
	ends := m.LinkEnds()
	for _, f := range []ward.LinkFilter{
		{},
		{Zone: "s01-meddev"},
		{Zone: "internet"},
		{Kind: "pacs"},
		{Exposed: true},
		{Protocol: "hl7v2", Unencrypted: true},
		{Zone: "datacentre", Protocol: "smb"},
	} {
		got, err := s.Links(ctx, "l", f)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for i := range m.Links {
			if f.Match(&m.Links[i], ends[i]) {
				want++
			}
		}
		if len(got) != want {
			t.Errorf("filter %+v: got %d links, want %d", f, len(got), want)
		}
		for i := range got {
			if f.Protocol != "" && got[i].Protocol != f.Protocol || f.Unencrypted && got[i].Encrypted {
				t.Errorf("filter %+v returned %+v", f, got[i])
			}
		}
	}
}

func testDelete(t *testing.T, s ward.Store) {
	ctx := context.Background()
	if err := s.PutModels(ctx, []*ward.Model{model(t, 80, 1, "gone"), model(t, 80, 2, "stays")}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOrganisation(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Assets(ctx, "gone", ward.AssetFilter{}); !errors.Is(err, ward.ErrNotFound) {
		t.Fatalf("assets of deleted organisation: err = %v", err)
	}
	if err := s.DeleteOrganisation(ctx, "gone"); !errors.Is(err, ward.ErrNotFound) {
		t.Fatalf("second delete: err = %v", err)
	}
	got, err := s.Assets(ctx, "stays", ward.AssetFilter{})
	if err != nil || len(got) != 80 {
		t.Fatalf("other organisation after delete: %d assets, err %v", len(got), err)
	}
}

func testNotFound(t *testing.T, s ward.Store) {
	ctx := context.Background()
	if _, err := s.Model(ctx, "nobody"); !errors.Is(err, ward.ErrNotFound) {
		t.Fatalf("Model: err = %v", err)
	}
	if _, err := s.Links(ctx, "nobody", ward.LinkFilter{}); !errors.Is(err, ward.ErrNotFound) {
		t.Fatalf("Links: err = %v", err)
	}
	orgs, err := s.Organisations(ctx)
	if err != nil || len(orgs) != 0 {
		t.Fatalf("empty store: %v organisations, err %v", orgs, err)
	}
}

func assetIDs(as []ward.Asset) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func head(ids []string) []string {
	if len(ids) > 5 {
		return ids[:5]
	}
	return ids
}
