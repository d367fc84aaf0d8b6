package api

import (
	"fmt"
	"net/http"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/national"
	"github.com/wardhealth/ward/server/internal/core"
)

func (s *handler) registerNational() {
	s.Handle("GET", "/api/v1/national", core.SectorReader, s.apiNational)
	s.Handle("GET", "/api/v1/national/whatif", core.SectorReader, s.apiNationalWhatIf)
	s.Handle("GET", "/api/v1/national/concentration", core.SectorReader, s.apiNationalConcentration)
	s.Handle("GET", "/api/v1/national/exposure", core.SectorReader, s.apiNationalExposure)
	s.Handle("GET", "/api/v1/national/register", core.SectorReader, s.apiNationalRegister)
	s.Handle("GET", "/api/v1/orgs/{org}/national-sharing", core.OrgViewer, s.apiNationalSharing)
	s.Handle("PUT", "/api/v1/orgs/{org}/national-sharing", core.OrgAdmin, s.apiPutNationalSharing)
}

// sectorBasics is who is in the sector and what may fail.
type sectorBasics struct {
	Services []national.Service    `json:"national_services"`
	Members  []core.NationalMember `json:"members"`
	Targets  []string              `json:"targets"`
}

func (s *handler) sectorBasics(r *http.Request, c *core.Call, purpose string) (sectorBasics, error) {
	return core.NationalResult(s.Server, r, c, purpose, "basics", func(sec *national.Sector) (sectorBasics, error) {
		return sectorBasics{Services: sec.Services, Members: core.Members(sec), Targets: sec.Targets()}, nil
	})
}

func (s *handler) apiNational(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	b, err := s.sectorBasics(r, c, "members")
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, b)
	return nil
}

// nationalWhatIf is the what-if the query asks for: bad input is refused
// before anything is read.
func (s *handler) nationalWhatIf(r *http.Request, c *core.Call, purpose string) (*national.WhatIf, error) {
	names, d, err := core.WhatIfQuery(r)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, core.Invalid(modelfile.Errors{{File: "query", Field: "fail", Message: "name what fails", Hint: "a national service (erx), a provider (cloud:microsoft) or a hub asset; GET /api/v1/national lists the targets"}})
	}
	key := fmt.Sprintf("whatif %q %d", names, d)
	return core.NationalResult(s.Server, r, c, purpose, key, func(sec *national.Sector) (*national.WhatIf, error) {
		keys, err := sec.Resolve(names)
		if err != nil {
			return nil, core.Invalid(modelfile.Errors{{File: "query", Field: "fail", Message: err.Error()}})
		}
		return sec.WhatIf(keys, d), nil
	})
}

func (s *handler) apiNationalWhatIf(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	res, err := s.nationalWhatIf(r, c, "what-if "+r.URL.RawQuery)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, res)
	return nil
}

func (s *handler) analysis(r *http.Request, c *core.Call, purpose string) (*national.Analysis, error) {
	return core.NationalResult(s.Server, r, c, purpose, "analysis", func(sec *national.Sector) (*national.Analysis, error) { return sec.Analyse(), nil })
}

func (s *handler) apiNationalConcentration(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	a, err := s.analysis(r, c, "concentration")
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, a)
	return nil
}

// exposures matches what is shared against the hub's feeds, recording
// the day's counts for the history (once per day, feeds and state of the
// shares: the counts would not change).
func (s *handler) exposures(r *http.Request, c *core.Call, purpose string) (core.Exposure, error) {
	feeds, err := s.FeedKey(r.Context())
	if err != nil {
		return core.Exposure{}, err
	}
	return core.NationalResult(s.Server, r, c, purpose, "exposure "+feeds, func(sec *national.Sector) (core.Exposure, error) {
		return s.ExposureOf(r.Context(), sec)
	})
}

func (s *handler) apiNationalExposure(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	x, err := s.exposures(r, c, "exposure")
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (s *handler) apiNationalSharing(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	x, err := s.Sharing(r.Context(), c.Org)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, x)
	return nil
}

func (s *handler) apiPutNationalSharing(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var in struct {
		Level ward.ShareLevel `json:"level"`
	}
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	x, err := s.PutSharing(r, c, in.Level, "body")
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, x)
	return nil
}

// nationalRegister is the national risk register over the sector, against the
// hub's stored feeds.
func (s *handler) nationalRegister(r *http.Request, c *core.Call) (*national.Register, error) {
	feeds, err := s.FeedKey(r.Context())
	if err != nil {
		return nil, err
	}
	return core.NationalResult(s.Server, r, c, "register", "register "+feeds, func(sec *national.Sector) (*national.Register, error) {
		return s.RegisterOf(r.Context(), sec, feeds)
	})
}

func (s *handler) apiNationalRegister(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	reg, err := s.nationalRegister(r, c)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, reg)
	return nil
}
