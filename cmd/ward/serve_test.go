package main_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestServeDemo runs the README's first command as a user would: it
// prints an address and a password; signing in with them opens the
// dashboard of the demo hospital; SIGTERM (as from a service manager, or
// Ctrl-C) stops it and its store is gone.
func TestServeDemo(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--demo", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "WARD_DB=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var base, password string
	for sc.Scan() && (base == "" || password == "") {
		line := sc.Text()
		if m := regexp.MustCompile(`serving on (http://\S+)/`).FindStringSubmatch(line); m != nil {
			base = m[1]
		}
		if m := regexp.MustCompile(`as admin with password (\S+)`).FindStringSubmatch(line); m != nil {
			password = m[1]
		}
	}
	go io.Copy(io.Discard, stdout)
	if base == "" || password == "" {
		t.Fatalf("no address or password printed; stderr: %s", stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: time.Minute}
	body, _ := json.Marshal(map[string]string{"name": "admin", "password": password})
	resp, err := client.Post(base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("St. Example General")) || !bytes.Contains(page, []byte("Top risks")) {
		t.Fatalf("dashboard: %d %.500s", resp.StatusCode, page)
	}
	// TAXII is there to try, with the catalog's good practices.
	req, _ := http.NewRequest("GET", base+"/taxii2/api/collections/", nil)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	req.SetBasicAuth("admin", password)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(cols, []byte("Community: medical-device intelligence")) {
		t.Errorf("TAXII collections of the demo: %d %s", resp.StatusCode, cols)
	}
	if strings.Contains(stderr.String(), password) {
		t.Error("the password is in the log")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("stop: %v\n%s", err, stderr.String())
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "ward-demo-*")); len(left) > 0 {
		t.Errorf("demo store left behind: %v", left)
	}
}

// TestUsersAndAuditVerify: users are added with a generated password;
// every write is in the audit log, and a changed entry is detected.
func TestUsersAndAuditVerify(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	r := ward(t, data, "users", "add", "alice", "--org", "st-example", "--role", "analyst", "--format", "json")
	expect(t, r, 0, `"password"`)
	var added struct{ Password string }
	json.Unmarshal([]byte(r.stdout), &added)
	if len(added.Password) < 20 {
		t.Errorf("generated password %q", added.Password)
	}
	expect(t, ward(t, data, "users", "add", "alice", "--org", "st-example", "--role", "viewer"), 1, "already exists")
	expect(t, ward(t, data, "users", "add", "bob", "--org", "st-example", "--role", "boss"), 2, "viewer, analyst, admin or hub")
	expect(t, ward(t, data, "users", "list"), 0, "alice", "analyst@st-example")
	expect(t, ward(t, data, "audit", "list"), 0, "model.import", "user.create")
	expect(t, ward(t, data, "audit", "verify"), 0, "audit log intact: 2 entries")

	db, err := sql.Open("sqlite", filepath.Join(data, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit SET actor = 'someone else' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	expect(t, ward(t, data, "audit", "verify"), 1, "audit entry 1", "changed")
}

// selfSigned writes a certificate and key for 127.0.0.1 and returns a
// pool that trusts it.
func selfSigned(t *testing.T, dir string) (cert, key string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ward test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(priv)
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	parsed, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(parsed)
	return cert, key, pool
}

// TestServeTLS: with a certificate the server speaks HTTPS only; the
// session cookie is Secure and host-locked, and HSTS is sent.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	add := exec.Command(bin, "users", "add", "admin", "--admin", "--password-stdin")
	add.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=")
	add.Stdin = strings.NewReader("a long enough password\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("users add: %v %s", err, out)
	}
	cert, key, pool := selfSigned(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key)
	cmd.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	base := ""
	for base == "" && sc.Scan() {
		if m := regexp.MustCompile(`serving on (https://\S+)/`).FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatal("no https address printed")
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"name":"admin","password":"a long enough password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != 200 || !strings.HasPrefix(cookie, "__Host-ward_session=") || !strings.Contains(cookie, "Secure") || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("TLS sign-in: %d, cookie %q, HSTS %q", resp.StatusCode, cookie, resp.Header.Get("Strict-Transport-Security"))
	}
	// Plain HTTP to the TLS port is refused.
	if resp, err := http.Get(strings.Replace(base, "https://", "http://", 1) + "/healthz"); err == nil {
		if resp.StatusCode == 200 {
			t.Error("plain HTTP served")
		}
		resp.Body.Close()
	}
}

// lockedBuffer is a buffer a process writes into while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
