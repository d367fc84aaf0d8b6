package detect

import (
	"strings"
	"testing"

	"github.com/wardhealth/ward"
)

func medicalModel() *ward.Model {
	return &ward.Model{
		Zones: []ward.Zone{{ID: "md", Kind: "medical-devices"}, {ID: "clin", Kind: "clinical"}, {ID: "dc", Kind: "datacentre"}},
		Assets: []ward.Asset{
			{ID: "pump-gw", Kind: "server", Zone: "md", Addresses: []string{"10.50.0.10", "pump-gw.hospital.local"}},
			{ID: "infusion-07", Kind: "infusion-pump", Zone: "clin", Addresses: []string{"10.20.9.7"}},
			{ID: "biomed-ws", Kind: "workstation", Zone: "md", Addresses: []string{"10.50.0.0/24"}},
			{ID: "ward-ws-12", Kind: "workstation", Zone: "clin", Addresses: []string{"10.20.1.15"}},
			{ID: "fw01", Kind: "firewall", Zone: "dc", Addresses: []string{"10.0.0.1"}},
		},
	}
}

func TestAssetsTie(t *testing.T) {
	a := NewAssets(medicalModel(), "default-asset")
	tests := []struct{ line, asset, srcAsset, srcZone, category string }{
		{"Dec  1 09:00:00 pump-gw sshd[1]: Accepted password for biomed from 10.50.0.23 port 1 ssh2", "pump-gw", "biomed-ws", "medical-devices", "infrastructure"},
		{"Dec  1 09:00:00 PUMP-GW.hospital.local sshd[1]: Accepted password for x from 10.20.1.15 port 1 ssh2", "pump-gw", "ward-ws-12", "clinical", "infrastructure"},
		{"Dec  1 09:00:00 10.20.9.7 sshd[1]: Accepted password for x from 203.0.113.7 port 1 ssh2", "infusion-07", "", "internet", "medical-device"},
		{"Dec  1 09:00:00 unknown-host sshd[1]: Accepted password for x from 192.168.1.1 port 1 ssh2", "default-asset", "", "", ""},
		{"Dec  1 09:00:00 fw01 kernel: DROP IN=eth0 OUT= SRC=203.0.113.9 DST=10.50.0.10 PROTO=TCP SPT=1 DPT=22", "pump-gw", "", "internet", "infrastructure"},
	}
	for _, tc := range tests {
		e := readOne(t, tc.line)
		a.Tie(e)
		if e.Asset != tc.asset || e.Get(FieldSourceAsset) != tc.srcAsset || e.Get(FieldSourceZoneKind) != tc.srcZone || e.Get(FieldAssetCategory) != tc.category {
			t.Errorf("%s:\n asset %q source %q zone %q category %q", tc.line, e.Asset, e.Get(FieldSourceAsset), e.Get(FieldSourceZoneKind), e.Get(FieldAssetCategory))
		}
	}
}

// Logons to medical devices: from the device network, nothing; from a
// ward workstation, the Internet or an unknown address, a detection each.
func TestMedicalDeviceLogonFromOutside(t *testing.T) {
	a := NewAssets(medicalModel(), "")
	en := builtinEngine(t)
	lines := strings.Join([]string{
		"Dec  1 09:00:00 pump-gw sshd[1]: Accepted password for biomed from 10.50.0.23 port 1 ssh2",
		"Dec  1 09:01:00 pump-gw sshd[1]: Accepted password for biomed from 10.20.1.15 port 2 ssh2",
		"Dec  1 09:02:00 10.20.9.7 sshd[1]: Accepted publickey for service from 203.0.113.7 port 3 ssh2",
		"Dec  1 09:03:00 ward-ws-12 sshd[1]: Accepted password for nurse from 10.50.0.23 port 4 ssh2",
		`{"Event":{"System":{"EventID":4624,"Channel":"Security","Computer":"pump-gw.hospital.local","TimeCreated":{"#attributes":{"SystemTime":"2026-12-01T09:04:00Z"}}},"EventData":{"TargetUserName":"biomed","LogonType":"10","IpAddress":"10.20.1.15"}}}`,
		`{"Event":{"System":{"EventID":4624,"Channel":"Security","Computer":"pump-gw.hospital.local","TimeCreated":{"#attributes":{"SystemTime":"2026-12-01T09:05:00Z"}}},"EventData":{"TargetUserName":"biomed","LogonType":"2","IpAddress":"-"}}}`,
	}, "\n")
	r := NewReader(strings.NewReader(lines), "auth.log", 2026)
	for e := r.Next(); e != nil; e = r.Next() {
		a.Tie(e)
		en.Process(e)
	}
	checkDetections(t, en.Detections(), []string{
		"ward-medical-device-logon-from-outside pump-gw [] 1 09:01:00-09:01:00",
		"ward-medical-device-logon-from-outside infusion-07 [] 1 09:02:00-09:02:00",
		"ward-medical-device-windows-logon-from-outside pump-gw [] 1 09:04:00-09:04:00",
	})
}
