package main

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/share"
)

// feedFiles are the offline feed files a command reads, and whether it
// also reads the stored feeds.
type feedFiles struct {
	advisories, nvd []string
	kev, epss       string
	stored          bool
	// vendors is the catalog's vendor lineage, when the command loaded a
	// catalog (--catalog); nil for the built-in one.
	vendors []catalog.Vendor
}

func (f *feedFiles) flags(c *cobra.Command) {
	c.Flags().StringArrayVar(&f.advisories, "advisories", nil, "CSAF 2.0 advisory file or directory (repeatable)")
	c.Flags().StringVar(&f.kev, "kev", "", "CISA KEV catalog file, to mark exploited vulnerabilities")
	c.Flags().StringVar(&f.epss, "epss", "", "FIRST EPSS CSV file (plain or gzipped)")
	c.Flags().StringArrayVar(&f.nvd, "nvd", nil, "NVD CVE API 2.0 page file or directory, matched by CPE (repeatable)")
	c.Flags().BoolVar(&f.stored, "stored-feeds", true, "also use the feeds kept in the store ('ward feeds'); default: yes for the stored model, no for a FILE")
}

// loadMatches matches the feeds a command names, and the stored ones when
// it uses them, against the model's assets. It returns nil when there are
// no feeds at all.
func (o *options) loadMatches(c *cobra.Command, m *ward.Model, files []string, f feedFiles) ([]intel.Match, error) {
	feeds, err := o.loadFeeds(c, m.Organisation.ID, len(files) == 0, f)
	if err != nil || feeds.Empty() {
		return nil, err
	}
	if len(feeds.Advisories) == 0 && len(feeds.NVD) == 0 {
		return []intel.Match{}, nil
	}
	return feeds.Matcher().Match(m.Assets), nil
}

// loadFeeds reads the feeds a command names and, when it uses them (by
// default when storedByDefault, else with --stored-feeds), the stored ones
// with the advisories shared with the organisation.
func (o *options) loadFeeds(c *cobra.Command, org string, storedByDefault bool, f feedFiles) (*intel.Feeds, error) {
	stored := f.stored
	if !c.Flags().Changed("stored-feeds") {
		stored = storedByDefault
	}
	feeds := &intel.Feeds{}
	if stored {
		s, err := o.openStore(c.Context())
		if err != nil {
			return nil, err
		}
		feeds, err = intel.LoadStored(c.Context(), s)
		if err == nil {
			// Advisories shared over TAXII count as the server counts them.
			var shared []*intel.Advisory
			shared, err = share.StoredAdvisories(c.Context(), s, org)
			feeds.Advisories = append(feeds.Advisories, shared...)
		}
		s.Close()
		if err != nil {
			return nil, err
		}
	}
	advs, err := intel.LoadAdvisories(f.advisories...)
	if err != nil {
		return nil, invalidError{err}
	}
	feeds.Advisories = append(feeds.Advisories, advs...)
	feeds.Vendors = f.vendors
	if f.kev != "" {
		if feeds.KEV, err = intel.LoadKEV(f.kev); err != nil {
			return nil, invalidError{err}
		}
	}
	if len(f.nvd) > 0 {
		cves, err := intel.LoadNVD(f.nvd...)
		if err != nil {
			return nil, invalidError{err}
		}
		feeds.AddCVEs(cves)
	}
	if f.epss != "" {
		file, err := os.Open(f.epss)
		if err != nil {
			return nil, invalidError{err}
		}
		defer file.Close()
		if feeds.EPSS, feeds.EPSSDate, err = intel.ParseEPSS(f.epss, file); err != nil {
			return nil, invalidError{err}
		}
	}
	return feeds, nil
}

func feedsCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "feeds",
		Short: "Keep vulnerability feeds in the store: import, fetch, status",
		Long: `Ward keeps the vulnerability feeds in its store, shared by every
organisation there: CSAF 2.0 advisories (CISA's medical-device advisories),
CISA's Known Exploited Vulnerabilities catalog, NVD CVE API 2.0 pages and
FIRST's EPSS scores. Assessments of the stored model use them.

Offline first: carry the files in and 'ward feeds import' them; where the
network allows, 'ward feeds fetch' downloads them from the official sources
or from a mirror inside the hospital.`,
	}
	c.AddCommand(feedsImportCmd(o), feedsStatusCmd(o), feedsFetchCmd(o), feedsRemoveCmd(o))
	return c
}

// feedFileExt tells whether a file in a directory may be a feed.
func feedFileExt(name string) bool {
	name = strings.ToLower(name)
	for _, ext := range []string{".json", ".json.gz", ".csv", ".csv.gz"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func feedsImportCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import feed files or directories into the store",
		Long: `Import feed files: each is recognised by its content (CSAF 2.0 advisory,
KEV catalog, NVD CVE API 2.0 page, EPSS CSV, plain or gzipped). A file named
on the command line must be a feed; in a directory (read recursively) files
that are not feeds are skipped and counted. Every feed must parse: one
broken file and nothing is imported. A newer file replaces the stored one of
the same advisory, the KEV catalog, the EPSS scores, or NVD page name.`,
		Example: `  ward feeds import ./csaf known_exploited_vulnerabilities.json epss_scores-current.csv.gz
  ward feeds import /media/usb/nvd`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, paths []string) error {
			type file struct {
				path  string
				size  int64
				named bool
			}
			var todo []file
			var total int64
			for _, p := range paths {
				st, err := os.Stat(p)
				if err != nil {
					return invalidError{err}
				}
				if !st.IsDir() {
					todo = append(todo, file{p, st.Size(), true})
					total += st.Size()
					continue
				}
				err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
					if err != nil {
						return err
					}
					if d.Type().IsRegular() && feedFileExt(d.Name()) {
						info, err := d.Info()
						if err != nil {
							return err
						}
						todo = append(todo, file{path, info.Size(), false})
						total += info.Size()
					}
					return nil
				})
				if err != nil {
					return invalidError{err}
				}
			}
			bar := o.progress()
			now := time.Now()
			var out []ward.FeedFile
			skipped := []string{}
			var done int64
			for _, f := range todo {
				if f.size > intel.MaxFeedBytes {
					return invalidError{fmt.Errorf("%s: larger than %d MiB", f.path, intel.MaxFeedBytes>>20)}
				}
				data, err := os.ReadFile(f.path)
				if err != nil {
					return invalidError{err}
				}
				done += f.size
				bar.bytes("importing "+filepath.Base(f.path), done, total)
				if !f.named && intel.Kind(data) == "" {
					skipped = append(skipped, f.path)
					continue
				}
				abs, _ := filepath.Abs(f.path)
				ff, err := (&intel.Feeds{}).Read(f.path, abs, data, now)
				if err != nil {
					bar.done()
					return invalidError{fmt.Errorf("%w (nothing imported)", err)}
				}
				out = append(out, ff)
			}
			bar.done()
			if len(out) == 0 {
				return invalidError{fmt.Errorf("no feed files found in %s", strings.Join(paths, ", "))}
			}
			if err := o.putFeeds(c.Context(), out); err != nil {
				return err
			}
			return o.reportImported(out, skipped)
		},
	}
	addFormat(c, o, "text", "json")
	return c
}

func (o *options) putFeeds(ctx context.Context, files []ward.FeedFile) error {
	s, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.PutFeeds(feedsAudited(ctx, "feeds.import", files), files)
}

// feedsAudited is ctx carrying the audit entry of storing feed files.
func feedsAudited(ctx context.Context, action string, files []ward.FeedFile) context.Context {
	names := make([]string, 0, min(len(files), 21))
	for i, f := range files {
		if i == 20 {
			names = append(names, fmt.Sprintf("and %d more", len(files)-20))
			break
		}
		names = append(names, fmt.Sprintf("%s %s (%d items, sha256 %.12s)", f.Kind, f.Name, f.Items, f.SHA256))
	}
	return cliAudited(ctx, "", action, fmt.Sprintf("%d file(s)", len(files)), strings.Join(names, "; "))
}

// reportImported prints what an import or a fetch stored.
func (o *options) reportImported(files []ward.FeedFile, skipped []string) error {
	feeds := make([]ward.Feed, len(files))
	for i, f := range files {
		feeds[i] = f.Feed
	}
	if o.format == "json" {
		return writeJSON(o.stdout, map[string]any{"imported": feeds, "skipped": skipped})
	}
	for _, k := range summarise(feeds) {
		fmt.Fprintf(o.stdout, "%-5s %5d file(s), %7d %s\n", k.Kind, k.Files, k.Items, itemsWord(k.Kind))
	}
	if len(skipped) > 0 {
		fmt.Fprintf(o.stdout, "skipped %d file(s) that are not feeds, such as %s\n", len(skipped), skipped[0])
	}
	return nil
}

func itemsWord(k ward.FeedKind) string {
	switch k {
	case ward.FeedCSAF:
		return "vulnerabilities in advisories"
	case ward.FeedKEV:
		return "exploited CVEs"
	case ward.FeedNVD:
		return "CVE records"
	}
	return "scores"
}

// kindSummary sums up the stored files of one kind.
type kindSummary struct {
	Kind      ward.FeedKind `json:"kind"`
	Files     int           `json:"files"`
	Items     int           `json:"items"`
	Bytes     int64         `json:"bytes"`
	Published string        `json:"published,omitempty"`
	Imported  time.Time     `json:"imported"`
	// Stale: imported more than a week ago (KEV, EPSS and NVD change
	// daily).
	Stale bool `json:"stale"`
}

func summarise(feeds []ward.Feed) []kindSummary {
	var out []kindSummary
	for _, kind := range ward.FeedKinds {
		k := kindSummary{Kind: kind}
		for _, f := range feeds {
			if f.Kind != kind {
				continue
			}
			k.Files++
			k.Items += f.Items
			k.Bytes += f.Size
			k.Published = max(k.Published, f.Published)
			if f.Imported.After(k.Imported) {
				k.Imported = f.Imported
			}
		}
		if k.Files > 0 {
			k.Stale = time.Since(k.Imported) > 7*24*time.Hour
			out = append(out, k)
		}
	}
	return out
}

func feedsStatusCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "status",
		Short: "What feeds the store holds, and from when",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				feeds, err := s.Feeds(c.Context())
				if err != nil {
					return err
				}
				kinds := summarise(feeds)
				if o.format == "json" {
					if kinds == nil {
						kinds = []kindSummary{}
					}
					return writeJSON(o.stdout, map[string]any{"kinds": kinds, "feeds": feeds})
				}
				if len(kinds) == 0 {
					fmt.Fprintln(o.stdout, "No feeds stored. Import files with 'ward feeds import PATH...' or download them with 'ward feeds fetch'.")
					return nil
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "FEED\tFILES\tITEMS\tSIZE\tPUBLISHED\tIMPORTED\t")
				for _, k := range kinds {
					note := ""
					if k.Stale {
						note = "stale: run 'ward feeds fetch' or import a newer file"
					}
					fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f MiB\t%s\t%s\t%s\n", k.Kind, k.Files, k.Items, float64(k.Bytes)/(1<<20),
						orDash(k.Published[:min(10, len(k.Published))]), k.Imported.Local().Format("2006-01-02 15:04"), note)
				}
				return tw.Flush()
			})
		},
	}
	addFormat(c, o, "text", "json")
	return c
}

func feedsRemoveCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:       "remove KIND|all",
		Short:     "Remove the stored feeds of a kind (csaf, kev, nvd, epss) or all",
		Args:      args(cobra.ExactArgs(1)),
		ValidArgs: []string{"csaf", "kev", "nvd", "epss", "all"},
		RunE: func(c *cobra.Command, a []string) error {
			kind := ward.FeedKind(a[0])
			if a[0] == "all" {
				kind = ""
			} else if !slices.Contains(ward.FeedKinds, kind) {
				return usageError{fmt.Errorf("feed kind %q: use csaf, kev, nvd, epss or all", a[0])}
			}
			return o.withStore(c.Context(), func(s ward.Store) error {
				n, err := s.DeleteFeeds(cliAudited(c.Context(), "", "feeds.remove", map[bool]string{true: "all kinds", false: string(kind)}[kind == ""], ""), kind)
				if err != nil {
					return err
				}
				fmt.Fprintf(o.stdout, "removed %d feed file(s)\n", n)
				return nil
			})
		},
	}
	return c
}

func feedsFetchCmd(o *options) *cobra.Command {
	var only []string
	var mirror, csafPrefix string
	src := intel.Official
	var nvdDelay, timeout, retryWait time.Duration
	c := &cobra.Command{
		Use:   "fetch",
		Short: "Download the feeds from their official sources or a mirror",
		Long: `Download the feeds and store them, as 'ward feeds import' would: the KEV
catalog, the EPSS scores and CISA's CSAF advisories (medical-device ones,
"icsma-", unless --csaf-prefix says otherwise) by default; the NVD (large:
about 150 pages of 2,000 CVEs, six seconds apart without an API key) when
--only names it. CSAF and NVD fetches are incremental: only advisories
changed since the last fetch, only CVEs modified since (up to 120 days).

Sources: the official URLs, or --mirror BASE laid out as
  BASE/known_exploited_vulnerabilities.json
  BASE/epss_scores-current.csv.gz
  BASE/csaf/index.txt (and changes.csv) with the advisories it lists
  BASE/nvd/index.txt with the NVD pages it lists
(also $WARD_FEEDS_MIRROR), or one URL per feed. $NVD_API_KEY is sent to the
NVD API and never printed. Every file must parse before anything is stored.`,
		Example: `  ward feeds fetch
  ward feeds fetch --only kev,epss
  ward feeds fetch --mirror https://mirror.hospital.example/feeds --only kev,epss,csaf,nvd`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			for _, k := range only {
				if !slices.Contains(ward.FeedKinds, ward.FeedKind(k)) {
					return usageError{fmt.Errorf("--only %q: use csaf, kev, nvd or epss", k)}
				}
			}
			if mirror == "" {
				mirror = os.Getenv("WARD_FEEDS_MIRROR")
			}
			if mirror != "" {
				m := intel.Mirror(mirror)
				for flag, v := range map[string]*string{"kev-url": &src.KEV, "epss-url": &src.EPSS, "csaf-url": &src.CSAF, "nvd-url": &src.NVD} {
					if !c.Flags().Changed(flag) {
						*v = map[string]string{"kev-url": m.KEV, "epss-url": m.EPSS, "csaf-url": m.CSAF, "nvd-url": m.NVD}[flag]
					}
				}
			}
			ctx := c.Context()
			s, err := o.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			stored, err := s.Feeds(ctx)
			if err != nil {
				return err
			}
			bar := o.progress()
			f := &intel.Fetcher{Client: &http.Client{Timeout: timeout}, UserAgent: "ward/" + version, NVDKey: os.Getenv("NVD_API_KEY"),
				NVDDelay: nvdDelay, Retries: 3, Backoff: retryWait, Progress: bar.bytes}
			if f.NVDKey != "" && !c.Flags().Changed("nvd-delay") {
				f.NVDDelay = 600 * time.Millisecond
			}
			var got []intel.Fetched
			kinds := map[string]ward.FeedKind{}
			add := func(kind ward.FeedKind, fs ...intel.Fetched) {
				for _, x := range fs {
					got = append(got, x)
					kinds[x.Source] = kind
				}
			}
			for _, k := range only {
				bar.step("fetching %s", k)
				switch ward.FeedKind(k) {
				case ward.FeedKEV, ward.FeedEPSS:
					url := map[string]string{"kev": src.KEV, "epss": src.EPSS}[k]
					data, err := f.Get(ctx, url, nil)
					if err != nil {
						return fmt.Errorf("fetch %s: %w", k, err)
					}
					add(ward.FeedKind(k), intel.Fetched{Name: filepath.Base(url), Source: url, Data: data})
				case ward.FeedCSAF:
					have := map[string]time.Time{}
					for _, x := range stored {
						if x.Kind == ward.FeedCSAF {
							have[x.Name] = x.Imported
						}
					}
					fs, err := f.CSAF(ctx, src.CSAF, csafPrefix, func(id string) time.Time { return have[strings.ToLower(id)] })
					if err != nil {
						return fmt.Errorf("fetch csaf: %w", err)
					}
					add(ward.FeedCSAF, fs...)
				case ward.FeedNVD:
					var since time.Time
					for _, x := range stored {
						if x.Kind == ward.FeedNVD && strings.HasPrefix(x.Name, "api-") && x.Imported.After(since) {
							since = x.Imported
						}
					}
					fs, err := f.NVD(ctx, src.NVD, since, time.Now())
					if err != nil {
						return fmt.Errorf("fetch nvd: %w", err)
					}
					add(ward.FeedNVD, fs...)
				}
			}
			bar.done()
			now := time.Now()
			var out []ward.FeedFile
			for _, x := range got {
				ff, err := (&intel.Feeds{}).Read(x.Name, x.Source, x.Data, now)
				if err != nil {
					return invalidError{fmt.Errorf("%s: %w (nothing stored)", x.Source, err)}
				}
				if ff.Kind != kinds[x.Source] {
					return invalidError{fmt.Errorf("%s: expected a %s feed, got %s (nothing stored)", x.Source, kinds[x.Source], ff.Kind)}
				}
				out = append(out, ff)
			}
			if len(out) > 0 {
				if err := s.PutFeeds(feedsAudited(ctx, "feeds.fetch", out), out); err != nil {
					return err
				}
			}
			if len(out) == 0 && o.format != "json" {
				fmt.Fprintln(o.stdout, "Nothing new.")
				return nil
			}
			return o.reportImported(out, []string{})
		},
	}
	c.Flags().StringSliceVar(&only, "only", []string{"kev", "epss", "csaf"}, "feeds to fetch: kev, epss, csaf, nvd")
	c.Flags().StringVar(&mirror, "mirror", "", "base URL of a feed mirror (see above)")
	c.Flags().StringVar(&src.KEV, "kev-url", src.KEV, "URL of the KEV catalog")
	c.Flags().StringVar(&src.EPSS, "epss-url", src.EPSS, "URL of the EPSS scores")
	c.Flags().StringVar(&src.CSAF, "csaf-url", src.CSAF, "URL of a CSAF directory (index.txt, changes.csv)")
	c.Flags().StringVar(&src.NVD, "nvd-url", src.NVD, "NVD CVE API 2.0 URL, or a directory of pages ending in /")
	c.Flags().StringVar(&csafPrefix, "csaf-prefix", "icsma-", `fetch the CSAF files whose names start with this ("" for all)`)
	c.Flags().DurationVar(&nvdDelay, "nvd-delay", 6*time.Second, "pause between NVD API requests")
	c.Flags().DurationVar(&retryWait, "retry-wait", 2*time.Second, "first pause before retrying a failed download (doubled each time, 3 retries)")
	c.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "time limit of each download")
	addFormat(c, o, "text", "json")
	return c
}
