package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/procure"
	"github.com/wardhealth/ward/server/internal/core"
)

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

func (s *handler) webProcureForm(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.render(w, r, c, http.StatusOK, "procure.html", "Candidate devices", procurePage{Slots: []int{1, 2, 3}})
}

func (s *handler) webProcure(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.webProcureDo(w, r, c, false)
}

// webProcurePlace checks the candidates and stores them as planned.
func (s *handler) webProcurePlace(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.webProcureDo(w, r, c, true)
}

func (s *handler) webProcureDo(w http.ResponseWriter, r *http.Request, c *core.Call, place bool) error {
	p := procurePage{Slots: []int{1, 2, 3}}
	if err := r.ParseMultipartForm(s.Cfg.MaxModelBytes); err != nil {
		if _, ok := core.AsProblem(err); ok {
			return err
		}
		return core.Fail(http.StatusBadRequest, "malformed upload: %v", err)
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
		reports, p.Revision, err = s.ProcurePlace(r, c, ins)
	} else {
		reports, err = s.ProcureCheck(r.Context(), c.Org, ins, nil)
	}
	if err != nil {
		if pr, ok := core.AsProblem(err); ok && pr.Status == http.StatusUnprocessableEntity {
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
		p.Placed = core.CandidateIDs(reports)
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
		return "", nil, core.Fail(http.StatusBadRequest, "malformed upload: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", nil, err
	}
	if len(data) == 0 && hdr.Filename == "" {
		return "", nil, nil
	}
	return core.CleanName(hdr.Filename, field), data, nil
}
