package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/incident"
	"github.com/wardhealth/ward/share"
)

func incidentCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "incident",
		Short: "Keep the incident register and the NIS2 clock",
		Long: `Keep the organisation's incident register: what happened, to which assets
and clinical services, on the NIS2 clock (Art. 23(4): an early warning
within 24 hours of becoming aware of a significant incident, a
notification within 72 hours, a final report within one month of it).

  ward incident open      open an incident by hand ('ward detect --open-incidents' opens them from logs)
  ward incident list      the register, with what is due next and what is overdue
  ward incident show      one incident: clock, clinical impact, timeline, evidence, the CSIRT's advice
  ward incident update    change it: status, significance, assets, outages, evidence, actions, notes
  ward incident close     close it, with lessons that can add controls and decisions to the model
  ward incident report    the early warning, notification, intermediate or final report (JSON or HTML)
  ward incident sent      record a report as sent: who, when, to whom
  ward incident send      send a report to the CSIRT's hub over TAXII, as STIX 2.1, anonymised
  ward incident advise    (at the hub) answer an incident with advice
  ward incident sector    (at the hub) the incidents reported, by type and week

Every change is in the audit log. See docs/incidents.md.`,
	}
	c.AddCommand(incidentOpenCmd(o), incidentListCmd(o), incidentShowCmd(o), incidentUpdateCmd(o), incidentCloseCmd(o),
		incidentReportCmd(o), incidentSentCmd(o), incidentSendCmd(o), incidentAdviseCmd(o), incidentSectorCmd(o))
	return c
}

// actor is who the command line acts as, in incidents' timelines.
func actor() string { return cliEntry("", "", "", "").Actor }

// parseWhen reads a time as people give it: RFC 3339, "2006-01-02
// 15:04" (UTC), a date, or "now".
func parseWhen(flag, s string) (time.Time, error) {
	if s == "" || s == "now" {
		return time.Now().UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError{fmt.Errorf("--%s %q: a time such as 2026-12-01T09:30:00Z, \"2026-12-01 09:30\" (UTC) or now", flag, s)}
}

// yesNoFlag reads yes or no.
func yesNoFlag(flag, s string) (*bool, error) {
	switch strings.ToLower(s) {
	case "":
		return nil, nil
	case "yes", "y", "true":
		b := true
		return &b, nil
	case "no", "n", "false":
		b := false
		return &b, nil
	}
	return nil, usageError{fmt.Errorf("--%s %q: yes or no", flag, s)}
}

// checked turns the register's check of an incident into invalid input.
func checked(err error) error {
	var ve *ward.ValidationError
	if errors.As(err, &ve) {
		var b strings.Builder
		for i, fe := range ve.Errors {
			if i > 0 {
				b.WriteString("\n  ")
			}
			b.WriteString(fe.Error())
		}
		return invalidError{fmt.Errorf("the incident has %d problem(s):\n  %s", len(ve.Errors), b.String())}
	}
	if errors.Is(err, incident.ErrClosed) {
		return invalidError{err}
	}
	return err
}

// storedWithModel is the action of a change that fn stored itself, with
// a change of the model, in one transaction.
const storedWithModel = "\x00stored"

// withIncident reads an organisation's model and one of its incidents,
// runs fn on the incident, and stores it at the version read with the
// audit entry fn names; a missing incident is invalid input.
func (o *options) withIncident(ctx context.Context, org, id string, fn func(s ward.Store, m *ward.Model, i *ward.Incident) (action, detail string, err error)) (*ward.Incident, error) {
	var out *ward.Incident
	err := o.withOrg(ctx, org, func(s ward.Store, orgID string) error {
		m, err := s.Model(ctx, orgID)
		if err != nil {
			return err
		}
		i, err := s.Incident(ctx, orgID, id)
		if errors.Is(err, ward.ErrNotFound) {
			return invalidError{fmt.Errorf("no incident %q in the register of %s ('ward incident list')", id, orgID)}
		}
		if err != nil {
			return err
		}
		version := i.Version
		action, detail, err := fn(s, m, &i)
		if err != nil {
			return checked(err)
		}
		if action == "" {
			out = &i
			return nil
		}
		if action == storedWithModel {
			i.Version = version + 1
			out = &i
			return nil
		}
		if err := s.PutIncident(cliAudited(ctx, orgID, action, i.ID, detail), i, version); err != nil {
			if errors.Is(err, ward.ErrConflict) {
				return invalidError{fmt.Errorf("%w: someone changed it meanwhile; run the command again", err)}
			}
			return err
		}
		i.Version = version + 1
		out = &i
		return nil
	})
	return out, err
}

func incidentOpenCmd(o *options) *cobra.Command {
	var org, aware string
	var op incident.Opening
	var severity, status string
	c := &cobra.Command{
		Use:   "open --title TEXT [--severity LEVEL] [--asset ID]... [--service ID]...",
		Short: "Open an incident by hand",
		Long: `Open an incident in the register. --aware-at is when the organisation became
aware of it (default now): the NIS2 clock starts there. Assets and
services must be the model's.`,
		Example: `  ward incident open --title "Ransomware on the PACS" --severity critical --type ransomware --asset pacs-01 --service diagnostic-imaging
  ward incident open --title "Vendor VPN brute force" --aware-at "2026-12-01 09:14" --asset vpn-vendor --format json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if op.Title == "" {
				return usageError{errors.New("--title: say what happened")}
			}
			t, err := parseWhen("aware-at", aware)
			if err != nil {
				return err
			}
			op.AwareAt, op.Severity, op.Status = t, ward.Level(severity), ward.IncidentStatus(status)
			return o.withOrg(c.Context(), org, func(s ward.Store, id string) error {
				m, err := s.Model(c.Context(), id)
				if err != nil {
					return err
				}
				now := time.Now()
				i, err := incident.Open(m, op, actor(), now)
				if err != nil {
					return checked(err)
				}
				if err := s.PutIncident(cliAudited(c.Context(), id, "incident.open", i.ID, fmt.Sprintf("%s, %s: %s", i.Severity, i.Status, i.Title)), i, 0); err != nil {
					return err
				}
				i.Version = 1
				if o.format == "json" {
					return writeJSON(o.stdout, incident.ViewOf(&i, m, now, nil))
				}
				fmt.Fprintf(o.stdout, "opened %s: %s\n", i.ID, i.Title)
				writeClock(o.stdout, i.Clock(now))
				return nil
			})
		},
	}
	f := c.Flags()
	f.StringVar(&op.Title, "title", "", "what happened, in a line")
	f.StringVar(&severity, "severity", "medium", "low, medium, high or critical")
	f.StringVar(&status, "status", "suspected", "suspected or confirmed (contained, recovered)")
	f.StringVar(&op.Type, "type", "", "the kind of incident: "+strings.Join(ward.IncidentTypes, ", "))
	f.StringVar(&op.Description, "description", "", "what is known")
	f.StringVar(&aware, "aware-at", "now", "when the organisation became aware of it (RFC 3339, \"2026-12-01 09:30\" UTC, now)")
	f.StringArrayVar(&op.Assets, "asset", nil, "an affected asset (repeatable)")
	f.StringArrayVar(&op.Services, "service", nil, "an affected clinical service (repeatable)")
	f.StringVar(&org, "org", "", "organisation (when the store holds several)")
	addFormat(c, o, "text", "json")
	return c
}

func writeClock(w io.Writer, c ward.Clock) {
	if !c.Applies {
		fmt.Fprintf(w, "  NIS2: %s\n", c.Why)
		return
	}
	for _, d := range c.Deadlines {
		state := "due " + d.Due.Format("2006-01-02 15:04 UTC") + " (in " + d.Left + ")"
		switch {
		case d.Sent != nil:
			state = "sent " + d.Sent.Format("2006-01-02 15:04 UTC")
		case d.Overdue:
			state = "OVERDUE since " + d.Due.Format("2006-01-02 15:04 UTC") + " (" + strings.TrimPrefix(d.Left, "-") + " ago)"
		}
		if d.Estimated && d.Sent == nil {
			state += ", counted from the notification's deadline until it is sent"
		}
		fmt.Fprintf(w, "  %-22s %s\n", d.Kind.Title()+":", state)
	}
}

func incidentListCmd(o *options) *cobra.Command {
	var org, status string
	var all bool
	c := &cobra.Command{
		Use:   "list [--all] [--status S]",
		Short: "List the register's incidents, with what is due next and what is overdue",
		Example: `  ward incident list
  ward incident list --all --format json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			f := ward.IncidentFilter{Open: !all && status == "", Status: ward.IncidentStatus(status)}
			return o.withOrg(c.Context(), org, func(s ward.Store, id string) error {
				list, err := s.Incidents(c.Context(), id, f)
				if err != nil {
					return err
				}
				now := time.Now()
				if o.format == "json" {
					m, err := s.Model(c.Context(), id)
					if err != nil {
						return err
					}
					out := []incident.View{}
					for k := range list {
						out = append(out, incident.ViewOf(&list[k], m, now, nil))
					}
					return writeJSON(o.stdout, map[string]any{"organisation": id, "incidents": out})
				}
				if len(list) == 0 {
					fmt.Fprintf(o.stdout, "no %sincident in the register of %s\n", map[bool]string{true: "open ", false: ""}[f.Open], id)
					return nil
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tTYPE\tAWARE AT\tNEXT (NIS2)\tTITLE")
				for k := range list {
					i := &list[k]
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i.ID, i.Status, i.Severity, orDash(i.Type), i.AwareAt.Format("2006-01-02 15:04"), nextText(i.Clock(now)), clip(i.Title, 60))
				}
				return tw.Flush()
			})
		},
	}
	c.Flags().BoolVar(&all, "all", false, "closed incidents too")
	c.Flags().StringVar(&status, "status", "", "only incidents of this status")
	c.Flags().StringVar(&org, "org", "", "organisation (when the store holds several)")
	addFormat(c, o, "text", "json")
	return c
}

// nextText says what is due next: "OVERDUE early-warning", "notification
// in 1d2h", "-".
func nextText(c ward.Clock) string {
	switch {
	case !c.Applies || c.Next == "":
		return "-"
	case len(c.Overdue) > 0:
		var ks []string
		for _, k := range c.Overdue {
			ks = append(ks, string(k))
		}
		return "OVERDUE " + strings.Join(ks, ", ")
	}
	for _, d := range c.Deadlines {
		if d.Kind == c.Next {
			return fmt.Sprintf("%s in %s", c.Next, d.Left)
		}
	}
	return string(c.Next)
}

// adviceOn reads the advice the collections the organisation reads hold
// on an incident it shared.
func adviceOn(ctx context.Context, s ward.Store, org string, i *ward.Incident) ([]share.Advice, error) {
	var ids []string
	for _, sh := range i.Shared {
		ids = append(ids, sh.STIX)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	objs, err := share.Readable(ctx, s, org, share.AdviceTypes)
	if err != nil {
		return nil, err
	}
	var out []share.Advice
	for _, a := range share.AdviceOn(objs, ids) {
		out = append(out, a...)
	}
	return out, nil
}

func incidentShowCmd(o *options) *cobra.Command {
	var org string
	c := &cobra.Command{
		Use:     "show ID",
		Short:   "Show one incident: the NIS2 clock, clinical impact, timeline, evidence, advice",
		Example: `  ward incident show INC-20261201-3fa2 --format json`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			var advice []share.Advice
			var model *ward.Model
			i, err := o.withIncident(c.Context(), org, a[0], func(s ward.Store, m *ward.Model, i *ward.Incident) (string, string, error) {
				model = m
				var err error
				advice, err = adviceOn(c.Context(), s, m.Organisation.ID, i)
				return "", "", err
			})
			if err != nil {
				return err
			}
			now := time.Now()
			v := incident.ViewOf(i, model, now, advice)
			if o.format == "json" {
				return writeJSON(o.stdout, v)
			}
			writeIncident(o.stdout, v)
			return nil
		},
	}
	c.Flags().StringVar(&org, "org", "", "organisation (when the store holds several)")
	addFormat(c, o, "text", "json")
	return c
}

func writeIncident(w io.Writer, v incident.View) {
	i := v.Incident
	fmt.Fprintf(w, "%s  %s\n", i.ID, i.Title)
	fmt.Fprintf(w, "  status %s, severity %s, type %s; aware at %s, opened by %s\n", i.Status, i.Severity, orDash(i.Type), i.AwareAt.Format("2006-01-02 15:04 UTC"), orDash(i.OpenedBy))
	sig := "not yet assessed"
	if i.Significance.Answered() || i.Significance.Significant() {
		sig = map[bool]string{true: "significant", false: "not significant"}[i.Significance.Significant()]
	}
	fmt.Fprintf(w, "  NIS2 Art. 23(3): %s\n", sig)
	writeClock(w, v.Clock)
	if len(i.Assets) > 0 {
		fmt.Fprintf(w, "  assets: %s\n", strings.Join(i.Assets, ", "))
	}
	for _, s := range v.Impact {
		state := fmt.Sprintf("down %s of at most %s", s.Down, s.MaxOutage)
		if s.Ongoing {
			state += ", still down"
		}
		if s.Exceeded {
			state += ": OVER ITS MAXIMUM TOLERABLE OUTAGE"
		}
		if s.Down == 0 && !s.Ongoing {
			state = "affected"
		}
		fmt.Fprintf(w, "  service %s: %s\n", s.Service, state)
	}
	if len(i.Techniques) > 0 {
		fmt.Fprintf(w, "  ATT&CK: %s\n", strings.Join(i.Techniques, ", "))
	}
	if len(i.Evidence) > 0 {
		fmt.Fprintf(w, "\nevidence:\n")
		for _, e := range i.Evidence {
			where := ""
			if e.File != "" {
				where = fmt.Sprintf(" (%s:%d)", e.File, e.Line)
				if e.Line == 0 {
					where = " (" + e.File + ")"
				}
			}
			if e.SHA256 != "" {
				where += " sha256 " + e.SHA256
			}
			first, _, _ := strings.Cut(e.Text, "\n")
			fmt.Fprintf(w, "  %s %s%s: %s\n", e.Time.Format("2006-01-02 15:04"), e.Kind, where, clip(first, 160))
		}
	}
	if len(i.Actions) > 0 {
		fmt.Fprintf(w, "\nactions:\n")
		for _, a := range i.Actions {
			fmt.Fprintf(w, "  %s %s (%s)\n", a.Time.Format("2006-01-02 15:04"), a.Text, orDash(a.By))
		}
	}
	if len(v.Advice) > 0 {
		fmt.Fprintf(w, "\nadvice from the CSIRT:\n")
		for _, a := range v.Advice {
			name := ""
			if a.Name != "" {
				name = a.Name + ": "
			}
			fmt.Fprintf(w, "  %s %s%s\n", a.At.Format("2006-01-02 15:04"), name, a.Text)
		}
	}
	fmt.Fprintf(w, "\ntimeline:\n")
	for _, e := range i.Timeline {
		fmt.Fprintf(w, "  %s %-9s %s\n", e.Time.Format("2006-01-02 15:04"), e.Kind, clip(e.Text, 200))
	}
}

func incidentUpdateCmd(o *options) *cobra.Command {
	var org, status, severity, title, typ, description, aware, rootCause, note string
	var disruption, damage, malicious, crossBorder, reason, askedBy, askedDue string
	var assets, services, down, restored, techniques, actions, files, logs []string
	c := &cobra.Command{
		Use:   "update ID [flags]",
		Short: "Change an incident; every change goes on its timeline and in the audit log",
		Long: `Change an incident. Lists add: --asset, --service, --technique, --action,
--down SERVICE[@TIME] (a service down since TIME, default now),
--restored SERVICE (its outage ends now), --evidence-file FILE (kept by
its SHA-256), --evidence-log FILE:LINE (the line is kept as evidence).
The questions of NIS2 Art. 23(3) decide whether the clock applies:
--severe-disruption yes|no (severe operational disruption of the services
or financial loss for the entity) and --damage-to-others yes|no
(considerable material or non-material damage to others).`,
		Example: `  ward incident update INC-20261201-3fa2 --status confirmed --severe-disruption yes --malicious yes
  ward incident update INC-20261201-3fa2 --down emergency-care@"2026-12-01 09:20" --action "EHR failed over to the second site"
  ward incident update INC-20261201-3fa2 --evidence-file ransom-note.txt --restored emergency-care`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			var ch incident.Change
			str := func(flag string, v *string) *string {
				if c.Flags().Changed(flag) {
					return v
				}
				return nil
			}
			ch.Title, ch.Description, ch.Type, ch.RootCause, ch.SignificanceReason = str("title", &title), str("description", &description), str("type", &typ), str("root-cause", &rootCause), str("why-significant", &reason)
			if status != "" {
				s := ward.IncidentStatus(status)
				ch.Status = &s
			}
			if severity != "" {
				l := ward.Level(severity)
				ch.Severity = &l
			}
			if aware != "" {
				t, err := parseWhen("aware-at", aware)
				if err != nil {
					return err
				}
				ch.AwareAt = &t
			}
			var err error
			for _, q := range []struct {
				flag, v string
				dst     **bool
			}{{"severe-disruption", disruption, &ch.SevereDisruption}, {"damage-to-others", damage, &ch.DamageToOthers},
				{"malicious", malicious, &ch.SuspectedMalicious}, {"cross-border", crossBorder, &ch.CrossBorder}} {
				if *q.dst, err = yesNoFlag(q.flag, q.v); err != nil {
					return err
				}
			}
			ch.Assets, ch.Services, ch.Techniques, ch.Actions, ch.Restored, ch.Note = assets, services, techniques, actions, restored, note
			if askedBy != "" || askedDue != "" {
				if askedBy == "" || askedDue == "" {
					return usageError{errors.New("--intermediate-asked-by and --intermediate-due go together")}
				}
				due, err := parseWhen("intermediate-due", askedDue)
				if err != nil {
					return err
				}
				ch.Request = &ward.ReportRequest{From: askedBy, Due: due}
			}
			for _, d := range down {
				svc, at, _ := strings.Cut(d, "@")
				t, err := parseWhen("down", at)
				if err != nil {
					return err
				}
				ch.Outages = append(ch.Outages, ward.Outage{Service: svc, From: t})
			}
			for _, f := range files {
				e, err := fileEvidence(f)
				if err != nil {
					return err
				}
				ch.Evidence = append(ch.Evidence, e)
			}
			for _, l := range logs {
				e, err := logEvidence(l)
				if err != nil {
					return err
				}
				ch.Evidence = append(ch.Evidence, e)
			}
			now := time.Now()
			var model *ward.Model
			i, err := o.withIncident(c.Context(), org, a[0], func(s ward.Store, m *ward.Model, i *ward.Incident) (string, string, error) {
				model = m
				what, err := incident.Apply(i, m, ch, actor(), now)
				if err != nil || what == "" {
					return "", "", err
				}
				return "incident.update", what, nil
			})
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeJSON(o.stdout, incident.ViewOf(i, model, now, nil))
			}
			fmt.Fprintf(o.stdout, "%s updated (version %d)\n", i.ID, i.Version)
			writeClock(o.stdout, i.Clock(now))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&status, "status", "", "suspected, confirmed, contained or recovered ('ward incident close' closes)")
	f.StringVar(&severity, "severity", "", "low, medium, high or critical")
	f.StringVar(&title, "title", "", "the title")
	f.StringVar(&typ, "type", "", "the kind of incident")
	f.StringVar(&description, "description", "", "what is known")
	f.StringVar(&aware, "aware-at", "", "when the organisation became aware of it (moves the NIS2 clock)")
	f.StringVar(&disruption, "severe-disruption", "", "yes or no: severe operational disruption of the services or financial loss (Art. 23(3)(a))")
	f.StringVar(&damage, "damage-to-others", "", "yes or no: considerable material or non-material damage to others (Art. 23(3)(b))")
	f.StringVar(&reason, "why-significant", "", "why it is (or is not) significant")
	f.StringVar(&malicious, "malicious", "", "yes or no: suspected of being caused by unlawful or malicious acts")
	f.StringVar(&crossBorder, "cross-border", "", "yes or no: could have a cross-border impact")
	f.StringVar(&rootCause, "root-cause", "", "the threat or root cause")
	f.StringVar(&note, "note", "", "a note on the timeline")
	f.StringVar(&askedBy, "intermediate-asked-by", "", "who asked for an intermediate report (Art. 23(4)(c)), with --intermediate-due")
	f.StringVar(&askedDue, "intermediate-due", "", "by when the intermediate report is asked for")
	f.StringArrayVar(&assets, "asset", nil, "an affected asset (repeatable)")
	f.StringArrayVar(&services, "service", nil, "an affected clinical service (repeatable)")
	f.StringArrayVar(&down, "down", nil, "SERVICE[@TIME]: a clinical service down since TIME (default now)")
	f.StringArrayVar(&restored, "restored", nil, "SERVICE: its outage ends now")
	f.StringArrayVar(&techniques, "technique", nil, "an ATT&CK technique id seen (repeatable)")
	f.StringArrayVar(&actions, "action", nil, "an action taken (repeatable)")
	f.StringArrayVar(&files, "evidence-file", nil, "a file kept as evidence by its SHA-256 (repeatable)")
	f.StringArrayVar(&logs, "evidence-log", nil, "FILE:LINE: a log line kept as evidence (repeatable)")
	f.StringVar(&org, "org", "", "organisation (when the store holds several)")
	addFormat(c, o, "text", "json")
	return c
}

// fileEvidence is a file as evidence: its name, size and SHA-256 (the
// file itself stays where it is).
func fileEvidence(path string) (ward.Evidence, error) {
	f, err := os.Open(path)
	if err != nil {
		return ward.Evidence{}, invalidError{err}
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return ward.Evidence{}, err
	}
	return ward.Evidence{Kind: "file", File: path, SHA256: hex.EncodeToString(h.Sum(nil)), Text: fmt.Sprintf("%s, %s", path, sizeText(n))}, nil
}

// logEvidence is one line of a log file as evidence.
func logEvidence(spec string) (ward.Evidence, error) {
	i := strings.LastIndex(spec, ":")
	line, err := strconv.Atoi(spec[i+1:])
	if i < 0 || err != nil || line < 1 {
		return ward.Evidence{}, usageError{fmt.Errorf("--evidence-log %q: FILE:LINE, e.g. /var/log/auth.log:38", spec)}
	}
	file := spec[:i]
	data, err := os.ReadFile(file)
	if err != nil {
		return ward.Evidence{}, invalidError{err}
	}
	lines := strings.Split(string(data), "\n")
	if line > len(lines) {
		return ward.Evidence{}, invalidError{fmt.Errorf("%s has %d lines, not %d", file, len(lines), line)}
	}
	return ward.Evidence{Kind: "log", File: file, Line: line, Text: clip(lines[line-1], 2000)}, nil
}

func incidentCloseCmd(o *options) *cobra.Command {
	var org, rootCause string
	var lessons, controls, decisions []string
	c := &cobra.Command{
		Use:   "close ID [--lesson TEXT]... [--control ID[@ASSET]]... [--decision STATUS:THREAT@ASSET]...",
		Short: "Close an incident with its lessons, which can add controls and risk decisions to the model",
		Long: `Close an incident. --lesson says what it taught; --control ID@ASSET adds a
control to an asset of the model (--control ID alone: to the whole
organisation), --decision STATUS:THREAT@ASSET records a risk decision
(accepted, mitigated or false-positive) in the model, justified by the
lessons. The model's changes, each in the audit log, and the closed
incident are stored in one transaction.`,
		Example: `  ward incident close INC-20261201-3fa2 --root-cause "vendor VPN without MFA" --lesson "MFA on every remote access" --control mfa@vpn-vendor
  ward incident close INC-20261201-3fa2 --lesson "False alarm from the backup job" --decision false-positive:ransomware@backup-01`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			text := strings.Join(lessons, "; ")
			cl := incident.Closing{RootCause: rootCause}
			for _, l := range lessons {
				cl.Lessons = append(cl.Lessons, ward.Lesson{Text: l})
			}
			for _, spec := range controls {
				ctl, asset, _ := strings.Cut(spec, "@")
				what := "the whole organisation"
				if asset != "" {
					what = asset
				}
				cl.Lessons = append(cl.Lessons, ward.Lesson{Text: fmt.Sprintf("control %s on %s: %s", ctl, what, orDash(text)), Control: ctl, Asset: asset})
			}
			for _, spec := range decisions {
				status, rest, ok1 := strings.Cut(spec, ":")
				threat, asset, ok2 := strings.Cut(rest, "@")
				if !ok1 || !ok2 {
					return usageError{fmt.Errorf("--decision %q: STATUS:THREAT@ASSET, e.g. mitigated:ransomware@pacs-01", spec)}
				}
				d := ward.Decision{Threat: threat, Asset: asset, Status: ward.DecisionStatus(status), Justification: text}
				cl.Lessons = append(cl.Lessons, ward.Lesson{Text: fmt.Sprintf("decision %s for %s on %s: %s", status, threat, asset, orDash(text)), Decision: &d})
			}
			now := time.Now()
			var changes []string
			var model *ward.Model
			i, err := o.withIncident(c.Context(), org, a[0], func(s ward.Store, m *ward.Model, i *ward.Incident) (string, string, error) {
				next, ch, err := incident.Close(i, m, cl, actor(), now)
				if err != nil {
					return "", "", err
				}
				model, changes = next, ch
				detail := fmt.Sprintf("%d lesson(s), %d change(s) of the model", len(cl.Lessons), len(ch))
				if len(ch) == 0 {
					return "incident.close", detail, nil
				}
				// The model's changes, each audited, and the closed
				// incident, in one transaction.
				var entries []ward.AuditEntry
				for _, line := range ch {
					entries = append(entries, cliEntry(m.Organisation.ID, "model.lesson", i.ID, line))
				}
				entries = append(entries, cliEntry(m.Organisation.ID, "incident.close", i.ID, detail))
				rev, err := s.Revision(c.Context(), m.Organisation.ID)
				if err != nil {
					return "", "", err
				}
				ctx := ward.WithAudit(ward.WithIncident(c.Context(), *i, i.Version), entries...)
				if err := putModelAt(ctx, s, next, rev); err != nil {
					return "", "", err
				}
				return storedWithModel, "", nil
			})
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeJSON(o.stdout, map[string]any{"incident": incident.ViewOf(i, model, now, nil), "model_changes": orEmpty(changes)})
			}
			fmt.Fprintf(o.stdout, "%s closed\n", i.ID)
			for _, ch := range changes {
				fmt.Fprintf(o.stdout, "  the model: %s\n", ch)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&rootCause, "root-cause", "", "the threat or root cause")
	f.StringArrayVar(&lessons, "lesson", nil, "what the incident taught (repeatable)")
	f.StringArrayVar(&controls, "control", nil, "ID[@ASSET]: a control to add to an asset (or to the organisation) of the model (repeatable)")
	f.StringArrayVar(&decisions, "decision", nil, "STATUS:THREAT@ASSET: a risk decision to record in the model (repeatable)")
	f.StringVar(&org, "org", "", "organisation (when the store holds several)")
	addFormat(c, o, "text", "json")
	return c
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func incidentReportCmd(o *options) *cobra.Command {
	var org, kind, output string
	var named bool
	c := &cobra.Command{
		Use:   "report ID --kind early-warning|notification|intermediate|final [--format json|html] [-o FILE]",
		Short: "Write one of the NIS2 reports of an incident, as JSON or printable HTML",
		Long: `Write a report of NIS2 Art. 23(4) from the register: the early warning
(significance, suspected malice, cross-border impact), the notification
(and the initial assessment: severity, clinical services against their
maximum tolerable outage, assets by kind, indicators of compromise), an
intermediate report (the updates since the last report) or the final
report (root cause, mitigation, lessons, timeline). Assets are counted by
kind; --name-assets lists them.`,
		Example: `  ward incident report INC-20261201-3fa2 --kind early-warning
  ward incident report INC-20261201-3fa2 --kind final --format html -o final-report.html`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			var rep incident.Report
			now := time.Now()
			_, err := o.withIncident(c.Context(), org, a[0], func(s ward.Store, m *ward.Model, i *ward.Incident) (string, string, error) {
				var err error
				rep, err = incident.Build(ward.ReportKind(kind), i, m, now, incident.Options{NameAssets: named})
				if err != nil {
					return "", "", usageError{fmt.Errorf("--kind: %w", err)}
				}
				return "", "", nil
			})
			if err != nil {
				return err
			}
			var b strings.Builder
			if o.format == "html" {
				if err := incident.WriteHTML(&b, rep); err != nil {
					return err
				}
			} else if err := writeJSON(&b, rep); err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err := io.WriteString(o.stdout, b.String())
				return err
			}
			if err := writeFileAtomic(output, []byte(b.String())); err != nil {
				return err
			}
			fmt.Fprintf(o.stderr, "wrote %s: the %s of %s\n", output, strings.ToLower(rep.Title), rep.Incident.ID)
			return nil
		},
	}
	c.Flags().StringVar(&kind, "kind", "", "early-warning, notification, intermediate or final")
	c.Flags().BoolVar(&named, "name-assets", false, "list the affected assets (default: counted by kind)")
	c.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	c.Flags().StringVar(&org, "org", "", "organisation (when the store holds several)")
	addFormat(c, o, "json", "html")
	return c
}

func incidentSentCmd(o *options) *cobra.Command {
	var org, kind, to, ref, by, at string
	c := &cobra.Command{
		Use:     "sent ID --kind KIND [--to RECIPIENT] [--reference REF] [--at TIME]",
		Short:   "Record that a report was sent (to the CSIRT or the authority): who, when, to whom",
		Example: `  ward incident sent INC-20261201-3fa2 --kind early-warning --to "National health CSIRT" --reference CSIRT-2026-0412`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			when, err := parseWhen("at", at)
			if err != nil {
				return err
			}
			if by == "" {
				by = actor()
			}
			now := time.Now()
			var model *ward.Model
			i, err := o.withIncident(c.Context(), org, a[0], func(s ward.Store, m *ward.Model, i *ward.Incident) (string, string, error) {
				model = m
				if err := incident.MarkSent(i, ward.SentReport{Kind: ward.ReportKind(kind), Sent: when, By: by, To: to, Reference: ref}, now); err != nil {
					return "", "", err
				}
				return "incident.report.sent", fmt.Sprintf("%s sent by %s to %s", kind, by, orDash(to)), nil
			})
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeJSON(o.stdout, incident.ViewOf(i, model, now, nil))
			}
			fmt.Fprintf(o.stdout, "%s: %s recorded as sent\n", i.ID, ward.ReportKind(kind).Title())
			writeClock(o.stdout, i.Clock(now))
			return nil
		},
	}
	c.Flags().StringVar(&kind, "kind", "", "early-warning, notification, intermediate or final")
	c.Flags().StringVar(&to, "to", "", "to whom (the CSIRT, the authority)")
	c.Flags().StringVar(&ref, "reference", "", "the recipient's reference")
	c.Flags().StringVar(&by, "by", "", "who sent it (default: you)")
	c.Flags().StringVar(&at, "at", "now", "when it was sent")
	c.Flags().StringVar(&org, "org", "", "organisation (when the store holds several)")
	addFormat(c, o, "text", "json")
	return c
}

func incidentSendCmd(o *options) *cobra.Command {
	var peer peerFlags
	var org, collection, kind, tlp string
	var named, namedOrg bool
	c := &cobra.Command{
		Use:   "send ID --to URL --collection ID --report KIND [--tlp amber]",
		Short: "Send a report of an incident to the CSIRT's hub over TAXII, as STIX 2.1, anonymised",
		Long: `Send one of an incident's NIS2 reports to a hub's TAXII collection as STIX
2.1: the incident (with the incident-core extension and Ward's impact
extension), its ATT&CK techniques as attack patterns with the
organisation's sightings of them, and a report. It leaves under the
organisation's pseudonym (--named-org for its name) and carries no free
text, no patient data and no asset id (--name-assets to name the
affected assets), marked --tlp, chosen for each report (clear, green or
amber; RED and AMBER+STRICT do not leave). The report is recorded as sent,
and the CSIRT's answers (notes, courses of action) show on the incident
once pulled ('ward share pull').`,
		Example: `  WARD_SHARE_PASSWORD=... ward incident send INC-20261201-3fa2 --to https://hub.example/taxii2/api/ --collection ID --report early-warning --user st-example-sync`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			level, err := outgoingTLP(tlp)
			if err != nil {
				return err
			}
			if collection == "" {
				return usageError{errors.New("--collection: name the hub's collection")}
			}
			report := ward.ReportKind(kind)
			if _, err := incident.Build(report, &ward.Incident{}, &ward.Model{}, time.Now(), incident.Options{}); err != nil {
				return usageError{fmt.Errorf("--report: %w", err)}
			}
			client, err := peer.client("to", o.stderr)
			if err != nil {
				return err
			}
			now := time.Now()
			var st share.Status
			var sent int
			i, err := o.withIncident(c.Context(), org, a[0], func(s ward.Store, m *ward.Model, i *ward.Incident) (string, string, error) {
				var err error
				st, sent, err = share.SendIncident(c.Context(), s, i, m, share.Sending{Client: client, Collection: collection, Report: report, TLP: level,
					NameAssets: named, NamedOrg: namedOrg, By: actor()}, now)
				detail := fmt.Sprintf("%s: %d object(s) offered to %s, TLP:%s", report, sent, client.APIRoot, strings.ToUpper(string(level)))
				if err != nil {
					// Offered is on the record, taken or not.
					if aerr := cliAudit(c.Context(), s, m.Organisation.ID, "incident.send", i.ID, detail+"; failed: "+err.Error()); aerr != nil {
						return "", "", aerr
					}
					return "", "", fmt.Errorf("send: %w", err)
				}
				return "incident.send", fmt.Sprintf("%s; %d taken, %d refused", detail, st.SuccessCount, st.FailureCount), nil
			})
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeJSON(o.stdout, map[string]any{"incident": i.ID, "stix": i.STIXID(), "sent": sent, "status": st})
			}
			fmt.Fprintf(o.stdout, "sent the %s of %s as %s: %d object(s); the hub took %d, refused %d\n", strings.ToLower(report.Title()), i.ID, i.STIXID(), sent, st.SuccessCount, st.FailureCount)
			writeRefused(o.stdout, st)
			return nil
		},
	}
	peer.flags(c, "to", "")
	c.Flags().StringVar(&collection, "collection", "", "the hub's collection id")
	c.Flags().StringVar(&kind, "report", "", "early-warning, notification, intermediate or final")
	c.Flags().StringVar(&tlp, "tlp", "amber", "TLP of this report: clear, green or amber")
	c.Flags().BoolVar(&named, "name-assets", false, "name the affected assets and services (default: counted by kind)")
	c.Flags().BoolVar(&namedOrg, "named-org", false, "appear under the organisation's name instead of a pseudonym")
	c.Flags().StringVar(&org, "org", "", "organisation (when the store holds several)")
	addFormat(c, o, "text", "json")
	return c
}

func incidentAdviseCmd(o *options) *cobra.Command {
	var collection, text, name, from, org, tlp string
	c := &cobra.Command{
		Use:   "advise STIX-INCIDENT-ID --collection ID --text TEXT [--name TITLE]",
		Short: "(at the hub) Answer an incident a hospital reported with advice",
		Long: `At the hub: add advice on an incident a hospital reported to a collection
it reads: a note, or with --name a course of action related to the
incident. The hospital sees it on the incident once it pulls the
collection. 'ward incident sector' lists the incidents received.`,
		Example: `  ward incident advise incident--3b0c... --collection ID --name "Isolate the imaging VLAN" --text "Block SMB between imaging and the rest"`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			if text == "" || collection == "" {
				return usageError{errors.New("--text and --collection are needed")}
			}
			if share.TypeOf(a[0]) != "incident" {
				return usageError{fmt.Errorf("%q: name the incident by its STIX id (incident--...; 'ward incident sector' lists them)", a[0])}
			}
			level, err := share.ParseTLP(tlp)
			if err != nil {
				return usageError{err}
			}
			return o.withStore(c.Context(), func(s ward.Store) error {
				if _, err := s.Collection(c.Context(), collection); err != nil {
					return notFound(err)
				}
				now := time.Now()
				identity := share.Identity(ward.Organisation{ID: org, Name: from}, "", true, now)
				share.Mark(&identity, share.Green)
				objs := append([]share.Object{identity}, share.AdviceObjects(a[0], name, text, identity.ID, level, now)...)
				batch := make([]ward.SharedObject, 0, len(objs))
				for k := range objs {
					so, err := share.Shared(collection, &objs[k], org)
					if err != nil {
						return err
					}
					batch = append(batch, so)
				}
				n, err := s.AddObjects(cliAudited(c.Context(), org, "incident.advise", a[0], clip(text, 200)), batch, now, nil)
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"incident": a[0], "collection": collection, "added": n, "objects": objs})
				}
				fmt.Fprintf(o.stdout, "advice on %s added to collection %s (%d object(s))\n", a[0], collection, n)
				return nil
			})
		},
	}
	c.Flags().StringVar(&collection, "collection", "", "the collection the hospital reads")
	c.Flags().StringVar(&text, "text", "", "the advice")
	c.Flags().StringVar(&name, "name", "", "a course of action's title (default: a note)")
	c.Flags().StringVar(&from, "from", "National health CSIRT", "the name the advice is signed with")
	c.Flags().StringVar(&org, "org", "national-csirt", "the hub's organisation id")
	c.Flags().StringVar(&tlp, "tlp", "amber", "TLP of the advice")
	addFormat(c, o, "text", "json")
	return c
}

func incidentSectorCmd(o *options) *cobra.Command {
	var minGroup int
	c := &cobra.Command{
		Use:   "sector [--min-group N]",
		Short: "(at the hub) The incidents reported, by type and by week, and each one received",
		Long: `At the hub: the incidents the store's collections hold, counted by type and
by ISO week of awareness across the sector (a count behind fewer
organisations than --min-group is withheld, as on the dashboard's sector
page), and each incident received with its STIX id, to answer with 'ward
incident advise'.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				objs, err := share.Readable(c.Context(), s, ward.AllOrganisations, append([]string{"incident"}, share.AdviceTypes...))
				if err != nil {
					return err
				}
				sec := share.SectorIncidents(objs, minGroup)
				if o.format == "json" {
					return writeJSON(o.stdout, sec)
				}
				writeSector(o.stdout, sec)
				return nil
			})
		},
	}
	c.Flags().IntVar(&minGroup, "min-group", 3, "the fewest organisations a count is shown for")
	addFormat(c, o, "text", "json")
	return c
}

func writeSector(w io.Writer, sec share.IncidentSector) {
	count := func(s share.IncidentSpan) string {
		if s.Withheld {
			return fmt.Sprintf("withheld (fewer than %d organisations)", sec.MinGroup)
		}
		return fmt.Sprintf("%d incident(s) at %d organisation(s)", s.Incidents, s.Organisations)
	}
	fmt.Fprintf(w, "%d incident(s) received\n\nby type:\n", len(sec.Received))
	for _, s := range sec.ByType {
		fmt.Fprintf(w, "  %-28s %s\n", s.Key, count(s))
	}
	fmt.Fprintf(w, "\nby week of awareness:\n")
	for _, s := range sec.ByWeek {
		fmt.Fprintf(w, "  %-28s %s\n", s.Key, count(s))
	}
	fmt.Fprintf(w, "\nreceived:\n")
	for _, r := range sec.Received {
		fmt.Fprintf(w, "  %s  %s, %s, %s; %d advice\n", r.ID, r.Type, orDash(r.Severity), orDash(r.Report), r.Advice)
	}
}
