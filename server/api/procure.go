package api

import (
	"net/http"

	"github.com/wardhealth/ward/procure"
	"github.com/wardhealth/ward/server/internal/core"
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

// apiProcure checks a candidate device: the report of 'ward procure
// check --org', the stored model unchanged.
func (s *handler) apiProcure(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	in, err := procureInput(r)
	if err != nil {
		return err
	}
	reports, err := s.ProcureCheck(r.Context(), c.Org, []procure.Input{in}, nil)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, reports[0])
	return nil
}

// apiProcurePlace checks a candidate and stores it as a planned asset.
func (s *handler) apiProcurePlace(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	in, err := procureInput(r)
	if err != nil {
		return err
	}
	reports, rev, err := s.ProcurePlace(r, c, []procure.Input{in})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(rev))
	core.WriteJSON(w, http.StatusOK, map[string]any{"revision": rev, "report": reports[0]})
	return nil
}

// procureInput reads the body of the procure routes.
func procureInput(r *http.Request) (procure.Input, error) {
	var req procureRequest
	if err := core.DecodeJSON(r, &req); err != nil {
		return procure.Input{}, err
	}
	if req.Candidate == "" && req.Form == nil {
		return procure.Input{}, core.Fail(http.StatusBadRequest, "send a candidate file (candidate), an MDS2 workbook (form, base64), or both")
	}
	in := procure.Input{FormName: core.CleanName(req.FormName, "form.xlsx"), Form: req.Form, SBOMName: core.CleanName(req.SBOMName, "sbom.json"), SBOM: req.SBOM}
	if req.Candidate != "" {
		in.CandidateName, in.Candidate = "candidate.yaml", []byte(req.Candidate)
	}
	return in, nil
}
