package detect

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// runFiles reads the files through the built-in rules, each event's asset
// its host name (or asset when the line names none).
func runFiles(t *testing.T, asset string, files ...string) ([]Detection, []Stats) {
	t.Helper()
	en := builtinEngine(t)
	var stats []Stats
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(f, name, 2026)
		for e := r.Next(); e != nil; e = r.Next() {
			e.Asset = e.Get(FieldHost)
			if e.Asset == "" {
				e.Asset = asset
			}
			en.Process(e)
		}
		f.Close()
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
		stats = append(stats, r.Stats())
	}
	return en.Detections(), stats
}

// summary is a detection on one line: rule, asset, group, count, first
// and last seen (UTC, hh:mm:ss).
func summary(d Detection) string {
	return fmt.Sprintf("%s %s [%s] %d %s-%s", d.Rule, d.Asset, strings.Join(d.Group, ","), d.Count,
		d.FirstSeen.UTC().Format("15:04:05"), d.LastSeen.UTC().Format("15:04:05"))
}

func checkDetections(t *testing.T, got []Detection, want []string) {
	t.Helper()
	var lines []string
	for _, d := range got {
		lines = append(lines, summary(d))
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("detections:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// The vendor VPN's auth.log: a brute force on root that gets in, a
// password spray over six names, a guessing of vendor-support's password
// shared out over three addresses, and a mistyped password (no detection).
func TestAuthLogDetections(t *testing.T) {
	got, stats := runFiles(t, "", "testdata/auth.log")
	if stats[0].Lines != 82 || stats[0].Events != 82 || stats[0].Corrupt != 0 {
		t.Errorf("stats %+v", stats[0])
	}
	checkDetections(t, got, []string{
		"ward-bruteforce-source vpn-gw01 [src_ip=203.0.113.7] 14 09:14:00-09:16:10",
		"ward-success-after-bruteforce vpn-gw01 [src_ip=203.0.113.7] 1 09:16:10-09:17:02",
		"ward-password-spraying vpn-gw01 [src_ip=192.0.2.66] 6 09:30:02-09:30:52",
		"ward-bruteforce-account vpn-gw01 [user=vendor-support] 21 09:40:00-09:46:40",
	})
	bf := got[0]
	if len(bf.Samples) != maxSamples || bf.Samples[0].Line != 8 || !strings.Contains(bf.Samples[0].Text, "Failed password for root from 203.0.113.7 port 51200") {
		t.Errorf("samples of the brute force: %+v", bf.Samples)
	}
	if last := bf.Samples[maxSamples-1]; !strings.Contains(last.Text, "port 51213") {
		t.Errorf("the last sample is not the last failure: %+v", last)
	}
	if strings.Join(bf.Techniques, ",") != "T1110,T1110.001" || bf.Level != "high" {
		t.Errorf("techniques %v level %s", bf.Techniques, bf.Level)
	}
	s := got[1]
	if len(s.Samples) != 2 || !strings.Contains(s.Samples[1].Text, "Accepted password for root from 203.0.113.7") || s.Level != "critical" {
		t.Errorf("success after brute force: %+v", s)
	}
}

// The ePrescription gateway's nginx log: ten minutes of pharmacy traffic,
// a flood of 400 requests in 40 s from one address, and 25 refused
// basic-auth logons on the portal.
func TestAccessLogDetections(t *testing.T) {
	got, stats := runFiles(t, "erx-gw01", "testdata/erx-access.log")
	if stats[0].Events != 1026 {
		t.Errorf("stats %+v", stats[0])
	}
	checkDetections(t, got, []string{
		"ward-web-flood-source erx-gw01 [src_ip=203.0.113.80] 400 09:02:00-09:02:39",
		"ward-web-bruteforce erx-gw01 [src_ip=198.51.100.99] 25 09:05:00-09:05:48",
	})
}

func TestWindowsAndFirewallDetections(t *testing.T) {
	got, _ := runFiles(t, "", "testdata/windows-security.jsonl", "testdata/firewall.log")
	checkDetections(t, got, []string{
		"ward-bruteforce-source WS-ICU-07.hospital.local [src_ip=10.30.4.17] 12 11:05:00-11:07:45",
		"ward-windows-lockout DC-01.hospital.local [] 1 11:08:00-11:08:00",
		"ward-shadow-copy-deletion FS-01.hospital.local [] 2 11:31:00-11:31:04",
		"ward-log-cleared FS-01.hospital.local [] 1 11:33:00-11:33:00",
		"ward-firewall-port-scan fw01 [src_ip=203.0.113.9] 25 11:40:00-11:40:24",
	})
}

// failures are sshd's failed logons of root from one address at the
// given offsets from 08:00.
func failures(offsets []time.Duration) string {
	var b strings.Builder
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for i, o := range offsets {
		fmt.Fprintf(&b, "%s gw sshd[1]: Failed password for root from 192.0.2.9 port %d ssh2\n", at.Add(o).Format(time.RFC3339), i)
	}
	return b.String()
}

// A second burst long after the first is a detection of its own.
func TestBurstsApartAreTwoDetections(t *testing.T) {
	var offsets []time.Duration
	for burst := range 2 {
		for i := range 10 {
			offsets = append(offsets, time.Duration(burst)*2*time.Hour+time.Duration(i)*time.Second)
		}
	}
	checkDetections(t, detectText(t, failures(offsets)), []string{
		"ward-bruteforce-source  [src_ip=192.0.2.9] 10 08:00:00-08:00:09",
		"ward-bruteforce-source  [src_ip=192.0.2.9] 10 10:00:00-10:00:09",
	})
}

// Nine failures in ten minutes, however long the log, are no brute force.
func TestSlowFailuresAreNoBruteForce(t *testing.T) {
	var offsets []time.Duration
	for i := range 100 {
		offsets = append(offsets, time.Duration(i)*70*time.Second) // 8.6 in 10 min
	}
	checkDetections(t, detectText(t, failures(offsets)), nil)
}

// detectText runs the built-in rules over lines given as text.
func detectText(t *testing.T, text string) []Detection {
	t.Helper()
	en := builtinEngine(t)
	r := NewReader(strings.NewReader(text), "x", 0)
	for e := r.Next(); e != nil; e = r.Next() {
		en.Process(e)
	}
	return en.Detections()
}

func TestSpanText(t *testing.T) {
	for d, want := range map[time.Duration]string{10 * time.Minute: "10m", time.Hour: "1h", 90 * time.Minute: "1h30m", 30 * time.Second: "30s", 48 * time.Hour: "48h"} {
		if got := spanText(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

// Windows are dropped once their time span has passed: a day of web
// traffic from 100,000 addresses, each seen once, leaves only the last
// minute's windows open.
func TestWindowsAreBounded(t *testing.T) {
	en := builtinEngine(t)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	peak := 0
	for i := range 200_000 {
		e := &Event{Time: at.Add(time.Duration(i) * 432 * time.Millisecond), Categories: webCategories, Asset: "erx-gw"}
		e.fields[FieldAction] = "request"
		e.fields[FieldSource] = fmt.Sprintf("198.51.%d.%d", i/256%256, i%256)
		en.Process(e)
		peak = max(peak, en.Windows())
	}
	// 65,536 events between prunings, one window each (per source) plus
	// the service's own; after a pruning only the last minute's remain.
	if peak > 65536+2*140+1 {
		t.Errorf("%d windows open at the peak", peak)
	}
	if n := en.Windows(); n > 65536 {
		t.Errorf("%d windows open at the end", n)
	}
	if len(en.Detections()) != 0 {
		t.Errorf("detections in quiet traffic: %v", en.Detections())
	}
}

// builtinEngine is an engine of the built-in rules.
func builtinEngine(t *testing.T) *Engine {
	t.Helper()
	rules, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	en, err := NewEngine(rules)
	if err != nil {
		t.Fatal(err)
	}
	return en
}

// Logs read out of time order: a failure an hour before nine others is
// too late for their window (counted, no brute force); one nine minutes
// before them joins it, and the brute force starts with it.
func TestOutOfOrderFailures(t *testing.T) {
	var nine []time.Duration
	for i := range 9 {
		nine = append(nine, 59*time.Minute+time.Duration(i)*time.Second)
	}
	en := builtinEngine(t)
	r := NewReader(strings.NewReader(failures(append(nine, 0))), "x", 0)
	for e := r.Next(); e != nil; e = r.Next() {
		en.Process(e)
	}
	checkDetections(t, en.Detections(), nil)
	if en.Late() != 1 {
		t.Errorf("%d late, want 1", en.Late())
	}
	checkDetections(t, detectText(t, failures(append(nine, 50*time.Minute+30*time.Second))), []string{
		"ward-bruteforce-source  [src_ip=192.0.2.9] 10 08:50:30-08:59:08",
	})
}

// An OpenVPN server's log: twelve refused passwords for alice from one
// address in two minutes and then her password accepted from it (a brute
// force that got in); bob mistyping once and carol failing once through
// PAM (nothing).
func TestOpenVPNDetections(t *testing.T) {
	got, stats := runFiles(t, "", "testdata/openvpn.log")
	if stats[0].Events != 30 || stats[0].Corrupt != 0 {
		t.Errorf("stats %+v", stats[0])
	}
	checkDetections(t, got, []string{
		"ward-bruteforce-source vpn-vendor [src_ip=203.0.113.50] 12 10:00:00-10:01:50",
		"ward-vpn-success-after-bruteforce vpn-vendor [src_ip=203.0.113.50] 1 10:01:50-10:02:30",
	})
	if s := got[1].Samples; len(s) != 2 || !strings.Contains(s[1].Text, "succeeded for username 'alice'") {
		t.Errorf("samples %+v", s)
	}
}

// strongSwan's charon: an EAP spray over seven names from 192.0.2.200,
// each on an IKE SA of its own whose start names the address, then ten
// XAuth failures for pharmacy from 203.0.113.60 and its success (charon
// proving its own identity in between is no logon).
func TestStrongSwanDetections(t *testing.T) {
	got, stats := runFiles(t, "", "testdata/strongswan.log")
	if stats[0].Corrupt != 0 {
		t.Errorf("stats %+v", stats[0])
	}
	checkDetections(t, got, []string{
		"ward-password-spraying ipsec-gw [src_ip=192.0.2.200] 7 11:00:00-11:00:30",
		"ward-bruteforce-source ipsec-gw [src_ip=203.0.113.60] 10 11:10:00-11:10:45",
		"ward-vpn-success-after-bruteforce ipsec-gw [src_ip=203.0.113.60] 1 11:10:45-11:11:02",
	})
}

// The VPN readers' fields, line by line.
func TestVPNFields(t *testing.T) {
	for _, c := range []struct{ line, action, user, src string }{
		{"Dec  1 10:00:00 gw ovpn-server[1]: 203.0.113.5:4000 TLS Auth Error: Auth Username/Password verification failed for peer", "failed", "", "203.0.113.5"},
		{"Dec  1 10:00:00 gw openvpn[1]: [2001:db8::5]:4000 TLS: Username/Password authentication succeeded for username 'dr.who'", "accepted", "dr.who", "2001:db8::5"},
		{"Dec  1 10:00:00 gw openvpn[1]: 203.0.113.5:4000 VERIFY ERROR: depth=0, error=certificate has expired: CN=pump-vendor", "failed", "", "203.0.113.5"},
		{"Dec  1 10:00:00 gw openvpn[1]: pam_unix(openvpn:auth): authentication failure; logname= uid=0 euid=0 tty= ruser= rhost=203.0.113.9  user=eve", "failed", "eve", "203.0.113.9"},
		{"Dec  1 10:00:00 gw openvpn[1]: garbage", "", "", ""},
		{"Dec  1 10:00:00 gw charon: 05[IKE] XAuth authentication of 'x' failed", "failed", "x", ""},
		{"Dec  1 10:00:00 gw charon: 05[IKE] authentication of 'carol@hospital.example' with EAP successful", "accepted", "carol@hospital.example", ""},
		{"Dec  1 10:00:00 gw charon: nonsense", "", "", ""},
	} {
		lr := NewLineReader("t", 2026)
		e := lr.Read([]byte(c.line), false)
		if e == nil {
			t.Fatalf("%s: not read: %+v", c.line, lr.Stats())
		}
		if e.Get(FieldAction) != c.action || e.Get(FieldUser) != c.user || e.Get(FieldSource) != c.src || !e.hasCategory("vpn") {
			t.Errorf("%s: action %q user %q src %q categories %v", c.line, e.Get(FieldAction), e.Get(FieldUser), e.Get(FieldSource), e.Categories)
		}
	}
}

// Forget drops what can no longer grow, and keeps what may.
func TestForget(t *testing.T) {
	en := builtinEngine(t)
	lr := NewLineReader("t", 2026)
	feed := func(at string, n int, src string) {
		for i := range n {
			e := lr.Read([]byte(fmt.Sprintf("Dec  1 %s:%02d gw sshd[1]: Failed password for root%d from %s port 1 ssh2", at, i, i%3, src)), false)
			e.Asset = "gw"
			en.Process(e)
		}
	}
	feed("09:00", 12, "203.0.113.7")
	feed("09:30", 12, "203.0.113.8")
	if n := en.Forget(time.Hour); n != 0 || len(en.Detections()) != 2 {
		t.Fatalf("forgot %d of what may grow; %d left", n, len(en.Detections()))
	}
	feed("10:30", 1, "198.51.100.1")
	if n := en.Forget(time.Hour); n != 1 || len(en.Detections()) != 1 || en.Detections()[0].Group[0] != "src_ip=203.0.113.8" {
		t.Fatalf("forgot %d; left %+v", n, en.Detections())
	}
}
