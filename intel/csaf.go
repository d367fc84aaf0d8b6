// Package intel reads vulnerability intelligence — CSAF 2.0 advisories (the
// medical-device advisories of CISA among them) and CISA's Known Exploited
// Vulnerabilities catalog — and matches it against a hospital's assets, each
// match saying why.
package intel

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wardhealth/ward/modelfile"
)

// Advisory is what Ward keeps of a CSAF 2.0 advisory.
type Advisory struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Released string          `json:"released"`
	Products []Product       `json:"products"`
	Vulns    []Vulnerability `json:"vulnerabilities"`
}

// Product is one leaf of a CSAF product tree, with the branch path that
// names it.
type Product struct {
	ID      string `json:"id"`
	Vendor  string `json:"vendor"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Range is a version range as the advisory writes it ("<= U61",
	// ">= 4.4 | <= 4.12", "vers:all/*").
	Range        string   `json:"range,omitempty"`
	CPE          string   `json:"cpe,omitempty"`
	PURL         string   `json:"purl,omitempty"`
	ModelNumbers []string `json:"model_numbers,omitempty"`
	// SKUs, SerialNumbers, Hashes (algorithm:value) and GenericURIs are
	// the rest of CSAF's product_identification_helper.
	SKUs          []string `json:"skus,omitempty"`
	SerialNumbers []string `json:"serial_numbers,omitempty"`
	Hashes        []string `json:"hashes,omitempty"`
	GenericURIs   []string `json:"x_generic_uris,omitempty"`
}

// Vulnerability is one CVE of an advisory and the products' status for it.
type Vulnerability struct {
	CVE string `json:"cve"`
	// Affected, Fixed and NotAffected list product ids.
	Affected    []string `json:"affected,omitempty"`
	Fixed       []string `json:"fixed,omitempty"`
	NotAffected []string `json:"not_affected,omitempty"`
	// FixedIn gives, by product id, the version a vendor fix names for a
	// product the tree lists without versions ("Delta/Infinity Explorer
	// VF10.1 software releases" for "all versions"): from it on, the
	// product is fixed. See fixedVersion.
	FixedIn map[string]string `json:"fixed_in,omitempty"`
	CVSS    float64           `json:"cvss,omitempty"`
	Vector  string            `json:"cvss_vector,omitempty"`
}

// csafDoc is the part of the CSAF 2.0 JSON format Ward reads; other fields
// are allowed and ignored.
type csafDoc struct {
	Document *struct {
		Category    string `json:"category"`
		CSAFVersion string `json:"csaf_version"`
		Title       string `json:"title"`
		Tracking    *struct {
			ID                 string `json:"id"`
			InitialReleaseDate string `json:"initial_release_date"`
			CurrentReleaseDate string `json:"current_release_date"`
			RevisionHistory    []struct {
				Date string `json:"date"`
			} `json:"revision_history"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree *struct {
		Branches []csafBranch `json:"branches"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE           string              `json:"cve"`
		ProductStatus map[string][]string `json:"product_status"`
		Scores        []struct {
			CVSSv3 *struct {
				BaseScore    float64 `json:"baseScore"`
				VectorString string  `json:"vectorString"`
			} `json:"cvss_v3"`
		} `json:"scores"`
		Remediations []struct {
			Category   string   `json:"category"`
			Details    string   `json:"details"`
			ProductIDs []string `json:"product_ids"`
		} `json:"remediations"`
	} `json:"vulnerabilities"`
}

type csafBranch struct {
	Category string       `json:"category"`
	Name     string       `json:"name"`
	Branches []csafBranch `json:"branches"`
	Product  *struct {
		ProductID string `json:"product_id"`
		Name      string `json:"name"`
		Helper    *struct {
			CPE           string   `json:"cpe"`
			PURL          string   `json:"purl"`
			ModelNumbers  []string `json:"model_numbers"`
			SKUs          []string `json:"skus"`
			SerialNumbers []string `json:"serial_numbers"`
			Hashes        []struct {
				FileHashes []struct {
					Algorithm string `json:"algorithm"`
					Value     string `json:"value"`
				} `json:"file_hashes"`
				Filename string `json:"filename"`
			} `json:"hashes"`
			GenericURIs []struct {
				Namespace string `json:"namespace"`
				URI       string `json:"uri"`
			} `json:"x_generic_uris"`
		} `json:"product_identification_helper"`
	} `json:"product"`
}

// ParseCSAF reads a CSAF 2.0 advisory. name is used in errors. Required
// fields missing, an unknown CSAF version, product ids that the
// vulnerabilities name but the tree lacks, CVE ids, dates and scores that
// are not what CSAF says are errors: modelfile.Errors, each at its place.
func ParseCSAF(name string, data []byte) (*Advisory, error) {
	var d csafDoc
	if err := modelfile.DecodeJSON(name, data, &d); err != nil {
		return nil, err
	}
	c := checker{name: name, data: data}
	switch {
	case d.Document == nil:
		c.add("document", "missing", "is this a CSAF advisory?")
	case d.Document.CSAFVersion != "2.0":
		c.add("document.csaf_version", fmt.Sprintf("%q, Ward reads CSAF 2.0", d.Document.CSAFVersion), "")
	case d.Document.Tracking == nil || d.Document.Tracking.ID == "":
		c.add("document.tracking.id", "missing", "")
	case d.ProductTree == nil:
		c.add("product_tree", "missing", "")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	tr := d.Document.Tracking
	c.line("document.tracking.id", tr.ID)
	c.dateTime("document.tracking.initial_release_date", tr.InitialReleaseDate, false)
	c.dateTime("document.tracking.current_release_date", tr.CurrentReleaseDate, false)
	for i, r := range tr.RevisionHistory {
		c.dateTime(fmt.Sprintf("document.tracking.revision_history[%d].date", i), r.Date, false)
	}
	a := &Advisory{ID: tr.ID, Title: d.Document.Title, Released: tr.InitialReleaseDate}
	var walk func(bs []csafBranch, at, vendor, product string, depth int)
	walk = func(bs []csafBranch, at, vendor, product string, depth int) {
		if depth > 16 {
			c.add(at, "branches nested deeper than 16", "")
			return
		}
		for i, b := range bs {
			p := fmt.Sprintf("%s[%d]", at, i)
			c.line(p+".name", b.Name)
			v, pn := vendor, product
			switch b.Category {
			case "vendor":
				v = b.Name
			case "product_name", "product_family":
				pn = strings.TrimSpace(strings.Join([]string{pn, b.Name}, " "))
			}
			if b.Product != nil {
				pr := Product{ID: b.Product.ProductID, Vendor: v, Name: pn}
				switch b.Category {
				case "product_version":
					pr.Version = b.Name
				case "product_version_range":
					pr.Range = b.Name
				}
				if h := b.Product.Helper; h != nil {
					pr.CPE, pr.PURL, pr.ModelNumbers = h.CPE, h.PURL, h.ModelNumbers
					pr.SKUs, pr.SerialNumbers = h.SKUs, h.SerialNumbers
					for _, fh := range h.Hashes {
						for _, x := range fh.FileHashes {
							pr.Hashes = append(pr.Hashes, strings.ToLower(x.Algorithm)+":"+strings.ToLower(x.Value))
						}
					}
					for _, u := range h.GenericURIs {
						pr.GenericURIs = append(pr.GenericURIs, u.URI)
					}
				}
				c.line(p+".product.name", b.Product.Name)
				if pr.ID == "" {
					c.add(p+".product.product_id", fmt.Sprintf("product %q has no product_id", b.Product.Name), "")
				}
				a.Products = append(a.Products, pr)
			}
			walk(b.Branches, p+".branches", v, pn, depth+1)
		}
	}
	walk(d.ProductTree.Branches, "product_tree.branches", "", "", 0)
	known := map[string]bool{}
	for _, p := range a.Products {
		known[p.ID] = true
	}
	for i, v := range d.Vulnerabilities {
		at := fmt.Sprintf("vulnerabilities[%d]", i)
		if v.CVE != "" {
			c.cve(at+".cve", v.CVE)
		}
		out := Vulnerability{CVE: v.CVE}
		for _, status := range slices.Sorted(maps.Keys(v.ProductStatus)) {
			ids := v.ProductStatus[status]
			for j, id := range ids {
				if !known[id] {
					c.add(fmt.Sprintf("%s.product_status.%s[%d]", at, status, j), fmt.Sprintf("unknown product %q", id), "the product tree has no product of this id")
				}
			}
			switch status {
			case "known_affected", "first_affected", "last_affected":
				out.Affected = append(out.Affected, ids...)
			case "fixed", "first_fixed":
				out.Fixed = append(out.Fixed, ids...)
			case "known_not_affected":
				out.NotAffected = append(out.NotAffected, ids...)
			}
		}
		for _, r := range v.Remediations {
			if r.Category != "vendor_fix" {
				continue
			}
			fix, ok := fixedVersion(r.Details)
			if !ok {
				continue
			}
			for _, id := range r.ProductIDs {
				if p := productByID(a.Products, id); p != nil && unversioned(p) {
					if out.FixedIn == nil {
						out.FixedIn = map[string]string{}
					}
					out.FixedIn[id] = fix
				}
			}
		}
		for j, s := range v.Scores {
			if s.CVSSv3 == nil {
				continue
			}
			score := s.CVSSv3.BaseScore
			c.score(fmt.Sprintf("%s.scores[%d].cvss_v3.baseScore", at, j), score)
			if score == 0 && s.CVSSv3.VectorString != "" {
				// Stated vector without a score: compute it.
				if computed, err := BaseScore(s.CVSSv3.VectorString); err == nil {
					score = computed
				}
			}
			if score > out.CVSS {
				out.CVSS, out.Vector = score, s.CVSSv3.VectorString
			}
		}
		a.Vulns = append(a.Vulns, out)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return a, nil
}

func productByID(ps []Product, id string) *Product {
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i]
		}
	}
	return nil
}

// unversioned tells whether the product tree gives a product no version
// (all versions, or none written).
func unversioned(p *Product) bool {
	all := func(v string) bool { return v == "" || v == "vers:all/*" || v == "*" }
	return all(p.Version) && all(p.Range)
}

// fixedVersion reads the version a vendor fix names: a text that says it
// fixes, remediates or resolves, and names one dotted version ("VF10.1",
// "Version 8.2.2", "v1.12"). Texts naming several versions, or none, give
// nothing: Ward does not guess which one fixes which product.
func fixedVersion(details string) (string, bool) {
	lower := strings.ToLower(details)
	if !strings.Contains(lower, "fix") && !strings.Contains(lower, "remediat") && !strings.Contains(lower, "resolve") {
		return "", false
	}
	found := ""
	for _, w := range strings.Fields(details) {
		w = strings.Trim(w, ".,;:()")
		if !strings.Contains(w, ".") || strings.Contains(w, "/") || strings.Contains(w, "@") || !versionLike(w) {
			continue
		}
		if found != "" && found != w {
			return "", false
		}
		found = w
	}
	return found, found != ""
}
