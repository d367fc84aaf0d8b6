package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

// The pages for access: one's own API tokens, and the users (for Ward
// administrators). They write through the same checks as the API
// (newToken, userInput.apply) and record every write in the audit log as
// the API does, under the same action names.

// tokensPage lists the signed-in user's tokens and offers to make one.
type tokensPage struct {
	Tokens []ward.Token
	Orgs   []ward.Organisation
	// Created and Secret are the token just made: the secret is shown
	// this once, the store keeps only its hash.
	Created *ward.Token
	Secret  string
	Errors  modelfile.Errors
	Form    tokenForm
	MaxDays int
	// ByToken: the page was reached with a token, which cannot make
	// tokens.
	ByToken bool
}

type tokenForm struct {
	Name, Scope, Org string
	Days             int
}

func (s *Server) tokensPage(r *http.Request, c *call) (tokensPage, error) {
	p := tokensPage{Form: tokenForm{Scope: string(ward.ScopeRead), Days: 90}, MaxDays: MaxTokenDays, ByToken: c.token != nil}
	var err error
	if p.Tokens, err = s.cfg.Store.Tokens(r.Context(), c.user.ID); err != nil {
		return p, err
	}
	slices.SortStableFunc(p.Tokens, func(a, b ward.Token) int { return b.Created.Compare(a.Created) })
	if p.Orgs, err = s.visible(r, c); err != nil {
		return p, err
	}
	return p, nil
}

func (s *Server) webTokens(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.tokensPage(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "tokens.html", "API tokens", p)
}

func (s *Server) webCreateToken(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := byPerson(c); err != nil {
		return err
	}
	f := tokenForm{Name: strings.TrimSpace(r.PostFormValue("name")), Scope: r.PostFormValue("scope"), Org: r.PostFormValue("org")}
	days := r.PostFormValue("days")
	if days != "" {
		n, err := strconv.Atoi(days)
		if err != nil {
			n = -1 // newToken says what is allowed
		}
		f.Days = n
	}
	t, value, err := s.newToken(r, c, f.Name, ward.Scope(f.Scope), f.Org, f.Days)
	p, perr := s.tokensPage(r, c)
	if perr != nil {
		return perr
	}
	if err != nil {
		pr, ok := asProblem(err)
		if !ok || len(pr.Errors) == 0 {
			return err
		}
		if f.Days == 0 {
			f.Days = p.Form.Days // the default newToken used
		}
		p.Errors, p.Form = pr.Errors, f
		return s.render(w, r, c, http.StatusUnprocessableEntity, "tokens.html", "API tokens", p)
	}
	p.Created, p.Secret = &t, value
	return s.render(w, r, c, http.StatusOK, "tokens.html", "API tokens", p)
}

func (s *Server) webRevokeToken(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := byPerson(c); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.cfg.Store.DeleteToken(s.audited(r.Context(), c, "token.delete", id, ""), c.user.ID, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/tokens", http.StatusSeeOther)
	return nil
}

// usersPage lists every user and offers to add one.
type usersPage struct {
	Users []ward.User
	Orgs  []ward.Organisation
	// Created and Password are the user just added: the generated
	// password is shown this once.
	Created  *ward.User
	Password string
	Errors   modelfile.Errors
	Form     userForm
	Roles    []ward.Role
}

type userForm struct {
	Name, Org string
	Role      ward.Role
	Admin     bool
}

func (s *Server) usersPage(r *http.Request) (usersPage, error) {
	p := usersPage{Form: userForm{Role: ward.RoleViewer}, Roles: []ward.Role{ward.RoleViewer, ward.RoleAnalyst, ward.RoleAdmin, ward.RoleHub}}
	var err error
	if p.Users, err = s.cfg.Store.Users(r.Context()); err != nil {
		return p, err
	}
	slices.SortFunc(p.Users, func(a, b ward.User) int { return strings.Compare(a.Name, b.Name) })
	if p.Orgs, err = s.cfg.Store.Organisations(r.Context()); err != nil {
		return p, err
	}
	if len(p.Orgs) > 0 {
		// A new user is most often someone of the hospital: its first
		// organisation is offered, "no organisation" stays a choice.
		p.Form.Org = p.Orgs[0].ID
	}
	return p, nil
}

func (s *Server) webUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := s.usersPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "users.html", "Users", p)
}

// webCreateUser adds a user with a generated password and, when the form
// names one, a role in an organisation (the hub role on all of them).
func (s *Server) webCreateUser(w http.ResponseWriter, r *http.Request, c *call) error {
	f := userForm{Name: strings.TrimSpace(r.PostFormValue("name")), Org: r.PostFormValue("org"),
		Role: ward.Role(r.PostFormValue("role")), Admin: r.PostFormValue("admin") == "true"}
	generate := ""
	ms := []ward.Membership{}
	if f.Role == ward.RoleHub {
		ms = append(ms, ward.Membership{Org: ward.AllOrganisations, Role: ward.RoleHub})
	} else if f.Org != "" {
		ms = append(ms, ward.Membership{Org: f.Org, Role: f.Role})
	}
	in := userInput{Name: &f.Name, Password: &generate, Admin: &f.Admin, Memberships: &ms}
	u := ward.User{ID: "u-" + secret(9), Created: s.cfg.Now().UTC(), Memberships: []ward.Membership{}}
	p, err := s.usersPage(r)
	if err != nil {
		return err
	}
	rejected := func(errs modelfile.Errors) error {
		p.Errors, p.Form = errs, f
		return s.render(w, r, c, http.StatusUnprocessableEntity, "users.html", "Users", p)
	}
	password, err := in.apply(&u)
	if err == nil {
		err = s.cfg.Store.PutUser(s.audited(r.Context(), c, "user.create", u.Name, ""), u)
	}
	if errors.Is(err, ward.ErrExists) {
		return rejected(modelfile.Errors{{File: "form", Field: "name", Message: "a user named " + f.Name + " exists already"}})
	}
	if pr, ok := asProblem(err); err != nil && ok && len(pr.Errors) > 0 {
		return rejected(pr.Errors)
	}
	if err != nil {
		return err
	}
	p.Users = append(p.Users, u)
	slices.SortFunc(p.Users, func(a, b ward.User) int { return strings.Compare(a.Name, b.Name) })
	p.Created, p.Password = &u, password
	return s.render(w, r, c, http.StatusOK, "users.html", "Users", p)
}

func (s *Server) webUnlockUser(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := s.unlock(r, c); err != nil {
		return err
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}

// unlock clears a user's failed sign-ins and the wait they caused, for
// the owner to sign in from anywhere again.
func (s *Server) unlock(r *http.Request, c *call) (ward.User, error) {
	u, err := s.cfg.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return u, err
	}
	ctx := s.audited(r.Context(), c, "user.unlock", u.Name, fmt.Sprintf("%d failed sign-ins cleared", u.FailedLogins))
	if err := s.cfg.Store.LoginSucceeded(ctx, u.ID); err != nil {
		return u, err
	}
	u.FailedLogins, u.LockedUntil = 0, time.Time{}
	return u, nil
}

func (s *Server) webDisableUser(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.setDisabled(w, r, c, true)
}

func (s *Server) webEnableUser(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.setDisabled(w, r, c, false)
}

// setDisabled disables or enables an account as the API's update does:
// disabling signs it out everywhere. Administrators cannot disable
// themselves, so that Ward is never left without one by mistake.
func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, c *call, disabled bool) error {
	id := r.PathValue("id")
	if disabled && id == c.user.ID {
		return fail(http.StatusConflict, "you cannot disable yourself")
	}
	u, err := s.cfg.Store.User(r.Context(), id)
	if err != nil {
		return err
	}
	in := userInput{Disabled: &disabled}
	if _, err := in.apply(&u); err != nil {
		return err
	}
	if err := s.cfg.Store.PutUser(s.audited(r.Context(), c, "user.update", u.Name, changed(in)), u); err != nil {
		return err
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}
