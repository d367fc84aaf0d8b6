package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/modelfile"
	"github.com/wardhealth/ward/quantify"
	"github.com/wardhealth/ward/report"
)

// moneyFlags are the simulation's flags on assess and plan.
type moneyFlags struct {
	trials   int
	seed     uint64
	currency string
	// file is the model file read, where problems of its costs are
	// placed; empty for a stored model.
	file string
}

func (f *moneyFlags) add(c *cobra.Command) {
	c.Flags().IntVar(&f.trials, "trials", quantify.DefaultTrials, "simulated years for the expected loss (at least 1,000)")
	c.Flags().Uint64Var(&f.seed, "seed", quantify.DefaultSeed, "seed of the simulation: the same seed gives the same figures")
	c.Flags().StringVar(&f.currency, "currency", "", "currency of the figures; must be the model's costs.currency (default EUR): Ward does not convert")
}

// options checks the flags against the model, and the model's cost
// figures against the catalog.
func (f *moneyFlags) options(m *ward.Model, cat *catalog.Catalog) (quantify.Options, error) {
	if err := quantify.Check(m, cat); err != nil {
		var ve *ward.ValidationError
		if f.file != "" && errors.As(err, &ve) {
			err = modelfile.Place(f.file, ve.Errors)
		}
		return quantify.Options{}, invalidError{err}
	}
	if f.trials < 1000 {
		return quantify.Options{}, usageError{fmt.Errorf("--trials %d: simulate at least 1000 years", f.trials)}
	}
	if f.seed == 0 {
		return quantify.Options{}, usageError{fmt.Errorf("--seed 0: use a seed of 1 or more")}
	}
	have := m.Costs.Currency
	if have == "" {
		have = quantify.Currency
	}
	if f.currency != "" && !strings.EqualFold(f.currency, have) {
		return quantify.Options{}, usageError{fmt.Errorf("--currency %s: the model's costs are in %s and Ward does not convert; set costs.currency and the figures in %s in the model", f.currency, have, strings.ToUpper(f.currency))}
	}
	return quantify.Options{Trials: f.trials, Seed: f.seed}, nil
}

// writeQuantified simulates the assessed model and writes its loss.
// With budget > 0 it adds the plan ranked by loss avoided per euro.
func (o *options) writeQuantified(m *ward.Model, cat *catalog.Catalog, res *assess.Result, f *moneyFlags, top int, output string, aopt assess.Options, budget int) error {
	opt, err := f.options(m, cat)
	if err != nil {
		return err
	}
	q, err := quantify.Quantify(m, cat, res, opt)
	if err != nil {
		return err
	}
	if budget > 0 {
		if q.Plan, err = quantify.MakePlan(m, cat, aopt, opt, budget); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	switch o.format {
	case "json":
		err = writeJSON(&buf, q)
	case "csv":
		err = writeLossCSV(&buf, q)
	case "html":
		err = report.HTMLWithLoss(&buf, res, m, version, q)
	case "text":
		writeLossText(&buf, res, q, top)
	default:
		return usageError{fmt.Errorf("--quantify writes text, json, csv or html, not %s", o.format)}
	}
	if err != nil {
		return err
	}
	return o.emit(buf.Bytes(), output)
}

// emit writes out to stdout or, whole or not at all, to output.
func (o *options) emit(out []byte, output string) error {
	return o.emitWith(output, func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
}

// emitWith writes a command's output through write: to the file output
// (whole or not at all) or, without one, to standard output.
func (o *options) emitWith(output string, write func(io.Writer) error) error {
	if output != "" {
		return writeFileAtomicWith(output, write)
	}
	return write(o.stdout)
}

func writeLossText(w io.Writer, res *assess.Result, q *quantify.Result, top int) {
	c := q.Currency
	fmt.Fprintf(w, "Expected loss of %s (%s), %s\n", res.Name, res.Organisation, res.Date)
	fmt.Fprintf(w, "  method %s, %s simulated years, seed %d; amounts in %s a year\n", q.Method, quantify.Money(float64(q.Trials)), q.Seed, c)
	fmt.Fprintf(w, "  expected loss: %s %s (downtime %s, patients diverted %s, breach %s, reputation %s, recovery %s, fines %s)\n", quantify.Money(q.Mean), c,
		quantify.Money(q.Parts.Downtime), quantify.Money(q.Parts.Diversion), quantify.Money(q.Parts.Breach), quantify.Money(q.Parts.Reputation),
		quantify.Money(q.Parts.Recovery), quantify.Money(q.Parts.Fines))
	if n := q.Net; n != nil {
		fmt.Fprintf(w, "  net of insurance: %s %s a year expected (the insurance pays %s); P50 %s, P90 %s, P99 %s\n", quantify.Money(n.Mean), c,
			quantify.Money(n.Paid), quantify.Money(n.P50), quantify.Money(n.P90), quantify.Money(n.P99))
	}
	fmt.Fprintf(w, "  ransoms, apart from the loss (paying is a decision): %s %s a year expected\n", quantify.Money(q.Parts.Ransom), c)
	fmt.Fprintf(w, "  a year's loss: P50 %s, P90 %s, P99 %s; no loss in %.1f %% of years\n", quantify.Money(q.P50), quantify.Money(q.P90), quantify.Money(q.P99), 100*q.NoLoss)
	fmt.Fprintf(w, "  patient harm, not in money: services of high or critical patient safety down %.1f hours a year past their max outage (expected)\n", q.HarmHours)
	fmt.Fprintf(w, "\nLoss exceedance: a year's loss exceeds\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, p := range q.Curve[1:] {
		fmt.Fprintf(tw, "%s %s\twith probability\t%g %%\t\n", quantify.Money(p.Loss), c, 100*p.P)
	}
	tw.Flush()
	n := len(q.Scenarios)
	if top > 0 && top < n {
		n = top
	}
	fmt.Fprintf(w, "\nScenarios (top %d of %d by expected loss, each as if it were the only risk; --top 0 for all)\n", n, len(q.Scenarios))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTHREAT\tASSETS\tEVENTS/YEAR\tSHARED CAUSE\tEXPECTED\tP99\tSTOPS\tRECORDS")
	for i, s := range q.Scenarios[:n] {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%g\t%s\t%s\t%s\t%s\t%s\n", i+1, s.ThreatName, assetsShort(s.Assets), s.Rate, s.Cause, quantify.Money(s.Mean), quantify.Money(s.P99),
			orDash(assetsShort(s.Services)), quantify.Money(float64(s.Records)))
	}
	tw.Flush()
	if q.Plan != nil {
		fmt.Fprintln(w)
		writeMoneyPlanText(w, q.Plan)
	}
	fmt.Fprintf(w, "\nParameters (docs/risk-method.md, \"Expected loss\"; set your own in the model's costs block)\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range q.Parameters {
		from := "default"
		if p.Set {
			from = "model"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, p.Value, from, p.Source)
	}
	tw.Flush()
}

// amount writes money in a CSV cell as a plain number a spreadsheet reads
// (the currency has a column of its own).
func amount(x float64) string { return fmt.Sprintf("%.0f", x) }

func writeLossCSV(w io.Writer, q *quantify.Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"rank", "threat", "assets", "events_per_year", "cause", "mean_annual_loss", "p50", "p90", "p99",
		"downtime", "diversion", "breach", "reputation", "recovery", "fines", "ransom_apart", "services_stopped", "records_exposed", "currency", "method", "seed", "trials"})
	row := func(rank, threat, assets, rate, cause string, mean, p50, p90, p99 float64, parts quantify.Parts, services, records string) {
		cw.Write([]string{rank, threat, assets, rate, cause, amount(mean), amount(p50), amount(p90), amount(p99),
			amount(parts.Downtime), amount(parts.Diversion), amount(parts.Breach), amount(parts.Reputation), amount(parts.Recovery), amount(parts.Fines),
			amount(parts.Ransom), services, records,
			q.Currency, q.Method, fmt.Sprint(q.Seed), fmt.Sprint(q.Trials)})
	}
	row("total", "", "", "", "", q.Mean, q.P50, q.P90, q.P99, q.Parts, "", "")
	for i, s := range q.Scenarios {
		row(fmt.Sprint(i+1), s.Threat, strings.Join(s.Assets, " "), fmt.Sprint(s.Rate), s.Cause, s.Mean, s.P50, s.P90, s.P99, s.Parts,
			strings.Join(s.Services, " "), fmt.Sprint(s.Records))
	}
	cw.Flush()
	return cw.Error()
}

func writeMoneyPlanText(w io.Writer, p *quantify.Plan) {
	c := p.Currency
	fmt.Fprintf(w, "Mitigation plan in money: %d changes of %d candidates; expected loss %s -> %s %s a year (-%d%%) for %s %s a year\n",
		len(p.Steps), p.Candidates, quantify.Money(p.Before), quantify.Money(p.After), c, percent(int(p.Before-p.After), int(p.Before)), quantify.Money(p.Cost), c)
	fmt.Fprintf(w, "  method %s, %s simulated years, seed %d; one-off costs spread over %d years\n", p.Method, quantify.Money(float64(p.Trials)), p.Seed, quantify.PayOff)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tCHANGE\tAVOIDED/YEAR\tCOST/YEAR\tPER "+c+"\tLOSS AFTER\tONE-OFF\tYEARLY")
	for _, s := range p.Steps {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n", s.Rank, s.Title, quantify.Money(s.Avoided), quantify.Money(s.Cost), s.PerEuro, quantify.Money(s.After), quantify.Money(s.OneOff), quantify.Money(s.Yearly))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nLoss exceedance before and after: a year's loss exceeds, with probability\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PROBABILITY\tBEFORE\tAFTER\t")
	after := map[float64]float64{}
	for _, pt := range p.CurveAfter {
		after[pt.P] = pt.Loss
	}
	missing := false
	for _, pt := range p.CurveBefore[1:] {
		a, ok := after[pt.P]
		as := "-"
		if ok {
			as = quantify.Money(a)
		}
		missing = missing || !ok
		fmt.Fprintf(tw, "%g %%\t%s\t%s\t\n", 100*pt.P, quantify.Money(pt.Loss), as)
	}
	tw.Flush()
	if missing {
		fmt.Fprintln(w, "  -: fewer years than that lose anything after the plan")
	}
}

// writeChangedModel writes a planned model to path, when one is given.
func writeChangedModel(path string, m *ward.Model) error {
	if path == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m, modelfile.DetectFormat(path, nil)); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}

// planByMoney ranks the candidate changes by expected loss avoided per
// euro and writes the plan.
// planByMoney plans on m and applies the plan to full (m and its planned
// assets) for --apply.
// It stops on an interrupt or SIGTERM: on a large hospital it takes
// minutes.
func (o *options) planByMoney(ctx context.Context, m, full *ward.Model, cat *catalog.Catalog, aopt assess.Options, f *moneyFlags, budget int, apply string) error {
	opt, err := f.options(m, cat)
	if err != nil {
		return err
	}
	plan, err := quantify.MakePlanContext(ctx, m, cat, aopt, opt, budget, nil)
	if err != nil {
		return err
	}
	return o.finishPlan(apply, func() *ward.Model { return plan.Apply(full) }, plan, func(w io.Writer) { writeMoneyPlanText(w, plan) },
		func(w io.Writer) error { return writeMoneyPlanCSV(w, plan) })
}

// writeMoneyPlanCSV writes the plan in money a row a step, for a
// spreadsheet: what it costs, what it avoids, the loss after it.
func writeMoneyPlanCSV(w io.Writer, p *quantify.Plan) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"rank", "id", "action", "title", "assets", "zone", "rules", "units", "one_off", "yearly", "cost_per_year",
		"loss_avoided_per_year", "avoided_per_euro", "loss_after", "currency", "method", "seed", "trials", "why"})
	for _, s := range p.Steps {
		cw.Write([]string{fmt.Sprint(s.Rank), s.ID, s.Action, s.Title, strings.Join(s.Assets, " "), s.Zone, strings.Join(s.Rules, " "), fmt.Sprint(s.Units),
			amount(s.OneOff), amount(s.Yearly), amount(s.Cost), amount(s.Avoided), fmt.Sprintf("%.2f", s.PerEuro),
			amount(s.After), p.Currency, p.Method, fmt.Sprint(p.Seed), fmt.Sprint(p.Trials), s.Why})
	}
	cw.Flush()
	return cw.Error()
}

// finishPlan writes the changed model to apply, when given (changed makes
// it only then), and the plan as JSON, CSV or text.
func (o *options) finishPlan(apply string, changed func() *ward.Model, plan any, text func(io.Writer), csv func(io.Writer) error) error {
	if apply != "" {
		if err := writeChangedModel(apply, changed()); err != nil {
			return err
		}
	}
	switch o.format {
	case "json":
		return writeJSON(o.stdout, plan)
	case "csv":
		return csv(o.stdout)
	}
	text(o.stdout)
	if apply != "" {
		fmt.Fprintf(o.stdout, "wrote the changed model to %s\n", apply)
	}
	return nil
}
