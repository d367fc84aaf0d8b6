// Package web is Ward's dashboard: pages rendered on the server
// (html/template) with one style sheet and small scripts served from the
// binary, under a strict Content Security Policy. Sign-in, roles and CSRF
// checks come from the shared core; the pages show what the core computes.
package web

import "github.com/wardhealth/ward/server/internal/core"

// handler serves the dashboard's pages on the shared server.
type handler struct {
	*core.Server
}

// Register adds the dashboard's pages to s, and makes s answer a failed
// page with an error page inside the layout.
func Register(s *core.Server) {
	h := &handler{Server: s}
	s.ErrorPage = h.errorPage
	h.registerWeb()
	h.registerIncidentPages()
	h.registerNationalPages()
	h.registerDetectionPages()
}
