package core

import (
	"slices"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/share"
)

// OrgsOf lists the organisations a user acts for as a member: a hub's
// view of every organisation makes it no member of theirs, so it does not
// receive their RED objects.
func OrgsOf(u *ward.User) []string {
	var out []string
	for _, m := range u.Memberships {
		if m.Role != ward.RoleHub {
			out = append(out, m.Org)
		}
	}
	return out
}

// Visible drops what the caller may not receive: RED and AMBER+STRICT
// objects go back only to the organisation that added them.
func Visible(objs []ward.SharedObject, c *Call) []ward.SharedObject {
	orgs := OrgsOf(&c.User)
	out := objs[:0:0]
	for _, o := range objs {
		if (o.TLP == string(share.Red) || o.TLP == string(share.AmberStrict)) && !c.User.Admin && !slices.Contains(orgs, o.Org) {
			continue
		}
		out = append(out, o)
	}
	return out
}
