package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const discoverModel = `ward: 1
organisation: {id: h, name: H}
zones:
  - {id: internet, kind: internet, trust: untrusted}
  - {id: imaging, kind: medical-devices, trust: medium}
  - {id: bms, kind: building-management, trust: low}
assets:
  - {id: ct-01, kind: imaging-modality, zone: imaging, vendor: Siemens, addresses: [10.20.30.11]}
  - {id: ahu-01, kind: hvac, zone: bms, addresses: [10.20.70.20]}
`

const discoverScan = `<?xml version="1.0"?>
<nmaprun scanner="nmap" start="1760434200">
<host endtime="1760434260"><status state="up"/><address addr="10.20.30.11" addrtype="ipv4"/><address addr="00:09:FB:11:22:33" addrtype="mac" vendor="Philips Medical Systems"/>
<ports><port protocol="tcp" portid="104"><state state="open"/><service name="dicom" method="probed"/></port></ports></host>
<host endtime="1760434260"><status state="up"/><address addr="10.20.70.9" addrtype="ipv4"/>
<ports><port protocol="udp" portid="47808"><state state="open"/><service name="bacnet" method="table"/></port></ports></host>
<host endtime="1760434260"><status state="up"/><address addr="10.20.60.77" addrtype="ipv4"/></host>
</nmaprun>
`

// ward discover through the binary: dry run, refusal without a zone,
// conflicts kept, the audit entry, CSV errors by row and column.
func TestDiscoverCommands(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	dir := t.TempDir()
	model := filepath.Join(dir, "h.yaml")
	os.WriteFile(model, []byte(discoverModel), 0o644)
	scan := filepath.Join(dir, "scan.xml")
	os.WriteFile(scan, []byte(discoverScan), 0o644)
	expect(t, ward(t, data, "import", model), 0)

	r := ward(t, data, "discover", "nmap", scan, "--dry-run")
	expect(t, r, 0, `! conflict ct-01 vendor: declared "Siemens", nmap says "Philips Medical Systems" (kept declared)`,
		"+ asset dev-10-20-70-9 (bms) in bms [1 asset(s) of 10.20.70.0/24 are in bms]", "- no zone for 10.20.60.77", "dry run: nothing stored")
	expect(t, ward(t, data, "assets", "--zone", "bms"), 0, "1 asset(s)")

	r = ward(t, data, "discover", "nmap", scan)
	expect(t, r, 1, "1 device(s) have no zone (10.20.60.77): give one with --zone; nothing stored")

	r = ward(t, data, "discover", "nmap", scan, "--zone", "unsorted", "--format", "json")
	expect(t, r, 0)
	var out struct {
		Diff struct {
			Added  []struct{ ID, Zone string } `json:"added"`
			Review []struct{ Asset string }    `json:"review"`
		} `json:"diff"`
		Outcome string `json:"outcome"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Diff.Added) != 2 || len(out.Diff.Review) != 1 || !strings.HasPrefix(out.Outcome, "stored: revision 2") {
		t.Fatalf("json: %v %+v\n%s", err, out, r.stdout)
	}
	expect(t, ward(t, data, "audit", "list"), 0, "model.discover")
	r = ward(t, data, "export")
	expect(t, r, 0, "vendor: Siemens", "source: nmap", "needs-review", "provenance: scan", "id: unsorted")

	inv := filepath.Join(dir, "inv.csv")
	os.WriteFile(inv, []byte("Asset Tag,Device Type,IP Address\nBME-1,Infusion Pump,10.20.30.50\nBME-2,Pump,10.20.30.300\n"), 0o644)
	expect(t, ward(t, data, "discover", "csv", inv), 1, `inv.csv:row 3, column "IP Address": invalid IP address "10.20.30.300"`)
	expect(t, ward(t, data, "discover", "csv", inv, "--map", "IP Address"), 2, "write Header=field")
	os.WriteFile(inv, []byte("Asset Tag,Device Type,IP Address\nBME-1,Infusion Pump,10.20.30.50\n"), 0o644)
	expect(t, ward(t, data, "discover", "csv", inv), 0, "+ asset BME-1 (infusion-pump) in imaging")

	cut := filepath.Join(dir, "cut.xml")
	os.WriteFile(cut, []byte(discoverScan[:300]), 0o644)
	expect(t, ward(t, data, "discover", "nmap", cut), 1, "cut.xml:", "the file ends early")
	expect(t, ward(t, data, "discover", "pcap", scan), 1, "scan.xml: not a pcap or pcapng file")
}

// New devices of an inventory whose zone cannot be inferred are refused
// without --zone, saying so; the dry run says the same.
func TestDiscoverCSVWithoutZone(t *testing.T) {
	t.Parallel()
	data, dir := demoData(t), t.TempDir()
	inv := filepath.Join(dir, "inv.csv")
	os.WriteFile(inv, []byte("Asset Tag,Device Type,IP Address\nBME-1001,Infusion Pump,10.30.5.21\nBME-1002,Patient Monitor,10.30.5.22\n"), 0o644)
	expect(t, ward(t, data, "discover", "csv", inv, "--dry-run"), 0, "- no zone for BME-1001",
		"dry run: nothing stored; 2 device(s) have no zone (BME-1001, BME-1002): give one with --zone, or storing refuses them")
	expect(t, ward(t, data, "discover", "csv", inv), 1, "2 device(s) have no zone (BME-1001, BME-1002): give one with --zone; nothing stored")
	expect(t, ward(t, data, "assets", "--kind", "infusion-pump"), 0, "12 asset(s)")
	expect(t, ward(t, data, "discover", "csv", inv, "--zone", "medical-devices"), 0, "+ asset BME-1001 (infusion-pump) in medical-devices [--zone]", "stored: revision 2")
	expect(t, ward(t, data, "assets", "--kind", "infusion-pump"), 0, "13 asset(s)")
}

// A discovery that brings nothing new stores no revision and writes no
// audit entry.
func TestDiscoverNothingNewStoresNothing(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	scan := filepath.Join("..", "..", "examples", "datacentre-scan.xml")
	expect(t, ward(t, data, "discover", "nmap", scan), 0, "2 new", "stored: revision 2 of st-example")
	r := ward(t, data, "discover", "nmap", scan)
	expect(t, r, 0, "0 new, 0 changes", "nothing new: the model is unchanged, still revision 2 of st-example")
	empty := filepath.Join(t.TempDir(), "empty.csv")
	os.WriteFile(empty, []byte("Asset Tag,Device Type\n"), 0o644)
	expect(t, ward(t, data, "discover", "csv", empty), 0, "0 hosts", "nothing new: the model is unchanged, still revision 2")
	if n := strings.Count(ward(t, data, "audit", "list").stdout, "model.discover"); n != 1 {
		t.Errorf("%d discovery entries in the audit log, want 1", n)
	}
}

// A dry run shows what identifies each new device (DICOM AE titles, HL7
// applications, MQTT client ids) and how sure its kind is, a device's own
// name among the reasons; and what was read of each new link (FHIR
// resources, HL7 messages, MQTT topics).
func TestDiscoverDryRunShowsIdentities(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	capture := filepath.Join("..", "..", "examples", "bedside-capture.pcapng")
	r := ward(t, data, "discover", "pcap", capture, "--dry-run", "--zone", "medical-devices")
	expect(t, r, 0,
		"+ asset dev-10-20-50-17 (infusion-pump) in medical-devices",
		`    kind infusion-pump, 50% sure: its own name "infusion-pump-17" (MQTT client id) says "infusion"`,
		`    seen as MQTT client id "infusion-pump-17"`,
		`    seen as DICOM calling AE title "CT_ED_01"`,
		`    kind lab-analyser, 50% sure: its own name "BLOOD_GAS_ICU" (HL7 sending application (MSH-3)) says "blood gas"`,
		"+ link dev-10-20-40-11 -> pacs-01 dicom/104 unencrypted",
		"    seen: DICOM association CT_ED_01 -> PACS_MAIN (CT Image Storage)",
		"    seen: HL7 ORU^R01 from BLOOD_GAS_ICU/ICU_LAB to HL7ENGINE/STEXAMPLE",
		`MQTT publishes icu/bed7/pump/rate`,
		"FHIR GET Patient",
		"dry run: nothing stored")
	r = ward(t, data, "discover", "pcap", capture, "--dry-run", "--zone", "medical-devices", "--format", "json")
	var out struct {
		Diff struct {
			Added []struct {
				ID             string
				KindConfidence int `json:"kind_confidence"`
				Identities     []struct{ Name, Seen string }
			} `json:"added"`
		} `json:"diff"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range out.Diff.Added {
		if a.ID == "dev-10-20-50-17" {
			found = a.KindConfidence == 50 && len(a.Identities) == 1 && a.Identities[0].Name == "infusion-pump-17"
		}
	}
	if !found {
		t.Errorf("the pump's identity is not in the JSON: %+v", out.Diff.Added)
	}
}
