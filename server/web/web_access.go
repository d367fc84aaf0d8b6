package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/server/internal/core"
)

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

func (s *handler) tokensPage(r *http.Request, c *core.Call) (tokensPage, error) {
	p := tokensPage{Form: tokenForm{Scope: string(ward.ScopeRead), Days: 90}, MaxDays: core.MaxTokenDays, ByToken: c.Token != nil}
	var err error
	if p.Tokens, err = s.Cfg.Store.Tokens(r.Context(), c.User.ID); err != nil {
		return p, err
	}
	slices.SortStableFunc(p.Tokens, func(a, b ward.Token) int { return b.Created.Compare(a.Created) })
	if p.Orgs, err = s.Visible(r, c); err != nil {
		return p, err
	}
	return p, nil
}

func (s *handler) webTokens(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	p, err := s.tokensPage(r, c)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "tokens.html", "API tokens", p)
}

func (s *handler) webCreateToken(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := core.ByPerson(c); err != nil {
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
	t, value, err := s.NewToken(r, c, f.Name, ward.Scope(f.Scope), f.Org, f.Days)
	p, perr := s.tokensPage(r, c)
	if perr != nil {
		return perr
	}
	if err != nil {
		pr, ok := core.AsProblem(err)
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

func (s *handler) webRevokeToken(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if err := core.ByPerson(c); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.Cfg.Store.DeleteToken(s.Audited(r.Context(), c, "token.delete", id, ""), c.User.ID, id); err != nil {
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

func (s *handler) usersPage(r *http.Request) (usersPage, error) {
	p := usersPage{Form: userForm{Role: ward.RoleViewer}, Roles: []ward.Role{ward.RoleViewer, ward.RoleAnalyst, ward.RoleAdmin, ward.RoleHub}}
	var err error
	if p.Users, err = s.Cfg.Store.Users(r.Context()); err != nil {
		return p, err
	}
	slices.SortFunc(p.Users, func(a, b ward.User) int { return strings.Compare(a.Name, b.Name) })
	if p.Orgs, err = s.Cfg.Store.Organisations(r.Context()); err != nil {
		return p, err
	}
	if len(p.Orgs) > 0 {
		// A new user is most often someone of the hospital: its first
		// organisation is offered, "no organisation" stays a choice.
		p.Form.Org = p.Orgs[0].ID
	}
	return p, nil
}

func (s *handler) webUsers(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	p, err := s.usersPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, c, http.StatusOK, "users.html", "Users", p)
}

// webCreateUser adds a user with a generated password and, when the form
// names one, a role in an organisation (the hub role on all of them).
func (s *handler) webCreateUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	f := userForm{Name: strings.TrimSpace(r.PostFormValue("name")), Org: r.PostFormValue("org"),
		Role: ward.Role(r.PostFormValue("role")), Admin: r.PostFormValue("admin") == "true"}
	generate := ""
	ms := []ward.Membership{}
	if f.Role == ward.RoleHub {
		ms = append(ms, ward.Membership{Org: ward.AllOrganisations, Role: ward.RoleHub})
	} else if f.Org != "" {
		ms = append(ms, ward.Membership{Org: f.Org, Role: f.Role})
	}
	in := core.UserInput{Name: &f.Name, Password: &generate, Admin: &f.Admin, Memberships: &ms}
	u := ward.User{ID: "u-" + core.Secret(9), Created: s.Cfg.Now().UTC(), Memberships: []ward.Membership{}}
	p, err := s.usersPage(r)
	if err != nil {
		return err
	}
	rejected := func(errs modelfile.Errors) error {
		p.Errors, p.Form = errs, f
		return s.render(w, r, c, http.StatusUnprocessableEntity, "users.html", "Users", p)
	}
	password, err := in.Apply(&u)
	if err == nil {
		err = s.Cfg.Store.PutUser(s.Audited(r.Context(), c, "user.create", u.Name, ""), u)
	}
	if errors.Is(err, ward.ErrExists) {
		return rejected(modelfile.Errors{{File: "form", Field: "name", Message: "a user named " + f.Name + " exists already"}})
	}
	if pr, ok := core.AsProblem(err); err != nil && ok && len(pr.Errors) > 0 {
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

func (s *handler) webUnlockUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	if _, err := s.Unlock(r, c); err != nil {
		return err
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}

func (s *handler) webDisableUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.setDisabled(w, r, c, true)
}

func (s *handler) webEnableUser(w http.ResponseWriter, r *http.Request, c *core.Call) error {
	return s.setDisabled(w, r, c, false)
}

// setDisabled disables or enables an account as the API's update does:
// disabling signs it out everywhere. Administrators cannot disable
// themselves, so that Ward is never left without one by mistake.
func (s *handler) setDisabled(w http.ResponseWriter, r *http.Request, c *core.Call, disabled bool) error {
	id := r.PathValue("id")
	if disabled && id == c.User.ID {
		return core.Fail(http.StatusConflict, "you cannot disable yourself")
	}
	u, err := s.Cfg.Store.User(r.Context(), id)
	if err != nil {
		return err
	}
	in := core.UserInput{Disabled: &disabled}
	if _, err := in.Apply(&u); err != nil {
		return err
	}
	if err := s.Cfg.Store.PutUser(s.Audited(r.Context(), c, "user.update", u.Name, core.Changed(in)), u); err != nil {
		return err
	}
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}
