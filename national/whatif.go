package national

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/internal/parallel"
)

// WhatIf is what one failure does across the sector.
type WhatIf struct {
	Fail     []string `json:"fail"`
	Duration string   `json:"duration,omitempty"`
	// National lists the national services that stop.
	National []NationalImpact `json:"national_services"`
	// Hospitals lists the members in the what-if that lose an asset to
	// the failure, those with the most services beyond their maximum
	// outage first.
	Hospitals []HospitalImpact `json:"hospitals"`
	// Affected counts hospitals with a clinical service that stops;
	// Stopped the services that stop; Exceeding those that stop longer
	// than their max_outage (with a duration).
	Affected  int `json:"hospitals_affected"`
	Stopped   int `json:"services_stopped"`
	Exceeding int `json:"services_exceeding"`
	// Considered counts the members whose dependencies are shared;
	// CountsOnly lists those that share counts only, outside the what-if.
	Considered int      `json:"hospitals_considered"`
	CountsOnly []string `json:"counts_only"`
}

// NationalImpact is a national service that stops.
type NationalImpact struct {
	Service   string   `json:"service"`
	Name      string   `json:"name"`
	Hub       string   `json:"hub"`
	MaxOutage string   `json:"max_outage"`
	Causes    []string `json:"causes,omitempty"`
	Exceeds   bool     `json:"exceeds,omitempty"`
}

// HospitalImpact is what the failure does to one hospital.
type HospitalImpact struct {
	Org     string `json:"org"`
	Name    string `json:"name"`
	Country string `json:"country,omitempty"`
	// Failed are its assets that fail with the target.
	Failed   []string `json:"failed"`
	AlsoDown []string `json:"also_down,omitempty"`
	// Services are its clinical services that stop.
	Services []assess.Impact `json:"services"`
	// Tolerates is the shortest max_outage of those services: how long
	// until the first of them comes to harm.
	Tolerates string `json:"tolerates,omitempty"`
	Exceeding int    `json:"exceeding,omitempty"`
}

// Targets lists what may fail, as what-if keys: the national services,
// the hubs' assets (asset:ID) and every provider key found in the hubs'
// and members' models, sorted.
func (s *Sector) Targets() []string {
	set := map[string]bool{}
	for _, sv := range s.Services {
		set[KindNational+":"+sv.ID] = true
	}
	for _, h := range s.Hubs {
		for k := range indexModel(h).assets {
			set[k] = true
		}
		for i := range h.Assets {
			set["asset:"+h.Assets[i].ID] = true
		}
	}
	for i := range s.Members {
		if m := &s.Members[i]; m.Model != nil {
			for k := range m.indexOf().assets {
				set[k] = true
			}
		}
	}
	return sortedKeys(set)
}

// Resolve turns what a user names into what-if keys: a national service's
// id (erx) or key (national:erx), a provider key (cloud:microsoft), a hub
// asset's id or asset:ID. An unknown name is an error with the closest
// target as a hint.
func (s *Sector) Resolve(names []string) ([]string, error) {
	targets := s.Targets()
	known := map[string]bool{}
	for _, t := range targets {
		known[t] = true
	}
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch {
		case known[n]:
		case known[KindNational+":"+n]:
			n = KindNational + ":" + n
		case known["asset:"+n]:
			n = "asset:" + n
		default:
			hint := "see 'ward national targets' for what may fail"
			names := slices.Clone(targets)
			for _, t := range targets {
				if id, ok := strings.CutPrefix(t, KindNational+":"); ok {
					names = append(names, id)
				} else if id, ok := strings.CutPrefix(t, "asset:"); ok {
					names = append(names, id)
				}
			}
			if c := ward.Closest(n, names); c != "" {
				hint = fmt.Sprintf("did you mean %q?", c)
			}
			return nil, fmt.Errorf("nothing national named %q to fail (%s)", n, hint)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("name a national service, provider or hub asset to fail")
	}
	return out, nil
}

// failedIn lists a model's assets that the keys fail: those with a
// provider key among them, those bound to a national service down, and
// (for a hub) the assets named asset:ID.
func failedIn(ix *index, keys []string, down map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, k := range keys {
		for _, id := range ix.assets[k] {
			add(id)
		}
	}
	for sv := range down {
		for _, id := range ix.assets[KindNational+":"+sv] {
			add(id)
		}
	}
	return out
}

func hubAssets(h *ward.Model, keys []string) []string {
	var out []string
	for _, k := range keys {
		if id, ok := strings.CutPrefix(k, "asset:"); ok && slices.ContainsFunc(h.Assets, func(a ward.Asset) bool { return a.ID == id }) {
			out = append(out, id)
		}
	}
	return out
}

// closeOver adds the hub services that depend on a national service down.
func (s *Sector) closeOver(down map[string]bool) {
	for changed := true; changed; {
		changed = false
		for _, h := range s.Hubs {
			for _, sv := range h.Services {
				if !down[sv.ID] && slices.ContainsFunc(sv.DependsOn, func(d string) bool { return down[d] }) {
					down[sv.ID] = true
					changed = true
				}
			}
		}
	}
}

// memberImpact is what the failure does to one member; nil when none of
// its assets fails.
func memberImpact(m *Member, keys []string, down map[string]bool, d time.Duration) *HospitalImpact {
	failed := failedIn(m.indexOf(), keys, down)
	if len(failed) == 0 {
		return nil
	}
	res, err := assess.Fail(m.Model, failed, d)
	if err != nil {
		return nil // ids come from the model itself
	}
	hi := &HospitalImpact{Org: m.Org.ID, Name: cmp.Or(m.Org.Name, m.Org.ID), Country: m.Org.Country, Failed: res.Failed, AlsoDown: res.AlsoDown, Services: []assess.Impact{}}
	var shortest time.Duration = -1
	for _, im := range res.Services {
		if !im.Stops {
			continue
		}
		hi.Services = append(hi.Services, im)
		if im.Exceeds {
			hi.Exceeding++
		}
		if mo, err := ward.ParseDuration(im.MaxOutage); err == nil && (shortest < 0 || time.Duration(mo) < shortest) {
			shortest = time.Duration(mo)
		}
	}
	if shortest >= 0 {
		hi.Tolerates = ward.Duration(shortest).String()
	}
	return hi
}

// WhatIf fails the targets (keys from Resolve) for a duration (0: unknown)
// and says which national services and which hospitals' clinical services
// stop, and which beyond their maximum outage.
func (s *Sector) WhatIf(keys []string, d time.Duration) *WhatIf {
	w := &WhatIf{Fail: keys, National: []NationalImpact{}, Hospitals: []HospitalImpact{}, CountsOnly: []string{}}
	if d > 0 {
		w.Duration = ward.Duration(d).String()
	}
	down := map[string]bool{}
	causes := map[string][]string{}
	for _, k := range keys {
		if id, ok := strings.CutPrefix(k, KindNational+":"); ok {
			down[id] = true
			causes[id] = append(causes[id], "it fails")
		}
	}
	for _, h := range s.Hubs {
		failed := append(failedIn(indexModel(h), keys, nil), hubAssets(h, keys)...)
		if len(failed) == 0 {
			continue
		}
		res, err := assess.Fail(h, failed, d)
		if err != nil {
			continue // ids come from the model itself
		}
		for _, im := range res.Services {
			if im.Stops {
				down[im.Service] = true
				causes[im.Service] = append(causes[im.Service], im.Causes...)
			}
		}
	}
	s.closeOver(down)
	for _, sv := range s.Services {
		if !down[sv.ID] {
			continue
		}
		ni := NationalImpact{Service: sv.ID, Name: sv.Name, Hub: sv.Hub, MaxOutage: sv.MaxOutage, Causes: causes[sv.ID]}
		if len(ni.Causes) == 0 {
			ni.Causes = []string{"a national service it depends on stops"}
		}
		if mo, err := ward.ParseDuration(sv.MaxOutage); err == nil && d > time.Duration(mo) {
			ni.Exceeds = true
		}
		w.National = append(w.National, ni)
	}
	// Each hospital is failed apart, on every core.
	impacts := make([]*HospitalImpact, len(s.Members))
	work := make(chan int)
	var wg parallel.Group
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range work {
				impacts[j] = memberImpact(&s.Members[j], keys, down, d)
			}
		})
	}
	for j, m := range s.Members {
		if m.Model == nil {
			w.CountsOnly = append(w.CountsOnly, m.Org.ID)
			continue
		}
		w.Considered++
		work <- j
	}
	close(work)
	wg.Wait()
	for _, hi := range impacts {
		if hi == nil {
			continue
		}
		if len(hi.Services) > 0 {
			w.Affected++
		}
		w.Stopped += len(hi.Services)
		w.Exceeding += hi.Exceeding
		w.Hospitals = append(w.Hospitals, *hi)
	}
	sort.SliceStable(w.Hospitals, func(i, j int) bool {
		a, b := &w.Hospitals[i], &w.Hospitals[j]
		if a.Exceeding != b.Exceeding {
			return a.Exceeding > b.Exceeding
		}
		if len(a.Services) != len(b.Services) {
			return len(a.Services) > len(b.Services)
		}
		return a.Org < b.Org
	})
	return w
}
