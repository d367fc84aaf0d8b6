package main

import (
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
)

// demoFeedFiles are the demo's embedded feeds (the advisories naming its
// devices, a KEV excerpt) as feed files to store beside its model.
func demoFeedFiles(now time.Time) ([]ward.FeedFile, error) {
	var out []ward.FeedFile
	for _, f := range demo.Feeds() {
		ff, err := (&intel.Feeds{}).Read(f.Name, "builtin:demo/"+f.Name, f.Data, now)
		if err != nil {
			return nil, err
		}
		out = append(out, ff)
	}
	return out, nil
}
