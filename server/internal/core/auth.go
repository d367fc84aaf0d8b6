package core

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
	if s.Cfg.TLS {
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
var errSignIn = Fail(http.StatusUnauthorized, "wrong name or password")

// Authenticate finds the caller from a bearer token or a session cookie.
func (s *Server) Authenticate(r *http.Request, c *Call) error {
	now := s.Cfg.Now()
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(secret, "ward_") {
			return Fail(http.StatusUnauthorized, "the Authorization header must be 'Bearer ward_...', an API token")
		}
		t, err := s.Cfg.Store.TokenByHash(ctx, Digest(secret), now)
		if errors.Is(err, ward.ErrNotFound) {
			return Fail(http.StatusUnauthorized, "unknown, revoked or expired token")
		}
		if err != nil {
			return err
		}
		c.Token = &t
		if err := s.LoadUser(ctx, c, t.UserID); err != nil {
			return err
		}
		if t.Org != "" {
			c.User = c.User.Within(t.Org)
		}
		return nil
	}
	ck, err := r.Cookie(s.cookieName())
	if err != nil || ck.Value == "" {
		return Fail(http.StatusUnauthorized, "sign in first (POST /api/v1/login) or send an API token")
	}
	sess, err := s.Cfg.Store.Session(ctx, Digest(ck.Value), now)
	if errors.Is(err, ward.ErrNotFound) {
		return Fail(http.StatusUnauthorized, "the session has ended: sign in again")
	}
	if err != nil {
		return err
	}
	c.Session = &sess
	return s.LoadUser(ctx, c, sess.UserID)
}

func (s *Server) LoadUser(ctx context.Context, c *Call, id string) error {
	u, err := s.Cfg.Store.User(ctx, id)
	if errors.Is(err, ward.ErrNotFound) {
		return Fail(http.StatusUnauthorized, "the user no longer exists")
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return Fail(http.StatusUnauthorized, "the account is disabled")
	}
	c.User = u
	return nil
}

// SignIn checks a name and password and opens a session; a browser that
// signs in gets a device cookie that lets it past the account's backoff
// next time (checkPassword).
func (s *Server) SignIn(w http.ResponseWriter, r *http.Request, name, password string) (ward.User, ward.Session, error) {
	ctx := r.Context()
	remote := s.Remote(r)
	u, err := s.CheckPassword(ctx, name, password, remote, s.deviceOf(r, name))
	if err != nil {
		return u, ward.Session{}, err
	}
	now := s.Cfg.Now()
	token := Secret(32)
	sess := ward.Session{Hash: Digest(token), UserID: u.ID, CSRF: Secret(24), Created: now, Expires: now.Add(s.Cfg.SessionTTL), Remote: remote}
	c := &Call{User: u, Remote: remote}
	if err := s.Cfg.Store.PutSession(s.Audited(ctx, c, "user.sign-in", u.Name, ""), sess); err != nil {
		return u, sess, err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: s.Cfg.TLS,
		SameSite: http.SameSiteStrictMode, Expires: sess.Expires})
	http.SetCookie(w, &http.Cookie{Name: s.deviceCookieName(), Value: s.deviceCookie(name), Path: "/", HttpOnly: true, Secure: s.Cfg.TLS,
		SameSite: http.SameSiteStrictMode, MaxAge: int(deviceCookieLife.Seconds())})
	return u, sess, nil
}

// CheckPassword checks a name and password, holding back guessing without
// letting it lock the owner out. A recognised client (device names what
// proved the client signed in as this name before: a browser's device
// cookie, an address that used HTTP Basic as this name) is limited by its
// own failures only. Any other client is limited by its address's failures and by the
// account's backoff (ward.LoginBackoff, shared through the store by every
// server); while it lasts such clients are answered 429 without a
// password check, and nothing is counted, so waiting clients do not
// prolong it. Unknown names get the same backoff, kept in memory, so the
// answers do not tell which names exist.
func (s *Server) CheckPassword(ctx context.Context, name, password, remote, device string) (ward.User, error) {
	now := s.Cfg.Now()
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
		s.Metrics.throttled.Inc()
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
	u, err := s.Cfg.Store.UserByName(ctx, name)
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
			s.Metrics.throttled.Inc()
			return ward.User{}, tooMany(until.Sub(now), "too many failed sign-ins for this account; sign in from a browser that signed in before, use an API token, wait, or ask an administrator to unlock it")
		}
	}
	hash := u.PasswordHash
	if !known {
		hash = decoyHash() // the same work whether or not the name exists
	}
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return u, ctx.Err()
	}
	ok := CheckPassword(hash, password)
	<-s.hashing
	if !known || !ok || u.Disabled {
		s.Metrics.failures.Inc()
		if device != "" {
			return u, errSignIn
		}
		if !known {
			s.ghosts.failed(account, now, s.Cfg.Backoff)
			return u, errSignIn
		}
		after, err := s.Cfg.Store.LoginFailed(ctx, u.ID, now, s.Cfg.Backoff)
		if err != nil {
			return u, err
		}
		if after.FailedLogins == s.Cfg.Backoff.Free+1 {
			// The backoff begins: once an episode, not once a failure.
			s.Metrics.locks.Inc()
			if err := s.Audit(ctx, &Call{Remote: remote, User: ward.User{Name: "ward"}}, "user.backoff", u.Name,
				fmt.Sprintf("%d failed sign-ins from unrecognised clients; they wait until %s", after.FailedLogins, after.LockedUntil.UTC().Format(time.RFC3339))); err != nil {
				return u, err
			}
		}
		return u, errSignIn
	}
	failed = false
	if u.FailedLogins > 0 && device == "" {
		if err := s.Cfg.Store.LoginSucceeded(ctx, u.ID); err != nil {
			return u, err
		}
	}
	return u, nil
}

func tooMany(wait time.Duration, why string) *Problem {
	secs := strconv.Itoa(int(wait.Seconds()) + 1)
	p := Fail(http.StatusTooManyRequests, "%s; try again in %s s", why, secs)
	p.Header = http.Header{"Retry-After": {secs}}
	return p
}

// A device cookie names a browser that signed in as a user: an id and its
// HMAC under the server's key, bound to the user's name.
const deviceCookieLife = 180 * 24 * time.Hour

func (s *Server) deviceCookieName() string {
	if s.Cfg.TLS {
		return "__Host-ward_device"
	}
	return "ward_device"
}

func (s *Server) deviceMAC(name, id string) string {
	m := hmac.New(sha256.New, s.Cfg.Key)
	m.Write([]byte("device\x00" + strings.ToLower(name) + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) deviceCookie(name string) string {
	id := Secret(12)
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
// ones. It is made at the first sign-in, not when the package loads: every
// ward command links the server, and a hash is argon2id's work.
var decoyHash = sync.OnceValue(func() string {
	h, err := HashPassword("decoy password that matches nothing")
	if err != nil {
		panic(err)
	}
	return h
})

// SignOut ends the caller's session.
func (s *Server) SignOut(w http.ResponseWriter, r *http.Request, c *Call) error {
	if c.Session != nil {
		if err := s.Cfg.Store.DeleteSession(s.Audited(r.Context(), c, "user.sign-out", c.User.Name, ""), c.Session.Hash); err != nil {
			return err
		}
	} else if err := s.Audit(r.Context(), c, "user.sign-out", c.User.Name, ""); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.Cfg.TLS, SameSite: http.SameSiteStrictMode, MaxAge: -1})
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

func (k *knownClients) Has(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	at, ok := k.entries[key]
	return ok && now.Sub(at) < knownFor
}

func (k *knownClients) Add(key string, now time.Time) {
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
	User, Hash string
	expires    time.Time
}

func newCredentialCache(ttl time.Duration) *credentialCache {
	return &credentialCache{ttl: ttl, entries: map[string]credential{}}
}

func (c *credentialCache) Get(key string) (credential, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		delete(c.entries, key)
		return credential{}, false
	}
	return e, true
}

func (c *credentialCache) Put(key string, u ward.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10_000 {
		clear(c.entries)
	}
	c.entries[key] = credential{u.ID, u.PasswordHash, time.Now().Add(c.ttl)}
}
