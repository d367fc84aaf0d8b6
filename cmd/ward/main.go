// Command ward is Ward's command line: cyber-risk and resilience for smart
// hospitals. This file wires commands to the packages that do the work.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/internal/jsonout"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/store/postgres"
	"github.com/wardhealth/ward/store/sqlite"
)

// Exit codes, documented in docs/cli.md.
const (
	exitOK      = 0 // success
	exitInvalid = 1 // the input is invalid: a model with errors, an import refused
	exitUsage   = 2 // the command line is wrong
	exitFailure = 3 // Ward could not do its work: store, file system, network
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type usageError struct{ error }
type invalidError struct{ error }

// lookupError is invalid input named on the command line, such as an asset
// the model lacks: exit 1, with the command's help hint.
type lookupError struct{ error }

// stopGrace is how long a command may take to stop after an interrupt
// or SIGTERM before Ward exits without it.
const stopGrace = 15 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal asks the command to stop (a server shuts down,
		// a plan stops between candidates); commands that cannot stop
		// midway, or a read that waits for input, must not hold Ward
		// up: a second signal stops it at once (the default handling is
		// back), and it stops by itself after stopGrace.
		<-ctx.Done()
		stop()
		fmt.Fprintln(os.Stderr, "ward: stopping (again to stop at once)")
		time.Sleep(stopGrace)
		fmt.Fprintln(os.Stderr, "ward: stopped before the command was done")
		os.Exit(130)
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// On a terminal, control characters in what is printed are escaped.
	tty := terminals{out: isTerminal(stdout)}
	if tty.out {
		safe := &termSafe{w: stdout}
		defer safe.Flush()
		stdout = safe
	}
	if isTerminal(stderr) {
		tty.err = stderr
		safe := &termSafe{w: stderr}
		defer safe.Flush()
		stderr = safe
	}
	root := newRoot(stdin, stdout, stderr, tty)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if cmd == nil {
		cmd = root
	}
	hint := fmt.Sprintf("Run '%s --help' for usage.", cmd.CommandPath())
	var ue usageError
	var ie invalidError
	var le lookupError
	switch {
	case errors.As(err, &le):
		fmt.Fprintln(stderr, "ward:", le.error)
		fmt.Fprintln(stderr, hint)
		return exitInvalid
	case errors.As(err, &ie):
		if ie.error != nil {
			fmt.Fprintln(stderr, "ward:", ie.error)
		}
		return exitInvalid
	case errors.As(err, &ue), strings.HasPrefix(err.Error(), "unknown command"), strings.HasPrefix(err.Error(), "unknown shorthand flag"):
		fmt.Fprintln(stderr, "ward:", err)
		fmt.Fprintln(stderr, hint)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "ward:", err)
		return exitFailure
	}
}

// options are the flags every command shares.
type options struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	data           string
	db             string
	format         string
	maxSize        int64
	tty            terminals
	// keyFile holds the key of the audit chain and of device cookies;
	// headFile the head of the audit chain. Both live outside the
	// database (default: in the data directory).
	keyFile, headFile string
}

// terminals are which of the standard outputs are terminals: out, and err
// unwrapped for the progress line (what else goes to stderr is escaped).
type terminals struct {
	out bool
	err io.Writer
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer, tty terminals) *cobra.Command {
	o := &options{stdin: stdin, stdout: stdout, stderr: stderr, tty: tty}
	root := &cobra.Command{
		Use:   "ward",
		Short: "Cyber-risk and resilience for smart hospitals and eHealth services",
		Long: `Ward keeps a model of a hospital — its assets, links, zones and clinical
services — and tells what can hurt patients and what to fix first.

Start with the demo hospital:
  ward serve --demo          the dashboard on St. Example General (prints the URL and a password)
  ward demo                  load St. Example General into the store and show a summary
  ward assets --exposed      what the Internet can reach
  ward demo --write DIR      write the demo model out to read and edit

The embedded store lives in --data (default: $WARD_DATA, else
$XDG_DATA_HOME/ward or ~/.local/share/ward); --db postgres://... uses
PostgreSQL instead (default: $WARD_DB).`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&o.data, "data", "", "data directory of the embedded store")
	pf.StringVar(&o.db, "db", "", "PostgreSQL URL (postgres://...) to use instead of the embedded store")
	pf.Int64Var(&o.maxSize, "max-size", modelfile.DefaultLimits.MaxBytes>>20, "largest model file accepted, in MiB")
	pf.StringVar(&o.keyFile, "key", "", "key file of the audit chain and of sign-in device cookies, outside the database (default: ward.key in the data directory; $WARD_KEY)")
	pf.StringVar(&o.headFile, "audit-head", "", "file the audit chain's head is written to after every write (default: audit.head in the data directory; $WARD_AUDIT_HEAD)")
	root.AddCommand(
		validateCmd(o), profiled(importCmd(o)), exportCmd(o), assetsCmd(o), linksCmd(o),
		orgsCmd(o), summaryCmd(o), demoCmd(o), profiled(genCmd(o)), schemaCmd(o), kindsCmd(o),
		profiled(assessCmd(o)), profiled(whatifCmd(o)), profiled(planCmd(o)), vulnsCmd(o), sbomCmd(o), feedsCmd(o), serveCmd(o), usersCmd(o), auditCmd(o), shareCmd(o),
		discoverCmd(o), benchCmd(o), benchRunCmd(o), detectCmd(o), procureCmd(o), incidentCmd(o),
		nationalCmd(o),
	)
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes a command that only groups others (ward
// share, ward feeds, ...) refuse an unknown subcommand as the root does,
// rather than print its help and succeed.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if c.Parent() == nil || !c.HasSubCommands() || c.Run != nil || c.RunE != nil {
		return
	}
	c.Args = func(c *cobra.Command, a []string) error {
		if len(a) == 0 {
			return nil
		}
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		hint := ""
		if s := ward.Closest(a[0], names); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		return usageError{fmt.Errorf("unknown command %q for %q%s", a[0], c.CommandPath(), hint)}
	}
	c.RunE = func(c *cobra.Command, a []string) error { return c.Help() }
}

// formatAliases are other names of --format values: --format markdown is md.
var formatAliases = map[string]string{"markdown": "md", "yml": "yaml", "htm": "html"}

// addFormat adds --format with the allowed values, the first the default.
func addFormat(c *cobra.Command, o *options, values ...string) {
	format := c.Flags().String("format", values[0], "output format: "+strings.Join(values, "|"))
	prev := c.PreRunE
	c.PreRunE = func(c *cobra.Command, args []string) error {
		f := strings.ToLower(*format)
		if a, ok := formatAliases[f]; ok && slices.Contains(values, a) {
			f = a
		}
		if !slices.Contains(values, f) {
			return usageError{fmt.Errorf("--format %q: use %s", *format, strings.Join(values, " or "))}
		}
		o.format = f
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

// args wraps a cobra argument check so its failure is a usage error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := check(c, a); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func (o *options) limits() modelfile.Limits {
	lim := modelfile.DefaultLimits
	if o.maxSize > 0 {
		lim.MaxBytes = o.maxSize << 20
	}
	return lim
}

// openStore opens PostgreSQL when --db or WARD_DB names it, else the
// embedded store in the data directory.
func (o *options) openStore(ctx context.Context) (ward.Store, error) {
	db := o.db
	if db == "" {
		db = os.Getenv("WARD_DB")
	}
	if db != "" {
		if !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
			return nil, usageError{fmt.Errorf("--db must be a postgres:// URL")}
		}
		s, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		return s, o.keyAudit(s)
	}
	dir, err := o.dataDir()
	if err != nil {
		return nil, err
	}
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	return s, o.keyAudit(s)
}

// keyAudit gives a store the audit key (made on first use) and the head
// file.
func (o *options) keyAudit(s interface{ SetAudit([]byte, string) }) error {
	key, err := o.auditKey(true)
	if err != nil {
		return err
	}
	s.SetAudit(key, o.auditHeadFile())
	return nil
}

// auditKey reads the key file; with create, a missing one is made (32
// random bytes, hex, readable by its owner only). Without, a missing one
// is no key.
func (o *options) auditKey(create bool) ([]byte, error) {
	path := o.keyFile
	if path == "" {
		path = os.Getenv("WARD_KEY")
	}
	if path == "" {
		dir, err := o.dataDir()
		if err != nil {
			return nil, err
		}
		path = filepath.Join(dir, "ward.key")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		key := make([]byte, 32)
		rand.Read(key)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("audit key: %w", err)
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("audit key: %w", err)
		}
		fmt.Fprintf(o.stderr, "ward: made the key of the audit log, %s: back it up apart from the database, and give the same file (--key) to every server sharing a database\n", path)
		return key, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) < 16 {
		return nil, invalidError{fmt.Errorf("%s: not a Ward key (at least 32 hex digits on one line)", path)}
	}
	return key, nil
}

// auditHeadFile is where the audit chain's head is written.
func (o *options) auditHeadFile() string {
	if o.headFile != "" {
		return o.headFile
	}
	if p := os.Getenv("WARD_AUDIT_HEAD"); p != "" {
		return p
	}
	dir, err := o.dataDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "audit.head")
}

func (o *options) dataDir() (string, error) {
	switch {
	case o.data != "":
		return o.data, nil
	case os.Getenv("WARD_DATA") != "":
		return os.Getenv("WARD_DATA"), nil
	case os.Getenv("XDG_DATA_HOME") != "":
		return filepath.Join(os.Getenv("XDG_DATA_HOME"), "ward"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no data directory: set --data or WARD_DATA (%w)", err)
	}
	return filepath.Join(home, ".local", "share", "ward"), nil
}

// resolveOrg picks the organisation a command works on: the one named, or
// the only one in the store.
func resolveOrg(ctx context.Context, s ward.Store, org string) (string, error) {
	if org != "" {
		return org, nil
	}
	orgs, err := s.Organisations(ctx)
	if err != nil {
		return "", err
	}
	switch len(orgs) {
	case 0:
		return "", invalidError{errors.New("the store holds no organisation yet: run 'ward import FILE' or 'ward demo'")}
	case 1:
		return orgs[0].ID, nil
	}
	ids := make([]string, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	return "", usageError{fmt.Errorf("the store holds %d organisations; choose one with --org (%s)", len(orgs), strings.Join(ids, ", "))}
}

// withOrg opens the store, resolves the organisation a command works on,
// and runs fn; a missing organisation is an input error.
func (o *options) withOrg(ctx context.Context, org string, fn func(s ward.Store, id string) error) error {
	return o.withStore(ctx, func(s ward.Store) error {
		id, err := resolveOrg(ctx, s, org)
		if err != nil {
			return err
		}
		return notFound(fn(s, id))
	})
}

// withStore opens the store for the length of fn.
func (o *options) withStore(ctx context.Context, fn func(s ward.Store) error) error {
	s, err := o.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

// loadModel reads the model a command works on: the file named, or the
// stored model of the organisation. file is "" for a stored model.
func (o *options) loadModel(ctx context.Context, files []string, org string) (m *ward.Model, file string, err error) {
	if len(files) == 1 {
		file = files[0]
		largeModel(file)
		if m, err = modelfile.Load(file, o.limits()); err != nil {
			if _, ok := modelfile.AsErrors(err); ok {
				return nil, "", invalidError{err}
			}
			return nil, "", err
		}
		return m, file, nil
	}
	err = o.withOrg(ctx, org, func(s ward.Store, id string) error {
		m, err = s.Model(ctx, id)
		return err
	})
	return m, "", err
}

// loadCatalog reads the built-in catalog and the user's directories.
func loadCatalog(dirs []string) (*catalog.Catalog, error) {
	cat, err := catalog.Load(dirs...)
	if _, ok := modelfile.AsErrors(err); ok {
		return nil, invalidError{err}
	}
	return cat, err
}

// notFound turns a missing organisation into an input error.
func notFound(err error) error {
	if errors.Is(err, ward.ErrNotFound) {
		return invalidError{err}
	}
	return err
}

func writeJSON(w io.Writer, v any) error {
	return jsonout.Write(w, v)
}
