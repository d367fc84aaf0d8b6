package share

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// TLP is a Traffic Light Protocol 2.0 level.
type TLP string

// The TLP 2.0 levels, from the most open.
const (
	Clear       TLP = "clear"
	Green       TLP = "green"
	Amber       TLP = "amber"
	AmberStrict TLP = "amber+strict"
	Red         TLP = "red"
)

// Levels lists the levels from the most open to the most restricted.
var Levels = []TLP{Clear, Green, Amber, AmberStrict, Red}

// tlpExtension is the STIX extension definition of TLP 2.0 markings.
const tlpExtension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// The official STIX ids of the TLP 2.0 marking definitions, and those of
// TLP 1.0 that other tools still send (white is clear).
var (
	markingIDs = map[TLP]string{
		Clear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		Green:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		Amber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		AmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		Red:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	}
	tlp1IDs = map[string]TLP{
		"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Clear,
		"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Green,
		"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Amber,
		"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Red,
	}
)

// ParseTLP reads a level as people write it: "TLP:AMBER+STRICT", "amber",
// "white" (TLP 1.0 for clear).
func ParseTLP(s string) (TLP, error) {
	v := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "TLP:")))
	if v == "white" {
		return Clear, nil
	}
	if t := TLP(v); slices.Contains(Levels, t) {
		return t, nil
	}
	return "", fmt.Errorf("TLP level %q: clear, green, amber, amber+strict or red", s)
}

// Rank orders the levels: clear 0 to red 4.
func (t TLP) Rank() int { return slices.Index(Levels, t) }

// MarkingID is the level's official marking-definition id.
func (t TLP) MarkingID() string { return markingIDs[t] }

// Marking is the level's marking-definition object, as OASIS publishes it.
func (t TLP) Marking() Object {
	created := Stamp(time.Date(2022, 10, 1, 0, 0, 0, 0, time.UTC))
	return Object{Type: "marking-definition", SpecVersion: SpecVersion, ID: t.MarkingID(), Created: created,
		Props: map[string]any{
			"name":       "TLP:" + strings.ToUpper(string(t)),
			"extensions": map[string]any{tlpExtension: map[string]any{"extension_type": "property-extension", "tlp_2_0": string(t)}},
		}}
}

// GranularMarking marks some of an object's properties (its selectors).
type GranularMarking struct {
	MarkingRef string   `json:"marking_ref,omitempty"`
	Lang       string   `json:"lang,omitempty"`
	Selectors  []string `json:"selectors"`
}

// Level is the one TLP decision for an object, from every marking it
// carries: its object-level markings and the markings of any of its
// properties (granular), whichever part they cover, since the object
// travels whole. Ids are compared without regard to case, as UUIDs are.
// A marking that is neither TLP 2.0 nor 1.0 nor named neutral (a
// statement marking defined alongside, say) counts as RED: what Ward
// cannot read the terms of does not travel. The most restrictive wins;
// ok is false when nothing marks the object.
func Level(refs []string, granular []GranularMarking, neutral map[string]bool) (TLP, bool) {
	best, ok := Clear, false
	take := func(ref string) {
		if ref == "" {
			return
		}
		ref = strings.ToLower(ref)
		t, known := tlp1IDs[ref]
		if level, v2 := TLPByMarking(ref); v2 {
			t, known = level, true
		}
		if !known {
			if neutral[ref] {
				return
			}
			t = Red
		}
		if !ok || t.Rank() > best.Rank() {
			best, ok = t, true
		}
	}
	for _, ref := range refs {
		take(ref)
	}
	for _, g := range granular {
		take(g.MarkingRef)
	}
	return best, ok
}

// TLPOf is an object's TLP level (Level), with no neutral markings.
func TLPOf(o *Object) (TLP, bool) {
	return Level(o.ObjectMarkingRefs, o.GranularMarkings, nil)
}

// Neutral lists, of marking definitions, those whose terms are not a
// traffic light: statement markings (copyright, terms of use), which do
// not restrict where an object may go.
func Neutral(defs []Header) map[string]bool {
	out := map[string]bool{}
	for _, d := range defs {
		if d.Type == "marking-definition" && d.DefinitionType == "statement" {
			out[strings.ToLower(d.ID)] = true
		}
	}
	return out
}

// Mark sets an object's TLP level, replacing any other TLP marking.
func Mark(o *Object, t TLP) {
	o.ObjectMarkingRefs = slices.DeleteFunc(o.ObjectMarkingRefs, func(ref string) bool {
		_, v1 := tlp1IDs[strings.ToLower(ref)]
		_, v2 := TLPByMarking(ref)
		return v1 || v2
	})
	o.ObjectMarkingRefs = append(o.ObjectMarkingRefs, t.MarkingID())
}

// TLPByMarking finds the TLP 2.0 level of a marking-definition id, in
// any case.
func TLPByMarking(id string) (TLP, bool) {
	for level, v := range markingIDs {
		if strings.EqualFold(v, id) {
			return level, true
		}
	}
	return "", false
}

// Audience is who an object goes to.
type Audience string

// Audiences, from the closest.
const (
	// Organisation: the hospital itself (its own Ward).
	Organisation Audience = "organisation"
	// Community: the sharing community, a hub and its members.
	Community Audience = "community"
	// Public: anyone, such as a public collection.
	Public Audience = "public"
)

func (a Audience) rank() int { return slices.Index([]Audience{Organisation, Community, Public}, a) }

// Policy says how far each level may travel. RED and AMBER+STRICT never
// leave the organisation and AMBER goes no further than the community:
// those are the standard's and cannot be widened. GREEN and CLEAR are
// configured (defaults: GREEN to the community, CLEAR to the public).
type Policy struct {
	Green, Clear Audience
	// Unmarked is the level assumed for an object without a TLP marking
	// (default AMBER: what is not marked does not travel far).
	Unmarked TLP
}

// DefaultPolicy is the policy when none is configured.
var DefaultPolicy = Policy{Green: Community, Clear: Public, Unmarked: Amber}

// Reach is how far a level may travel under the policy.
func (p Policy) Reach(t TLP) Audience {
	switch t {
	case Clear:
		return orDefault(p.Clear, Public)
	case Green:
		return min2(orDefault(p.Green, Community), Community, p.Green == Public)
	case Amber:
		return Community
	}
	return Organisation
}

func orDefault(a, d Audience) Audience {
	if a == "" {
		return d
	}
	return a
}

// min2 keeps GREEN within the community unless the policy opens it to the
// public explicitly.
func min2(a, limit Audience, open bool) Audience {
	if open || a.rank() <= limit.rank() {
		return a
	}
	return limit
}

// Allows tells whether an object may go to an audience.
func (p Policy) Allows(o *Object, to Audience) bool {
	t, ok := TLPOf(o)
	if !ok {
		t = p.Unmarked
		if t == "" {
			t = Amber
		}
	}
	return to.rank() <= p.Reach(t).rank()
}

// Filter keeps the objects that may go to an audience and says how many
// it held back.
func (p Policy) Filter(objects []Object, to Audience) (out []Object, held int) {
	for i := range objects {
		if p.Allows(&objects[i], to) {
			out = append(out, objects[i])
		} else {
			held++
		}
	}
	return out, held
}
