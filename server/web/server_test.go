package web

import (
	"github.com/wardhealth/ward/server/api"
	"github.com/wardhealth/ward/server/internal/core"
)

// newServer is a server with the dashboard's pages and the API's routes
// (the pages' scripts call the API), as package server puts them together.
func newServer(cfg core.Config) (*core.Server, error) {
	s, err := core.New(cfg)
	if err != nil {
		return nil, err
	}
	api.Register(s)
	Register(s)
	return s, nil
}
