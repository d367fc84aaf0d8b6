package core

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/quantify"
)

// DecodeJSON reads a JSON body strictly: the media type, unknown fields,
// trailing data and size are all checked.
func DecodeJSON(r *http.Request, v any) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return Fail(http.StatusUnsupportedMediaType, "send application/json, not %q", r.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return Fail(http.StatusBadRequest, "malformed JSON body: %v", err)
	}
	if dec.More() {
		return Fail(http.StatusBadRequest, "malformed JSON body: more than one value")
	}
	return nil
}

// Visible lists the organisations a user has a role in.
func (s *Server) Visible(r *http.Request, c *Call) ([]ward.Organisation, error) {
	orgs, err := s.national.Organisations(r.Context(), s.Cfg.Store)
	if err != nil {
		return nil, err
	}
	out := []ward.Organisation{}
	var full map[string]bool
	for _, o := range orgs {
		role := c.User.RoleIn(o.ID)
		if role == ward.RoleHub && full == nil {
			if full, err = s.fullySharing(r.Context()); err != nil {
				return nil, err
			}
		}
		if role != "" && (role != ward.RoleHub || full[o.ID]) {
			out = append(out, o)
		}
	}
	return out, nil
}

// Model returns an organisation's model at its current revision, from the
// cache when it has not changed.
func (s *Server) Model(r *http.Request, org string) (*ward.Model, int64, error) {
	v, err := s.ModelView(r, org)
	if err != nil {
		return nil, 0, err
	}
	return v.Model, v.Revision, nil
}

func (s *Server) ModelView(r *http.Request, org string) (*View, error) {
	rev, err := s.Cfg.Store.Revision(r.Context(), org)
	if err != nil {
		return nil, err
	}
	if rev == 0 {
		return nil, Fail(http.StatusNotFound, "organisation %q has no model yet", org)
	}
	key := fmt.Sprintf("model|%s|%d", org, rev)
	if v, ok := s.Results.Get(key); ok {
		return v, nil
	}
	m, err := s.Cfg.Store.Model(r.Context(), org)
	if err != nil {
		return nil, err
	}
	v := &View{Model: m, Revision: rev}
	s.Results.Put(key, v)
	return v, nil
}

// ReadModel parses an uploaded model file with the same checks and errors
// as the command line; its organisation must be the one of the path.
// readModel parses an uploaded model. Parsing stops when the request ends
// or after ParseTimeout, whichever comes first: a file made to be slow to
// read does not keep a core after its sender has gone.
func (s *Server) ReadModel(r *http.Request, name string, data []byte, org string) (*ward.Model, error) {
	lim := modelfile.DefaultLimits
	lim.MaxBytes = s.Cfg.MaxModelBytes
	ctx, cancel := context.WithTimeout(r.Context(), ParseTimeout)
	defer cancel()
	m, err := modelfile.ParseContext(ctx, name, data, lim)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, Fail(http.StatusUnprocessableEntity, "%s: reading the model took longer than %s; it is refused", name, ParseTimeout)
	}
	if err != nil {
		return nil, err
	}
	if m.Organisation.ID != org {
		return nil, Invalid(modelfile.Errors{{File: name, Field: "organisation.id",
			Message: fmt.Sprintf("the model is of %q, uploaded to %q", m.Organisation.ID, org)}})
	}
	// Cost figures for a threat the catalog lacks or a change Ward does
	// not propose would be ignored, or fail the expected loss later: they
	// are refused now, as 'ward import' refuses them.
	if err := quantify.Check(m, s.Cfg.Catalog); err != nil {
		return nil, fieldProblems(name, err)
	}
	return m, nil
}

// fieldProblems is a validation error as the problems of a file.
func fieldProblems(name string, err error) error {
	var ve *ward.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	errs := make(modelfile.Errors, len(ve.Errors))
	for i, fe := range ve.Errors {
		errs[i] = modelfile.Error{File: name, Field: fe.Path, Message: fe.Message, Hint: fe.Hint}
	}
	return Invalid(errs)
}

// ParseTimeout bounds the parsing of an uploaded model.
const ParseTimeout = 30 * time.Second

// PutModel stores a model at the revision read (-1: whatever it is) and
// records it.
// Without a revision (-1), a model that replaces whatever is there is
// put again when another write came between reading the revision and
// putting.
func (s *Server) PutModel(r *http.Request, c *Call, m *ward.Model, rev int64, action, target string) (int64, error) {
	sum := m.Summarise("")
	ctx := s.Audited(r.Context(), c, action, target, fmt.Sprintf("%d assets, %d links, %d services", sum.Assets, sum.Links, sum.Services))
	for attempt := 0; ; attempt++ {
		at := rev
		if at < 0 {
			var err error
			if at, err = s.Cfg.Store.Revision(ctx, c.Org); err != nil {
				return 0, err
			}
		}
		err := s.Cfg.Store.PutModelAt(ctx, m, at)
		if errors.Is(err, ward.ErrConflict) && rev < 0 && attempt < 50 && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return 0, err
		}
		s.reshare(ctx, m, at+1)
		return at + 1, nil
	}
}

// page is a page of a list: items, the total that matched, and an opaque
// cursor for the next page ("" on the last).
type page[T any] struct {
	Items []T    `json:"items"`
	Total int    `json:"total"`
	Next  string `json:"next,omitempty"`
}

// Paginate cuts a page from a sorted list by ?limit= (1-1000, default 100)
// and ?cursor= (from the previous page's next).
func Paginate[T any](r *http.Request, all []T) (page[T], error) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return page[T]{}, Fail(http.StatusBadRequest, "limit %q: a number from 1 to 1000", v)
		}
		limit = n
	}
	offset := 0
	if v := q.Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "o:") || n < 0 {
			return page[T]{}, Fail(http.StatusBadRequest, "cursor %q: use the next value of the previous page", v)
		}
		offset = n
	}
	p := page[T]{Items: []T{}, Total: len(all)}
	if offset < len(all) {
		end := min(offset+limit, len(all))
		p.Items = all[offset:end]
		if end < len(all) {
			p.Next = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
		}
	}
	return p, nil
}

// assetSorts are the fields assets sort by.
var assetSorts = map[string]func(a, b *ward.Asset) int{
	"id":     func(a, b *ward.Asset) int { return strings.Compare(a.ID, b.ID) },
	"name":   func(a, b *ward.Asset) int { return strings.Compare(a.Name, b.Name) },
	"kind":   func(a, b *ward.Asset) int { return strings.Compare(string(a.Kind), string(b.Kind)) },
	"zone":   func(a, b *ward.Asset) int { return strings.Compare(a.Zone, b.Zone) },
	"vendor": func(a, b *ward.Asset) int { return strings.Compare(a.Vendor, b.Vendor) },
}

// FilterAssets applies ?zone= ?kind= ?exposed= ?q= ?sort= ?order= to a
// model's assets. It works on pointers: a page of a 10,000-asset hospital
// must not copy and sort 10,000 structs.
func FilterAssets(r *http.Request, v *View) ([]*ward.Asset, error) {
	q := r.URL.Query()
	f := ward.AssetFilter{Zone: q.Get("zone"), Kind: ward.AssetKind(q.Get("kind"))}
	exposed := q.Get("exposed") == "true"
	if v := q.Get("exposed"); v != "" && v != "true" && v != "false" {
		return nil, Fail(http.StatusBadRequest, "exposed %q: true or false", v)
	}
	sortBy := cmp.Or(q.Get("sort"), "id")
	less, ok := assetSorts[sortBy]
	if !ok {
		return nil, Fail(http.StatusBadRequest, "sort %q: one of id, name, kind, zone, vendor", sortBy)
	}
	if o := q.Get("order"); o != "" && o != "asc" && o != "desc" {
		return nil, Fail(http.StatusBadRequest, "order %q: asc or desc", o)
	}
	desc := q.Get("order") == "desc"
	text := strings.ToLower(q.Get("q"))
	sorted := v.sortedAssets(sortBy+"|"+strconv.FormatBool(desc), func(a, b *ward.Asset) int {
		if desc {
			a, b = b, a
		}
		return cmp.Or(less(a, b), strings.Compare(a.ID, b.ID))
	})
	if f == (ward.AssetFilter{}) && !exposed && text == "" {
		return sorted, nil
	}
	out := make([]*ward.Asset, 0, len(sorted))
	for _, a := range sorted {
		if !f.Match(a, v.ReachableFromInternet(a.ID)) || exposed && v.ReachableFromInternet(a.ID) == "" {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(a.ID+" "+a.Name+" "+a.Vendor+" "+a.Product), text) {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

func findAsset(m *ward.Model, id string) int {
	return slices.IndexFunc(m.Assets, func(a ward.Asset) bool { return a.ID == id })
}

var userNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

type UserInput struct {
	Name        *string            `json:"name"`
	Password    *string            `json:"password"`
	Admin       *bool              `json:"admin"`
	Disabled    *bool              `json:"disabled"`
	Memberships *[]ward.Membership `json:"memberships"`
}

// Apply checks and applies a user input; it returns a generated password
// when one was asked for ("password": "").
func (in *UserInput) Apply(u *ward.User) (string, error) {
	var errs modelfile.Errors
	bad := func(field, format string, a ...any) {
		errs = append(errs, modelfile.Error{File: "body", Field: field, Message: fmt.Sprintf(format, a...)})
	}
	if in.Name != nil {
		if !userNameRe.MatchString(*in.Name) {
			bad("name", "%q: 2-64 lower-case letters, digits and . _ @ -", *in.Name)
		}
		u.Name = *in.Name
	}
	generated := ""
	if in.Password != nil {
		p := *in.Password
		if p == "" {
			p = NewPassword()
			generated = p
		}
		if len(p) < MinPasswordLength {
			bad("password", "at least %d characters", MinPasswordLength)
		} else {
			h, err := HashPassword(p)
			if err != nil {
				return "", err
			}
			u.PasswordHash = h
		}
	}
	if in.Admin != nil {
		u.Admin = *in.Admin
	}
	if in.Disabled != nil {
		u.Disabled = *in.Disabled
	}
	if in.Memberships != nil {
		for i, m := range *in.Memberships {
			switch {
			case m.Role == ward.RoleHub && m.Org != ward.AllOrganisations:
				bad(fmt.Sprintf("memberships[%d].org", i), "the hub role is granted on %q", ward.AllOrganisations)
			case m.Role.Rank() == 0:
				bad(fmt.Sprintf("memberships[%d].role", i), "%q: viewer, analyst, admin or hub", m.Role)
			case m.Org == "":
				bad(fmt.Sprintf("memberships[%d].org", i), "name the organisation")
			}
		}
		u.Memberships = *in.Memberships
	}
	if len(errs) > 0 {
		p := Invalid(errs)
		p.Detail = fmt.Sprintf("the user has %d problem(s)", len(errs))
		return "", p
	}
	return generated, nil
}

// Changed names the fields an update sets, for the audit log (never their
// values: a password is a secret).
func Changed(in UserInput) string {
	var f []string
	for name, set := range map[string]bool{"name": in.Name != nil, "password": in.Password != nil, "admin": in.Admin != nil,
		"disabled": in.Disabled != nil, "memberships": in.Memberships != nil} {
		if set {
			f = append(f, name)
		}
	}
	slices.Sort(f)
	return strings.Join(f, ", ")
}

// MaxTokenDays is the longest an API token lives.
const MaxTokenDays = 365

// NewToken checks and stores a token; the secret is shown once.
func (s *Server) NewToken(r *http.Request, c *Call, name string, scope ward.Scope, org string, days int) (ward.Token, string, error) {
	var errs modelfile.Errors
	if name == "" || len(name) > 100 {
		errs = append(errs, modelfile.Error{File: "body", Field: "name", Message: "name the token (up to 100 characters)"})
	}
	if scope == "" {
		scope = ward.ScopeRead
	}
	if scope != ward.ScopeRead && scope != ward.ScopeWrite {
		errs = append(errs, modelfile.Error{File: "body", Field: "scope", Message: fmt.Sprintf("%q: read or write", scope)})
	}
	if org != "" && c.User.RoleIn(org) == "" {
		errs = append(errs, modelfile.Error{File: "body", Field: "org", Message: fmt.Sprintf("you have no role in %q", org)})
	}
	if days == 0 {
		days = 90
	}
	if days < 1 || days > MaxTokenDays {
		errs = append(errs, modelfile.Error{File: "body", Field: "days", Message: fmt.Sprintf("1 to %d", MaxTokenDays)})
	}
	if len(errs) > 0 {
		p := Invalid(errs)
		p.Detail = fmt.Sprintf("the token has %d problem(s)", len(errs))
		return ward.Token{}, "", p
	}
	id := Secret(6)
	value := "ward_" + id + "_" + Secret(32)
	now := s.Cfg.Now().UTC()
	t := ward.Token{ID: id, UserID: c.User.ID, Name: name, Hash: Digest(value), Scope: scope, Org: org, Created: now, Expires: now.AddDate(0, 0, days)}
	if err := s.Cfg.Store.PutToken(s.Audited(r.Context(), c, "token.create", name, fmt.Sprintf("scope %s, %d days", scope, days)), t); err != nil {
		return t, "", err
	}
	return t, value, nil
}

// ByPerson refuses token management to tokens: a leaked token must not
// mint or revoke others.
func ByPerson(c *Call) error {
	if c.Token != nil {
		return Fail(http.StatusForbidden, "a token cannot make or revoke tokens: sign in")
	}
	return nil
}
