package catalog

import (
	"fmt"
	"reflect"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// AssetFacts is what a rule knows of an asset: the model's fields and what
// Ward derives from the links, zones and services around it. Expressions
// name the fields by their json names, e.g. asset.exposed.
type AssetFacts struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Category string `json:"category"`
	Zone     string `json:"zone"`
	ZoneKind string `json:"zone_kind"`
	// ZoneTrust ranks the zone's trust: 0 untrusted, 1 low, 2 medium, 3 high.
	ZoneTrust int `json:"zone_trust"`
	// Segmented: the zone has the segmentation control.
	Segmented bool   `json:"segmented"`
	Vendor    string `json:"vendor"`
	Product   string `json:"product"`
	Version   string `json:"version"`
	HasCPE    bool   `json:"has_cpe"`
	HasPURL   bool   `json:"has_purl"`
	// Components counts the SBOM components declared.
	Components int      `json:"components"`
	Data       []string `json:"data"`
	// HoldsPHI: the asset holds or carries health data.
	HoldsPHI bool `json:"holds_phi"`
	// Controls present: the asset's own, its zone's and the organisation's.
	Controls []string `json:"controls"`
	// OwnControls are the asset's own controls only.
	OwnControls []string `json:"own_controls"`
	// EndOfSupport is the date, or "".
	EndOfSupport string `json:"end_of_support"`
	// EOS: support has ended by the assessment date.
	EOS bool `json:"eos"`
	// Safety, Availability, Confidentiality, Integrity rank the asset's
	// criticality (model, else the kind's default): 0 none to 4 critical.
	Safety          int `json:"safety"`
	Availability    int `json:"availability"`
	Confidentiality int `json:"confidentiality"`
	Integrity       int `json:"integrity"`
	// Exposed: reachable from the Internet, as ward.Model.Exposure defines
	// it (declared, or a link from the Internet reaches it).
	Exposed bool `json:"exposed"`
	// External: a service run by others (an external-service kind, or out
	// in the internet zone), which the hospital cannot change.
	External bool `json:"external"`
	// UntrustedInbound: a link from an untrusted or low-trust zone reaches it.
	UntrustedInbound bool `json:"untrusted_inbound"`
	// RemoteAccess lists remote-administration protocols (rdp, vnc, ssh,
	// telnet) of links into the asset from another zone.
	RemoteAccess []string `json:"remote_access"`
	// VendorAccess: reachable from a vendor-remote zone in at most two hops.
	VendorAccess bool `json:"vendor_access"`
	// Cleartext counts application links to or from the asset that carry
	// data without encryption; ClearSensitive those carrying phi,
	// credentials, prescriptions, lab results or device control.
	Cleartext      int `json:"cleartext"`
	ClearSensitive int `json:"clear_sensitive"`
	// Unauthenticated counts application links into the asset without
	// authentication.
	Unauthenticated int `json:"unauthenticated"`
	// Wireless: attached over wifi or ble; ClearWireless: over a radio
	// link without encryption.
	Wireless      bool `json:"wireless"`
	ClearWireless bool `json:"clear_wireless"`
	// Protocols of all its links.
	Protocols []string `json:"protocols"`
	// Services that depend on the asset, directly or through other
	// services; MinOutageMinutes is the smallest maximum tolerable outage
	// among them (0 when none); PatientSafety the highest service patient
	// safety rank (-1 when none).
	Services         []string `json:"services"`
	MinOutageMinutes int      `json:"min_outage_minutes"`
	PatientSafety    int      `json:"patient_safety"`
	// Vulnerabilities known to affect the asset (from vulnerability feeds),
	// each CVE once; Exploited those in CISA's KEV catalog (exploited in
	// the wild); RansomwareExploited those KEV lists as used in ransomware
	// campaigns; MaxCVSS and MaxEPSS the worst base score and exploit
	// probability among them (0 when unknown).
	Vulnerabilities     int     `json:"vulnerabilities"`
	Exploited           int     `json:"exploited"`
	RansomwareExploited int     `json:"ransomware_exploited"`
	MaxCVSS             float64 `json:"max_cvss"`
	MaxEPSS             float64 `json:"max_epss"`
	// Authenticates counts the assets that log on through this one: those
	// with a kerberos, ldap, ldaps or radius flow to it, and, when it is an
	// identity system, those that depend on it (or on a redundancy group it
	// is in). A directory that
	// hundreds of workstations use holds the keys to all of them.
	Authenticates int `json:"authenticates"`
	// Reach is how likely the most likely attack path from the model's
	// entry points reaches the asset: 3 likely (p >= 0.5), 2 possible
	// (p >= 0.15), 1 unlikely (p >= 0.03), 0 remote or no path at all.
	Reach int `json:"reach"`
}

// Equal tells whether two assets have the same facts, for the plan to
// score again only the assets a change altered. It must name every field:
// TestEqualNamesEveryField sees to it.
func (a *AssetFacts) Equal(b *AssetFacts) bool {
	return a.ID == b.ID &&
		a.Name == b.Name &&
		a.Kind == b.Kind &&
		a.Category == b.Category &&
		a.Zone == b.Zone &&
		a.ZoneKind == b.ZoneKind &&
		a.ZoneTrust == b.ZoneTrust &&
		a.Segmented == b.Segmented &&
		a.Vendor == b.Vendor &&
		a.Product == b.Product &&
		a.Version == b.Version &&
		a.HasCPE == b.HasCPE &&
		a.HasPURL == b.HasPURL &&
		a.Components == b.Components &&
		a.HoldsPHI == b.HoldsPHI &&
		a.EndOfSupport == b.EndOfSupport &&
		a.EOS == b.EOS &&
		a.Safety == b.Safety &&
		a.Availability == b.Availability &&
		a.Confidentiality == b.Confidentiality &&
		a.Integrity == b.Integrity &&
		a.Exposed == b.Exposed &&
		a.External == b.External &&
		a.UntrustedInbound == b.UntrustedInbound &&
		a.VendorAccess == b.VendorAccess &&
		a.Cleartext == b.Cleartext &&
		a.ClearSensitive == b.ClearSensitive &&
		a.Unauthenticated == b.Unauthenticated &&
		a.Wireless == b.Wireless &&
		a.ClearWireless == b.ClearWireless &&
		a.MinOutageMinutes == b.MinOutageMinutes &&
		a.PatientSafety == b.PatientSafety &&
		a.Vulnerabilities == b.Vulnerabilities &&
		a.Exploited == b.Exploited &&
		a.RansomwareExploited == b.RansomwareExploited &&
		a.MaxCVSS == b.MaxCVSS &&
		a.MaxEPSS == b.MaxEPSS &&
		a.Authenticates == b.Authenticates &&
		a.Reach == b.Reach &&
		slices.Equal(a.Data, b.Data) &&
		slices.Equal(a.Controls, b.Controls) &&
		slices.Equal(a.OwnControls, b.OwnControls) &&
		slices.Equal(a.RemoteAccess, b.RemoteAccess) &&
		slices.Equal(a.Protocols, b.Protocols) &&
		slices.Equal(a.Services, b.Services)
}

// OrgFacts is what a rule knows of the organisation as a whole.
type OrgFacts struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`
	Country  string   `json:"country"`
	Controls []string `json:"controls"`
	Assets   int      `json:"assets"`
	// Exposed, EOS, MedicalDevices count assets.
	Exposed        int `json:"exposed"`
	EOS            int `json:"eos"`
	MedicalDevices int `json:"medical_devices"`
	// Declared counts assets declared in the model or its inventory
	// (provenance declared, inventory or unset); Services counts clinical
	// services.
	Declared int `json:"declared"`
	Services int `json:"services"`
	// Kinds lists the asset kinds present.
	Kinds []string `json:"kinds"`
}

// Env is the CEL environment rules are compiled in: variables asset
// (AssetFacts) and org (OrgFacts).
func Env() *cel.Env {
	env, err := cel.NewEnv(
		ext.NativeTypes(ext.ParseStructTag("json"), reflect.TypeFor[AssetFacts](), reflect.TypeFor[OrgFacts]()),
		ext.Strings(),
		ext.Lists(),
		ext.Sets(),
		cel.Variable("asset", cel.ObjectType("catalog.AssetFacts")),
		cel.Variable("org", cel.ObjectType("catalog.OrgFacts")),
	)
	if err != nil {
		panic(fmt.Sprintf("catalog: CEL environment: %v", err))
	}
	return env
}

// Subject is what one evaluation sees.
type Subject struct {
	Asset *AssetFacts
	Org   *OrgFacts
	act   interpreter.Activation
}

// Bound is the subject with its variables made once, for the many rules
// evaluated against one asset: each evaluation of a plain Subject boxes
// its variables anew.
func (s Subject) Bound() Subject {
	s.act = s.vars()
	return s
}

// vars are the subject as CEL's variables. An activation of its own,
// rather than a map, costs no allocation: an assessment evaluates every
// rule of the catalog against each distinct set of asset facts, and a
// map each time was its largest allocation on a large hospital.
func (s Subject) vars() interpreter.Activation {
	if s.act != nil {
		return s.act
	}
	if s.Asset == nil {
		s.Asset = &noFacts
	}
	return subjectVars{s.Asset, s.Org}
}

var noFacts AssetFacts

type subjectVars struct {
	asset *AssetFacts
	org   *OrgFacts
}

func (v subjectVars) ResolveName(name string) (any, bool) {
	switch name {
	case "asset":
		return v.asset, true
	case "org":
		return v.org, true
	}
	return nil, false
}

func (subjectVars) Parent() interpreter.Activation { return nil }

func evalBool(p cel.Program, s Subject) (bool, error) {
	out, _, err := p.Eval(s.vars())
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("expression gave %v, not a bool", out)
	}
	return b, nil
}

// AppliesTo reports whether the threat concerns the subject's asset.
func (t *Threat) AppliesTo(s Subject) (bool, error) { return evalBool(t.applies, s) }

// AppliesTo reports whether the weakness is present on the subject's asset.
func (w *Weakness) AppliesTo(s Subject) (bool, error) { return evalBool(w.applies, s) }

// EvidenceFor gives the text that shows the weakness, or its title.
func (w *Weakness) EvidenceFor(s Subject) (string, error) {
	if w.evidence == nil {
		return w.Title, nil
	}
	out, _, err := w.evidence.Eval(s.vars())
	if err != nil {
		return "", err
	}
	return fmt.Sprint(out.Value()), nil
}

// OrgLevel reports whether the check tests the organisation rather than
// each asset.
func (c *Check) OrgLevel() bool { return c.applies == nil }

// AppliesTo reports whether an asset-level check concerns the asset.
func (c *Check) AppliesTo(s Subject) (bool, error) { return evalBool(c.applies, s) }

// Passes reports whether the subject meets the check.
func (c *Check) Passes(s Subject) (bool, error) { return evalBool(c.check, s) }

// RiskReads names the asset facts (by their json names) that the threats'
// and weaknesses' rules read, so that the plan can share one evaluation
// between sets of facts alike in those: two assets differing only in their
// zone's name, their vendor or their protocols get the same risks when no
// rule reads them. all is true when some rule uses asset otherwise than by
// naming a field (passing it whole), and every fact may then count.
func (c *Catalog) RiskReads() (fields []string, all bool) {
	env := Env()
	seen := map[string]bool{}
	for _, x := range c.riskExprs() {
		f, a, err := assetReads(env, x)
		if err != nil || a {
			return nil, true
		}
		for _, name := range f {
			if !seen[name] {
				seen[name] = true
				fields = append(fields, name)
			}
		}
	}
	slices.Sort(fields)
	return fields, false
}

// riskExprs are the expressions that decide an asset's risks: threats'
// and weaknesses' applies (evidence only explains).
func (c *Catalog) riskExprs() []string {
	var out []string
	for _, t := range c.Threats {
		out = append(out, t.Applies)
	}
	for _, w := range c.Weaknesses {
		out = append(out, w.Applies)
	}
	return out
}

// assetReads finds the fields of asset an expression selects; all when
// asset also appears on its own.
func assetReads(env *cel.Env, expr string) (fields []string, all bool, err error) {
	checked, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, true, iss.Err()
	}
	fields, all = readsOf(checked)
	return fields, all, nil
}

// readsOf finds the fields of asset a checked expression selects; all
// when asset also appears on its own.
func readsOf(checked *cel.Ast) (fields []string, all bool) {
	idents, selects := 0, 0
	ast.PreOrderVisit(checked.NativeRep().Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		switch e.Kind() {
		case ast.IdentKind:
			if e.AsIdent() == "asset" {
				idents++
			}
		case ast.SelectKind:
			s := e.AsSelect()
			if op := s.Operand(); op.Kind() == ast.IdentKind && op.AsIdent() == "asset" {
				selects++
				fields = append(fields, s.FieldName())
			}
		}
	}))
	return fields, idents != selects
}

// reads are the asset facts a compiled rule reads: their json names, and
// whole when it takes the asset otherwise than by naming a field (then
// any fact may count).
type reads struct {
	fields []string
	whole  bool
}

// Reads names the asset facts the threat's rule reads (json names); whole
// when it may read any. The org's facts are not among them: they are the
// same for every asset of a model.
func (t *Threat) Reads() (fields []string, whole bool) { return t.reads.fields, t.reads.whole }

// Reads names the asset facts the weakness's rule reads, as Threat.Reads.
func (w *Weakness) Reads() (fields []string, whole bool) { return w.reads.fields, w.reads.whole }

// Reads names the asset facts the check's two rules read, as Threat.Reads.
func (c *Check) Reads() (fields []string, whole bool) { return c.reads.fields, c.reads.whole }
