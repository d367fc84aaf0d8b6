package synth

import (
	"testing"
)

func TestSectorIsValidAndBound(t *testing.T) {
	ms, err := Sector(SectorOptions{Hospitals: 5, Assets: 120, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 6 || ms[0].Organisation.ID != HubID {
		t.Fatalf("%d models, first %s", len(ms), ms[0].Organisation.ID)
	}
	published := map[string]bool{}
	for _, s := range ms[0].Services {
		published[s.ID] = true
	}
	for _, m := range ms {
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", m.Organisation.ID, err)
		}
		if m == ms[0] {
			continue
		}
		if len(m.Assets) != 120 {
			t.Errorf("%s: %d assets", m.Organisation.ID, len(m.Assets))
		}
		bound := 0
		for _, a := range m.Assets {
			if a.National != "" {
				bound++
				if !published[a.National] {
					t.Errorf("%s: %s binds to %q, not published", m.Organisation.ID, a.ID, a.National)
				}
			}
		}
		if bound != 4 {
			t.Errorf("%s: %d bindings", m.Organisation.ID, bound)
		}
	}
	again, _ := Sector(SectorOptions{Hospitals: 5, Assets: 120, Seed: 7})
	if again[3].Organisation.Country != ms[3].Organisation.Country || again[3].Assets[100].ID != ms[3].Assets[100].ID {
		t.Error("the same seed made another sector")
	}
}
