package assess

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/graph"
	"github.com/wardhealth/ward/internal/hugepage"
	"github.com/wardhealth/ward/internal/parallel"
)

// Step is one move of an attacker, with how likely it succeeds and why.
type Step struct {
	From      string  `json:"from"`
	To        string  `json:"to"`
	Via       string  `json:"via"`
	Technique string  `json:"technique,omitempty"`
	P         float64 `json:"p"`
	Reason    string  `json:"reason"`
	// Rule names the firewall rule that allows the step, when one does.
	Rule string `json:"rule,omitempty"`
	link int    // 1 + index of the model link the step uses; 0 for none
	rule int    // 1 + index of the model rule the step passes; 0 for none
}

// AttackPath is a sequence of steps from an entry point to a target; its
// probability is the product of its steps'.
type AttackPath struct {
	Entry  string  `json:"entry"`
	Target string  `json:"target"`
	P      float64 `json:"p"`
	Steps  []Step  `json:"steps"`
}

// TargetPaths are the most likely paths to one critical target.
type TargetPaths struct {
	Target string       `json:"target"`
	Kind   string       `json:"kind"`
	Why    string       `json:"why"`
	P      float64      `json:"p"`
	Paths  []AttackPath `json:"paths"`
}

// ScenarioResult is a catalog scenario evaluated on the model.
type ScenarioResult struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Threat   string       `json:"threat"`
	Feasible bool         `json:"feasible"`
	P        float64      `json:"p"`
	Targets  int          `json:"targets"`
	Paths    []AttackPath `json:"paths"`
}

// Attack options.
const (
	// DefaultPaths is how many paths are found per target.
	DefaultPaths = 5
	// DefaultTargets is how many of the most exposed critical targets get
	// their k paths filled up with the next most likely (Yen's algorithm).
	// The first diverseTargets get the most likely path from each entry
	// point; the others their most likely path only, so that a group of
	// hospitals' tens of thousands of targets stay a readable result.
	DefaultTargets = 10
	diverseTargets = 100
)

// attackGraph is the directed graph of possible steps.
type attackGraph struct {
	g       *graph.Directed
	names   []string // node names: asset ids, zone ids, "flat network ZONE", "entry:KIND"
	steps   []step   // by arc id
	entries map[string]int
	order   []string // entry kinds in the order their nodes were made
	assets  int
	from    []int32 // by arc id: the arc's ends
	to      []int32
	lean    bool // steps without words (newAttackGraph)
	// m and facts are what the graph was made of: a step's words are
	// made from them when a path is told (Step).
	m     *ward.Model
	facts []catalog.AssetFacts
	techs []string // the steps' techniques, by step.tech
	// arcs are a lean graph's steps, listed for the plan, which
	// re-evaluates them where a change touches the model; g is left empty.
	arcs []arc
}

// step is an arc of the attack graph as the graph keeps it beside its
// probability (in g): what made it (kind, and the link or rule it uses)
// and the codes its words come from, which Step says when a path is told.
// A hospital's graph has millions of arcs: they hold no text.
type step struct {
	link int32 // 1 + index of the model link the step uses; 0 for none
	rule int32 // 1 + index of the model rule the step passes; 0 for none
	kind stepKind
	tech uint8  // index in attackGraph.techs
	why  uint16 // stepOdds's why code, or the kind's variant (why* bits)
}

// stepKind says what made a step, and so how Step words it.
type stepKind uint8

const (
	stepLink      stepKind = iota // over a link, from its one end to the other
	stepSession                   // over a link from a remote-access gateway: its sessions
	stepScan                      // from a flat network onto an asset in it
	stepZone                      // from an asset to its zone
	stepRuleOpen                  // from a zone to a rule it opens: the step after it says it
	stepRule                      // through a rule onto an asset
	stepDump                      // from a user system to its directory
	stepLogon                     // from a directory to a system that uses it
	stepFlat                      // from an asset to its flat network
	stepEntryZone                 // from an entry point to its zone
	stepEntryFlat                 // from an entry point to its zone's flat network
	stepInternet                  // from the Internet onto an exposed asset
	stepVendor                    // from a vendor's compromise onto its system
	stepPhishing                  // from a phishing e-mail onto a workstation
	stepPhysical                  // from physical access onto a device
	stepSupplier                  // from a supplier's compromise onto its service
)

// Variant bits of the steps whose words depend on a control.
const (
	whyPAM       = 1 << iota // stepDump, stepLogon: privileged access management
	whyAwareness             // stepPhishing: awareness training
	whyFiltering             // stepPhishing: e-mail filtering
	whyProtected             // stepPhysical: physically protected
)

// arc is a step of a lean graph: its ends and its cost, -log p, as the
// graph package has it.
type arc struct {
	from, to int32
	cost     float64
}

// entryOdds are how likely an attacker holds each position to begin with:
// anyone is on the Internet; someone must come within radio range of the
// guest Wi-Fi; a vendor must be compromised first. Ward's calibration
// (docs/attack-paths.md).
var entryOdds = map[string]float64{"internet": 1, "guest-wifi": 0.5, "vendor-remote": 0.2}

var entryWhy = map[string]string{
	"guest-wifi":    " (within radio range of the hospital, p 0.5)",
	"vendor-remote": " (a vendor compromised first, p 0.2)",
}

var remoteAdminTechnique = map[bool]string{true: "T1021", false: "T1110"}

// internetStep rates an attacker on the Internet stepping onto an asset the
// Internet reaches.
func internetStep(f *catalog.AssetFacts) (float64, string, string) {
	p, tech, why := 0.3, "T1190", "reachable from the Internet"
	switch {
	case slices.Contains([]string{"vpn-gateway", "server", "identity-provider", "cloud-service"}, f.Kind) && !slices.Contains(f.OwnControls, "mfa"):
		p, tech, why = 0.6, "T1133", "Internet-facing logon without MFA"
	case f.Kind == "vpn-gateway" || f.Kind == "identity-provider":
		p, tech, why = 0.1, "T1133", "Internet-facing logon with MFA (phished or fatigued second factors)"
	}
	if f.EOS || f.Vulnerabilities > 0 {
		p, tech, why = 0.8, "T1190", "Internet-facing and out of support or vulnerable"
	}
	if f.Exploited > 0 {
		p, tech, why = 0.9, "T1190", "Internet-facing with a vulnerability exploited in the wild (KEV)"
	}
	return p, tech, why
}

// stepFrom says where a step comes from: across zones, from the Internet,
// from an asset holding the link's own end.
type stepFrom struct{ crossing, internet, asset bool }

// Why a step is as likely as it is: stepOdds says which, stepReason says
// it in words, so that measuring many models (the plan) builds no text.
const (
	whyStolen = iota
	whyInternet
	whyVulnerable
	whyExploited
	whyUnsupported
	whyDefault
	whyGateway
	whyOpenAdmin
	whyAdminNoMFA
	whyUnauthenticated
	whyStored
	whyEDR      = 1 << 8
	whyFirewall = 1 << 9
)

// stepOdds rates stepping onto a target over a link (nil for an
// unfiltered flat network): the probability, the technique and a why code
// (stepReason says it in words).
func stepOdds(f *catalog.AssetFacts, l *ward.Link, from stepFrom) (float64, string, int) {
	p, tech, why := 0.15, "T1078", whyStolen
	if from.internet {
		p, tech, _ = internetStep(f)
		why = whyInternet
	}
	better := func(q float64, t string, w int) {
		if q > p {
			p, tech, why = q, t, w
		}
	}
	device := f.Category == string(ward.CategoryMedicalDevice) || f.Category == string(ward.CategoryBuilding) || f.Category == string(ward.CategoryNetwork)
	if f.Vulnerabilities > 0 {
		better(0.8, "T1210", whyVulnerable)
	}
	if f.Exploited > 0 {
		better(0.9, "T1210", whyExploited)
	}
	if f.EOS {
		better(0.6, "T1210", whyUnsupported)
	}
	if device && !slices.Contains(f.Controls, "strong-credentials") && !slices.Contains(f.Controls, "device-authentication") {
		tech := "T1078"
		if f.Category == string(ward.CategoryMedicalDevice) || f.Category == string(ward.CategoryBuilding) {
			tech = "T0812"
		}
		better(0.4, tech, whyDefault)
	}
	gateway := f.Kind == "vpn-gateway" || f.Kind == "identity-provider"
	if gateway && !slices.Contains(f.OwnControls, "mfa") {
		// A remote-access gateway logs users on: a password alone is
		// what stands between (bought, phished or sprayed).
		better(0.6, "T1133", whyGateway)
	}
	if l != nil && !gateway {
		admin := remoteAdmin(l.Protocol)
		switch {
		case admin && !l.Authenticated:
			better(0.9, "T1021", whyOpenAdmin)
		case admin && !slices.Contains(f.Controls, "mfa"):
			better(0.5, remoteAdminTechnique[false], whyAdminNoMFA)
		case admin:
			// an interactive logon with MFA: a stored password is not enough
		case !l.Authenticated && !attachment(l.Protocol):
			tech := "T1210"
			switch {
			case f.Category == string(ward.CategoryMedicalDevice) || f.Category == string(ward.CategoryBuilding):
				tech = "T0855"
			case f.Kind == "vpn-gateway":
				tech = "T1133"
			}
			better(0.6, tech, whyUnauthenticated)
		case from.asset && !attachment(l.Protocol):
			// A flow that authenticates has its credential stored on the
			// end that opens it (a service account in a configuration
			// file): whoever holds that end holds the credential. Less
			// than an unauthenticated flow, so authenticating never helps
			// the attacker.
			better(0.5, "T1552", whyStored)
		}
	}
	if slices.Contains(f.Controls, "edr") {
		p *= 0.7
		why |= whyEDR
	}
	if from.crossing && slices.Contains(f.Controls, "firewall") {
		p *= 0.8
		why |= whyFirewall
	}
	return min(max(p, 0.01), 0.95), tech, why
}

// stepReason says a why code of stepOdds in words.
func stepReason(why int, f *catalog.AssetFacts, l *ward.Link) string {
	var s string
	switch why &^ (whyEDR | whyFirewall) {
	case whyInternet:
		_, _, s = internetStep(f)
	case whyVulnerable:
		s = fmt.Sprintf("%d known vulnerabilities", f.Vulnerabilities)
	case whyExploited:
		s = fmt.Sprintf("%d vulnerabilities exploited in the wild (KEV)", f.Exploited)
	case whyUnsupported:
		s = "out of support since " + f.EndOfSupport
	case whyDefault:
		s = "default or shared credentials not ruled out"
	case whyGateway:
		s = "gateway logon without MFA"
	case whyOpenAdmin:
		s = string(l.Protocol) + " without authentication"
	case whyAdminNoMFA:
		s = string(l.Protocol) + " logon without MFA"
	case whyUnauthenticated:
		s = string(l.Protocol) + " service accepts unauthenticated commands"
	case whyStored:
		s = "the credential the flow's other end holds for it (unsecured credentials)"
	default:
		s = "logon with stolen credentials"
	}
	if why&whyEDR != 0 {
		s += "; EDR in place"
	}
	if why&whyFirewall != 0 {
		s += "; zone firewall"
	}
	return s
}

// viaLinks names a link step by its protocol, made once.
var viaLinks = func() map[ward.Protocol]string {
	out := map[ward.Protocol]string{}
	for _, p := range ward.Protocol("").Enum() {
		out[ward.Protocol(p)] = p + " link"
	}
	return out
}()

func viaLink(p ward.Protocol) string {
	if v, ok := viaLinks[p]; ok {
		return v
	}
	return string(p) + " link"
}

// buildAttackGraph turns the model into possible steps, from every kind of
// entry point; a search starts from those it is given.
func buildAttackGraph(x *ward.Index, facts []catalog.AssetFacts, org *catalog.OrgFacts) *attackGraph {
	return newAttackGraph(x, facts, org, false, nil)
}

// newAttackGraph builds the graph; a lean one has the steps' probabilities
// only, without their words, as a list of arcs, for measuring many models
// (the plan). With want, a lean graph has only the steps into and out of
// the assets wanted (and the zones' and rules' own): those a change to
// them can alter.
func newAttackGraph(x *ward.Index, facts []catalog.AssetFacts, org *catalog.OrgFacts, lean bool, want []bool) *attackGraph {
	m := x.Model()
	if !lean {
		want = nil
	}
	// wanted tells whether a node's steps are made: an asset's when it is
	// wanted, every other node's.
	wanted := func(v int) bool { return want == nil || v >= len(want) || want[v] }
	ag := &attackGraph{entries: map[string]int{}, assets: len(m.Assets), lean: lean, m: m, facts: facts}
	// The links' steps, counted in ranges side by side (room for every
	// link both ways was some hundreds of megabytes too many at a million
	// assets, given back by a copy that doubled them for a while), the
	// rules', and per asset its zone, its flat network both ways, a logon
	// or two and an entry step.
	openings := m.Openings()
	parts := parallel.Parts(len(m.Links), linkStepsApart)
	at := make([]int, parts+1) // where each range's link steps begin
	parallel.Split(len(m.Links), parts, func(p, lo, hi int) {
		c := 0
		eachLinkStep(x, lo, hi, func(int, int, int) { c++ })
		at[p+1] = c
	})
	for p := range parts {
		at[p+1] += at[p]
	}
	arcs := at[parts] + 6*len(m.Assets)
	for _, o := range openings {
		arcs += 1 + len(o.Assets)
	}
	if lean {
		ag.arcs = make([]arc, 0, arcs)
	} else {
		ag.steps = make([]step, 0, arcs)
		ag.from, ag.to = make([]int32, 0, arcs), make([]int32, 0, arcs)
		hugepage.Slice(ag.steps)
		hugepage.Slice(ag.from)
		hugepage.Slice(ag.to)
	}
	ag.techs = slices.Clone(stepTechniques)
	var techMu sync.Mutex
	techs := map[string]uint8{} // beyond stepTechniques
	// tech codes a technique; safe side by side, as the links' steps are
	// made: the techniques the steps name are coded beforehand.
	tech := func(t string) uint8 {
		if k, ok := techniqueCode[t]; ok {
			return k
		}
		techMu.Lock()
		defer techMu.Unlock()
		k, ok := techs[t]
		if !ok {
			k = uint8(len(ag.techs))
			techs[t] = k
			ag.techs = append(ag.techs, t)
		}
		return k
	}
	ag.names = make([]string, 0, len(m.Assets)+2*len(m.Zones)+8)
	for i := range m.Assets {
		ag.names = append(ag.names, m.Assets[i].ID)
	}
	// A zone's node is the zone's position after the assets'.
	zoneNode := func(id string) (int, bool) {
		j, ok := x.Zone(id)
		return len(m.Assets) + j, ok
	}
	internetZone := func(id string) bool { return x.ZoneKind(id) == "internet" }
	for _, z := range m.Zones {
		ag.names = append(ag.names, z.ID)
	}
	hub := map[string]int{}
	flat := map[string][2]string{} // per zone: its hub's name, why it has one
	for _, z := range m.Zones {
		if slices.Contains(z.Controls, "segmentation") || z.Kind == "internet" || z.Kind == "cloud" || z.Kind == "remote-care" || z.Kind == "vendor-remote" {
			continue
		}
		hub[z.ID] = len(ag.names)
		ag.names = append(ag.names, "flat network "+z.ID)
		flat[z.ID] = [2]string{"flat network " + z.ID, "zone " + z.ID + " is not segmented"}
	}
	for _, e := range ward.EntryPoint("").Enum() {
		ag.entries[string(e)] = len(ag.names)
		ag.order = append(ag.order, string(e))
		ag.names = append(ag.names, "entry:"+string(e))
	}
	ruleNode := make([]int, len(openings))
	for k, o := range openings {
		ruleNode[k] = len(ag.names)
		ag.names = append(ag.names, "rule "+m.Rules[o.Rule].ID)
	}
	// The steps' probabilities, until the graph is made of them: a graph
	// grown arc by arc held a third more than its arcs at a million
	// assets, and left as much again to collect.
	var ps []float64
	if !lean {
		ps = make([]float64, 0, arcs)
	}
	add := func(from, to int, p float64, s step) {
		if ag.lean {
			// probabilities only: no path is told from a lean graph. The
			// arcs the graph package would drop are dropped alike.
			if p > 0 && from != to {
				ag.arcs = append(ag.arcs, arc{int32(from), int32(to), -math.Log(min(p, 1))})
			}
			return
		}
		ps = append(ps, p) // the graph's arcs are added at the end
		ag.steps = append(ag.steps, s)
		ag.from = append(ag.from, int32(from))
		ag.to = append(ag.to, int32(to))
	}
	// words adds a step with its technique, unless the graph is lean.
	words := func(from, to int, kind stepKind, t string, p float64, why int) {
		if ag.lean {
			add(from, to, p, step{})
			return
		}
		add(from, to, p, step{kind: kind, tech: tech(t), why: uint16(why)})
	}
	// The remote-access gateways, read for every link's opening end: a
	// look at the asset's own record there was a cache miss each, a
	// twentieth of an assessment at a million assets.
	gateway := make([]bool, len(m.Assets))
	for i := range m.Assets {
		gateway[i] = m.Assets[i].Kind == "vpn-gateway"
	}
	// onto is the step onto asset to over link l (nil: a flat network's
	// scan), whose opening end is in zone fz, of the Internet or not.
	onto := func(from int, to int, l *ward.Link, li int, fz string, fromInternet bool) (float64, step) {
		f := &facts[to]
		sf := stepFrom{crossing: l != nil && fz != f.Zone, internet: l != nil && fromInternet, asset: from < len(m.Assets)}
		p, t, code := stepOdds(f, l, sf)
		kind := stepLink
		if l == nil {
			kind = stepScan
		}
		if from < len(m.Assets) && gateway[from] && p < 0.9 {
			// Whoever logs on to a remote-access gateway is handed the
			// sessions it publishes, with a valid account.
			p, t, kind = 0.9, "T1078", stepSession
		}
		if ag.lean {
			return p, step{}
		}
		return p, step{link: int32(li + 1), kind: kind, tech: tech(t), why: uint16(code)}
	}
	// Links: an attacker on one end reaches the other's service. Each
	// range of links writes its steps at the place counted for them, so
	// that they are in link order, as made by one pass; a lean graph's
	// dropped arcs leave gaps, closed after.
	n := at[parts]
	if lean {
		ag.arcs = ag.arcs[:n]
	} else {
		ps, ag.steps, ag.from, ag.to = ps[:n], ag.steps[:n], ag.from[:n], ag.to[:n]
	}
	made := make([]int, parts) // per range, its steps kept
	parallel.Split(len(m.Links), parts, func(p, lo, hi int) {
		k := at[p]
		eachLinkStep(x, lo, hi, func(from, to, li int) {
			if want != nil && !want[to] && (from >= len(want) || !want[from]) {
				return
			}
			l := &m.Links[li]
			fz, fin := x.ZoneOf(x.From[li], l.From), x.ZoneKindOf(x.From[li]) == "internet"
			pr, s := onto(from, to, l, li, fz, fin)
			if lean {
				if pr > 0 && from != to { // as add drops them
					ag.arcs[k] = arc{int32(from), int32(to), -math.Log(min(pr, 1))}
					k++
				}
				return
			}
			ps[k], ag.steps[k], ag.from[k], ag.to[k] = pr, s, int32(from), int32(to)
			k++
		})
		made[p] = k - at[p]
	})
	if lean {
		k := 0
		for p := range parts {
			k += copy(ag.arcs[k:], ag.arcs[at[p]:at[p]+made[p]])
		}
		ag.arcs = ag.arcs[:k]
	}
	// Zones: an attacker who holds an asset may open what its zone's
	// rules (and links from the zone) allow.
	for i := range m.Assets {
		a := &m.Assets[i]
		if zn, ok := zoneNode(a.Zone); ok && wanted(i) {
			add(i, zn, 1, step{kind: stepZone})
		}
	}
	// Rules: a zone opens the assets its allow rules let through, over a
	// node per rule so that a cut can close the rule as one change.
	for k, o := range openings {
		r := &m.Rules[o.Rule]
		from, ok := zoneNode(r.From)
		if !ok {
			continue
		}
		rn := ruleNode[k]
		add(from, rn, 1, step{kind: stepRuleOpen, rule: int32(o.Rule + 1)})
		pseudo := ruleLink(r)
		for _, i := range o.Assets {
			if !wanted(i) {
				continue
			}
			f := &facts[i]
			p, t, code := stepOdds(f, pseudo, stepFrom{crossing: f.Zone != r.From, internet: internetZone(r.From)})
			if ag.lean {
				add(rn, i, p, step{})
				continue
			}
			add(rn, i, p, step{kind: stepRule, rule: int32(o.Rule + 1), tech: tech(t), why: uint16(code)})
		}
	}
	// The directory tier: credentials that log on through a directory are
	// cached on the systems that use it, and its administrators log on to
	// all of them. Ransomware spreads this way in hospitals.
	for _, pair := range logons(x) {
		user, dir := pair[0], pair[1]
		if !wanted(user) && !wanted(dir) {
			continue
		}
		fd := &facts[dir]
		pam := slices.Contains(fd.Controls, "privileged-access-management")
		p, why := 0.5, 0
		if pam {
			p, why = 0.05, whyPAM
		}
		words(user, dir, stepDump, "T1003", p, why)
		if fd.Category == string(ward.CategoryIdentity) {
			q := 0.9
			if pam {
				q = 0.5
			}
			words(dir, user, stepLogon, "T1021", q, why)
		}
	}
	// Flat networks: every asset reaches every other in its zone.
	for i := range m.Assets {
		a := &m.Assets[i]
		if h, ok := hub[a.Zone]; ok && wanted(i) {
			add(i, h, 1, step{kind: stepFlat})
			p, s := onto(h, i, nil, -1, "", false)
			add(h, i, p, s)
		}
	}
	// Entry points.
	for _, e := range ag.order {
		node := ag.entries[e]
		for _, z := range m.Zones {
			zid, k := z.ID, z.Kind
			zn, _ := zoneNode(zid)
			if (e == "internet" && k == "internet") || (e == "guest-wifi" && k == "guest-wifi") || (e == "vendor-remote" && k == "vendor-remote") {
				p := entryOdds[e]
				add(node, zn, p, step{kind: stepEntryZone})
				if h, ok := hub[zid]; ok {
					add(node, h, p, step{kind: stepEntryFlat})
				}
			}
		}
		for i := range facts {
			if !wanted(i) {
				continue
			}
			f := &facts[i]
			switch e {
			case "internet":
				// Links and rules from the internet zone are steps of their
				// own; a declared exposure has no link to step over.
				if m.Assets[i].InternetExposed && f.ZoneKind != "internet" {
					p, t, _ := internetStep(f)
					words(node, i, stepInternet, t, p, 0)
				}
			case "vendor-remote":
				if f.ZoneKind == "vendor-remote" {
					words(node, i, stepVendor, "T1199", entryOdds[e], 0)
				}
			case "phishing":
				if f.Kind == "workstation" || f.Kind == "mobile-client" {
					p, why := 0.3, 0
					if slices.Contains(org.Controls, "awareness-training") {
						p *= 0.5
						why |= whyAwareness
					}
					if slices.Contains(org.Controls, "email-filtering") {
						p *= 0.7
						why |= whyFiltering
					}
					words(node, i, stepPhishing, "T1566", p, why)
				}
			case "physical":
				if slices.Contains(m.Assets[i].Tags, "public-area") || f.Kind == "mobile-client" || f.Kind == "wearable" {
					p, why := 0.3, 0
					if slices.Contains(f.Controls, "physical-protection") {
						p, why = 0.1, whyProtected
					}
					words(node, i, stepPhysical, "T1200", p, why)
				}
			case "supplier":
				if f.Category == string(ward.CategoryCloud) || f.Category == string(ward.CategoryExternalService) || (f.ZoneKind == "cloud" && f.Category == string(ward.CategoryRemoteCare)) {
					words(node, i, stepSupplier, "T1195", 0.05, 0)
				}
			}
		}
	}
	if !lean {
		// The graph's arcs, each node's in one block made at its size.
		ag.g = graph.NewDirected(len(ag.names)) // a lean graph's steps are its arcs
		out := make([]int, len(ag.names))
		for id, p := range ps {
			if graph.Kept(int(ag.from[id]), int(ag.to[id]), p) {
				out[ag.from[id]]++
			}
		}
		ag.g.Reserve(out)
		for id, p := range ps {
			ag.g.Add(int(ag.from[id]), int(ag.to[id]), p, id)
		}
	}
	if unused := cap(ag.steps) - len(ag.steps); unused > len(ag.steps)/4 {
		// Assets with few steps of their own left much of their room
		// unused: give it back.
		ag.steps, ag.from, ag.to = slices.Clone(ag.steps), slices.Clone(ag.from), slices.Clone(ag.to)
	}
	return ag
}

// linkStepsApart is the fewest links whose steps are made in ranges side
// by side.
var linkStepsApart = 1 << 16

// eachLinkStep calls fn for each step links [lo, hi) make, in link order:
// one onto each asset end a link can be opened towards, from an asset or a
// zone (a zone's node follows the assets'), cabling aside.
func eachLinkStep(x *ward.Index, lo, hi int, fn func(from, to, li int)) {
	m := x.Model()
	node := func(e ward.End) (int, bool) {
		if i, ok := e.Asset(); ok {
			return i, true
		}
		j, ok := e.Zone()
		return len(m.Assets) + j, ok
	}
	for li := lo; li < hi; li++ {
		l := &m.Links[li]
		if attachment(l.Protocol) {
			continue
		}
		f, t := x.From[li], x.To[li]
		if to, ok := t.Asset(); ok {
			if from, ok := node(f); ok {
				fn(from, to, li)
			}
		}
		if l.Direction != "both" {
			continue
		}
		if to, ok := f.Asset(); ok {
			if from, ok := node(t); ok {
				fn(from, to, li)
			}
		}
	}
}

// linkSteps counts the steps the links make.
func linkSteps(x *ward.Index) int {
	n := 0
	eachLinkStep(x, 0, len(x.Model().Links), func(int, int, int) { n++ })
	return n
}

// stepTechniques are the ATT&CK techniques the attack steps name, coded by
// their place (0: none), so that the links' steps, made side by side, code
// them without a lock.
var stepTechniques = []string{"", "T1078", "T1190", "T1133", "T1210", "T0812", "T0855", "T1021", "T1110", "T1552",
	"T1003", "T1566", "T1200", "T1195", "T1199"}

var techniqueCode = func() map[string]uint8 {
	out := make(map[string]uint8, len(stepTechniques))
	for k, t := range stepTechniques {
		out[t] = uint8(k)
	}
	return out
}()

// ruleLink is the connection a rule allows, as a link: what a step
// through the rule is rated and worded over.
func ruleLink(r *ward.Rule) *ward.Link {
	return &ward.Link{From: r.From, To: r.To, Protocol: r.Protocol, Port: r.Port, Authenticated: true}
}

// stepOf words the step of arc a, from the model and facts the graph was
// made of.
func (ag *attackGraph) stepOf(a graph.Arc) Step {
	s := &ag.steps[a.ID]
	from, to := int(ag.from[a.ID]), int(ag.to[a.ID])
	out := Step{P: a.P, Technique: ag.techs[s.tech], link: int(s.link), rule: int(s.rule)}
	m := ag.m
	var f *catalog.AssetFacts // the asset stepped onto, if any
	if to < len(ag.facts) {
		f = &ag.facts[to]
	}
	var r *ward.Rule
	if s.rule > 0 {
		r = &m.Rules[s.rule-1]
		out.Rule = r.ID
	}
	pam := s.why&whyPAM != 0
	switch s.kind {
	case stepLink, stepSession:
		l := &m.Links[s.link-1]
		out.From, out.To, out.Via = ag.names[from], f.ID, viaLink(l.Protocol)
		out.Reason = stepReason(int(s.why), f, l)
		if s.kind == stepSession {
			out.Reason = "a session " + out.From + " publishes: whoever logs on to the gateway holds a valid account"
		}
	case stepScan:
		out.From, out.To, out.Via, out.Reason = ag.names[from], f.ID, "network scan", stepReason(int(s.why), f, nil)
	case stepZone:
		a := &m.Assets[from]
		out.From, out.To, out.Via, out.Reason = a.ID, a.Zone, "zone network", "what its zone may open is open to it"
	case stepRuleOpen:
		out.From, out.To, out.Via = r.From, ag.names[to], "rule"
	case stepRule:
		out.From, out.To, out.Via = r.From, f.ID, "allowed by rule "+r.Describe()
		out.Reason = stepReason(int(s.why), f, ruleLink(r))
	case stepDump:
		out.From, out.To, out.Via = ag.facts[from].ID, f.ID, "stolen credentials"
		out.Reason = "credentials cached on it log on to the directory (credential dumping)"
		if pam {
			out.Reason = "credentials cached on it log on to the directory; privileged accounts are tiered and never log on to user systems"
		}
	case stepLogon:
		out.From, out.To, out.Via = ag.facts[from].ID, f.ID, "domain logon"
		out.Reason = "the directory's administrators log on to the systems that use it"
		if pam {
			out.Reason = "the directory's administrators log on to the systems that use it, from privileged-access workstations only"
		}
	case stepFlat:
		a := &m.Assets[from]
		out.From, out.To, out.Via, out.Reason = a.ID, ag.names[to], "same network", "zone "+a.Zone+" is not segmented"
	case stepEntryZone, stepEntryFlat:
		e := strings.TrimPrefix(ag.names[from], "entry:")
		out.From, out.To, out.Via = ag.names[from], ag.names[to], "attacker's position"
		if s.kind == stepEntryZone {
			out.Reason = "the attacker is on " + out.To + entryWhy[e]
		} else {
			out.Reason = "the attacker joins " + strings.TrimPrefix(out.To, "flat network ") + entryWhy[e]
		}
	default: // from an entry point onto an asset
		out.From, out.To = ag.names[from], f.ID
		switch s.kind {
		case stepInternet:
			_, _, out.Reason = internetStep(f)
			out.Via = "Internet"
		case stepVendor:
			out.Via, out.Reason = "vendor's own system", "the vendor is compromised"+entryWhy["vendor-remote"]
		case stepPhishing:
			out.Via, out.Reason = "e-mail", "a user opens a malicious attachment or link"
			if s.why&whyAwareness != 0 {
				out.Reason += "; awareness training"
			}
			if s.why&whyFiltering != 0 {
				out.Reason += "; e-mail filtering"
			}
		case stepPhysical:
			out.Via, out.Reason = "physical access", "portable or in a public area"
			if s.why&whyProtected != 0 {
				out.Reason += "; physically protected"
			}
		case stepSupplier:
			out.Via, out.Reason = "supplier", "the supplier's service is compromised"
		}
	}
	return out
}

// toAttackPath turns a graph path from an entry node into steps.
func (ag *attackGraph) toAttackPath(p graph.Path) AttackPath {
	ap := AttackPath{P: p.P, Target: ag.names[p.Nodes[len(p.Nodes)-1]]}
	for _, a := range p.Arcs {
		if a.ID < 0 || ag.steps[a.ID].kind == stepRuleOpen {
			continue // the super source's arcs, and a rule's own node
		}
		ap.Steps = append(ap.Steps, ag.stepOf(a))
	}
	if len(ap.Steps) > 0 {
		ap.Entry = ap.Steps[0].From
	}
	return ap
}

// withSource adds a super source joined to the given entry nodes, and
// returns it.
func (ag *attackGraph) withSource(entries []string) (*graph.Directed, int) {
	g := ag.g.Clone(1)
	src := g.Len() - 1
	for _, e := range entries {
		if n, ok := ag.entries[e]; ok {
			g.Add(src, n, 1, -1-n)
		}
	}
	return g, src
}

// criticalWhy says why an asset is a critical target, or "".
func criticalWhy(f *catalog.AssetFacts) string {
	switch {
	case f.Safety >= 4 || f.PatientSafety >= 4:
		return "patient safety"
	case f.HoldsPHI && f.Confidentiality >= 4:
		return "health data"
	case f.MinOutageMinutes > 0 && f.MinOutageMinutes <= 60:
		return "a clinical service depends on it"
	}
	return ""
}

// reachedTargets are the critical targets some path reaches, the most
// exposed first, without their paths.
func reachedTargets(facts []catalog.AssetFacts, tree *graph.Tree) []TargetPaths {
	var out []TargetPaths
	for i := range facts {
		why := criticalWhy(&facts[i])
		if why == "" || tree.P(i) == 0 {
			continue
		}
		out = append(out, TargetPaths{Target: facts[i].ID, Kind: facts[i].Kind, Why: why, P: tree.P(i)})
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].P != out[b].P {
			return out[a].P > out[b].P
		}
		return out[a].Target < out[b].Target
	})
	return out
}

// fromEachEntry are the most likely paths from each entry point attacks
// start from, in their order.
func (ag *attackGraph) fromEachEntry(m *ward.Model) []*graph.Tree {
	var out []*graph.Tree
	for _, e := range ag.entriesOf(m) {
		if n, ok := ag.entries[e]; ok {
			out = append(out, ag.g.BestFromAny([]int{n}))
		}
	}
	return out
}

// AttackPaths finds, for the critical targets most exposed, their k most
// likely attack paths from the model's entry points. tree is the most
// likely paths from any entry point, as reach finds them.
func AttackPaths(ag *attackGraph, m *ward.Model, facts []catalog.AssetFacts, tree *graph.Tree, k, targets int) []TargetPaths {
	// Yen's algorithm wants one source: a copy of the graph with a super
	// source, made only when paths beyond the likeliest are asked for.
	var g *graph.Directed
	src := -1
	if k > 1 && targets > 0 {
		g, src = ag.withSource(ag.entriesOf(m))
	}
	out := reachedTargets(facts, tree)
	index := map[string]int{}
	for i := range facts {
		index[facts[i].ID] = i
	}
	// The most likely path from each entry point, so that the paths a
	// target gets show every way in (the vendor gateway and a phished
	// workstation), not five turns of the one likeliest.
	perEntry := ag.fromEachEntry(m)
	for ti := range out {
		t := &out[ti]
		v := index[t.Target]
		var paths []graph.Path
		seen := map[string]bool{}
		keep := func(p graph.Path) {
			nodes := p.Nodes
			if nodes[0] == src {
				nodes = nodes[1:] // the super source
			}
			key := fmt.Sprint(nodes)
			if len(paths) < k && !seen[key] {
				seen[key] = true
				paths = append(paths, p)
			}
		}
		var firsts []graph.Path
		for _, et := range perEntry {
			if p, ok := et.Path(v); ok {
				firsts = append(firsts, p)
			}
		}
		// The likeliest first, ties in the order of the entry points, so
		// that the entry a register line's attack starts from is the same
		// whoever asks.
		sort.SliceStable(firsts, func(a, b int) bool { return firsts[a].P > firsts[b].P })
		if ti >= max(targets, diverseTargets) {
			firsts = firsts[:min(1, len(firsts))]
		}
		for _, p := range firsts {
			keep(p)
		}
		if len(paths) < k && ti < targets && g != nil {
			for _, p := range g.Most(src, v, k) {
				keep(p)
			}
		}
		sort.SliceStable(paths, func(a, b int) bool { return paths[a].P > paths[b].P })
		for _, p := range paths {
			t.Paths = append(t.Paths, ag.toAttackPath(p))
		}
	}
	return out
}

// Scenarios evaluates the catalog's scenarios: the most likely paths from
// their entry points to their targets.
func Scenarios(ag *attackGraph, cat *catalog.Catalog, facts []catalog.AssetFacts, org *catalog.OrgFacts, k int) ([]ScenarioResult, error) {
	out := []ScenarioResult{}
	for i := range cat.Scenarios {
		sc := &cat.Scenarios[i]
		g, src := ag.withSource(sc.Entries)
		tree := g.BestFrom(src)
		r := ScenarioResult{ID: sc.ID, Name: sc.Name, Threat: sc.Threat, Paths: []AttackPath{}}
		best := -1
		for j := range facts {
			ok, err := sc.IsTarget(catalog.Subject{Asset: &facts[j], Org: org})
			if err != nil {
				return nil, fmt.Errorf("scenario %s: %w", sc.ID, err)
			}
			if !ok {
				continue
			}
			r.Targets++
			if p := tree.P(j); p > 0 && (best < 0 || p > tree.P(best)) {
				best = j
			}
		}
		if best >= 0 {
			r.Feasible, r.P = true, tree.P(best)
			for _, p := range g.Most(src, best, k) {
				r.Paths = append(r.Paths, ag.toAttackPath(p))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// minimumCut finds the fewest model links and rules that every attack path
// from the network entry points (internet, guest Wi-Fi, vendor access,
// suppliers) to the critical targets crosses: a minimum cut of the attack
// graph where a link's steps or a rule cost 1 and nothing else can be cut.
// Phishing and physical access land on endpoints directly, beyond what
// filtering can stop. ok is false when no set of links and rules separates
// them (an entry point lands on a target, or a flat network joins them).
func (ag *attackGraph) minimumCut(m *ward.Model, facts []catalog.AssetFacts) (links, rules []int, ok bool) {
	nw := graph.NewNetwork(len(ag.names))
	for id, s := range ag.steps {
		from, to := int(ag.from[id]), int(ag.to[id])
		switch {
		case s.link > 0:
			nw.Add(from, to, 1, int(s.link)-1)
		case s.kind == stepRuleOpen:
			nw.Add(from, to, 1, len(m.Links)+int(s.rule)-1)
		default:
			nw.Add(from, to, graph.Inf, -1)
		}
	}
	var sources, sinks []int
	for _, e := range ag.entriesOf(m) {
		if e != "phishing" && e != "physical" {
			sources = append(sources, ag.entries[e])
		}
	}
	for i := range facts {
		if criticalWhy(&facts[i]) != "" {
			sinks = append(sinks, i)
		}
	}
	ids, _, ok := nw.MinCut(sources, sinks)
	if !ok {
		return nil, nil, false
	}
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if id < len(m.Links) {
			links = append(links, id)
		} else {
			rules = append(rules, id-len(m.Links))
		}
	}
	return links, rules, true
}

// entryNodes are the graph's nodes of the entry points attacks start from.
func (ag *attackGraph) entryNodes(m *ward.Model) []int {
	var out []int
	for _, e := range ag.entriesOf(m) {
		if n, ok := ag.entries[e]; ok {
			out = append(out, n)
		}
	}
	return out
}

// entriesOf gives the entry points attacks start from: the model's, or all.
func (ag *attackGraph) entriesOf(m *ward.Model) []string {
	if len(m.Organisation.EntryPoints) == 0 {
		return ag.order
	}
	entries := make([]string, 0, len(m.Organisation.EntryPoints))
	for _, e := range m.Organisation.EntryPoints {
		entries = append(entries, string(e))
	}
	return entries
}

// Reach bands: the probability of the most likely attack path from the
// entry points at which an asset counts as likely (more likely than not),
// possibly and unlikely reached (catalog.AssetFacts.Reach); below the
// last, remote.
var reachBands = [...]float64{0.5, 0.15, 0.03}

// reach sets every asset's Reach from the most likely attack paths and
// returns their tree, to name the path that explains it.
func (ag *attackGraph) reach(m *ward.Model, facts []catalog.AssetFacts) *graph.Tree {
	tree := ag.g.BestFromAny(ag.entryNodes(m))
	for i := range facts {
		facts[i].Reach = reachLevel(tree.P(i))
	}
	return tree
}

func reachLevel(p float64) int {
	for k, b := range reachBands {
		if p >= b {
			return len(reachBands) - k
		}
	}
	return 0
}

// explainReach names, in a risk's attack-path factor, the most likely path
// to the line's first asset, and keeps the path with the risk.
func (ag *attackGraph) explainReach(r *Risk, tree *graph.Tree, asset int) {
	p, ok := tree.Path(asset)
	if !ok {
		return
	}
	ap := ag.toAttackPath(p)
	r.Path = &ap
	for k := range r.Factors {
		x := &r.Factors[k]
		if x.Term == "likelihood" && strings.Contains(x.Reason, "attack path") && !strings.Contains(x.Reason, "counted in") {
			x.Reason += ": " + ap.Words()
			if len(r.Assets) > 1 {
				x.Reason += " (to " + r.Assets[0] + "; alike for the line's others)"
			}
			return
		}
	}
}

// Words tells a path in a line: "phishing -> ws-12 -> corporate -> pump-01
// (rule r-12)", with the probability.
func (ap *AttackPath) Words() string {
	var b strings.Builder
	b.WriteString(strings.TrimPrefix(ap.Entry, "entry:"))
	for _, s := range ap.Steps {
		b.WriteString(" -> ")
		b.WriteString(s.To)
		switch {
		case s.Rule != "":
			b.WriteString(" (rule " + s.Rule + ")")
		case s.link > 0:
			b.WriteString(" (" + strings.TrimSuffix(s.Via, " link") + ")")
		}
	}
	fmt.Fprintf(&b, ", p %.2g", ap.P)
	return b.String()
}
