package ward_test

import (
	"slices"
	"testing"

	"github.com/wardhealth/ward"
)

func TestWithoutPlanned(t *testing.T) {
	m := &ward.Model{
		Assets: []ward.Asset{{ID: "srv"}, {ID: "pump", Provenance: ward.ProvenancePlanned}, {ID: "ws"}},
		Links: []ward.Link{{From: "pump", To: "srv"}, {From: "ws", To: "srv"},
			{From: "ws", To: "srv", Protocol: "https", LinkNotes: &ward.LinkNotes{Provenance: ward.ProvenancePlanned}}},
		Services: []ward.Service{{ID: "infusion", DependsOn: []string{"srv", "pump"}}},
	}
	if got := m.Planned(); !slices.Equal(got, []string{"pump"}) {
		t.Errorf("planned %v", got)
	}
	c := m.WithoutPlanned()
	if len(c.Assets) != 2 || len(c.Links) != 1 || c.Links[0].From != "ws" || !slices.Equal(c.Services[0].DependsOn, []string{"srv"}) {
		t.Errorf("without planned: %+v", c)
	}
	// m itself is unchanged.
	if len(m.Assets) != 3 || len(m.Links) != 3 || len(m.Services[0].DependsOn) != 2 {
		t.Errorf("the model changed: %+v", m)
	}
	plain := &ward.Model{Assets: []ward.Asset{{ID: "srv"}}}
	if plain.WithoutPlanned() != plain {
		t.Error("a model with nothing planned is copied")
	}
	if !slices.Contains(ward.Provenance("").Enum(), "planned") {
		t.Error("planned is not a provenance")
	}
}
