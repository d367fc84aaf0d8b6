package detect

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// mixedLog makes n lines of a hospital's logs, mixed as a collector would
// hold them: OpenSSH and PAM (40%), web access (40%), firewall (12%),
// RFC 5424 syslog from gateways (7%), Windows events as JSON (1%), with
// brute forces and floods among them.
func mixedLog(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	users := []string{"root", "admin", "vendor-support", "it-admin", "pacs", "nurse.b", "oracle", "test"}
	paths := []string{"/erx/api/prescriptions", "/fhir/MedicationRequest?patient=4411", "/portal/login", "/erx/static/app.js", "/fhir/Patient/123"}
	for i := range n {
		ts := at.Add(time.Duration(i) * 5 * time.Millisecond)
		src := fmt.Sprintf("203.0.113.%d", rng.IntN(40))
		switch r := rng.IntN(100); {
		case r < 25:
			fmt.Fprintf(&b, "%s vpn-gw01 sshd[%d]: Failed password for %s from %s port %d ssh2\n", ts.Format("Jan _2 15:04:05"), 20000+rng.IntN(9999), users[rng.IntN(len(users))], src, 30000+rng.IntN(30000))
		case r < 30:
			fmt.Fprintf(&b, "%s vpn-gw01 sshd[%d]: Accepted publickey for vendor-support from 198.51.100.23 port %d ssh2: ED25519 SHA256:9Yq3ZxVb1kFj0c8m2GQv6bqv5vL2yS7c0kXbq0y9a5E\n", ts.Format("Jan _2 15:04:05"), 20000+rng.IntN(9999), 30000+rng.IntN(30000))
		case r < 40:
			fmt.Fprintf(&b, "%s vpn-gw01 sshd[%d]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s\n", ts.Format(time.RFC3339Nano), 20000+rng.IntN(9999), src, users[rng.IntN(len(users))])
		case r < 80:
			fmt.Fprintf(&b, "10.20.5.%d - - [%s] \"GET %s HTTP/1.1\" %d %d \"https://erx.hospital.example/erx/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\"\n", rng.IntN(250), ts.Format("02/Jan/2006:15:04:05 -0700"), paths[rng.IntN(len(paths))], []int{200, 200, 200, 304, 401, 404}[rng.IntN(6)], rng.IntN(9000))
		case r < 92:
			fmt.Fprintf(&b, "%s fw01 kernel: [812345.123456] WARD-DROP: IN=eth0 OUT= MAC=00:16:3e:aa:bb:cc:00:16:3e:dd:ee:ff:08:00 SRC=%s DST=10.10.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=40000 DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0\n", ts.Format("Jan _2 15:04:05"), src, rng.IntN(1024))
		case r < 99:
			fmt.Fprintf(&b, "<165>1 %s pump-gw01 alarmd 311 ID47 [meta sequenceId=\"%d\"] infusion pump channel %d: occlusion alarm cleared\n", ts.Format(time.RFC3339Nano), i, rng.IntN(4))
		default:
			fmt.Fprintf(&b, `{"Event":{"System":{"EventID":4625,"Channel":"Security","Computer":"WS-ICU-07.hospital.local","TimeCreated":{"#attributes":{"SystemTime":"%s"}}},"EventData":{"TargetUserName":"nurse.b","IpAddress":"10.30.4.17","LogonType":"3"}}}`+"\n", ts.Format(time.RFC3339Nano))
		}
	}
	return b.Bytes()
}

func benchModel() *ward.Model {
	m := &ward.Model{}
	for i := range 2000 {
		m.Assets = append(m.Assets, ward.Asset{ID: fmt.Sprintf("asset-%d", i), Addresses: []string{fmt.Sprintf("10.10.%d.%d", i/250, i%250)}})
	}
	m.Assets = append(m.Assets, ward.Asset{ID: "vpn-vendor", Addresses: []string{"vpn-gw01"}})
	return m
}

// BenchmarkDetect reads a mixed log end to end: lines read, events tied to
// assets of a 2,000-asset model, the built-in rules and correlations.
func BenchmarkDetect(b *testing.B) {
	data := mixedLog(200_000)
	rules, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	assets := NewAssets(benchModel(), "")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	var lines, dets int
	for b.Loop() {
		en, err := NewEngine(rules)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(bytes.NewReader(data), "mixed.log", 2026)
		for e := r.Next(); e != nil; e = r.Next() {
			assets.Tie(e)
			en.Process(e)
		}
		lines += r.Stats().Lines
		dets = len(en.Detections())
		if r.Stats().Corrupt > 0 {
			b.Fatalf("corrupt lines in the generated log: %+v", r.Stats().Bad[:1])
		}
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(dets), "detections")
}

// BenchmarkRead is the readers alone.
func BenchmarkRead(b *testing.B) {
	data := mixedLog(200_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var lines int
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), "mixed.log", 2026)
		for e := r.Next(); e != nil; e = r.Next() {
		}
		lines += r.Stats().Lines
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}

// TestWriteMixedLog writes the benchmark's log to $WARD_MIXED_LOG
// ($WARD_MIXED_LINES lines, default 2,000,000), to time 'ward detect' on it.
func TestWriteMixedLog(t *testing.T) {
	path := os.Getenv("WARD_MIXED_LOG")
	if path == "" {
		t.Skip("set WARD_MIXED_LOG to a file name to write the benchmark's mixed log there")
	}
	n := 2_000_000
	if s := os.Getenv("WARD_MIXED_LINES"); s != "" {
		fmt.Sscan(s, &n)
	}
	if err := os.WriteFile(path, mixedLog(n), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkReadWindowsJSON is the reader on Windows events alone.
func BenchmarkReadWindowsJSON(b *testing.B) {
	var buf bytes.Buffer
	for range 20_000 {
		buf.WriteString(`{"Event":{"System":{"EventID":4625,"Channel":"Security","Computer":"WS-ICU-07.hospital.local","TimeCreated":{"#attributes":{"SystemTime":"2026-12-01T10:05:00.123Z"}}},"EventData":{"TargetUserName":"nurse.b","IpAddress":"10.30.4.17","LogonType":"3","Status":"0xc000006d"}}}` + "\n")
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	var lines int
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), "security.jsonl", 2026)
		for e := r.Next(); e != nil; e = r.Next() {
		}
		lines += r.Stats().Lines
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkDetectFile is BenchmarkDetect on a file of one's own
// ($WARD_BENCH_LOG, such as bench/detect/genlog writes), with no model.
func BenchmarkDetectFile(b *testing.B) {
	path := os.Getenv("WARD_BENCH_LOG")
	if path == "" {
		b.Skip("set WARD_BENCH_LOG to a log file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	rules, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	assets := NewAssets(nil, "")
	b.SetBytes(int64(len(data)))
	var lines int
	for b.Loop() {
		en, err := NewEngine(rules)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(bytes.NewReader(data), path, 2026)
		for e := r.Next(); e != nil; e = r.Next() {
			assets.Tie(e)
			en.Process(e)
		}
		lines += r.Stats().Lines
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}
