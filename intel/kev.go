package intel

import (
	"encoding/json"
	"fmt"
	"regexp"
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

var cveRe = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// ParseKEV reads the KEV catalog JSON.
func ParseKEV(name string, data []byte) (*KEV, error) {
	var k KEV
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if k.Version == "" || k.Entries == nil {
		return nil, fmt.Errorf("%s: catalogVersion or vulnerabilities missing; is this CISA's KEV catalog?", name)
	}
	for i, e := range k.Entries {
		if !cveRe.MatchString(e.CVE) {
			return nil, fmt.Errorf("%s: vulnerabilities[%d].cveID: %q is not a CVE id", name, i, e.CVE)
		}
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
