package main_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wardhealth/ward/store/sqlite"
)

// sectorBrief is a national what-if as national/testdata/pathology's
// README writes its expectations: per hospital, the services that stop,
// "!" after those beyond their maximum outage.
type sectorBrief struct {
	National  []string
	Hospitals map[string][]string
	Affected  int
	Exceeding int
	Counts    []string
}

func nationalWhatIf(t *testing.T, data string, args ...string) sectorBrief {
	t.Helper()
	r := ward(t, data, append([]string{"whatif", "--format", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("whatif %v: exit %d: %s", args, r.code, r.stderr)
	}
	var w struct {
		National  []struct{ Service string } `json:"national_services"`
		Hospitals []struct {
			Org      string
			Services []struct {
				Service string
				Exceeds bool
			}
		}
		CountsOnly []string `json:"counts_only"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &w); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	b := sectorBrief{Hospitals: map[string][]string{}, Counts: w.CountsOnly}
	for _, n := range w.National {
		b.National = append(b.National, n.Service)
	}
	for _, h := range w.Hospitals {
		var svc []string
		exceeds := false
		for _, s := range h.Services {
			x := s.Service
			if s.Exceeds {
				x += "!"
				exceeds = true
			}
			svc = append(svc, x)
		}
		if len(svc) == 0 {
			continue
		}
		sort.Strings(svc)
		b.Hospitals[h.Org] = svc
		b.Affected++
		if exceeds {
			b.Exceeding++
		}
	}
	return b
}

// TestSharedPathologyProvider: a sector written from the 2024 ransomware
// attack on a pathology partnership serving two trusts and a GP
// federation (national/testdata/pathology/README.md, where every answer
// below was reasoned from the models before Ward ran), through the
// command line as a health authority would use it.
func TestSharedPathologyProvider(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	files, _ := filepath.Glob(filepath.Join("..", "..", "national", "testdata", "pathology", "*.yaml"))
	if len(files) != 5 {
		t.Fatalf("the pathology sector has %d files", len(files))
	}
	expect(t, ward(t, data, append([]string{"import"}, files...)...), 0, "imported nhx")
	for _, org := range []string{"riverside", "hillcrest", "southgp", "eastvale"} {
		expect(t, ward(t, data, "national", "share", "--org", org, "--level", "services"), 0)
	}

	// 1. The provider fails for a week: three spellings, one provider.
	got := nationalWhatIf(t, data, "--national", "vendor:pathology-partners", "--for", "7d")
	want := map[string][]string{
		"riverside": {"blood-tests!", "elective-surgery!", "transfusion!"},
		"hillcrest": {"blood-tests!", "outpatients!", "transfusion!"},
		"southgp":   {"gp-bloods!"},
		"eastvale":  {"specialist-tests"},
	}
	if !sameHospitals(got.Hospitals, want) || got.Affected != 4 || got.Exceeding != 3 {
		t.Errorf("the pathology provider down for 7d:\n got %v (%d affected, %d beyond)\nwant %v (4, 3)", got.Hospitals, got.Affected, got.Exceeding, want)
	}

	// 2. National ePrescription down for 2h.
	got = nationalWhatIf(t, data, "--national", "eps", "--for", "2h")
	want = map[string][]string{"riverside": {"discharge-rx"}, "southgp": {"repeat-rx"}, "eastvale": {"ed-prescribing!"}}
	if !sameHospitals(got.Hospitals, want) || !slices.Equal(got.National, []string{"eps"}) {
		t.Errorf("eps down for 2h: got %v %v, want %v [eps]", got.Hospitals, got.National, want)
	}

	// 3. The hub's cloud down for 2h: eps runs there.
	got = nationalWhatIf(t, data, "--national", "cloud:amazon-web-services", "--for", "2h")
	if !sameHospitals(got.Hospitals, want) || !slices.Equal(got.National, []string{"eps"}) {
		t.Errorf("the hub's cloud down for 2h: got %v %v, want %v [eps]", got.Hospitals, got.National, want)
	}

	// 4. Concentration and national single points of failure.
	r := ward(t, data, "national", "concentration", "--top", "0", "--format", "json")
	var a struct {
		Concentration []struct {
			Key       string
			Hospitals int
		}
		SinglePoints []struct{ Key string } `json:"national_single_points_of_failure"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	count := map[string]int{}
	for _, c := range a.Concentration {
		count[c.Key] = c.Hospitals
	}
	var spof []string
	for _, p := range a.SinglePoints {
		spof = append(spof, p.Key)
	}
	if count["vendor:pathology-partners"] != 4 || count["national:eps"] != 3 {
		t.Errorf("concentration: pathology partners %d (want 4), eps %d (want 3): %s", count["vendor:pathology-partners"], count["national:eps"], r.stdout)
	}
	for k := range count {
		if strings.HasPrefix(k, "vendor:pathology-partners-") {
			t.Errorf("the provider counted apart under another spelling: %s", k)
		}
	}
	if !slices.Contains(spof, "vendor:pathology-partners") || !slices.Contains(spof, "national:eps") {
		t.Errorf("national single points of failure %v: want the pathology provider and eps", spof)
	}
	if count["device:philips/intellivue-mx450"] != 2 {
		t.Errorf("the IntelliVue MX450 in %d hospitals, want 2 (keys %v)", count["device:philips/intellivue-mx450"], keysOf(count))
	}

	// 5. eastvale shares counts only: counted, not named.
	expect(t, ward(t, data, "national", "share", "--org", "eastvale", "--level", "counts"), 0)
	got = nationalWhatIf(t, data, "--national", "vendor:pathology-partners", "--for", "7d")
	if _, named := got.Hospitals["eastvale"]; named || !slices.Contains(got.Counts, "eastvale") || got.Affected != 3 {
		t.Errorf("eastvale at counts: %v, counts only %v", got.Hospitals, got.Counts)
	}
}

func sameHospitals(got, want map[string][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			return false
		}
	}
	return true
}

func keysOf(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSharesFollowEveryWrite: what a hospital shares with the hub is made
// again by every command that writes its model, not only by import, so
// the national view reads shares, not models.
func TestSharesFollowEveryWrite(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	files, _ := filepath.Glob(filepath.Join("..", "..", "national", "testdata", "pathology", "*.yaml"))
	expect(t, ward(t, data, append([]string{"import"}, files...)...), 0, "imported nhx")
	expect(t, ward(t, data, "national", "share", "--org", "riverside", "--level", "full"), 0)
	sbom := filepath.Join("..", "..", "intel", "testdata", "monitor-sbom.json")
	expect(t, ward(t, data, "sbom", "attach", "mon-icu-1", sbom, "--org", "riverside"), 0, "attached 4 components to mon-icu-1")
	st, err := sqlite.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rev, err := st.Revision(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	share, err := st.NationalSnapshot(context.Background(), "riverside")
	if err != nil || share.Revision != rev || share.Level != "full" {
		t.Errorf("riverside at revision %d after the SBOM: its share is of revision %d at %q (%v)", rev, share.Revision, share.Level, err)
	}
}
