package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/discover"
)

// discoverOptions are the flags every discover command shares.
type discoverOptions struct {
	org              string
	zone             string
	dryRun           bool
	preferDiscovered bool
}

func discoverCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "discover",
		Short: "Build and refresh the model from scans, inventories and packet captures",
		Long: `Read what the network shows and merge it into an organisation's stored
model: Nmap XML scans, CSV exports of asset-management systems, and packet
captures. A device matches an asset by id, serial number, MAC address, host
name or IP address; new devices become assets in the zone their subnet's
assets are in (or --zone); conversations become links. Every attribute set
keeps its source, time, confidence and reason. A discovered value never
replaces a declared one unless --prefer-discovered: the conflict is shown.
Devices that could not be identified are listed for review and tagged
needs-review. --dry-run shows the changes and stores nothing.

See docs/discovery.md.`,
	}
	var d discoverOptions
	flags := func(sc *cobra.Command) {
		sc.Flags().StringVar(&d.org, "org", "", "organisation id (default: the only one stored)")
		sc.Flags().StringVar(&d.zone, "zone", "", "zone for new devices whose zone cannot be inferred (created when missing)")
		sc.Flags().BoolVar(&d.dryRun, "dry-run", false, "show the changes; store nothing")
		sc.Flags().BoolVar(&d.preferDiscovered, "prefer-discovered", false, "let discovered values replace declared ones")
		addFormat(sc, o, "text", "json")
	}
	nmap := &cobra.Command{
		Use:   "nmap FILE.xml",
		Short: "Merge an Nmap XML scan (nmap -oX)",
		Long: `Merge an Nmap XML scan: addresses, MAC vendor, OS guess, open ports with
service product and version, CPEs; medical and building protocols
recognised by port and banner; each device's kind inferred with a
confidence and reason. Scan with service detection for best results:
  nmap -sV -O -oX scan.xml 10.20.0.0/16`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			return o.discover(c.Context(), a[0], d, discover.ReadNmap)
		},
	}
	var mapping string
	csvc := &cobra.Command{
		Use:   "csv FILE",
		Short: "Merge an asset-management (CMMS) export in CSV",
		Long: `Merge an asset inventory exported as CSV (comma, semicolon or tab
separated, header row first). Columns are mapped to fields by their header
names (Asset Tag, Serial Number, Manufacturer, Model, IP Address, MAC
Address, Device Type, Department, ...); --map overrides or adds mappings,
and maps a column to - to ignore it:
  --map "Equip No=id,Equip Class=kind,Notes=-"
Fields: ` + strings.Join(discover.CSVFields(), ", ") + `.
Every bad value is reported with its row and column, and nothing is stored.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			m, err := discover.ParseMapping(mapping)
			if err != nil {
				return usageError{err}
			}
			return o.discover(c.Context(), a[0], d, func(name string, r io.Reader, size int64, p discover.Progress) (*discover.Result, error) {
				return discover.ReadCSV(name, r, size, m, p)
			})
		},
	}
	csvc.Flags().StringVar(&mapping, "map", "", `column mappings, "Header=field,..."`)
	pcap := &cobra.Command{
		Use:   "pcap FILE",
		Short: "Merge what a packet capture (pcap or pcapng) shows",
		Long: `Discover devices and conversations passively in a capture (pcap or
pcapng, read as a stream in constant memory): protocols recognised by
content (HL7 v2 over MLLP, DICOM, HTTP and FHIR, MQTT, TLS, Modbus,
BACnet, SMB, RDP) or by port; encryption, weak versions, and the data a
link carries (an HL7 ADT feed carries patient data). Links to addresses
outside the hospital's private ranges go to the model's internet zone.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			return o.discover(c.Context(), a[0], d, discover.ReadPcap)
		},
	}
	for _, sc := range []*cobra.Command{nmap, csvc, pcap} {
		flags(sc)
		c.AddCommand(sc)
	}
	return c
}

type reader func(name string, r io.Reader, size int64, p discover.Progress) (*discover.Result, error)

// discover reads a source and merges it into the stored model, atomically
// and only if the model did not change meanwhile.
func (o *options) discover(ctx context.Context, path string, d discoverOptions, read reader) error {
	f, err := os.Open(path)
	if err != nil {
		return invalidError{err}
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	p := o.progress()
	label := "reading " + filepath.Base(path)
	res, err := read(filepath.Base(path), f, size, func(done, total int64) { p.bytes(label, done, total) })
	p.done()
	if err != nil {
		var pe *discover.PositionError
		var me discover.MultiError
		if errors.As(err, &pe) || errors.As(err, &me) {
			return invalidError{err}
		}
		return err
	}
	p.step("read %d %s", res.Stats.Records, map[ward.SourceKind]string{"nmap": "hosts", "csv": "rows", "pcap": "packets"}[res.Source])
	return o.withOrg(ctx, d.org, func(s ward.Store, id string) error {
		rev, err := s.Revision(ctx, id)
		if err != nil {
			return err
		}
		m, err := s.Model(ctx, id)
		if err != nil {
			return err
		}
		before, err := json.Marshal(m)
		if err != nil {
			return err
		}
		diff := discover.Merge(m, res, discover.Options{Zone: d.zone, PreferDiscovered: d.preferDiscovered})
		unplaced := ""
		if len(diff.Unplaced) > 0 {
			unplaced = fmt.Sprintf("%d device(s) have no zone (%s): give one with --zone", len(diff.Unplaced), strings.Join(head(diff.Unplaced, 5), ", "))
		}
		if unplaced != "" && !d.dryRun {
			o.printDiff(res, diff, "")
			return invalidError{fmt.Errorf("%s; nothing stored", unplaced)}
		}
		if err := m.Validate(); err != nil {
			var ve *ward.ValidationError
			if errors.As(err, &ve) {
				return invalidError{fmt.Errorf("the merged model is not valid, nothing stored: %w", err)}
			}
			return err
		}
		if d.dryRun {
			outcome := "dry run: nothing stored"
			if unplaced != "" {
				outcome = fmt.Sprintf("dry run: nothing stored; %s, or storing refuses them", unplaced)
			}
			return o.printDiff(res, diff, outcome)
		}
		after, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if bytes.Equal(before, after) {
			return o.printDiff(res, diff, fmt.Sprintf("nothing new: the model is unchanged, still revision %d of %s", rev, id))
		}
		detail := fmt.Sprintf("%s %s: %d new, %d updated, %d conflicts, %d new links", res.Source, res.File, len(diff.Added), len(diff.Changed), len(diff.Conflicts), len(diff.LinksAdded))
		if err := putModelAt(cliAudited(ctx, id, "model.discover", id, detail), s, m, rev); err != nil {
			if errors.Is(err, ward.ErrConflict) {
				return fmt.Errorf("the model of %s changed while discovering; run again: %w", id, err)
			}
			return err
		}
		return o.printDiff(res, diff, fmt.Sprintf("stored: revision %d of %s", rev+1, id))
	})
}

func head(s []string, n int) []string { return s[:min(len(s), n)] }

// printDiff shows a merge's changes: + new, ~ changed, ! conflict,
// ? to review.
func (o *options) printDiff(res *discover.Result, d *discover.Diff, outcome string) error {
	if o.format == "json" {
		return writeJSON(o.stdout, map[string]any{"result": map[string]any{"source": res.Source, "file": res.File, "stats": res.Stats, "warnings": res.Warnings, "hosts": len(res.Hosts), "flows": len(res.Flows)}, "diff": d, "outcome": outcome})
	}
	w := o.stdout
	fmt.Fprintf(w, "%s (%s): %d hosts, %d conversations; %d matched, %d new, %d changes, %d conflicts, %d to review, %d new links\n",
		res.File, res.Source, len(res.Hosts), len(res.Flows), d.Matched, len(d.Added), len(d.Changed)+len(d.LinksChanged), len(d.Conflicts), len(d.Review), len(d.LinksAdded))
	for _, a := range d.Added {
		fmt.Fprintf(w, "+ asset %s (%s) in %s [%s] %s\n", a.ID, a.Kind, a.Zone, a.ZoneWhy, strings.Join(a.Addresses, " "))
		if a.KindConfidence > 0 {
			fmt.Fprintf(w, "    kind %s, %d%% sure: %s\n", a.Kind, a.KindConfidence, a.KindWhy)
		}
		for _, id := range a.Identities {
			fmt.Fprintf(w, "    seen as %s %q\n", id.Seen, id.Name)
		}
	}
	for _, c := range append(d.Changed, d.LinksChanged...) {
		if c.Old == "" {
			fmt.Fprintf(w, "~ %s %s: + %s\n", c.Target, c.Attribute, c.New)
		} else {
			fmt.Fprintf(w, "~ %s %s: %s -> %s\n", c.Target, c.Attribute, c.Old, c.New)
		}
	}
	for _, c := range d.Conflicts {
		fmt.Fprintf(w, "! conflict %s %s: declared %q, %s says %q (kept %s)", c.Target, c.Attribute, c.Declared, res.Source, c.Discovered, c.Kept)
		if c.Reason != "" {
			fmt.Fprintf(w, ": %s", c.Reason)
		}
		fmt.Fprintln(w)
	}
	for _, l := range d.LinksAdded {
		enc := "unencrypted"
		if l.Encrypted {
			enc = "encrypted"
		}
		fmt.Fprintf(w, "+ link %s -> %s %s/%d %s", l.From, l.To, l.Protocol, l.Port, enc)
		if len(l.Data) > 0 {
			fmt.Fprintf(w, " carries %s", joinData(l.Data))
		}
		if len(l.Weak) > 0 {
			fmt.Fprintf(w, " (weak: %s)", strings.Join(l.Weak, "; "))
		}
		fmt.Fprintln(w)
		if len(l.Details) > 0 {
			fmt.Fprintf(w, "    seen: %s\n", strings.Join(l.Details, "; "))
		}
	}
	for _, r := range d.Review {
		fmt.Fprintf(w, "? review %s (%s", r.Asset, r.Kind)
		if r.Confidence > 0 {
			fmt.Fprintf(w, ", %d%%", r.Confidence)
		}
		fmt.Fprintf(w, "): %s; %s\n", r.Reason, strings.Join(r.Addresses, " "))
	}
	for _, u := range d.Unplaced {
		fmt.Fprintf(w, "- no zone for %s\n", u)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, n := range res.Warnings {
		fmt.Fprintf(w, "warning: %s\n", n)
	}
	if outcome != "" {
		fmt.Fprintln(w, outcome)
	}
	return nil
}

func joinData(d []ward.DataClass) string {
	s := make([]string, len(d))
	for i, x := range d {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
