package share_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/share"
)

func detectionsOf(src ...string) []ward.Detection {
	at := time.Date(2026, 12, 1, 9, 14, 0, 0, time.UTC)
	var ds []ward.Detection
	for i, s := range src {
		ds = append(ds, ward.Detection{Rule: "ward-bruteforce-source", Title: "Brute force from one source", Techniques: []string{"T1110", "T1110.001"},
			Asset: "vpn-vendor", Host: "vpn-gw01", Group: []string{"src_ip=" + s}, Source: s, Count: 12,
			FirstSeen: at.Add(time.Duration(i) * time.Hour), LastSeen: at.Add(time.Duration(i)*time.Hour + time.Minute),
			Evidence: []ward.LogLine{{File: "auth.log", Line: 3, Text: "Failed password for nurse.b from " + s}}})
	}
	return ds
}

// A hospital's detections leave as sightings of ATT&CK techniques and of
// public attacking addresses, marked with its TLP, under its pseudonym;
// private and loopback sources, asset and host names, users and log lines
// stay home.
func TestDetectionSightings(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	id := share.Identity(ward.Organisation{ID: "st-example", Name: "St. Example General"}, "key", false, now)
	objs := share.DetectionSightings(detectionsOf("203.0.113.7", "10.20.5.9", "127.0.0.1", "203.0.113.7", "2001:db8::66", "100.64.1.2"), id, share.Amber, now)
	data, _ := json.Marshal(objs)
	for _, never := range []string{"vpn-vendor", "vpn-gw01", "nurse.b", "Failed password", "10.20.5.9", "127.0.0.1", "100.64.1.2", "St. Example"} {
		if strings.Contains(string(data), never) {
			t.Errorf("%q left the hospital: %s", never, data)
		}
	}
	var got []string
	for _, o := range objs {
		switch o.Type {
		case "attack-pattern":
			got = append(got, "attack-pattern "+o.ExternalReferences[0].ExternalID)
		case "indicator":
			got = append(got, "indicator "+o.Str("pattern"))
		case "sighting":
			got = append(got, "sighting "+string(mustJSON(o.Props["count"])))
		}
		if len(o.ObjectMarkingRefs) == 0 {
			t.Errorf("%s unmarked", o.ID)
		}
	}
	want := []string{"attack-pattern T1110", "sighting 6", "attack-pattern T1110.001", "sighting 6",
		"indicator [ipv6-addr:value = '2001:db8::66']", "sighting 1", "indicator [ipv4-addr:value = '203.0.113.7']", "sighting 2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("objects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// The hub counts the organisations that saw the same public source: three
// saw 203.0.113.7, shown; one alone saw 198.51.100.9, withheld under the
// minimum group of three; once one of the three clears it, it is
// withheld too.
func TestSourcesAtTheHub(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var all []share.Object
	for _, org := range []string{"north", "south", "east"} {
		id := share.Identity(ward.Organisation{ID: org}, "key", false, now)
		all = append(all, share.DetectionSightings(detectionsOf("203.0.113.7"), id, share.Amber, now)...)
	}
	west := share.Identity(ward.Organisation{ID: "west"}, "key", false, now)
	all = append(all, share.DetectionSightings(detectionsOf("198.51.100.9", "198.51.100.9"), west, share.Amber, now)...)
	got := share.Sources(all, 3)
	if len(got) != 2 || got[0] != (share.SourceCount{Source: "203.0.113.7", Organisations: 3, Detections: 3}) || got[1] != (share.SourceCount{Withheld: true, Sources: 1}) {
		t.Errorf("sources: %+v", got)
	}
	// north's detections no longer show it: cleared, two are left, under
	// the minimum group
	north := share.Identity(ward.Organisation{ID: "north"}, "key", false, now)
	names := share.DetectionNames(share.DetectionSightings(detectionsOf("203.0.113.7"), north, share.Amber, now))
	if strings.Join(names, ",") != "attack|T1110,attack|T1110.001,source|203.0.113.7" {
		t.Errorf("names %v", names)
	}
	all = append(all, share.DetectionsCleared([]string{"source|203.0.113.7"}, north, share.Amber, now.Add(time.Hour))...)
	if got := share.Sources(all, 3); len(got) != 1 || got[0] != (share.SourceCount{Withheld: true, Sources: 2}) {
		t.Errorf("sources after north cleared: %+v", got)
	}
}
