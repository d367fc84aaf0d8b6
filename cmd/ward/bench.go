package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/synth"
)

// benchResult is one measured scenario.
type benchResult struct {
	Scenario string  `json:"scenario"`
	Assets   int     `json:"assets"`
	Links    int     `json:"links"`
	Variety  string  `json:"variety"`
	Format   string  `json:"format"`
	Store    string  `json:"store,omitempty"`
	FileMiB  float64 `json:"file_mib"`
	Seconds  float64 `json:"seconds"`
	// StoreSeconds is the part of an import spent writing to the store.
	StoreSeconds float64 `json:"store_seconds,omitempty"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
}

func benchCmd(o *options) *cobra.Command {
	var sizes, linkSizes, varieties string
	var seed uint64
	var withPostgres bool
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure parsing and import speed on generated hospitals",
		Long: `Generate hospitals of the given sizes, then measure, each in a fresh
process so that peak memory is its own: parsing and validating the model
file (YAML and JSON), importing it into the embedded store in a temporary
directory, and assessing it (the time after reading the file). With --postgres, also import into the database --db
names, as organisations called bench-N that are deleted afterwards.

Each size is measured at each --variety: realistic (each asset of a site
with its own version, controls and links, as real inventories are) and low
(every asset of a kind from a few templates) by default, so that what
assets alike save shows beside it.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			var ns, ls []int
			for _, s := range strings.Split(sizes, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n < synth.MinAssets {
					return usageError{fmt.Errorf("--assets: %q is not a size of at least %d", s, synth.MinAssets)}
				}
				ns = append(ns, n)
			}
			if linkSizes != "" {
				for _, s := range strings.Split(linkSizes, ",") {
					n, err := strconv.Atoi(strings.TrimSpace(s))
					if err != nil || n < 0 {
						return usageError{fmt.Errorf("--links: %q is not a number of links", s)}
					}
					ls = append(ls, n)
				}
				if len(ls) != len(ns) {
					return usageError{fmt.Errorf("--links needs one number per --assets size")}
				}
			}
			var vs []synth.Variety
			for _, s := range strings.Split(varieties, ",") {
				v, err := synth.ParseVariety(strings.TrimSpace(s))
				if err != nil || strings.TrimSpace(s) == "" {
					return usageError{fmt.Errorf("--variety: %q is not low, realistic or high", s)}
				}
				vs = append(vs, v)
			}
			if withPostgres && o.db == "" && os.Getenv("WARD_DB") == "" {
				return usageError{errors.New("--postgres needs --db with a postgres:// URL")}
			}
			dir, err := os.MkdirTemp("", "ward-bench")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			self, err := os.Executable()
			if err != nil {
				return err
			}
			p := o.progress()
			// Steps are shown even when stderr is not a terminal: a
			// benchmark is watched, and its results go to stdout.
			p.on = true
			if p.w == nil {
				p.w = o.stderr
			}
			var results []benchResult
			for si, n := range ns {
				for _, v := range vs {
					links := 0
					if ls != nil {
						links = ls[si]
					}
					rs, err := benchSize(c, o, dir, self, p, n, links, seed, v, withPostgres)
					if err != nil {
						return err
					}
					results = append(results, rs...)
				}
			}
			if o.format == "json" {
				return writeJSON(o.stdout, map[string]any{"cores": runtime.NumCPU(), "go": runtime.Version(), "results": results})
			}
			fmt.Fprintf(o.stdout, "%d cores, %s\n", runtime.NumCPU(), runtime.Version())
			tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "SCENARIO\tASSETS\tLINKS\tVARIETY\tFORMAT\tSTORE\tFILE MiB\tSECONDS\tSTORE SECONDS\tPEAK RSS MiB\t")
			for _, r := range results {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%.1f\t%.3f\t%.3f\t%.0f\t\n", r.Scenario, r.Assets, r.Links, r.Variety, r.Format, r.Store, r.FileMiB, r.Seconds, r.StoreSeconds, r.PeakRSSMiB)
			}
			return tw.Flush()
		},
	}
	c.AddCommand(benchGenCmd(o))
	c.Flags().StringVar(&sizes, "assets", "10000,100000", "comma-separated hospital sizes")
	c.Flags().StringVar(&linkSizes, "links", "", "comma-separated link counts, one per size (default: what the layout gives, about 3.2 per asset)")
	c.Flags().Uint64Var(&seed, "seed", 1, "random seed of the generated hospitals")
	c.Flags().StringVar(&varieties, "variety", "realistic,low", "comma-separated varieties each size is measured at: low|realistic|high")
	c.Flags().BoolVar(&withPostgres, "postgres", false, "also import into PostgreSQL (--db)")
	addFormat(c, o, "text", "json")
	return c
}

// benchSize generates the hospital of n assets at variety v and measures
// each scenario on it in a fresh process.
func benchSize(c *cobra.Command, o *options, dir, self string, p *progress, n, links int, seed uint64, v synth.Variety, withPostgres bool) ([]benchResult, error) {
	m, err := synth.Generate(synth.Options{Assets: n, Seed: seed, Links: links, Variety: v})
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	for _, f := range []modelfile.Format{modelfile.YAML, modelfile.JSON} {
		var buf bytes.Buffer
		if err := modelfile.Write(&buf, m, f); err != nil {
			return nil, err
		}
		path := filepath.Join(dir, fmt.Sprintf("h%d-%s.%s", n, v, f))
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			return nil, err
		}
		files[string(f)] = path
	}
	m = nil
	runtime.GC()
	type job struct{ scenario, format, store string }
	jobs := []job{{"parse", "yaml", ""}, {"parse", "json", ""}, {"import", "json", "sqlite"}, {"import", "yaml", "sqlite"}, {"assess", "json", ""}, {"quantify", "json", ""}}
	if withPostgres {
		jobs = append(jobs, job{"import", "json", "postgres"})
	}
	var results []benchResult
	for _, j := range jobs {
		p.step("%s %d assets, %s variety (%s%s)", j.scenario, n, v, j.format, map[bool]string{true: ", " + j.store}[j.store != ""])
		argv := []string{"bench-run", j.scenario, files[j.format], "--max-size", strconv.FormatInt(o.maxSize, 10)}
		if j.store == "sqlite" {
			argv = append(argv, "--data", filepath.Join(dir, fmt.Sprintf("store-%d-%s-%s", n, v, j.format)))
		} else if j.store == "postgres" {
			argv = append(argv, "--db", o.postgresURL())
		}
		cmd := exec.CommandContext(c.Context(), self, argv...)
		cmd.Stderr = o.stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("bench %s %d (%s): %w", j.scenario, n, v, err)
		}
		var r benchResult
		if err := json.Unmarshal(out, &r); err != nil {
			return nil, fmt.Errorf("bench %s %d (%s): %w", j.scenario, n, v, err)
		}
		r.Store, r.Format, r.Variety = j.store, j.format, string(v)
		if st, err := os.Stat(files[j.format]); err == nil {
			r.FileMiB = float64(st.Size()) / (1 << 20)
		}
		results = append(results, r)
	}
	return results, nil
}

// benchGenCmd writes a generated hospital of a chosen size and link count,
// the input of bench/perf.sh, without holding the file in memory beside
// the model: a million assets with ten million links make some GiB.
func benchGenCmd(o *options) *cobra.Command {
	var n, links int
	var seed uint64
	var output string
	c := &cobra.Command{
		Use:   "gen -o FILE",
		Short: "Write a generated hospital with a given number of links",
		Long: `Write the generated hospital of --assets assets (--seed as for 'ward gen')
with --links links in all (added as application flows when above what the
layout gives, about 3.2 per asset), to measure with bench/perf.sh.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if output == "" {
				return usageError{errors.New("-o FILE is required")}
			}
			m, err := synth.Generate(synth.Options{Assets: n, Seed: seed, Links: links})
			if err != nil {
				return usageError{err}
			}
			// Written whole or not at all: a run cut short leaves no
			// half file for perf.sh to take as an input it already has.
			err = writeFileAtomicWith(output, func(w io.Writer) error {
				bw := bufio.NewWriterSize(w, 1<<20)
				if err := modelfile.Write(bw, m, modelfile.Format(o.format)); err != nil {
					return err
				}
				return bw.Flush()
			})
			if err != nil {
				return fmt.Errorf("write %s: %w", output, err)
			}
			fmt.Fprintf(o.stdout, "wrote %s: %d assets, %d links\n", output, len(m.Assets), len(m.Links))
			return nil
		},
	}
	c.Flags().IntVar(&n, "assets", 1000, "number of assets")
	c.Flags().IntVar(&links, "links", 0, "number of links in all (default: what the layout gives)")
	c.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	c.Flags().StringVarP(&output, "output", "o", "", "file to write")
	addFormat(c, o, "yaml", "json")
	return c
}

func (o *options) postgresURL() string {
	if o.db != "" {
		return o.db
	}
	return os.Getenv("WARD_DB")
}

// benchRunCmd is the measured half of bench, run in a child process.
func benchRunCmd(o *options) *cobra.Command {
	return &cobra.Command{
		Use:    "bench-run parse|import|assess|quantify FILE",
		Hidden: true,
		Args:   args(cobra.ExactArgs(2)),
		RunE: func(c *cobra.Command, a []string) error {
			scenario, path := a[0], a[1]
			start := time.Now()
			m, err := modelfile.Load(path, o.limits())
			if err != nil {
				return err
			}
			r := benchResult{Scenario: scenario, Assets: len(m.Assets), Links: len(m.Links)}
			switch scenario {
			case "quantify":
				// 10,000 simulated years of the assessed model; the
				// assessment is the row above.
				cat, err := catalog.Load()
				if err != nil {
					return err
				}
				res, err := assess.Assess(m, cat, assess.Options{Today: today()})
				if err != nil {
					return err
				}
				t := time.Now()
				if _, err := quantify.Quantify(m, cat, res, quantify.Options{}); err != nil {
					return err
				}
				r.Seconds = time.Since(t).Seconds()
			case "assess":
				cat, err := catalog.Load()
				if err != nil {
					return err
				}
				t := time.Now()
				if _, err := assess.Assess(m, cat, assess.Options{Today: today()}); err != nil {
					return err
				}
				r.Seconds = time.Since(t).Seconds()
			case "import":
				m.Organisation.ID = fmt.Sprintf("bench-%d", len(m.Assets))
				s, err := o.openStore(c.Context())
				if err != nil {
					return err
				}
				defer s.Close()
				t := time.Now()
				if err := s.PutModels(c.Context(), []*ward.Model{m}); err != nil {
					return err
				}
				r.StoreSeconds = time.Since(t).Seconds()
				r.Seconds = time.Since(start).Seconds()
				if o.postgresURL() != "" {
					if err := s.DeleteOrganisation(c.Context(), m.Organisation.ID); err != nil {
						return err
					}
				}
			default:
				r.Seconds = time.Since(start).Seconds()
			}
			r.PeakRSSMiB = peakRSS()
			return writeJSON(o.stdout, r)
		},
	}
}

// peakRSS reads this process's peak resident memory (VmHWM) in MiB, or 0
// where /proc does not tell.
func peakRSS() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
