package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/share"
)

// peerFlags are how a command reaches a TAXII peer. Secrets come from the
// environment, never from flags (which ps shows) and never in output.
type peerFlags struct {
	url, user        string
	prefix           string
	retries          int
	backoff, timeout time.Duration
}

// flags adds the peer's flags: the URL flag as named, the others with a
// prefix ("" for share commands, "sync-" for serve).
func (p *peerFlags) flags(c *cobra.Command, name, prefix string) {
	p.prefix = prefix
	c.Flags().StringVar(&p.url, name, "", "the peer's TAXII API root, e.g. https://hub.example/taxii2/api/")
	c.Flags().StringVar(&p.user, prefix+"user", "", "user name for HTTP Basic (password from $WARD_SHARE_PASSWORD); else a token from $WARD_SHARE_TOKEN")
	c.Flags().IntVar(&p.retries, prefix+"retries", 4, "times to retry a failed request")
	c.Flags().DurationVar(&p.backoff, prefix+"retry-wait", 2*time.Second, "first pause before a retry (doubled each time)")
	c.Flags().DurationVar(&p.timeout, prefix+"timeout", 2*time.Minute, "time limit of each request")
}

// client is the peer's client; each failed request that is tried again is
// said on log, so that a peer out of reach is not silence.
func (p *peerFlags) client(flag string, log io.Writer) (*share.Client, error) {
	if p.url == "" {
		return nil, usageError{fmt.Errorf("--%s: name the peer's TAXII API root", flag)}
	}
	c := &share.Client{APIRoot: p.url, HTTP: &http.Client{Timeout: p.timeout}, UserAgent: "ward/" + version, Retries: p.retries, Backoff: p.backoff}
	c.OnRetry = func(try, tries int, why error, wait time.Duration) {
		fmt.Fprintf(log, "ward: try %d of %d failed: %v; trying again in %s\n", try, tries, why, wait)
	}
	switch {
	case p.user != "":
		c.User, c.Password = p.user, os.Getenv("WARD_SHARE_PASSWORD")
		if c.Password == "" {
			return nil, usageError{fmt.Errorf("--%suser: set the password in $WARD_SHARE_PASSWORD", p.prefix)}
		}
	case os.Getenv("WARD_SHARE_TOKEN") != "":
		c.Token = os.Getenv("WARD_SHARE_TOKEN")
	default:
		return nil, usageError{fmt.Errorf("authenticate with --%suser and $WARD_SHARE_PASSWORD, or $WARD_SHARE_TOKEN", p.prefix)}
	}
	return c, nil
}

func shareCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "share",
		Short: "Share intelligence over STIX 2.1 and TAXII 2.1",
		Long: `Exchange threat and vulnerability intelligence with a hub (a national
health CSIRT's Ward) and peers (other TAXII servers such as MISP or OpenCTI).

  ward share collections add    make a collection that 'ward serve' offers under /taxii2/
  ward share pull               bring a peer's collection into the store
  ward share push               send the organisation's sightings to a peer
  ward share export             write what would be shared as a STIX bundle

What leaves follows TLP 2.0: RED and AMBER+STRICT never leave, AMBER goes
to the community; and it is anonymised: a pseudonym, no asset ids, names,
addresses or people.`,
	}
	c.AddCommand(shareCollectionsCmd(o), sharePullCmd(o), sharePushCmd(o), shareExportCmd(o))
	return c
}

func shareCollectionsCmd(o *options) *cobra.Command {
	c := &cobra.Command{Use: "collections", Short: "List or add the TAXII collections 'ward serve' offers"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the TAXII collections 'ward serve' offers, with who may read and write them",
		Long: `List the TAXII collections of the store: 'ward serve' offers them under
/taxii2/api/collections/. Each has an id (a UUID, what 'ward share pull
--collection' and TAXII clients name), a title, the organisations that may
read it ('*' for every one; a hub account reads them all) and those whose
analysts may add objects to it (- for none: only administrators may).`,
		Example: `  ward share collections list
  ward share collections list --format json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				cols, err := s.Collections(c.Context())
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"collections": cols})
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTITLE\tREADERS\tWRITERS")
				for _, col := range cols {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", col.ID, col.Title, strings.Join(col.Readers, ","), orDash(strings.Join(col.Writers, ",")))
				}
				return tw.Flush()
			})
		},
	}
	addFormat(list, o, "text", "json")
	var title, description, id string
	var readers, writers []string
	add := &cobra.Command{
		Use:     "add --title T --readers ORG,... [--writers ORG,...]",
		Short:   "Add a collection for a sharing community",
		Example: `  ward share collections add --title "Medical-device vulnerabilities" --readers '*' --writers national-csirt`,
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if title == "" || len(readers) == 0 {
				return usageError{errors.New("--title and --readers are needed (--readers '*' for every organisation)")}
			}
			if id == "" {
				id = share.NewCollectionID()
			}
			return o.withStore(c.Context(), func(s ward.Store) error {
				col := ward.Collection{ID: id, Title: title, Description: description, Readers: readers, Writers: append([]string{}, writers...), Created: time.Now().UTC()}
				if err := s.PutCollection(cliAudited(c.Context(), "", "collection.create", col.ID, col.Title), col); err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, col)
				}
				fmt.Fprintf(o.stdout, "collection %s: %s\n", col.ID, col.Title)
				return nil
			})
		},
	}
	add.Flags().StringVar(&title, "title", "", "title")
	add.Flags().StringVar(&description, "description", "", "description")
	add.Flags().StringVar(&id, "id", "", "id (a UUID; default: a new one)")
	add.Flags().StringSliceVar(&readers, "readers", nil, "organisations that read it ('*' for all)")
	add.Flags().StringSliceVar(&writers, "writers", nil, "organisations whose analysts may add to it")
	addFormat(add, o, "text", "json")
	c.AddCommand(list, add)
	return c
}

func sharePullCmd(o *options) *cobra.Command {
	var peer peerFlags
	var collection, into string
	c := &cobra.Command{
		Use:   "pull --from URL --collection ID",
		Short: "Pull a peer's collection into the store, from where the last pull stopped",
		Long: `Pull the objects of a peer's TAXII collection into a local collection of
the same id (or --into), from where the last pull stopped. Advisories shared
as vulnerabilities with software indicators then count in assessments like
CSAF files; 'ward serve' offers the local collection to its users.`,
		Example: `  WARD_SHARE_TOKEN=ward_... ward share pull --from https://hub.example/taxii2/api/ --collection 91a7b528-80eb-42ed-a74d-c6fbd5a26116`,
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if collection == "" {
				return usageError{errors.New("--collection: name the peer's collection")}
			}
			client, err := peer.client("from", o.stderr)
			if err != nil {
				return err
			}
			if into == "" {
				into = collection
			}
			return o.withStore(c.Context(), func(s ward.Store) error {
				rep, err := share.PullInto(c.Context(), client, s, collection, into, time.Now())
				if aerr := cliAudit(c.Context(), s, "", "share.pull", into, pullDetail(rep, client.APIRoot)); aerr != nil {
					return aerr
				}
				if err != nil {
					return fmt.Errorf("pull: %w (what arrived before is kept; the next pull resumes)", err)
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"received": rep.Received, "new": rep.Added, "refused": rep.Refused, "collection": into})
				}
				fmt.Fprintf(o.stdout, "pulled %d object(s), %d new, into collection %s\n", rep.Received, rep.Added, into)
				for _, r := range rep.Refused {
					fmt.Fprintf(o.stdout, "  refused %s: %s\n", r.ID, r.Reason)
				}
				return nil
			})
		},
	}
	peer.flags(c, "from", "")
	c.Flags().StringVar(&collection, "collection", "", "the peer's collection id")
	c.Flags().StringVar(&into, "into", "", "the local collection (default: the same id)")
	addFormat(c, o, "text", "json")
	return c
}

// outgoing builds what an organisation shares: its identity (a pseudonym
// unless named) and its sightings of known vulnerabilities from the stored
// feeds and shared advisories, marked, filtered by the TLP policy and
// anonymised.
func (o *options) outgoing(ctx context.Context, org string, level share.TLP, named bool) (*ward.Model, []share.Object, int, error) {
	var m *ward.Model
	var objs []share.Object
	var held int
	err := o.withOrg(ctx, org, func(s ward.Store, id string) error {
		var err error
		if m, err = s.Model(ctx, id); err != nil {
			return err
		}
		feeds, err := intel.LoadStored(ctx, s)
		if err != nil {
			return err
		}
		shared, err := share.StoredAdvisories(ctx, s, id)
		if err != nil {
			return err
		}
		feeds.Advisories = append(feeds.Advisories, shared...)
		key, err := share.PseudonymKey(ctx, s)
		if err != nil {
			return err
		}
		now := time.Now()
		identity := share.Identity(m.Organisation, key, named, now)
		share.Mark(&identity, share.Green)
		matches := feeds.Matcher().Match(m.Assets)
		objs = append([]share.Object{identity}, share.Sightings(matches, identity, level, now)...)
		// What it sighted before and sees no more, it says it cleared, so
		// the hub sees patch progress.
		seenKey := "sighted|" + id
		var before, current []string
		if v, err := s.SyncState(ctx, seenKey); err != nil {
			return err
		} else if v != "" {
			json.Unmarshal([]byte(v), &before)
		}
		for _, mt := range matches {
			if mt.CVE != "" && !slices.Contains(current, mt.CVE) {
				current = append(current, mt.CVE)
			}
		}
		var cleared []string
		for _, c := range before {
			if !slices.Contains(current, c) {
				cleared = append(cleared, c)
			}
		}
		objs = append(objs, share.Cleared(cleared, identity, level, now)...)
		// What its logs showed in the last 30 days: techniques and public
		// attacking addresses, nothing of its own.
		dets, err := s.Detections(ctx, id, ward.DetectionFilter{Since: now.Add(-30 * 24 * time.Hour)})
		if err != nil {
			return err
		}
		detected := share.DetectionSightings(dets, identity, level, now)
		objs = append(objs, detected...)
		if objs, err = o.clearDetections(ctx, s, id, objs, share.DetectionNames(detected), identity, level, now); err != nil {
			return err
		}
		list, _ := json.Marshal(current)
		if err := s.PutSyncState(ctx, seenKey, string(list)); err != nil {
			return err
		}
		if objs, held, err = share.Outgoing(objs, m, share.DefaultPolicy); err != nil {
			return invalidError{err}
		}
		// As sent before when nothing changed: no new versions at the peer.
		objs, err = share.Restamp(ctx, s, objs, now)
		return err
	})
	if err != nil {
		return nil, nil, 0, err
	}
	return m, objs, held, nil
}

func sharePushCmd(o *options) *cobra.Command {
	var peer peerFlags
	var collection, org, tlp string
	var named bool
	c := &cobra.Command{
		Use:   "push --to URL --collection ID",
		Short: "Send the organisation's sightings of known vulnerabilities and detections to a peer, anonymised",
		Long: `Send the organisation's sightings — which known vulnerabilities it has,
on how many assets, and what its detections of the last 30 days show:
sightings of their ATT&CK techniques and of indicators of the public
addresses that attacked it (never a private or loopback one) — to a peer's
collection, under a pseudonym (--named to
appear by name), with no asset id, name, address or person, marked --tlp
(default amber: the community). RED and AMBER+STRICT are refused: they do
not leave the organisation.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			level, err := outgoingTLP(tlp)
			if err != nil {
				return err
			}
			if collection == "" {
				return usageError{errors.New("--collection: name the peer's collection")}
			}
			client, err := peer.client("to", o.stderr)
			if err != nil {
				return err
			}
			m, objs, held, err := o.outgoing(c.Context(), org, level, named)
			if err != nil {
				return err
			}
			st, err := client.Push(c.Context(), collection, objs, 1000)
			// Data that left the hospital, or was offered, is on the
			// record whether or not the peer took it.
			detail := fmt.Sprintf("%d object(s) offered to %s, TLP:%s, %s", len(objs), client.APIRoot, strings.ToUpper(string(level)), map[bool]string{true: "named", false: "under a pseudonym"}[named])
			if err != nil {
				detail += "; failed: " + err.Error()
			} else {
				detail += fmt.Sprintf("; %d taken, %d refused", st.SuccessCount, st.FailureCount)
			}
			if aerr := o.withStore(c.Context(), func(s ward.Store) error {
				return cliAudit(c.Context(), s, m.Organisation.ID, "share.push", collection, detail)
			}); aerr != nil {
				return aerr
			}
			if err != nil {
				return fmt.Errorf("push: %w", err)
			}
			if o.format == "json" {
				return writeJSON(o.stdout, map[string]any{"sent": len(objs), "held_back": held, "status": st})
			}
			fmt.Fprintf(o.stdout, "sent %d object(s) (%d held back by TLP); the peer took %d, refused %d\n", len(objs), held, st.SuccessCount, st.FailureCount)
			writeRefused(o.stdout, st)
			return nil
		},
	}
	peer.flags(c, "to", "")
	c.Flags().StringVar(&collection, "collection", "", "the peer's collection id")
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().StringVar(&tlp, "tlp", "amber", "TLP of the sightings: clear, green or amber")
	c.Flags().BoolVar(&named, "named", false, "appear under the organisation's name instead of a pseudonym")
	addFormat(c, o, "text", "json")
	return c
}

func shareExportCmd(o *options) *cobra.Command {
	var org, tlp, output string
	var named bool
	var what []string
	var note, title string
	c := &cobra.Command{
		Use:   "export [--what sightings,practices,advisories,report] [--note TEXT] [-o FILE]",
		Short: "Write what would be shared as a STIX 2.1 bundle",
		Long: `Write a STIX 2.1 bundle: the organisation's anonymised sightings
(what 'ward share push' sends); with --what practices, the catalog's
threats as attack patterns (with ATT&CK ids) and controls as courses of
action that mitigate them; with --what advisories, the stored CSAF
advisories as vulnerabilities (with their CVSS score) and indicators of
the affected software, as a hub publishes them; with --what report, a
report (--title) that groups the rest; --note TEXT attaches a note to
them. To read, to carry to an air-gapped hub, or to import into another
tool.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			level, err := share.ParseTLP(tlp)
			if err != nil {
				return usageError{err}
			}
			kinds := []string{"sightings", "practices", "advisories", "report"}
			for _, w := range what {
				if !slices.Contains(kinds, w) {
					return usageError{fmt.Errorf("--what %q: %s", w, strings.Join(kinds, ", "))}
				}
			}
			if level == share.Red || level == share.AmberStrict {
				return usageError{fmt.Errorf("--tlp %s: such objects do not leave the organisation", tlp)}
			}
			var objs []share.Object
			var creator string
			if slices.Contains(what, "sightings") {
				_, out, _, err := o.outgoing(c.Context(), org, level, named)
				if err != nil {
					return err
				}
				objs = append(objs, out...)
				creator = out[0].ID // the identity comes first
			}
			now := time.Now()
			if slices.Contains(what, "practices") {
				cat, err := loadCatalog(nil)
				if err != nil {
					return err
				}
				by := creator
				if by == "" {
					ward := share.WardIdentity()
					objs, by = append(objs, ward), ward.ID
				}
				objs = append(objs, share.Practices(cat, by, share.Clear, now)...)
			}
			if slices.Contains(what, "advisories") {
				err := o.withStore(c.Context(), func(s ward.Store) error {
					feeds, err := intel.LoadStored(c.Context(), s)
					if err != nil {
						return err
					}
					if len(feeds.Advisories) == 0 {
						return invalidError{errors.New("--what advisories: the store holds no CSAF advisory ('ward feeds import DIR')")}
					}
					objs = append(objs, share.Advisories(feeds.Advisories, creator, level, now)...)
					return nil
				})
				if err != nil {
					return err
				}
			}
			if note != "" {
				refs := make([]string, 0, len(objs))
				for _, x := range objs {
					refs = append(refs, x.ID)
				}
				if len(refs) == 0 {
					return usageError{errors.New("--note: there is nothing to attach it to; choose --what")}
				}
				objs = append(objs, share.Note(note, refs, creator, level, now))
			}
			if slices.Contains(what, "report") {
				if len(objs) == 0 {
					return usageError{errors.New("--what report: a report groups other objects; add sightings, practices or advisories")}
				}
				objs = append(objs, share.Report(title, objs, creator, level, now))
			}
			for _, l := range share.Levels {
				objs = append(objs, l.Marking())
			}
			data, err := json.MarshalIndent(share.NewBundle(objs), "", " ")
			if err != nil {
				return err
			}
			data = append(data, '\n')
			if output == "-" || output == "" && !o.tty.out {
				_, err := o.stdout.Write(data)
				return err
			}
			onTerminal := output == ""
			if onTerminal {
				// A bundle is for files and programs, not to read scrolling past.
				if output, err = freeName("ward-share-" + time.Now().Format("2006-01-02") + ".json"); err != nil {
					return err
				}
			}
			if err := writeFileAtomic(output, data); err != nil {
				return err
			}
			fmt.Fprintf(o.stdout, "wrote %s: a STIX 2.1 bundle of %d object(s), %s\n", output, len(objs), sizeText(int64(len(data))))
			if onTerminal {
				fmt.Fprintln(o.stdout, "(standard output is a terminal; -o FILE names the file, -o - prints the bundle)")
			}
			return nil
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().StringVar(&tlp, "tlp", "amber", "TLP of the sightings")
	c.Flags().BoolVar(&named, "named", false, "appear under the organisation's name instead of a pseudonym")
	c.Flags().StringSliceVar(&what, "what", []string{"sightings"}, "sightings, practices, advisories, report")
	c.Flags().StringVar(&note, "note", "", "a note to attach to what is exported")
	c.Flags().StringVar(&title, "title", "Shared by Ward", "the report's name (--what report)")
	c.Flags().StringVarP(&output, "output", "o", "", "file to write, - for standard output (default: standard output, or a new ward-share-DATE.json when it is a terminal)")
	return c
}

// outgoingTLP reads the --tlp of what leaves the organisation: RED and
// AMBER+STRICT do not.
func outgoingTLP(tlp string) (share.TLP, error) {
	level, err := share.ParseTLP(tlp)
	if err != nil {
		return "", usageError{err}
	}
	if level == share.Red || level == share.AmberStrict {
		return "", usageError{fmt.Errorf("--tlp %s: such objects do not leave the organisation", tlp)}
	}
	return level, nil
}

// writeRefused names what a peer refused of a push.
func writeRefused(w io.Writer, st share.Status) {
	for _, f := range st.Failures {
		fmt.Fprintf(w, "  refused %s: %s\n", f.ID, f.Message)
	}
}

// freeName is name, or name with -2, -3, ... before its extension when a
// file of that name exists: a default name never overwrites a file.
func freeName(name string) (string, error) {
	ext := filepath.Ext(name)
	for i := 1; i < 1000; i++ {
		n := name
		if i > 1 {
			n = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), i, ext)
		}
		if _, err := os.Lstat(n); errors.Is(err, os.ErrNotExist) {
			return n, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("%s and 998 more like it exist: name a file with -o", name)
}
