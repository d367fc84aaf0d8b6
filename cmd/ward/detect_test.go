package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const detectData = "../../detect/testdata/"

type detectOut struct {
	Organisation string `json:"organisation"`
	Files        []struct {
		File  string `json:"file"`
		Stats struct {
			Lines, Events, Corrupt, Truncated int
			Bad                               []struct {
				Line   int
				Reason string
			}
		} `json:"stats"`
	} `json:"files"`
	Detections []struct {
		Rule       string   `json:"rule"`
		Asset      string   `json:"asset"`
		Host       string   `json:"host"`
		Group      []string `json:"group"`
		Count      int      `json:"count"`
		FirstSeen  string   `json:"first_seen"`
		LastSeen   string   `json:"last_seen"`
		Techniques []string `json:"techniques"`
		Samples    []struct {
			File string
			Line int
			Text string
		} `json:"samples"`
	} `json:"detections"`
}

func detectJSON(t *testing.T, data string, args ...string) detectOut {
	t.Helper()
	r := ward(t, data, append([]string{"detect", "--format", "json"}, args...)...)
	expect(t, r, 0)
	var out detectOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	return out
}

// The vendor VPN's auth.log, read against the demo hospital: its lines
// name the gateway vpn-gw01, which the model does not know, so --asset
// ties them to vpn-vendor.
func TestDetectVendorVPNAuthLog(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "detect", detectData+"auth.log", "--asset", "vpn-vendor")
	expect(t, r, 0,
		"4 detections in 1 file: 82 lines read, 0 lines not",
		"CRITICAL Successful logon after a brute force  (ward-success-after-bruteforce; ATT&CK T1110, T1078)",
		"  asset vpn-vendor  src_ip=203.0.113.7\n  1 event, 2026-12-01 09:16:10 – 09:17:02 UTC\n  why: bruteforce_from_source then ssh_accepted_logon within 30m",
		"auth.log:39  Dec  1 09:17:02 vpn-gw01 sshd[20460]: Accepted password for root from 203.0.113.7 port 51300 ssh2",
		"HIGH     Brute force from one source  (ward-bruteforce-source; ATT&CK T1110, T1110.001)\n  asset vpn-vendor  src_ip=203.0.113.7\n  14 events, 2026-12-01 09:14:00 – 09:16:10 UTC\n  why: 10 or more hits of ssh_failed_logon or windows_failed_logon or vpn_failed_logon within 10m",
		"HIGH     Password spraying from one source",
		"  asset vpn-vendor  user=vendor-support\n  21 events, 2026-12-01 09:40:00 – 09:46:40 UTC",
	)
	out := detectJSON(t, data, detectData+"auth.log", "--asset", "vpn-vendor")
	if out.Organisation != "st-example" || len(out.Detections) != 4 || out.Files[0].Stats.Lines != 82 {
		t.Fatalf("%+v", out)
	}
	for _, d := range out.Detections {
		if d.Asset != "vpn-vendor" || len(d.Samples) == 0 || d.Samples[0].Line == 0 || d.FirstSeen == "" {
			t.Errorf("detection %+v", d)
		}
	}
}

// Windows events tie to assets by the computer's short name (DC-01 is the
// model's dc-01); FS-01 is no asset of the model, and says so.
func TestDetectWindowsEventsOnAssets(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	out := detectJSON(t, data, detectData+"windows-security.jsonl")
	got := map[string]string{}
	for _, d := range out.Detections {
		got[d.Rule] = d.Asset + "|" + d.Host
	}
	want := map[string]string{
		"ward-bruteforce-source":    "|WS-ICU-07.hospital.local",
		"ward-windows-lockout":      "dc-01|",
		"ward-shadow-copy-deletion": "|FS-01.hospital.local",
		"ward-log-cleared":          "|FS-01.hospital.local",
	}
	if len(got) != len(want) {
		t.Errorf("detections %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s on %q, want %q", k, got[k], v)
		}
	}
	r := ward(t, data, "detect", detectData+"windows-security.jsonl")
	expect(t, r, 0, "windows-security.jsonl:16  event 4688 on FS-01.hospital.local, image C:\\Windows\\System32\\vssadmin.exe, command line vssadmin.exe Delete Shadows /All /Quiet")
}

// A web log read by address: the ePrescription gateway's nginx log with
// --asset erx-gw, and a firewall line whose destination is the PACS.
func TestDetectFloodAndScanByAddress(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	dir := t.TempDir()
	fw, err := os.ReadFile(detectData + "firewall.log")
	if err != nil {
		t.Fatal(err)
	}
	// The scanned host is the demo hospital's PACS.
	pacs := filepath.Join(dir, "fw.log")
	os.WriteFile(pacs, []byte(strings.ReplaceAll(string(fw), "DST=10.20.0.5", "DST=10.10.2.10")), 0o644)
	out := detectJSON(t, data, detectData+"erx-access.log", pacs, "--asset", "erx-gw")
	var got []string
	for _, d := range out.Detections {
		got = append(got, d.Rule+" "+d.Asset+" "+strings.Join(d.Group, ","))
	}
	want := "ward-web-flood-source erx-gw src_ip=203.0.113.80\nward-web-bruteforce erx-gw src_ip=198.51.100.99\nward-firewall-port-scan pacs-01 src_ip=203.0.113.9"
	if strings.Join(got, "\n") != want {
		t.Errorf("detections:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// A corrupt line is named FILE:LINE and skipped; a huge line is cut; what
// follows both is still read; standard input works as '-'.
func TestDetectBadLines(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Dec  1 09:14:00 gw sshd[1]: Failed password for root from 192.0.2.9 port 1 ssh2\n")
	b.WriteString("\x00\x00\x7fELF binary junk\n")
	b.WriteString("Dec  1 09:14:01 gw sshd[1]: Failed password for " + strings.Repeat("x", 100<<10) + " from 192.0.2.9 port 2 ssh2\n")
	for i := range 9 {
		b.WriteString("Dec  1 09:14:0" + string(rune('2'+i%8)) + " gw sshd[1]: Failed password for root from 192.0.2.9 port 3 ssh2\n")
	}
	log := filepath.Join(dir, "auth.log")
	os.WriteFile(log, []byte(b.String()), 0o644)
	r := ward(t, data, "detect", log, "--year", "2026")
	expect(t, r, 0, log+":2: not a log line Ward reads", "(line skipped)", log+": 1 lines over 64 KiB cut there (first: line 3)",
		"1 detection in 1 file: 12 lines read, 1 line not", "the store holds no organisation", "host gw (no asset of the model)  src_ip=192.0.2.9\n  10 events")
	out := detectJSON(t, data, log)
	if st := out.Files[0].Stats; st.Lines != 12 || st.Events != 11 || st.Corrupt != 1 || st.Truncated != 1 || st.Bad[0].Line != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestDetectStandardInput(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	f, err := os.Open(detectData + "auth.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin, "detect", "-", "--format", "json")
	cmd.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=")
	cmd.Stdin = f
	outb, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var out detectOut
	if err := json.Unmarshal(outb, &out); err != nil || len(out.Detections) != 4 || out.Files[0].File != "-" {
		t.Fatalf("%v %s", err, outb)
	}
}

// Rules of the user's own are checked at load: a mistake is named at its
// line and column, and nothing is read.
func TestDetectRuleErrors(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.yml"), []byte("title: pump logons\nlogsource: {product: linux}\ndetection:\n  sel:\n    user|endswitch: pump\n  condition: sel\n"), 0o644)
	r := ward(t, data, "detect", detectData+"auth.log", "--rules", dir)
	expect(t, r, 1, filepath.Join(dir, "bad.yml")+`:5:5: user: modifier "endswitch" is not one Ward reads`)
	if r.stdout != "" {
		t.Errorf("output despite a bad rule: %s", r.stdout)
	}
	// A good rule of the user's: logons of the pump service account.
	os.WriteFile(filepath.Join(dir, "bad.yml"), []byte("title: Logon as the pump service account\nid: local-pump-logon\nlevel: medium\nlogsource: {product: linux, service: sshd}\ndetection:\n  sel:\n    user|startswith: pump\n    action: accepted\n  condition: sel\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "p.log"), []byte("Dec  1 09:14:00 gw sshd[1]: Accepted password for pumpsvc from 10.1.1.1 port 1 ssh2\n"), 0o644)
	out := detectJSON(t, data, filepath.Join(dir, "p.log"), "--rules", dir)
	if len(out.Detections) != 1 || out.Detections[0].Rule != "local-pump-logon" {
		t.Errorf("%+v", out.Detections)
	}
}

func TestDetectUnknownAsset(t *testing.T) {
	t.Parallel()
	r := ward(t, demoData(t), "detect", detectData+"auth.log", "--asset", "vpn-vendr")
	expect(t, r, 1, `--asset: st-example has no asset "vpn-vendr" (did you mean "vpn-vendor"?)`)
	r = ward(t, t.TempDir(), "detect", "no-such.log")
	expect(t, r, 1, "no-such.log") // a log named wrongly is bad input, as a model file is
}

// With --assess, what was seen raises the risks of its ATT&CK technique on
// its asset: the lockout on the domain controller raises the brute-force
// threat there from 16 to 20 (the directory is already raised as the
// system many others log on through).
func TestDetectAssess(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "detect", detectData+"windows-security.jsonl", "--assess")
	expect(t, r, 0, "1 risk of the register raised by what was seen:\n  CRITICAL Brute force and credential attacks on dc-01: score 20, was 16\n    observed: 1 event of Account locked out on dc-01 (ward-windows-lockout, 2026-12-01 11:08 UTC)")
	r = ward(t, data, "detect", detectData+"auth.log", "--asset", "vpn-vendor", "--assess", "--format", "json")
	expect(t, r, 0)
	var out struct {
		Observed []struct{ Asset, Text string }
		Raised   []struct {
			Threat   string   `json:"threat"`
			Assets   []string `json:"assets"`
			Before   int      `json:"score_before"`
			After    int      `json:"score_after"`
			Observed string   `json:"observed"`
		} `json:"raised_risks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Observed) != 4 || out.Observed[0].Text != "observed: 14 events of Brute force from one source from 1 source in 2m10s on vpn-vendor (ward-bruteforce-source, 2026-12-01 09:14 UTC)" {
		t.Errorf("observed %+v", out.Observed)
	}
	if len(out.Raised) == 0 || out.Raised[0].Assets[0] != "vpn-vendor" || !strings.Contains(out.Raised[0].Observed, "Password spraying") || out.Raised[0].After < out.Raised[0].Before {
		t.Errorf("raised %+v", out.Raised)
	}
	// Without a model there is nothing to raise.
	r = ward(t, t.TempDir(), "detect", detectData+"auth.log", "--assess")
	expect(t, r, 1, "--assess needs a model")
}

// A logon to the demo's infusion pump server (zone medical-devices) from
// the PACS in the data centre is a logon to a medical device from outside
// its network; the model says where each end is.
func TestDetectMedicalDeviceLogonFromOutside(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	log := filepath.Join(t.TempDir(), "auth.log")
	os.WriteFile(log, []byte("Dec  1 09:01:00 pump-server sshd[311]: Accepted password for biomed from 10.10.2.10 port 50022 ssh2\n"), 0o644)
	r := ward(t, data, "detect", log)
	expect(t, r, 0, "MEDIUM   Logon to a medical device from outside its network  (ward-medical-device-logon-from-outside; ATT&CK T1021.004, T0886)\n  asset pump-server\n")
}
