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

// TestRegion: a region is an ISO 3166-2 code of the organisation's
// country; a malformed one, or one of another country, is refused at its
// place with a hint.
func TestRegion(t *testing.T) {
	check := func(country, region string) string {
		t.Helper()
		m := &Model{Ward: FormatVersion, Organisation: Organisation{ID: "h", Name: "H", Country: country, Region: region}}
		err := m.Validate()
		if err == nil {
			return ""
		}
		var msg string
		for _, e := range err.(*ValidationError).Errors {
			msg += e.Error() + "\n"
		}
		return msg
	}
	for _, ok := range [][2]string{{"DE", "DE-BY"}, {"FR", "FR-IDF"}, {"AT", "AT-9"}, {"", "NL-NH"}, {"DE", ""}} {
		if msg := check(ok[0], ok[1]); msg != "" {
			t.Errorf("%s in %s refused: %s", ok[1], ok[0], msg)
		}
	}
	for _, bad := range []struct{ country, region, want string }{
		{"DE", "Bavaria", `organisation.region: invalid region "Bavaria"`},
		{"DE", "de-by", `organisation.region: invalid region "de-by"`},
		{"DE", "FR-IDF", `organisation.region: region "FR-IDF" is not in country DE`},
	} {
		if msg := check(bad.country, bad.region); !strings.Contains(msg, bad.want) {
			t.Errorf("%s in %s: want %q, got %q", bad.region, bad.country, bad.want, msg)
		}
	}
}
