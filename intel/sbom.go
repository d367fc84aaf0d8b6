package intel

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/modelfile"
)

// cdxBOM is the part of a CycloneDX JSON SBOM Ward reads; other fields are
// allowed and ignored.
type cdxBOM struct {
	BOMFormat   string         `json:"bomFormat"`
	SpecVersion string         `json:"specVersion"`
	Components  []cdxComponent `json:"components"`
}

type cdxComponent struct {
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	PURL       string         `json:"purl"`
	CPE        string         `json:"cpe"`
	Components []cdxComponent `json:"components"`
}

// ParseSBOM reads a CycloneDX JSON SBOM (spec 1.4 to 1.6) and returns its
// components, nested ones included, as an asset's software components.
// A file over MaxFeedBytes is refused from its size when r is a file.
// Problems are modelfile.Errors, each at its place in the file.
func ParseSBOM(name string, r io.Reader) ([]ward.Component, error) {
	data, err := modelfile.ReadLimited(name, r, MaxFeedBytes)
	if err != nil {
		return nil, err
	}
	var bom cdxBOM
	if err := modelfile.DecodeJSON(name, data, &bom); err != nil {
		return nil, err
	}
	c := checker{name: name, data: data}
	switch {
	case bom.BOMFormat != "CycloneDX":
		c.add("bomFormat", fmt.Sprintf("%q, want CycloneDX", bom.BOMFormat), "is this a CycloneDX JSON SBOM?")
	case !slices.Contains([]string{"1.4", "1.5", "1.6"}, bom.SpecVersion):
		c.add("specVersion", fmt.Sprintf("%q, Ward reads CycloneDX 1.4 to 1.6", bom.SpecVersion), "")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	var out []ward.Component
	var walk func(cs []cdxComponent, path string, depth int)
	walk = func(cs []cdxComponent, path string, depth int) {
		if depth > 16 {
			c.add(path, "components nested deeper than 16", "")
			return
		}
		for i, comp := range cs {
			p := fmt.Sprintf("%s[%d]", path, i)
			if strings.TrimSpace(comp.Name) == "" {
				c.add(p+".name", "missing", "")
			}
			c.line(p+".name", comp.Name)
			c.line(p+".version", comp.Version)
			if comp.PURL != "" {
				if err := ward.CheckPURL(comp.PURL); err != nil {
					c.add(p+".purl", fmt.Sprintf("%q: %v", comp.PURL, err), "")
				}
			}
			if comp.CPE != "" && !ward.ValidCPE(comp.CPE) {
				c.add(p+".cpe", fmt.Sprintf("%q is not a CPE 2.3 name", comp.CPE), "")
			}
			out = append(out, ward.Component{Name: comp.Name, Version: comp.Version, PURL: comp.PURL, CPE: comp.CPE})
			walk(comp.Components, p+".components", depth+1)
		}
	}
	walk(bom.Components, "components", 0)
	if err := c.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// samePackage tells whether two package URLs name the same package,
// versions aside.
func samePackage(a, b string) bool {
	pa, err1 := packageurl.FromString(a)
	pb, err2 := packageurl.FromString(b)
	return err1 == nil && err2 == nil && strings.EqualFold(pa.Type, pb.Type) &&
		strings.EqualFold(pa.Namespace, pb.Namespace) && strings.EqualFold(pa.Name, pb.Name)
}

// purlVersion is the version a package URL pins, or "".
func purlVersion(s string) string {
	p, err := packageurl.FromString(s)
	if err != nil {
		return ""
	}
	return p.Version
}
