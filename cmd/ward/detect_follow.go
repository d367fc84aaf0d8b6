package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/detect"
)

// detectArgs are ward detect's arguments: files, or none with --follow.
func detectArgs(follow *string) cobra.PositionalArgs {
	return args(func(c *cobra.Command, files []string) error {
		if *follow != "" {
			if len(files) > 0 {
				return errors.New("--follow reads one file: give no other")
			}
			return nil
		}
		return cobra.MinimumNArgs(1)(c, files)
	})
}

// detectFollow reads a growing file until the context ends (Ctrl-C,
// SIGTERM): detections are printed as they are found (text) and all of
// them, with the counts, when it stops, as ward detect prints them.
func (o *options) detectFollow(ctx context.Context, m *ward.Model, path, asset string, ruleDirs []string, year int) error {
	en, err := loadEngine(ruleDirs)
	if err != nil {
		return err
	}
	fl, err := detect.Follow(ctx, path, 0)
	if err != nil {
		return invalidError{err}
	}
	defer fl.Close()
	assets := detect.NewAssets(m, asset)
	seen := map[string]int{}
	fl.Idle = func() {
		if o.format == "json" {
			return
		}
		for _, d := range en.Detections() {
			k := detectionKey(d)
			if _, ok := seen[k]; ok {
				continue
			}
			seen[k] = d.Count
			where := "asset " + d.Asset
			if d.Asset == "" {
				where = "host " + orDash(d.Host)
			}
			fmt.Fprintf(o.stdout, "%s %-8s %s on %s %s (%s)\n", d.LastSeen.UTC().Format(time.DateTime), strings.ToUpper(d.Level), d.Title, where, strings.Join(d.Group, " "), d.Rule)
		}
	}
	fmt.Fprintf(o.stderr, "ward: following %s (Ctrl-C to stop)\n", path)
	r := detect.NewReader(fl, path, year)
	for e := r.Next(); e != nil; e = r.Next() {
		assets.Tie(e)
		en.Process(e)
	}
	st := r.Stats()
	reportRead(o, path, st)
	if r.Err() != nil {
		return r.Err()
	}
	read := []fileRead{{File: path, Stats: st}}
	dets := en.Detections()
	if o.format == "json" {
		orgID := ""
		if m != nil {
			orgID = m.Organisation.ID
		}
		return writeJSON(o.stdout, map[string]any{"organisation": orgID, "files": read, "detections": dets, "late_events": en.Late(),
			"rotated": fl.Rotated, "truncated": fl.Truncated})
	}
	fmt.Fprintf(o.stdout, "\nstopped following %s (%s, %s)\n", path, plural(fl.Rotated, "rotation"), plural(fl.Truncated, "truncation"))
	writeDetections(o.stdout, read, dets)
	return nil
}
