package main_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// authLines are n sshd failures for user from src, from minute min on.
func authLines(n int, user, src string, min int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Dec  1 10:%02d:%02d vpn-gw01 sshd[20400]: Failed password for %s from %s port %d ssh2\n", min, i*2, user, src, 50000+i)
	}
	return b.String()
}

// TestDetectFollow follows an auth.log as a user would with 'ward detect
// --follow': a brute force that grows past the threshold while it is
// followed, then the log rotated (renamed, a new one started) and later
// truncated, each with a brute force in it; each is printed when found,
// and Ctrl-C prints the summary.
func TestDetectFollow(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	log := filepath.Join(t.TempDir(), "auth.log")
	if err := os.WriteFile(log, []byte(authLines(5, "alice", "203.0.113.7", 0)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "detect", "--follow", log, "--asset", "vpn-vendor", "--year", "2026")
	cmd.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=")
	stdout, _ := cmd.StdoutPipe()
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var out []string
	expectLine := func(want string) {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("output ended without %q: %s; stderr: %s", want, strings.Join(out, "\n"), stderr.String())
				}
				out = append(out, l)
				if strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("no %q in: %s; stderr: %s", want, strings.Join(out, "\n"), stderr.String())
			}
		}
	}
	appendTo := func(s string) {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	for !strings.Contains(stderr.String(), "following") {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	appendTo(authLines(7, "alice", "203.0.113.7", 0))
	expectLine("2026-12-01 10:00:12 HIGH     Brute force from one source on asset vpn-vendor src_ip=203.0.113.7 (ward-bruteforce-source)")

	// logrotate's create: renamed, a new file started
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(authLines(10, "bob", "203.0.113.8", 20))
	expectLine("Brute force from one source on asset vpn-vendor src_ip=203.0.113.8")

	// copytruncate: emptied in place, then written again
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	appendTo(authLines(11, "carol", "198.51.100.9", 40) + "not a log line\n")
	expectLine("Brute force from one source on asset vpn-vendor src_ip=198.51.100.9")

	cmd.Process.Signal(syscall.SIGINT)
	for l := range lines {
		out = append(out, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v; stderr: %s", err, stderr.String())
	}
	all := strings.Join(out, "\n")
	for _, want := range []string{
		"stopped following " + log + " (1 rotation, 1 truncation)",
		"3 detections in 1 file: 34 lines read, 1 line not (corrupt or unknown)",
		"  12 events, 2026-12-01 10:00:00 – 10:00:12 UTC",
		"  10 events, 2026-12-01 10:20:00 – 10:20:18 UTC",
		"  11 events, 2026-12-01 10:40:00 – 10:40:20 UTC",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
	if !strings.Contains(stderr.String(), ":34: not a log line") {
		t.Errorf("the corrupt line is not named: %s", stderr.String())
	}
}
