package detect

import (
	"strings"
	"testing"
	"time"
)

func readOne(t *testing.T, line string) *Event {
	t.Helper()
	r := NewReader(strings.NewReader(line+"\n"), "test.log", 2026)
	e := r.Next()
	if e == nil {
		t.Fatalf("%q: not read: %+v", line, r.Stats().Bad)
	}
	return e
}

func TestReadLines(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		name, line string
		time       time.Time
		product    string
		service    string
		category   string
		want       map[Field]string
		extra      map[string]string
	}{
		{"OpenSSH failed password, RFC 3164 file", "Dec  1 09:14:02 vpn-gw01 sshd[20411]: Failed password for invalid user admin from 203.0.113.7 port 51234 ssh2",
			utc("2026-12-01T09:14:02Z"), "linux", "sshd", "", map[Field]string{FieldHost: "vpn-gw01", FieldProgram: "sshd", FieldAction: "failed", FieldUser: "admin", FieldSource: "203.0.113.7"}, nil},
		{"OpenSSH accepted, RFC 3339 file (Debian's rsyslog)", "2026-12-01T09:20:11.482913+01:00 vpn-gw01 sshd-session[20502]: Accepted password for vendor-support from 198.51.100.23 port 40022 ssh2",
			utc("2026-12-01T08:20:11.482913Z"), "linux", "sshd", "", map[Field]string{FieldHost: "vpn-gw01", FieldAction: "accepted", FieldUser: "vendor-support", FieldSource: "198.51.100.23"}, nil},
		{"OpenSSH invalid user", "Dec  1 09:14:01 vpn-gw01 sshd[20411]: Invalid user admin from 203.0.113.7 port 51234",
			utc("2026-12-01T09:14:01Z"), "linux", "sshd", "", map[Field]string{FieldAction: "invalid_user", FieldUser: "admin", FieldSource: "203.0.113.7"}, nil},
		{"OpenSSH repeated message", "Dec  1 09:14:09 vpn-gw01 sshd[20411]: message repeated 2 times: [ Failed password for root from 203.0.113.7 port 51240 ssh2]",
			utc("2026-12-01T09:14:09Z"), "linux", "sshd", "", map[Field]string{FieldAction: "failed", FieldUser: "root", FieldSource: "203.0.113.7"}, nil},
		{"OpenSSH closed before authentication", "Dec  1 09:14:10 vpn-gw01 sshd[20411]: Connection closed by authenticating user root 203.0.113.7 port 51240 [preauth]",
			utc("2026-12-01T09:14:10Z"), "linux", "sshd", "", map[Field]string{FieldAction: "closed_preauth", FieldUser: "root", FieldSource: "203.0.113.7"}, nil},
		{"PAM failure", "Dec  1 09:14:02 vpn-gw01 sshd[20411]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root",
			utc("2026-12-01T09:14:02Z"), "linux", "sshd", "", map[Field]string{FieldAction: "pam_failure", FieldUser: "root", FieldSource: "203.0.113.7"}, nil},
		{"RFC 5424 with structured data", `<38>1 2026-12-01T09:30:00.000Z pacs-gw01 sshd 311 - [meta sequenceId="7" note="a \"quoted\" ]"] Failed password for dicom from 192.0.2.50 port 5000 ssh2`,
			utc("2026-12-01T09:30:00Z"), "linux", "sshd", "", map[Field]string{FieldHost: "pacs-gw01", FieldAction: "failed", FieldUser: "dicom", FieldSource: "192.0.2.50"}, nil},
		{"RFC 5424 without structured data", `<165>1 2026-12-01T09:31:00Z pump-gw01 alarmd - ID47 - battery low on channel 2`,
			utc("2026-12-01T09:31:00Z"), "linux", "syslog", "", map[Field]string{FieldHost: "pump-gw01", FieldProgram: "alarmd", FieldMessage: "battery low on channel 2"}, nil},
		{"RFC 3164 with priority", `<34>Dec  1 09:32:00 lis01 su: pam_unix(su:auth): authentication failure; logname=lab uid=1000 euid=0 tty=pts/0 ruser=lab rhost=  user=root`,
			utc("2026-12-01T09:32:00Z"), "linux", "auth", "", map[Field]string{FieldHost: "lis01", FieldAction: "pam_failure", FieldUser: "root"}, nil},
		{"iptables LOG", "Dec  1 09:40:00 fw01 kernel: [812345.123456] WARD-DROP: IN=eth0 OUT= MAC=00:16:3e:aa:bb:cc:00:16:3e:dd:ee:ff:08:00 SRC=203.0.113.9 DST=10.20.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=40000 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0",
			utc("2026-12-01T09:40:00Z"), "linux", "", "firewall", map[Field]string{FieldHost: "fw01", FieldAction: "dropped", FieldSource: "203.0.113.9", FieldDest: "10.20.0.5", FieldDestPort: "443", FieldProto: "TCP"}, nil},
		{"nginx combined", `203.0.113.80 - - [01/Dec/2026:10:00:00 +0100] "POST /erx/api/prescriptions HTTP/1.1" 429 162 "-" "python-requests/2.31.0"`,
			utc("2026-12-01T09:00:00Z"), "", "", "webserver", map[Field]string{FieldSource: "203.0.113.80", FieldMethod: "POST", FieldURL: "/erx/api/prescriptions", FieldStatus: "429", FieldUserAgent: "python-requests/2.31.0", FieldAction: "request"}, nil},
		{"Apache common with user and escaped quote", `2001:db8::7 - alice [01/Dec/2026:10:00:01 -0500] "GET /portal/\"x\" HTTP/1.0" 401 12`,
			utc("2026-12-01T15:00:01Z"), "", "", "webserver", map[Field]string{FieldSource: "2001:db8::7", FieldUser: "alice", FieldMethod: "GET", FieldStatus: "401"}, nil},
		{"nginx TLS garbage on a plain port", `198.51.100.4 - - [01/Dec/2026:10:00:02 +0000] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-"`,
			utc("2026-12-01T10:00:02Z"), "", "", "webserver", map[Field]string{FieldSource: "198.51.100.4", FieldStatus: "400", FieldMethod: ""}, nil},
		{"Windows 4625, evtx_dump", `{"Event":{"System":{"EventID":4625,"Channel":"Security","Computer":"WS-ICU-07.hospital.local","TimeCreated":{"#attributes":{"SystemTime":"2026-12-01T10:05:00.123Z"}}},"EventData":{"TargetUserName":"nurse.b","IpAddress":"10.30.4.17","LogonType":"3","Status":"0xc000006d"}}}`,
			utc("2026-12-01T10:05:00.123Z"), "windows", "security", "", map[Field]string{FieldEventID: "4625", FieldHost: "WS-ICU-07.hospital.local", FieldUser: "nurse.b", FieldSource: "10.30.4.17", FieldAction: "failed"}, map[string]string{"LogonType": "3"}},
		{"Windows 4688 vssadmin, Winlogbeat", `{"@timestamp":"2026-12-01T10:06:00Z","winlog":{"event_id":"4688","channel":"Security","computer_name":"FS-01","event_data":{"NewProcessName":"C:\\Windows\\System32\\vssadmin.exe","CommandLine":"vssadmin.exe delete shadows /all /quiet","SubjectUserName":"svc-backup"}}}`,
			utc("2026-12-01T10:06:00Z"), "windows", "security", "process_creation", map[Field]string{FieldEventID: "4688", FieldHost: "FS-01", FieldImage: `C:\Windows\System32\vssadmin.exe`, FieldCommandLine: "vssadmin.exe delete shadows /all /quiet"}, map[string]string{"SubjectUserName": "svc-backup"}},
		{"Windows 1102, flat NXLog", `{"EventTime":"2026-12-01 10:07:00","Hostname":"DC-01","EventID":1102,"Channel":"Security","SubjectUserName":"attacker"}`,
			utc("2026-12-01T10:07:00Z"), "windows", "security", "", map[Field]string{FieldEventID: "1102", FieldHost: "DC-01", FieldUser: "attacker", FieldAction: "log_cleared"}, nil},
		{"Windows 4625, Wazuh alert", `{"timestamp":"2026-12-01T10:05:01.000+0000","agent":{"name":"WS-ICU-07"},"data":{"win":{"system":{"eventID":"4625","channel":"Security","computer":"WS-ICU-07.hospital.local","systemTime":"2026-12-01T10:05:00.5Z"},"eventdata":{"targetUserName":"nurse.b","ipAddress":"10.30.4.17","logonType":"3"}}}}`,
			utc("2026-12-01T10:05:00.5Z"), "windows", "security", "", map[Field]string{FieldEventID: "4625", FieldHost: "WS-ICU-07.hospital.local", FieldUser: "nurse.b", FieldSource: "10.30.4.17", FieldAction: "failed"}, map[string]string{"LogonType": "3"}},
		{"Windows 4740, Get-WinEvent", `{"Id":4740,"MachineName":"DC-01","LogName":"Security","TimeCreated":"/Date(1796119680000)/","TargetUserName":"dr.house"}`,
			time.UnixMilli(1796119680000).UTC(), "windows", "security", "", map[Field]string{FieldEventID: "4740", FieldUser: "dr.house", FieldAction: "lockout"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := readOne(t, tc.line)
			if !e.Time.Equal(tc.time) {
				t.Errorf("time %v, want %v", e.Time, tc.time)
			}
			if e.Product != tc.product || e.Service != tc.service {
				t.Errorf("log source %s/%s, want %s/%s", e.Product, e.Service, tc.product, tc.service)
			}
			if tc.category != "" && !e.hasCategory(tc.category) {
				t.Errorf("categories %v, want %s", e.Categories, tc.category)
			}
			for f, v := range tc.want {
				if got := e.Get(f); got != v {
					t.Errorf("field %d = %q, want %q", f, got, v)
				}
			}
			for k, v := range tc.extra {
				if got, _ := e.GetName(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// rsyslog's "message repeated N times" is N failures.
func TestRepeatedMessageCountsItsTimes(t *testing.T) {
	e := readOne(t, "Dec  1 09:14:09 vpn-gw01 sshd[20411]: message repeated 12 times: [ Failed password for root from 203.0.113.7 port 51240 ssh2]")
	if e.Repeat != 12 || e.Get(FieldAction) != "failed" {
		t.Fatalf("repeat %d action %q", e.Repeat, e.Get(FieldAction))
	}
	got := detectText(t, "Dec  1 09:14:08 gw sshd[1]: Failed password for root from 203.0.113.7 port 51240 ssh2\n"+
		"Dec  1 09:14:09 gw sshd[1]: message repeated 12 times: [ Failed password for root from 203.0.113.7 port 51240 ssh2]\n")
	if len(got) != 1 || got[0].Rule != "ward-bruteforce-source" || got[0].Count != 13 {
		t.Errorf("%+v", got)
	}
}

func TestCorruptLinesAreCountedAndSkipped(t *testing.T) {
	in := strings.Join([]string{
		"Dec  1 09:14:02 vpn-gw01 sshd[1]: Failed password for root from 203.0.113.7 port 1 ssh2",
		"\x00\x01garbage",
		"",
		`{"Event": {"System": `,
		`203.0.113.80 - - [01/Dec/2026:10:00:00 +0100] "GET / HTTP/1.1" abc 1`,
		"Dec 41 09:14:02 vpn-gw01 sshd[1]: bad day",
		"Dec  1 09:14:03 vpn-gw01 sshd[1]: Failed password for root from 203.0.113.7 port 2 ssh2",
	}, "\n")
	r := NewReader(strings.NewReader(in), "auth.log", 2026)
	var lines []int
	for e := r.Next(); e != nil; e = r.Next() {
		lines = append(lines, e.Line)
	}
	st := r.Stats()
	if len(lines) != 2 || lines[0] != 1 || lines[1] != 7 {
		t.Errorf("events on lines %v, want [1 7]", lines)
	}
	if st.Lines != 7 || st.Events != 2 || st.Blank != 1 || st.Corrupt != 4 {
		t.Errorf("stats %+v", st)
	}
	want := []int{2, 4, 5, 6}
	for i, b := range st.Bad {
		if b.Line != want[i] || b.File != "auth.log" || b.Reason == "" {
			t.Errorf("bad line %d: %+v, want line %d", i, b, want[i])
		}
	}
	if got := st.Bad[0].String(); !strings.HasPrefix(got, "auth.log:2: ") {
		t.Errorf("bad line reads %q", got)
	}
}

func TestHugeLineIsCut(t *testing.T) {
	huge := "Dec  1 09:14:02 vpn-gw01 sshd[1]: Failed password for " + strings.Repeat("A", 3*MaxLine) + " from 203.0.113.7 port 1 ssh2"
	next := "Dec  1 09:14:03 vpn-gw01 sshd[1]: Failed password for root from 203.0.113.7 port 2 ssh2"
	r := NewReader(strings.NewReader(huge+"\n"+next+"\n"), "auth.log", 2026)
	e := r.Next()
	if e == nil || e.Line != 1 || len(e.Raw) != MaxLine {
		t.Fatalf("first event %+v", e)
	}
	e = r.Next()
	if e == nil || e.Line != 2 || e.Get(FieldUser) != "root" {
		t.Fatalf("the line after the cut one was not read whole: %+v", e)
	}
	if st := r.Stats(); st.Truncated != 1 || len(st.Cut) != 1 || st.Cut[0] != 1 || st.Lines != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestYearOfRFC3164GuessedBackwards(t *testing.T) {
	now := time.Now().UTC()
	future := now.AddDate(0, 0, 10)
	line := future.Format("Jan _2 15:04:05") + " h sshd[1]: Connection from 192.0.2.1 port 1 on 10.0.0.1 port 22"
	r := NewReader(strings.NewReader(line), "x", 0)
	e := r.Next()
	if e == nil {
		t.Fatal("not read")
	}
	if e.Time.After(now.Add(48 * time.Hour)) {
		t.Errorf("a date ten days ahead was taken as this year: %v", e.Time)
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"Dec  1 09:14:02 vpn-gw01 sshd[20411]: Failed password for invalid user admin from 203.0.113.7 port 51234 ssh2",
		`<38>1 2026-12-01T09:30:00.000Z pacs-gw01 sshd 311 - [meta sequenceId="7"] Failed password for dicom from 192.0.2.50 port 5000 ssh2`,
		"2026-12-01T09:20:11.482913+01:00 vpn-gw01 sshd-session[20502]: Accepted password for x from 198.51.100.23 port 40022 ssh2",
		"Dec  1 09:40:00 fw01 kernel: [1.2] DROP: IN=eth0 OUT= SRC=203.0.113.9 DST=10.20.0.5 PROTO=TCP SPT=1 DPT=443",
		`203.0.113.80 - - [01/Dec/2026:10:00:00 +0100] "POST /erx HTTP/1.1" 429 162 "-" "ua"`,
		`{"Event":{"System":{"EventID":4625,"Computer":"W","TimeCreated":{"#attributes":{"SystemTime":"2026-12-01T10:05:00Z"}}},"EventData":{"TargetUserName":"n"}}}`,
		`{"Id":4740,"TimeCreated":"/Date(1)/"}`,
	} {
		f.Add(s)
	}
	rules, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	en, err := NewEngine(rules)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := NewReader(strings.NewReader(in), "fuzz", 2026)
		n := 0
		for e := r.Next(); e != nil; e = r.Next() {
			en.Process(e) // the rules and correlations take any event
			n++
			if e.Line < 1 || e.Line > r.Stats().Lines || len(e.Raw) > MaxLine {
				t.Fatalf("event line %d raw %d of %+v", e.Line, len(e.Raw), r.Stats())
			}
		}
		st := r.Stats()
		if st.Events != n || st.Events+st.Corrupt+st.Blank != st.Lines {
			t.Fatalf("stats do not add up: %+v, %d events", st, n)
		}
	})
}

// nginx's access log sent over syslog is a web request of the host that
// sent it; another nginx message stays a syslog line.
func TestAccessLogInSyslog(t *testing.T) {
	lr := NewLineReader("t", 2026)
	e := lr.Read([]byte(`<190>Dec  1 09:02:00 erx-gw01 nginx: 203.0.113.80 - bob [01/Dec/2026:09:02:00 +0000] "POST /portal/login HTTP/1.1" 401 12 "-" "curl/8.5"`), false)
	if e == nil || !e.hasCategory("webserver") || e.Get(FieldHost) != "erx-gw01" || e.Get(FieldSource) != "203.0.113.80" || e.Get(FieldStatus) != "401" ||
		e.Get(FieldUser) != "bob" || e.Get(FieldURL) != "/portal/login" || e.Time.Hour() != 9 {
		t.Fatalf("event %+v", e)
	}
	e = lr.Read([]byte(`Dec  1 09:02:00 erx-gw01 nginx: 2026/12/01 09:02:00 [error] 12#12: *1 open() "/x" failed`), false)
	if e == nil || e.hasCategory("webserver") || e.Service != "syslog" || e.Get(FieldMessage) == "" {
		t.Fatalf("event %+v", e)
	}
}
