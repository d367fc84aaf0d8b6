// Package catalog is Ward's built-in knowledge, kept as data: threats after
// ENISA's smart-hospital taxonomy, weaknesses that raise their likelihood,
// controls and good practices that mitigate them, and baselines of
// requirements (NIS2, ENISA good practices, HHS CPGs, medical-device
// requirements). Every rule is a CEL expression over the facts of an asset
// or of the organisation, type-checked when the catalog loads. Users and
// CSIRTs add their own files with the same format (see docs/catalog.md).
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"cel.dev/cel-go/cel"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

//go:embed data
var builtin embed.FS

// File is one catalog file; every section is optional.
type File struct {
	Threats    []Threat   `json:"threats,omitempty"`
	Weaknesses []Weakness `json:"weaknesses,omitempty"`
	Controls   []Control  `json:"controls,omitempty"`
	Baselines  []Baseline `json:"baselines,omitempty"`
	Scenarios  []Scenario `json:"scenarios,omitempty"`
	Vendors    []Vendor   `json:"vendors,omitempty"`
	// DeviceRequirements are what procurement asks of a connected device
	// (see requirements.go).
	DeviceRequirements []DeviceRequirement `json:"device_requirements,omitempty"`
}

// Scenario is a named attack scenario (after ENISA's smart-hospital
// scenarios): from some entry points to the assets Targets selects.
type Scenario struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Threat      string   `json:"threat"`
	Entries     []string `json:"entries"`
	// Targets is a CEL expression over asset and org.
	Targets string `json:"targets"`

	targets cel.Program
}

// IsTarget reports whether the subject's asset is a target of the scenario.
func (s *Scenario) IsTarget(sub Subject) (bool, error) { return evalBool(s.targets, sub) }

// Threat is something that can go wrong, after ENISA's taxonomy.
type Threat struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Group       string `json:"group"`
	Description string `json:"description,omitempty"`
	// Attack lists MITRE ATT&CK technique ids (Enterprise Txxxx, ICS T08xx).
	Attack []string `json:"attack,omitempty"`
	// Likelihood is the base likelihood, 1 (rare) to 5 (almost certain),
	// for an asset the threat applies to, before weaknesses and controls.
	Likelihood int `json:"likelihood"`
	// Impacts are the dimensions the threat harms: safety, availability,
	// confidentiality, integrity.
	Impacts []string `json:"impacts"`
	// Weaknesses that, present on an asset, make the threat more likely.
	Weaknesses []string `json:"weaknesses,omitempty"`
	// Paths says the threat is an attacker's, who must reach the asset
	// first: its likelihood reads how likely the most likely attack path
	// reaches it (the asset's reach), and the weaknesses that are ways in
	// count through that path rather than again on their own.
	Paths bool `json:"paths,omitempty"`
	// Applies is a CEL expression over asset and org: does the threat
	// concern this asset?
	Applies string `json:"applies"`

	applies cel.Program
	reads   reads // of applies
}

// Weakness is a fact about an asset that raises risk; each one present
// becomes a finding.
type Weakness struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Severity    string `json:"severity"`
	Description string `json:"description,omitempty"`
	// Raises is how much the weakness adds to the likelihood of the
	// threats that list it (1 or 2).
	Raises int `json:"raises"`
	// WayIn marks a weakness that opens a way to the asset (Internet
	// exposure, a vendor's access, an unfiltered zone): attack paths take
	// it into account, so a threat scored by paths does not add it again.
	WayIn bool `json:"way_in,omitempty"`
	// Vulnerability marks a weakness that is a known vulnerability: of
	// those present only the worst counts, beside the other weaknesses.
	Vulnerability bool `json:"vulnerability,omitempty"`
	// Applies is a CEL expression over asset and org.
	Applies string `json:"applies"`
	// Evidence is a CEL expression giving the text that shows it, e.g.
	// '"support ended " + asset.end_of_support'.
	Evidence string `json:"evidence,omitempty"`
	// Remedy says what removes the weakness.
	Remedy string `json:"remedy,omitempty"`

	applies, evidence cel.Program
	reads             reads // of applies
}

// Control is what the catalog knows of a control or good practice: the
// threats it mitigates and whether it lowers their likelihood or their
// impact. Built-in controls (ward.BuiltinControls) need no name or category.
type Control struct {
	ID          string   `json:"id"`
	Name        string   `json:"name,omitempty"`
	Category    string   `json:"category,omitempty"`
	Description string   `json:"description,omitempty"`
	Mitigates   []string `json:"mitigates"`
	Reduces     string   `json:"reduces"`
	// Path marks a network control (segmentation, a firewall) that attack
	// paths take into account: a threat scored by paths does not count it
	// again.
	Path bool `json:"path,omitempty"`
}

// Baseline is a named set of measures, such as NIS2 Article 21(2).
type Baseline struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Source   string    `json:"source,omitempty"`
	Measures []Measure `json:"measures"`
}

// Measure is one requirement of a baseline, checked by one or more checks.
type Measure struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Checks []Check `json:"checks"`
}

// Check is one CEL test. Without Applies it tests the organisation (org);
// with Applies it tests every asset for which Applies holds.
type Check struct {
	Name    string `json:"name"`
	Applies string `json:"applies,omitempty"`
	Check   string `json:"check"`
	Remedy  string `json:"remedy,omitempty"`

	applies, check cel.Program
	reads          reads // of both
}

// Catalog is a loaded, checked catalog.
type Catalog struct {
	Threats    []Threat
	Weaknesses []Weakness
	Controls   []Control
	Baselines  []Baseline
	Scenarios  []Scenario
	// Vendors is the vendor lineage used to match advisories to assets.
	Vendors []Vendor
	// DeviceRequirements are procurement's requirements of connected
	// devices, in file order, later files replacing earlier ids.
	DeviceRequirements []DeviceRequirement
	// Sources lists the files it was read from, built-in ones first.
	Sources []string
}

// Vocabularies of the catalog format.
var (
	Groups     = []string{"malicious", "human-error", "system-failure", "third-party", "natural"}
	Dimensions = []string{"safety", "availability", "confidentiality", "integrity"}
	Severities = []string{"low", "medium", "high", "critical"}
	Reductions = []string{"likelihood", "impact"}
	attackRe   = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	idRe       = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// Load reads the built-in catalog and then every .yaml, .yml and .json file
// in each of dirs, and checks the whole: ids, references, and every
// expression. Problems are reported together, with file:line:column.
func Load(dirs ...string) (*Catalog, error) {
	l := &loader{cat: &Catalog{}, env: Env()}
	entries, err := fs.ReadDir(builtin, "data")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		data, err := builtin.ReadFile("data/" + e.Name())
		if err != nil {
			return nil, err
		}
		l.file("builtin:"+e.Name(), data)
	}
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			return nil, err
		}
		sort.Strings(paths)
		found := false
		for _, p := range paths {
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json":
			default:
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("catalog: %w", err)
			}
			found = true
			l.file(p, data)
		}
		if !found {
			if _, err := os.Stat(dir); err != nil {
				return nil, fmt.Errorf("catalog: %w", err)
			}
			return nil, fmt.Errorf("catalog: %s holds no .yaml, .yml or .json file", dir)
		}
	}
	l.crossCheck()
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	return l.cat, nil
}

type loader struct {
	cat  *Catalog
	env  *cel.Env
	errs modelfile.Errors
	// where each entry was defined, for cross-file checks
	threatAt, weaknessAt, controlAt map[string]place
	scenarioAt                      []place // in the order of cat.Scenarios
}

type place struct {
	doc   *modelfile.Document
	field string
}

func (l *loader) file(name string, data []byte) {
	var f File
	doc, err := modelfile.Decode(name, data, &f, modelfile.Limits{MaxBytes: 16 << 20, MaxDepth: 16, MaxAliasNodes: 10_000})
	if err != nil {
		if es, ok := modelfile.AsErrors(err); ok {
			l.errs = append(l.errs, es...)
			return
		}
		l.errs = append(l.errs, modelfile.Error{File: name, Message: err.Error()})
		return
	}
	l.cat.Sources = append(l.cat.Sources, name)
	if l.threatAt == nil {
		l.threatAt, l.weaknessAt, l.controlAt = map[string]place{}, map[string]place{}, map[string]place{}
	}
	bad := func(field, msg, hint string) { l.errs = append(l.errs, doc.Error(field, msg, hint)) }
	id := func(field, id string, seen map[string]place, what string) {
		switch {
		case !idRe.MatchString(id):
			bad(field, fmt.Sprintf("invalid %s id %q", what, id), "lower-case letters, digits, . _ -")
		case seen != nil:
			if prev, dup := seen[id]; dup {
				bad(field, fmt.Sprintf("duplicate %s id %q", what, id), "already defined in "+prev.doc.Name())
			}
			seen[id] = place{doc, field}
		}
	}
	for i := range f.Threats {
		t := &f.Threats[i]
		p := fmt.Sprintf("threats[%d]", i)
		id(p+".id", t.ID, l.threatAt, "threat")
		if strings.TrimSpace(t.Name) == "" {
			bad(p+".name", "missing name", "")
		}
		oneOf(bad, p+".group", t.Group, Groups)
		for j, a := range t.Attack {
			if !attackRe.MatchString(a) {
				bad(fmt.Sprintf("%s.attack[%d]", p, j), fmt.Sprintf("invalid ATT&CK technique id %q", a), "e.g. T1486 (Enterprise) or T0831 (ICS)")
			}
		}
		if t.Likelihood < 1 || t.Likelihood > 5 {
			bad(p+".likelihood", fmt.Sprintf("likelihood %d out of range", t.Likelihood), "1 (rare) to 5 (almost certain)")
		}
		if len(t.Impacts) == 0 {
			bad(p+".impacts", "missing impacts", "one or more of: "+strings.Join(Dimensions, ", "))
		}
		for j, d := range t.Impacts {
			oneOf(bad, fmt.Sprintf("%s.impacts[%d]", p, j), d, Dimensions)
		}
		t.applies, t.reads = l.compile(bad, p+".applies", t.Applies, cel.BoolType, true)
	}
	for i := range f.Weaknesses {
		w := &f.Weaknesses[i]
		p := fmt.Sprintf("weaknesses[%d]", i)
		id(p+".id", w.ID, l.weaknessAt, "weakness")
		if strings.TrimSpace(w.Title) == "" {
			bad(p+".title", "missing title", "")
		}
		oneOf(bad, p+".severity", w.Severity, Severities)
		if w.Raises < 0 || w.Raises > 2 {
			bad(p+".raises", fmt.Sprintf("raises %d out of range", w.Raises), "0, 1 or 2")
		}
		w.applies, w.reads = l.compile(bad, p+".applies", w.Applies, cel.BoolType, true)
		w.evidence, _ = l.compile(bad, p+".evidence", w.Evidence, cel.StringType, false)
	}
	builtinControls := map[string]bool{}
	for _, c := range ward.BuiltinControls() {
		builtinControls[c.ID] = true
	}
	for i := range f.Controls {
		c := &f.Controls[i]
		p := fmt.Sprintf("controls[%d]", i)
		id(p+".id", c.ID, l.controlAt, "control")
		if !builtinControls[c.ID] {
			if strings.TrimSpace(c.Name) == "" {
				bad(p+".name", "missing name", "controls that are not built in need a name and a category")
			}
			oneOf(bad, p+".category", c.Category, ward.ControlCategory("").Enum())
		}
		if len(c.Mitigates) == 0 {
			bad(p+".mitigates", "mitigates no threat", "list the ids of the threats it mitigates")
		}
		oneOf(bad, p+".reduces", c.Reduces, Reductions)
	}
	l.checkVendors(&f, bad)
	l.requirements(&f, bad)
	for i := range f.Baselines {
		b := &f.Baselines[i]
		p := fmt.Sprintf("baselines[%d]", i)
		id(p+".id", b.ID, nil, "baseline")
		for _, prev := range l.cat.Baselines {
			if prev.ID == b.ID {
				bad(p+".id", fmt.Sprintf("duplicate baseline id %q", b.ID), "")
			}
		}
		if strings.TrimSpace(b.Name) == "" {
			bad(p+".name", "missing name", "")
		}
		if len(b.Measures) == 0 {
			bad(p+".measures", "baseline has no measures", "")
		}
		seen := map[string]bool{}
		for j := range b.Measures {
			m := &b.Measures[j]
			mp := fmt.Sprintf("%s.measures[%d]", p, j)
			if m.ID == "" || seen[m.ID] {
				bad(mp+".id", fmt.Sprintf("missing or duplicate measure id %q", m.ID), "")
			}
			seen[m.ID] = true
			if strings.TrimSpace(m.Title) == "" {
				bad(mp+".title", "missing title", "")
			}
			if len(m.Checks) == 0 {
				bad(mp+".checks", "measure has no checks", "")
			}
			for k := range m.Checks {
				c := &m.Checks[k]
				cp := fmt.Sprintf("%s.checks[%d]", mp, k)
				if strings.TrimSpace(c.Name) == "" {
					bad(cp+".name", "missing name", "")
				}
				var ra, rc reads
				c.applies, ra = l.compile(bad, cp+".applies", c.Applies, cel.BoolType, false)
				c.check, rc = l.compile(bad, cp+".check", c.Check, cel.BoolType, true)
				c.reads = reads{fields: append(ra.fields, rc.fields...), whole: ra.whole || rc.whole}
			}
		}
	}
	for i := range f.Scenarios {
		sc := &f.Scenarios[i]
		p := fmt.Sprintf("scenarios[%d]", i)
		id(p+".id", sc.ID, nil, "scenario")
		if strings.TrimSpace(sc.Name) == "" {
			bad(p+".name", "missing name", "")
		}
		if len(sc.Entries) == 0 {
			bad(p+".entries", "missing entry points", "one or more of: "+strings.Join(ward.EntryPoint("").Enum(), ", "))
		}
		for j, e := range sc.Entries {
			oneOf(bad, fmt.Sprintf("%s.entries[%d]", p, j), e, ward.EntryPoint("").Enum())
		}
		sc.targets, _ = l.compile(bad, p+".targets", sc.Targets, cel.BoolType, true)
		l.scenarioAt = append(l.scenarioAt, place{doc, p})
	}
	l.cat.Threats = append(l.cat.Threats, f.Threats...)
	l.cat.Scenarios = append(l.cat.Scenarios, f.Scenarios...)
	l.cat.Weaknesses = append(l.cat.Weaknesses, f.Weaknesses...)
	l.cat.Controls = append(l.cat.Controls, f.Controls...)
	l.cat.Baselines = append(l.cat.Baselines, f.Baselines...)
}

// crossCheck checks references between files: threats to weaknesses,
// controls to threats.
func (l *loader) crossCheck() {
	for _, t := range l.cat.Threats {
		at := l.threatAt[t.ID]
		for j, w := range t.Weaknesses {
			if _, ok := l.weaknessAt[w]; !ok && at.doc != nil {
				l.errs = append(l.errs, at.doc.Error(fmt.Sprintf("%s.weaknesses[%d]", strings.TrimSuffix(at.field, ".id"), j),
					fmt.Sprintf("unknown weakness %q", w), hint(w, l.weaknessAt)))
			}
		}
	}
	for i, sc := range l.cat.Scenarios {
		if _, ok := l.threatAt[sc.Threat]; !ok {
			at := l.scenarioAt[i]
			l.errs = append(l.errs, at.doc.Error(at.field+".threat", fmt.Sprintf("unknown threat %q", sc.Threat), hint(sc.Threat, l.threatAt)))
		}
	}
	for _, c := range l.cat.Controls {
		at := l.controlAt[c.ID]
		for j, t := range c.Mitigates {
			if _, ok := l.threatAt[t]; !ok && at.doc != nil {
				l.errs = append(l.errs, at.doc.Error(fmt.Sprintf("%s.mitigates[%d]", strings.TrimSuffix(at.field, ".id"), j),
					fmt.Sprintf("unknown threat %q", t), hint(t, l.threatAt)))
			}
		}
	}
}

func hint(word string, known map[string]place) string {
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	if s := ward.Closest(word, names); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

func oneOf(bad func(field, msg, hint string), field, v string, allowed []string) {
	if slices.Contains(allowed, v) {
		return
	}
	h := "one of: " + strings.Join(allowed, ", ")
	if s := ward.Closest(v, allowed); s != "" && v != "" {
		h = fmt.Sprintf("did you mean %q?", s)
	}
	if v == "" {
		bad(field, "missing value", h)
		return
	}
	bad(field, fmt.Sprintf("invalid value %q", v), h)
}

// compile type-checks an expression and builds its program.
func (l *loader) compile(bad func(field, msg, hint string), field, expr string, want *cel.Type, required bool) (cel.Program, reads) {
	if strings.TrimSpace(expr) == "" {
		if required {
			bad(field, "missing expression", "a CEL expression over asset and org; see docs/catalog.md")
		}
		return nil, reads{}
	}
	ast, iss := l.env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		msg := strings.ReplaceAll(strings.TrimSpace(iss.Err().Error()), "\n", " ")
		bad(field, "expression does not compile: "+msg, "the facts available are listed in docs/catalog.md")
		return nil, reads{}
	}
	if !ast.OutputType().IsExactType(want) {
		bad(field, fmt.Sprintf("expression gives %s, not %s", ast.OutputType(), want), "")
		return nil, reads{}
	}
	prg, err := l.env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		bad(field, "expression: "+err.Error(), "")
		return nil, reads{}
	}
	fields, whole := readsOf(ast)
	return prg, reads{fields, whole}
}

var identityRe = regexp.MustCompile(`\basset\.(id|name)\b`)

// UsesIdentity reports whether any rule reads an asset's id or name. When
// none does, assets with the same facts get the same answers, and an
// assessment evaluates each distinct set of facts once.
func (c *Catalog) UsesIdentity() bool {
	var exprs []string
	for _, t := range c.Threats {
		exprs = append(exprs, t.Applies)
	}
	for _, w := range c.Weaknesses {
		exprs = append(exprs, w.Applies, w.Evidence)
	}
	for _, b := range c.Baselines {
		for _, m := range b.Measures {
			for _, ch := range m.Checks {
				exprs = append(exprs, ch.Applies, ch.Check)
			}
		}
	}
	for _, sc := range c.Scenarios {
		exprs = append(exprs, sc.Targets)
	}
	for _, x := range exprs {
		if identityRe.MatchString(x) {
			return true
		}
	}
	return false
}

var orgRe = regexp.MustCompile(`\borg\.`)

// RisksReadOrg reports whether a threat or weakness rule reads the
// organisation's facts, so that a change to one asset may change the risks
// of every other.
func (c *Catalog) RisksReadOrg() bool {
	for _, t := range c.Threats {
		if orgRe.MatchString(t.Applies) {
			return true
		}
	}
	for _, w := range c.Weaknesses {
		if orgRe.MatchString(w.Applies) || orgRe.MatchString(w.Evidence) {
			return true
		}
	}
	return false
}

// Threat returns the threat with an id.
func (c *Catalog) Threat(id string) (*Threat, bool) {
	for i := range c.Threats {
		if c.Threats[i].ID == id {
			return &c.Threats[i], true
		}
	}
	return nil, false
}
