package main_test

import (
	"encoding/json"
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
