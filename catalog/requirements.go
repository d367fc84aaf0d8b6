package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
)

// DeviceRequirement is one security requirement the hospital sets for a
// connected medical or IoT device before buying it, checked against the
// manufacturer's MDS2 form (ANSI/NEMA HN 1-2019), its SBOM and what the
// candidate file adds ('ward procure'). A requirement in a --catalog file
// with the id of an earlier one replaces it; level "off" removes it.
type DeviceRequirement struct {
	ID string `json:"id"`
	// Theme groups requirements after IEC 81001-5-1 / IEC 62443-4-2
	// capabilities: authentication, authorisation, audit, malware,
	// patching, support, encryption-at-rest, encryption-in-transit,
	// remote-service, sbom, network, configuration, ...
	Theme string `json:"theme"`
	Title string `json:"title"`
	// Level is must, should, or off (removes a requirement of the same id).
	Level string `json:"level"`
	// Clause is what the supplier shall do: the tender text of the
	// requirement when it is not met or unknown.
	Clause string `json:"clause"`
	// MDS2 lists the form's question ids the requirement reads.
	MDS2 []string `json:"mds2,omitempty"`
	// Expect is the answer that meets it: yes (default) or no.
	Expect string `json:"expect,omitempty"`
	// Rule says how the questions combine: all (default) must give
	// Expect, or any one of them.
	Rule string `json:"rule,omitempty"`
	// NA is what an N/A answer means: unknown (default), met or not-met.
	NA string `json:"na,omitempty"`
	// AppliesIf lists questions of which one answered yes makes the
	// requirement apply; all answered no make it not applicable.
	AppliesIf []string `json:"applies_if,omitempty"`
	// Fact names a fact of the candidate file (facts: [{fact, value}])
	// read when the form does not settle the requirement.
	Fact string `json:"fact,omitempty"`
	// Check is a built-in check instead of, or beside, the questions:
	// "sbom" (a machine-readable SBOM came with the form), "support"
	// (security updates for MinYears from the date of the check, by the
	// candidate's end_of_support), "vulnerabilities" (no known
	// vulnerability in the SBOM's components, with feeds loaded).
	Check string `json:"check,omitempty"`
	// MinYears is the support period the "support" check wants.
	MinYears int `json:"min_years,omitempty"`
	// Control is the control a planned asset gets when the requirement is
	// met, so assessment counts what the device brings.
	Control string `json:"control,omitempty"`
	// References name the standards' clauses it follows.
	References []string `json:"references,omitempty"`
}

// Requirement vocabularies.
var (
	RequirementLevels = []string{"must", "should", "off"}
	RequirementThemes = []string{"authentication", "authorisation", "audit", "malware", "patching", "support",
		"encryption-at-rest", "encryption-in-transit", "remote-service", "sbom", "network", "configuration",
		"integrity", "backup", "emergency-access", "physical", "vulnerability-handling"}
	RequirementChecks = []string{"sbom", "support", "vulnerabilities"}
	mds2IDRe          = regexp.MustCompile(`^[A-Z]{3,4}-[0-9]+(\.[0-9]+)*$`)
)

// requirements checks a file's device requirements and adds them to the
// catalog, replacing earlier ones of the same id.
func (l *loader) requirements(f *File, bad func(field, msg, hint string)) {
	controls := map[string]bool{}
	for _, c := range ward.BuiltinControls() {
		controls[c.ID] = true
	}
	seen := map[string]bool{}
	for i := range f.DeviceRequirements {
		r := f.DeviceRequirements[i]
		p := fmt.Sprintf("device_requirements[%d]", i)
		if !idRe.MatchString(r.ID) {
			bad(p+".id", fmt.Sprintf("invalid requirement id %q", r.ID), "lower-case letters, digits, . _ -")
		} else if seen[r.ID] {
			bad(p+".id", fmt.Sprintf("duplicate requirement id %q", r.ID), "a later file may replace it; one file may not say it twice")
		}
		seen[r.ID] = true
		oneOf(bad, p+".level", r.Level, RequirementLevels)
		if r.Level == "off" {
			l.cat.DeviceRequirements = slices.DeleteFunc(l.cat.DeviceRequirements, func(x DeviceRequirement) bool { return x.ID == r.ID })
			continue
		}
		oneOf(bad, p+".theme", r.Theme, RequirementThemes)
		if strings.TrimSpace(r.Title) == "" {
			bad(p+".title", "missing title", "")
		}
		if strings.TrimSpace(r.Clause) == "" {
			bad(p+".clause", "missing clause", "what the supplier shall do, for the tender")
		}
		if len(r.MDS2) == 0 && r.Fact == "" && r.Check == "" {
			bad(p+".mds2", "the requirement reads nothing", "list MDS2 question ids, a fact of the candidate file, or a check")
		}
		for j, q := range append(slices.Clone(r.MDS2), r.AppliesIf...) {
			if !mds2IDRe.MatchString(q) {
				field := fmt.Sprintf("%s.mds2[%d]", p, j)
				if j >= len(r.MDS2) {
					field = fmt.Sprintf("%s.applies_if[%d]", p, j-len(r.MDS2))
				}
				bad(field, fmt.Sprintf("%q is not an MDS2 question id", q), "e.g. PAUT-1 or CSUP-2.1, as the 2019 form numbers them")
			}
		}
		if r.Expect != "" {
			oneOf(bad, p+".expect", r.Expect, []string{"yes", "no"})
		}
		if r.Rule != "" {
			oneOf(bad, p+".rule", r.Rule, []string{"all", "any"})
		}
		if r.NA != "" {
			oneOf(bad, p+".na", r.NA, []string{"unknown", "met", "not-met"})
		}
		if r.Check != "" {
			oneOf(bad, p+".check", r.Check, RequirementChecks)
		}
		if r.Check == "support" && r.MinYears <= 0 {
			bad(p+".min_years", "the support check needs min_years", "e.g. 8: security updates for eight years from purchase")
		}
		if r.Control != "" && !controls[r.Control] {
			bad(p+".control", fmt.Sprintf("unknown control %q", r.Control), "a built-in control id ('ward kinds' lists kinds; docs/model.md the controls)")
		}
		if r.Expect == "" {
			r.Expect = "yes"
		}
		if r.Rule == "" {
			r.Rule = "all"
		}
		if r.NA == "" {
			r.NA = "unknown"
		}
		if k := slices.IndexFunc(l.cat.DeviceRequirements, func(x DeviceRequirement) bool { return x.ID == r.ID }); k >= 0 {
			l.cat.DeviceRequirements[k] = r
		} else {
			l.cat.DeviceRequirements = append(l.cat.DeviceRequirements, r)
		}
	}
}
