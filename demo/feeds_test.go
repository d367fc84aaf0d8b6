package demo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/intel"
)

// The demo's feeds read as feed files, and their advisories hit the demo's
// pumps at high confidence: the advisory, the KEV marks and the order to
// patch in are there without fetching anything.
func TestDemoFeedsHitTheDemoDevices(t *testing.T) {
	var feeds intel.Feeds
	kinds := map[ward.FeedKind]int{}
	for _, f := range demo.Feeds() {
		ff, err := feeds.Read(f.Name, "builtin:demo/"+f.Name, f.Data, time.Now())
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		kinds[ff.Kind]++
	}
	if kinds[ward.FeedCSAF] != 8 || kinds[ward.FeedKEV] != 1 || feeds.KEV == nil || len(feeds.KEV.Exploited()) != 47 {
		t.Fatalf("feeds %v, KEV %v", kinds, feeds.KEV != nil)
	}
	m := load(t)
	groups, _ := intel.ByAsset(feeds.Matcher().Match(m.Assets))
	hit := map[string]string{}
	for _, g := range groups {
		for _, v := range g.Matches {
			if hit[g.Asset] == "" || v.Confidence == "high" {
				hit[g.Asset] = v.Advisory + " " + v.Confidence
			}
		}
	}
	for asset, want := range map[string]string{"pump-01": "high", "pacs-01": "ICSMA-", "monitor-01": "ICSMA-18-156-01", "implant-programmer": "high"} {
		if !strings.Contains(hit[asset], want) {
			t.Errorf("%s: %q, want %q", asset, hit[asset], want)
		}
	}
}
