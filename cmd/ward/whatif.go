package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
)

func whatifCmd(o *options) *cobra.Command {
	var org, forText string
	var fail, nat []string
	c := &cobra.Command{
		Use:   "whatif [FILE] --fail ASSET... | --national ID...",
		Short: "Simulate the failure of assets: which clinical services stop",
		Long: `Fail one or more assets and see which clinical services stop, because they
need a failed asset or because what they need can no longer reach each other
over the network, and — with --for — whether the outage exceeds what each
service tolerates. What depends on a failed asset (depends_on) fails with
it; a redundancy group fails when fewer copies than it needs are left. An
asset with the redundancy control is taken over by its standby. Each
stopped service says which dependency it lost through which failure, and
what would have kept it running.

With --national, the failure is across the sector in the store, over what
each hospital shares with the hub (docs/national.md): a national service
the hub publishes (erx), a provider (cloud:microsoft, telecom:..., remote:...,
vendor:...) or a hub asset; 'ward national targets' lists them.`,
		Example: `  ward whatif --fail core-sw-01 --for 2h
  ward whatif hospital.yaml --fail dist-sw-meddev,ups-01 --format json
  ward whatif --national erx --for 4h`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			if len(fail) == 0 && len(nat) == 0 {
				return usageError{fmt.Errorf("--fail: name at least one asset (or --national a national service or provider)")}
			}
			if len(nat) > 0 && (len(fail) > 0 || len(files) > 0 || org != "") {
				return usageError{fmt.Errorf("--national fails across the sector in the store: not with --fail, --org or a file")}
			}
			var d time.Duration
			if forText != "" {
				v, err := ward.ParseDuration(forText)
				if err != nil {
					return usageError{fmt.Errorf("--for: %v", err)}
				}
				d = time.Duration(v)
			}
			if len(nat) > 0 {
				return o.nationalWhatIf(c.Context(), nat, d)
			}
			m, _, err := o.loadModel(c.Context(), files, org)
			if err != nil {
				return err
			}
			if err := checkAssets(m, "--fail", fail...); err != nil {
				return err
			}
			w, err := assess.Fail(m, fail, d)
			if err != nil {
				return invalidError{err}
			}
			if o.format == "json" {
				return writeJSON(o.stdout, w)
			}
			out := o.stdout
			fmt.Fprintf(out, "Failing %s", strings.Join(fail, ", "))
			if w.Duration != "" {
				fmt.Fprintf(out, " for %s", w.Duration)
			}
			fmt.Fprintln(out)
			if len(w.Absorbed) > 0 {
				fmt.Fprintf(out, "  taken over by a standby (redundancy): %s\n", strings.Join(w.Absorbed, ", "))
			}
			if len(w.AlsoDown) > 0 {
				fmt.Fprintf(out, "  down with them (depends_on): %s\n", strings.Join(w.AlsoDown, ", "))
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SERVICE\tMAX OUTAGE\tOUTCOME\tBECAUSE\tWOULD HAVE HELPED")
			stopped := 0
			for _, s := range w.Services {
				outcome := "runs"
				if s.Stops {
					stopped++
					outcome = "stops"
					if s.Exceeds {
						outcome = "stops, too long"
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.MaxOutage, outcome, strings.Join(s.Causes, "; "), strings.Join(s.Fixes, "; "))
			}
			tw.Flush()
			fmt.Fprintf(out, "%d of %d services stop\n", stopped, len(w.Services))
			return nil
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().StringSliceVar(&fail, "fail", nil, "assets that fail (comma-separated or repeated)")
	c.Flags().StringSliceVar(&nat, "national", nil, "national services, providers or hub assets that fail across the sector (comma-separated or repeated)")
	c.Flags().StringVar(&forText, "for", "", "how long the failure lasts, e.g. 30m, 4h, 2d")
	addFormat(c, o, "text", "json")
	return c
}
