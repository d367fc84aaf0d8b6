package synth_test

import (
	"encoding/json"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/synth"
)

func TestGenerateIsValidExactAndDeterministic(t *testing.T) {
	for _, n := range []int{synth.MinAssets, 61, 100, 1499, 1500, 1501, 4000} {
		m, err := synth.Generate(synth.Options{Assets: n, Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Assets) != n {
			t.Errorf("n=%d: got %d assets", n, len(m.Assets))
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("n=%d: generated model is invalid: %v", n, err)
		}
		again, _ := synth.Generate(synth.Options{Assets: n, Seed: 42})
		a, _ := json.Marshal(m)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatalf("n=%d: same seed gave different models", n)
		}
	}
}

func TestGenerateMix(t *testing.T) {
	m, err := synth.Generate(synth.Options{Assets: 4000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	cats := map[ward.Category]int{}
	for _, a := range m.Assets {
		k, _ := ward.LookupKind(a.Kind)
		cats[k.Category]++
	}
	for _, c := range []ward.Category{ward.CategoryClinicalSystem, ward.CategoryMedicalDevice, ward.CategoryRemoteCare, ward.CategoryMobile,
		ward.CategoryIdentification, ward.CategoryBuilding, ward.CategoryIdentity, ward.CategoryCloud, ward.CategoryNetwork, ward.CategoryEndpoint, ward.CategoryInfrastructure} {
		if cats[c] == 0 {
			t.Errorf("no asset of category %s", c)
		}
	}
	if cats[ward.CategoryMedicalDevice] < 4000/5 {
		t.Errorf("only %d medical devices in 4000 assets", cats[ward.CategoryMedicalDevice])
	}
	if len(m.Links) < 2*len(m.Assets) {
		t.Errorf("only %d links for %d assets", len(m.Links), len(m.Assets))
	}
	if s := m.Summarise("2026-01-01"); s.InternetExposed == 0 || s.EndOfSupport == 0 || s.Unencrypted == 0 {
		t.Errorf("generated hospital lacks the usual weaknesses: %+v", s)
	}
	sites := 0
	for _, z := range m.Zones {
		if z.Kind == "medical-devices" {
			sites++
		}
	}
	if sites != 3 {
		t.Errorf("4000 assets: %d sites, want 3", sites)
	}
	other, _ := synth.Generate(synth.Options{Assets: 4000, Seed: 4})
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(other)
	if string(a) == string(b) {
		t.Error("different seeds gave the same model")
	}
}

func TestGenerateRefusesTooSmall(t *testing.T) {
	if _, err := synth.Generate(synth.Options{Assets: 10}); err == nil {
		t.Fatal("10 assets accepted")
	}
}

func TestGenerateDenseLinks(t *testing.T) {
	m, err := synth.Generate(synth.Options{Assets: 2000, Seed: 5, Links: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Links) != 10_000 {
		t.Fatalf("%d links, want 10000", len(m.Links))
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}
