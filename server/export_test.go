package server

import (
	"strings"

	"github.com/wardhealth/ward/server/internal/core"
)

// RouteInfo is a route as tests see it.
type RouteInfo struct {
	Method, Pattern, Access string
}

// APIRoutes lists the API routes of a route table.
func APIRoutes(rs []core.Route) []RouteInfo {
	var out []RouteInfo
	for _, r := range rs {
		if !r.Page && strings.HasPrefix(r.Pattern, "/api/v1/") {
			out = append(out, RouteInfo{r.Method, r.Pattern, r.Access.String()})
		}
	}
	return out
}
