package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
)

// browserPath finds a Chromium or Chrome: $WARD_CHROMIUM, then the usual
// names on the PATH.
func browserPath() string {
	if p := os.Getenv("WARD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium for the test and returns its context
// and the directory for screenshots. It stops with the test, after its
// subtests.
func browser(t *testing.T) (context.Context, string) {
	t.Helper()
	path := browserPath()
	if path == "" {
		if os.Getenv("WARD_BROWSER_TESTS") == "1" {
			t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome or $WARD_CHROMIUM) and WARD_BROWSER_TESTS=1: install it, e.g. apt-get install -y chromium")
		}
		t.Skip("no Chromium found: install chromium to run the browser tests (WARD_BROWSER_TESTS=1 makes this a failure)")
	}
	dir := os.Getenv("WARD_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1400, 900), chromedp.Flag("lang", "en"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// The whole run is bounded: a hung page fails rather than waits.
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser now, so that a broken install fails here, clearly.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx, dir
}

// tab opens a tab of the browser for a (sub)test. Whatever its pages log
// as an error (a script exception, a CSP refusal) fails the test, unless
// the test takes it first.
func tab(t *testing.T, browser context.Context) (context.Context, *pageErrors) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	errs := &pageErrors{}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			errs.add(fmt.Sprintf("script exception: %s at %s:%d:%d", d.Text, d.URL, d.LineNumber+1, d.ColumnNumber+1))
		case *log.EventEntryAdded:
			// Network errors are the server's answers (a 422 for a broken
			// model is one); the rest is the page's own.
			if ev.Entry.Level == log.EntryLevelError && ev.Entry.Source != log.EntrySourceNetwork {
				errs.add(fmt.Sprintf("console %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range errs.take() {
			t.Errorf("browser: %s", p)
		}
	})
	return ctx, errs
}

// pageErrors collects what the pages report as errors.
type pageErrors struct {
	mu   sync.Mutex
	list []string
}

func (p *pageErrors) add(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, s)
}

// take returns the errors so far and forgets them.
func (p *pageErrors) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.list
	p.list = nil
	return out
}

// shot saves a screenshot of the whole page as PNG.
func shot(t *testing.T, dir, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		png, err := chromedp.FullScreenshot(100)(ctx, tg)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			return err
		}
		t.Logf("screenshot %s", p)
		return nil
	})
}

// signInBrowser signs in through the form and lands on the overview.
func signInBrowser(e *webEnv, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), webPassword),
		chromedp.Click(chromedp.CSS(`.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#summary`)),
	)
}

// until waits for a JavaScript predicate to hold, up to 10 seconds.
func until(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("%s: %s never held: %v", what, predicate, err)
	}
}

// read runs an action that returns a value, failing the test on error.
func read[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// TestBrowser drives the dashboard in one Chromium, a tab per part, on
// one server.
func TestBrowser(t *testing.T) {
	t.Parallel()
	b, dir := browser(t)
	e := newWebEnv(t)
	t.Run("import", func(t *testing.T) { browseImport(t, b, dir, e) })
	t.Run("map", func(t *testing.T) { browseMap(t, b, dir, e) })
	t.Run("pages", func(t *testing.T) { browsePages(t, b, dir, e) })
	t.Run("procure", func(t *testing.T) { browseProcure(t, b, dir, e) })
	t.Run("incidents", func(t *testing.T) { browseIncidents(t, b, dir, e) })
	t.Run("page errors seen", func(t *testing.T) { browsePageErrors(t, b, e) })
}

func browseImport(t *testing.T, b context.Context, dir string, e *webEnv) {
	ctx, _ := tab(t, b)
	files := t.TempDir()
	good := filepath.Join(files, "hospital.yaml")
	if err := os.WriteFile(good, []byte(strings.Replace(string(demo.File), "name: St. Example General\n", "name: St. Example General (renovated)\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(files, "broken.yaml")
	broken := strings.Replace(string(demo.File), "kind: infusion-pump\n", "kind: infusion-pmup\n", 1)
	line := 1 + strings.Count(broken[:strings.Index(broken, "infusion-pmup")], "\n")
	if err := os.WriteFile(bad, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		signInBrowser(e, "analyst"),
		shot(t, dir, "overview"),
		chromedp.Click(chromedp.CSS(`header nav a[href$="/import"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[type=file]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{good}),
		chromedp.Click(chromedp.CSS(`#upload button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#imported`)),
		shot(t, dir, "import-good"),
	)
	if imported := read(t, ctx, chromedp.Text(chromedp.CSS(`#imported`))); !strings.Contains(imported, "Imported hospital.yaml: revision 2") {
		t.Errorf("after a good upload the page says %q", imported)
	}
	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{bad}),
		chromedp.Click(chromedp.CSS(`#upload button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#import-errors`)),
		shot(t, dir, "import-errors"),
	)
	errs := read(t, ctx, chromedp.Text(chromedp.CSS(`#import-errors`)))
	if want := fmt.Sprintf("broken.yaml:%d:", line); !strings.Contains(errs, want) || !strings.Contains(errs, "infusion-pmup") {
		t.Errorf("after a broken upload the page says %q, want %q", errs, want)
	}
	if r, _ := e.store.Revision(context.Background(), webOrg); r != 2 {
		t.Errorf("revision %d after a good and a broken upload", r)
	}
}

// The other pages render and run without a browser error, for a look.
func browsePages(t *testing.T, b context.Context, dir string, e *webEnv) {
	now := time.Now().UTC()
	det := ward.Detection{Rule: "ward-bruteforce-source", Title: "Brute force from one source", Level: "high", Techniques: []string{"T1110"},
		Asset: "vpn-vendor", Group: []string{"src_ip=203.0.113.7"}, Count: 14, FirstSeen: now.Add(-time.Hour), LastSeen: now.Add(-time.Hour + 2*time.Minute),
		Why: "10 or more hits of ssh_failed_logon within 10m", Evidence: []ward.LogLine{{File: "syslog-udp 10.10.9.2", Line: 8, Text: "sshd[20400]: Failed password for root from 203.0.113.7 port 51200 ssh2"}}}
	det.ID = ward.DetectionID(det.Rule, det.Asset, "", det.Group, det.FirstSeen)
	if _, err := e.store.PutDetections(context.Background(), webOrg, []ward.Detection{det}); err != nil {
		t.Fatal(err)
	}
	ctx, _ := tab(t, b)
	do(t, ctx, signInBrowser(e, "admin"))
	for _, p := range []struct{ path, wait, name string }{
		{"/orgs/" + webOrg + "/", "#summary", "overview-admin"},
		{"/orgs/" + webOrg + "/map", "#map-legend", "map-admin"},
		{"/orgs/" + webOrg + "/assets/pump-01", "#risks", "asset-pump"},
		{"/orgs/" + webOrg + "/nope", "main", "not-found"},
		{"/orgs/" + webOrg + "/assets?sort=risk", "#asset-list", "assets"},
		{"/orgs/" + webOrg + "/services", ".service", "services"},
		{"/orgs/" + webOrg + "/plan", "#plan-steps", "plan"},
		{"/tokens", "#token-create", "tokens"},
		{"/users", "#user-create", "users"},
		{"/orgs/" + webOrg + "/findings", "#finding-list", "findings"},
		{"/orgs/" + webOrg + "/risks?status=open", "#risk-list", "risks"},
		{"/orgs/" + webOrg + "/vulnerabilities", "#vulnerability-list", "vulnerabilities"},
		{"/orgs/" + webOrg + "/reports", "#report-downloads", "reports"},
		{"/sector", "#sector", "sector"},
		{"/orgs/" + webOrg + "/scenarios", "#scenario-list", "scenarios"},
		{"/orgs/" + webOrg + "/baselines", "#baseline-list", "baselines"},
		{"/orgs/" + webOrg + "/audit", "#audit-list", "audit"},
		{"/audit?verify=1", "#audit-verify", "audit-verified"},
		{"/orgs/" + webOrg + "/detections", "#detection-list", "detections"},
	} {
		do(t, ctx, chromedp.Navigate(e.ts.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)), shot(t, dir, p.name))
		for _, low := range read(t, ctx, chromedp.Evaluate[[]string](lowContrast)) {
			t.Errorf("%s: low contrast: %s", p.path, low)
		}
	}
	// The overview's cards lead to the pages behind them.
	do(t, ctx, chromedp.Navigate(e.ts.URL+"/orgs/"+webOrg+"/"), chromedp.Click(chromedp.CSS(`#detections-card`)), chromedp.WaitVisible(chromedp.CSS(`#detection-list`)))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#detection-list tr a[href^="#det-"]').length`)); n != 1 {
		t.Errorf("the detections page lists %d detections, want 1", n)
	}
	do(t, ctx, chromedp.Navigate(e.ts.URL+"/orgs/"+webOrg+"/"), chromedp.Click(chromedp.CSS(`a.card[href$="/findings"]`)), chromedp.WaitVisible(chromedp.CSS(`#finding-list`)))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#finding-list article.finding').length`)); n == 0 {
		t.Error("the findings page lists no finding")
	}
	// A count of the heat map leads to the register's lines of its cell.
	do(t, ctx, chromedp.Navigate(e.ts.URL+"/orgs/"+webOrg+"/"), chromedp.Click(chromedp.CSS(`#heat-map td a`)), chromedp.WaitVisible(chromedp.CSS(`#risk-list`)))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#risk-list article.risk').length`)); n == 0 {
		t.Error("a heat map cell leads to no line of the register")
	}
	do(t, ctx, chromedp.Navigate(e.ts.URL+"/orgs/"+webOrg+"/assets?sort=risk"))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#asset-list tbody tr').length`)); n != min(100, len(e.model.Assets)) {
		t.Errorf("%d asset rows", n)
	}
}

// The browser tests see what the Content Security Policy refuses and what
// a script throws, so the pages' silence above means something.
func browsePageErrors(t *testing.T, b context.Context, e *webEnv) {
	ctx, errs := tab(t, b)
	probe := httptest.NewServer(e.srv.Secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><title>probe</title><p style="color:red">inline style</p><script>document.title = "ran";</script>`)
	})))
	defer probe.Close()
	do(t, ctx, chromedp.Navigate(probe.URL), chromedp.WaitVisible(chromedp.CSS(`p`)))
	if title := read(t, ctx, chromedp.Title()); title != "probe" {
		t.Errorf("an inline script ran under the server's CSP: title %q", title)
	}
	var seen []string
	for end := time.Now().Add(10 * time.Second); !strings.Contains(strings.Join(seen, ""), "Content Security Policy") && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		seen = append(seen, errs.take()...)
	}
	got := strings.Join(seen, "\n")
	if !strings.Contains(got, "Content Security Policy") {
		t.Errorf("the CSP refusals were not seen; the page reported %q", got)
	}
}
