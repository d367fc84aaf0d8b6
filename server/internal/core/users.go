package core

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wardhealth/ward"
)

// Unlock clears a user's failed sign-ins and the wait they caused, for
// the owner to sign in from anywhere again.
func (s *Server) Unlock(r *http.Request, c *Call) (ward.User, error) {
	u, err := s.Cfg.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return u, err
	}
	ctx := s.Audited(r.Context(), c, "user.unlock", u.Name, fmt.Sprintf("%d failed sign-ins cleared", u.FailedLogins))
	if err := s.Cfg.Store.LoginSucceeded(ctx, u.ID); err != nil {
		return u, err
	}
	u.FailedLogins, u.LockedUntil = 0, time.Time{}
	return u, nil
}
