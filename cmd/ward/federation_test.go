package main_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/share"
)

// TestFederationKeepsObjectsWhole: the hub publishes a pump vulnerability
// with its CVSS score; the hospital pulls it (and its command line sees
// it), then pushes its sightings twice. The hub's vulnerability keeps its
// score, as the hub wrote it; the second push adds no new version of
// anything.
func TestFederationKeepsObjectsWhole(t *testing.T) {
	hubData, hospData := t.TempDir(), t.TempDir()
	addUser(t, hubData, "csirt", hubPassword, "--admin")
	addUser(t, hubData, "st-example-sync", hubPassword, "--org", "st-example", "--role", "analyst")
	const col = "0f4d1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"
	expect(t, ward(t, hubData, "share", "collections", "add", "--id", col, "--title", "Medical devices", "--readers", "*", "--writers", "national-csirt,st-example"), 0, col)
	hub := serveIn(t, hubData, nil)

	adv := &intel.Advisory{ID: "ICSMA-TEST-01", Title: "Infusion pump Wi-Fi module", Released: "2026-11-01",
		Products: []intel.Product{{ID: "P1", Vendor: "B. Braun Medical", Name: "SpaceCom", Range: "<= U61"}},
		Vulns:    []intel.Vulnerability{{CVE: "CVE-2020-25168", Affected: []string{"P1"}, CVSS: 9.8}}}
	published := share.Advisories([]*intel.Advisory{adv}, "", share.Green, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	publisher := &share.Client{APIRoot: hub + "/taxii2/api/", User: "csirt", Password: hubPassword}
	if st, err := publisher.Push(context.Background(), col, published, 1000); err != nil || st.FailureCount != 0 {
		t.Fatalf("publish: %+v %v", st, err)
	}
	var hubVuln share.Object
	for _, o := range published {
		if o.Type == "vulnerability" {
			hubVuln = o
		}
	}

	expect(t, ward(t, hospData, "demo"), 0)
	run := sharing(t, hospData)
	run("share", "pull", "--from", hub+"/taxii2/api/", "--collection", col, "--user", "st-example-sync")
	// The command line uses the shared advisory as the server does.
	expect(t, ward(t, hospData, "vulns"), 0, "CVE-2020-25168")

	for range 2 {
		run("share", "push", "--to", hub+"/taxii2/api/", "--collection", col, "--user", "st-example-sync")
	}
	manifest := taxiiGet(t, hub+"/taxii2/api/collections/"+col+"/manifest/?match[version]=all", "csirt", hubPassword)
	var m struct {
		Objects []struct{ ID, Version string }
	}
	json.Unmarshal([]byte(manifest), &m)
	versions := map[string]int{}
	for _, o := range m.Objects {
		versions[o.ID]++
	}
	for id, n := range versions {
		if n != 1 {
			t.Errorf("%s: %d versions after two pushes of the same sightings", id, n)
		}
	}
	if versions[hubVuln.ID] != 1 {
		t.Errorf("the hub's vulnerability: %d versions", versions[hubVuln.ID])
	}
	got := taxiiGet(t, hub+"/taxii2/api/collections/"+col+"/objects/"+hubVuln.ID+"/", "csirt", hubPassword)
	if !strings.Contains(got, `"cvss_base_score":9.8`) || !strings.Contains(got, share.ScoreExtensionID) {
		t.Errorf("the hub's vulnerability lost its score: %s", got)
	}
	sightings := taxiiGet(t, hub+"/taxii2/api/collections/"+col+"/objects/?match[type]=sighting", "csirt", hubPassword)
	if !strings.Contains(sightings, `"type":"sighting"`) {
		t.Errorf("no sighting reached the hub: %.300s", sightings)
	}
}

// TestShareExportKinds: the bundle carries what --what names — advisories
// as vulnerabilities with their score and indicators, a note, a report —
// every object authored by the organisation's identity.
func TestShareExportKinds(t *testing.T) {
	data := t.TempDir()
	expect(t, ward(t, data, "demo", "--feeds=false"), 0)
	out := t.TempDir() + "/bundle.json"
	expect(t, ward(t, data, "share", "export", "--what", "sightings,advisories", "-o", out), 1, "no CSAF advisory")
	expect(t, ward(t, data, "feeds", "import", "../../intel/testdata/component-advisory.json"), 0)
	expect(t, ward(t, data, "share", "export", "--what", "sightings,advisories,practices,report", "--note", "Patch the monitoring station first", "--title", "November", "-o", out), 0)
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := share.ParseBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	var identity string
	for _, o := range objs {
		types[o.Type]++
		if o.Type == "identity" {
			identity = o.ID
		}
	}
	for _, typ := range []string{"identity", "vulnerability", "indicator", "note", "report", "extension-definition", "attack-pattern", "course-of-action"} {
		if types[typ] == 0 {
			t.Errorf("no %s in the bundle (%v)", typ, types)
		}
	}
	for _, o := range objs {
		switch o.Type {
		case "identity", "marking-definition", "extension-definition":
		default:
			if o.CreatedByRef != identity {
				t.Errorf("%s: created by %q, not the organisation's identity", o.ID, o.CreatedByRef)
			}
		}
		if o.Type == "report" && (o.Str("name") != "November" || len(o.Strs("object_refs")) < 5) {
			t.Errorf("report %v", o.Props)
		}
	}
}
