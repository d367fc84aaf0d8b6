// Package core is what the server's three surfaces (the JSON API, TAXII
// and the dashboard) share: who calls (sessions for people, tokens for
// machines), what they may do (roles per organisation, token scopes), the
// route table that checks it before a handler runs, problem responses,
// the audit of every write, and the results computed from the store (an
// organisation's assessment, the national view, plans in money) that more
// than one surface shows. The surfaces add their routes to a Server;
// package server puts them together.
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/national"
	"github.com/wardhealth/ward/share"
	"golang.org/x/sync/singleflight"
)

// Config is what a server needs; zero fields take the defaults below.
type Config struct {
	Store   ward.Store
	Catalog *catalog.Catalog
	Version string
	Log     *slog.Logger
	// TLS: the server is reached over HTTPS, so cookies are Secure and
	// HSTS is sent.
	TLS bool
	// MaxModelBytes bounds a model upload (default 64 MiB); other bodies
	// are bounded by MaxBodyBytes (default 1 MiB).
	MaxModelBytes, MaxBodyBytes int64
	// BodyTimeout is the time a request body may take to arrive, plus one
	// second per MiB it declares (default 30 s): a client that sends
	// slowly is cut off rather than hold a connection.
	BodyTimeout time.Duration
	// SessionTTL is how long a sign-in lasts (default 12 hours).
	SessionTTL time.Duration
	// MinGroup is the fewest organisations a sector count is shown for
	// (default 3): fewer, and it is withheld, so that no hospital can be
	// singled out.
	MinGroup int
	// RegisterMinGroup is the fewest hospitals a count of the national
	// risk register is shown for (default national.DefaultMinGroup, 5).
	RegisterMinGroup int
	// Backoff holds unrecognised clients back after failed sign-ins to an
	// account (default ward.DefaultLoginBackoff); browsers that signed in
	// before and API tokens are not held back by it.
	Backoff ward.LoginBackoff
	// LoginBurst failed sign-ins, then one every LoginRate, are allowed
	// per client address and per recognised browser (defaults 40 and 2 s).
	// Only failures count.
	LoginRate  time.Duration
	LoginBurst int
	// Key signs device cookies. Without one a random key is made, and
	// browsers are recognised only until the server stops.
	Key []byte
	// TrustedProxies are the reverse proxies in front of the server. A
	// request from one of them is taken to come from the rightmost address
	// of X-Forwarded-For that is not a trusted proxy: hops further left
	// were written by the client and may be forged. Without any, the
	// connection's address is the client's.
	TrustedProxies []netip.Prefix
	// Hub is the CSIRT's TAXII server that organisation admins send
	// incident reports to from the dashboard and the API, into
	// HubCollection; nil: they send with 'ward incident send'.
	Hub           *share.Client
	HubCollection string
	Now           func() time.Time
}

// Server is the state the surfaces share.
type Server struct {
	// ErrorPage writes a failed page's error within the dashboard's
	// layout; the dashboard sets it when it adds its routes, and without
	// it an error is a plain problem.
	ErrorPage func(w http.ResponseWriter, r *http.Request, c *Call, p *Problem)
	Cfg       Config
	Log       *slog.Logger
	Mux       *http.ServeMux
	routes    []Route
	// failures counts failed sign-ins per address and per recognised
	// client; ghosts is the backoff of names no user has; known lists the
	// clients that signed in before.
	failures *failureLimit
	ghosts   ghostBackoff
	Known    knownClients
	// checking bounds the password checks running at once for one
	// account from unrecognised clients.
	checking inFlight
	Metrics  *metrics
	// hashing bounds the argon2id computations running at once, so that a
	// flood of sign-ins cannot take every core.
	hashing chan struct{}
	Results *LRU[*View]
	Flight  singleflight.Group
	// BasicCache remembers HTTP Basic credentials checked in the last
	// minute (TAXII clients send them with every request).
	BasicCache *credentialCache
	// national keeps the models shared with the hub by revision.
	national *national.Cache
	// money runs the plans in money in the background.
	money *moneyJobs
	// Summaries keeps the summaries of stored assessment runs, by
	// organisation and id, for the history chart (web_history.go).
	Summaries sync.Map
	// nationalResults keeps the national view's results by what they
	// were computed from (nationalResult); nationalFlight makes requests
	// arriving together compute one.
	nationalResults *LRU[any]
	nationalFlight  singleflight.Group
}

// New makes a server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if cfg.Catalog == nil {
		cat, err := catalog.Load()
		if err != nil {
			return nil, err
		}
		cfg.Catalog = cat
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxModelBytes <= 0 {
		cfg.MaxModelBytes = 64 << 20
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MinGroup <= 0 {
		cfg.MinGroup = 3
	}
	if cfg.RegisterMinGroup <= 0 {
		cfg.RegisterMinGroup = national.DefaultMinGroup
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = 30 * time.Second
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Backoff == (ward.LoginBackoff{}) {
		cfg.Backoff = ward.DefaultLoginBackoff
	}
	if cfg.LoginRate <= 0 {
		cfg.LoginRate = 2 * time.Second
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = 40
	}
	if len(cfg.Key) == 0 {
		cfg.Key = []byte(Secret(32))
	}
	s := &Server{Cfg: cfg, Log: cfg.Log, Mux: http.NewServeMux(), failures: newFailureLimit(cfg.LoginRate, cfg.LoginBurst), checking: inFlight{limit: 2},
		Metrics: newMetrics(), hashing: make(chan struct{}, runtime.GOMAXPROCS(0)), Results: NewLRU(16, func(*View) int { return 1 }),
		BasicCache: newCredentialCache(time.Minute),
		national:   national.NewCache(), money: newMoneyJobs(), nationalResults: NewLRU(64, func(any) int { return 1 })}
	return s, nil
}

// Handler is the whole server: security headers and metrics around every
// route.
func (s *Server) Handler() http.Handler {
	return s.Secure(s.Mux)
}

// access is what a route needs of the caller.
type access int

const (
	Public        access = iota // no sign-in
	SignedIn                    // any signed-in user
	OrgViewer                   // a role in the organisation of the path
	OrgAnalyst                  // analyst or admin there
	OrgAdmin                    // admin there
	Administrator               // a Ward administrator
	SectorReader                // the hub role (a national CSIRT) or a Ward administrator
)

func (a access) String() string {
	return [...]string{"public", "signed-in", "viewer", "analyst", "admin", "administrator", "hub"}[a]
}

// Route is one API or page route; the table is what the OpenAPI document
// is checked against.
type Route struct {
	Method, Pattern string
	Access          access
	// Page: an HTML page (errors as pages, CSRF from a form field).
	Page    bool
	handler func(w http.ResponseWriter, r *http.Request, c *Call) error
}

// Call is one authenticated request.
type Call struct {
	User    ward.User
	Token   *ward.Token
	Session *ward.Session
	Org     string
	Role    ward.Role
	Remote  string
}

// Routes lists the API routes (method and pattern), for documentation and
// tests.
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) Handle(method, pattern string, a access, h func(w http.ResponseWriter, r *http.Request, c *Call) error) {
	s.add(Route{Method: method, Pattern: pattern, Access: a, handler: h})
}

func (s *Server) Page(method, pattern string, a access, h func(w http.ResponseWriter, r *http.Request, c *Call) error) {
	s.add(Route{Method: method, Pattern: pattern, Access: a, Page: true, handler: h})
}

func (s *Server) add(rt Route) {
	s.routes = append(s.routes, rt)
	name := rt.Method + " " + rt.Pattern
	s.Mux.Handle(name, s.Metrics.Instrument(name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authorise(w, r, rt)
		if err == nil {
			err = rt.handler(w, r, c)
		}
		if err != nil {
			s.fail(w, r, rt, c, err)
		}
	})))
}

// fail answers a request that failed: a problem for the API, a page for
// the dashboard (the sign-in page when not signed in).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rt Route, c *Call, err error) {
	p, known := AsProblem(err)
	if !known {
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if rt.Page && s.ErrorPage != nil {
		if p.Status == http.StatusUnauthorized {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.Path), http.StatusSeeOther)
			return
		}
		if c == nil {
			// Refused before the handler: the page still carries the
			// caller's navigation, though not the organisation asked for.
			c = &Call{Remote: s.Remote(r)}
			if s.Authenticate(r, c) != nil {
				c = nil
			}
		}
		s.ErrorPage(w, r, c, p)
		return
	}
	WriteProblem(w, p)
}

// authorise finds who calls and checks the route's access: 401 without a
// valid session or token; 404 for an organisation the caller has no role
// in (so others' organisations are not even confirmed to exist); 403 for
// a role or token scope too low, or a missing CSRF token.
func (s *Server) authorise(w http.ResponseWriter, r *http.Request, rt Route) (*Call, error) {
	c := &Call{Remote: s.Remote(r)}
	limit := s.Cfg.MaxBodyBytes
	if strings.HasSuffix(rt.Pattern, "/model") || strings.HasSuffix(rt.Pattern, "/import") || strings.Contains(rt.Pattern, "/procure") || strings.HasSuffix(rt.Pattern, "/evidence") {
		limit = s.Cfg.MaxModelBytes
	}
	if err := s.Bound(w, r, limit); err != nil {
		return nil, err
	}
	if rt.Access == Public {
		return c, nil
	}
	if err := s.Authenticate(r, c); err != nil {
		return nil, err
	}
	unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead
	if unsafe && c.Token != nil && c.Token.Scope != ward.ScopeWrite {
		return nil, Fail(http.StatusForbidden, "this token may only read")
	}
	if unsafe && c.Session != nil {
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" && rt.Page {
			sent = r.PostFormValue("csrf")
			// A form over the body limit has no readable token: say it
			// is too large rather than forged.
			if mb := (*http.MaxBytesError)(nil); sent == "" && errors.As(formError(r), &mb) {
				return nil, mb
			}
		}
		if !equalSecret(sent, c.Session.CSRF) {
			return nil, Fail(http.StatusForbidden, "missing or wrong CSRF token (send the X-CSRF-Token header given at sign-in)")
		}
	}
	switch rt.Access {
	case Administrator:
		if !c.User.Admin {
			return nil, Fail(http.StatusForbidden, "only a Ward administrator may do this")
		}
	case SectorReader:
		if !c.User.Admin && c.User.RoleIn(ward.AllOrganisations) != ward.RoleHub {
			return nil, Fail(http.StatusForbidden, "the sector's view is for the hub role (a national CSIRT) and Ward administrators")
		}
	case OrgViewer, OrgAnalyst, OrgAdmin:
		c.Org = r.PathValue("org")
		c.Role = c.User.RoleIn(c.Org)
		if c.Role == "" {
			return nil, Fail(http.StatusNotFound, "organisation %q: not found", c.Org)
		}
		need := map[access]ward.Role{OrgViewer: ward.RoleViewer, OrgAnalyst: ward.RoleAnalyst, OrgAdmin: ward.RoleAdmin}[rt.Access]
		if c.Role.Rank() < need.Rank() || c.Role == ward.RoleHub && rt.Access != OrgViewer {
			return nil, Fail(http.StatusForbidden, "your role in %s is %s; this needs %s", c.Org, c.Role, need)
		}
		if c.Role == ward.RoleHub {
			if err := s.hubMayRead(r, c); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// Bound limits a request's body before anything of it is read: a
// declared length over the limit is refused at once (413), a body is cut
// at the limit, and it must arrive within BodyTimeout plus a second per
// MiB declared.
func (s *Server) Bound(w http.ResponseWriter, r *http.Request, limit int64) error {
	if r.ContentLength > limit {
		return &http.MaxBytesError{Limit: limit}
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
		// Nothing to read: no deadline, so that a long computation (a
		// plan on a large hospital) is not cut off by one meant for a
		// slow sender.
		return nil
	}
	size := r.ContentLength
	if size < 0 {
		size = limit
	}
	deadline := time.Now().Add(s.Cfg.BodyTimeout + time.Duration(size>>20)*time.Second)
	// The http.Server sets the next request's deadline anew (it must
	// have a ReadHeaderTimeout, as 'ward serve' does). Not every
	// ResponseWriter has deadlines: the server's ReadTimeout holds then.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(deadline)
	r.Body = &bodyDeadline{ReadCloser: r.Body, clear: func() { _ = rc.SetReadDeadline(time.Time{}) }}
	return nil
}

// bodyDeadline lifts the read deadline once the whole body has arrived:
// the deadline bounds the sender, not the work that follows.
type bodyDeadline struct {
	io.ReadCloser
	clear func()
	done  bool
}

func (b *bodyDeadline) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.clear()
	}
	return n, err
}

// Remote is the client's address: the connection's or, from a trusted
// proxy, the rightmost untrusted hop of X-Forwarded-For.
func (s *Server) Remote(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := strings.Split(hops[i], ",")
		for j := len(list) - 1; j >= 0; j-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(list[j]))
			if err != nil {
				// What a trusted proxy wrote ends here: the last hop
				// it vouched for is the client as far as can be known.
				return peer.String()
			}
			peer = hop.Unmap()
			if !s.trusted(peer) {
				return peer.String()
			}
		}
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.Cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Audited is ctx carrying the audit entry of the write it is passed to:
// the store records the write and its entry in one transaction, so that
// neither lands without the other.
func (s *Server) Audited(ctx context.Context, c *Call, action, target, detail string) context.Context {
	return ward.WithAudit(ctx, s.entry(c, action, target, detail))
}

func (s *Server) entry(c *Call, action, target, detail string) ward.AuditEntry {
	actor := c.User.Name
	if c.Token != nil {
		actor += " (token " + c.Token.Name + ")"
	}
	return ward.AuditEntry{Time: s.Cfg.Now(), Actor: actor, Org: c.Org, Action: action, Target: target, Remote: c.Remote, Detail: detail}
}

// Audit records an event that writes nothing else (the start of a
// sign-in backoff, a token's sign-out).
func (s *Server) Audit(ctx context.Context, c *Call, action, target, detail string) error {
	e := s.entry(c, action, target, detail)
	if _, err := s.Cfg.Store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Secure sets the security headers of every response: a CSP without
// inline script or style, no framing, no sniffing, no referrer, and HSTS
// under TLS.
func (s *Server) Secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.Cfg.TLS {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
