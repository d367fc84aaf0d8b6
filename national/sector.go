package national

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/internal/parallel"
)

// Member is one organisation as the hub sees it: what it shares.
type Member struct {
	Org   ward.Organisation `json:"organisation"`
	Level ward.ShareLevel   `json:"level"`
	// Model is what it shares (Project); nil below ShareServices.
	Model   *ward.Model  `json:"-"`
	Summary ward.Summary `json:"summary"`
	// Ends are the end-of-support dates of its assets (TLP:RED ones
	// aside), so that the count in Summary follows the day without the
	// model being read again.
	Ends []string `json:"-"`
	ix   *index
	// prof is its assessment for the register, made when first asked
	// for and kept with the member in the cache.
	prof *profile
}

// Service is a national service: a clinical service of a hub's model,
// published under its id for hospitals' external services to bind to.
type Service struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Hub       string `json:"hub"`
	MaxOutage string `json:"max_outage"`
	// Bound lists the organisations with an asset bound to it.
	Bound []string `json:"bound"`
}

// Sector is the hub's joined view: its national services and the members'
// shared models bound to them.
type Sector struct {
	Hubs     []*ward.Model `json:"-"`
	Services []Service     `json:"national_services"`
	Members  []Member      `json:"members"`
	service  map[string]int
}

// IsHub tells whether an organisation runs national services: a health
// authority or a CSIRT.
func IsHub(o ward.Organisation) bool { return o.Kind == "health-authority" || o.Kind == "csirt" }

// Join binds the members' external services to the hubs' national
// services. Every binding must name a service a hub publishes: an unknown
// id is an error naming the asset, with the closest id as a hint.
func Join(hubs []*ward.Model, members []Member) (*Sector, error) {
	s := &Sector{Hubs: hubs, Members: members, Services: []Service{}, service: map[string]int{}}
	var errs []error
	for _, h := range hubs {
		for _, sv := range h.Services {
			if prev, dup := s.service[sv.ID]; dup {
				errs = append(errs, fmt.Errorf("national service %q is published by both %s and %s: ids must be unique across hubs", sv.ID, s.Services[prev].Hub, h.Organisation.ID))
				continue
			}
			s.service[sv.ID] = len(s.Services)
			s.Services = append(s.Services, Service{ID: sv.ID, Name: cmp.Or(sv.Name, sv.ID), Hub: h.Organisation.ID, MaxOutage: sv.MaxOutage.String(), Bound: []string{}})
		}
	}
	ids := make([]string, len(s.Services))
	for i, sv := range s.Services {
		ids[i] = sv.ID
	}
	for _, m := range members {
		if m.Model == nil {
			continue
		}
		bound := map[string]bool{}
		for i := range m.Model.Assets {
			a := &m.Model.Assets[i]
			if a.National == "" {
				continue
			}
			k, ok := s.service[a.National]
			if !ok {
				hint := "the hub publishes no national services yet"
				if c := ward.Closest(a.National, ids); c != "" {
					hint = fmt.Sprintf("did you mean %q?", c)
				} else if len(ids) > 0 {
					hint = "the hub publishes " + strings.Join(ids, ", ")
				}
				errs = append(errs, fmt.Errorf("%s: assets[%d] (%s): national: unknown national service %q (%s)", m.Org.ID, i, a.ID, a.National, hint))
				continue
			}
			if !bound[a.National] {
				bound[a.National] = true
				s.Services[k].Bound = append(s.Services[k].Bound, m.Org.ID)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &BindingError{err}
	}
	return s, nil
}

// BindingError is a join that failed: a binding to a national service no
// hub publishes, or one id published twice. It is the input's fault, not
// the store's.
type BindingError struct{ Err error }

func (e *BindingError) Error() string { return e.Err.Error() }
func (e *BindingError) Unwrap() error { return e.Err }

// Reader is what Load needs of a store.
type Reader interface {
	Organisations(ctx context.Context) ([]ward.Organisation, error)
	Model(ctx context.Context, org string) (*ward.Model, error)
	ward.NationalStore
}

// Cache keeps what Load read, by organisation, revision and share level,
// so that a hub's server reads again only the models that changed.
// Reads served from it are audited as any other. Safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[string]cached
	// orgs is the list of organisations as it was at revs.
	orgs []ward.Organisation
	revs map[string]int64
	// audits gathers the audit entries of reads arriving together.
	audits auditBatch
	// read is when each reading of a share was last audited
	// (ReadAuditWindow).
	readMu sync.Mutex
	read   map[shareRead]time.Time
}

// ReadAuditWindow is how long one reading of a share is one audit entry:
// the same reader (name, token, address), for the same purpose, of the
// same share (organisation, level, revision) within it is in the log
// once, at its first read. A hub's pages are read over and over (a
// dashboard left open, twenty analysts at once), each read touching
// every hospital that shares: an entry per hospital per page view made a
// hospital's log thousands of identical lines a day and the hub's pages
// wait on writing them. Who read what, from where, why and when first in
// each hour is all kept; any other reader, purpose, address, or a new
// revision of the share is a new entry.
const ReadAuditWindow = time.Hour

// shareRead is one reading of a share, as the audit log tells it.
type shareRead struct {
	actor, remote, detail, org string
	level                      ward.ShareLevel
	rev                        int64
}

// unaudited keeps the entries whose reading was not audited within the
// window before their time, and remembers them as audited at it; kept
// are their readings.
func (c *Cache) unaudited(entries []ward.AuditEntry, keys []shareRead) (out []ward.AuditEntry, kept []shareRead) {
	if c == nil {
		return entries, nil
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.read == nil {
		c.read = map[shareRead]time.Time{}
	}
	for i, e := range entries {
		if last, ok := c.read[keys[i]]; ok && !e.Time.Before(last) && e.Time.Sub(last) < ReadAuditWindow {
			continue
		}
		c.read[keys[i]] = e.Time
		out = append(out, e)
		kept = append(kept, keys[i])
	}
	if len(c.read) > 100_000 && len(entries) > 0 {
		// Readings past the window are forgotten: they would be
		// audited again anyway.
		cutoff := entries[0].Time.Add(-ReadAuditWindow)
		for k, t := range c.read {
			if t.Before(cutoff) {
				delete(c.read, k)
			}
		}
	}
	return out, kept
}

// forgetReads undoes unaudited for readings whose entries could not be
// written, so that the next read audits them again.
func (c *Cache) forgetReads(keys []shareRead) {
	if c == nil {
		return
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	for _, k := range keys {
		delete(c.read, k)
	}
}

// Organisations lists the stored organisations as st.Organisations does,
// from the cache while no organisation's revision changed (a model
// written, an organisation added or removed): one small query rather than
// every organisation's document decoded, for pages that list them.
func (c *Cache) Organisations(ctx context.Context, st interface {
	Organisations(ctx context.Context) ([]ward.Organisation, error)
	Revisions(ctx context.Context) (map[string]int64, error)
}) ([]ward.Organisation, error) {
	orgs, _, err := c.organisations(ctx, st)
	return orgs, err
}

func (c *Cache) organisations(ctx context.Context, st interface {
	Organisations(ctx context.Context) ([]ward.Organisation, error)
	Revisions(ctx context.Context) (map[string]int64, error)
}) ([]ward.Organisation, map[string]int64, error) {
	revs, err := st.Revisions(ctx)
	if err != nil {
		return nil, nil, err
	}
	orgs, ok := c.orgsAt(revs)
	if !ok {
		if orgs, err = st.Organisations(ctx); err != nil {
			return nil, nil, err
		}
		c.putOrgs(revs, orgs)
	}
	return orgs, revs, nil
}

func (c *Cache) orgsAt(revs map[string]int64) ([]ward.Organisation, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.revs == nil || len(c.revs) != len(revs) {
		return nil, false
	}
	for k, v := range revs {
		if w, ok := c.revs[k]; !ok || w != v {
			return nil, false
		}
	}
	return c.orgs, true
}

func (c *Cache) putOrgs(revs map[string]int64, orgs []ward.Organisation) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.orgs, c.revs = orgs, revs
}

// appendAudits writes the entries before the caller reads anything. The
// entries of callers arriving while a write is under way are written
// together by one of them, in one transaction, after it: each caller
// returns once its own entries are stored (or with the error that kept
// them out). A hub's pages are read by many at once, each read an entry
// per hospital, and one transaction for many is what keeps that cheap.
func (c *Cache) appendAudits(ctx context.Context, st ward.NationalStore, entries []ward.AuditEntry) error {
	if c == nil {
		return st.AppendAudits(ctx, entries)
	}
	return c.audits.append(ctx, st, entries)
}

type auditBatch struct {
	mu      sync.Mutex
	pending []*auditRequest
	writing bool
}

type auditRequest struct {
	entries []ward.AuditEntry
	done    chan error
	// lead tells a waiting caller that it writes the next batch.
	lead chan struct{}
}

// append writes the caller's entries with those of the callers waiting.
// One caller writes at a time; it writes every entry pending, its own
// among them, and hands the writing on to the first caller that came
// meanwhile, so that no caller writes for others for long. A caller
// waits for its entries whatever its context says: they are on their way,
// and a read must not go on without them.
func (b *auditBatch) append(ctx context.Context, st ward.NationalStore, entries []ward.AuditEntry) error {
	req := &auditRequest{entries: entries, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, req)
	if b.writing {
		b.mu.Unlock()
		select {
		case err := <-req.done:
			return err
		case <-req.lead:
		}
		b.mu.Lock()
	}
	b.writing = true
	batch := b.pending
	b.pending = nil
	b.mu.Unlock()
	var all []ward.AuditEntry
	for _, r := range batch {
		all = append(all, r.entries...)
	}
	err := st.AppendAudits(context.WithoutCancel(ctx), all)
	for _, r := range batch {
		r.done <- err
	}
	b.mu.Lock()
	if len(b.pending) > 0 {
		b.pending[0].lead <- struct{}{}
	} else {
		b.writing = false
	}
	b.mu.Unlock()
	return <-req.done
}

type cached struct {
	rev    int64
	level  ward.ShareLevel
	member Member
	hub    *ward.Model
}

// NewCache makes an empty cache.
func NewCache() *Cache { return &Cache{m: map[string]cached{}} }

func (c *Cache) get(org string, rev int64, level ward.ShareLevel) (cached, bool) {
	if c == nil {
		return cached{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	x, ok := c.m[org]
	return x, ok && x.rev == rev && x.level == level
}

func (c *Cache) put(org string, x cached) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[org] = x
}

// forget drops the organisations not in keep.
func (c *Cache) forget(keep map[string]bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for org := range c.m {
		if !keep[org] {
			delete(c.m, org)
		}
	}
}

// Load reads the sector from a store: the hubs' own models in full and
// each other organisation's model at the level it shares. Every read of an
// organisation's model is in the audit log first (action
// "national.read", one entry per organisation, each a copy of audit with
// the organisation and the level filled in): no entry, no read; with a
// cache, the same reading within ReadAuditWindow is the one entry. A cache
// (nil for none) spares reading again the models that did not change.
func Load(ctx context.Context, st Reader, audit ward.AuditEntry, today string, cache *Cache) (*Sector, error) {
	rd, err := Open(ctx, st, audit, cache)
	if err != nil {
		return nil, err
	}
	return rd.Load(ctx, st, today, cache)
}

// Reads is what a Load reads, recorded in the audit log before it reads
// it: the hubs, the organisations that share and at which level, and the
// revisions of their models.
type Reads struct {
	hubOrgs, memberOrgs []ward.Organisation
	level               map[string]ward.ShareLevel
	revs                map[string]int64
}

// Open audits the reads of a Load (one entry "national.read" per
// organisation whose share it reads, once per ReadAuditWindow with a
// cache) and says what they are, without
// reading a share yet: a server that keeps results by Fingerprint serves
// them without reading anything more, each request audited all the same.
// A cache (nil for none) keeps the list of organisations while no model
// changes, and writes the audit entries of reads arriving together in
// one transaction.
func Open(ctx context.Context, st Reader, audit ward.AuditEntry, cache *Cache) (*Reads, error) {
	orgs, revs, err := cache.organisations(ctx, st)
	if err != nil {
		return nil, err
	}
	settings, err := st.NationalSharings(ctx)
	if err != nil {
		return nil, err
	}
	rd := &Reads{level: map[string]ward.ShareLevel{}, revs: revs}
	for _, s := range settings {
		rd.level[s.Org] = s.Level
	}
	var entries []ward.AuditEntry
	var keys []shareRead
	for _, o := range orgs {
		switch {
		case IsHub(o):
			rd.hubOrgs = append(rd.hubOrgs, o)
		case rd.level[o.ID].Rank() >= ward.ShareCounts.Rank():
			rd.memberOrgs = append(rd.memberOrgs, o)
			e := audit
			e.Action, e.Org, e.Target = "national.read", o.ID, string(rd.level[o.ID])
			entries = append(entries, e)
			keys = append(keys, shareRead{actor: e.Actor, remote: e.Remote, detail: e.Detail, org: o.ID, level: rd.level[o.ID], rev: revs[o.ID]})
		}
	}
	fresh, kept := cache.unaudited(entries, keys)
	if len(fresh) == 0 {
		return rd, nil
	}
	if err := cache.appendAudits(ctx, st, fresh); err != nil {
		cache.forgetReads(kept)
		return nil, fmt.Errorf("audit the hub's reads: %w", err)
	}
	return rd, nil
}

// Fingerprint names the state of what the reads see: every hub and
// member with its level and revision. Two reads with the same
// fingerprint load the same sector.
func (rd *Reads) Fingerprint() string {
	h := sha256.New()
	for _, o := range rd.hubOrgs {
		fmt.Fprintf(h, "hub %s %d\n", o.ID, rd.revs[o.ID])
	}
	for _, o := range rd.memberOrgs {
		fmt.Fprintf(h, "%s %s %d\n", o.ID, rd.level[o.ID], rd.revs[o.ID])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Load reads the shares Open audited (from the cache, the stored
// shares, or the models) and joins them.
func (rd *Reads) Load(ctx context.Context, st Reader, today string, cache *Cache) (*Sector, error) {
	hubOrgs, memberOrgs, level, revs := rd.hubOrgs, rd.memberOrgs, rd.level, rd.revs
	keep := map[string]bool{}
	for _, o := range hubOrgs {
		keep[o.ID] = true
	}
	for _, o := range memberOrgs {
		keep[o.ID] = true
	}
	cache.forget(keep)
	hubs := make([]*ward.Model, len(hubOrgs))
	members := make([]Member, len(memberOrgs))
	// Models are read by a few workers at once: a store serves several
	// readers, and decoding is most of the cost.
	type job struct {
		i   int
		hub bool
	}
	jobs := make(chan job)
	var wg parallel.Group
	var mu sync.Mutex
	var errs []error
	for range 4 {
		wg.Go(func() {
			for j := range jobs {
				org := memberOrgs
				if j.hub {
					org = hubOrgs
				}
				id := org[j.i].ID
				l := level[id]
				if j.hub {
					l = ward.ShareFull
				}
				rev := revs[id]
				if x, ok := cache.get(id, rev, l); ok {
					if j.hub {
						hubs[j.i] = x.hub
					} else {
						members[j.i] = x.member
						members[j.i].on(today)
					}
					continue
				}
				if !j.hub {
					if mem, ok := snapshot(ctx, st, id, rev, l); ok {
						members[j.i] = mem
						members[j.i].on(today)
						cache.put(id, cached{rev: rev, level: l, member: mem})
						continue
					}
				}
				m, err := st.Model(ctx, id)
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s: %w", id, err))
					mu.Unlock()
					continue
				}
				if j.hub {
					hubs[j.i] = m
					cache.put(id, cached{rev: rev, level: l, hub: m})
					continue
				}
				members[j.i] = newMember(m, l)
				putSnapshot(ctx, st, &members[j.i], rev)
				members[j.i].on(today)
				cache.put(id, cached{rev: rev, level: l, member: members[j.i]})
			}
		})
	}
	for i := range hubOrgs {
		jobs <- job{i, true}
	}
	for i := range memberOrgs {
		jobs <- job{i, false}
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return Join(hubs, members)
}

// Today is the date Load counts end of support by.
func Today(now time.Time) string { return now.UTC().Format(time.DateOnly) }

// Provider kinds: what an asset's failure is shared through.
const (
	KindNational = "national" // a national service a hub publishes
	KindCloud    = "cloud"    // a cloud provider
	KindTelecom  = "telecom"  // a telecom carrier's uplink
	KindRemote   = "remote"   // a vendor's remote-access service
	KindVendor   = "vendor"   // another external service's provider
	KindDevice   = "device"   // a medical device model (vendor, product, model)
)

// Slug is the key form of a vendor's name: lower case, runs of other
// characters as one "-".
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

// Providers are the shared providers an asset depends on being up, as
// keys "kind:vendor" (national:erx, cloud:microsoft, telecom:dt-carrier,
// remote:philips, vendor:lab-partner), the vendor by intel.VendorKey so
// that the names hospitals give one provider count as one: a national
// service it binds to;
// the vendor of a cloud service (kind cloud-service or in a zone of kind
// cloud); the vendor of a network device in a zone of kind internet or
// tagged "uplink" (the carrier); the vendor of an asset in a zone of kind
// vendor-remote; the vendor of any other external service.
func Providers(a *ward.Asset, zone ward.ZoneKind) []string {
	var out []string
	if a.National != "" {
		out = append(out, KindNational+":"+a.National)
	}
	v := intel.VendorKey(a.Vendor)
	if v == "" {
		return out
	}
	k, _ := ward.LookupKind(a.Kind)
	switch {
	case a.Kind == "cloud-service" || zone == "cloud":
		out = append(out, KindCloud+":"+v)
	case k.Category == ward.CategoryNetwork && (zone == "internet" || slices.Contains(a.Tags, "uplink")):
		out = append(out, KindTelecom+":"+v)
	case zone == "vendor-remote":
		out = append(out, KindRemote+":"+v)
	case a.Kind == "external-service" && a.National == "":
		out = append(out, KindVendor+":"+v)
	}
	return out
}

// DeviceKey is a medical device's model as a key ("device:vendor/product/
// model"), or "" for other assets and devices without vendor and product.
func DeviceKey(a *ward.Asset) string {
	k, _ := ward.LookupKind(a.Kind)
	if k.Category != ward.CategoryMedicalDevice || a.Vendor == "" || a.Product == "" {
		return ""
	}
	key := KindDevice + ":" + intel.VendorKey(a.Vendor) + "/" + Slug(a.Product)
	if a.Model != "" {
		key += "/" + Slug(a.Model)
	}
	return key
}

// zoneKinds maps a model's zone ids to their kinds.
func zoneKinds(m *ward.Model) map[string]ward.ZoneKind {
	z := make(map[string]ward.ZoneKind, len(m.Zones))
	for _, x := range m.Zones {
		z[x.ID] = x.Kind
	}
	return z
}

// index is, per model, which assets each provider key names, and a
// display name per key.
type index struct {
	assets map[string][]string // key -> asset ids
	names  map[string]string   // key -> the first vendor (or service) named
}

func indexModel(m *ward.Model) *index {
	zk := zoneKinds(m)
	ix := &index{assets: map[string][]string{}, names: map[string]string{}}
	for i := range m.Assets {
		a := &m.Assets[i]
		for _, k := range Providers(a, zk[a.Zone]) {
			ix.assets[k] = append(ix.assets[k], a.ID)
			if _, ok := ix.names[k]; !ok {
				ix.names[k] = cmp.Or(a.Vendor, a.National)
			}
		}
	}
	return ix
}

// indexOf is a member's index, made once (Load makes it, and the cache
// keeps it with the member).
func (m *Member) indexOf() *index {
	if m.ix == nil {
		m.ix = indexModel(m.Model)
	}
	return m.ix
}

// sortedKeys returns a map's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// newMember is what an organisation shares at a level.
func newMember(m *ward.Model, level ward.ShareLevel) Member {
	mem := Member{Org: Project(m, ward.ShareServices).Organisation, Level: level, Model: Project(m, level), Summary: Counts(m, ""), prof: &profile{}}
	for i := range m.Assets {
		if a := &m.Assets[i]; a.EndOfSupport != "" && !Red(a) {
			mem.Ends = append(mem.Ends, string(a.EndOfSupport))
		}
	}
	if mem.Model != nil {
		mem.indexOf()
	}
	return mem
}

// on counts the member's assets past their end of support on a day.
func (m *Member) on(today string) {
	m.Summary.EndOfSupport = 0
	for _, d := range m.Ends {
		if d <= today {
			m.Summary.EndOfSupport++
		}
	}
}

// Reshare makes again what the organisations of the models share with
// the hub, right after they are written (ward import, the API), so that
// the national view reads the shares and not the models: the cost of a
// share is paid once, by the write that changes it, and the first what-if
// after a sector-wide import costs what any other does. Models of hubs
// and of organisations sharing nothing are left alone. Writing a share is
// derived data with no audit entry of its own (the write is audited, and
// every read of the share is); a share that cannot be written is only a
// lost shortcut, read again from the model by the next what-if.
//
// revs are the revisions the models were written at (the store's
// Revision right after each write): a share is labelled with the
// revision of the model it was made from, or not made.
func Reshare(ctx context.Context, st Reader, models []*ward.Model, revs map[string]int64) error {
	settings, err := st.NationalSharings(ctx)
	if err != nil {
		return err
	}
	level := map[string]ward.ShareLevel{}
	for _, s := range settings {
		level[s.Org] = s.Level
	}
	var todo []*ward.Model
	for _, m := range models {
		if !IsHub(m.Organisation) && level[m.Organisation.ID].Rank() >= ward.ShareCounts.Rank() {
			todo = append(todo, m)
		}
	}
	for _, m := range todo {
		if rev, ok := revs[m.Organisation.ID]; ok {
			mem := newMember(m, level[m.Organisation.ID])
			putSnapshot(ctx, st, &mem, rev)
		}
	}
	return nil
}

// ReshareStored is Reshare for one stored organisation, when what it
// shares changed rather than its model.
func ReshareStored(ctx context.Context, st interface {
	Reader
	Revision(ctx context.Context, org string) (int64, error)
}, org string) error {
	before, err := st.Revision(ctx, org)
	if err != nil {
		return err
	}
	m, err := st.Model(ctx, org)
	if err != nil {
		return err
	}
	after, err := st.Revision(ctx, org)
	if err != nil || after != before {
		return err // written meanwhile: the next what-if reads it
	}
	return Reshare(ctx, st, []*ward.Model{m}, map[string]int64{org: before})
}

// Written is the revisions the models were written at, from the
// revisions before (Revisions) and after the write: an organisation whose
// revision moved by more than one was written by someone else too, and is
// left out (its share is made again from the model when next read).
func Written(before, after map[string]int64, models []*ward.Model) map[string]int64 {
	out := map[string]int64{}
	for _, m := range models {
		id := m.Organisation.ID
		if r, ok := after[id]; ok && r == before[id]+1 {
			out[id] = r
		}
	}
	return out
}

// snapshot is a member as its stored snapshot has it, when the snapshot
// is of this revision and level (and of this version of the format:
// older ones are read again from the model).
func snapshot(ctx context.Context, st Reader, org string, rev int64, level ward.ShareLevel) (Member, bool) {
	s, err := st.NationalSnapshot(ctx, org)
	if err != nil || s.Revision != rev || s.Level != level {
		return Member{}, false
	}
	m, err := decodeShare(s.Data)
	if err != nil || m.Org.ID != org {
		return Member{}, false
	}
	if m.Model != nil {
		m.indexOf()
	}
	m.prof = &profile{}
	return m, true
}

// putSnapshot stores a member's snapshot; a snapshot that cannot be
// stored is only a lost shortcut.
func putSnapshot(ctx context.Context, st Reader, m *Member, rev int64) {
	data, err := encodeShare(m)
	if err != nil {
		return
	}
	_ = st.PutNationalSnapshot(ctx, ward.NationalSnapshot{Org: m.Org.ID, Revision: rev, Level: m.Level, Data: data})
}
