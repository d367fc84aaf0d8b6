package intel

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

const nvdPageJSON = `{"format":"NVD_CVE","version":"2.0","vulnerabilities":[
 {"cve":{"id":"CVE-2020-12812","metrics":{"cvssMetricV31":[{"cvssData":{"baseScore":9.8,"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}]},
  "configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[
   {"vulnerable":true,"criteria":"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*","versionStartIncluding":"6.4.0","versionEndExcluding":"6.4.5"}]}]}]}},
 {"cve":{"id":"CVE-2021-99999","configurations":[{"operator":"AND","nodes":[
   {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:example:viewer:2.?:*:*:*:*:*:*:*"}]},
   {"operator":"OR","cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*"}]}]}]}}
]}`

func TestNVDConfigurations(t *testing.T) {
	cves, err := ParseNVD("page.json", []byte(nvdPageJSON))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(nil, nil)
	m.AddNVD(cves)
	cases := []struct {
		asset ward.Asset
		want  []string
	}{
		{ward.Asset{ID: "vpn", CPE: "cpe:2.3:o:fortinet:fortios:6.4.4:*:*:*:*:*:*:*"}, []string{"CVE-2020-12812"}},
		{ward.Asset{ID: "vpn-new", CPE: "cpe:2.3:o:fortinet:fortios:7.2.8:*:*:*:*:*:*:*"}, nil},
		{ward.Asset{ID: "vpn-edge", CPE: "cpe:2.3:o:fortinet:fortios:6.4.5:*:*:*:*:*:*:*"}, nil},
		// AND: the viewer on Windows 7 SP1, the OS as a component.
		{ward.Asset{ID: "ws", CPE: "cpe:2.3:a:example:viewer:2.3:*:*:*:*:*:*:*",
			Components: []ward.Component{{Name: "Windows 7", CPE: "cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*"}}}, []string{"CVE-2021-99999"}},
		{ward.Asset{ID: "ws10", CPE: "cpe:2.3:a:example:viewer:2.3:*:*:*:*:*:*:*"}, nil},
		{ward.Asset{ID: "ws-v3", CPE: "cpe:2.3:a:example:viewer:3.0:*:*:*:*:*:*:*",
			Components: []ward.Component{{Name: "Windows 7", CPE: "cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*"}}}, nil},
	}
	for _, c := range cases {
		var got []string
		for _, mt := range m.Match([]ward.Asset{c.asset}) {
			got = append(got, mt.CVE)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.asset.ID, got, c.want)
		}
	}
}

func TestCPEAttributes(t *testing.T) {
	n, err := parseCPE(`cpe:2.3:a:vendor:prod\:uct:1.0:*:*:*:*:*:*:*`)
	if err != nil || n[2] != `prod\:uct` || n[3] != "1.0" {
		t.Fatalf("%v %v", n, err)
	}
	for _, c := range []struct {
		crit, v string
		want    bool
	}{{"*", "x", true}, {"-", "-", true}, {"-", "x", false}, {"x", "*", false}, {"2.?", "2.3", true}, {"2.?", "2.30", false}, {"ab*", "abc", true}} {
		if attrMatches(c.crit, c.v) != c.want {
			t.Errorf("%q vs %q", c.crit, c.v)
		}
	}
	if _, err := ParseNVD("bad.json", []byte(`{"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{"id":"CVE-2020-0001","configurations":[{"nodes":[{"cpeMatch":[{"criteria":"cpe:/a:x"}]}]}]}}]}`)); err == nil || !strings.HasPrefix(err.Error(), "bad.json:1:138: vulnerabilities[0].cve.configurations[0].nodes[0].cpeMatch[0].criteria: ") {
		t.Fatalf("bad criterion: %v", err)
	}
}

// FuzzParseNVD: any input is read or refused, never a panic.
func FuzzParseNVD(f *testing.F) {
	f.Add([]byte(nvdPageJSON))
	f.Fuzz(func(t *testing.T, data []byte) {
		cves, err := ParseNVD("fuzz.json", data)
		if err != nil {
			return
		}
		m := NewMatcher(nil, nil)
		m.AddNVD(cves)
		m.Match([]ward.Asset{{ID: "a", CPE: "cpe:2.3:o:fortinet:fortios:6.4.4:*:*:*:*:*:*:*"}})
	})
}
