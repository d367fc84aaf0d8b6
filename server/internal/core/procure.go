package core

import (
	"context"
	"errors"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/procure"
	"github.com/wardhealth/ward/share"
)

// disclosureProblem is bad input in a candidate's files: 422 with each
// problem at its place (file, sheet!cell or line).
func disclosureProblem(err error) error {
	errs, ok := modelfile.AsErrors(err)
	if !ok {
		return err
	}
	p := Fail(http.StatusUnprocessableEntity, "the candidate's disclosure has %d problem(s): %s", len(errs), errs[0].Error())
	p.Type = "https://ward.example/problems/invalid-disclosure"
	p.Errors = errs
	return p
}

// ProcureCheck checks candidates against the catalog's requirements, with
// the stored feeds, and places them in a copy of the organisation's model
// (which is not changed) to say what each adds.
func (s *Server) ProcureCheck(ctx context.Context, org string, ins []procure.Input, m *ward.Model) ([]*procure.Report, error) {
	var cands []*procure.Candidate
	for _, in := range ins {
		c, err := procure.Read(in, procure.DefaultLimits)
		if err != nil {
			return nil, disclosureProblem(err)
		}
		cands = append(cands, c)
	}
	today := s.Cfg.Now().UTC().Format(time.DateOnly)
	feeds, err := intel.LoadStored(ctx, s.Cfg.Store)
	if err != nil {
		return nil, err
	}
	shared, err := share.StoredAdvisories(ctx, s.Cfg.Store, org)
	if err != nil {
		return nil, err
	}
	feeds.Advisories = append(feeds.Advisories, shared...)
	var matcher *intel.Matcher
	if !feeds.Empty() {
		matcher = feeds.Matcher()
	}
	var reports []*procure.Report
	for _, c := range cands {
		reports = append(reports, procure.Check(c, s.Cfg.Catalog.DeviceRequirements, procure.Options{Today: today, Matcher: matcher}))
	}
	if m == nil {
		if m, err = s.Cfg.Store.Model(ctx, org); err != nil {
			return nil, err
		}
	}
	err = procure.Explain(m, s.Cfg.Catalog, reports, procure.Options{Today: today, Matcher: matcher})
	if pe := (*procure.PlacementError)(nil); errors.As(err, &pe) {
		if _, ok := modelfile.AsErrors(pe.Err); ok {
			return nil, disclosureProblem(pe.Err)
		}
		return nil, Fail(http.StatusUnprocessableEntity, "the candidate cannot be placed in the model: %v", pe.Err)
	}
	if err != nil {
		return nil, err
	}
	return reports, nil
}

// ProcurePlace checks candidates and stores them in the organisation's
// model as planned assets, with their links, in one audited write ("asset.
// planned"). A model changed meanwhile is read again, up to three times.
func (s *Server) ProcurePlace(r *http.Request, c *Call, ins []procure.Input) ([]*procure.Report, int64, error) {
	for attempt := 0; ; attempt++ {
		rev, err := s.Cfg.Store.Revision(r.Context(), c.Org)
		if err != nil {
			return nil, 0, err
		}
		m, err := s.Cfg.Store.Model(r.Context(), c.Org)
		if err != nil {
			return nil, 0, err
		}
		reports, err := s.ProcureCheck(r.Context(), c.Org, ins, m)
		if err != nil {
			return nil, 0, err
		}
		placed, err := procure.Place(m, reports...)
		if err != nil {
			return nil, 0, Fail(http.StatusUnprocessableEntity, "the candidate cannot be placed in the model: %v", err)
		}
		newRev, err := s.PutModel(r, c, placed, rev, "asset.planned", strings.Join(CandidateIDs(reports), ","))
		if errors.Is(err, ward.ErrConflict) && attempt < 2 {
			continue
		}
		return reports, newRev, err
	}
}

func CandidateIDs(rs []*procure.Report) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.Candidate)
	}
	return ids
}

// CleanName keeps the last element of a client's file name.
func CleanName(name, fallback string) string {
	n := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if n == "." || n == "/" || n == "" {
		return fallback
	}
	return n
}
