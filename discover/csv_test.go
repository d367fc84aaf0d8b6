package discover

import (
	"strings"
	"testing"
)

const cmms = "\ufeffAsset Tag;Device Type;Manufacturer;Model;Serial Number;IP Address;MAC Address;Department;End of Life;Room\n" +
	"BME-0042;Infusion Pump;Baxter;Sigma Spectrum;SP123456;10.20.30.50;00:1A:2B:3C:4D:5E;ICU;31.12.2027;ICU-7\n" +
	"BME-0043;CT Scanner;Siemens Healthineers;SOMATOM go.Up;CT998;10.20.30.60;;Radiology;2030-06-30;\n" +
	"BME-0044;Widget;Acme;W1;W-1;;;;;\n"

func TestCSVInventory(t *testing.T) {
	_, err := ReadCSV("cmms.csv", strings.NewReader(cmms), 0, nil, nil)
	if err == nil || !strings.Contains(err.Error(), `cmms.csv:row 4, column "Device Type": device type "Widget" matches no asset kind`) {
		t.Fatalf("want the unknown device type at row 4, got %v", err)
	}
	m, err := ParseMapping("Device Type=-")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ReadCSV("cmms.csv", strings.NewReader(cmms), 0, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hosts) != 3 {
		t.Fatalf("%d hosts", len(res.Hosts))
	}
	if h := res.Hosts[2]; h.Kind != "unknown" || h.Serial != "W-1" {
		t.Fatalf("mapped away: %+v", h)
	}
	res, _ = ReadCSV("cmms.csv", strings.NewReader(strings.Replace(cmms, "Widget", "Ventilator", 1)), 0, nil, nil)
	p := res.Hosts[0]
	if p.ID != "BME-0042" || p.Kind != "infusion-pump" || p.Vendor != "Baxter" || p.Product != "Sigma Spectrum" || p.Serial != "SP123456" ||
		p.IPs[0] != "10.20.30.50" || p.MACs[0] != "00:1a:2b:3c:4d:5e" || p.Owner != "ICU" || p.EndOfSupport != "2027-12-31" || p.Description != "location: ICU-7" {
		t.Fatalf("pump: %+v", p)
	}
	if res.Hosts[1].Kind != "imaging-modality" || res.Hosts[2].Kind != "ventilator" {
		t.Fatalf("kinds: %s %s", res.Hosts[1].Kind, res.Hosts[2].Kind)
	}
}

func TestCSVErrorsByRowAndColumn(t *testing.T) {
	in := "id,ip,mac,eol\nA,10.0.0.300,zz,2025-13-45\nB,10.0.0.2\n\"C,10.0.0.3,,\n"
	_, err := ReadCSV("inv.csv", strings.NewReader(in), 0, nil, nil)
	me, ok := err.(MultiError)
	if !ok {
		t.Fatalf("want every problem, got %v", err)
	}
	want := []string{
		`inv.csv:row 2, column "ip": invalid IP address "10.0.0.300"`,
		`inv.csv:row 2, column "mac": invalid MAC address "zz"`,
		`inv.csv:row 2, column "eol": invalid date "2025-13-45"`,
		`inv.csv:row 3: 2 columns, the header has 4`,
		`inv.csv:row 4, column`,
	}
	if len(me) != len(want) {
		t.Fatalf("got %v", err)
	}
	for i, w := range want {
		if !strings.HasPrefix(me[i].Error(), w) {
			t.Errorf("problem %d: %q, want %q", i, me[i], w)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"", "empty file"},
		{"colour,size\nred,1\n", "no column identifies an asset"},
		{"serial,sn\n1,2\n", "a second column for serial"},
	} {
		if _, err := ReadCSV("inv.csv", strings.NewReader(c.in), 0, nil, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: want %q, got %v", c.in, c.want, err)
		}
	}
	if _, err := ParseMapping("Foo=bar"); err == nil || !strings.Contains(err.Error(), `unknown field "bar"`) {
		t.Fatal(err)
	}
}

// An inventory cell with invalid UTF-8 or a control character is refused
// at its row and column, as a model file would be; descriptions may hold
// tabs.
func TestCSVRefusesUnprintableCells(t *testing.T) {
	text := strings.Replace(cmms, "Widget", "Ventilator", 1)
	for _, tc := range []struct{ old, new, want string }{
		{"Baxter", "Bax\xffter", `cmms.csv:row 2, column "Manufacturer": invalid UTF-8 in "Bax\xffter" (save the export as UTF-8)`},
		{"Sigma Spectrum", "Sigma\x1b[2JSpectrum", `cmms.csv:row 2, column "Model": control character U+001B in "Sigma\x1b[2JSpectrum"`},
	} {
		_, err := ReadCSV("cmms.csv", strings.NewReader(strings.Replace(text, tc.old, tc.new, 1)), 0, nil, nil)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got  %v\nwant %s", err, tc.want)
		}
	}
}
