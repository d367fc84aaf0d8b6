package share

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/incident"
)

// IncidentCoreID is the STIX incident-core extension (OASIS common
// objects): determination, investigation status, incident types,
// criticality, detection methods, impacted entity counts.
const IncidentCoreID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"

// IncidentImpactID is Ward's property extension of an incident: what the
// NIS2 reports say of it that incident-core has no property for.
var IncidentImpactID = ID("extension-definition", "ward|incident-impact")

// IncidentImpactExtension is the definition of Ward's incident extension.
func IncidentImpactExtension() Object {
	at := Stamp(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	return Object{Type: "extension-definition", SpecVersion: SpecVersion, ID: IncidentImpactID, Created: at, Modified: at, CreatedByRef: wardIdentity,
		ObjectMarkingRefs: []string{Clear.MarkingID()},
		Props: map[string]any{
			"name": "Ward incident impact (NIS2)",
			"description": "What a NIS2 report of an essential entity says of an incident: report (early-warning, notification, intermediate, final), " +
				"aware_at, closed_at, severity, significant, severe_disruption, damage_to_others, suspected_malicious, cross_border, " +
				"asset_kinds (kind: count), asset_categories, services_affected, services_over_max_outage, service_categories (the asset " +
				"categories the affected services depend on), services_by_patient_safety (level: count), longest_outage_minutes; " +
				"services and assets only when the organisation chose to name them.",
			"schema":          "https://github.com/wardhealth/ward/blob/main/docs/incidents.md#stix",
			"version":         "1.0",
			"extension_types": []string{"property-extension"},
		}}
}

// IncidentOptions choose how an incident leaves its organisation.
type IncidentOptions struct {
	Report ward.ReportKind
	TLP    TLP
	// NameAssets sends the affected assets' ids and services' names;
	// by default they are counted by kind, and nothing of the
	// organisation's own words (title, description, notes, log lines)
	// leaves: only structured fields, so no patient data can.
	NameAssets bool
}

// criticality maps a severity to incident-core's 0-100.
var criticality = map[ward.Level]int{"none": 0, "low": 25, "medium": 50, "high": 75, "critical": 100}

// IncidentID is the STIX id of an organisation's incident, by the
// identity it is shared under.
func IncidentID(identity, id string) string { return ID("incident", identity+"|"+id) }

// IncidentObjects maps an incident and one of its NIS2 reports to STIX:
// the incident (with incident-core and Ward's impact extension), an
// attack pattern for each ATT&CK technique seen, a sighting of each by
// the organisation (its count, first and last seen) related to the
// incident, and a report of the kind asked for that groups them. Every
// object is authored by identity and marked o.TLP.
func IncidentObjects(i *ward.Incident, m *ward.Model, identity Object, o IncidentOptions, now time.Time) ([]Object, error) {
	rep, err := incident.Build(o.Report, i, m, now, incident.Options{NameAssets: o.NameAssets})
	if err != nil {
		return nil, err
	}
	creator := identity.ID
	inc := newObject("incident", "", now)
	inc.ID = IncidentID(creator, i.ID)
	inc.CreatedByRef = creator
	typ := i.Type
	if typ == "" {
		typ = "unspecified"
	}
	inc.Props["name"] = fmt.Sprintf("%s incident, %s severity", strings.ReplaceAll(typ, "-", " "), i.Severity)
	if o.NameAssets {
		inc.Props["name"] = i.Title
	}
	determination, status := "confirmed", "open"
	switch i.Status {
	case ward.IncidentSuspected:
		determination, status = "suspected", "new"
	case ward.IncidentClosed:
		status = "closed"
	}
	methods := []string{"human-review"}
	if slices.ContainsFunc(i.Evidence, func(e ward.Evidence) bool { return e.Kind == "detection" }) {
		methods = []string{"automated-tool"}
	}
	core := map[string]any{"extension_type": "property-extension", "determination": determination, "investigation_status": status,
		"criticality": criticality[i.Severity], "detection_methods": methods, "incident_types": []string{typ}}
	if len(i.Assets) > 0 {
		core["impacted_entity_counts"] = map[string]any{"system": len(i.Assets)}
	}
	impact := map[string]any{"extension_type": "property-extension", "report": string(o.Report), "aware_at": Stamp(i.AwareAt), "severity": string(i.Severity)}
	if !i.ClosedAt.IsZero() {
		impact["closed_at"] = Stamp(i.ClosedAt)
	}
	for name, b := range map[string]*bool{"severe_disruption": i.Significance.SevereDisruption, "damage_to_others": i.Significance.DamageToOthers,
		"suspected_malicious": i.SuspectedMalicious, "cross_border": i.CrossBorder} {
		if b != nil {
			impact[name] = *b
		}
	}
	if i.Significance.Answered() || i.Significance.Significant() {
		impact["significant"] = i.Significance.Significant()
	}
	if a := rep.Assessment; a != nil {
		impact["asset_kinds"] = a.AssetKinds
		impact["asset_categories"] = a.Categories
		impact["services_affected"] = len(a.Services)
		impact["services_over_max_outage"] = a.Exceeded
		impact["service_categories"] = a.ServiceCategories
		impact["services_by_patient_safety"] = a.BySafety
		longest := 0
		var names []string
		for _, s := range a.Services {
			longest = max(longest, int(time.Duration(s.Down)/time.Minute))
			names = append(names, s.Service)
		}
		impact["longest_outage_minutes"] = longest
		if o.NameAssets {
			impact["assets"] = a.AssetIDs
			impact["services"] = names
		}
	}
	inc.Props["extensions"] = map[string]any{IncidentCoreID: core, IncidentImpactID: impact}
	inc.Labels = []string{"nis2", string(o.Report)}
	Mark(&inc, o.TLP)
	out := []Object{inc}

	first, last, count := i.AwareAt, i.AwareAt, 0
	for _, e := range i.Evidence {
		if e.Kind != "detection" {
			continue
		}
		if count == 0 || e.FirstSeen.Before(first) {
			first = e.FirstSeen
		}
		if count == 0 || e.LastSeen.After(last) {
			last = e.LastSeen
		}
		count += max(e.Count, 1)
	}
	for _, t := range i.Techniques {
		ap := newObject("attack-pattern", creator+"|"+t, now)
		ap.CreatedByRef = creator
		ap.Props["name"] = t
		ap.ExternalReferences = []ExternalReference{{SourceName: "mitre-attack", ExternalID: t, URL: attackURL(t)}}
		Mark(&ap, o.TLP)
		s := newObject("sighting", creator+"|"+i.ID+"|"+t, now)
		s.CreatedByRef = creator
		s.Props["sighting_of_ref"] = ap.ID
		s.Props["where_sighted_refs"] = []string{creator}
		s.Props["count"] = max(count, 1)
		s.Props["first_seen"] = Stamp(first)
		s.Props["last_seen"] = Stamp(last)
		Mark(&s, o.TLP)
		out = append(out, ap, s, relationship("related-to", inc.ID, ap.ID, creator, o.TLP, now))
	}
	r := newObject("report", creator+"|"+i.ID+"|"+string(o.Report), now)
	r.CreatedByRef = creator
	r.Props["name"] = fmt.Sprintf("NIS2 %s: %s", strings.ToLower(o.Report.Title()), inc.Props["name"])
	r.Props["description"] = fmt.Sprintf("%s under Directive (EU) 2022/2555 Art. 23(4) of a healthcare organisation: %s.", o.Report.Title(), rep.Basis)
	r.Props["published"] = Stamp(now)
	r.Props["report_types"] = []string{"threat-report"}
	refs := []string{}
	for _, x := range out {
		refs = append(refs, x.ID)
	}
	r.Props["object_refs"] = refs
	r.Labels = []string{"nis2", string(o.Report)}
	Mark(&r, o.TLP)
	return append(out, r, IncidentImpactExtension()), nil
}

// OutgoingIncident prepares an incident's objects to leave the
// organisation: the TLP policy lets them reach the community or not, and
// the anonymiser takes out what names the hospital, its network and its
// people (the affected assets' ids excepted when the organisation chose
// to name them).
func OutgoingIncident(objects []Object, m *ward.Model, i *ward.Incident, named bool, p Policy) ([]Object, int, error) {
	kept, held := p.Filter(objects, Community)
	if len(kept) == 0 {
		return nil, held, fmt.Errorf("nothing may leave: the policy held back all %d objects", held)
	}
	an := NewAnonymiser(m)
	if named {
		an = an.Keep(i.Assets...)
	}
	return an.Objects(kept), held, nil
}

// Advice is what a CSIRT answered to an incident (ward.IncidentAdvice).
type Advice = ward.IncidentAdvice

// AdviceObjects are a hub's answer to an incident it received: a course
// of action (when named) related to the incident, or a note about it.
func AdviceObjects(incidentID, name, text, creator string, tlp TLP, now time.Time) []Object {
	if name == "" {
		n := Note(text, []string{incidentID}, creator, tlp, now)
		n.Props["abstract"] = "Advice on an incident"
		return []Object{n}
	}
	coa := newObject("course-of-action", "advice|"+creator+"|"+incidentID+"|"+name, now)
	coa.CreatedByRef = creator
	coa.Props["name"] = name
	coa.Props["description"] = text
	Mark(&coa, tlp)
	return []Object{coa, relationship("related-to", coa.ID, incidentID, creator, tlp, now)}
}

// latestOf keeps the latest version of each object (of a type, "" for
// all).
func latestOf(objects []Object, typ string) map[string]*Object {
	latest := map[string]*Object{}
	for k := range objects {
		o := &objects[k]
		if typ != "" && o.Type != typ {
			continue
		}
		if prev, ok := latest[o.ID]; !ok || o.Modified.Time().After(prev.Modified.Time()) {
			latest[o.ID] = o
		}
	}
	return latest
}

// AdviceOn finds, among objects, the advice on each of the incidents
// named (by STIX id): notes whose object_refs name one, and courses of
// action related to one. Each object counts at its latest version.
func AdviceOn(objects []Object, incidents []string) map[string][]Advice {
	latest := latestOf(objects, "")
	want := map[string]bool{}
	for _, id := range incidents {
		want[id] = true
	}
	out := map[string][]Advice{}
	advice := func(o *Object, text string) Advice {
		t, _ := TLPOf(o)
		return Advice{ID: o.ID, Type: o.Type, Name: o.Str("name"), Text: text, From: o.CreatedByRef, At: o.Modified.Time(), TLP: string(t)}
	}
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		o := latest[id]
		if o.Revoked {
			continue
		}
		switch o.Type {
		case "note":
			for _, ref := range o.Strs("object_refs") {
				if want[ref] {
					out[ref] = append(out[ref], advice(o, o.Str("content")))
				}
			}
		case "relationship":
			target, source := o.Str("target_ref"), o.Str("source_ref")
			if coa, ok := latest[source]; ok && want[target] && coa.Type == "course-of-action" && !coa.Revoked {
				out[target] = append(out[target], advice(coa, coa.Str("description")))
			}
		}
	}
	for id := range out {
		sort.SliceStable(out[id], func(a, b int) bool { return out[id][a].At.Before(out[id][b].At) })
	}
	return out
}

// Readable reads, from every collection an organisation reads (every
// collection for ward.AllOrganisations: the hub's view), the objects of
// the types given, each version, leaving out other organisations' RED
// and AMBER+STRICT objects.
func Readable(ctx context.Context, s ward.SharingStore, org string, types []string) ([]Object, error) {
	return readable(ctx, s, org, types, []string{"all"})
}

// readable is Readable of some versions (nil: the latest).
func readable(ctx context.Context, s ward.SharingStore, org string, types, versions []string) ([]Object, error) {
	cols, err := s.Collections(ctx)
	if err != nil {
		return nil, err
	}
	var objs []Object
	for _, c := range cols {
		if org != ward.AllOrganisations && !slices.Contains(c.Readers, ward.AllOrganisations) && !slices.Contains(c.Readers, org) {
			continue
		}
		f := ward.ObjectFilter{Collection: c.ID, Types: types, Versions: versions, Limit: 1000}
		for {
			page, more, err := s.Objects(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, o := range page {
				if (o.TLP == string(Red) || o.TLP == string(AmberStrict)) && o.Org != org {
					continue
				}
				var so Object
				if json.Unmarshal(o.Data, &so) == nil {
					objs = append(objs, so)
				}
			}
			if !more || len(page) == 0 {
				break
			}
			f.After = page[len(page)-1].Seq
		}
	}
	return objs, nil
}

// AdviceTypes are the STIX types advice is read from.
var AdviceTypes = []string{"note", "course-of-action", "relationship"}

// IncidentSector is what a hub sees of the incidents reported to it:
// counts by type and by week across the sector, each withheld when fewer
// organisations than the minimum group stand behind it, and, for the hub
// itself (the CSIRT they were reported to), each incident received.
type IncidentSector struct {
	MinGroup int            `json:"min_group"`
	ByType   []IncidentSpan `json:"by_type"`
	ByWeek   []IncidentSpan `json:"by_week"`
	Received []Received     `json:"received"`
}

// IncidentSpan counts incidents of one type, or of one ISO week.
type IncidentSpan struct {
	Key           string `json:"key"`
	Incidents     int    `json:"incidents"`
	Organisations int    `json:"organisations"`
	Withheld      bool   `json:"withheld,omitempty"`
}

// Received is one incident as the hub received it.
type Received struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Severity    string    `json:"severity,omitempty"`
	Report      string    `json:"report,omitempty"`
	Status      string    `json:"investigation_status,omitempty"`
	Significant *bool     `json:"significant,omitempty"`
	AwareAt     time.Time `json:"aware_at,omitzero"`
	Reporter    string    `json:"reporter"`
	Modified    time.Time `json:"modified"`
	Services    int       `json:"services_affected"`
	Over        int       `json:"services_over_max_outage"`
	Advice      int       `json:"advice"`
}

// SectorIncidents counts the incidents among objects (each at its latest
// version) by type and ISO week of awareness, with counts behind fewer
// than minGroup organisations withheld (shown as 0), and lists them.
func SectorIncidents(objects []Object, minGroup int) IncidentSector {
	latest := latestOf(objects, "incident")
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	advice := AdviceOn(objects, ids)
	out := IncidentSector{MinGroup: minGroup, ByType: []IncidentSpan{}, ByWeek: []IncidentSpan{}, Received: []Received{}}
	type tally struct {
		n    int
		orgs map[string]bool
	}
	byType, byWeek := map[string]*tally{}, map[string]*tally{}
	count := func(m map[string]*tally, key, org string) {
		t := m[key]
		if t == nil {
			t = &tally{orgs: map[string]bool{}}
			m[key] = t
		}
		t.n++
		t.orgs[org] = true
	}
	for _, id := range ids {
		o := latest[id]
		rc := Received{ID: o.ID, Name: o.Str("name"), Type: "unspecified", Reporter: o.CreatedByRef, Modified: o.Modified.Time(), Advice: len(advice[o.ID])}
		ext, _ := o.Props["extensions"].(map[string]any)
		if core, ok := ext[IncidentCoreID].(map[string]any); ok {
			if ts, ok := core["incident_types"].([]any); ok && len(ts) > 0 {
				if s, ok := ts[0].(string); ok {
					rc.Type = s
				}
			}
			rc.Status, _ = core["investigation_status"].(string)
		}
		if imp, ok := ext[IncidentImpactID].(map[string]any); ok {
			rc.Severity, _ = imp["severity"].(string)
			rc.Report, _ = imp["report"].(string)
			if s, ok := imp["aware_at"].(string); ok {
				rc.AwareAt, _ = time.Parse(time.RFC3339Nano, s)
			}
			if b, ok := imp["significant"].(bool); ok {
				rc.Significant = &b
			}
			rc.Services, rc.Over = int(number(imp["services_affected"])), int(number(imp["services_over_max_outage"]))
		}
		when := rc.AwareAt
		if when.IsZero() {
			when = o.Created.Time()
		}
		y, w := when.UTC().ISOWeek()
		count(byType, rc.Type, rc.Reporter)
		count(byWeek, fmt.Sprintf("%04d-W%02d", y, w), rc.Reporter)
		out.Received = append(out.Received, rc)
	}
	spans := func(m map[string]*tally) []IncidentSpan {
		s := []IncidentSpan{}
		for k, t := range m {
			sp := IncidentSpan{Key: k, Incidents: t.n, Organisations: len(t.orgs)}
			if sp.Organisations < minGroup {
				sp.Incidents, sp.Organisations, sp.Withheld = 0, 0, true
			}
			s = append(s, sp)
		}
		sort.Slice(s, func(a, b int) bool { return s[a].Key < s[b].Key })
		return s
	}
	out.ByType, out.ByWeek = spans(byType), spans(byWeek)
	sort.SliceStable(out.Received, func(a, b int) bool { return out.Received[a].Modified.After(out.Received[b].Modified) })
	return out
}

// Sending is what sending a report of an incident to a hub takes.
type Sending struct {
	Client     *Client
	Collection string
	Report     ward.ReportKind
	TLP        TLP
	// NameAssets names the affected assets and services; NamedOrg
	// sends the organisation's name instead of its pseudonym.
	NameAssets, NamedOrg bool
	By                   string
}

// SendIncident sends a report of an incident to a hub's collection as
// STIX (IncidentObjects, under the organisation's identity, through
// OutgoingIncident, sent as before when unchanged) and records on the
// incident what went: the push (Shared) and the report as sent. The
// caller stores the incident. It returns the peer's status and how many
// objects were offered; RED and AMBER+STRICT are refused before anything
// is sent.
func SendIncident(ctx context.Context, s ward.SharingStore, i *ward.Incident, m *ward.Model, snd Sending, now time.Time) (Status, int, error) {
	if snd.TLP == Red || snd.TLP == AmberStrict {
		return Status{}, 0, fmt.Errorf("TLP:%s does not leave the organisation", strings.ToUpper(string(snd.TLP)))
	}
	key, err := PseudonymKey(ctx, s)
	if err != nil {
		return Status{}, 0, err
	}
	identity := Identity(m.Organisation, key, snd.NamedOrg, now)
	Mark(&identity, Green)
	objs, err := IncidentObjects(i, m, identity, IncidentOptions{Report: snd.Report, TLP: snd.TLP, NameAssets: snd.NameAssets}, now)
	if err != nil {
		return Status{}, 0, err
	}
	objs, _, err = OutgoingIncident(append([]Object{identity}, objs...), m, i, snd.NameAssets, DefaultPolicy)
	if err != nil {
		return Status{}, 0, err
	}
	if objs, err = Restamp(ctx, s, objs, now); err != nil {
		return Status{}, 0, err
	}
	st, err := snd.Client.Push(ctx, snd.Collection, objs, 1000)
	if err != nil {
		return st, len(objs), err
	}
	id := IncidentID(identity.ID, i.ID)
	i.Shared = append(i.Shared, ward.SharedIncident{Time: now.UTC(), Peer: snd.Client.APIRoot, Collection: snd.Collection, STIX: id, TLP: string(snd.TLP), Objects: len(objs), By: snd.By})
	return st, len(objs), incident.MarkSent(i, ward.SentReport{Kind: snd.Report, By: snd.By, To: snd.Client.APIRoot, STIX: id, TLP: string(snd.TLP)}, now)
}
