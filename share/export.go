package share

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
)

// Pseudonym is how an organisation appears to the community: a name and an
// identity id derived from its id with a secret key kept by the hospital,
// so the same hospital is recognisable over time (counts stay right) but
// not identifiable.
func Pseudonym(org, key string) (name, id string) {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(org))
	sum := hex.EncodeToString(mac.Sum(nil))
	return "Healthcare organisation " + sum[:8], ID("identity", "pseudonym|"+sum)
}

// Identity is the organisation's STIX identity: its pseudonym unless it
// chooses to be named.
func Identity(org ward.Organisation, key string, named bool, now time.Time) Object {
	name, id := Pseudonym(org.ID, key)
	if named {
		name, id = org.Name, ID("identity", "organisation|"+org.ID)
	}
	o := newObject("identity", "", now)
	o.ID = id
	o.Props["name"] = name
	o.Props["identity_class"] = "organization"
	o.Props["sectors"] = []string{"healthcare"}
	return o
}

// attackURL is the ATT&CK page of a technique.
func attackURL(id string) string {
	return "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"
}

// Practices maps the catalog to STIX: each threat an attack-pattern with
// its ATT&CK techniques as external references; each control a
// course-of-action, with a "mitigates" relationship to each threat it
// mitigates. These are good practices: shared TLP:CLEAR by default.
func Practices(cat *catalog.Catalog, creator string, tlp TLP, now time.Time) []Object {
	var out []Object
	threat := map[string]string{}
	for _, t := range cat.Threats {
		o := newObject("attack-pattern", "threat|"+t.ID, now)
		o.CreatedByRef = creator
		o.Props["name"] = t.Name
		if t.Description != "" {
			o.Props["description"] = t.Description
		}
		o.ExternalReferences = []ExternalReference{{SourceName: "ward", ExternalID: t.ID, Description: "Ward threat catalog (ENISA smart-hospital taxonomy)"}}
		for _, a := range t.Attack {
			o.ExternalReferences = append(o.ExternalReferences, ExternalReference{SourceName: "mitre-attack", ExternalID: a, URL: attackURL(a)})
		}
		Mark(&o, tlp)
		threat[t.ID] = o.ID
		out = append(out, o)
	}
	for _, c := range cat.Controls {
		o := newObject("course-of-action", "control|"+c.ID, now)
		o.CreatedByRef = creator
		o.Props["name"] = controlName(c)
		if c.Description != "" {
			o.Props["description"] = c.Description
		}
		o.ExternalReferences = []ExternalReference{{SourceName: "ward", ExternalID: c.ID}}
		Mark(&o, tlp)
		out = append(out, o)
		for _, t := range c.Mitigates {
			if target, ok := threat[t]; ok {
				out = append(out, relationship("mitigates", o.ID, target, creator, tlp, now))
			}
		}
	}
	return out
}

func controlName(c catalog.Control) string {
	if c.Name != "" {
		return c.Name
	}
	return strings.ReplaceAll(c.ID, "-", " ")
}

func relationship(typ, from, to, creator string, tlp TLP, now time.Time) Object {
	o := newObject("relationship", typ+"|"+from+"|"+to, now)
	o.CreatedByRef = creator
	o.Props["relationship_type"] = typ
	o.Props["source_ref"] = from
	o.Props["target_ref"] = to
	Mark(&o, tlp)
	return o
}

// Vulnerability is a CVE as a STIX vulnerability. Its id depends on the
// CVE and its author: a hospital's sightings point to a vulnerability of
// its own, and never write a version of the hub's (with the hub's CVSS and
// indicators). Objects for one CVE meet on its cve external reference.
func Vulnerability(cve, description, creator string, tlp TLP, now time.Time) Object {
	name := "cve|" + strings.ToUpper(cve)
	if creator != "" {
		name = creator + "|" + name
	}
	o := newObject("vulnerability", name, now)
	o.CreatedByRef = creator
	o.Props["name"] = strings.ToUpper(cve)
	if description != "" {
		o.Props["description"] = description
	}
	o.ExternalReferences = []ExternalReference{{SourceName: "cve", ExternalID: strings.ToUpper(cve)}}
	Mark(&o, tlp)
	return o
}

// ScoreExtensionID is the id of the STIX extension in which Ward writes
// a vulnerability's CVSS base score (STIX 2.1 asks custom properties to
// be declared by an extension definition).
var ScoreExtensionID = ID("extension-definition", "ward|vulnerability-score")

// wardIdentity is the author of Ward's own definitions.
var wardIdentity = ID("identity", "ward|software")

// WardIdentity is the identity of Ward itself, the author of its catalog
// (practices) and extension definitions when no organisation signs them.
func WardIdentity() Object {
	at := Stamp(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	return Object{Type: "identity", SpecVersion: SpecVersion, ID: wardIdentity, Created: at, Modified: at, ObjectMarkingRefs: []string{Clear.MarkingID()},
		Props: map[string]any{"name": "Ward", "identity_class": "system", "description": "Ward, cyber-risk and resilience software for hospitals: the author of its catalog of threats and good practices."}}
}

// ScoreExtension is the extension definition of the CVSS score.
func ScoreExtension() Object {
	at := Stamp(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	return Object{Type: "extension-definition", SpecVersion: SpecVersion, ID: ScoreExtensionID, Created: at, Modified: at, CreatedByRef: wardIdentity,
		ObjectMarkingRefs: []string{Clear.MarkingID()},
		Props: map[string]any{
			"name":            "Ward vulnerability score",
			"description":     "The CVSS base score of a vulnerability, as its advisory gives it: cvss_base_score, a number from 0 to 10.",
			"schema":          "https://github.com/wardhealth/ward/blob/main/docs/sharing.md#vulnerability-score",
			"version":         "1.0",
			"extension_types": []string{"property-extension"},
		}}
}

// Score reads a vulnerability's CVSS base score: Ward's extension, else
// the custom property earlier versions wrote.
func Score(o *Object) float64 {
	if ext, ok := o.Props["extensions"].(map[string]any); ok {
		if e, ok := ext[ScoreExtensionID].(map[string]any); ok {
			return number(e["cvss_base_score"])
		}
	}
	return number(o.Props["x_ward_cvss"])
}

// quote writes a STIX pattern string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// Advisories maps advisories to STIX: each CVE a vulnerability; each
// affected product an indicator whose pattern names the software (vendor,
// product, version or range), related to the vulnerability by
// "indicates". A hospital's Ward reads the indicators back into products
// to match against its assets.
func Advisories(advs []*intel.Advisory, creator string, tlp TLP, now time.Time) []Object {
	var out []Object
	seen := map[string]bool{}
	for _, a := range advs {
		products := map[string]*intel.Product{}
		for i := range a.Products {
			products[a.Products[i].ID] = &a.Products[i]
		}
		for _, v := range a.Vulns {
			if v.CVE == "" {
				continue
			}
			vuln := Vulnerability(v.CVE, fmt.Sprintf("%s: %s", a.ID, a.Title), creator, tlp, now)
			if v.CVSS > 0 {
				vuln.Props["extensions"] = map[string]any{ScoreExtensionID: map[string]any{"extension_type": "property-extension", "cvss_base_score": v.CVSS}}
				if !seen[ScoreExtensionID] {
					seen[ScoreExtensionID] = true
					out = append(out, ScoreExtension())
				}
			}
			if !seen[vuln.ID] {
				seen[vuln.ID] = true
				out = append(out, vuln)
			}
			for _, pid := range v.Affected {
				p, ok := products[pid]
				if !ok || slices.Contains(v.Fixed, pid) || slices.Contains(v.NotAffected, pid) {
					continue
				}
				terms := []string{"software:vendor = " + quote(p.Vendor), "software:name = " + quote(p.Name)}
				switch {
				case p.Version != "":
					terms = append(terms, "software:version = "+quote(p.Version))
				case p.Range != "":
					terms = append(terms, "software:x_ward_versions = "+quote(p.Range))
				}
				ind := newObject("indicator", "advisory|"+a.ID+"|"+v.CVE+"|"+pid, now)
				ind.CreatedByRef = creator
				ind.Props["name"] = fmt.Sprintf("%s %s affected by %s", p.Vendor, p.Name, v.CVE)
				ind.Props["indicator_types"] = []string{"compromised"}
				ind.Props["pattern"] = "[" + strings.Join(terms, " AND ") + "]"
				ind.Props["pattern_type"] = "stix"
				ind.Props["valid_from"] = Stamp(now)
				ind.ExternalReferences = []ExternalReference{{SourceName: "csaf", ExternalID: a.ID}}
				Mark(&ind, tlp)
				if !seen[ind.ID] {
					seen[ind.ID] = true
					out = append(out, ind, relationship("indicates", ind.ID, vuln.ID, creator, tlp, now))
				}
			}
		}
	}
	return out
}

// Sightings tells the community which vulnerabilities the organisation has
// seen on its assets and on how many, under its pseudonym, with nothing
// that identifies an asset, an address or a person: a count per CVE.
func Sightings(matches []intel.Match, identity Object, tlp TLP, now time.Time) []Object {
	count := map[string]map[string]bool{}
	for _, m := range matches {
		if m.CVE == "" {
			continue
		}
		if count[m.CVE] == nil {
			count[m.CVE] = map[string]bool{}
		}
		count[m.CVE][m.Asset] = true
	}
	cves := make([]string, 0, len(count))
	for c := range count {
		cves = append(cves, c)
	}
	sort.Strings(cves)
	var out []Object
	for _, c := range cves {
		out = append(out, sighting(c, len(count[c]), identity, tlp, now)...)
	}
	return out
}

// Cleared tells the community that the organisation no longer sees
// vulnerabilities it sighted before (they were patched or the devices
// retired): a sighting of each with count 0, so the hub sees patch
// progress.
func Cleared(cves []string, identity Object, tlp TLP, now time.Time) []Object {
	var out []Object
	for _, c := range cves {
		out = append(out, sighting(c, 0, identity, tlp, now)...)
	}
	return out
}

// sighting is the organisation's vulnerability object for a CVE and its
// sighting of it on count assets (first seen now when count > 0).
func sighting(cve string, count int, identity Object, tlp TLP, now time.Time) []Object {
	vuln := Vulnerability(cve, "", identity.ID, tlp, now)
	s := newObject("sighting", "sighting|"+identity.ID+"|"+cve, now)
	s.CreatedByRef = identity.ID
	s.Props["sighting_of_ref"] = vuln.ID
	s.Props["where_sighted_refs"] = []string{identity.ID}
	s.Props["count"] = count
	if count > 0 {
		s.Props["first_seen"] = Stamp(now)
	}
	s.Props["last_seen"] = Stamp(now)
	Mark(&s, tlp)
	return []Object{vuln, s}
}

// Note attaches a text to objects.
func Note(content string, refs []string, creator string, tlp TLP, now time.Time) Object {
	o := newObject("note", "note|"+creator+"|"+content, now)
	o.CreatedByRef = creator
	o.Props["content"] = content
	o.Props["object_refs"] = refs
	Mark(&o, tlp)
	return o
}

// Report groups objects under a title, as published.
func Report(name string, objects []Object, creator string, tlp TLP, now time.Time) Object {
	o := newObject("report", "report|"+creator+"|"+name, now)
	o.CreatedByRef = creator
	o.Props["name"] = name
	o.Props["published"] = Stamp(now)
	o.Props["report_types"] = []string{"vulnerability"}
	refs := make([]string, 0, len(objects))
	for _, x := range objects {
		refs = append(refs, x.ID)
	}
	o.Props["object_refs"] = refs
	Mark(&o, tlp)
	return o
}
