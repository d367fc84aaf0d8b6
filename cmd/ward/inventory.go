package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
)

func assetsCmd(o *options) *cobra.Command {
	var org string
	var f ward.AssetFilter
	var kind string
	c := &cobra.Command{
		Use:   "assets",
		Short: "List an organisation's assets",
		Example: `  ward assets --exposed
  ward assets --zone medical-devices --kind infusion-pump --format json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			f.Kind = ward.AssetKind(kind)
			if err := checkKind(f.Kind); err != nil {
				return err
			}
			return o.withOrg(c.Context(), org, func(s ward.Store, id string) error {
				// Reachability needs the links: the whole model, filtered here.
				m, err := s.Model(c.Context(), id)
				if err != nil {
					return err
				}
				exposure := m.Exposure()
				as := []ward.Asset{}
				why := map[string]string{}
				for i := range m.Assets {
					a := &m.Assets[i]
					if (f.Zone == "" || a.Zone == f.Zone) && (f.Kind == "" || a.Kind == f.Kind) && (!f.Exposed || exposure[i] != "") {
						as = append(as, *a)
						why[a.ID] = exposure[i]
					}
				}
				if o.format == "json" {
					type listed struct {
						ward.Asset
						Reachable string `json:"reachable_from_internet,omitempty"`
					}
					out := make([]listed, len(as))
					for i, a := range as {
						out[i] = listed{a, why[a.ID]}
					}
					return writeJSON(o.stdout, map[string]any{"organisation": id, "assets": out})
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tKIND\tZONE\tEXPOSED\tPRODUCT\tEND OF SUPPORT")
				for _, a := range as {
					exposed := ""
					if why[a.ID] != "" {
						exposed = "yes"
					}
					product := strings.TrimSpace(strings.Join([]string{a.Vendor, a.Product, a.Version}, " "))
					id := a.ID
					if a.Provenance == ward.ProvenancePlanned {
						id += " (planned)" // not bought yet: 'ward procure'
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", id, a.Kind, a.Zone, exposed, product, a.EndOfSupport)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(o.stdout, "%d asset(s)\n", len(as))
				if f.Exposed {
					for _, a := range as {
						fmt.Fprintf(o.stdout, "  %s: %s\n", a.ID, why[a.ID])
					}
				}
				return nil
			})
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().StringVar(&f.Zone, "zone", "", "only assets in this zone")
	c.Flags().StringVar(&kind, "kind", "", "only assets of this kind (see 'ward kinds')")
	c.Flags().BoolVar(&f.Exposed, "exposed", false, "only assets reachable from the Internet: declared, or a link from the Internet reaches them")
	addFormat(c, o, "text", "json")
	return c
}

func checkKind(k ward.AssetKind) error {
	if k == "" {
		return nil
	}
	if _, ok := ward.LookupKind(k); ok {
		return nil
	}
	hint := ""
	if s := ward.Closest(string(k), k.Enum()); s != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", s)
	}
	return usageError{fmt.Errorf("--kind: unknown asset kind %q%s; 'ward kinds' lists them", k, hint)}
}

// checkAssets refuses asset ids the model lacks, naming where they were
// given and suggesting the closest id.
func checkAssets(m *ward.Model, where string, ids ...string) error {
	known := make([]string, len(m.Assets))
	have := make(map[string]bool, len(m.Assets))
	for i, a := range m.Assets {
		known[i], have[a.ID] = a.ID, true
	}
	for _, id := range ids {
		if id == "" || have[id] {
			continue
		}
		hint := ""
		if s := ward.Closest(id, known); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		return lookupError{fmt.Errorf("%s: %s has no asset %q%s; 'ward assets' lists them", where, m.Organisation.ID, id, hint)}
	}
	return nil
}

func linksCmd(o *options) *cobra.Command {
	var org, kind, proto string
	var f ward.LinkFilter
	c := &cobra.Command{
		Use:   "links",
		Short: "List an organisation's links",
		Long:  "List links. --zone, --kind and --exposed match when either end of a link does.",
		Example: `  ward links --zone medical-devices --unencrypted
  ward links --protocol hl7v2 --format json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			f.Kind, f.Protocol = ward.AssetKind(kind), ward.Protocol(proto)
			if err := checkKind(f.Kind); err != nil {
				return err
			}
			if proto != "" && !slices.Contains(f.Protocol.Enum(), proto) {
				return usageError{fmt.Errorf("--protocol: unknown protocol %q; one of %s", proto, strings.Join(f.Protocol.Enum(), ", "))}
			}
			return o.withOrg(c.Context(), org, func(s ward.Store, id string) error {
				ls, err := s.Links(c.Context(), id, f)
				if err != nil {
					return err
				}
				if o.format == "json" {
					if ls == nil {
						ls = []ward.Link{}
					}
					return writeJSON(o.stdout, map[string]any{"organisation": id, "links": ls})
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "FROM\tTO\tPROTOCOL\tPORT\tENCRYPTED\tAUTHENTICATED\tDATA")
				for _, l := range ls {
					port := ""
					if l.Port > 0 {
						port = fmt.Sprint(l.Port)
					}
					data := make([]string, len(l.Data))
					for i, d := range l.Data {
						data[i] = string(d)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.From, l.To, l.Protocol, port, yesNo(l.Encrypted), yesNo(l.Authenticated), strings.Join(data, ","))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(o.stdout, "%d link(s)\n", len(ls))
				return nil
			})
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().StringVar(&f.Zone, "zone", "", "only links with an end in this zone")
	c.Flags().StringVar(&kind, "kind", "", "only links with an end of this asset kind")
	c.Flags().BoolVar(&f.Exposed, "exposed", false, "only links with an end reachable from the Internet")
	c.Flags().StringVar(&proto, "protocol", "", "only links of this protocol")
	c.Flags().BoolVar(&f.Unencrypted, "unencrypted", false, "only links without encryption")
	addFormat(c, o, "text", "json")
	return c
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orgsCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "orgs",
		Short: "List the organisations in the store",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			s, err := o.openStore(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			orgs, err := s.Organisations(ctx)
			if err != nil {
				return err
			}
			if o.format == "json" {
				if orgs == nil {
					orgs = []ward.Organisation{}
				}
				return writeJSON(o.stdout, map[string]any{"organisations": orgs})
			}
			tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tKIND\tCOUNTRY")
			for _, g := range orgs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.ID, g.Name, g.Kind, g.Country)
			}
			return tw.Flush()
		},
	}
	addFormat(c, o, "text", "json")
	return c
}

func summaryCmd(o *options) *cobra.Command {
	var org string
	c := &cobra.Command{
		Use:   "summary",
		Short: "Summarise an organisation's model",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			m, _, err := o.loadModel(c.Context(), nil, org)
			if err != nil {
				return err
			}
			if err := o.printSummary(m); err != nil {
				return err
			}
			o.printNext()
			return nil
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	addFormat(c, o, "text", "json")
	return c
}

func (o *options) printSummary(m *ward.Model) error {
	s := m.Summarise(today())
	if o.format == "json" {
		return writeJSON(o.stdout, s)
	}
	w := o.stdout
	fmt.Fprintf(w, "%s (%s)\n", s.Name, s.Organisation)
	fmt.Fprintf(w, "  %d assets, %d of them medical devices, in %d zones\n", s.Assets, s.MedicalDevices, s.Zones)
	if n := len(m.Planned()); n > 0 {
		fmt.Fprintf(w, "  %d of the assets planned, not bought yet (left out of 'ward assess'; 'ward assess --with-planned')\n", n)
	}
	fmt.Fprintf(w, "  %d links, %d without encryption\n", s.Links, s.Unencrypted)
	fmt.Fprintf(w, "  %d clinical services\n", s.Services)
	fmt.Fprintf(w, "  %d assets reachable from the Internet\n", s.InternetExposed)
	fmt.Fprintf(w, "  %d assets past their end of support\n", s.EndOfSupport)
	return nil
}

func (o *options) printNext() {
	if o.format != "json" {
		fmt.Fprintln(o.stdout, "\nNext: 'ward assess', 'ward assets --exposed', 'ward links --unencrypted', 'ward export'.")
	}
}

func kindsCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "kinds",
		Short: "List the asset kinds of Ward's eHealth taxonomy",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			kinds := ward.Kinds()
			if o.format == "json" {
				return writeJSON(o.stdout, map[string]any{"kinds": kinds})
			}
			tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tCATEGORY\tNAME")
			for _, k := range kinds {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", k.ID, k.Category, k.Name)
			}
			return tw.Flush()
		},
	}
	addFormat(c, o, "text", "json")
	return c
}
