package ward

import (
	"context"
	"errors"
	"time"
)

// Role is what a user may do in an organisation.
type Role string

// Roles, each allowing what the one before allows and more.
const (
	// RoleViewer reads the organisation's model, assessments and
	// vulnerabilities.
	RoleViewer Role = "viewer"
	// RoleAnalyst also changes the model, imports files and runs
	// assessments.
	RoleAnalyst Role = "analyst"
	// RoleAdmin also manages who has access to the organisation.
	RoleAdmin Role = "admin"
	// RoleHub reads every organisation in the store: a national health
	// CSIRT's view over the hospitals that share with it. It is granted
	// on AllOrganisations.
	RoleHub Role = "hub"
)

// AllOrganisations is the organisation of a hub membership.
const AllOrganisations = "*"

// Rank orders the roles of one organisation: viewer 1, analyst 2, admin 3;
// 0 for none or unknown. The hub role reads: it ranks as a viewer.
func (r Role) Rank() int {
	switch r {
	case RoleViewer, RoleHub:
		return 1
	case RoleAnalyst:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Membership grants a role in an organisation.
type Membership struct {
	Org  string `json:"org"`
	Role Role   `json:"role"`
}

// User is a person (or a service acting as one) who signs in to Ward.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// PasswordHash is an argon2id hash in the PHC string format; never
	// shown.
	PasswordHash string `json:"-"`
	// Admin: a Ward administrator, who manages organisations and users.
	Admin       bool         `json:"admin"`
	Memberships []Membership `json:"memberships"`
	Disabled    bool         `json:"disabled"`
	// FailedLogins counts failed sign-ins from unrecognised clients since
	// the last success (or since they were forgotten); until LockedUntil,
	// such clients are not let try again. Clients that signed in as the
	// user before (a browser's device cookie, an address that used HTTP
	// Basic) and API tokens are not held back by it, so that an anonymous
	// attacker cannot lock the owner out.
	FailedLogins int       `json:"failed_logins"`
	LockedUntil  time.Time `json:"locked_until,omitzero"`
	Created      time.Time `json:"created"`
}

// RoleIn is the user's role in an organisation: a membership of it, or the
// hub role, or admin for a Ward administrator.
func (u *User) RoleIn(org string) Role {
	if u.Admin {
		return RoleAdmin
	}
	best := Role("")
	for _, m := range u.Memberships {
		if (m.Org == org || m.Role == RoleHub && m.Org == AllOrganisations) && m.Role.Rank() > best.Rank() {
			best = m.Role
		}
	}
	return best
}

// Within is the user as a token limited to one organisation lets it act:
// its role there and nothing else. A Ward administrator's token for one
// hospital administers that hospital only, not Ward; a hub's token reads
// that hospital only. Narrowing the user itself, rather than checking the
// token at each decision, keeps every later check (routes, collections,
// TLP) within the organisation.
func (u User) Within(org string) User {
	role := u.RoleIn(org)
	u.Admin = false
	u.Memberships = []Membership{}
	if role != "" {
		u.Memberships = append(u.Memberships, Membership{Org: org, Role: role})
	}
	return u
}

// LoginBackoff is how long unrecognised clients wait after failed
// sign-ins to an account: nothing for the first Free failures, then First,
// doubling with each failure up to Max. Failures are forgotten once the
// last wait has been over for Forget.
type LoginBackoff struct {
	Free   int
	First  time.Duration
	Max    time.Duration
	Forget time.Duration
}

// DefaultLoginBackoff: 5 free failures, then 1 s doubling to 15 minutes,
// forgotten after an hour without failures.
var DefaultLoginBackoff = LoginBackoff{Free: 5, First: time.Second, Max: 15 * time.Minute, Forget: time.Hour}

// Wait is the wait after a number of failures in a row.
func (b LoginBackoff) Wait(failures int) time.Duration {
	if failures <= b.Free {
		return 0
	}
	w := b.First
	for i := b.Free + 1; i < failures && w < b.Max; i++ {
		w *= 2
	}
	return min(w, b.Max)
}

// Session is a signed-in browser. The cookie carries a secret; the store
// keeps only its SHA-256.
type Session struct {
	Hash    string    `json:"-"`
	UserID  string    `json:"user"`
	CSRF    string    `json:"-"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Remote  string    `json:"remote"`
}

// Scope limits what an API token may do.
type Scope string

// Token scopes.
const (
	ScopeRead  Scope = "read"  // GET only
	ScopeWrite Scope = "write" // everything the user may do
)

// Token is an API token for machines: it acts as its user, limited to its
// scope and, when Org is set, to one organisation. The store keeps only the
// secret's SHA-256.
type Token struct {
	ID      string    `json:"id"`
	UserID  string    `json:"user"`
	Name    string    `json:"name"`
	Hash    string    `json:"-"`
	Scope   Scope     `json:"scope"`
	Org     string    `json:"org,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// AuditEntry records one write: who, what, when, from where. Entries are
// chained: Hash covers the entry and the previous entry's hash, so that
// changing or removing one shows (VerifyAudit).
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Org    string    `json:"org,omitempty"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	Remote string    `json:"remote,omitempty"`
	Detail string    `json:"detail,omitempty"`
	Prev   string    `json:"prev"`
	Hash   string    `json:"hash"`
	// Keyed: Hash is an HMAC under the audit key (ChainHash).
	Keyed bool `json:"keyed,omitempty"`
}

// ErrConflict is returned when a write was based on a stale version.
var ErrConflict = errors.New("changed since it was read")

// ErrExists is returned when creating what already exists.
var ErrExists = errors.New("already exists")

// AccessStore keeps users, sessions, tokens and the audit log.
type AccessStore interface {
	// PutUser creates or replaces a user (by id); a new user's name must
	// be free (ErrExists). Disabling a user or changing its password
	// ends its sessions.
	PutUser(ctx context.Context, u User) error
	User(ctx context.Context, id string) (User, error)
	UserByName(ctx context.Context, name string) (User, error)
	Users(ctx context.Context) ([]User, error)
	DeleteUser(ctx context.Context, id string) error
	// LoginFailed counts a failed sign-in from an unrecognised client
	// atomically (several servers may count at once), forgetting earlier
	// failures whose wait ended more than b.Forget ago, and holds such
	// clients back until now plus b.Wait(count); it returns the user as
	// updated.
	LoginFailed(ctx context.Context, id string, now time.Time, b LoginBackoff) (User, error)
	// LoginSucceeded clears the count and the wait (also an
	// administrator's unlock).
	LoginSucceeded(ctx context.Context, id string) error

	PutSession(ctx context.Context, s Session) error
	// Session returns an unexpired session by hash.
	Session(ctx context.Context, hash string, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, hash string) error
	// DeleteSessions signs a user out everywhere.
	DeleteSessions(ctx context.Context, userID string) error

	PutToken(ctx context.Context, t Token) error
	// TokenByHash returns an unexpired token by hash.
	TokenByHash(ctx context.Context, hash string, now time.Time) (Token, error)
	Tokens(ctx context.Context, userID string) ([]Token, error)
	DeleteToken(ctx context.Context, userID, id string) error

	// AppendAudit chains and appends an entry (Seq, Prev and Hash are
	// set by the store) and returns it.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// Audit lists entries after seq, oldest first, at most limit (all
	// when limit <= 0); org "" lists every organisation's.
	Audit(ctx context.Context, org string, after int64, limit int) ([]AuditEntry, error)
}

// Assessment is a stored assessment run: the result, as JSON, of assessing
// one revision of an organisation's model.
type Assessment struct {
	ID       int64     `json:"id"`
	Org      string    `json:"org"`
	Revision int64     `json:"revision"`
	Created  time.Time `json:"created"`
	Actor    string    `json:"actor"`
	// Data is the result as JSON; empty in lists.
	Data []byte `json:"-"`
}

// AssessmentStore keeps assessment runs.
type AssessmentStore interface {
	// PutAssessment stores a run and returns its id.
	PutAssessment(ctx context.Context, a Assessment) (int64, error)
	// Assessment returns a run of an organisation; id 0 is the latest.
	Assessment(ctx context.Context, org string, id int64) (Assessment, error)
	// Assessments lists an organisation's runs, newest first, without
	// their data.
	Assessments(ctx context.Context, org string, limit int) ([]Assessment, error)
}
