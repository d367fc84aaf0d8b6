package national

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

func load(t testing.TB, name string) *ward.Model {
	t.Helper()
	m, err := modelfile.Load(filepath.Join("testdata", "sector", name+".yaml"), modelfile.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// smallSector is the hub and the three hospitals of testdata/sector, each
// sharing its services and dependencies.
func smallSector(t testing.TB) *Sector {
	t.Helper()
	var members []Member
	for _, id := range []string{"alpha", "beta", "gamma"} {
		m := load(t, id)
		members = append(members, Member{Org: m.Organisation, Level: ward.ShareServices, Model: Project(m, ward.ShareServices), Summary: Counts(m, "2026-01-01")})
	}
	s, err := Join([]*ward.Model{load(t, "nha")}, members)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// brief is a what-if as the expectations are written: per hospital, the
// services that stop, "!" after those beyond their maximum outage.
func brief(w *WhatIf) (national []string, hospitals []string) {
	for _, n := range w.National {
		national = append(national, n.Service)
	}
	for _, h := range w.Hospitals {
		var svc []string
		for _, s := range h.Services {
			x := s.Service
			if s.Exceeds {
				x += "!"
			}
			svc = append(svc, x)
		}
		hospitals = append(hospitals, h.Org+":"+strings.Join(svc, ","))
	}
	return
}

// TestWhatIfByHand: the answers were reasoned from the models in
// testdata/sector (see its README) before the code ran.
func TestWhatIfByHand(t *testing.T) {
	s := smallSector(t)
	for _, c := range []struct {
		fail      []string
		d         time.Duration
		national  []string
		hospitals []string
		affected  int
		stopped   int
		exceeding int
	}{
		// The national ePrescription service down for 3 h: alpha's
		// e-prescribing (2 h) is beyond its limit, beta's discharge
		// prescriptions (8 h) are not; gamma binds to nothing.
		{[]string{"erx"}, 3 * time.Hour, []string{"erx"}, []string{"alpha:eprescribing!", "beta:discharge-rx"}, 2, 2, 1},
		// Microsoft's cloud down for 2 h: the hub's ePrescription
		// platform runs there, so erx stops too; alpha loses
		// e-prescribing (exactly 2 h: not beyond) and e-mail, beta its
		// discharge prescriptions, gamma telemedicine (30 m: beyond).
		{[]string{"cloud:microsoft"}, 2 * time.Hour, []string{"erx"}, []string{"gamma:telemed!", "alpha:eprescribing,email", "beta:discharge-rx"}, 3, 4, 1},
		// The hub's eID certificate authority: both national services
		// stop; beta loses login and discharge prescriptions.
		{[]string{"eid-ca"}, 0, []string{"erx", "eid"}, []string{"beta:discharge-rx,login", "alpha:eprescribing"}, 2, 3, 0},
		// beta's carrier: nothing of beta's services needs the uplink.
		{[]string{"telecom:carriernet"}, time.Hour, nil, []string{"beta:"}, 0, 0, 0},
	} {
		keys, err := s.Resolve(c.fail)
		if err != nil {
			t.Fatal(err)
		}
		w := s.WhatIf(keys, c.d)
		national, hospitals := brief(w)
		if !slices.Equal(national, c.national) || !slices.Equal(hospitals, c.hospitals) || w.Affected != c.affected || w.Stopped != c.stopped || w.Exceeding != c.exceeding {
			t.Errorf("fail %v: national %v hospitals %v (%d affected, %d stopped, %d exceeding); want %v %v (%d, %d, %d)",
				c.fail, national, hospitals, w.Affected, w.Stopped, w.Exceeding, c.national, c.hospitals, c.affected, c.stopped, c.exceeding)
		}
		if w.Considered != 3 {
			t.Errorf("fail %v: %d hospitals considered", c.fail, w.Considered)
		}
	}
	w := s.WhatIf([]string{"national:erx"}, 3*time.Hour)
	if w.Hospitals[0].Tolerates != "2h" || w.Hospitals[1].Tolerates != "8h" {
		t.Errorf("tolerates: %s, %s", w.Hospitals[0].Tolerates, w.Hospitals[1].Tolerates)
	}
	if _, err := s.Resolve([]string{"erxx"}); err == nil || !strings.Contains(err.Error(), `did you mean "erx"?`) {
		t.Errorf("an unknown target: %v", err)
	}
}

func TestAnalysisByHand(t *testing.T) {
	a := smallSector(t).Analyse()
	var conc []string
	for _, c := range a.Concentration {
		conc = append(conc, c.Key+"="+strings.Join(c.Orgs, ","))
	}
	want := []string{"device:baxter/sigma-spectrum/35700=alpha,beta,gamma", "cloud:microsoft=alpha,gamma", "national:erx=alpha,beta", "national:eid=beta", "telecom:carriernet=beta"}
	if !slices.Equal(conc, want) {
		t.Errorf("concentration %v\nwant %v", conc, want)
	}
	var spof []string
	for _, c := range a.SinglePoints {
		spof = append(spof, c.Key+"="+itoa(c.Stopped)+"/"+itoa(c.Services))
	}
	want = []string{"cloud:microsoft=3/4", "asset:eid-ca=2/3", "asset:erx-app=2/2", "national:erx=2/2"}
	if !slices.Equal(spof, want) {
		t.Errorf("single points %v\nwant %v", spof, want)
	}
	if a.Considered != 3 {
		t.Errorf("%d considered", a.Considered)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestBindingToAnUnknownServiceIsAnError(t *testing.T) {
	m := load(t, "alpha")
	m.Assets[0].National = "erxx"
	_, err := Join([]*ward.Model{load(t, "nha")}, []Member{{Org: m.Organisation, Level: ward.ShareFull, Model: Project(m, ward.ShareFull)}})
	if err == nil || !strings.Contains(err.Error(), `alpha: assets[0] (nat-erx): national: unknown national service "erxx" (did you mean "erx"?)`) {
		t.Fatalf("err = %v", err)
	}
}

// TestRedStaysHome: a TLP:RED asset leaves at no level, yet what depends
// on it still does.
func TestRedStaysHome(t *testing.T) {
	m := load(t, "beta")
	for _, l := range []ward.ShareLevel{ward.ShareServices, ward.ShareFull} {
		p := Project(m, l)
		data, _ := json.Marshal(p)
		if strings.Contains(string(data), "secret-db") || strings.Contains(string(data), "Forensic") {
			t.Errorf("%s: the RED asset left: %s", l, data)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: the projection is not a valid model: %v", l, err)
		}
		if !slices.Contains(p.Services[1].DependsOn, "withheld-1") {
			t.Errorf("%s: login's dependency on the RED asset is gone: %v", l, p.Services[1].DependsOn)
		}
	}
	if Project(m, ward.ShareCounts) != nil || Project(m, ward.ShareNone) != nil {
		t.Error("counts or none share a model")
	}
	if c := Counts(m, "2026-01-01"); c.Assets != 4 {
		t.Errorf("counts: %d assets, want 4 (the RED one not counted)", c.Assets)
	}
	// At services level, names, addresses and descriptions stay home.
	m.Assets[2].Addresses = []string{"10.1.2.3"}
	m.Assets[2].Name = "Uplink to CarrierNet, cabinet 4"
	data, _ := json.Marshal(Project(m, ward.ShareServices))
	if strings.Contains(string(data), "10.1.2.3") || strings.Contains(string(data), "cabinet 4") {
		t.Errorf("services level shares names or addresses: %s", data)
	}
}
