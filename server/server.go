// Package server is Ward's HTTP server: the JSON API under /api/v1
// (package api), TAXII 2.1 under /taxii2/ (package taxii) and the web
// dashboard (package web) on one handler, beside Prometheus metrics and
// health checks. What the three share — authentication (sessions for
// people, tokens for machines), roles per organisation, problem responses,
// the audit log of every write and the results they show — is in
// internal/core; the data lives in a ward.Store, so several servers can
// share one PostgreSQL database.
package server

import (
	"io"
	"net/http"

	"github.com/wardhealth/ward/server/api"
	"github.com/wardhealth/ward/server/internal/core"
	"github.com/wardhealth/ward/server/taxii"
	"github.com/wardhealth/ward/server/web"
)

// Config is what a server needs; zero fields take the defaults.
type Config = core.Config

// MinPasswordLength is the shortest password Ward accepts.
const MinPasswordLength = core.MinPasswordLength

// HashPassword hashes a password for the store (argon2id).
func HashPassword(password string) (string, error) { return core.HashPassword(password) }

// NewPassword makes a random password, for a first administrator.
func NewPassword() string { return core.NewPassword() }

// Server serves the API, TAXII and the dashboard.
type Server struct {
	core *core.Server
}

// New makes a server with all its routes.
func New(cfg Config) (*Server, error) {
	c, err := core.New(cfg)
	if err != nil {
		return nil, err
	}
	c.Mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	c.Mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := c.Cfg.Store.Organisations(r.Context()); err != nil {
			c.Log.Error("not ready", "err", err)
			core.WriteProblem(w, core.Fail(http.StatusServiceUnavailable, "the store does not answer"))
			return
		}
		io.WriteString(w, "ready\n")
	})
	c.Mux.Handle("GET /metrics", c.Metrics.Handler())
	api.Register(c)
	taxii.Register(c)
	web.Register(c)
	return &Server{core: c}, nil
}

// Handler is the whole server: security headers and metrics around every
// route.
func (s *Server) Handler() http.Handler { return s.core.Handler() }

// Close stops the plans in money under way and waits for them to stop.
// The server answers no more plans afterwards; call it when the HTTP
// server has shut down.
func (s *Server) Close() { s.core.Close() }

// Routes lists the routes (method, pattern, access), for documentation
// and tests.
func (s *Server) Routes() []core.Route { return s.core.Routes() }
