package demo_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
)

func load(t *testing.T) *ward.Model {
	t.Helper()
	m, err := demo.Model()
	if err != nil {
		t.Fatalf("demo hospital does not load: %v", err)
	}
	return m
}

func asset(t *testing.T, m *ward.Model, id string) *ward.Asset {
	t.Helper()
	for i := range m.Assets {
		if m.Assets[i].ID == id {
			return &m.Assets[i]
		}
	}
	t.Fatalf("demo has no asset %q", id)
	return nil
}

func TestDemoSizeAndTaxonomy(t *testing.T) {
	m := load(t)
	if n := len(m.Assets); n < 110 || n > 140 {
		t.Errorf("demo has %d assets, want about 120", n)
	}
	kinds := map[ward.AssetKind]bool{}
	for _, a := range m.Assets {
		kinds[a.Kind] = true
	}
	for _, k := range []ward.AssetKind{"ehr", "eprescription", "pacs", "lis", "ris", "infusion-pump", "patient-monitor",
		"ventilator", "imaging-modality", "nurse-call", "rtls", "hvac", "bms", "remote-care", "wearable", "mobile-client",
		"directory", "vpn-gateway", "backup", "telemedicine", "workstation", "switch", "identification", "cloud-service"} {
		if !kinds[k] {
			t.Errorf("demo has no %s", k)
		}
	}
}

// The demo must show the weaknesses later analyses are about.
func TestDemoWeaknesses(t *testing.T) {
	m := load(t)
	if v := asset(t, m, "vpn-vendor"); !v.InternetExposed || slices.Contains(v.Controls, "mfa") {
		t.Error("the vendor remote-maintenance gateway must be Internet-exposed without MFA")
	}
	// Flat medical-device network: many device kinds, one zone, no segmentation.
	devKinds := map[ward.AssetKind]bool{}
	for _, a := range m.Assets {
		if a.Zone == "medical-devices" {
			devKinds[a.Kind] = true
		}
	}
	if len(devKinds) < 6 {
		t.Errorf("medical-device zone holds only %d kinds", len(devKinds))
	}
	for _, z := range m.Zones {
		if z.ID == "medical-devices" && slices.Contains(z.Controls, "segmentation") {
			t.Error("the medical-device network must be flat")
		}
	}
	clearHL7 := false
	for _, l := range m.Links {
		if l.Protocol == "hl7v2" && !l.Encrypted && slices.Contains(l.Data, "lab-results") {
			clearHL7 = true
		}
	}
	if !clearHL7 {
		t.Error("no unencrypted HL7 feed")
	}
	if ws := asset(t, m, "ct-workstation"); ws.Kind != "imaging-workstation" || ws.EndOfSupport == "" || string(ws.EndOfSupport) > "2026-01-01" {
		t.Error("the imaging workstation must be out of support")
	}
	for _, s := range m.Services {
		deps := s.DependsOn
		if !slices.Contains(deps, "core-sw-01") {
			t.Errorf("service %s does not depend on the core switch", s.ID)
		}
	}
}

// The infusion pumps are a model named in a real CISA advisory.
func TestDemoPumpInAdvisory(t *testing.T) {
	m := load(t)
	p := asset(t, m, "pump-01")
	data, err := os.ReadFile("../intel/testdata/csaf-icsma/icsma-20-296-02.json")
	if err != nil {
		t.Fatalf("reference advisory: %v", err)
	}
	var doc struct {
		ProductTree struct {
			Branches []struct {
				Name     string `json:"name"`
				Branches []struct {
					Name string `json:"name"`
				} `json:"branches"`
			} `json:"branches"`
		} `json:"product_tree"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range doc.ProductTree.Branches {
		for _, prod := range v.Branches {
			if strings.EqualFold(v.Name, p.Vendor) && strings.EqualFold(prod.Name, p.Product) {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("pump %s %s is not in ICSMA-20-296-02", p.Vendor, p.Product)
	}
}
