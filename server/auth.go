package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"golang.org/x/time/rate"
)

// The session cookie. With TLS the __Host- prefix pins it to this host,
// Secure, path /.
const (
	cookieName       = "ward_session"
	secureCookieName = "__Host-ward_session"
)

func (s *Server) cookieName() string {
	if s.cfg.TLS {
		return secureCookieName
	}
	return cookieName
}

func equalSecret(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// errSignIn is the one answer to every failed sign-in, so that it does
// not tell which of name and password was wrong.
var errSignIn = fail(http.StatusUnauthorized, "wrong name or password")

// authenticate finds the caller from a bearer token or a session cookie.
func (s *Server) authenticate(r *http.Request, c *call) error {
	now := s.cfg.Now()
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(secret, "ward_") {
			return fail(http.StatusUnauthorized, "the Authorization header must be 'Bearer ward_...', an API token")
		}
		t, err := s.cfg.Store.TokenByHash(ctx, digest(secret), now)
		if errors.Is(err, ward.ErrNotFound) {
			return fail(http.StatusUnauthorized, "unknown, revoked or expired token")
		}
		if err != nil {
			return err
		}
		c.token = &t
		if err := s.loadUser(ctx, c, t.UserID); err != nil {
			return err
		}
		if t.Org != "" {
			c.user = c.user.Within(t.Org)
		}
		return nil
	}
	ck, err := r.Cookie(s.cookieName())
	if err != nil || ck.Value == "" {
		return fail(http.StatusUnauthorized, "sign in first (POST /api/v1/login) or send an API token")
	}
	sess, err := s.cfg.Store.Session(ctx, digest(ck.Value), now)
	if errors.Is(err, ward.ErrNotFound) {
		return fail(http.StatusUnauthorized, "the session has ended: sign in again")
	}
	if err != nil {
		return err
	}
	c.session = &sess
	return s.loadUser(ctx, c, sess.UserID)
}

func (s *Server) loadUser(ctx context.Context, c *call, id string) error {
	u, err := s.cfg.Store.User(ctx, id)
	if errors.Is(err, ward.ErrNotFound) {
		return fail(http.StatusUnauthorized, "the user no longer exists")
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return fail(http.StatusUnauthorized, "the account is disabled")
	}
	c.user = u
	return nil
}

// signIn checks a name and password and opens a session. Throttling comes
// first, per account and per address, before any hash is computed; then
// the store's lockout, shared by every server.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, name, password string) (ward.User, ward.Session, error) {
	ctx := r.Context()
	remote := s.remote(r)
	if wait, ok := s.limits.allow("account:"+strings.ToLower(name), "address:"+remote); !ok {
		s.metrics.throttled.Inc()
		p := fail(http.StatusTooManyRequests, "too many sign-in attempts; try again in %d s", int(wait.Seconds())+1)
		p.header = http.Header{"Retry-After": {strconv.Itoa(int(wait.Seconds()) + 1)}}
		return ward.User{}, ward.Session{}, p
	}
	now := s.cfg.Now()
	u, err := s.cfg.Store.UserByName(ctx, name)
	if err != nil && !errors.Is(err, ward.ErrNotFound) {
		return u, ward.Session{}, err
	}
	known := err == nil
	if known && now.Before(u.LockedUntil) {
		s.metrics.failures.Inc()
		return u, ward.Session{}, fail(http.StatusTooManyRequests, "the account is locked after repeated failed sign-ins; try again after %s or ask an administrator", u.LockedUntil.Format(time.RFC3339))
	}
	hash := u.PasswordHash
	if !known {
		hash = decoyHash // the same work whether or not the name exists
	}
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return u, ward.Session{}, ctx.Err()
	}
	ok := CheckPassword(hash, password)
	<-s.hashing
	if !known || !ok || u.Disabled {
		s.metrics.failures.Inc()
		if known {
			if _, err := s.cfg.Store.LoginFailed(ctx, u.ID, now, s.cfg.LockAfter, s.cfg.LockFor); err != nil {
				return u, ward.Session{}, err
			}
		}
		return u, ward.Session{}, errSignIn
	}
	if u.FailedLogins > 0 {
		if err := s.cfg.Store.LoginSucceeded(ctx, u.ID); err != nil {
			return u, ward.Session{}, err
		}
	}
	token := secret(32)
	sess := ward.Session{Hash: digest(token), UserID: u.ID, CSRF: secret(24), Created: now, Expires: now.Add(s.cfg.SessionTTL), Remote: remote}
	if err := s.cfg.Store.PutSession(ctx, sess); err != nil {
		return u, sess, err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.TLS,
		SameSite: http.SameSiteStrictMode, Expires: sess.Expires})
	c := &call{user: u, remote: remote}
	return u, sess, s.audit(ctx, c, "user.sign-in", u.Name, "")
}

// decoyHash is checked for unknown names so they take as long as known
// ones.
var decoyHash = func() string {
	h, err := HashPassword("decoy password that matches nothing")
	if err != nil {
		panic(err)
	}
	return h
}()

// signOut ends the caller's session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, c *call) error {
	if c.session != nil {
		if err := s.cfg.Store.DeleteSession(r.Context(), c.session.Hash); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	return s.audit(r.Context(), c, "user.sign-out", c.user.Name, "")
}

// throttle keeps a token bucket per key (an account, an address).
type throttle struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	buckets map[string]*rate.Limiter
	seen    map[string]time.Time
}

func newThrottle(every time.Duration, burst int) *throttle {
	return &throttle{every: every, burst: burst, buckets: map[string]*rate.Limiter{}, seen: map[string]time.Time{}}
}

// allow takes a token from the account's bucket and from the address's
// (which allows 40 times more, as many people share a hospital's NAT);
// when either is empty it says how long to wait.
func (t *throttle) allow(account, address string) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if len(t.buckets) > 100_000 {
		for k, at := range t.seen {
			if now.Sub(at) > 10*time.Minute {
				delete(t.buckets, k)
				delete(t.seen, k)
			}
		}
	}
	get := func(key string, every time.Duration, burst int) *rate.Limiter {
		l, ok := t.buckets[key]
		if !ok {
			l = rate.NewLimiter(rate.Every(every), burst)
			t.buckets[key] = l
		}
		t.seen[key] = now
		return l
	}
	a := get(account, t.every, t.burst)
	b := get(address, t.every/40, t.burst*8)
	ra, rb := a.ReserveN(now, 1), b.ReserveN(now, 1)
	wait := max(ra.DelayFrom(now), rb.DelayFrom(now))
	if wait > 0 {
		ra.CancelAt(now)
		rb.CancelAt(now)
		return wait, false
	}
	return 0, true
}

// credentialCache remembers, for a while, which user a checked credential
// (its digest, never the secret) belongs to.
type credentialCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]credential
}

type credential struct {
	user    string
	expires time.Time
}

func newCredentialCache(ttl time.Duration) *credentialCache {
	return &credentialCache{ttl: ttl, entries: map[string]credential{}}
}

func (c *credentialCache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		delete(c.entries, key)
		return "", false
	}
	return e.user, true
}

func (c *credentialCache) put(key, user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10_000 {
		clear(c.entries)
	}
	c.entries[key] = credential{user, time.Now().Add(c.ttl)}
}
