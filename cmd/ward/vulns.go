package main

import (
	"encoding/csv"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward/intel"
)

func vulnsCmd(o *options) *cobra.Command {
	var org, asset, cve string
	var feeds feedFiles
	var kevOnly bool
	c := &cobra.Command{
		Use:   "vulns [FILE] [--advisories PATH] [--nvd PATH] [--kev FILE] [--epss FILE]",
		Short: "Which assets do these advisories hit?",
		Long: `Match vulnerability feeds against the assets of the stored model (or of
a model file): the feeds kept in the store ('ward feeds'), and files named
with --advisories (CSAF 2.0, such as CISA's medical-device advisories),
--nvd, --kev and --epss. Each match is listed with why it matched and how
sure it is: high when vendor, product and version match the advisory
exactly, medium when its version range could be read only in part, low when
it names no version to compare. What to patch first comes first: used by
ransomware, exploited in the wild (KEV), then by EPSS and CVSS.`,
		Example: `  ward vulns --kev-only
  ward vulns --advisories ./csaf --kev known_exploited_vulnerabilities.json
  ward vulns hospital.yaml --advisories icsma-20-296-02.json --asset pump-01`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			m, _, err := o.loadModel(c.Context(), files, org)
			if err != nil {
				return err
			}
			if err := checkAssets(m, "--asset", asset); err != nil {
				return err
			}
			all, err := o.loadMatches(c, m, files, feeds)
			if err != nil {
				return err
			}
			if all == nil {
				const none = "No vulnerability feeds are stored or named, so there is nothing to match the assets against.\n" +
					"Import or fetch them ('ward feeds import PATH', 'ward feeds fetch'), or name files with --advisories or --nvd."
				if o.format == "text" {
					fmt.Fprintln(o.stdout, none)
					return nil
				}
				fmt.Fprintln(o.stderr, none)
			}
			matches := []intel.Match{}
			for _, v := range intel.Prioritise(all) {
				if (asset == "" || v.Asset == asset) && (cve == "" || strings.EqualFold(v.CVE, cve)) && (!kevOnly || v.Exploited) {
					matches = append(matches, v)
				}
			}
			switch o.format {
			case "json":
				return writeJSON(o.stdout, map[string]any{"organisation": m.Organisation.ID, "matches": matches})
			case "csv":
				w := csv.NewWriter(o.stdout)
				w.Write([]string{"asset", "cve", "advisory", "product", "cvss", "epss", "exploited", "ransomware", "confidence", "why"})
				for _, v := range matches {
					w.Write([]string{v.Asset, v.CVE, v.Advisory, v.Product, fmt.Sprintf("%.1f", v.CVSS), epssCSV(v.EPSS), fmt.Sprint(v.Exploited), fmt.Sprint(v.Ransomware), v.Confidence, v.Why})
				}
				w.Flush()
				return w.Error()
			}
			tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ASSET\tCVE\tADVISORY\tCVSS\tKEV\tCONFIDENCE\tWHY")
			assets := map[string]bool{}
			for _, v := range matches {
				kev := ""
				if v.Exploited {
					kev = "yes"
				}
				assets[v.Asset] = true
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n", v.Asset, v.CVE, v.Advisory, v.CVSS, kev, v.Confidence, v.Why)
			}
			tw.Flush()
			fmt.Fprintf(o.stdout, "%d match(es) on %d asset(s)\n", len(matches), len(assets))
			return nil
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	feeds.flags(c)
	c.Flags().StringVar(&asset, "asset", "", "only this asset")
	c.Flags().StringVar(&cve, "cve", "", "only this CVE")
	c.Flags().BoolVar(&kevOnly, "kev-only", false, "only vulnerabilities known to be exploited")
	addFormat(c, o, "text", "json", "csv")
	return c
}

// epssCSV is an EPSS score in a CSV cell: empty when no EPSS data scored it.
func epssCSV(p float64) string {
	if p == 0 {
		return ""
	}
	return fmt.Sprintf("%.5f", p)
}
