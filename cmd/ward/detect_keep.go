package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/detect"
	"github.com/wardhealth/ward/share"
)

// keeper writes detections to the store as they are found and grow, each
// write with one audit entry naming what was new and what grew.
type keeper struct {
	s      ward.Store
	org    string
	actor  string
	origin string
	// kept is the count and last seen of each detection as stored.
	kept map[string]string
}

func newKeeper(s ward.Store, org, actor, origin string) *keeper {
	return &keeper{s: s, org: org, actor: actor, origin: origin, kept: map[string]string{}}
}

// keep stores the detections that are new or grew since the last call;
// it returns how many were new and how many grew.
func (k *keeper) keep(ctx context.Context, dets []detect.Detection) (added, grown int, err error) {
	var put []ward.Detection
	var names []string
	for _, d := range dets {
		sd := d.Stored(k.origin)
		state := fmt.Sprint(sd.Count, sd.LastSeen.UnixNano())
		if k.kept[sd.ID] == state {
			continue
		}
		put = append(put, sd)
		if len(names) < 5 {
			names = append(names, fmt.Sprintf("%s on %s (%d)", sd.Rule, orDash(sd.Asset), sd.Count))
		}
	}
	if len(put) == 0 {
		return 0, 0, nil
	}
	detail := strings.Join(names, ", ")
	if len(put) > len(names) {
		detail += fmt.Sprintf(" and %d more", len(put)-len(names))
	}
	ctx = ward.WithAudit(ctx, ward.AuditEntry{Time: time.Now(), Actor: k.actor, Org: k.org, Action: "detection.record",
		Target: k.org, Detail: fmt.Sprintf("%s new or grown: %s", plural(len(put), "detection"), detail)})
	added, err = k.s.PutDetections(ctx, k.org, put)
	if err != nil {
		return 0, 0, err
	}
	for _, d := range put {
		k.kept[d.ID] = fmt.Sprint(d.Count, d.LastSeen.UnixNano())
	}
	return added, len(put) - added, nil
}

// prune forgets the state of the detections no longer among dets.
func (k *keeper) prune(dets []detect.Detection) {
	live := make(map[string]string, len(dets))
	for _, d := range dets {
		id := d.Stored(k.origin).ID
		if v, ok := k.kept[id]; ok {
			live[id] = v
		}
	}
	k.kept = live
}

// keepDetections stores what ward detect --keep found in the stored
// organisation's model.
func (o *options) keepDetections(ctx context.Context, m *ward.Model, dets []detect.Detection) error {
	if m == nil {
		return invalidError{fmt.Errorf("--keep needs a stored organisation to keep the detections in ('ward import FILE')")}
	}
	return o.withStore(ctx, func(s ward.Store) error {
		added, grown, err := newKeeper(s, m.Organisation.ID, cliEntry("", "", "", "").Actor, "ward detect").keep(ctx, dets)
		if err != nil {
			return notFound(err)
		}
		fmt.Fprintf(o.stderr, "ward: kept %s in the store of %s (%d new, %d grown)\n", plural(added+grown, "detection"), m.Organisation.ID, added, grown)
		return nil
	})
}

// clearDetections adds to objs a sighting of count 0 of each technique
// and source the organisation's detections showed at the last push and no
// longer do, and remembers what they show now.
func (o *options) clearDetections(ctx context.Context, s ward.Store, org string, objs []share.Object, names []string, identity share.Object, level share.TLP, now time.Time) ([]share.Object, error) {
	key := "detected|" + org
	var before []string
	if v, err := s.SyncState(ctx, key); err != nil {
		return nil, err
	} else if v != "" {
		json.Unmarshal([]byte(v), &before)
	}
	var gone []string
	for _, n := range before {
		if !slices.Contains(names, n) {
			gone = append(gone, n)
		}
	}
	objs = append(objs, share.DetectionsCleared(gone, identity, level, now)...)
	list, _ := json.Marshal(names)
	return objs, s.PutSyncState(ctx, key, string(list))
}
