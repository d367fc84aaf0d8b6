package share_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/incident"
	"github.com/wardhealth/ward/share"
)

// anIncident is a ransomware incident on the demo hospital's PACS, from
// a detection, with the emergency department down.
func anIncident(t *testing.T) (*ward.Incident, *ward.Model) {
	m, _ := demo.Model()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	i, err := incident.Open(m, incident.Opening{Title: "Ransomware on pacs-01 of St. Example General", Severity: "critical", Type: "ransomware", AwareAt: at,
		Description: "Patient Jane Doe's images were encrypted", Assets: []string{"pacs-01", "ehr-db"}}, "alice", at)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	_, err = incident.Apply(&i, m, incident.Change{SevereDisruption: &yes, Techniques: []string{"T1490"}, Outages: []ward.Outage{{Service: "emergency-care", From: at}},
		Evidence: []ward.Evidence{{Kind: "detection", Rule: "ward-shadow-copies", Count: 3, FirstSeen: at, LastSeen: at.Add(time.Minute), Text: "vssadmin on pacs-01 10.20.1.5"}}}, "alice", at)
	if err != nil {
		t.Fatal(err)
	}
	return &i, m
}

// TestIncidentObjects: the notification in STIX passes the OASIS schemas,
// carries incident-core, and leaves the hospital with no name, asset,
// address or free text of its own in it.
func TestIncidentObjects(t *testing.T) {
	i, m := anIncident(t)
	now := i.AwareAt.Add(time.Hour)
	id := share.Identity(m.Organisation, "key", false, now)
	objs, err := share.IncidentObjects(i, m, id, share.IncidentOptions{Report: ward.Notification, TLP: share.Amber}, now)
	if err != nil {
		t.Fatal(err)
	}
	objs, held, err := share.OutgoingIncident(objs, m, i, false, share.DefaultPolicy)
	if err != nil || held != 0 {
		t.Fatal(held, err)
	}
	schema := validator(t)
	types := map[string]int{}
	for _, o := range objs {
		data, _ := json.Marshal(o)
		s := string(data)
		for _, secret := range []string{"pacs-01", "ehr-db", "St. Example", "Jane Doe", "10.20.1.5", "st-example"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s carries %q: %s", o.ID, secret, s)
			}
		}
		types[o.Type]++
		doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(s))
		if err := schema(o.Type).Validate(doc); err != nil {
			t.Errorf("%s: %v\n%s", o.ID, err, s)
		}
		if o.Type == "incident" {
			ext := o.Props["extensions"].(map[string]any)
			core := ext[share.IncidentCoreID].(map[string]any)
			if core["determination"] != "suspected" || core["criticality"] != 100 || core["incident_types"].([]string)[0] != "ransomware" {
				t.Errorf("incident-core: %v", core)
			}
			imp := ext[share.IncidentImpactID].(map[string]any)
			if cats := imp["service_categories"].([]string); !slices.Contains(cats, "clinical-system") || imp["services_by_patient_safety"].(map[string]int)["critical"] != 1 {
				t.Errorf("what the services are: %v %v", cats, imp["services_by_patient_safety"])
			}
			if imp["significant"] != true || imp["services_over_max_outage"] != 1 || imp["asset_kinds"].(map[string]int)["pacs"] != 1 {
				t.Errorf("impact: %v", imp)
			}
		}
	}
	for _, want := range []string{"incident", "attack-pattern", "sighting", "relationship", "report", "extension-definition"} {
		if types[want] == 0 {
			t.Errorf("no %s (%v)", want, types)
		}
	}
	named, _ := share.IncidentObjects(i, m, id, share.IncidentOptions{Report: ward.Notification, TLP: share.Amber, NameAssets: true}, now)
	named, _, _ = share.OutgoingIncident(named, m, i, true, share.DefaultPolicy)
	if data, _ := json.Marshal(named[0]); !strings.Contains(string(data), `"pacs-01"`) || strings.Contains(string(data), "10.20.1.5") {
		t.Errorf("named: %s", data)
	}
}

// TestSectorIncidentsAndAdvice: the hub counts incidents by type and
// week, withholding what fewer than the minimum group of hospitals
// reported; its advice reaches the incident it refers to.
func TestSectorIncidentsAndAdvice(t *testing.T) {
	i, m := anIncident(t)
	now := i.AwareAt
	var all []share.Object
	var first string
	for n, org := range []string{"a", "b", "c", "d"} {
		mo := *m
		mo.Organisation.ID = org
		id := share.Identity(mo.Organisation, "key", false, now)
		inc := *i
		if n == 3 {
			inc.Type = "denial-of-service"
		}
		objs, err := share.IncidentObjects(&inc, &mo, id, share.IncidentOptions{Report: ward.EarlyWarning, TLP: share.Amber}, now)
		if err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = objs[0].ID
		}
		all = append(all, objs...)
	}
	hub := share.Identity(ward.Organisation{ID: "national-csirt", Name: "CSIRT"}, "", true, now)
	all = append(all, share.AdviceObjects(first, "", "Restore the PACS from the offline copy; do not pay.", hub.ID, share.Amber, now)...)
	all = append(all, share.AdviceObjects(first, "Isolate the imaging VLAN", "Block SMB between the imaging network and the rest.", hub.ID, share.Amber, now)...)
	// The hub reads them as they arrive: JSON.
	data, _ := json.Marshal(share.NewBundle(all))
	all, err := share.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	sec := share.SectorIncidents(all, 3)
	byType := map[string]share.IncidentSpan{}
	for _, s := range sec.ByType {
		byType[s.Key] = s
	}
	if r := byType["ransomware"]; r.Incidents != 3 || r.Organisations != 3 || r.Withheld {
		t.Errorf("ransomware %+v", r)
	}
	if d := byType["denial-of-service"]; !d.Withheld || d.Incidents != 0 {
		t.Errorf("one hospital's denial of service is shown: %+v", d)
	}
	if len(sec.ByWeek) != 1 || sec.ByWeek[0].Key != "2026-W49" || sec.ByWeek[0].Incidents != 4 {
		t.Errorf("by week %+v", sec.ByWeek)
	}
	if len(sec.Received) != 4 {
		t.Errorf("received %d", len(sec.Received))
	}
	adv := share.AdviceOn(all, []string{first})[first]
	if len(adv) != 2 || adv[0].From != hub.ID {
		t.Fatalf("advice %+v", adv)
	}
	for _, o := range share.AdviceObjects(first, "Isolate", "text", hub.ID, share.Amber, now) {
		data, _ := json.Marshal(o)
		doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
		if err := validator(t)(o.Type).Validate(doc); err != nil {
			t.Errorf("%s: %v", o.ID, err)
		}
	}
}
