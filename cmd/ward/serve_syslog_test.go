package main_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// failures are n sshd password failures for root from src, one a line.
func failures(n int, src string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Failed password for root from %s port %d ssh2\n", src, 40000+i)
	}
	return b.String()
}

// TestServeSyslog runs 'ward serve' with the syslog receiver on all three
// transports and sends it brute forces as hospital devices would: with
// util-linux's logger over UDP (RFC 3164) and TCP (RFC 5424, octet
// counting), and over TLS (RFC 5425) and TCP newline framing from Go, a
// message over the limit among them. Each brute force is a detection on
// the asset the messages come from (and the 46 failures for root one
// brute force on the account); SIGTERM stops it with a summary.
func TestServeSyslog(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	cert, key, pool := selfSigned(t, tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--demo", "--addr", "127.0.0.1:0",
		"--syslog-udp", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0",
		"--syslog-tls-cert", cert, "--syslog-tls-key", key, "--syslog-asset", "vpn-vendor")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "WARD_DB=")
	stdout, _ := cmd.StdoutPipe()
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for len(addr) < 3 && sc.Scan() {
		if m := regexp.MustCompile(`receives syslog over (\w+) on (\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			addr[m[1]] = m[2]
		}
	}
	if len(addr) < 3 {
		t.Fatalf("syslog addresses printed: %v; stderr: %s", addr, stderr.String())
	}
	send := func(conn net.Conn, framing func(string) string, lines string) {
		for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
			if _, err := conn.Write([]byte(framing(l))); err != nil {
				t.Fatal(err)
			}
		}
		conn.Close()
	}
	now := time.Now().UTC()
	rfc5424 := func(msg string) string {
		return fmt.Sprintf("<38>1 %s gw-7 sshd 4242 - [origin ip=\"127.0.0.1\"] %s", now.Format(time.RFC3339), msg)
	}
	octets := func(msg string) string { m := rfc5424(msg); return fmt.Sprintf("%d %s", len(m), m) }

	if logger, err := exec.LookPath("logger"); err == nil {
		_, udpPort, _ := net.SplitHostPort(addr["UDP"])
		_, tcpPort, _ := net.SplitHostPort(addr["TCP"])
		for _, c := range []struct {
			args  []string
			lines string
		}{
			{[]string{"--udp", "--port", udpPort, "--rfc3164"}, failures(12, "203.0.113.7")},
			{[]string{"--tcp", "--port", tcpPort, "--rfc5424", "--octet-count"}, failures(11, "203.0.113.8")},
		} {
			l := exec.Command(logger, append([]string{"--server", "127.0.0.1", "-t", "sshd", "--id=4242", "-p", "auth.info"}, c.args...)...)
			l.Stdin = strings.NewReader(c.lines)
			if out, err := l.CombinedOutput(); err != nil {
				t.Fatalf("logger %v: %v %s", c.args, err, out)
			}
		}
	} else {
		t.Log("no logger (util-linux): sending over UDP and TCP from Go")
		u, err := net.Dial("udp", addr["UDP"])
		if err != nil {
			t.Fatal(err)
		}
		send(u, func(m string) string { return fmt.Sprintf("<38>%s host sshd[4242]: %s", now.Format(time.Stamp), m) }, failures(12, "203.0.113.7"))
		tc, err := net.Dial("tcp", addr["TCP"])
		if err != nil {
			t.Fatal(err)
		}
		send(tc, octets, failures(11, "203.0.113.8"))
	}
	junk, err := net.Dial("udp", addr["UDP"])
	if err != nil {
		t.Fatal(err)
	}
	junk.Write([]byte("\x16\x03\x01 not syslog"))
	junk.Close()
	tl, err := tls.Dial("tcp", addr["TLS"], &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	send(tl, octets, failures(13, "203.0.113.9"))
	nl, err := net.Dial("tcp", addr["TCP"])
	if err != nil {
		t.Fatal(err)
	}
	send(nl, func(m string) string { return rfc5424(m) + "\n" }, strings.Repeat("x", 70<<10)+"\n"+failures(10, "198.51.100.4"))

	want := map[string]string{"203.0.113.7": "12", "203.0.113.8": "11", "203.0.113.9": "13", "198.51.100.4": "10"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := stderr.String()
		missing := []string{}
		for src, n := range want {
			if !strings.Contains(out, fmt.Sprintf(`rule=ward-bruteforce-source title="Brute force from one source" level=high asset=vpn-vendor group="src_ip=%s" count=%s `, src, n)) {
				missing = append(missing, src)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no detection of the brute force from %v; stderr:\n%s", missing, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve: %v; stderr: %s", err, stderr.String())
	}
	out := stderr.String()
	if !regexp.MustCompile(`msg="syslog stopped" received=48 dropped=0 cut=1 corrupt=1 refused_connections=0 framing_errors=0 detections=5`).MatchString(out) {
		t.Errorf("summary:\n%s", out)
	}
	if !regexp.MustCompile(`msg="syslog message not read" message="syslog-udp:13: not a log line`).MatchString(out) {
		t.Errorf("the message not read is not named:\n%s", out)
	}
}

// serveSyslog starts 'ward serve' on a data directory with a UDP syslog
// receiver and returns the command, its stderr, the HTTP base and the
// syslog address.
func serveSyslog(t *testing.T, ctx context.Context, data string) (*exec.Cmd, *lockedBuffer, string, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-asset", "vpn-vendor")
	cmd.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=")
	stdout, _ := cmd.StdoutPipe()
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var base, udp string
	sc := bufio.NewScanner(stdout)
	for (base == "" || udp == "") && sc.Scan() {
		if m := regexp.MustCompile(`serving on (http://\S+)/`).FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
		if m := regexp.MustCompile(`receives syslog over UDP on (\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			udp = m[1]
		}
	}
	if base == "" || udp == "" {
		t.Fatalf("no addresses printed; stderr: %s", stderr.String())
	}
	return cmd, stderr, base, udp
}

// TestServeSyslogRestart: six failures arrive, the server restarts, five
// more arrive: the spool's replay kept the window open, so the eleven are
// one brute force, kept in the store and listed by the API. An asset
// added to the model meanwhile is read again: the next brute force is on
// it.
func TestServeSyslogRestart(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	add := exec.Command(bin, "users", "add", "admin", "--admin", "--password-stdin")
	add.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=")
	add.Stdin = strings.NewReader("a long enough password\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("users add: %v %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now().UTC()
	sendUDP := func(addr string, lines string) {
		u, err := net.Dial("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
			fmt.Fprintf(u, "<38>1 %s gw-7 sshd 4242 - - %s", now.Format(time.RFC3339), l)
			time.Sleep(2 * time.Millisecond)
		}
	}
	stop := func(cmd *exec.Cmd, stderr *lockedBuffer, want string) {
		t.Helper()
		time.Sleep(500 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("serve: %v %s", err, stderr.String())
		}
		if !strings.Contains(stderr.String(), want) {
			t.Fatalf("no %q in: %s", want, stderr.String())
		}
	}
	cmd, stderr, _, udp := serveSyslog(t, ctx, data)
	sendUDP(udp, failures(6, "203.0.113.44"))
	stop(cmd, stderr, `received=6 dropped=0 cut=0 corrupt=0 refused_connections=0 framing_errors=0 detections=0`)

	cmd, stderr, base, udp := serveSyslog(t, ctx, data)
	sendUDP(udp, failures(5, "203.0.113.44"))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), `group="src_ip=203.0.113.44" count=11 `) {
		if time.Now().After(deadline) {
			t.Fatalf("no brute force of 11 across the restart: %s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "msg=\"syslog spool replayed\"") || !strings.Contains(stderr.String(), "messages=6") {
		t.Errorf("no replay: %s", stderr.String())
	}
	// kept within 5 s; read it back through the API
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: time.Minute}
	resp, err := client.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"name":"admin","password":"a long enough password"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in: %v %v", err, resp)
	}
	var login struct{ CSRF string }
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	// The gateway the messages name, gw-7, joins the model: the receiver
	// reads the model again, and its next brute force is on it.
	req, _ := http.NewRequest("PUT", base+"/api/v1/orgs/st-example/assets/gw-7", strings.NewReader(`{"id":"gw-7","name":"Pharmacy VPN","kind":"vpn-gateway","zone":"dmz"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", login.CSRF)
	if resp, err := client.Do(req); err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("put the asset: %v %v", err, resp)
	}
	for !strings.Contains(stderr.String(), "messages are tied to its assets now") {
		if time.Now().After(deadline) {
			t.Fatalf("the model was not read again: %s", stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	sendUDP(udp, failures(10, "203.0.113.45"))
	for !strings.Contains(stderr.String(), `asset=gw-7 group="src_ip=203.0.113.45" count=10 `) {
		if time.Now().After(deadline) {
			t.Fatalf("no brute force on gw-7: %s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var out struct {
		Detections []struct {
			Rule, Asset, Source string
			Count               int
		}
	}
	for time.Now().Before(deadline) {
		resp, err := client.Get(base + "/api/v1/orgs/st-example/detections")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if len(out.Detections) == 2 && (out.Detections[0].Count == 11 || out.Detections[1].Count == 11) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Both were last seen in the same second (the messages carry one time
	// stamp), so their order is not the test's to say.
	byAsset := map[string]int{}
	for i, d := range out.Detections {
		byAsset[d.Asset] = i
	}
	v, okV := byAsset["vpn-vendor"]
	g, okG := byAsset["gw-7"]
	if len(out.Detections) != 2 || !okV || !okG || out.Detections[v].Rule != "ward-bruteforce-source" || out.Detections[v].Source != "203.0.113.44" || out.Detections[v].Count != 11 ||
		out.Detections[g].Count != 10 {
		t.Errorf("stored detections: %+v", out.Detections)
	}
	stop(cmd, stderr, "detections=2")
}

// Mistakes in the syslog flags are refused before anything listens.
func TestServeSyslogFlags(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	expect(t, ward(t, data, "serve", "--addr", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0"), 2, "--syslog-tls needs --syslog-tls-cert and --syslog-tls-key")
	expect(t, ward(t, data, "serve", "--addr", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-asset", "no-such-asset"), 1, "no-such-asset")
	expect(t, ward(t, data, "serve", "--addr", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-org", "no-such-org"), 1, "no-such-org")
	expect(t, ward(t, data, "detect", "--follow", "/no/such/file"), 1, "no such file")
	expect(t, ward(t, data, "detect", "--follow", "a.log", "b.log"), 2, "--follow reads one file")
}
