// Package api is Ward's JSON API under /api/v1: organisations, their
// models and what is computed from them, incidents, detections, the
// national view, users and tokens. Every route is in openapi.json, which a
// test checks against the route table; authentication, authorisation and
// problem responses come from the shared core.
package api

import "github.com/wardhealth/ward/server/internal/core"

// handler serves the API's routes on the shared server.
type handler struct {
	*core.Server
}

// Register adds the API's routes to s.
func Register(s *core.Server) {
	h := &handler{Server: s}
	h.register()
}
