//go:build unix

package main_test

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopsOnASecondSignal: a command that cannot stop midway (here one
// waiting for its model on standard input, which never comes) does not
// hold Ward up: the first SIGTERM asks it to stop and says so, the second
// stops Ward at once.
func TestStopsOnASecondSignal(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(bin, "validate", "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(time.Second) // the signal handling is set up first thing
	cmd.Process.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "ward: stopping") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if !strings.Contains(stderr.String(), "ward: stopping (again to stop at once)") {
			t.Errorf("stderr: %q", stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("ward still runs 10 s after a second SIGTERM; stderr: %q", stderr.String())
	}
}
