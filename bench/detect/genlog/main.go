// Command genlog writes the mixed log of the detection benchmark: an
// OpenSSH auth log and nginx access log lines sent over syslog, as a
// collector holds them ("Dec  1 10:00:00 erx-gw01 nginx: CLIENT - - [...]
// "GET ..." ..."), so that 'ward detect' and CrowdSec ('-type syslog')
// read the same file. Among the traffic are attacks whose number it
// prints: SSH brute forces (20 failures from one public address), web
// logon brute forces (30 refused POSTs) and request floods (400 requests
// from one address), each from an address of its own.
//
//	go run ./bench/detect/genlog -size 1G -out /tmp/mixed-1g.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	size := flag.String("size", "1G", "bytes to write (K, M, G suffixes)")
	out := flag.String("out", "mixed.log", "file to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g := gen{rng: rand.New(rand.NewPCG(*seed, 2)), w: w, at: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	for g.bytes < n {
		g.line()
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
	f.Close()
	fmt.Printf("%s: %d lines, %d bytes, 2026-12-01 00:00 to %s; attacks: %d SSH brute forces, %d web logon brute forces, %d request floods\n",
		*out, g.lines, g.bytes, g.at.Format("2006-01-02 15:04"), g.sshBF, g.webBF, g.floods)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("-size %q: a number of bytes, with K, M or G", s)
	}
	return v * mult, nil
}

type gen struct {
	rng                  *rand.Rand
	w                    *bufio.Writer
	at                   time.Time
	lines, bytes         int64
	sshBF, webBF, floods int
	attacker             int
}

var (
	users = []string{"root", "admin", "vendor-support", "it-admin", "pacs", "nurse.b", "oracle", "test"}
	paths = []string{"/erx/api/prescriptions", "/fhir/MedicationRequest?patient=4411", "/portal/", "/erx/static/app.js", "/fhir/Patient/123", "/erx/api/status"}
	webs  = []string{"erx-gw01", "erx-gw02", "portal01", "fhir01"}
)

// The lines are 10 ms apart: 5 million lines span 14 hours.
const step = 10 * time.Millisecond

func (g *gen) emit(format string, a ...any) {
	g.at = g.at.Add(step)
	n, _ := fmt.Fprintf(g.w, format, a...)
	g.lines++
	g.bytes += int64(n)
}

// nextAttacker is a public address used by one attack only.
func (g *gen) nextAttacker() string {
	g.attacker++
	a := g.attacker
	return fmt.Sprintf("%d.%d.%d.%d", 45+a>>16%100, a>>8&255, a&255, 1+a%200)
}

func (g *gen) ts() string { return g.at.Format(time.Stamp) }

func (g *gen) clf() string { return g.at.Format("02/Jan/2006:15:04:05 -0700") }

func (g *gen) line() {
	switch r := g.rng.IntN(100_000); {
	case r < 5: // 1 in 20,000 lines starts an SSH brute force
		g.sshBF++
		src := g.nextAttacker()
		for i := range 20 {
			g.emit("%s vpn-gw01 sshd[%d]: Failed password for %s from %s port %d ssh2\n", g.ts(), 30000+i, users[i%2], src, 40000+i)
		}
	case r < 7: // 1 in 50,000: a web logon brute force
		g.webBF++
		src := g.nextAttacker()
		for range 30 {
			g.emit("%s portal01 nginx: %s - - [%s] \"POST /portal/login HTTP/1.1\" 401 188 \"-\" \"python-requests/2.31\"\n", g.ts(), src, g.clf())
		}
	case r < 8: // 1 in 100,000: a flood
		g.floods++
		src := g.nextAttacker()
		for range 400 {
			g.emit("%s erx-gw01 nginx: %s - - [%s] \"GET /erx/api/prescriptions HTTP/1.1\" 200 512 \"-\" \"Go-http-client/1.1\"\n", g.ts(), src, g.clf())
		}
	case r < 2_000: // a lone failure from anywhere
		g.emit("%s vpn-gw01 sshd[%d]: Failed password for invalid user %s from %d.%d.%d.%d port %d ssh2\n", g.ts(), 20000+g.rng.IntN(9999), users[g.rng.IntN(len(users))],
			1+g.rng.IntN(223), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254), 30000+g.rng.IntN(30000))
	case r < 12_000:
		g.emit("%s vpn-gw01 sshd[%d]: Accepted publickey for vendor-support from 198.51.100.23 port %d ssh2: ED25519 SHA256:9Yq3ZxVb1kFj0c8m2GQv6bqv5vL2yS7c0kXbq0y9a5E\n", g.ts(), 20000+g.rng.IntN(9999), 30000+g.rng.IntN(30000))
	case r < 22_000:
		g.emit("%s vpn-gw01 sshd[%d]: pam_unix(sshd:session): session opened for user vendor-support(uid=1001) by (uid=0)\n", g.ts(), 20000+g.rng.IntN(9999))
	case r < 30_000:
		g.emit("%s vpn-gw01 sshd[%d]: Received disconnect from 198.51.100.23 port %d:11: disconnected by user\n", g.ts(), 20000+g.rng.IntN(9999), 30000+g.rng.IntN(30000))
	default: // the hospital's own web traffic
		g.emit("%s %s nginx: 10.20.%d.%d - - [%s] \"GET %s HTTP/1.1\" %d %d \"https://erx.hospital.example/erx/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\"\n",
			g.ts(), webs[g.rng.IntN(len(webs))], g.rng.IntN(8), g.rng.IntN(250), g.clf(), paths[g.rng.IntN(len(paths))], []int{200, 200, 200, 304, 404}[g.rng.IntN(5)], g.rng.IntN(9000))
	}
}
