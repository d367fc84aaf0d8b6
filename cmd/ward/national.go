package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/intel"
	"github.com/wardhealth/ward/national"
	"github.com/wardhealth/ward/synth"
)

// The national authority's view from the command line, over the store
// (docs/national.md): what each organisation shares with the hub, and the
// dependencies across operators computed over it.

func nationalCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "national",
		Short: "The hub's national view: what hospitals share, concentration, exposure",
		Long: `The national authority's view over the organisations of the store: the
national services the hub models (an organisation of kind health-authority
or csirt), what each hospital shares with the hub (none by default, counts,
services or full), and, over what is shared, concentration on providers and
device models, national single points of failure and exposure to
advisories. 'ward whatif --national ID' fails a national service or a
provider across the sector. Every read of a hospital's model is in the
audit log.`,
	}
	c.AddCommand(nationalShareCmd(o), nationalListCmd(o), nationalTargetsCmd(o), nationalConcentrationCmd(o), nationalExposureCmd(o), nationalRegisterCmd(o))
	return c
}

func nationalShareCmd(o *options) *cobra.Command {
	var org, level string
	c := &cobra.Command{
		Use:   "share --org ORG --level none|counts|services|full",
		Short: "Set what an organisation shares with the hub",
		Long: `Set what an organisation shares with the hub for the national view: none
(the default), counts (how many assets, services, medical devices),
services (clinical services and what they depend on, without names,
addresses, software or controls) or full (the whole model, and the hub
role may read the organisation's pages). Assets tagged tlp:red never
leave, at any level. The setting is the hospital's: on a server, its
admin sets it (PUT /api/v1/orgs/ORG/national-sharing).`,
		Example: `  ward national share --org st-example --level services`,
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			l := ward.ShareLevel(strings.ToLower(level))
			if l.Rank() < 0 {
				return usageError{fmt.Errorf("--level %q: use none, counts, services or full", level)}
			}
			return o.withOrg(c.Context(), org, func(s ward.Store, id string) error {
				x := ward.NationalSharing{Org: id, Level: l, Updated: time.Now().UTC(), By: cliEntry("", "", "", "").Actor}
				if err := s.PutNationalSharing(cliAudited(c.Context(), id, "national.sharing", id, string(l)), x); err != nil {
					return err
				}
				if err := national.ReshareStored(c.Context(), s, id); err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, x)
				}
				fmt.Fprintf(o.stdout, "%s shares %s with the hub\n", id, l)
				return nil
			})
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().StringVar(&level, "level", "", "none, counts, services or full")
	c.MarkFlagRequired("level")
	addFormat(c, o, "text", "json")
	return c
}

// withSector loads the sector from the store, each read audited as the
// command line's.
func (o *options) withSector(ctx context.Context, purpose string, fn func(s ward.Store, sec *national.Sector) error) error {
	return o.withStore(ctx, func(s ward.Store) error {
		sec, err := national.Load(ctx, s, cliEntry("", "", "", purpose), national.Today(time.Now()), nil)
		if err != nil {
			if be := (*national.BindingError)(nil); errors.As(err, &be) {
				return invalidError{err}
			}
			return err
		}
		return fn(s, sec)
	})
}

func nationalListCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "list",
		Short: "List the national services and what each organisation shares",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				settings, err := s.NationalSharings(c.Context())
				if err != nil {
					return err
				}
				orgs, err := s.Organisations(c.Context())
				if err != nil {
					return err
				}
				level := map[string]ward.ShareLevel{}
				for _, x := range settings {
					level[x.Org] = x.Level
				}
				type row struct {
					Org   string          `json:"org"`
					Name  string          `json:"name"`
					Kind  ward.OrgKind    `json:"kind,omitempty"`
					Hub   bool            `json:"hub"`
					Level ward.ShareLevel `json:"level"`
				}
				rows := []row{}
				for _, x := range orgs {
					l := level[x.ID]
					if l == "" {
						l = ward.ShareNone
					}
					rows = append(rows, row{x.ID, x.Name, x.Kind, national.IsHub(x), l})
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"organisations": rows})
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ORGANISATION\tNAME\tKIND\tSHARES")
				for _, r := range rows {
					shares := string(r.Level)
					if r.Hub {
						shares = "(hub: runs national services)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Org, r.Name, r.Kind, shares)
				}
				return tw.Flush()
			})
		},
	}
	addFormat(c, o, "text", "json")
	return c
}

func nationalTargetsCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "targets",
		Short: "List what 'ward whatif --national' may fail",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withSector(c.Context(), "targets", func(_ ward.Store, sec *national.Sector) error {
				t := sec.Targets()
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"national_services": sec.Services, "targets": t})
				}
				for _, x := range t {
					fmt.Fprintln(o.stdout, x)
				}
				return nil
			})
		},
	}
	addFormat(c, o, "text", "json")
	return c
}

func nationalConcentrationCmd(o *options) *cobra.Command {
	var top int
	c := &cobra.Command{
		Use:   "concentration",
		Short: "How many hospitals depend on one provider or device model; national single points of failure",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withSector(c.Context(), "concentration", func(_ ward.Store, sec *national.Sector) error {
				a := sec.Analyse()
				if o.format == "json" {
					return writeJSON(o.stdout, a)
				}
				out := o.stdout
				fmt.Fprintf(out, "Over %d hospitals sharing their dependencies\n\nNational single points of failure\n", a.Considered)
				tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "FAILS\tNAME\tHOSPITALS STOPPED\tSERVICES STOPPED")
				for i, x := range a.SinglePoints {
					if top > 0 && i == top {
						break
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", x.Key, x.Name, x.Stopped, x.Services)
				}
				tw.Flush()
				fmt.Fprintln(out, "\nConcentration")
				tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "KEY\tNAME\tHOSPITALS\tASSETS\tHOSPITALS STOPPED")
				for i, x := range a.Concentration {
					if top > 0 && i == top {
						break
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", x.Key, x.Name, x.Hospitals, x.Assets, x.Stopped)
				}
				return tw.Flush()
			})
		},
	}
	c.Flags().IntVar(&top, "top", 20, "rows per table (0: all)")
	addFormat(c, o, "text", "json")
	return c
}

func nationalExposureCmd(o *options) *cobra.Command {
	var minGroup int
	c := &cobra.Command{
		Use:   "exposure",
		Short: "Which advisories name devices the hospitals share, counts below the minimum group withheld",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withSector(c.Context(), "exposure", func(s ward.Store, sec *national.Sector) error {
				f, err := intel.LoadStored(c.Context(), s)
				if err != nil {
					return err
				}
				items, withheld, err := sec.ExposureOverTime(c.Context(), s, f.Matcher(), national.Today(time.Now()), minGroup)
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"min_group": minGroup, "withheld": withheld, "items": items})
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ADVISORY\tHOSPITALS\tASSETS\tCVES\tBY DAY")
				for _, x := range items {
					n, a := fmt.Sprint(x.Hospitals), fmt.Sprint(x.Assets)
					if x.Below {
						n, a = fmt.Sprintf("<%d", minGroup), "-"
					}
					var days []string
					for _, p := range x.History {
						v := fmt.Sprintf("<%d", minGroup)
						if p.Hospitals != nil {
							v = fmt.Sprint(*p.Hospitals)
						}
						days = append(days, p.Day+" "+v)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.Advisory, n, a, strings.Join(x.CVEs, ", "), strings.Join(days, ", "))
				}
				tw.Flush()
				fmt.Fprintf(o.stdout, "%d advisories reaching fewer than %d hospitals withheld\n", withheld, minGroup)
				return nil
			})
		},
	}
	c.Flags().IntVar(&minGroup, "min-group", 3, "fewest hospitals an advisory is shown for")
	addFormat(c, o, "text", "json")
	return c
}

func nationalRegisterCmd(o *options) *cobra.Command {
	var minGroup, top int
	var catalogs []string
	c := &cobra.Command{
		Use:   "register",
		Short: "The national risk register: the national services assessed, the sector's risks and baselines rolled up",
		Long: `The national risk register: the catalog's threats assessed on the national
services (the hub's own model, by the same assessment as 'ward assess',
each score with its factors); the sector's hospital risks, per threat and
asset kind, how many hospitals are at each severity; and the hospitals'
baselines rolled up, per measure (NIS2 Art. 21(2) a-j and the others),
how many hospitals meet it. Only hospitals sharing their full model are
assessed (a model without its controls would give made-up scores). A
count of fewer hospitals than --min-group is withheld, and a row of fewer
is left out.`,
		Example: `  ward national register --top 10
  ward national register --min-group 10 --format json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if minGroup < 1 {
				return usageError{fmt.Errorf("--min-group %d: at least 1", minGroup)}
			}
			cat, err := loadCatalog(catalogs)
			if err != nil {
				return err
			}
			return o.withSector(c.Context(), "register", func(s ward.Store, sec *national.Sector) error {
				f, err := intel.LoadStored(c.Context(), s)
				if err != nil {
					return err
				}
				reg, err := sec.Register(national.RegisterOptions{Catalog: cat, Matcher: f.Matcher(), Today: national.Today(time.Now()), MinGroup: minGroup})
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, reg)
				}
				return writeRegister(o, reg, top)
			})
		},
	}
	c.Flags().IntVar(&minGroup, "min-group", national.DefaultMinGroup, "fewest hospitals a count is shown for")
	c.Flags().IntVar(&top, "top", 20, "rows per table (0: all)")
	c.Flags().StringArrayVar(&catalogs, "catalog", nil, "directory of catalog files to add (repeatable)")
	addFormat(c, o, "text", "json")
	return c
}

// writeRegister prints the national register as tables.
func writeRegister(o *options, reg *national.Register, top int) error {
	out := o.stdout
	count := func(p *int) string {
		if p == nil {
			return "<" + fmt.Sprint(reg.MinGroup)
		}
		return fmt.Sprint(*p)
	}
	for _, h := range reg.National {
		fmt.Fprintf(out, "National services of %s (%s): %d risks, worst %s\n", h.Name, strings.Join(h.Services, ", "), len(h.Risks), h.Summary.Worst)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SEVERITY\tSCORE\tTHREAT\tASSETS\tWHY")
		for i, x := range h.Risks {
			if top > 0 && i == top {
				break
			}
			var why []string
			for _, f := range x.Factors {
				if f.Effect != 0 {
					why = append(why, fmt.Sprintf("%s %+d %s", f.Term, f.Effect, f.Reason))
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", x.Severity, x.Score, x.ThreatName, strings.Join(x.Assets, ", "), strings.Join(why, "; "))
		}
		tw.Flush()
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "The sector's risks, over %d hospitals sharing their full model (%d share less and are not assessed)\n", reg.Assessed, reg.NotAssessed)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "THREAT\tKIND\tHOSPITALS\tCRITICAL\tHIGH\tMEDIUM\tLOW")
	for i, x := range reg.Sector {
		if top > 0 && i == top {
			break
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", x.ThreatName, x.Kind, x.Hospitals, count(x.Counts["critical"]), count(x.Counts["high"]), count(x.Counts["medium"]), count(x.Counts["low"]))
	}
	tw.Flush()
	fmt.Fprintf(out, "%d rows of fewer than %d hospitals withheld\n\nBaselines across the sector\n", reg.SectorWithheld, reg.MinGroup)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BASELINE\tMEASURE\tHOSPITALS\tMET\tPARTLY\tNOT MET\tN/A\tMET %")
	for _, m := range reg.Baselines {
		pct := "-"
		if m.MetPercent >= 0 {
			pct = fmt.Sprint(m.MetPercent)
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%d\t%s\t%s\t%s\t%s\t%s\n", m.Baseline, m.Measure, m.Title, m.Hospitals, count(m.Counts["met"]), count(m.Counts["partly"]), count(m.Counts["not met"]), count(m.Counts["not applicable"]), pct)
	}
	tw.Flush()
	fmt.Fprintf(out, "%d measures of fewer than %d hospitals withheld\n", reg.BaselineWithheld, reg.MinGroup)
	return nil
}

// nationalWhatIf is 'ward whatif --national'.
func (o *options) nationalWhatIf(ctx context.Context, names []string, d time.Duration) error {
	return o.withSector(ctx, "what-if "+strings.Join(names, ","), func(_ ward.Store, sec *national.Sector) error {
		keys, err := sec.Resolve(names)
		if err != nil {
			return lookupError{err}
		}
		w := sec.WhatIf(keys, d)
		if o.format == "json" {
			return writeJSON(o.stdout, w)
		}
		out := o.stdout
		fmt.Fprintf(out, "Failing %s", strings.Join(w.Fail, ", "))
		if w.Duration != "" {
			fmt.Fprintf(out, " for %s", w.Duration)
		}
		fmt.Fprintln(out)
		for _, n := range w.National {
			fmt.Fprintf(out, "  national service down: %s (%s, max outage %s)\n", n.Name, n.Service, n.MaxOutage)
		}
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "HOSPITAL\tCOUNTRY\tFAILS THERE\tSERVICES THAT STOP\tFIRST HARM AFTER")
		for _, h := range w.Hospitals {
			var svc []string
			for _, s := range h.Services {
				x := fmt.Sprintf("%s (%s", s.Name, s.MaxOutage)
				if s.Exceeds {
					x += ", too long"
				}
				svc = append(svc, x+")")
			}
			if len(svc) == 0 {
				svc = []string{"none"}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.Org, h.Country, strings.Join(h.Failed, ", "), strings.Join(svc, "; "), h.Tolerates)
		}
		tw.Flush()
		fmt.Fprintf(out, "%d of %d hospitals lose a clinical service; %d services stop", w.Affected, w.Considered, w.Stopped)
		if w.Duration != "" {
			fmt.Fprintf(out, ", %d longer than they tolerate", w.Exceeding)
		}
		fmt.Fprintln(out)
		if len(w.CountsOnly) > 0 {
			fmt.Fprintf(out, "%d share counts only and are not in the what-if: %s\n", len(w.CountsOnly), strings.Join(w.CountsOnly, ", "))
		}
		return nil
	})
}

// genSector is 'ward gen --sector': the hub and the hospitals, a file
// each in dir.
func (o *options) genSector(hospitals, assets int, seed uint64, dir string) error {
	if dir == "" {
		return usageError{fmt.Errorf("--sector writes one file per organisation: name a directory with -o")}
	}
	ms, err := synth.Sector(synth.SectorOptions{Hospitals: hospitals, Assets: assets, Seed: seed})
	if err != nil {
		return usageError{err}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ext := map[string]string{"json": ".json"}[o.format]
	if ext == "" {
		ext = ".yaml"
	}
	for _, m := range ms {
		if err := o.writeModel(m, filepath.Join(dir, m.Organisation.ID+ext)); err != nil {
			return err
		}
	}
	return nil
}
