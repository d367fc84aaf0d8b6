package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/assess"
	"github.com/wardhealth/ward/detect"
	"github.com/wardhealth/ward/incident"
	"github.com/wardhealth/ward/modelfile"
)

// maxBadShown is how many corrupt lines of a file are named on stderr.
const maxBadShown = 10

func detectCmd(o *options) *cobra.Command {
	var org, asset, model string
	var ruleDirs []string
	var year int
	var withAssess, openIncidents bool
	var follow string
	var keep bool
	c := &cobra.Command{
		Use:   "detect FILE... | --follow FILE [--asset ID] [--rules DIR] [--format text|json]",
		Short: "Find brute force, floods and ransomware signs in logs",
		Long: `Read logs and report what Ward's Sigma rules find in them: brute force
against one account or from one source, password spraying, a logon after a
brute force, account lockouts, request floods on web services, password
guessing on web logons, shadow copies deleted and logs cleared (ransomware's
first steps), logons to medical devices from outside their network, port
scans.

Ward reads, line by line and whichever each line is: syslog (RFC 3164,
RFC 5424, or files with RFC 3339 time stamps as rsyslog writes them) with
OpenSSH, PAM and iptables/nftables LOG messages inside; web access logs
(common and combined, as nginx and Apache write them); Windows events as
JSON, one object a line (evtx_dump, Winlogbeat, NXLog, Get-WinEvent,
Wazuh). '-'
reads standard input. A line Ward cannot read is counted and named
(FILE:LINE) and the rest goes on; a line over 64 KiB is cut there.

Each event is tied to an asset of the stored model (or of --model): by the
address a firewall line names as destination, else by the host name or
address that wrote the line (asset id, name or address, the short host
name too), else to --asset, the asset the files come from.

--rules DIR adds Sigma rules and correlation rules (event_count,
value_count, temporal, temporal_ordered) from .yml files; a mistake in one
is reported at its line and column.

--assess runs the assessment with what was seen: a detection on an asset
raises the likelihood of the threats with its ATT&CK technique there (by
2; docs/risk-method.md), and the risks it raised are listed with their
score before and after.

--open-incidents puts what was found in the incident register: a high or
critical detection on an asset joins the open incident on that asset, or
opens a new one (suspected, on the NIS2 clock from now); a lower one only
joins an open incident. See docs/detection.md and docs/incidents.md.

--follow FILE reads a growing log from its start and then what is
appended, as tail -F does (a rotated file is read to its end, then the new
one; a truncated one from its start), printing each detection when it is
found, until Ctrl-C or SIGTERM; then it prints all of them as above. See
docs/detection.md.`,
		Example: `  ward detect /var/log/auth.log --asset vpn-vendor
  ward detect access.log --asset erx-gw --format json
  ward detect security.jsonl firewall.log --rules ./sigma
  ward detect /var/log/auth.log --asset vpn-vendor --assess
  ward detect /var/log/auth.log --asset vpn-vendor --open-incidents
  ward detect --follow /var/log/auth.log --asset vpn-vendor`,
		Args: detectArgs(&follow),
		RunE: func(c *cobra.Command, files []string) error {
			m, err := o.detectModel(c, model, org)
			if err != nil {
				return err
			}
			if m != nil {
				if err := checkAssets(m, "--asset", asset); err != nil {
					return err
				}
			}
			if follow != "" {
				return o.detectFollow(c.Context(), m, follow, asset, ruleDirs, year)
			}
			en, read, err := o.runDetection(m, files, asset, ruleDirs, year)
			if err != nil {
				return err
			}
			dets := en.Detections()
			if n := en.Late(); n > 0 {
				fmt.Fprintf(o.stderr, "ward: %s came after their correlation windows had moved on (files out of time order? give them oldest first)\n", plural(n, "event"))
			}
			orgID := ""
			if m != nil {
				orgID = m.Organisation.ID
			}
			if keep {
				if err := o.keepDetections(c.Context(), m, dets); err != nil {
					return err
				}
			}
			var raised []raisedRisk
			var observed []assess.Observation
			if withAssess {
				if m == nil {
					return invalidError{errors.New("--assess needs a model: store one ('ward import FILE') or name it with --model")}
				}
				observed = observations(dets)
				if raised, err = raisedRisks(m, observed); err != nil {
					return err
				}
			}
			var register []registered
			if openIncidents {
				if m == nil || model != "" {
					return invalidError{errors.New("--open-incidents needs the stored model, whose register it writes ('ward import FILE'; not --model)")}
				}
				if register, err = o.openIncidents(c, m, dets); err != nil {
					return err
				}
			}
			if o.format == "json" {
				out := map[string]any{"organisation": orgID, "files": read, "detections": dets, "late_events": en.Late()}
				if withAssess {
					out["observed"], out["raised_risks"] = observed, raised
				}
				if openIncidents {
					out["incidents"] = register
				}
				return writeJSON(o.stdout, out)
			}
			writeDetections(o.stdout, read, dets)
			if withAssess {
				writeRaised(o.stdout, raised)
			}
			if openIncidents {
				writeRegistered(o.stdout, register)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&asset, "asset", "", "the asset the files come from, for lines that name no asset of the model")
	f.StringArrayVar(&ruleDirs, "rules", nil, "a directory of Sigma rules to use beside the built-in ones (repeatable)")
	f.StringVar(&model, "model", "", "a model file to tie events to, instead of the stored model")
	f.StringVar(&org, "org", "", "organisation (when the store holds several)")
	f.BoolVar(&withAssess, "assess", false, "assess the model with what was seen, and list the risks it raised")
	f.BoolVar(&openIncidents, "open-incidents", false, "open incidents from high and critical detections, or add them to the open incident on the same asset")
	f.BoolVar(&keep, "keep", false, "keep the detections in the store, for the dashboard and the assessment it shows")
	f.StringVar(&follow, "follow", "", "follow a growing log (as tail -F: rotation and truncation too) until Ctrl-C, printing detections as found and a summary")
	f.IntVar(&year, "year", 0, "the year of RFC 3164 time stamps, which carry none (default: this year, or last year for a date ahead)")
	addFormat(c, o, "text", "json")
	return c
}

// registered is what detections did to the incident register.
type registered struct {
	Incident   string     `json:"incident"`
	Title      string     `json:"title"`
	Severity   ward.Level `json:"severity"`
	Opened     bool       `json:"opened"`
	Detections int        `json:"detections"`
}

// openIncidents applies detections to the organisation's register, each
// incident opened or joined with its audit entry.
func (o *options) openIncidents(c *cobra.Command, m *ward.Model, dets []detect.Detection) ([]registered, error) {
	out := []registered{}
	org := m.Organisation.ID
	err := o.withStore(c.Context(), func(s ward.Store) error {
		open, err := s.Incidents(c.Context(), org, ward.IncidentFilter{Open: true})
		if err != nil {
			return err
		}
		res := incident.FromDetections(m, open, dets, "ward detect ("+actor()+")", time.Now())
		for _, i := range res.Opened {
			n := len(i.Evidence)
			if err := s.PutIncident(cliAudited(c.Context(), org, "incident.open", i.ID, fmt.Sprintf("from %s: %s", plural(n, "detection"), i.Title)), i, 0); err != nil {
				return err
			}
			out = append(out, registered{i.ID, i.Title, i.Severity, true, n})
		}
		for _, j := range res.Joined {
			if err := s.PutIncident(cliAudited(c.Context(), org, "incident.update", j.Incident.ID, plural(j.Detections, "detection")+" added"), j.Incident, j.Version); err != nil {
				return err
			}
			out = append(out, registered{j.Incident.ID, j.Incident.Title, j.Incident.Severity, false, j.Detections})
		}
		return nil
	})
	return out, err
}

func writeRegistered(w io.Writer, reg []registered) {
	fmt.Fprintf(w, "\nthe incident register:\n")
	if len(reg) == 0 {
		fmt.Fprintln(w, "  nothing high or critical, and no open incident on these assets: no incident opened")
	}
	for _, r := range reg {
		verb := "joined"
		if r.Opened {
			verb = "opened"
		}
		fmt.Fprintf(w, "  %s %s (%s, %s): %s\n", verb, r.Incident, r.Severity, plural(r.Detections, "detection"), r.Title)
	}
}

type fileRead struct {
	File  string       `json:"file"`
	Stats detect.Stats `json:"stats"`
}

// detectModel is the model events are tied to: --model's file, or the
// stored organisation's; none when the store holds no organisation.
func (o *options) detectModel(c *cobra.Command, file, org string) (*ward.Model, error) {
	if file != "" {
		largeModel(file)
		m, err := modelfile.Load(file, o.limits())
		if _, ok := modelfile.AsErrors(err); ok {
			return nil, invalidError{err}
		}
		return m, err
	}
	var m *ward.Model
	err := o.withStore(c.Context(), func(s ward.Store) error {
		if org == "" {
			orgs, err := s.Organisations(c.Context())
			if err != nil {
				return err
			}
			if len(orgs) == 0 {
				fmt.Fprintln(o.stderr, "ward: the store holds no organisation, so events are tied to no asset but --asset ('ward import FILE' stores a model)")
				return nil
			}
		}
		id, err := resolveOrg(c.Context(), s, org)
		if err != nil {
			return err
		}
		m, err = s.Model(c.Context(), id)
		return notFound(err)
	})
	return m, err
}

// detectFile reads one log through the engine; its corrupt lines are
// named on stderr.
func (o *options) detectFile(en *detect.Engine, assets *detect.Assets, name string, year int) (detect.Stats, error) {
	var in io.Reader = o.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return detect.Stats{}, invalidError{err} // a log named wrongly is bad input
		}
		defer f.Close()
		in = f
	}
	r := detect.NewReader(in, name, year)
	for e := r.Next(); e != nil; e = r.Next() {
		assets.Tie(e)
		en.Process(e)
	}
	st := r.Stats()
	reportRead(o, name, st)
	return st, r.Err()
}

// reportRead names a file's corrupt lines (the first ten) and cut lines on
// stderr.
func reportRead(o *options, name string, st detect.Stats) {
	for i, b := range st.Bad {
		if i == maxBadShown {
			fmt.Fprintf(o.stderr, "ward: %s: %d more lines not read\n", name, st.Corrupt-maxBadShown)
			break
		}
		fmt.Fprintf(o.stderr, "ward: %s (line skipped)\n", b)
	}
	if st.Truncated > 0 {
		fmt.Fprintf(o.stderr, "ward: %s: %d lines over %d KiB cut there (first: line %d)\n", name, st.Truncated, detect.MaxLine>>10, st.Cut[0])
	}
}

func writeDetections(w io.Writer, read []fileRead, dets []detect.Detection) {
	var lines, events, corrupt int
	for _, f := range read {
		lines += f.Stats.Lines
		events += f.Stats.Events
		corrupt += f.Stats.Corrupt
	}
	fmt.Fprintf(w, "%s in %s: %s read, %s not (corrupt or unknown)\n", plural(len(dets), "detection"), plural(len(read), "file"), plural(lines, "line"), plural(corrupt, "line"))
	for _, d := range dets {
		fmt.Fprintln(w)
		tech := ""
		if len(d.Techniques) > 0 {
			tech = "; ATT&CK " + strings.Join(d.Techniques, ", ")
		}
		fmt.Fprintf(w, "%-8s %s  (%s%s)\n", strings.ToUpper(d.Level), d.Title, d.Rule, tech)
		where := "asset " + d.Asset
		if d.Asset == "" {
			where = fmt.Sprintf("host %s (no asset of the model)", orDash(d.Host))
		}
		if len(d.Group) > 0 {
			where += "  " + strings.Join(d.Group, " ")
		}
		fmt.Fprintf(w, "  %s\n", where)
		fmt.Fprintf(w, "  %s, %s – %s\n", plural(d.Count, "event"), d.FirstSeen.UTC().Format("2006-01-02 15:04:05"), d.LastSeen.UTC().Format(lastLayout(d.FirstSeen, d.LastSeen)))
		fmt.Fprintf(w, "  why: %s\n", d.Why)
		for _, s := range d.Samples {
			text := s.Text
			if s.Summary != "" {
				text = s.Summary
			}
			fmt.Fprintf(w, "    %s:%d  %s\n", s.File, s.Line, clip(text, 200))
		}
	}
}

// lastLayout leaves the date out of the last seen time when it is the
// first seen's.
func lastLayout(first, last time.Time) string {
	if first.UTC().Format(time.DateOnly) == last.UTC().Format(time.DateOnly) {
		return "15:04:05 UTC"
	}
	return "2006-01-02 15:04:05 UTC"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// observations sum up the detections per asset and rule, for the
// assessment (detect.Observations).
func observations(dets []detect.Detection) []assess.Observation {
	stored := make([]ward.Detection, len(dets))
	for i, d := range dets {
		stored[i] = d.Stored("")
	}
	return detect.Observations(stored)
}

// raisedRisk is a risk of the register that what was seen raised.
type raisedRisk struct {
	Threat        string   `json:"threat"`
	ThreatName    string   `json:"threat_name"`
	Assets        []string `json:"assets"`
	Before        int      `json:"score_before"`
	After         int      `json:"score_after"`
	SeverityAfter string   `json:"severity"`
	Observed      string   `json:"observed"`
}

// raisedRisks assesses the model without and with the observations and
// returns the risks whose score an observation raised.
func raisedRisks(m *ward.Model, obs []assess.Observation) ([]raisedRisk, error) {
	out := []raisedRisk{}
	if len(obs) == 0 {
		return out, nil
	}
	cat, err := loadCatalog(nil)
	if err != nil {
		return nil, err
	}
	before, err := assess.Assess(m, cat, assess.Options{Today: today()})
	if err != nil {
		return nil, err
	}
	after, err := assess.Assess(m, cat, assess.Options{Today: today(), Observed: obs})
	if err != nil {
		return nil, err
	}
	was := map[[2]string]int{}
	for _, r := range before.Risks {
		for _, a := range r.Assets {
			was[[2]string{r.Threat, a}] = r.Score
		}
	}
	for _, r := range after.Risks {
		for _, f := range r.Factors {
			if f.Term != "likelihood" || !strings.HasPrefix(f.Reason, "observed: ") {
				continue
			}
			out = append(out, raisedRisk{Threat: r.Threat, ThreatName: r.ThreatName, Assets: r.Assets,
				Before: was[[2]string{r.Threat, r.Assets[0]}], After: r.Score, SeverityAfter: r.Severity, Observed: f.Reason})
		}
	}
	return out, nil
}

func writeRaised(w io.Writer, raised []raisedRisk) {
	fmt.Fprintf(w, "\n%s of the register raised by what was seen:\n", plural(len(raised), "risk"))
	for _, r := range raised {
		change := fmt.Sprintf("score %d, was %d", r.After, r.Before)
		if r.After == r.Before {
			change = fmt.Sprintf("score %d already, the likelihood at the top of its scale", r.After)
		}
		fmt.Fprintf(w, "  %-8s %s on %s: %s\n    %s\n", strings.ToUpper(r.SeverityAfter), r.ThreatName, strings.Join(r.Assets, ", "), change, r.Observed)
	}
}

// runDetection reads log files with the built-in rules and those of
// ruleDirs, tying events to the model's assets (asset for lines that name
// none).
func (o *options) runDetection(m *ward.Model, files []string, asset string, ruleDirs []string, year int) (*detect.Engine, []fileRead, error) {
	en, err := loadEngine(ruleDirs)
	if err != nil {
		return nil, nil, err
	}
	assets := detect.NewAssets(m, asset)
	var read []fileRead
	for _, f := range files {
		st, err := o.detectFile(en, assets, f, year)
		if err != nil {
			return nil, nil, err
		}
		read = append(read, fileRead{File: f, Stats: st})
	}
	return en, read, nil
}
