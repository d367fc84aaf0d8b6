package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/share"
)

const hubPassword = "hub password long enough"

// serveIn starts 'ward serve' on a data directory and returns its base URL.
func serveIn(t *testing.T, data string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "WARD_DATA="+data, "WARD_DB="), env...)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
		}
		if t.Failed() {
			t.Logf("ward serve in %s:\n%s", data, stderr.String())
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := regexp.MustCompile(`serving on (http://\S+)/`).FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stdout)
			return m[1]
		}
	}
	t.Fatalf("ward serve did not start: %s", stderr.String())
	return ""
}

func addUser(t *testing.T, data, name, password string, flags ...string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"users", "add", name, "--password-stdin"}, flags...)...)
	cmd.Env = append(os.Environ(), "WARD_DATA="+data, "WARD_DB=")
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("users add %s: %v %s", name, err, out)
	}
}

func taxiiGet(t *testing.T, url, user, password string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", share.TAXIIMediaType)
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, data)
	}
	return string(data)
}

// TestHubAndHospital federates two 'ward serve' processes: the hub
// publishes a medical-device vulnerability; the hospital's server pulls it
// on schedule and its pumps are hit; the hospital pushes back anonymised
// sightings; TLP holds throughout.
func TestHubAndHospital(t *testing.T) {
	t.Parallel()
	hubData := t.TempDir()
	// The hub: an administrator, the hospital's account, one collection.
	addUser(t, hubData, "csirt", hubPassword, "--admin")
	addUser(t, hubData, "st-example-sync", hubPassword, "--org", "st-example", "--role", "analyst")
	const col = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
	expect(t, ward(t, hubData, "share", "collections", "add", "--id", col, "--title", "Medical devices", "--readers", "*", "--writers", "national-csirt,st-example"), 0, col)
	hub := serveIn(t, hubData, nil)

	// The hub publishes ICSMA-20-296-02 as STIX, GREEN.
	advs, err := intel.LoadAdvisories(filepath.Join(feedData, "csaf-icsma", "icsma-20-296-02.json"))
	if err != nil {
		t.Fatal(err)
	}
	publisher := &share.Client{APIRoot: hub + "/taxii2/api/", User: "csirt", Password: hubPassword}
	st, err := publisher.Push(context.Background(), col, share.Advisories(advs, "", share.Green, time.Now()), 1000)
	if err != nil || st.FailureCount != 0 {
		t.Fatalf("publish: %+v %v", st, err)
	}

	// The hospital: the demo, an administrator, a server that syncs.
	hospData := demoData(t)
	addUser(t, hospData, "admin", hubPassword, "--admin")
	hosp := serveIn(t, hospData, []string{"WARD_SHARE_PASSWORD=" + hubPassword},
		"--sync-from", hub+"/taxii2/api/", "--sync-collection", col, "--sync-every", "1s", "--sync-user", "st-example-sync")
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar}
	resp, err := web.Post(hosp+"/api/v1/login", "application/json", strings.NewReader(`{"name":"admin","password":"`+hubPassword+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in to the hospital: %v %v", err, resp)
	}
	resp.Body.Close()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := web.Get(hosp + "/api/v1/orgs/st-example/vulnerabilities?asset=pump-01")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "CVE-2020-25168") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hospital never saw the hub's vulnerability: %s", body)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// Its vendor VPN was brute-forced from 203.0.113.7 and from inside
	// (10.20.30.40): the detections are kept.
	var auth strings.Builder
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	for i := range 12 {
		for _, src := range []string{"203.0.113.7", "10.20.30.40"} {
			fmt.Fprintf(&auth, "%s vpn-gw01 sshd[77]: Failed password for nurse.b from %s port %d ssh2\n", at.Add(time.Duration(i)*time.Second).Format(time.RFC3339), src, 40000+i)
		}
	}
	logFile := filepath.Join(t.TempDir(), "auth.log")
	os.WriteFile(logFile, []byte(auth.String()), 0o644)
	expect(t, ward(t, hospData, "detect", logFile, "--asset", "vpn-vendor", "--keep"), 0, "Brute force from one source")

	// The hospital pushes its sightings, anonymised, AMBER.
	push := exec.Command(bin, "share", "push", "--to", hub+"/taxii2/api/", "--collection", col, "--user", "st-example-sync", "--format", "json")
	push.Env = append(os.Environ(), "WARD_DATA="+hospData, "WARD_DB=", "WARD_SHARE_PASSWORD="+hubPassword)
	out, err := push.CombinedOutput()
	if err != nil {
		t.Fatalf("push: %v %s", err, out)
	}
	var pushed struct {
		Sent   int
		Status struct {
			SuccessCount int `json:"success_count"`
		}
	}
	json.Unmarshal(out, &pushed)
	if pushed.Sent == 0 || pushed.Status.SuccessCount != pushed.Sent {
		t.Fatalf("push: %s", out)
	}
	// RED does not leave.
	expect(t, ward(t, hospData, "share", "push", "--to", hub+"/taxii2/api/", "--collection", col, "--user", "x", "--tlp", "red"), 2, "do not leave the organisation")

	body := taxiiGet(t, hub+"/taxii2/api/collections/"+col+"/objects/?match[type]=sighting,identity", "csirt", hubPassword)
	if !strings.Contains(body, `"type":"sighting"`) || !strings.Contains(body, "Healthcare organisation ") {
		t.Fatalf("hub has no anonymous sighting: %.500s", body)
	}
	for _, secret := range []string{"St. Example", "st-example", "pump-0", "10.20.", "vpn-vendor", "vpn-gw01", "nurse.b"} {
		if strings.Contains(body, secret) {
			t.Errorf("%q reached the hub", secret)
		}
	}
	// The detections arrived as sightings of T1110 and of the public
	// attacker; the address inside the hospital did not leave.
	body = taxiiGet(t, hub+"/taxii2/api/collections/"+col+"/objects/?match[type]=indicator,attack-pattern", "csirt", hubPassword)
	if !strings.Contains(body, `[ipv4-addr:value = '203.0.113.7']`) || !strings.Contains(body, `"external_id":"T1110"`) || strings.Contains(body, "10.20.30.40") {
		t.Errorf("the hub's indicators and attack patterns: %.800s", body)
	}
	if !strings.Contains(body, share.Amber.MarkingID()) {
		t.Errorf("sightings not marked AMBER: %.300s", body)
	}
}
