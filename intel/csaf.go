// Package intel reads vulnerability intelligence — CSAF 2.0 advisories (the
// medical-device advisories of CISA among them) and CISA's Known Exploited
// Vulnerabilities catalog — and matches it against a hospital's assets, each
// match saying why.
package intel

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
}

// Vulnerability is one CVE of an advisory and the products' status for it.
type Vulnerability struct {
	CVE string `json:"cve"`
	// Affected, Fixed and NotAffected list product ids.
	Affected    []string `json:"affected,omitempty"`
	Fixed       []string `json:"fixed,omitempty"`
	NotAffected []string `json:"not_affected,omitempty"`
	CVSS        float64  `json:"cvss,omitempty"`
	Vector      string   `json:"cvss_vector,omitempty"`
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
			CPE          string   `json:"cpe"`
			PURL         string   `json:"purl"`
			ModelNumbers []string `json:"model_numbers"`
		} `json:"product_identification_helper"`
	} `json:"product"`
}

// ParseCSAF reads a CSAF 2.0 advisory. name is used in errors. Required
// fields missing, an unknown CSAF version or product ids that the
// vulnerabilities name but the tree lacks are errors.
func ParseCSAF(name string, data []byte) (*Advisory, error) {
	var d csafDoc
	if err := json.Unmarshal(data, &d); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: byte %d: not JSON: %v", name, se.Offset, err)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	switch {
	case d.Document == nil:
		return nil, fmt.Errorf("%s: document: missing; is this a CSAF advisory?", name)
	case d.Document.CSAFVersion != "2.0":
		return nil, fmt.Errorf("%s: document.csaf_version: %q, Ward reads CSAF 2.0", name, d.Document.CSAFVersion)
	case d.Document.Tracking == nil || d.Document.Tracking.ID == "":
		return nil, fmt.Errorf("%s: document.tracking.id: missing", name)
	case d.ProductTree == nil:
		return nil, fmt.Errorf("%s: product_tree: missing", name)
	}
	a := &Advisory{ID: d.Document.Tracking.ID, Title: d.Document.Title, Released: d.Document.Tracking.InitialReleaseDate}
	var walk func(bs []csafBranch, vendor, product string, depth int) error
	walk = func(bs []csafBranch, vendor, product string, depth int) error {
		if depth > 16 {
			return fmt.Errorf("%s: product_tree: branches nested deeper than 16", name)
		}
		for _, b := range bs {
			v, p := vendor, product
			switch b.Category {
			case "vendor":
				v = b.Name
			case "product_name", "product_family":
				p = strings.TrimSpace(strings.Join([]string{p, b.Name}, " "))
			}
			if b.Product != nil {
				pr := Product{ID: b.Product.ProductID, Vendor: v, Name: p}
				switch b.Category {
				case "product_version":
					pr.Version = b.Name
				case "product_version_range":
					pr.Range = b.Name
				}
				if h := b.Product.Helper; h != nil {
					pr.CPE, pr.PURL, pr.ModelNumbers = h.CPE, h.PURL, h.ModelNumbers
				}
				if pr.ID == "" {
					return fmt.Errorf("%s: product_tree: product %q has no product_id", name, b.Product.Name)
				}
				a.Products = append(a.Products, pr)
			}
			if err := walk(b.Branches, v, p, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(d.ProductTree.Branches, "", "", 0); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, p := range a.Products {
		known[p.ID] = true
	}
	for i, v := range d.Vulnerabilities {
		out := Vulnerability{CVE: v.CVE}
		for status, ids := range v.ProductStatus {
			for _, id := range ids {
				if !known[id] {
					return nil, fmt.Errorf("%s: vulnerabilities[%d].product_status.%s: unknown product %q", name, i, status, id)
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
		for _, s := range v.Scores {
			if s.CVSSv3 == nil {
				continue
			}
			score := s.CVSSv3.BaseScore
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
	return a, nil
}
