package intel

import (
	"strings"
	"testing"
)

func TestExposuresAndPriority(t *testing.T) {
	ms := []Match{
		{Asset: "pump", CVE: "CVE-1", CVSS: 9.8, Advisory: "A"},
		{Asset: "pump", CVE: "CVE-1", CVSS: 9.8, Advisory: "NVD"}, // the same CVE from a second source
		{Asset: "pump", CVE: "CVE-2", CVSS: 5.0, EPSS: 0.3, Exploited: true},
		{Asset: "pacs", CVE: "CVE-3", CVSS: 7.5, Exploited: true, Ransomware: true},
		{Asset: "pacs", CVE: "CVE-4", CVSS: 4.0, EPSS: 0.9},
	}
	e := Exposures(ms)
	if got := e["pump"]; got != (Exposure{Count: 2, Exploited: 1, MaxCVSS: 9.8, MaxEPSS: 0.3}) {
		t.Errorf("pump %+v", got)
	}
	if got := e["pacs"]; got != (Exposure{Count: 2, Exploited: 1, Ransomware: 1, MaxCVSS: 7.5, MaxEPSS: 0.9}) {
		t.Errorf("pacs %+v", got)
	}
	var order []string
	for _, m := range Prioritise(ms) {
		order = append(order, m.Asset+"/"+m.CVE+"/"+m.Advisory)
	}
	want := "pacs/CVE-3/ pump/CVE-2/ pacs/CVE-4/ pump/CVE-1/A pump/CVE-1/NVD"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("priority %s, want %s", got, want)
	}
	if ms[0].Advisory != "A" || ms[3].CVE != "CVE-3" {
		t.Error("Prioritise sorted its input in place")
	}
}
