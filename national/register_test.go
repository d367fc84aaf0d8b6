package national

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
)

// TestSuppress: counts of one to four hospitals are withheld at a
// minimum group of five, and a lone withheld count takes the smallest
// other count with it, so that the row's total does not give it away.
func TestSuppress(t *testing.T) {
	show := func(m map[string]*int) string {
		out := ""
		for _, k := range Severities {
			if m[k] == nil {
				out += k + "=? "
			} else {
				out += fmt.Sprintf("%s=%d ", k, *m[k])
			}
		}
		return out
	}
	for _, c := range []struct {
		by   map[string]int
		want string
	}{
		// One below five: it and the smaller of 6 and 7 withheld.
		{map[string]int{"critical": 1, "high": 6, "medium": 7}, "critical=? high=? medium=7 low=0 "},
		// Two below five: they hide each other.
		{map[string]int{"critical": 2, "high": 3, "medium": 9}, "critical=? high=? medium=9 low=0 "},
		// None below five: all shown.
		{map[string]int{"high": 5, "low": 8}, "critical=0 high=5 medium=0 low=8 "},
		// A lone small count beside nothing else above zero: only it.
		{map[string]int{"critical": 4}, "critical=? high=0 medium=0 low=0 "},
	} {
		if got := show(suppress(c.by, Severities, 5)); got != c.want {
			t.Errorf("%v: %s, want %s", c.by, got, c.want)
		}
	}
}

// fullSector is the hub and n copies of beta (b1..bn) sharing their full
// model, alpha sharing its services and gamma its counts.
func fullSector(t *testing.T, n int, change func(i int, m *ward.Model)) *Sector {
	t.Helper()
	members := []Member{}
	for i := 1; i <= n; i++ {
		m := load(t, "beta")
		m.Organisation.ID = fmt.Sprintf("b%d", i)
		if change != nil {
			change(i, m)
		}
		members = append(members, Member{Org: m.Organisation, Level: ward.ShareFull, Model: Project(m, ward.ShareFull)})
	}
	alpha := load(t, "alpha")
	members = append(members, Member{Org: alpha.Organisation, Level: ward.ShareServices, Model: Project(alpha, ward.ShareServices)})
	gamma := load(t, "gamma")
	members = append(members, Member{Org: gamma.Organisation, Level: ward.ShareCounts, Summary: Counts(gamma, "2026-01-01")})
	s, err := Join([]*ward.Model{load(t, "nha")}, members)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRegister(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	opt := RegisterOptions{Catalog: cat, Today: "2026-01-01"}
	s := fullSector(t, 5, nil)
	r, err := s.Register(opt)
	if err != nil {
		t.Fatal(err)
	}
	// Five hospitals share everything; alpha (services) and gamma
	// (counts) are not assessed: without controls a score would be
	// made up.
	if r.Assessed != 5 || r.NotAssessed != 2 || r.MinGroup != DefaultMinGroup {
		t.Fatalf("assessed %d, not %d, min group %d", r.Assessed, r.NotAssessed, r.MinGroup)
	}
	// The national services are assessed as any hospital is: the same
	// lines, scores and factors as assess gives the hub's model.
	want, err := assess.Assess(load(t, "nha"), cat, assess.Options{Today: "2026-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.National) != 1 || r.National[0].Org != "nha" || !slices.Equal(r.National[0].Services, []string{"erx", "eid"}) {
		t.Fatalf("national: %+v", r.National)
	}
	got, _ := json.Marshal(r.National[0].Risks)
	exp, _ := json.Marshal(want.Risks)
	if string(got) != string(exp) || len(want.Risks) == 0 {
		t.Errorf("the hub's register differs from its assessment:\n%s\n%s", got, exp)
	}
	for _, x := range r.National[0].Risks {
		if len(x.Factors) == 0 {
			t.Errorf("%s on %v: no factors", x.Threat, x.Assets)
		}
	}
	// The five copies are alike: every row counts five hospitals, all at
	// beta's own worst severity for the threat on the kind.
	own, err := assess.Assess(Project(load(t, "beta"), ward.ShareFull), cat, assess.Options{Today: "2026-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	worst := map[[2]string]string{}
	for _, x := range own.Risks {
		k := [2]string{x.Threat, x.Kind}
		if assess.SeverityRank(x.Severity) > assess.SeverityRank(worst[k]) {
			worst[k] = x.Severity
		}
	}
	if len(r.Sector) != len(worst) || r.SectorWithheld != 0 {
		t.Errorf("%d sector rows (%d withheld), want %d", len(r.Sector), r.SectorWithheld, len(worst))
	}
	pumps := 0
	for _, row := range r.Sector {
		if row.Kind == "database" {
			t.Errorf("the TLP:RED database is counted: %+v", row)
		}
		if row.Kind == "infusion-pump" {
			pumps++
		}
		sev := worst[[2]string{row.Threat, row.Kind}]
		if c := row.Counts[sev]; row.Hospitals != 5 || c == nil || *c != 5 || row.Worst != sev {
			t.Errorf("%s on %s: %d hospitals, %v, want 5 at %s", row.Threat, row.Kind, row.Hospitals, row.Counts, sev)
		}
	}
	if pumps == 0 {
		t.Error("no row for the infusion pumps")
	}
	nis2 := 0
	for _, m := range r.Baselines {
		if m.Hospitals != 5 {
			t.Errorf("%s %s: %d hospitals", m.Baseline, m.Measure, m.Hospitals)
		}
		if m.Baseline == "nis2" {
			nis2++
		}
	}
	if nis2 != 10 {
		t.Errorf("%d NIS2 Art. 21(2) measures rolled up, want a to j", nis2)
	}
	// The fifth copy has no pump: four hospitals with pumps are fewer
	// than five, and their rows are withheld.
	s = fullSector(t, 5, func(i int, m *ward.Model) {
		if i == 5 {
			m.Assets = slices.DeleteFunc(m.Assets, func(a ward.Asset) bool { return a.ID == "pump-1" })
		}
	})
	if r, err = s.Register(opt); err != nil {
		t.Fatal(err)
	}
	withheld := 0
	for _, row := range r.Sector {
		if row.Kind == "infusion-pump" {
			t.Errorf("four hospitals' pumps shown: %+v", row)
		}
	}
	withheld = r.SectorWithheld
	if withheld != pumps {
		t.Errorf("%d rows withheld, want the %d pump rows", withheld, pumps)
	}
	// Four hospitals: nothing of the sector is shown.
	if r, err = fullSector(t, 4, nil).Register(opt); err != nil {
		t.Fatal(err)
	}
	if len(r.Sector) != 0 || len(r.Baselines) != 0 || r.SectorWithheld == 0 || r.BaselineWithheld == 0 {
		t.Errorf("four hospitals: %d rows, %d measures shown", len(r.Sector), len(r.Baselines))
	}
}
