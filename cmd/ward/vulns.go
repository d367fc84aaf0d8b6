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
	var catalogs []string
	var feeds feedFiles
	var kevOnly bool
	c := &cobra.Command{
		Use:   "vulns [FILE] [--advisories PATH] [--nvd PATH] [--kev FILE] [--epss FILE]",
		Short: "Which assets do these advisories hit?",
		Long: `Match vulnerability feeds against the assets of the stored model (or of
a model file): the feeds kept in the store ('ward feeds'), and files named
with --advisories (CSAF 2.0, such as CISA's medical-device advisories),
--nvd, --kev and --epss. Matches are grouped by asset, the asset to patch
first first: used by ransomware, exploited in the wild (KEV), then by EPSS
and CVSS. Each says which rule made it and how sure it is: high when the
device is the advisory's product (by model number, CPE, package URL, or
name) and its version surely in the range; medium when the version is not
known or could be compared only in part; low, listed apart, when the
device names only the product's family. Vendor names go through the
catalog's vendor lineage (Welch Allyn is Baxter's); --catalog adds names.
See docs/vulnerabilities.md.`,
		Example: `  ward vulns --kev-only
  ward vulns --advisories ./csaf --kev known_exploited_vulnerabilities.json
  ward vulns hospital.yaml --advisories icsma-20-296-02.json --asset pump-01`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			if len(catalogs) > 0 {
				cat, err := loadCatalog(catalogs)
				if err != nil {
					return err
				}
				feeds.vendors = cat.Vendors
			}
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
				w.Write([]string{"asset", "cve", "advisory", "product", "cvss", "epss", "exploited", "ransomware", "confidence", "why", "rule"})
				for _, v := range matches {
					w.Write([]string{v.Asset, v.CVE, v.Advisory, v.Product, fmt.Sprintf("%.1f", v.CVSS), epssCSV(v.EPSS), fmt.Sprint(v.Exploited), fmt.Sprint(v.Ransomware), v.Confidence, v.Why, v.Rule})
				}
				w.Flush()
				return w.Error()
			}
			names := map[string]string{}
			for _, a := range m.Assets {
				names[a.ID] = strings.Join(strings.Fields(a.Vendor+" "+a.Product+" "+a.Version), " ")
			}
			groups, family := intel.ByAsset(matches)
			tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
			row := func(v intel.Match, asset string) {
				kev := ""
				if v.Exploited {
					kev = "yes"
				}
				fmt.Fprintf(tw, "  %s%s\t%s\t%.1f\t%s\t%s\t%s\t%s\n", asset, v.CVE, v.Advisory, v.CVSS, kev, v.Confidence, v.Rule, v.Why)
			}
			for i, g := range groups {
				if i > 0 {
					fmt.Fprintln(tw)
				}
				exploited := ""
				if g.Exploited > 0 {
					exploited = fmt.Sprintf(", %d exploited", g.Exploited)
				}
				fmt.Fprintf(tw, "%s  %s: %d CVE(s)%s, highest CVSS %.1f\n", g.Asset, names[g.Asset], len(g.Matches), exploited, g.MaxCVSS)
				fmt.Fprintln(tw, "  CVE\tADVISORY\tCVSS\tKEV\tCONFIDENCE\tRULE\tWHY")
				for _, v := range g.Matches {
					row(v, "")
				}
			}
			if len(family) > 0 {
				if len(groups) > 0 {
					fmt.Fprintln(tw)
				}
				fmt.Fprintln(tw, "By product family only (low confidence: check the device's model and version against the advisory):")
				fmt.Fprintln(tw, "  ASSET  CVE\tADVISORY\tCVSS\tKEV\tCONFIDENCE\tRULE\tWHY")
				for _, v := range family {
					row(v, v.Asset+"  ")
				}
			}
			tw.Flush()
			assets := map[string]bool{}
			for _, v := range matches {
				assets[v.Asset] = true
			}
			fmt.Fprintf(o.stdout, "%d match(es) on %d asset(s)", len(matches), len(assets))
			if len(family) > 0 {
				fmt.Fprintf(o.stdout, ", %d by product family only", len(family))
			}
			fmt.Fprintln(o.stdout)
			return nil
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	feeds.flags(c)
	c.Flags().StringVar(&asset, "asset", "", "only this asset")
	c.Flags().StringVar(&cve, "cve", "", "only this CVE")
	c.Flags().BoolVar(&kevOnly, "kev-only", false, "only vulnerabilities known to be exploited")
	c.Flags().StringArrayVar(&catalogs, "catalog", nil, "directory of catalog files to add, e.g. vendor names (repeatable)")
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
