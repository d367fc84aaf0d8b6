package procure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/modelfile"
)

// CandidateFile is what the hospital writes of a candidate device beside
// the manufacturer's disclosure: the device as an asset of the model where
// it would stand (zone, data, criticality, end of support), its intended
// links, answers the form does not give or that the supplier gave since,
// and facts the form has no question for.
type CandidateFile struct {
	// Candidate is the device as a model file writes an asset; its
	// provenance is always "planned".
	Candidate ward.Asset `json:"candidate"`
	// Links are its intended links, as a model file writes them.
	Links []ward.Link `json:"links,omitempty"`
	// Form and SBOM name the manufacturer's MDS2 workbook and SBOM,
	// relative to this file; the command line may name others.
	Form string `json:"form,omitempty"`
	SBOM string `json:"sbom,omitempty"`
	// Answers give or correct answers to MDS2 questions.
	Answers []GivenAnswer `json:"answers,omitempty"`
	// Facts answer what no MDS2 question asks, for requirements that
	// read a fact.
	Facts []Fact `json:"facts,omitempty"`
}

// GivenAnswer is an answer to an MDS2 question given outside the form.
type GivenAnswer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Note     string `json:"note,omitempty"`
}

// Fact is a yes or no the form has no question for.
type Fact struct {
	Fact  string `json:"fact"`
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

// Candidate is everything read of one candidate device.
type Candidate struct {
	File  CandidateFile
	Path  string
	Form  *Form
	SBOM  *SBOM
	given map[string]given
	facts map[string]given
}

type given struct {
	value, note, where string
}

// SBOM is a read software bill of materials.
type SBOM struct {
	File       string           `json:"file"`
	Format     string           `json:"format"`
	Components []ward.Component `json:"-"`
	Count      int              `json:"components"`
}

var candidateLimits = modelfile.Limits{MaxBytes: 1 << 20, MaxDepth: 16, MaxAliasNodes: 1000}

// ReadCandidateFile reads a candidate file (YAML or JSON).
func ReadCandidateFile(name string, data []byte) (*Candidate, error) {
	c := &Candidate{Path: name, given: map[string]given{}, facts: map[string]given{}}
	doc, err := modelfile.Decode(name, data, &c.File, candidateLimits)
	if err != nil {
		return nil, err
	}
	var errs modelfile.Errors
	a := &c.File.Candidate
	if a.ID == "" {
		errs = append(errs, doc.Error("candidate.id", "missing id", "the id the device would have in the model"))
	}
	if a.Provenance != "" && a.Provenance != ward.ProvenancePlanned {
		errs = append(errs, doc.Error("candidate.provenance", fmt.Sprintf("provenance %q: a candidate is planned", a.Provenance), "leave it out"))
	}
	a.Provenance = ward.ProvenancePlanned
	if a.ID != "" {
		errs = append(errs, checkAsset(doc, *a)...)
	}
	for i := range c.File.Links {
		l := &c.File.Links[i]
		l.Annotate().Provenance = ward.ProvenancePlanned
		if l.From != a.ID && l.To != a.ID {
			errs = append(errs, doc.Error(fmt.Sprintf("links[%d]", i), fmt.Sprintf("the link %s → %s does not touch the candidate %s", l.From, l.To, a.ID), "a candidate file gives the candidate's own links"))
		}
		if protocols := ward.Protocol("").Enum(); !slices.Contains(protocols, string(l.Protocol)) {
			hint := "one of: " + strings.Join(protocols, ", ")
			if s := ward.Closest(string(l.Protocol), protocols); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			errs = append(errs, doc.Error(fmt.Sprintf("links[%d].protocol", i), fmt.Sprintf("invalid value %q", l.Protocol), hint))
		}
	}
	for i, g := range c.File.Answers {
		f := fmt.Sprintf("answers[%d]", i)
		id := strings.ToUpper(strings.TrimSpace(g.Question))
		if !questionIDRe.MatchString(id) {
			errs = append(errs, doc.Error(f+".question", fmt.Sprintf("%q is not an MDS2 question id", g.Question), "e.g. PAUT-8"))
			continue
		}
		v := normalise(g.Answer)
		if v != "yes" && v != "no" && v != "n/a" {
			errs = append(errs, doc.Error(f+".answer", fmt.Sprintf("answer %q", g.Answer), "yes, no or n/a"))
		}
		c.given[id] = given{v, g.Note, where(doc.Error(f, "", ""))}
	}
	for i, ft := range c.File.Facts {
		f := fmt.Sprintf("facts[%d]", i)
		v := normalise(ft.Value)
		if ft.Fact == "" {
			errs = append(errs, doc.Error(f+".fact", "missing fact", ""))
		}
		if v != "yes" && v != "no" {
			errs = append(errs, doc.Error(f+".value", fmt.Sprintf("value %q", ft.Value), "yes or no"))
		}
		c.facts[ft.Fact] = given{v, ft.Note, where(doc.Error(f, "", ""))}
	}
	if a.EndOfSupport != "" {
		c.facts["end_of_support"] = given{string(a.EndOfSupport), "", where(doc.Error("candidate.end_of_support", "", ""))}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// checkAsset validates the candidate as the model would, in a model of its
// own (its zone a stand-in), each problem at its line of the file.
func checkAsset(doc *modelfile.Document, a ward.Asset) modelfile.Errors {
	if a.Kind == "" {
		a.Kind = "medical-device" // as fill makes it
	}
	zone := a.Zone
	if zone == "" {
		zone = "candidate-zone"
		a.Zone = zone
	}
	m := ward.Model{Ward: ward.FormatVersion, Organisation: ward.Organisation{ID: "candidate", Name: "candidate"},
		Zones: []ward.Zone{{ID: zone, Kind: "other", Trust: "medium"}}, Assets: []ward.Asset{a}}
	var ve *ward.ValidationError
	if err := m.Validate(); !errors.As(err, &ve) {
		return nil
	}
	var out modelfile.Errors
	for _, fe := range ve.Errors {
		if field, ok := strings.CutPrefix(fe.Path, "assets[0]"); ok {
			out = append(out, doc.Error("candidate"+field, fe.Message, fe.Hint))
		}
	}
	return out
}

func where(e modelfile.Error) string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d", filepath.Base(e.File), e.Line)
	}
	return filepath.Base(e.File)
}

// Load reads a candidate from files: the candidate file (may be ""), the
// form and the SBOM; form and sbom, when not "", take the place of those
// the file names.
func Load(candidatePath, formPath, sbomPath string, lim Limits) (*Candidate, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	var in Input
	var err error
	if candidatePath != "" {
		if in.Candidate, err = readFile(candidatePath, candidateLimits.MaxBytes); err != nil {
			return nil, err
		}
		in.CandidateName = candidatePath
		var c *Candidate
		if c, err = ReadCandidateFile(candidatePath, in.Candidate); err != nil {
			return nil, err
		}
		dir := filepath.Dir(candidatePath)
		if formPath == "" && c.File.Form != "" {
			formPath = filepath.Join(dir, filepath.FromSlash(c.File.Form))
		}
		if sbomPath == "" && c.File.SBOM != "" {
			sbomPath = filepath.Join(dir, filepath.FromSlash(c.File.SBOM))
		}
	}
	if formPath != "" {
		if in.Form, err = readFile(formPath, lim.MaxBytes); err != nil {
			return nil, err
		}
		in.FormName = formPath
	}
	if sbomPath != "" {
		if in.SBOM, err = readFile(sbomPath, intel.MaxFeedBytes); err != nil {
			return nil, err
		}
		in.SBOMName = sbomPath
	}
	return Read(in, lim)
}

// Input is a candidate's files, read: any may be absent (nil), but not the
// form and the candidate file both.
type Input struct {
	CandidateName string
	Candidate     []byte
	FormName      string
	Form          []byte
	SBOMName      string
	SBOM          []byte
}

// Read reads a candidate from its files' contents. The candidate file's
// form and sbom names are not followed: the files given are used.
func Read(in Input, lim Limits) (*Candidate, error) {
	c := &Candidate{given: map[string]given{}, facts: map[string]given{}}
	var err error
	if in.Candidate != nil {
		if c, err = ReadCandidateFile(orName(in.CandidateName, "candidate.yaml"), in.Candidate); err != nil {
			return nil, err
		}
	}
	if in.Form != nil {
		if c.Form, err = ReadForm(orName(in.FormName, "form.xlsx"), in.Form, lim); err != nil {
			return nil, err
		}
	}
	if in.SBOM != nil {
		if c.SBOM, err = ReadSBOM(orName(in.SBOMName, "sbom.json"), in.SBOM); err != nil {
			return nil, err
		}
	}
	if c.Form == nil && in.Candidate == nil {
		return nil, modelfile.Errors{{File: "procure", Message: "nothing to check", Hint: "name an MDS2 form (--form), a candidate file, or both"}}
	}
	c.fill()
	return c, nil
}

func orName(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}

// fill completes the candidate asset from the form and the SBOM.
func (c *Candidate) fill() {
	a := &c.File.Candidate
	a.Provenance = ward.ProvenancePlanned
	if c.Form != nil {
		if a.Vendor == "" {
			a.Vendor = c.Form.Manufacturer
		}
		if a.Product == "" {
			a.Product = c.Form.Model
		}
		if a.Description == "" {
			a.Description = c.Form.Description
		}
	}
	if a.ID == "" {
		a.ID = slug(a.Vendor + "-" + a.Product)
	}
	if a.Kind == "" {
		a.Kind = "medical-device"
	}
	if c.SBOM != nil && len(a.Components) == 0 {
		a.Components = c.SBOM.Components
	}
}

func slug(s string) string {
	var b strings.Builder
	dash := true
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "candidate"
	}
	return out[:min(len(out), 60)]
}

func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, modelfile.Errors{{File: path, Message: err.Error()}}
	}
	defer f.Close()
	return modelfile.ReadLimited(path, f, max)
}

// ReadSBOM reads a CycloneDX JSON SBOM (through intel's reader) or an SPDX
// 2.x JSON document.
func ReadSBOM(name string, data []byte) (*SBOM, error) {
	var probe struct {
		SPDXVersion string `json:"spdxVersion"`
	}
	_ = json.Unmarshal(data, &probe)
	if strings.HasPrefix(probe.SPDXVersion, "SPDX-") {
		comps, err := readSPDX(name, data)
		if err != nil {
			return nil, err
		}
		return &SBOM{File: name, Format: probe.SPDXVersion, Components: comps, Count: len(comps)}, nil
	}
	comps, err := intel.ParseSBOM(name, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return &SBOM{File: name, Format: "CycloneDX", Components: comps, Count: len(comps)}, nil
}

type spdxDoc struct {
	SPDXVersion string `json:"spdxVersion"`
	Packages    []struct {
		Name         string `json:"name"`
		VersionInfo  string `json:"versionInfo"`
		ExternalRefs []struct {
			Category string `json:"referenceCategory"`
			Type     string `json:"referenceType"`
			Locator  string `json:"referenceLocator"`
		} `json:"externalRefs"`
	} `json:"packages"`
}

// readSPDX reads the packages of an SPDX 2.2 or 2.3 JSON document, with
// their purl and CPE 2.3 references.
func readSPDX(name string, data []byte) ([]ward.Component, error) {
	var d spdxDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&d); err != nil && err != io.EOF {
		return nil, modelfile.Errors{{File: name, Message: "not an SPDX JSON document: " + err.Error()}}
	}
	var errs modelfile.Errors
	var out []ward.Component
	for i, p := range d.Packages {
		if strings.TrimSpace(p.Name) == "" {
			errs = append(errs, modelfile.Error{File: name, Field: fmt.Sprintf("packages[%d].name", i), Message: "missing"})
			continue
		}
		c := ward.Component{Name: p.Name, Version: p.VersionInfo}
		for _, r := range p.ExternalRefs {
			switch strings.ToLower(r.Type) {
			case "purl":
				if ward.CheckPURL(r.Locator) == nil {
					c.PURL = r.Locator
				}
			case "cpe23type":
				if ward.ValidCPE(r.Locator) {
					c.CPE = r.Locator
				}
			}
		}
		out = append(out, c)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}
