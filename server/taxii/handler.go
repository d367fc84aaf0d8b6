// Package taxii is Ward's TAXII 2.1 server under /taxii2/: discovery, the
// API root, collections and their objects, manifests, versions and
// status, with TLP markings enforced per reader. It answers in the media
// types of TAXII 2.1 and with its error resources rather than the API's
// problems; tokens and HTTP Basic credentials come from the shared core.
package taxii

import (
	"golang.org/x/sync/singleflight"

	"github.com/wardhealth/ward/server/internal/core"
)

// handler serves the TAXII routes on the shared server.
type handler struct {
	*core.Server
	// routes lists the TAXII routes, so that a path with the wrong
	// method is told which ones it has.
	routes []string
	// pages keeps recent pages of objects (64 MiB at most).
	pages *core.LRU[*recordedPage]
	// pageFlight makes callers who miss the same page at once wait for
	// one of them to read it, rather than each read the collection.
	pageFlight singleflight.Group
}

// Register adds the TAXII routes to s.
func Register(s *core.Server) {
	h := &handler{Server: s, pages: core.NewLRU(64<<20, func(p *recordedPage) int { return len(p.body) })}
	h.registerTAXII()
}
