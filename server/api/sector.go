package api

import (
	"net/http"

	"github.com/wardhealth/ward/server/internal/core"
)

func (s *handler) apiSector(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	entries, sources, err := s.Sector(r, c)
	if err != nil {
		return err
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"min_group": s.Cfg.MinGroup, "items": entries, "sources": sources})
	return nil
}
