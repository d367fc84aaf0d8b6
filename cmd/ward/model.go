package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/national"
	"github.com/wardhealth/ward/synth"
)

// fileResult is what validate and import say of one file.
type fileResult struct {
	File    string            `json:"file"`
	Valid   bool              `json:"valid"`
	Errors  []modelfile.Error `json:"errors,omitempty"`
	Summary *ward.Summary     `json:"summary,omitempty"`
	model   *ward.Model
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

// loadFiles reads and validates every file; I/O errors count as problems
// of that file.
func (o *options) loadFiles(paths []string) []fileResult {
	p := o.progress()
	out := make([]fileResult, len(paths))
	for i, path := range paths {
		p.step("reading %s", path)
		r := fileResult{File: path}
		var m *ward.Model
		var err error
		if path == "-" {
			r.File = "stdin"
			m, err = modelfile.Read(r.File, o.stdin, o.limits())
		} else {
			largeModel(path)
			m, err = modelfile.Load(path, o.limits())
		}
		switch es, ok := modelfile.AsErrors(err); {
		case err == nil:
			r.Valid, r.model = true, m
			s := m.Summarise(today())
			r.Summary = &s
		case ok:
			r.Errors = es
		default:
			r.Errors = []modelfile.Error{{File: path, Message: plainIOError(err)}}
		}
		out[i] = r
	}
	return out
}

func plainIOError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

func (o *options) printResults(verb string, results []fileResult) error {
	if o.format == "json" {
		return writeJSON(o.stdout, map[string]any{"files": results})
	}
	for _, r := range results {
		if r.Valid {
			s := r.Summary
			fmt.Fprintf(o.stdout, "%s: %s %s: %d assets, %d links, %d zones, %d services\n", r.File, verb, s.Organisation, s.Assets, s.Links, s.Zones, s.Services)
			continue
		}
		for _, e := range r.Errors {
			fmt.Fprintln(o.stdout, e.Error())
		}
		fmt.Fprintf(o.stdout, "%s: %d problem(s)\n", r.File, len(r.Errors))
	}
	return nil
}

func countInvalid(results []fileResult) int {
	n := 0
	for _, r := range results {
		if !r.Valid {
			n++
		}
	}
	return n
}

func validateCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check model files without storing them",
		Long: `Check hospital model files (YAML or JSON) and report every problem with
file:line:column, the field and a hint. Nothing is stored. A FILE of -
reads standard input (YAML, or JSON when it starts with {).

Exit code 0 when every file is valid, 1 when any is not.`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, paths []string) error {
			results := o.loadFiles(paths)
			if err := o.printResults("valid", results); err != nil {
				return err
			}
			if n := countInvalid(results); n > 0 {
				return invalidError{}
			}
			return nil
		},
	}
	addFormat(c, o, "text", "json")
	return c
}

func importCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "import FILE...",
		Short: "Store model files, replacing their organisations' models",
		Long: `Validate model files and store them, each in place of its organisation's
current model. The import is atomic: if any file has a problem, nothing is
stored and every problem is reported.`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, paths []string) error {
			results := o.loadFiles(paths)
			if countInvalid(results) > 0 {
				if err := o.printResults("valid", results); err != nil {
					return err
				}
				return invalidError{errors.New("nothing imported")}
			}
			seen := map[string]string{}
			models := make([]*ward.Model, len(results))
			for i, r := range results {
				id := r.model.Organisation.ID
				if prev, dup := seen[id]; dup {
					return invalidError{fmt.Errorf("%s and %s both describe organisation %q; nothing imported", prev, r.File, id)}
				}
				seen[id] = r.File
				models[i] = r.model
			}
			if err := o.store(c.Context(), models); err != nil {
				return err
			}
			return o.printResults("imported", results)
		},
	}
	addFormat(c, o, "text", "json")
	return c
}

func (o *options) store(ctx context.Context, models []*ward.Model) error {
	p := o.progress()
	s, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	p.step("storing %d model(s)", len(models))
	var entries []ward.AuditEntry
	for _, m := range models {
		sum := m.Summarise("")
		detail := fmt.Sprintf("%d assets, %d links, %d services", sum.Assets, sum.Links, sum.Services)
		entries = append(entries, cliEntry(m.Organisation.ID, "model.import", m.Organisation.ID, detail))
	}
	if err := putModels(ward.WithAudit(ctx, entries...), s, models); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	p.step("stored")
	return nil
}

// putModels writes models and makes again what each hospital shares with
// the hub, so that the national view reads the share rather than the
// whole model. Every command that writes a model writes it so.
func putModels(ctx context.Context, s ward.Store, models []*ward.Model) error {
	before, berr := s.Revisions(ctx)
	if err := s.PutModels(ctx, models); err != nil {
		return err
	}
	if after, err := s.Revisions(ctx); err == nil && berr == nil {
		_ = national.Reshare(context.WithoutCancel(ctx), s, models, national.Written(before, after, models)) // a lost shortcut at worst
	}
	return nil
}

// putModelAt is putModels for a write at a known revision (rev before
// it, rev+1 after).
func putModelAt(ctx context.Context, s ward.Store, m *ward.Model, rev int64) error {
	if err := s.PutModelAt(ctx, m, rev); err != nil {
		return err
	}
	_ = national.Reshare(context.WithoutCancel(ctx), s, []*ward.Model{m}, map[string]int64{m.Organisation.ID: rev + 1}) // a lost shortcut at worst
	return nil
}

func exportCmd(o *options) *cobra.Command {
	var org, output string
	c := &cobra.Command{
		Use:   "export",
		Short: "Write an organisation's stored model as a model file",
		Long: `Write an organisation's model from the store as a model file, to stdout
or --output. Importing the export gives back the same model.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withOrg(c.Context(), org, func(s ward.Store, id string) error {
				m, err := s.Model(c.Context(), id)
				if err != nil {
					return err
				}
				return o.writeModel(m, output)
			})
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().StringVarP(&output, "output", "o", "", "file to write (default: stdout)")
	addFormat(c, o, "yaml", "json")
	return c
}

// writeModel writes a model file to path, or stdout when path is empty. A
// file is written whole or not at all.
func (o *options) writeModel(m *ward.Model, path string) error {
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m, modelfile.Format(o.format)); err != nil {
		return err
	}
	if path == "" {
		_, err := o.stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "wrote %s: %s, %d assets, %d links, %d services (%s)\n", path, m.Organisation.ID,
		len(m.Assets), len(m.Links), len(m.Services), sizeText(int64(buf.Len())))
	return nil
}

// sizeText is a file size for people: 812 B, 14.2 KiB, 3.1 MiB.
func sizeText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func writeFileAtomic(path string, data []byte) error {
	return writeFileAtomicWith(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileAtomicWith is writeFileAtomic of what write writes.
func writeFileAtomicWith(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ward-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func demoCmd(o *options) *cobra.Command {
	var write string
	feeds := true
	c := &cobra.Command{
		Use:   "demo",
		Short: "Load the built-in demo hospital, St. Example General",
		Long: `Load St. Example General, a 400-bed hospital with the weaknesses real
hospitals have, into the store with the public advisories that name its
devices and an excerpt of CISA's KEV catalog ('ward feeds status' lists
them), and show a summary. With --write DIR, write its model file into DIR
instead, to read and edit.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if write != "" {
				if err := os.MkdirAll(write, 0o755); err != nil {
					return err
				}
				path := filepath.Join(write, demo.FileName)
				if err := writeFileAtomic(path, demo.File); err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]string{"written": path})
				}
				fmt.Fprintf(o.stdout, "wrote %s\n", path)
				return nil
			}
			m, err := demo.Model()
			if err != nil {
				return fmt.Errorf("demo model: %w", err)
			}
			if err := o.store(c.Context(), []*ward.Model{m}); err != nil {
				return err
			}
			// The advisories that name the demo's devices and a KEV
			// excerpt come with it, so its vulnerabilities show at once.
			if feeds {
				files, err := demoFeedFiles(time.Now())
				if err != nil {
					return fmt.Errorf("demo feeds: %w", err)
				}
				if err := o.putFeeds(c.Context(), files); err != nil {
					return err
				}
			}
			if o.format == "json" {
				return o.printSummary(m)
			}
			if err := o.printSummary(m); err != nil {
				return err
			}
			if err := o.printTopRisks(m, 5); err != nil {
				return err
			}
			o.printNext()
			return nil
		},
	}
	c.Flags().StringVar(&write, "write", "", "write the demo model file into this directory instead of loading it")
	c.Flags().BoolVar(&feeds, "feeds", true, "also store the demo's feeds (advisories naming its devices, a KEV excerpt); --feeds=false for the model alone")
	addFormat(c, o, "text", "json")
	return c
}

func genCmd(o *options) *cobra.Command {
	var n, sector int
	var seed uint64
	var output, variety string
	var perAsset float64
	c := &cobra.Command{
		Use:   "gen",
		Short: "Generate a synthetic hospital model",
		Long: fmt.Sprintf(`Generate a synthetic but realistic hospital model with --assets assets,
the same for the same --seed. Up to %d assets make one hospital; more make a
group of hospitals sharing a data centre. For benchmarks and tests.

--sector N makes a health sector instead, into the directory -o: a hub
(a health authority) with the national services (ePrescription erx,
patient summary ehr, eID and PKI eid, health information exchange hie)
and N hospitals of --assets assets whose external services bind to them
(docs/national.md). 'ward import DIR/*.yaml' stores them.

--links-per-asset F asks for F links per asset on average (the layout
itself has about 3.1: cabling and the flows every device needs), adding
application flows from clients and devices to the data centre.
--variety says how much assets differ: low (the default) dresses every
asset of a kind from a few templates; realistic gives each site asset its
own version (spread over the ranges the advisories name), its own
controls (drawn with documented probabilities) and its own number of
flows; high spreads all of it further (docs/cli.md, "ward gen").`, synth.SiteSize),
		Example: `  ward gen --assets 10000 -o hospital.yaml
  ward gen --assets 100000 --links-per-asset 10 --variety realistic --format json -o group.json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			v, err := synth.ParseVariety(variety)
			if err != nil {
				return usageError{fmt.Errorf("--%w", err)}
			}
			if sector > 0 {
				if c.Flags().Changed("variety") || c.Flags().Changed("links-per-asset") {
					return usageError{fmt.Errorf("--variety and --links-per-asset make one hospital; --sector's hospitals are made at low variety")}
				}
				return o.genSector(sector, n, seed, output)
			}
			if c.Flags().Changed("links-per-asset") && !(perAsset > 0) {
				return usageError{fmt.Errorf("--links-per-asset %v: give a number of links per asset above 0", perAsset)}
			}
			m, err := synth.Generate(synth.Options{Assets: n, Seed: seed, LinksPerAsset: perAsset, Variety: v})
			if err != nil {
				return usageError{err}
			}
			return o.writeModel(m, output)
		},
	}
	c.Flags().IntVar(&n, "assets", 1000, "number of assets (per hospital, with --sector)")
	c.Flags().IntVar(&sector, "sector", 0, "make a sector instead: this many hospitals and a hub with national services they bind to, one file each in the -o directory")
	c.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	c.Flags().StringVarP(&output, "output", "o", "", "file to write (default: stdout)")
	c.Flags().Float64Var(&perAsset, "links-per-asset", 0, "links per asset on average, at least the layout's about 3.1 (default: the layout's)")
	c.Flags().StringVar(&variety, "variety", "low", "how much assets differ: low|realistic|high")
	addFormat(c, o, "yaml", "json")
	return c
}

func schemaCmd(o *options) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of model files, for editors",
		Long: `Print a JSON Schema (draft 2020-12) of Ward model files. Point your editor's
YAML or JSON language server at it for completion and checks as you type;
'ward validate' remains the full check.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := modelfile.Schema()
			if err != nil {
				return err
			}
			s = append(s, '\n')
			if output != "" {
				return writeFileAtomic(output, s)
			}
			_, err = o.stdout.Write(s)
			return err
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "file to write (default: stdout)")
	return c
}
