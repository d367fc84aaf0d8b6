package intel

import (
	"bytes"
	"compress/gzip"
	"math"
	"strings"
	"testing"
)

func TestBaseScore(t *testing.T) {
	for vector, want := range map[string]float64{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H":                    9.8,
		"CVSS:3.0/AV:A/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H":                    7.5,
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N": 9.3,
	} {
		got, err := BaseScore(vector)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: %v %v, want %v", vector, got, err, want)
		}
	}
	if _, err := BaseScore("CVSS:3.1/AV:X"); err == nil {
		t.Error("a broken vector was accepted")
	}
}

// The scores CISA states in its medical-device advisories agree with their
// vectors: those in testdata, and all of the reference data when it is
// there.
func TestAdvisoryScoresAgreeWithVectors(t *testing.T) {
	t.Run("testdata", func(t *testing.T) { checkScores(t, loadSome(t), 20) })
	t.Run("reference", func(t *testing.T) { checkScores(t, loadAll(t), 200) })
}

func checkScores(t *testing.T, advs []*Advisory, least int) {
	checked := 0
	for _, a := range advs {
		for _, v := range a.Vulns {
			if v.Vector == "" {
				continue
			}
			got, err := BaseScore(v.Vector)
			if err != nil {
				t.Errorf("%s %s: %v", a.ID, v.CVE, err)
				continue
			}
			if math.Abs(got-v.CVSS) > 0.05 {
				t.Errorf("%s %s: stated %.1f, vector gives %.1f", a.ID, v.CVE, v.CVSS, got)
			}
			checked++
		}
	}
	if checked < least {
		t.Fatalf("only %d vectors checked, want at least %d", checked, least)
	}
}

const epssCSV = "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2020-25158,0.00312,0.71234\nCVE-2021-44228,0.94358,0.99989\n"

func TestParseEPSS(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(epssCSV))
	w.Close()
	for name, data := range map[string][]byte{"plain.csv": []byte(epssCSV), "packed.csv.gz": gz.Bytes()} {
		scores, date, err := ParseEPSS(name, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(scores) != 2 || scores["CVE-2021-44228"].Score != 0.94358 || !strings.HasPrefix(date, "2025-08-25") {
			t.Fatalf("%s: %v %s", name, scores, date)
		}
	}
	bad := "cve,epss,percentile\nCVE-2020-1,1.5,0.2\n"
	if _, _, err := ParseEPSS("bad.csv", strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "bad.csv:2") {
		t.Fatalf("bad record: %v", err)
	}
}

// FuzzParseEPSS: any input is read or refused, never a panic.
func FuzzParseEPSS(f *testing.F) {
	f.Add([]byte(epssCSV))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseEPSS("fuzz.csv", bytes.NewReader(data))
	})
}
