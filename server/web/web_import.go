package web

import (
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/server/internal/core"
)

// importPage is the model upload page: the current revision, the form
// (for analysts and admins), and the outcome of an upload: every problem
// of a rejected file with its place, or the revision an accepted one made.
type importPage struct {
	Revision int64
	Summary  *ward.Summary
	MaxBytes int64
	// File is the uploaded file's name.
	File   string
	Errors modelfile.Errors
	// Imported is the summary of the model just stored, at NewRevision.
	Imported    *ward.Summary
	NewRevision int64
}

// importField is the form's file field.
const importField = "model"

func (s *handler) importPage(r *http.Request, c *core.Call) (importPage, error) {
	p := importPage{MaxBytes: s.Cfg.MaxModelBytes}
	rev, err := s.Cfg.Store.Revision(r.Context(), c.Org)
	if err != nil {
		return p, err
	}
	p.Revision = rev
	if rev > 0 {
		v, err := s.ModelView(r, c.Org)
		if err != nil {
			return p, err
		}
		today := s.Cfg.Now().UTC().Format(time.DateOnly)
		sum, _ := v.Keep("summary "+today, func() (any, error) { return v.Model.Summarise(today), nil })
		p.Summary = new(sum.(ward.Summary))
	}
	return p, nil
}

func (s *handler) webImportForm(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	p, err := s.importPage(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "import.html", "Import a model", p)
}

// webImport stores an uploaded model file, checked as the command line
// checks it. A file with problems is shown back with each problem and
// nothing is stored. The form carries the revision it was read at, so an
// upload does not silently replace a model someone else changed since.
func (s *handler) webImport(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	p, err := s.importPage(r, c)
	if err != nil {
		return err
	}
	rejected := func(errs modelfile.Errors) error {
		p.Errors = errs
		return s.render(w, r, c, http.StatusUnprocessableEntity, "import.html", "Import a model", p)
	}
	f, hdr, err := r.FormFile(importField)
	if errors.Is(err, http.ErrMissingFile) {
		return rejected(modelfile.Errors{{File: "form", Field: importField, Message: "choose a model file to upload",
			Hint: "a Ward model in YAML or JSON, as ward validate reads it"}})
	}
	if err != nil {
		if _, ok := core.AsProblem(err); ok {
			return err // too large
		}
		return core.Fail(http.StatusBadRequest, "malformed upload: %v", err)
	}
	defer f.Close()
	// The name decides the format and is shown in every error; only its
	// last element is kept, never a client's path.
	p.File = path.Base(strings.ReplaceAll(hdr.Filename, "\\", "/"))
	if p.File == "." || p.File == "/" {
		p.File = "upload.yaml"
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	rev := int64(-1)
	if v := r.PostFormValue("revision"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return core.Fail(http.StatusBadRequest, "revision %q: the revision the form was read at", v)
		}
		rev = n
	}
	m, err := s.ReadModel(r, p.File, data, c.Org)
	if err != nil {
		if pr, ok := core.AsProblem(err); ok && len(pr.Errors) > 0 {
			return rejected(pr.Errors)
		}
		return err
	}
	newRev, err := s.PutModel(r, c, m, rev, "model.import", c.Org)
	if err != nil {
		return err
	}
	sum := m.Summarise(s.Cfg.Now().UTC().Format(time.DateOnly))
	p.Imported, p.NewRevision = &sum, newRev
	p.Revision, p.Summary = newRev, &sum
	return s.render(w, r, c, http.StatusOK, "import.html", "Import a model", p)
}

// MaxSize is the upload limit, for people.
func (p importPage) MaxSize() string {
	if p.MaxBytes >= 1<<20 {
		return strconv.FormatInt(p.MaxBytes>>20, 10) + " MiB"
	}
	return strconv.FormatInt(p.MaxBytes>>10, 10) + " KiB"
}
