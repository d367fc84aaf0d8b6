package intel

import (
	"os"
	"strings"
	"testing"

	"github.com/wardhealth/ward/modelfile"
)

// Feeds are held to what model files are held to: every problem is
// refused with file:line:column and the field, in words rather than Go's
// type names (issue 14: a bad CVE id, "yesterday" as a date, a repeated key
// or invalid UTF-8 passed; some errors were Go type dumps).
func TestFeedsAreCheckedStrictly(t *testing.T) {
	csaf, err := os.ReadFile("testdata/component-advisory.json")
	if err != nil {
		t.Fatal(err)
	}
	sbom, err := os.ReadFile("testdata/monitor-sbom.json")
	if err != nil {
		t.Fatal(err)
	}
	const kev = `{"catalogVersion": "2025.08.25", "dateReleased": "2025-08-25T17:04:41.5418Z",
  "vulnerabilities": [
    {"cveID": "CVE-2021-44228", "vendorProject": "Apache", "product": "Log4j", "dateAdded": "2021-12-10", "dueDate": "2021-12-24"}
  ]}`
	nvd := nvdPageJSON
	cases := []struct {
		name, kind, base, old, new, want string
	}{
		{"CSAF bad CVE id", "csaf", string(csaf), `"cve": "CVE-2021-44228"`, `"cve": "CVE-21-44228"`,
			`a.json:24:13: vulnerabilities[0].cve: "CVE-21-44228" is not a CVE id (CVE-YYYY-NNNN, four or more digits after the year)`},
		{"CSAF date in words", "csaf", string(csaf), `"current_release_date": "2021-12-20T00:00:00Z"`, `"current_release_date": "yesterday"`,
			`a.json:7:117: document.tracking.current_release_date: "yesterday" is not an RFC 3339 date and time (e.g. 2025-10-14T09:30:00Z)`},
		{"CSAF date of the wrong type", "csaf", string(csaf), `"current_release_date": "2021-12-20T00:00:00Z"`, `"current_release_date": 20211220`,
			`a.json:7:117: document.tracking.current_release_date: expected text, found number`},
		{"CSAF repeated key", "csaf", string(csaf), `"cve": "CVE-2021-44228",`, `"cve": "CVE-2021-44228", "cve": "CVE-2021-0001",`,
			`a.json:24:31: vulnerabilities[0].cve: duplicate key "cve" (the later value would silently win; keep one)`},
		{"CSAF invalid UTF-8", "csaf", string(csaf), `"name": "Log4j",`, "\"name\": \"Log\xff4j\",",
			`a.json:12:50: product_tree.branches[0].branches[0].name: invalid UTF-8 (byte 0xff) (save the file as UTF-8)`},
		{"CSAF score out of range", "csaf", string(csaf), `"baseScore": 10.0`, `"baseScore": 11.0`,
			`a.json:26:89: vulnerabilities[0].scores[0].cvss_v3.baseScore: CVSS base score 11 out of range (scores run from 0 to 10)`},
		{"CSAF control character", "csaf", string(csaf), `"name": "Log4j",`, `"name": "Log\u001b[2J4j",`,
			`a.json:12:46: product_tree.branches[0].branches[0].name: control character U+001B (a name is one line of printable text; remove the character)`},
		{"KEV bad CVE id", "kev", kev, `"cveID": "CVE-2021-44228"`, `"cveID": "CVE-2021-4"`,
			`kev.json:3:15: vulnerabilities[0].cveID: "CVE-2021-4" is not a CVE id (CVE-YYYY-NNNN, four or more digits after the year)`},
		{"KEV date", "kev", kev, `"dateAdded": "2021-12-10"`, `"dateAdded": "10/12/2021"`,
			`kev.json:3:93: vulnerabilities[0].dateAdded: "10/12/2021" is not an RFC 3339 date (write YYYY-MM-DD, e.g. 2025-10-14)`},
		{"KEV release time", "kev", kev, `"dateReleased": "2025-08-25T17:04:41.5418Z"`, `"dateReleased": "yesterday"`,
			`kev.json:1:50: dateReleased: "yesterday" is not an RFC 3339 date and time (e.g. 2025-10-14T09:30:00Z)`},
		{"KEV type", "kev", kev, `"product": "Log4j"`, `"product": ["Log4j"]`,
			`kev.json:3:71: vulnerabilities[0].product: expected text, found array`},
		{"NVD repeated key", "nvd", nvd, `"format":"NVD_CVE",`, `"format":"NVD_CVE", "format":"NVD_CVE",`,
			`nvd.json:1:22: format: duplicate key "format" (the later value would silently win; keep one)`},
		{"NVD bad CVE id", "nvd", nvd, `"id":"CVE-2020-12812"`, `"id":"CVE-2020-12812x"`,
			`nvd.json:2:15: vulnerabilities[0].cve.id: "CVE-2020-12812x" is not a CVE id (CVE-YYYY-NNNN, four or more digits after the year)`},
		{"SBOM type", "sbom", string(sbom), `"name": "log4j-core"`, `"name": {"text": "log4j-core"}`,
			`sbom.json:10:36: components[1].components[0].name: expected text, found object`},
		{"SBOM repeated key", "sbom", string(sbom), `"name": "log4j-core"`, `"name": "log4j-core", "name": "x"`,
			`sbom.json:10:50: components[1].components[0].name: duplicate key "name" (the later value would silently win; keep one)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tc.base, tc.old) {
				t.Fatalf("case does not apply: %q", tc.old)
			}
			data := []byte(strings.Replace(tc.base, tc.old, tc.new, 1))
			var err error
			name := map[string]string{"csaf": "a.json", "kev": "kev.json", "nvd": "nvd.json", "sbom": "sbom.json"}[tc.kind]
			switch tc.kind {
			case "csaf":
				_, err = ParseCSAF(name, data)
			case "kev":
				_, err = ParseKEV(name, data)
			case "nvd":
				_, err = ParseNVD(name, data)
			case "sbom":
				_, err = ParseSBOM(name, strings.NewReader(string(data)))
			}
			es, ok := modelfile.AsErrors(err)
			if !ok || len(es) == 0 {
				t.Fatalf("want positioned errors, got %v", err)
			}
			if got := es[0].Error(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	// The unchanged files are accepted.
	if _, err := ParseCSAF("a.json", csaf); err != nil {
		t.Error(err)
	}
	if _, err := ParseKEV("kev.json", []byte(kev)); err != nil {
		t.Error(err)
	}
}
