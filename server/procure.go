package server

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// procureRequest is the body of POST /api/v1/orgs/{org}/procure: a
// candidate's files, the XLSX form and the SBOM in base64.
type procureRequest struct {
	// Candidate is the candidate file's text (YAML or JSON).
	Candidate string `json:"candidate,omitempty"`
	// Form is the MDS2 workbook (base64); FormName names it in errors.
	Form     []byte `json:"form,omitempty"`
	FormName string `json:"form_name,omitempty"`
	// SBOM is a CycloneDX or SPDX JSON document (base64).
	SBOM     []byte `json:"sbom,omitempty"`
	SBOMName string `json:"sbom_name,omitempty"`
}

// disclosureProblem is bad input in a candidate's files: 422 with each
// problem at its place (file, sheet!cell or line).
func disclosureProblem(err error) error {
	errs, ok := modelfile.AsErrors(err)
	if !ok {
		return err
	}
	p := fail(http.StatusUnprocessableEntity, "the candidate's disclosure has %d problem(s): %s", len(errs), errs[0].Error())
	p.Type = "https://ward.example/problems/invalid-disclosure"
	p.Errors = errs
	return p
}

// procureCheck checks candidates against the catalog's requirements, with
// the stored feeds, and places them in a copy of the organisation's model
// (which is not changed) to say what each adds.
func (s *Server) procureCheck(ctx context.Context, org string, ins []procure.Input, m *ward.Model) ([]*procure.Report, error) {
	var cands []*procure.Candidate
	for _, in := range ins {
		c, err := procure.Read(in, procure.DefaultLimits)
		if err != nil {
			return nil, disclosureProblem(err)
		}
		cands = append(cands, c)
	}
	today := s.cfg.Now().UTC().Format(time.DateOnly)
	feeds, err := intel.LoadStored(ctx, s.cfg.Store)
	if err != nil {
		return nil, err
	}
	shared, err := share.StoredAdvisories(ctx, s.cfg.Store, org)
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
		reports = append(reports, procure.Check(c, s.cfg.Catalog.DeviceRequirements, procure.Options{Today: today, Matcher: matcher}))
	}
	if m == nil {
		if m, err = s.cfg.Store.Model(ctx, org); err != nil {
			return nil, err
		}
	}
	err = procure.Explain(m, s.cfg.Catalog, reports, procure.Options{Today: today, Matcher: matcher})
	if pe := (*procure.PlacementError)(nil); errors.As(err, &pe) {
		if _, ok := modelfile.AsErrors(pe.Err); ok {
			return nil, disclosureProblem(pe.Err)
		}
		return nil, fail(http.StatusUnprocessableEntity, "the candidate cannot be placed in the model: %v", pe.Err)
	}
	if err != nil {
		return nil, err
	}
	return reports, nil
}

// apiProcure checks a candidate device: the report of 'ward procure
// check --org', the stored model unchanged.
func (s *Server) apiProcure(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := procureInput(r)
	if err != nil {
		return err
	}
	reports, err := s.procureCheck(r.Context(), c.org, []procure.Input{in}, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, reports[0])
	return nil
}

// procurePlace checks candidates and stores them in the organisation's
// model as planned assets, with their links, in one audited write ("asset.
// planned"). A model changed meanwhile is read again, up to three times.
func (s *Server) procurePlace(r *http.Request, c *call, ins []procure.Input) ([]*procure.Report, int64, error) {
	for attempt := 0; ; attempt++ {
		rev, err := s.cfg.Store.Revision(r.Context(), c.org)
		if err != nil {
			return nil, 0, err
		}
		m, err := s.cfg.Store.Model(r.Context(), c.org)
		if err != nil {
			return nil, 0, err
		}
		reports, err := s.procureCheck(r.Context(), c.org, ins, m)
		if err != nil {
			return nil, 0, err
		}
		placed, err := procure.Place(m, reports...)
		if err != nil {
			return nil, 0, fail(http.StatusUnprocessableEntity, "the candidate cannot be placed in the model: %v", err)
		}
		newRev, err := s.putModel(r, c, placed, rev, "asset.planned", strings.Join(candidateIDs(reports), ","))
		if errors.Is(err, ward.ErrConflict) && attempt < 2 {
			continue
		}
		return reports, newRev, err
	}
}

func candidateIDs(rs []*procure.Report) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.Candidate)
	}
	return ids
}

// apiProcurePlace checks a candidate and stores it as a planned asset.
func (s *Server) apiProcurePlace(w http.ResponseWriter, r *http.Request, c *call) error {
	in, err := procureInput(r)
	if err != nil {
		return err
	}
	reports, rev, err := s.procurePlace(r, c, []procure.Input{in})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	writeJSON(w, http.StatusOK, map[string]any{"revision": rev, "report": reports[0]})
	return nil
}

// procureInput reads the body of the procure routes.
func procureInput(r *http.Request) (procure.Input, error) {
	var req procureRequest
	if err := decodeJSON(r, &req); err != nil {
		return procure.Input{}, err
	}
	if req.Candidate == "" && req.Form == nil {
		return procure.Input{}, fail(http.StatusBadRequest, "send a candidate file (candidate), an MDS2 workbook (form, base64), or both")
	}
	in := procure.Input{FormName: cleanName(req.FormName, "form.xlsx"), Form: req.Form, SBOMName: cleanName(req.SBOMName, "sbom.json"), SBOM: req.SBOM}
	if req.Candidate != "" {
		in.CandidateName, in.Candidate = "candidate.yaml", []byte(req.Candidate)
	}
	return in, nil
}

// cleanName keeps the last element of a client's file name.
func cleanName(name, fallback string) string {
	n := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if n == "." || n == "/" || n == "" {
		return fallback
	}
	return n
}

// procurePage is the dashboard's candidate page: up to three candidates
// uploaded, each checked, side by side, with the tender clauses.
type procurePage struct {
	Slots  []int
	Errors modelfile.Errors
	Page   *procure.Page
	// Placed lists the candidates just stored as planned, at Revision.
	Placed   []string
	Revision int64
}

// procureSlots is how many candidates the page takes at once.
const procureSlots = 3

func (s *Server) webProcureForm(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.render(w, r, c, http.StatusOK, "procure.html", "Candidate devices", procurePage{Slots: []int{1, 2, 3}})
}

func (s *Server) webProcure(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.webProcureDo(w, r, c, false)
}

// webProcurePlace checks the candidates and stores them as planned.
func (s *Server) webProcurePlace(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.webProcureDo(w, r, c, true)
}

func (s *Server) webProcureDo(w http.ResponseWriter, r *http.Request, c *call, place bool) error {
	p := procurePage{Slots: []int{1, 2, 3}}
	if err := r.ParseMultipartForm(s.cfg.MaxModelBytes); err != nil {
		if _, ok := asProblem(err); ok {
			return err
		}
		return fail(http.StatusBadRequest, "malformed upload: %v", err)
	}
	var ins []procure.Input
	for i := 1; i <= procureSlots; i++ {
		var in procure.Input
		var err error
		read := func(field string) (string, []byte) {
			if err != nil {
				return "", nil
			}
			var name string
			var data []byte
			name, data, err = formFile(r, fmt.Sprintf("%s%d", field, i))
			return name, data
		}
		in.CandidateName, in.Candidate = read("candidate")
		in.FormName, in.Form = read("form")
		in.SBOMName, in.SBOM = read("sbom")
		if err != nil {
			return err
		}
		if in.Candidate != nil || in.Form != nil || in.SBOM != nil {
			ins = append(ins, in)
		}
	}
	if len(ins) == 0 {
		p.Errors = modelfile.Errors{{File: "form", Message: "choose a candidate file or an MDS2 workbook to check", Hint: "one to three candidates"}}
		return s.render(w, r, c, http.StatusUnprocessableEntity, "procure.html", "Candidate devices", p)
	}
	var reports []*procure.Report
	var err error
	if place {
		reports, p.Revision, err = s.procurePlace(r, c, ins)
	} else {
		reports, err = s.procureCheck(r.Context(), c.org, ins, nil)
	}
	if err != nil {
		if pr, ok := asProblem(err); ok && pr.Status == http.StatusUnprocessableEntity {
			p.Errors = pr.Errors
			if len(p.Errors) == 0 {
				p.Errors = modelfile.Errors{{File: "candidate", Message: pr.Detail}}
			}
			return s.render(w, r, c, http.StatusUnprocessableEntity, "procure.html", "Candidate devices", p)
		}
		return err
	}
	page := &procure.Page{Title: "Candidate devices", Reports: reports, Clauses: procure.Tender(reports)}
	if len(reports) > 1 {
		page.Comparison = procure.Compare(reports)
	}
	p.Page = page
	if place {
		p.Placed = candidateIDs(reports)
	}
	return s.render(w, r, c, http.StatusOK, "procure.html", "Candidate devices", p)
}

// formFile reads an uploaded file of the form, nil when none was chosen.
func formFile(r *http.Request, field string) (string, []byte, error) {
	f, hdr, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fail(http.StatusBadRequest, "malformed upload: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", nil, err
	}
	if len(data) == 0 && hdr.Filename == "" {
		return "", nil, nil
	}
	return cleanName(hdr.Filename, field), data, nil
}
