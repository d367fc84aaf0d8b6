package ward

import (
	"strings"
	"testing"
)

// TestNationalBindingSyntax: an asset binds to a national service by a
// valid id, and only an external service binds.
func TestNationalBindingSyntax(t *testing.T) {
	m := &Model{Ward: FormatVersion, Organisation: Organisation{ID: "h", Name: "H"},
		Zones: []Zone{{ID: "internet", Kind: "internet", Trust: "untrusted"}},
		Assets: []Asset{
			{ID: "nat-erx", Kind: "external-service", Zone: "internet", National: "erx"},
			{ID: "bad-id", Kind: "external-service", Zone: "internet", National: "e rx"},
			{ID: "server", Kind: "server", Zone: "internet", National: "erx"},
		}}
	err := m.Validate()
	if err == nil {
		t.Fatal("valid")
	}
	var msg string
	for _, e := range err.(*ValidationError).Errors {
		msg += e.Error() + "\n"
	}
	for _, want := range []string{`assets[1].national: invalid national service id "e rx"`, `assets[2].national: asset of kind server bound to a national service`} {
		if !strings.Contains(msg, want) {
			t.Errorf("no %q in\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "assets[0]") {
		t.Errorf("the good binding is refused:\n%s", msg)
	}
	for _, l := range []ShareLevel{ShareNone, ShareCounts, ShareServices, ShareFull} {
		if l.Rank() < 0 {
			t.Errorf("%s has no rank", l)
		}
	}
	if ShareLevel("most").Rank() != -1 || ShareServices.Rank() <= ShareCounts.Rank() {
		t.Error("ranks out of order")
	}
}
