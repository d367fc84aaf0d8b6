package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
)

func planCmd(o *options) *cobra.Command {
	var org, date, apply string
	var catalogs []string
	var budget int
	var by string
	var money moneyFlags
	var feeds feedFiles
	c := &cobra.Command{
		Use:   "plan [FILE]",
		Short: "Rank the changes that remove the most risk",
		Long: `Propose up to --budget changes — segment a zone, take an asset off the
Internet, require MFA, broker remote access, replace what is out of support,
encrypt or authenticate links, add EDR or a standby, patch, close a firewall
rule, tier the directory's administration, keep offline backups — each
chosen because it removes the most given the ones before it, measured by
re-assessing the changed model: the register risk (the sum over open risks
of score x assets) and the path exposure of the critical targets (100 x the
probability of the likeliest attack path to each), added up. The known
vulnerabilities come from the feeds, as for 'ward assess'.
--by money ranks them by expected loss avoided a year per euro a year
instead, each measured by simulating the changed model with the same seed,
with the cost of each change from the model's costs block or Ward's
defaults (docs/risk-method.md, "Expected loss").
--apply FILE writes the model with the changes made, to review or import.`,
		Example: `  ward plan --budget 5
  ward plan hospital.yaml --format json --apply hospital-planned.yaml
  ward plan hospital.yaml --by money --budget 5`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, files []string) error {
			if budget < 1 {
				return usageError{fmt.Errorf("--budget must be at least 1")}
			}
			if by != "risk" && by != "money" {
				return usageError{fmt.Errorf("--by %q: use risk or money", by)}
			}
			if date == "" {
				date = today()
			}
			cat, err := loadCatalog(catalogs)
			if err != nil {
				return err
			}
			feeds.vendors = cat.Vendors
			m, file, err := o.loadModel(c.Context(), files, org)
			if err != nil {
				return err
			}
			money.file = file
			exists := m.WithoutPlanned()
			aopt := assess.Options{Today: date}
			if aopt.Matches, err = o.loadMatches(c, exists, files, feeds); err != nil {
				return err
			}
			p := o.progress()
			p.step("assessing %d assets and measuring each candidate change", len(m.Assets))
			// The plan is for what exists: planned assets (candidate
			// devices) are left out of it, and kept in the model --apply
			// writes.
			if by == "money" {
				return o.planByMoney(c.Context(), exists, m, cat, aopt, &money, budget, apply)
			}
			plan, err := assess.MakePlan(exists, cat, aopt, budget)
			if err != nil {
				return err
			}
			return o.finishPlan(apply, func() *ward.Model { return plan.Apply(m) }, plan, func(w io.Writer) { writePlanText(w, plan) },
				func(w io.Writer) error { return writePlanCSV(w, plan) })
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation id (default: the only one stored)")
	c.Flags().IntVar(&budget, "budget", 10, "most changes to propose")
	c.Flags().StringArrayVar(&catalogs, "catalog", nil, "directory of catalog files to add (repeatable)")
	c.Flags().StringVar(&date, "date", "", "assessment date, YYYY-MM-DD (default: today)")
	c.Flags().StringVar(&apply, "apply", "", "write the model with the changes made to this file")
	c.Flags().StringVar(&by, "by", "risk", "rank changes by risk removed (risk) or by expected loss avoided per euro (money)")
	money.add(c)
	feeds.flags(c)
	addFormat(c, o, "text", "json", "csv")
	return c
}

// writePlanCSV writes the plan a row a step, for a spreadsheet.
func writePlanCSV(w io.Writer, plan *assess.Plan) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"rank", "id", "action", "title", "assets", "zone", "rules", "patched", "risk_removed", "exposure_removed", "removed", "after", "paths_weakened", "why"})
	for _, s := range plan.Steps {
		zone := s.Zone
		if len(s.Zones) > 0 { // a change on several zones alike
			zone = strings.Join(s.Zones, " ")
		}
		cw.Write([]string{fmt.Sprint(s.Rank), s.ID, s.Action, s.Title, strings.Join(s.Assets, " "), zone, strings.Join(s.Rules, " "), strings.Join(s.Patched, " "),
			fmt.Sprint(s.RiskRemoved), fmt.Sprint(s.ExposureRemoved), fmt.Sprint(s.Removed), fmt.Sprint(s.After), s.Breaks, s.Why})
	}
	cw.Flush()
	return cw.Error()
}

func percent(part, whole int) int {
	if whole == 0 {
		return 0
	}
	return part * 100 / whole
}

func writePlanText(w io.Writer, plan *assess.Plan) {
	grouped := ""
	if plan.Places > plan.Candidates {
		grouped = fmt.Sprintf(" (on %d places: the same change on places alike is one)", plan.Places)
	}
	fmt.Fprintf(w, "Mitigation plan: %d changes of %d candidates%s; register risk %d -> %d, path exposure %d -> %d (-%d%% together)\n",
		len(plan.Steps), plan.Candidates, grouped, plan.RiskBefore, plan.RiskAfter, plan.ExposureBefore, plan.ExposureAfter, percent(plan.Before-plan.After, plan.Before))
	fmt.Fprintln(w, "Register risk: the open risks' scores, summed over their assets. Path exposure: 100 x the probability of the most likely attack path to each critical target.")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tCHANGE\tRISK REMOVED\tEXPOSURE REMOVED\tWHY")
	for _, s := range plan.Steps {
		why := s.Why
		if s.Breaks != "" {
			why += "; " + s.Breaks
		}
		if s.Alike != "" {
			why += "; alike: " + s.Alike
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\n", s.Rank, s.Title, s.RiskRemoved, s.ExposureRemoved, why)
	}
	tw.Flush()
}
