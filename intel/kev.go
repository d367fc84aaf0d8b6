package intel

import (
	"fmt"

	"github.com/wardhealth/ward/modelfile"
)

// KEV is CISA's catalog of Known Exploited Vulnerabilities.
type KEV struct {
	Version  string     `json:"catalogVersion"`
	Released string     `json:"dateReleased"`
	Entries  []KEVEntry `json:"vulnerabilities"`
}

// KEVEntry is one exploited vulnerability.
type KEVEntry struct {
	CVE        string `json:"cveID"`
	Vendor     string `json:"vendorProject"`
	Product    string `json:"product"`
	Name       string `json:"vulnerabilityName"`
	Added      string `json:"dateAdded"`
	DueDate    string `json:"dueDate"`
	Ransomware string `json:"knownRansomwareCampaignUse"`
}

// ParseKEV reads the KEV catalog JSON. Problems are modelfile.Errors,
// each at its place in the file.
func ParseKEV(name string, data []byte) (*KEV, error) {
	var k KEV
	if err := modelfile.DecodeJSON(name, data, &k); err != nil {
		return nil, err
	}
	c := checker{name: name, data: data}
	if k.Version == "" || k.Entries == nil {
		c.add("", "catalogVersion or vulnerabilities missing", "is this CISA's KEV catalog?")
		return nil, c.err()
	}
	c.dateTime("dateReleased", k.Released, false)
	for i, e := range k.Entries {
		p := fmt.Sprintf("vulnerabilities[%d].", i)
		c.cve(p+"cveID", e.CVE)
		c.line(p+"vendorProject", e.Vendor)
		c.line(p+"product", e.Product)
		c.line(p+"vulnerabilityName", e.Name)
		c.date(p+"dateAdded", e.Added, false)
		c.date(p+"dueDate", e.DueDate, false)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return &k, nil
}

// Exploited indexes the catalog by CVE.
func (k *KEV) Exploited() map[string]KEVEntry {
	out := make(map[string]KEVEntry, len(k.Entries))
	for _, e := range k.Entries {
		out[e.CVE] = e
	}
	return out
}
