package main_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wardhealth/ward/internal/refdata"
)

// feedData holds the few real feed files the tests import: CISA
// advisories and a KEV excerpt (see its README.md).
var feedData = filepath.Join("..", "..", "intel", "testdata")

type feedStatus struct {
	Kinds []struct {
		Kind  string `json:"kind"`
		Files int    `json:"files"`
		Items int    `json:"items"`
	} `json:"kinds"`
}

func status(t *testing.T, data string) map[string][2]int {
	t.Helper()
	r := ward(t, data, "feeds", "status", "--format", "json")
	expect(t, r, 0)
	var s feedStatus
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]int{}
	for _, k := range s.Kinds {
		out[k.Kind] = [2]int{k.Files, k.Items}
	}
	return out
}

func matchCount(t *testing.T, r result) int {
	t.Helper()
	var v struct {
		Matches []struct {
			Asset string `json:"asset"`
		} `json:"matches"`
		Vulnerabilities []struct {
			Asset string `json:"asset"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	return len(v.Matches) + len(v.Vulnerabilities)
}

// TestFeedsImportStatusAndUse: feeds imported once serve every later
// command on the stored model; a broken file imports nothing.
func TestFeedsImportStatusAndUse(t *testing.T) {
	t.Parallel()
	data := demoData(t)
	expect(t, ward(t, data, "vulns"), 0, "No vulnerability feeds are stored or named")
	expect(t, ward(t, data, "feeds", "status"), 0, "No feeds stored")

	// A folder with a JSON file that is no feed: it is skipped, and said so.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "schema.json"), []byte(`{"title": "not a feed"}`), 0o600)
	r := ward(t, data, "feeds", "import", filepath.Join(feedData, "csaf-icsma"), filepath.Join(feedData, "kev"), other)
	expect(t, r, 0, "csaf      8 file(s),      58 vulnerabilities", "kev       1 file(s),       3 exploited", "skipped 1 file(s) that are not feeds, such as "+filepath.Join(other, "schema.json"))
	if got := status(t, data); got["csaf"] != [2]int{8, 58} || got["kev"] != [2]int{1, 3} {
		t.Fatalf("status %v", got)
	}
	// The stored feeds serve vulns and assess on the stored model.
	r = ward(t, data, "vulns", "--format", "json", "--asset", "pump-12")
	expect(t, r, 0, "CVE-2020-25168", "ICSMA-20-296-02")
	r = ward(t, data, "assess", "--format", "json")
	expect(t, r, 0, "CVE-2020-25168")
	stored := matchCount(t, r)
	if stored < 100 {
		t.Fatalf("assessment with stored feeds found %d vulnerabilities", stored)
	}
	// A model file is assessed without them unless asked.
	demoFile := filepath.Join(t.TempDir(), "demo.yaml")
	expect(t, ward(t, data, "export", "-o", demoFile), 0)
	if n := matchCount(t, ward(t, data, "assess", demoFile, "--format", "json")); n != 0 {
		t.Fatalf("file assessed with %d vulnerabilities from stored feeds", n)
	}
	if n := matchCount(t, ward(t, data, "assess", demoFile, "--stored-feeds", "--format", "json")); n != stored {
		t.Fatalf("file with --stored-feeds: %d vulnerabilities, stored model %d", n, stored)
	}

	// One broken file among good ones: nothing is imported.
	dir := t.TempDir()
	good, _ := os.ReadFile(filepath.Join(feedData, "csaf-icsma", "icsma-20-296-02.json"))
	os.WriteFile(filepath.Join(dir, "a-good.json"), good, 0o600)
	os.WriteFile(filepath.Join(dir, "b-broken.json"), good[:len(good)/2], 0o600)
	epss := gzipped(t, "#model_version:v2025.03.14,score_date:2026-11-22T00:00:00+0000\ncve,epss,percentile\nCVE-2020-25168,0.61,0.98\n")
	os.WriteFile(filepath.Join(dir, "epss.csv.gz"), epss, 0o600)
	r = ward(t, data, "feeds", "import", dir)
	expect(t, r, 1, "b-broken.json", "nothing imported")
	if got := status(t, data); len(got) != 2 || got["csaf"] != [2]int{8, 58} {
		t.Fatalf("status after a refused import %v", got)
	}
	// A file named on the command line must be a feed.
	notFeed := filepath.Join(dir, "notes.json")
	os.WriteFile(notFeed, []byte(`{"hello": "world"}`), 0o600)
	expect(t, ward(t, data, "feeds", "import", notFeed), 1, "not a feed Ward reads")

	os.Remove(filepath.Join(dir, "b-broken.json"))
	expect(t, ward(t, data, "feeds", "import", dir, "--format", "json"), 0, `"kind": "epss"`)
	if got := status(t, data); got["epss"] != [2]int{1, 1} {
		t.Fatalf("status after EPSS %v", got)
	}
	r = ward(t, data, "vulns", "--cve", "CVE-2020-25168", "--format", "json")
	expect(t, r, 0, `"epss": 0.61`)

	expect(t, ward(t, data, "feeds", "remove", "csaf"), 0, "removed 8 feed file(s)")
	expect(t, ward(t, data, "feeds", "remove", "advisories"), 2, "use csaf, kev, nvd, epss or all")
	if got := status(t, data); got["csaf"] != [2]int{} || got["kev"] != [2]int{1, 3} {
		t.Fatalf("status after remove %v", got)
	}
}

// TestFeedsImportReferenceData imports all of CISA's medical-device
// advisories and the whole KEV catalog of the reference data.
func TestFeedsImportReferenceData(t *testing.T) {
	t.Parallel()
	csaf, kev := refdata.Dir(t, "csaf-icsma"), refdata.Dir(t, "kev")
	data := t.TempDir()
	r := ward(t, data, "feeds", "import", csaf, kev)
	expect(t, r, 0, "csaf    108 file(s)", "kev       1 file(s),    1404", "skipped 1 file(s)")
	if got := status(t, data); got["csaf"] != [2]int{108, 337} || got["kev"] != [2]int{1, 1404} {
		t.Fatalf("status %v", got)
	}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// mirror is a feed mirror and an NVD API on loopback that counts requests
// and can fail.
type mirror struct {
	mu       sync.Mutex
	hits     map[string]int
	queries  []string
	failOnce map[string]bool
	files    map[string][]byte
	cves     int
}

func (m *mirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hits[r.URL.Path]++
	if m.failOnce[r.URL.Path] {
		delete(m.failOnce, r.URL.Path)
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Path == "/nvd-api" {
		m.queries = append(m.queries, r.URL.RawQuery)
		start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
		const perPage = 3 // the server's page size, not the one asked for
		total := m.cves
		if r.URL.Query().Get("lastModStartDate") != "" {
			total = 1
		}
		var vulns []string
		for i := start; i < min(start+perPage, total); i++ {
			vulns = append(vulns, fmt.Sprintf(`{"cve":{"id":"CVE-2024-%05d","configurations":[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:orthanc:orthanc:*:*:*:*:*:*:*:*","versionEndExcluding":"99"}]}]}]}}`, i))
		}
		fmt.Fprintf(w, `{"resultsPerPage":%d,"startIndex":%d,"totalResults":%d,"format":"NVD_CVE","version":"2.0","timestamp":"2026-11-23T08:00:00.000","vulnerabilities":[%s]}`,
			len(vulns), start, total, strings.Join(vulns, ","))
		return
	}
	data, ok := m.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(data)
}

func (m *mirror) hit(path string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits[path]
}

// TestFeedsFetch downloads every feed from a mirror on loopback, retries a
// failing server, fetches only what changed the second time, and stores
// nothing when a download is broken.
func TestFeedsFetch(t *testing.T) {
	t.Parallel()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(feedData, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	m := &mirror{hits: map[string]int{}, failOnce: map[string]bool{"/known_exploited_vulnerabilities.json": true}, cves: 7,
		files: map[string][]byte{
			"/known_exploited_vulnerabilities.json": read("kev/known_exploited_vulnerabilities.json"),
			"/epss_scores-current.csv.gz":           gzipped(t, "#model_version:v2025.03.14,score_date:2026-11-22T00:00:00+0000\ncve,epss,percentile\nCVE-2020-25168,0.61,0.98\nCVE-2024-00001,0.2,0.9\n"),
			"/csaf/changes.csv":                     []byte("\"2020/icsma-20-296-02.json\",\"2020-10-22T00:00:00Z\"\n\"2021/icsa-21-001-01.json\",\"2021-01-01T00:00:00Z\"\n\"2017/icsma-17-250-01.json\",\"2017-09-07T00:00:00Z\"\n"),
			"/csaf/2020/icsma-20-296-02.json":       read("csaf-icsma/icsma-20-296-02.json"),
			"/csaf/2017/icsma-17-250-01.json":       read("csaf-icsma/icsma-17-250-01.json"),
			"/broken/kev.json":                      []byte(`{"catalogVersion": "2026.11.23", "vulnerabilities": [{"cveID": "not-a-cve"}]}`),
			"/evil/changes.csv":                     []byte("\"../../etc/passwd.json\",\"2020-10-22T00:00:00Z\"\n"),
		}}
	srv := httptest.NewServer(m)
	defer srv.Close()

	data := t.TempDir()
	fetch := func(extra ...string) result {
		return ward(t, data, append([]string{"feeds", "fetch", "--mirror", srv.URL, "--nvd-url", srv.URL + "/nvd-api",
			"--nvd-delay", "0", "--retry-wait", "10ms"}, extra...)...)
	}
	r := fetch("--only", "kev,epss,csaf,nvd")
	expect(t, r, 0, "csaf      2 file(s)", "kev       1 file(s),       3", "nvd       3 file(s),       7 CVE records", "epss      1 file(s),       2 scores")
	if n := m.hit("/known_exploited_vulnerabilities.json"); n != 2 {
		t.Errorf("KEV requested %d times, want 2 (one 503, one retry)", n)
	}
	if n := m.hit("/csaf/2021/icsa-21-001-01.json"); n != 0 {
		t.Errorf("an ICS advisory outside the medical prefix was fetched")
	}
	got := status(t, data)
	if got["csaf"][0] != 2 || got["nvd"] != [2]int{3, 7} || got["epss"] != [2]int{1, 2} {
		t.Fatalf("status %v", got)
	}

	// Second fetch: no advisory changed, NVD asks only for what changed.
	r = fetch("--only", "csaf,nvd")
	expect(t, r, 0, "nvd       1 file(s),       1 CVE records")
	if n := m.hit("/csaf/2020/icsma-20-296-02.json"); n != 1 {
		t.Errorf("unchanged advisory fetched %d times", n)
	}
	if q := m.queries[len(m.queries)-1]; !strings.Contains(q, "lastModStartDate=") || !strings.Contains(q, "lastModEndDate=") {
		t.Errorf("incremental NVD query %q", q)
	}

	// A broken download stores nothing; an index leaving its directory is refused.
	r = fetch("--only", "kev", "--kev-url", srv.URL+"/broken/kev.json")
	expect(t, r, 1, "not a CVE id", "nothing stored")
	if got := status(t, data); got["kev"] != [2]int{1, 3} {
		t.Fatalf("status after a broken fetch %v", got)
	}
	expect(t, fetch("--only", "csaf", "--csaf-url", srv.URL+"/evil/"), 3, "leaves the directory")
	expect(t, fetch("--only", "kev", "--kev-url", srv.URL+"/missing.json"), 3, "404 Not Found")
	expect(t, fetch("--only", "advisories"), 2, "use csaf, kev, nvd or epss")
}
