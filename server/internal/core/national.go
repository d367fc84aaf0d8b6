package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/national"
)

// Sharing is what an organisation shares with the hub (none without a
// setting).
func (s *Server) Sharing(ctx context.Context, org string) (ward.NationalSharing, error) {
	all, err := s.Cfg.Store.NationalSharings(ctx)
	if err != nil {
		return ward.NationalSharing{}, err
	}
	for _, x := range all {
		if x.Org == org {
			return x, nil
		}
	}
	return ward.NationalSharing{Org: org, Level: ward.ShareNone}, nil
}

// hubMayRead lets a caller whose only role in an organisation is the hub
// role into the organisation's own routes only when it shares its full
// model with the hub, and records the read in the audit log; otherwise
// the organisation is not found, as for anyone without a role there.
func (s *Server) hubMayRead(r *http.Request, c *Call) error {
	x, err := s.Sharing(r.Context(), c.Org)
	if err != nil {
		return err
	}
	if x.Level != ward.ShareFull {
		return Fail(http.StatusNotFound, "organisation %q: not found (it does not share its model with the hub)", c.Org)
	}
	return s.Audit(r.Context(), c, "hub.read", r.URL.Path, "")
}

// reshare makes again what the organisation shares with the hub after
// its model is written at rev, so that the national view reads the share
// rather than the model; a failure costs only that shortcut.
func (s *Server) reshare(ctx context.Context, m *ward.Model, rev int64) {
	if err := national.Reshare(context.WithoutCancel(ctx), s.Cfg.Store, []*ward.Model{m}, map[string]int64{m.Organisation.ID: rev}); err != nil {
		s.Log.Warn("national share not made", "org", m.Organisation.ID, "err", err)
	}
}

// sectorError is a binding to nothing as a conflict.
func sectorError(err error) error {
	if be := (*national.BindingError)(nil); errors.As(err, &be) {
		return Fail(http.StatusConflict, "%v", err)
	}
	return err
}

// NationalResult is what compute makes of the sector, kept by key, day
// and the fingerprint of what the sector is read from (every share's
// level and revision): the national pages are read far more often than
// hospitals change, and a result of 500 hospitals takes a second or more
// to make. Every request is audited as a read of each share all the same
// (national.Open), kept result or not; requests that miss together wait
// for one computation. Errors are not kept.
func NationalResult[T any](s *Server, r *http.Request, c *Call, purpose, key string, compute func(*national.Sector) (T, error)) (T, error) {
	var zero T
	ctx := r.Context()
	rd, err := national.Open(ctx, s.Cfg.Store, s.entry(c, "national.read", "", purpose), s.national)
	if err != nil {
		return zero, err
	}
	today := national.Today(s.Cfg.Now())
	k := key + "\x00" + today + "\x00" + rd.Fingerprint()
	if v, ok := s.nationalResults.Get(k); ok {
		return v.(T), nil
	}
	v, err, _ := s.nationalFlight.Do(k, func() (any, error) {
		if v, ok := s.nationalResults.Get(k); ok {
			return v, nil
		}
		// The first caller's cancellation must not fail the others.
		sec, err := rd.Load(context.WithoutCancel(ctx), s.Cfg.Store, today, s.national)
		if err != nil {
			return nil, sectorError(err)
		}
		v, err := compute(sec)
		if err != nil {
			return nil, err
		}
		s.nationalResults.Put(k, v)
		return v, nil
	})
	if err != nil {
		return zero, err
	}
	return v.(T), nil
}

// FeedKey names the state of the hub's stored feeds, for the results
// that read them.
func (s *Server) FeedKey(ctx context.Context) (string, error) {
	list, err := s.Cfg.Store.Feeds(ctx)
	if err != nil {
		return "", err
	}
	return national.FeedKey(list), nil
}

// NationalMember is a member as the API lists it.
type NationalMember struct {
	Org     string          `json:"org"`
	Name    string          `json:"name"`
	Country string          `json:"country,omitempty"`
	Level   ward.ShareLevel `json:"level"`
	Summary *ward.Summary   `json:"summary,omitempty"`
}

func Members(sec *national.Sector) []NationalMember {
	out := []NationalMember{}
	for _, m := range sec.Members {
		sum := m.Summary
		out = append(out, NationalMember{Org: m.Org.ID, Name: m.Org.Name, Country: m.Org.Country, Level: m.Level, Summary: &sum})
	}
	return out
}

// WhatIfQuery reads ?fail= (comma-separated or repeated) and ?for=.
func WhatIfQuery(r *http.Request) (fail []string, d time.Duration, err error) {
	q := r.URL.Query()
	for _, v := range q["fail"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				fail = append(fail, f)
			}
		}
	}
	if v := q.Get("for"); v != "" {
		x, perr := ward.ParseDuration(v)
		if perr != nil {
			return nil, 0, Invalid(modelfile.Errors{{File: "query", Field: "for", Message: perr.Error(), Hint: "a duration such as 30m, 4h or 2d"}})
		}
		d = time.Duration(x)
	}
	return fail, d, nil
}

// Exposure is the advisories' reach, small groups withheld.
type Exposure struct {
	MinGroup int                 `json:"min_group"`
	Withheld int                 `json:"withheld"`
	Items    []national.Exposure `json:"items"`
}

// ExposureOf matches the sector against the feeds and records the day's
// counts.
func (s *Server) ExposureOf(ctx context.Context, sec *national.Sector) (Exposure, error) {
	ctx = context.WithoutCancel(ctx)
	f, err := intel.LoadStored(ctx, s.Cfg.Store)
	if err != nil {
		return Exposure{}, err
	}
	x := Exposure{MinGroup: s.Cfg.MinGroup}
	x.Items, x.Withheld, err = sec.ExposureOverTime(ctx, s.Cfg.Store, f.Matcher(), national.Today(s.Cfg.Now()), s.Cfg.MinGroup)
	return x, err
}

// PutSharing stores what the organisation shares with the hub, audited;
// field names where a bad level came from (the API's body, the form).
func (s *Server) PutSharing(r *http.Request, c *Call, level ward.ShareLevel, field string) (ward.NationalSharing, error) {
	if level.Rank() < 0 {
		return ward.NationalSharing{}, Invalid(modelfile.Errors{{File: field, Field: "level", Message: fmt.Sprintf("level %q: none, counts, services or full", level)}})
	}
	x := ward.NationalSharing{Org: c.Org, Level: level, Updated: s.Cfg.Now().UTC(), By: c.User.Name}
	if err := s.Cfg.Store.PutNationalSharing(s.Audited(r.Context(), c, "national.sharing", c.Org, string(level)), x); err != nil {
		return ward.NationalSharing{}, err
	}
	if err := national.ReshareStored(r.Context(), s.Cfg.Store, c.Org); err != nil {
		s.Log.Warn("national share not made", "org", c.Org, "err", err)
	}
	return x, nil
}

// fullySharing lists the organisations that share their full model with
// the hub: those whose own pages the hub role reads.
func (s *Server) fullySharing(ctx context.Context) (map[string]bool, error) {
	all, err := s.Cfg.Store.NationalSharings(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, x := range all {
		if x.Level == ward.ShareFull {
			out[x.Org] = true
		}
	}
	return out, nil
}

// RegisterOf is the sector's register against the hub's feeds.
func (s *Server) RegisterOf(ctx context.Context, sec *national.Sector, feeds string) (*national.Register, error) {
	f, err := intel.LoadStored(context.WithoutCancel(ctx), s.Cfg.Store)
	if err != nil {
		return nil, err
	}
	return sec.Register(national.RegisterOptions{Catalog: s.Cfg.Catalog, Matcher: f.Matcher(), FeedKey: feeds,
		Today: national.Today(s.Cfg.Now()), MinGroup: s.Cfg.RegisterMinGroup})
}
