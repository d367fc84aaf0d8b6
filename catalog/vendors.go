package catalog

import (
	"fmt"
	"strings"
	"sync"

	"github.com/wardhealth/ward/modelfile"
)

// Vendor is a medical-device maker and the other names its devices and
// advisories go by: brands it bought, former names, abbreviations, common
// misspellings. Matching treats every name of a vendor as that vendor, so
// an inventory's "Welch Allyn" meets an advisory's "Baxter".
type Vendor struct {
	// ID names the vendor in the catalog; a file that reuses an id adds
	// names to that vendor.
	ID string `json:"id"`
	// Name is the current name of the company.
	Name  string       `json:"name"`
	Names []VendorName `json:"names,omitempty"`
}

// VendorName is one other name of a vendor, with when it became one and
// where that is recorded.
type VendorName struct {
	Name string `json:"name"`
	// Relation is how the name relates to the vendor; see Relations.
	Relation string `json:"relation"`
	// Year the name became the vendor's (an acquisition, a renaming) or,
	// for abbreviations and misspellings, the year of the source.
	Year int `json:"year"`
	// Source is where the relation is recorded: a press release, an annual
	// report, an advisory that spells the name so.
	Source string `json:"source"`
}

// Relations are the kinds of vendor names.
var Relations = []string{"abbreviation", "short-name", "legal-name", "former-name", "former-owner", "acquired", "brand", "division", "misspelling", "transliteration", "parent"}

// checkVendors checks a file's vendors and adds them to the catalog,
// merging names into a vendor of the same id.
func (l *loader) checkVendors(f *File, bad func(field, msg, hint string)) {
	for i := range f.Vendors {
		v := &f.Vendors[i]
		p := fmt.Sprintf("vendors[%d]", i)
		if !idRe.MatchString(v.ID) {
			bad(p+".id", fmt.Sprintf("invalid vendor id %q", v.ID), "lower-case letters, digits, . _ -")
		}
		var into *Vendor
		for j := range l.cat.Vendors {
			if l.cat.Vendors[j].ID == v.ID {
				into = &l.cat.Vendors[j]
			}
		}
		if into == nil && strings.TrimSpace(v.Name) == "" {
			bad(p+".name", "missing name", "a new vendor needs its current name; to add names to a built-in vendor, reuse its id")
		}
		for j, n := range v.Names {
			np := fmt.Sprintf("%s.names[%d]", p, j)
			if strings.TrimSpace(n.Name) == "" {
				bad(np+".name", "missing name", "")
			}
			oneOf(bad, np+".relation", n.Relation, Relations)
			if n.Year < 1800 || n.Year > 2100 {
				bad(np+".year", fmt.Sprintf("year %d out of range", n.Year), "the year the name became the vendor's, or of the source")
			}
			if strings.TrimSpace(n.Source) == "" {
				bad(np+".source", "missing source", "where the relation is recorded: a press release, a report, an advisory")
			}
		}
		if into == nil {
			l.cat.Vendors = append(l.cat.Vendors, *v)
			continue
		}
		if v.Name != "" && into.Name == "" {
			into.Name = v.Name
		}
		into.Names = append(into.Names, v.Names...)
	}
}

var builtinVendors = sync.OnceValues(func() ([]Vendor, error) {
	data, err := builtin.ReadFile("data/vendors.yaml")
	if err != nil {
		return nil, err
	}
	var f File
	if _, err := modelfile.Decode("builtin:vendors.yaml", data, &f, modelfile.Limits{MaxBytes: 16 << 20, MaxDepth: 16, MaxAliasNodes: 10_000}); err != nil {
		return nil, err
	}
	return f.Vendors, nil
})

// BuiltinVendors gives the built-in vendor lineage, without loading (and
// compiling) the rest of the catalog. Load checks the same data.
func BuiltinVendors() []Vendor {
	vs, err := builtinVendors()
	if err != nil {
		panic("catalog: built-in vendors: " + err.Error()) // checked by the tests
	}
	return vs
}
