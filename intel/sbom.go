package intel

import (
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"
	"github.com/wardhealth/ward"
)

// ParseSBOM reads a CycloneDX JSON SBOM (spec 1.4 to 1.6) and returns its
// components, nested ones included, as an asset's software components.
func ParseSBOM(name string, r io.Reader) ([]ward.Component, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(io.LimitReader(r, MaxFeedBytes), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("%s: not a CycloneDX JSON SBOM: %v", name, err)
	}
	if bom.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("%s: bomFormat %q, want CycloneDX", name, bom.BOMFormat)
	}
	if bom.SpecVersion < cdx.SpecVersion1_4 {
		return nil, fmt.Errorf("%s: specVersion %s, Ward reads CycloneDX 1.4 to 1.6", name, bom.SpecVersion)
	}
	var out []ward.Component
	var walk func(cs *[]cdx.Component, path string, depth int) error
	walk = func(cs *[]cdx.Component, path string, depth int) error {
		if cs == nil {
			return nil
		}
		if depth > 16 {
			return fmt.Errorf("%s: %s: components nested deeper than 16", name, path)
		}
		for i, c := range *cs {
			p := fmt.Sprintf("%s[%d]", path, i)
			if strings.TrimSpace(c.Name) == "" {
				return fmt.Errorf("%s: %s.name: missing", name, p)
			}
			if c.PackageURL != "" {
				if err := ward.CheckPURL(c.PackageURL); err != nil {
					return fmt.Errorf("%s: %s.purl: %q: %v", name, p, c.PackageURL, err)
				}
			}
			if c.CPE != "" && !ward.ValidCPE(c.CPE) {
				return fmt.Errorf("%s: %s.cpe: %q is not a CPE 2.3 name", name, p, c.CPE)
			}
			out = append(out, ward.Component{Name: c.Name, Version: c.Version, PURL: c.PackageURL, CPE: c.CPE})
			if err := walk(c.Components, p+".components", depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(bom.Components, "components", 0); err != nil {
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
