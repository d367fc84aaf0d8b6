package main_test

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeTour runs every command of the README's five-minute tour, in
// order, as a new user would type them from the top of a clone.
func TestReadmeTour(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmds := tourCommands(t, filepath.Join(root, "README.md"))
	if len(cmds) < 8 {
		t.Fatalf("the tour has %d ward commands", len(cmds))
	}
	// The working directory: what the tour reads from the clone, and room
	// for what it writes.
	work := t.TempDir()
	for _, dir := range []string{"examples", "intel", "procure"} {
		if err := os.Symlink(filepath.Join(root, dir), filepath.Join(work, dir)); err != nil {
			t.Fatal(err)
		}
	}
	// What a few steps must show, as the tour's comments say.
	shows := map[string]string{"demo": "132 assets", "whatif": "services stop", "plan": "Mitigation plan: 3 changes",
		"vulns": "ICSMA-20-296-02", "users": "password: "}
	data := t.TempDir()
	for _, args := range cmds {
		if args[0] == "serve" {
			base := serveIn(t, data, nil, args[1:]...)
			resp, err := http.Get(base + "/login")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), "Ward") {
				t.Fatalf("ward serve: /login gives %d %.200s", resp.StatusCode, body)
			}
			continue
		}
		r := wardIn(t, work, data, args...)
		if r.code != 0 || r.stdout == "" && !strings.Contains(strings.Join(args, " "), " -o ") {
			t.Fatalf("ward %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
		if want := shows[args[0]]; !strings.Contains(r.stdout, want) {
			t.Errorf("ward %s does not show %q:\n%s", strings.Join(args, " "), want, r.stdout)
		}
	}
	for _, want := range []string{"report.html"} {
		if st, err := os.Stat(filepath.Join(work, want)); err != nil || st.Size() == 0 {
			t.Errorf("the tour wrote no %s: %v", want, err)
		}
	}
}

// tourCommands are the ward commands of the README's tour, without their
// comments, split into arguments.
func tourCommands(t *testing.T, readme string) [][]string {
	f, err := os.Open(readme)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	in, block := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == "## A five-minute tour"
		case in && strings.HasPrefix(line, "```"):
			block = !block
		case in && block:
			cmd, _, _ := strings.Cut(line, "#")
			f := strings.Fields(cmd)
			if len(f) > 1 && f[0] == "ward" {
				out = append(out, f[1:])
			}
		}
	}
	return out
}
