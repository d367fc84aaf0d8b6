package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNationalWhatIfCLI: the small sector of national/testdata/sector
// through the command line: nothing shared, nothing seen; each hospital
// at the level it chose; every read audited.
func TestNationalWhatIfCLI(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	files, _ := filepath.Glob(filepath.Join("..", "..", "national", "testdata", "sector", "*.yaml"))
	expect(t, ward(t, data, append([]string{"import"}, files...)...), 0, "imported nha")
	expect(t, ward(t, data, "whatif", "--national", "erx"), 0, "0 of 0 hospitals lose a clinical service")
	for org, level := range map[string]string{"alpha": "services", "beta": "full", "gamma": "counts"} {
		expect(t, ward(t, data, "national", "share", "--org", org, "--level", level), 0, org+" shares "+level)
	}
	expect(t, ward(t, data, "national", "share", "--org", "alpha", "--level", "most"), 2, "--level")
	expect(t, ward(t, data, "national", "list"), 0, "alpha         Alpha University Hospital  hospital          services", "(hub: runs national services)")
	r := ward(t, data, "whatif", "--national", "erx", "--for", "3h", "--format", "json")
	var w struct {
		Hospitals []struct {
			Org       string
			Tolerates string
			Services  []struct {
				Service string
				Exceeds bool
			}
		}
		Considered int      `json:"hospitals_considered"`
		CountsOnly []string `json:"counts_only"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &w); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if len(w.Hospitals) != 2 || w.Hospitals[0].Org != "alpha" || !w.Hospitals[0].Services[0].Exceeds || w.Hospitals[1].Tolerates != "8h" || w.Considered != 2 || !slices.Equal(w.CountsOnly, []string{"gamma"}) {
		t.Errorf("what-if: %s", r.stdout)
	}
	expect(t, ward(t, data, "whatif", "--national", "cloud:microsoft", "--for", "2h"), 0, "national service down: National ePrescription", "eprescribing (2h)", "2 of 2 hospitals lose a clinical service")
	expect(t, ward(t, data, "whatif", "--national", "erxx"), 1, `did you mean "erx"?`)
	expect(t, ward(t, data, "whatif", "--national", "erx", "--fail", "his"), 2, "--national")
	expect(t, ward(t, data, "national", "targets"), 0, "asset:eid-ca", "national:eid", "telecom:carriernet")
	r = ward(t, data, "national", "concentration", "--format", "json")
	if !strings.Contains(r.stdout, `"key": "cloud:microsoft"`) || strings.Contains(r.stdout, "secret-db") {
		t.Errorf("concentration: %s", r.stdout)
	}
	expect(t, ward(t, data, "national", "exposure"), 0, "withheld")
	r = ward(t, data, "audit", "list", "--org", "alpha", "--format", "json")
	if !strings.Contains(r.stdout, "national.read") || !strings.Contains(r.stdout, "national.sharing") {
		t.Errorf("alpha's audit log: %s", r.stdout)
	}
	if r := ward(t, data, "audit", "list", "--org", "gamma", "--format", "json"); !strings.Contains(r.stdout, "national.read") {
		t.Errorf("gamma's audit log (counts): %s", r.stdout)
	}
	expect(t, ward(t, data, "audit", "verify"), 0)
}

// TestGenSector: ward gen --sector writes a hub and hospitals that import
// and join.
func TestGenSector(t *testing.T) {
	t.Parallel()
	data, dir := t.TempDir(), t.TempDir()
	expect(t, ward(t, data, "gen", "--sector", "3", "--assets", "80", "-o", dir), 0, "national-health-agency", "hospital-0003, 80 assets")
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != 4 {
		t.Fatalf("%d files", len(files))
	}
	expect(t, ward(t, data, append([]string{"import"}, files...)...), 0, "imported hospital-0003")
	for _, org := range []string{"hospital-0001", "hospital-0002", "hospital-0003"} {
		expect(t, ward(t, data, "national", "share", "--org", org, "--level", "services"), 0)
	}
	expect(t, ward(t, data, "whatif", "--national", "eid", "--for", "4h"), 0, "3 of 3 hospitals lose a clinical service", "too long")
	expect(t, ward(t, data, "gen", "--sector", "3"), 2, "-o")
	if _, err := os.Stat(filepath.Join(dir, "national-health-agency.yaml")); err != nil {
		t.Error(err)
	}
}

// TestNationalRegisterCLI: five generated hospitals sharing their full
// model are rolled up in the national register; at a minimum group of
// six nothing of the sector is shown; the hub's own services are
// assessed with their factors.
func TestNationalRegisterCLI(t *testing.T) {
	t.Parallel()
	data, dir := t.TempDir(), t.TempDir()
	expect(t, ward(t, data, "gen", "--sector", "5", "--assets", "80", "-o", dir), 0)
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	expect(t, ward(t, data, append([]string{"import"}, files...)...), 0, "imported hospital-0005")
	for i := 1; i <= 5; i++ {
		expect(t, ward(t, data, "national", "share", "--org", fmt.Sprintf("hospital-%04d", i), "--level", "full"), 0)
	}
	r := ward(t, data, "national", "register", "--format", "json")
	var reg struct {
		MinGroup int `json:"min_group"`
		National []struct {
			Org      string   `json:"org"`
			Services []string `json:"national_services"`
			Risks    []struct {
				Factors []json.RawMessage `json:"factors"`
			} `json:"risks"`
		} `json:"national"`
		Sector []struct {
			Hospitals int             `json:"hospitals"`
			Counts    map[string]*int `json:"counts"`
		} `json:"sector_risks"`
		Baselines []struct {
			Baseline  string `json:"baseline"`
			Hospitals int    `json:"hospitals"`
		} `json:"baselines"`
		Assessed int `json:"hospitals_assessed"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &reg); err != nil || r.code != 0 {
		t.Fatalf("%d %v %s %s", r.code, err, r.stdout, r.stderr)
	}
	if reg.MinGroup != 5 || reg.Assessed != 5 || len(reg.National) != 1 || len(reg.National[0].Services) != 4 || len(reg.National[0].Risks) == 0 || len(reg.National[0].Risks[0].Factors) == 0 {
		t.Fatalf("register: min group %d, %d assessed, national %+v", reg.MinGroup, reg.Assessed, reg.National)
	}
	nis2 := 0
	for _, m := range reg.Baselines {
		if m.Baseline == "nis2" {
			nis2++
		}
	}
	if len(reg.Sector) == 0 || nis2 != 10 {
		t.Errorf("%d sector rows, %d NIS2 measures", len(reg.Sector), nis2)
	}
	for _, x := range reg.Sector {
		n := 0
		for _, c := range x.Counts {
			if c != nil {
				n += *c
			}
		}
		// Five hospitals: a count is either shown (five at least) or
		// withheld with another, never one to four.
		for sev, c := range x.Counts {
			if c != nil && *c > 0 && *c < 5 {
				t.Errorf("%s: %d hospitals shown", sev, *c)
			}
		}
		if x.Hospitals < 5 || n > x.Hospitals {
			t.Errorf("row of %d hospitals, counts %d", x.Hospitals, n)
		}
	}
	expect(t, ward(t, data, "national", "register", "--top", "3"), 0, "National services of National Health Agency (erx, ehr, eid, hie)", "over 5 hospitals sharing their full model", "nis2                         j Multi-factor authentication", "rows of fewer than 5 hospitals withheld")
	r = ward(t, data, "national", "register", "--min-group", "6", "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &reg); err != nil || len(reg.Sector) != 0 || len(reg.Baselines) != 0 {
		t.Errorf("at six: %d rows, %d measures, %v", len(reg.Sector), len(reg.Baselines), err)
	}
	expect(t, ward(t, data, "national", "register", "--min-group", "0"), 2, "--min-group")
	if r := ward(t, data, "audit", "list", "--org", "hospital-0003", "--format", "json"); !strings.Contains(r.stdout, `"register"`) {
		t.Errorf("the register's read of hospital-0003 is not audited: %s", r.stdout)
	}
}
