package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/share"
)

// View is an organisation's model at one revision with its assessment, as
// the dashboard and the API show them.
type View struct {
	Model    *ward.Model
	Revision int64
	Result   *assess.Result

	// sorted keeps the assets in each order asked for: the model of a
	// revision never changes, so each order is sorted once.
	mu     sync.Mutex
	sorted map[string][]*ward.Asset
	// kept holds what the surfaces derive from the view (a map laid out,
	// pages rendered), by key: see keep.
	kept map[string]*keptValue
	// reachable is why each asset is reachable from the Internet (by id;
	// "" when not), as ward.Model.Exposure says, worked out once.
	reachable map[string]string
	// losses are the expected losses simulated, by trials and seed.
	lossMu sync.Mutex
	losses map[[2]uint64]*quantify.Result
}

// maxKept bounds the values a view keeps: past it, a value is computed
// for each request (pages differ by query, so their number is not
// bounded by the model's).
const maxKept = 160

// keptValue is one value a view keeps; done is closed once it is there.
type keptValue struct {
	done chan struct{}
	v    any
	err  error
}

// Keep returns the value kept under key, computing it once: the model of
// a revision never changes, so what is derived from it holds as long as
// the view. Each key waits on its own, so that laying out a large map
// holds up no other page; a failure is not kept.
func (v *View) Keep(key string, compute func() (any, error)) (any, error) {
	v.mu.Lock()
	if kv, ok := v.kept[key]; ok {
		v.mu.Unlock()
		<-kv.done
		return kv.v, kv.err
	}
	kv := &keptValue{done: make(chan struct{})}
	if len(v.kept) < maxKept {
		if v.kept == nil {
			v.kept = map[string]*keptValue{}
		}
		v.kept[key] = kv
	}
	v.mu.Unlock()
	kv.v, kv.err = compute()
	if kv.err != nil {
		v.mu.Lock()
		if v.kept[key] == kv {
			delete(v.kept, key)
		}
		v.mu.Unlock()
	}
	close(kv.done)
	return kv.v, kv.err
}

// ReachableFromInternet says why an asset is reachable from the Internet,
// or "": the one definition of the summary, the CLI and the assessment.
func (v *View) ReachableFromInternet(id string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.reachable == nil {
		exposure := v.Model.Exposure()
		v.reachable = make(map[string]string, len(exposure))
		for i, why := range exposure {
			if why != "" {
				v.reachable[v.Model.Assets[i].ID] = why
			}
		}
	}
	return v.reachable[id]
}

// sortedAssets returns the model's assets in an order, sorting once.
func (v *View) sortedAssets(key string, cmp func(a, b *ward.Asset) int) []*ward.Asset {
	v.mu.Lock()
	defer v.mu.Unlock()
	if out, ok := v.sorted[key]; ok {
		return out
	}
	out := make([]*ward.Asset, len(v.Model.Assets))
	for i := range v.Model.Assets {
		out[i] = &v.Model.Assets[i]
	}
	slices.SortFunc(out, cmp)
	if v.sorted == nil {
		v.sorted = map[string][]*ward.Asset{}
	}
	v.sorted[key] = out
	return out
}

// FeedStamp identifies the stored feeds (their count and newest import)
// and the shared objects (the last added).
func (s *Server) FeedStamp(ctx context.Context) (string, []ward.Feed, error) {
	feeds, err := s.Cfg.Store.Feeds(ctx)
	if err != nil {
		return "", nil, err
	}
	shared, err := s.sharedStamp(ctx)
	if err != nil {
		return "", nil, err
	}
	var newest time.Time
	for _, f := range feeds {
		if f.Imported.After(newest) {
			newest = f.Imported
		}
	}
	return fmt.Sprintf("%d@%d|%s", len(feeds), newest.UnixNano(), shared), feeds, nil
}

// Assessed returns an organisation's model and its assessment with the
// stored feeds, from the cache when nothing changed.
func (s *Server) Assessed(ctx context.Context, org string) (*View, error) {
	rev, err := s.Cfg.Store.Revision(ctx, org)
	if err != nil {
		return nil, err
	}
	stamp, feeds, err := s.FeedStamp(ctx)
	if err != nil {
		return nil, err
	}
	today := s.Cfg.Now().UTC().Format(time.DateOnly)
	seen, err := s.detectionStamp(ctx, org)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%s|%s|%s", org, rev, stamp, today, seen)
	if v, ok := s.Results.Get(key); ok {
		return v, nil
	}
	// Requests arriving together for the same revision share one run.
	v, err, _ := s.Flight.Do(key, func() (any, error) {
		return s.assess(ctx, org, rev, feeds, today, key)
	})
	if err != nil {
		return nil, err
	}
	return v.(*View), nil
}

func (s *Server) assess(ctx context.Context, org string, rev int64, feeds []ward.Feed, today, key string) (*View, error) {
	m, err := s.Cfg.Store.Model(ctx, org)
	if err != nil {
		return nil, err
	}
	// The assessment is of what exists: planned assets (candidate
	// devices, 'ward procure place') are left out, as 'ward assess' does.
	m = m.WithoutPlanned()
	opt := assess.Options{Today: today}
	if opt.Observed, err = s.observed(ctx, org); err != nil {
		return nil, err
	}
	f := &intel.Feeds{}
	if len(feeds) > 0 {
		if f, err = intel.LoadStored(ctx, s.Cfg.Store); err != nil {
			return nil, err
		}
	}
	shared, err := share.StoredAdvisories(ctx, s.Cfg.Store, org)
	if err != nil {
		return nil, err
	}
	f.Advisories = append(f.Advisories, shared...)
	if len(f.Advisories) > 0 || len(f.NVD) > 0 {
		opt.Matches = f.Matcher().Match(m.Assets)
	}
	res, err := assess.Assess(m, s.Cfg.Catalog, opt)
	if err != nil {
		return nil, fmt.Errorf("assess %s: %w", org, err)
	}
	v := &View{Model: m, Revision: rev, Result: res}
	s.Results.Put(key, v)
	return v, nil
}

// sharedStamp identifies what the collections hold: the generation of
// each.
func (s *Server) sharedStamp(ctx context.Context) (string, error) {
	cols, err := s.Cfg.Store.Collections(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, c := range cols {
		last, err := s.Cfg.Store.Generation(ctx, c.ID)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s:%d;", c.ID, last)
	}
	return b.String(), nil
}
