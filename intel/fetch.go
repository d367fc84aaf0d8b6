package intel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// The official sources of the feeds Ward fetches.
const (
	KEVURL  = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	EPSSURL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
	// CSAFURL is CISA's CSAF directory of ICS and medical-device advisories
	// (a CSAF 2.0 directory-based distribution: index.txt, changes.csv).
	CSAFURL = "https://raw.githubusercontent.com/cisagov/CSAF/develop/csaf_files/OT/white/"
	NVDURL  = "https://services.nvd.nist.gov/rest/json/cves/2.0"
)

// Sources says where each feed is fetched from. A CSAF source is a
// directory with an index.txt (and, when it has one, a changes.csv that
// dates each file); an NVD source ending in "/" is a directory of saved
// pages listed in its index.txt, else the CVE API 2.0.
type Sources struct {
	KEV, EPSS, CSAF, NVD string
}

// Official are the sources Ward fetches from by default.
var Official = Sources{KEV: KEVURL, EPSS: EPSSURL, CSAF: CSAFURL, NVD: NVDURL}

// Mirror lays the sources out under one base URL, for a hospital that
// mirrors the feeds inside its network:
//
//	BASE/known_exploited_vulnerabilities.json
//	BASE/epss_scores-current.csv.gz
//	BASE/csaf/index.txt (and changes.csv), with the files it lists
//	BASE/nvd/index.txt, with the NVD pages it lists
func Mirror(base string) Sources {
	base = strings.TrimSuffix(base, "/") + "/"
	return Sources{KEV: base + "known_exploited_vulnerabilities.json", EPSS: base + "epss_scores-current.csv.gz",
		CSAF: base + "csaf/", NVD: base + "nvd/"}
}

// Fetcher downloads feeds over HTTP(S), retrying what fails for a while.
type Fetcher struct {
	Client *http.Client
	// UserAgent names Ward and its version to the servers.
	UserAgent string
	// NVDKey is an NVD API key (raises NVD's rate limit); never logged.
	NVDKey string
	// NVDDelay is the pause between NVD API requests: NVD asks for six
	// seconds without a key.
	NVDDelay time.Duration
	// Retries and Backoff: a failed request (network error, 429, 5xx) is
	// tried again Retries times, waiting Backoff, then twice as long, ...
	Retries int
	Backoff time.Duration
	// Progress, when set, is told of bytes received and of each file.
	Progress func(label string, done, total int64)
}

// StatusError is an HTTP answer other than 200.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// Get downloads one URL (at most MaxFeedBytes), retrying transient
// failures.
func (f *Fetcher) Get(ctx context.Context, rawURL string, header http.Header) ([]byte, error) {
	wait := f.Backoff
	for attempt := 0; ; attempt++ {
		data, retryAfter, err := f.get(ctx, rawURL, header)
		if err == nil || attempt >= f.Retries || !transient(err) {
			return data, err
		}
		d := max(wait, retryAfter)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(d):
		}
		wait *= 2
	}
}

func transient(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, errTooLarge)
}

var errTooLarge = fmt.Errorf("larger than %d MiB", MaxFeedBytes>>20)

func (f *Fetcher) get(ctx context.Context, rawURL string, header http.Header) ([]byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return nil, time.Duration(after) * time.Second, &StatusError{URL: redact(rawURL), Status: resp.StatusCode}
	}
	if resp.ContentLength > MaxFeedBytes {
		return nil, 0, fmt.Errorf("GET %s: %w", redact(rawURL), errTooLarge)
	}
	var b bytes.Buffer
	if resp.ContentLength > 0 {
		b.Grow(int(resp.ContentLength))
	}
	label := path.Base(req.URL.Path)
	buf := make([]byte, 256<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if b.Len() > MaxFeedBytes {
			return nil, 0, fmt.Errorf("GET %s: %w", redact(rawURL), errTooLarge)
		}
		if f.Progress != nil && n > 0 {
			f.Progress(label, int64(b.Len()), resp.ContentLength)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("GET %s: %w", redact(rawURL), err)
		}
	}
	return b.Bytes(), 0, nil
}

// redact drops the query of a URL from messages: it may carry keys.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(bad URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

// Fetched is one downloaded feed file.
type Fetched struct {
	Name   string // the name it is parsed under: its path or page
	Source string // the URL, without query
	Data   []byte
}

// CSAF downloads the advisories of a CSAF directory whose file names start
// with prefix ("" for all). have tells, for an advisory id, when the stored
// copy was imported (zero when none is stored): with a changes.csv only
// files changed since are fetched; with an index.txt only, only files not
// stored yet.
func (f *Fetcher) CSAF(ctx context.Context, dir, prefix string, have func(id string) time.Time) ([]Fetched, error) {
	dir = strings.TrimSuffix(dir, "/") + "/"
	type entry struct {
		path    string
		changed time.Time
	}
	var entries []entry
	changes, err := f.Get(ctx, dir+"changes.csv", nil)
	var se *StatusError
	switch {
	case err == nil:
		r := csv.NewReader(bytes.NewReader(changes))
		r.FieldsPerRecord = 2
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%schanges.csv: %w", redact(dir), err)
			}
			t, err := time.Parse(time.RFC3339, rec[1])
			if err != nil {
				line, _ := r.FieldPos(1)
				return nil, fmt.Errorf("%schanges.csv:%d: timestamp %q: %w", redact(dir), line, rec[1], err)
			}
			entries = append(entries, entry{rec[0], t})
		}
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		index, err := f.Get(ctx, dir+"index.txt", nil)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(index))
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				entries = append(entries, entry{path: line})
			}
		}
	default:
		return nil, err
	}
	var out []Fetched
	for _, e := range entries {
		if strings.Contains(e.path, "..") || strings.HasPrefix(e.path, "/") || strings.Contains(e.path, "://") {
			return nil, fmt.Errorf("%s: listed path %q leaves the directory", redact(dir), e.path)
		}
		base := path.Base(e.path)
		if !strings.HasPrefix(base, prefix) || !strings.HasSuffix(base, ".json") {
			continue
		}
		stored := have(strings.TrimSuffix(base, ".json"))
		if !stored.IsZero() && (e.changed.IsZero() || !e.changed.After(stored)) {
			continue
		}
		data, err := f.Get(ctx, dir+e.path, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, Fetched{Name: e.path, Source: redact(dir + e.path), Data: data})
	}
	return out, nil
}

// NVD downloads CVE records. From the API: every record when since is
// zero, else those modified since (the API allows 120 days at most, so an
// older since fetches everything). From a directory: the pages its
// index.txt lists.
func (f *Fetcher) NVD(ctx context.Context, source string, since, now time.Time) ([]Fetched, error) {
	if strings.HasSuffix(source, "/") {
		index, err := f.Get(ctx, source+"index.txt", nil)
		if err != nil {
			return nil, err
		}
		var out []Fetched
		sc := bufio.NewScanner(bytes.NewReader(index))
		for sc.Scan() {
			p := strings.TrimSpace(sc.Text())
			if p == "" {
				continue
			}
			if strings.Contains(p, "..") || strings.HasPrefix(p, "/") || strings.Contains(p, "://") {
				return nil, fmt.Errorf("%sindex.txt: listed path %q leaves the directory", redact(source), p)
			}
			data, err := f.Get(ctx, source+p, nil)
			if err != nil {
				return nil, err
			}
			out = append(out, Fetched{Name: p, Source: redact(source + p), Data: data})
		}
		return out, nil
	}
	u, err := url.Parse(source)
	if err != nil {
		return nil, fmt.Errorf("NVD URL: %w", err)
	}
	incremental := !since.IsZero() && now.Sub(since) < 120*24*time.Hour
	var header http.Header
	if f.NVDKey != "" {
		header = http.Header{"apiKey": {f.NVDKey}}
	}
	stamp := now.UTC().Format("20060102T150405")
	var out []Fetched
	for start := 0; ; {
		q := u.Query()
		q.Set("startIndex", strconv.Itoa(start))
		q.Set("resultsPerPage", "2000")
		if incremental {
			q.Set("lastModStartDate", since.UTC().Format("2006-01-02T15:04:05.000Z"))
			q.Set("lastModEndDate", now.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		u.RawQuery = q.Encode()
		if start > 0 && f.NVDDelay > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(f.NVDDelay):
			}
		}
		data, err := f.Get(ctx, u.String(), header)
		if err != nil {
			return nil, err
		}
		var page struct {
			PerPage int `json:"resultsPerPage"`
			Start   int `json:"startIndex"`
			Total   int `json:"totalResults"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return nil, fmt.Errorf("NVD page at %d: %w", start, err)
		}
		name := fmt.Sprintf("api-full-%07d", start)
		if incremental {
			name = fmt.Sprintf("api-%s-%07d", stamp, start)
		}
		out = append(out, Fetched{Name: name, Source: redact(u.String()), Data: data})
		if page.PerPage <= 0 || page.Start+page.PerPage >= page.Total {
			return out, nil
		}
		start = page.Start + page.PerPage
	}
}
