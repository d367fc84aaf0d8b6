package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/server/internal/core"
)

// apiCollections lists the TAXII collections (administrators).
func (s *handler) apiCollections(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	cols, err := s.Cfg.Store.Collections(r.Context())
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": cols})
	return nil
}

// apiCreateCollection makes a TAXII collection for a sharing community.
func (s *handler) apiCreateCollection(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	var in struct {
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Readers     []string `json:"readers"`
		Writers     []string `json:"writers"`
	}
	if err := core.DecodeJSON(r, &in); err != nil {
		return err
	}
	var errs modelfile.Errors
	if strings.TrimSpace(in.Title) == "" {
		errs = append(errs, modelfile.Error{File: "body", Field: "title", Message: "give the collection a title"})
	}
	if len(in.Readers) == 0 {
		errs = append(errs, modelfile.Error{File: "body", Field: "readers", Message: `list the organisations that read it ("*" for all)`})
	}
	if len(errs) > 0 {
		p := core.Invalid(errs)
		p.Detail = fmt.Sprintf("the collection has %d problem(s)", len(errs))
		return p
	}
	if in.Writers == nil {
		in.Writers = []string{}
	}
	col := ward.Collection{ID: uuid.NewString(), Title: in.Title, Description: in.Description, Readers: in.Readers, Writers: in.Writers, Created: s.Cfg.Now().UTC()}
	if err := s.Cfg.Store.PutCollection(s.Audited(r.Context(), c, "collection.create", col.ID, col.Title), col); err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusCreated, col)
	return nil
}
