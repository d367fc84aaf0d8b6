package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
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

// signIn checks a name and password and opens a session; a browser that
// signs in gets a device cookie that lets it past the account's backoff
// next time (checkPassword).
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, name, password string) (ward.User, ward.Session, error) {
	ctx := r.Context()
	remote := s.remote(r)
	u, err := s.checkPassword(ctx, name, password, remote, s.deviceOf(r, name))
	if err != nil {
		return u, ward.Session{}, err
	}
	now := s.cfg.Now()
	token := secret(32)
	sess := ward.Session{Hash: digest(token), UserID: u.ID, CSRF: secret(24), Created: now, Expires: now.Add(s.cfg.SessionTTL), Remote: remote}
	c := &call{user: u, remote: remote}
	if err := s.cfg.Store.PutSession(s.audited(ctx, c, "user.sign-in", u.Name, ""), sess); err != nil {
		return u, sess, err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.TLS,
		SameSite: http.SameSiteStrictMode, Expires: sess.Expires})
	http.SetCookie(w, &http.Cookie{Name: s.deviceCookieName(), Value: s.deviceCookie(name), Path: "/", HttpOnly: true, Secure: s.cfg.TLS,
		SameSite: http.SameSiteStrictMode, MaxAge: int(deviceCookieLife.Seconds())})
	return u, sess, nil
}

// checkPassword checks a name and password, holding back guessing without
// letting it lock the owner out. A recognised client (device names what
// proved the client signed in as this name before: a browser's device
// cookie, an address that used HTTP Basic as this name) is limited by its
// own failures only. Any other client is limited by its address's failures and by the
// account's backoff (ward.LoginBackoff, shared through the store by every
// server); while it lasts such clients are answered 429 without a
// password check, and nothing is counted, so waiting clients do not
// prolong it. Unknown names get the same backoff, kept in memory, so the
// answers do not tell which names exist.
func (s *Server) checkPassword(ctx context.Context, name, password, remote, device string) (ward.User, error) {
	now := s.cfg.Now()
	account := strings.ToLower(name)
	limiter := "address:" + remote
	if device != "" {
		limiter = "device:" + device
	}
	// The attempt takes its failure from the bucket before the password
	// is checked, and gives it back if it succeeds: a burst of
	// concurrent guesses cannot all be checked before the first fails.
	settle, wait := s.failures.take(limiter, now)
	if wait > 0 {
		s.metrics.throttled.Inc()
		return ward.User{}, tooMany(wait, "too many failed sign-ins from here")
	}
	failed := true
	defer func() { settle(failed) }()
	if device == "" {
		// Two checks at a time per account from unrecognised clients;
		// the others wait their turn and then see the failures of those
		// before them, so a flood from many addresses cannot have
		// hundreds of guesses checked before the backoff counts them.
		if err := s.checking.enter(ctx, account); err != nil {
			return ward.User{}, err
		}
		defer s.checking.leave(account)
	}
	u, err := s.cfg.Store.UserByName(ctx, name)
	if err != nil && !errors.Is(err, ward.ErrNotFound) {
		return u, err
	}
	known := err == nil
	if device == "" {
		until := s.ghosts.until(account)
		if known {
			until = u.LockedUntil
		}
		if now.Before(until) {
			s.metrics.throttled.Inc()
			return ward.User{}, tooMany(until.Sub(now), "too many failed sign-ins for this account; sign in from a browser that signed in before, use an API token, wait, or ask an administrator to unlock it")
		}
	}
	hash := u.PasswordHash
	if !known {
		hash = decoyHash // the same work whether or not the name exists
	}
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return u, ctx.Err()
	}
	ok := CheckPassword(hash, password)
	<-s.hashing
	if !known || !ok || u.Disabled {
		s.metrics.failures.Inc()
		if device != "" {
			return u, errSignIn
		}
		if !known {
			s.ghosts.failed(account, now, s.cfg.Backoff)
			return u, errSignIn
		}
		after, err := s.cfg.Store.LoginFailed(ctx, u.ID, now, s.cfg.Backoff)
		if err != nil {
			return u, err
		}
		if after.FailedLogins == s.cfg.Backoff.Free+1 {
			// The backoff begins: once an episode, not once a failure.
			s.metrics.locks.Inc()
			if err := s.audit(ctx, &call{remote: remote, user: ward.User{Name: "ward"}}, "user.backoff", u.Name,
				fmt.Sprintf("%d failed sign-ins from unrecognised clients; they wait until %s", after.FailedLogins, after.LockedUntil.UTC().Format(time.RFC3339))); err != nil {
				return u, err
			}
		}
		return u, errSignIn
	}
	failed = false
	if u.FailedLogins > 0 && device == "" {
		if err := s.cfg.Store.LoginSucceeded(ctx, u.ID); err != nil {
			return u, err
		}
	}
	return u, nil
}

func tooMany(wait time.Duration, why string) *problem {
	secs := strconv.Itoa(int(wait.Seconds()) + 1)
	p := fail(http.StatusTooManyRequests, "%s; try again in %s s", why, secs)
	p.header = http.Header{"Retry-After": {secs}}
	return p
}

// A device cookie names a browser that signed in as a user: an id and its
// HMAC under the server's key, bound to the user's name.
const deviceCookieLife = 180 * 24 * time.Hour

func (s *Server) deviceCookieName() string {
	if s.cfg.TLS {
		return "__Host-ward_device"
	}
	return "ward_device"
}

func (s *Server) deviceMAC(name, id string) string {
	m := hmac.New(sha256.New, s.cfg.Key)
	m.Write([]byte("device\x00" + strings.ToLower(name) + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) deviceCookie(name string) string {
	id := secret(12)
	return id + "." + s.deviceMAC(name, id)
}

// deviceOf is the request's device cookie when it was given to this name,
// else "".
func (s *Server) deviceOf(r *http.Request, name string) string {
	ck, err := r.Cookie(s.deviceCookieName())
	if err != nil {
		return ""
	}
	id, mac, ok := strings.Cut(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.deviceMAC(name, id))) {
		return ""
	}
	return "cookie:" + id
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
		if err := s.cfg.Store.DeleteSession(s.audited(r.Context(), c, "user.sign-out", c.user.Name, ""), c.session.Hash); err != nil {
			return err
		}
	} else if err := s.audit(r.Context(), c, "user.sign-out", c.user.Name, ""); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	return nil
}

// failureLimit counts failed sign-ins per key (an address, a device) in
// a token bucket: a burst, then one failure per interval. Successes cost
// nothing, so people behind one address who type their passwords right
// are never held back by it.
type failureLimit struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	buckets map[string]*rate.Limiter
	seen    map[string]time.Time
}

func newFailureLimit(every time.Duration, burst int) *failureLimit {
	return &failureLimit{every: every, burst: burst, buckets: map[string]*rate.Limiter{}, seen: map[string]time.Time{}}
}

func (t *failureLimit) get(key string, now time.Time) *rate.Limiter {
	if len(t.buckets) > 100_000 {
		for k, at := range t.seen {
			if now.Sub(at) > time.Duration(t.burst)*t.every {
				delete(t.buckets, k)
				delete(t.seen, k)
			}
		}
	}
	l, ok := t.buckets[key]
	if !ok {
		l = rate.NewLimiter(rate.Every(t.every), t.burst)
		t.buckets[key] = l
	}
	t.seen[key] = now
	return l
}

// take reserves a failure for an attempt: when the bucket is empty it
// says how long to wait; else settle(false) gives the failure back (the
// attempt succeeded) and settle(true) keeps it.
func (t *failureLimit) take(key string, now time.Time) (settle func(failed bool), wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	res := t.get(key, now).ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return func(bool) {}, d
	}
	return func(failed bool) {
		if !failed {
			t.mu.Lock()
			defer t.mu.Unlock()
			res.CancelAt(now)
		}
	}, 0
}

// inFlight lets a few password checks run at once per account; the
// others wait their turn.
type inFlight struct {
	mu    sync.Mutex
	limit int
	slots map[string]*slots
}

type slots struct {
	ch    chan struct{}
	users int // holding or waiting
}

func (f *inFlight) enter(ctx context.Context, key string) error {
	f.mu.Lock()
	if f.slots == nil {
		f.slots = map[string]*slots{}
	}
	sl := f.slots[key]
	if sl == nil {
		sl = &slots{ch: make(chan struct{}, f.limit)}
		f.slots[key] = sl
	}
	sl.users++
	f.mu.Unlock()
	select {
	case sl.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		f.release(key, sl, false)
		return ctx.Err()
	}
}

func (f *inFlight) leave(key string) {
	f.mu.Lock()
	sl := f.slots[key]
	f.mu.Unlock()
	f.release(key, sl, true)
}

func (f *inFlight) release(key string, sl *slots, held bool) {
	if held {
		<-sl.ch
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if sl.users--; sl.users == 0 {
		delete(f.slots, key)
	}
}

// ghostBackoff is the backoff of names no user has, kept in memory so that
// they are answered as a user's would be.
type ghostBackoff struct {
	mu      sync.Mutex
	entries map[string]ghost
}

type ghost struct {
	failures int
	until    time.Time
}

func (g *ghostBackoff) until(name string) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.entries[name].until
}

func (g *ghostBackoff) failed(name string, now time.Time, b ward.LoginBackoff) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.entries == nil || len(g.entries) > 100_000 {
		g.entries = map[string]ghost{}
	}
	e := g.entries[name]
	if e.until.Before(now.Add(-b.Forget)) {
		e.failures = 0
	}
	e.failures++
	if until := now.Add(b.Wait(e.failures)); until.After(e.until) {
		e.until = until
	}
	g.entries[name] = e
}

// knownClients remembers, for 30 days, the clients (a name and an
// address) that signed in with the right password, so that HTTP Basic
// clients, which keep no cookies, are recognised.
type knownClients struct {
	mu      sync.Mutex
	entries map[string]time.Time
}

const knownFor = 30 * 24 * time.Hour

func (k *knownClients) has(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	at, ok := k.entries[key]
	return ok && now.Sub(at) < knownFor
}

func (k *knownClients) add(key string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.entries == nil {
		k.entries = map[string]time.Time{}
	}
	if len(k.entries) > 100_000 {
		for key, at := range k.entries {
			if now.Sub(at) >= knownFor {
				delete(k.entries, key)
			}
		}
	}
	k.entries[key] = now
}

// credentialCache remembers, for a while, which user a checked credential
// (its digest, never the secret) belongs to, and the password hash it was
// checked against: once the password changes, the old one is checked
// again, and fails.
type credentialCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]credential
}

type credential struct {
	user, hash string
	expires    time.Time
}

func newCredentialCache(ttl time.Duration) *credentialCache {
	return &credentialCache{ttl: ttl, entries: map[string]credential{}}
}

func (c *credentialCache) get(key string) (credential, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		delete(c.entries, key)
		return credential{}, false
	}
	return e, true
}

func (c *credentialCache) put(key string, u ward.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10_000 {
		clear(c.entries)
	}
	c.entries[key] = credential{u.ID, u.PasswordHash, time.Now().Add(c.ttl)}
}
