package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/server"
)

// cliEntry is the audit entry of a write made from the command line, as
// the operating system user who ran it.
func cliEntry(org, action, target, detail string) ward.AuditEntry {
	actor := "cli"
	if u, err := user.Current(); err == nil {
		actor = "cli:" + u.Username
	}
	return ward.AuditEntry{Time: time.Now(), Actor: actor, Org: org, Action: action, Target: target, Detail: detail}
}

// cliAudited is ctx carrying the audit entry of the write it is passed
// to: the store records both in one transaction.
func cliAudited(ctx context.Context, org, action, target, detail string) context.Context {
	return ward.WithAudit(ctx, cliEntry(org, action, target, detail))
}

// cliAudit records a command-line event that writes nothing else (data
// sent out of the hospital, for one).
func cliAudit(ctx context.Context, s ward.Store, org, action, target, detail string) error {
	if _, err := s.AppendAudit(ctx, cliEntry(org, action, target, detail)); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// readPassword reads a password from standard input (its first line), or
// generates one when told to.
func readPassword(in io.Reader, fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return server.NewPassword(), true, nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	password = strings.TrimRight(line, "\r\n")
	if len(password) < server.MinPasswordLength {
		return "", false, invalidError{fmt.Errorf("the password must have at least %d characters", server.MinPasswordLength)}
	}
	return password, false, nil
}

func usersCmd(o *options) *cobra.Command {
	c := &cobra.Command{
		Use:   "users",
		Short: "Manage the users who sign in to 'ward serve'",
	}
	var admin, stdin bool
	var org, role string
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a user; prints a generated password unless --password-stdin",
		Example: `  ward users add admin --admin
  ward users add nurse.lead --org st-example --role viewer
  printf '%s\n' "$PASSWORD" | ward users add ci --password-stdin --org st-example --role analyst`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			var ms []ward.Membership
			switch {
			case org != "" && role == "", org == "" && role != "" && role != string(ward.RoleHub):
				return usageError{errors.New("--org and --role go together (--role hub alone)")}
			case role == string(ward.RoleHub):
				ms = append(ms, ward.Membership{Org: ward.AllOrganisations, Role: ward.RoleHub})
			case org != "":
				if r := ward.Role(role); r.Rank() == 0 {
					return usageError{fmt.Errorf("--role %q: viewer, analyst, admin or hub", role)}
				}
				ms = append(ms, ward.Membership{Org: org, Role: ward.Role(role)})
			}
			password, generated, err := readPassword(o.stdin, stdin)
			if err != nil {
				return err
			}
			hash, err := server.HashPassword(password)
			if err != nil {
				return err
			}
			u := ward.User{ID: "u-" + strings.ToLower(a[0]), Name: a[0], PasswordHash: hash, Admin: admin, Memberships: ms, Created: time.Now().UTC()}
			return o.withStore(c.Context(), func(s ward.Store) error {
				if _, err := s.UserByName(c.Context(), u.Name); err == nil {
					return invalidError{fmt.Errorf("user %q already exists", u.Name)}
				}
				if err := s.PutUser(cliAudited(c.Context(), org, "user.create", u.Name, ""), u); err != nil {
					return err
				}
				if o.format == "json" {
					out := map[string]any{"user": u}
					if generated {
						out["password"] = password
					}
					return writeJSON(o.stdout, out)
				}
				fmt.Fprintf(o.stdout, "added %s\n", u.Name)
				if generated {
					fmt.Fprintf(o.stdout, "password: %s\n(shown once; change it with 'ward users passwd %s')\n", password, u.Name)
				}
				return nil
			})
		},
	}
	add.Flags().BoolVar(&admin, "admin", false, "a Ward administrator: manages users and every organisation")
	add.Flags().StringVar(&org, "org", "", "organisation to grant --role in")
	add.Flags().StringVar(&role, "role", "", "viewer, analyst or admin in --org; hub (alone) reads every organisation")
	add.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input instead of generating one")
	addFormat(add, o, "text", "json")

	var stdinPw bool
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set a new password (generated unless --password-stdin) and sign the user out everywhere",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				u, err := s.UserByName(c.Context(), a[0])
				if err != nil {
					return notFound(err)
				}
				password, generated, err := readPassword(o.stdin, stdinPw)
				if err != nil {
					return err
				}
				if u.PasswordHash, err = server.HashPassword(password); err != nil {
					return err
				}
				u.FailedLogins, u.LockedUntil = 0, time.Time{}
				// A new password ends the user's sessions (PutUser).
				if err := s.PutUser(cliAudited(c.Context(), "", "user.update", u.Name, "password"), u); err != nil {
					return err
				}
				fmt.Fprintf(o.stdout, "password of %s changed; its sessions ended\n", u.Name)
				if generated {
					fmt.Fprintf(o.stdout, "password: %s\n", password)
				}
				return nil
			})
		},
	}
	passwd.Flags().BoolVar(&stdinPw, "password-stdin", false, "read the password from standard input")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the users and their roles",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				users, err := s.Users(c.Context())
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"users": users})
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tADMIN\tROLES\tSTATE")
				for _, u := range users {
					var roles []string
					for _, m := range u.Memberships {
						roles = append(roles, string(m.Role)+"@"+m.Org)
					}
					state := "active"
					switch {
					case u.Disabled:
						state = "disabled"
					case time.Now().Before(u.LockedUntil):
						state = "locked until " + u.LockedUntil.Local().Format("15:04")
					}
					fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", u.Name, u.Admin, strings.Join(roles, " "), state)
				}
				return tw.Flush()
			})
		},
	}
	addFormat(list, o, "text", "json")

	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a user, its sessions and tokens",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				u, err := s.UserByName(c.Context(), a[0])
				if err != nil {
					return notFound(err)
				}
				if err := s.DeleteUser(cliAudited(c.Context(), "", "user.delete", u.Name, ""), u.ID); err != nil {
					return err
				}
				fmt.Fprintf(o.stdout, "removed %s\n", u.Name)
				return nil
			})
		},
	}
	c.AddCommand(add, passwd, list, remove)
	return c
}

func auditCmd(o *options) *cobra.Command {
	var headFile string
	c := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the audit log of every write",
	}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check that no audit entry was changed or removed",
		Long: `Check the hash chain of the audit log: every entry's hash covers its
content and the previous entry's hash, keyed (HMAC-SHA256) with the key
file kept outside the database (--key), so an entry changed, removed or
inserted in the database breaks the chain at that entry, and someone who
can write the database but has not the key cannot recompute it. The head
of the chain, kept outside the database too (--audit-head, written after
every write), names entries removed from the end of the log and a log
rewritten as a whole; --head FILE checks a head kept elsewhere (one sent
to a peer with 'ward audit head'). Exit 1 when the log is broken.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				entries, err := s.Audit(c.Context(), "", 0, 0)
				if err != nil {
					return err
				}
				key, err := o.auditKey(false)
				if err != nil {
					return err
				}
				path := headFile
				if path == "" {
					path = o.auditHeadFile()
				}
				var head *ward.AuditHead
				data, err := os.ReadFile(path)
				switch {
				case err == nil:
					h, err := ward.ParseAuditHead(data)
					if err != nil {
						return invalidError{fmt.Errorf("%s: %w", path, err)}
					}
					head = &h
				case !errors.Is(err, fs.ErrNotExist) || headFile != "":
					return invalidError{err}
				}
				check, err := ward.VerifyAudit(entries, key, head)
				if err != nil {
					if o.format == "json" {
						writeJSON(o.stdout, map[string]any{"entries": len(entries), "intact": false, "problem": err.Error()})
					}
					return invalidError{fmt.Errorf("audit log broken: %w", err)}
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"entries": check.Entries, "unkeyed": check.Unkeyed, "intact": true})
				}
				fmt.Fprintf(o.stdout, "audit log intact: %d entries\n", check.Entries)
				if check.Unkeyed > 0 {
					fmt.Fprintf(o.stdout, "the first %d were written before the chain had a key: only the head protects them\n", check.Unkeyed)
				}
				return nil
			})
		},
	}
	verify.Flags().StringVar(&headFile, "head", "", "check against this head file (from 'ward audit head') instead of --audit-head")
	addFormat(verify, o, "text", "json")
	head := &cobra.Command{
		Use:   "head",
		Short: "Print the head of the audit chain, to keep or send outside this host",
		Long: `Print the last entry's sequence number and hash as JSON. Kept outside
Ward's host (sent to a peer, a ticket, a log collector), it lets
'ward audit verify --head FILE' name entries removed or rewritten later.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				entries, err := s.Audit(c.Context(), "", 0, 0)
				if err != nil {
					return err
				}
				if len(entries) == 0 {
					return invalidError{errors.New("the audit log is empty")}
				}
				last := entries[len(entries)-1]
				return writeJSON(o.stdout, ward.AuditHead{Seq: last.Seq, Hash: last.Hash, Time: last.Time})
			})
		},
	}
	var org string
	var after int64
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List audit entries, oldest first",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			return o.withStore(c.Context(), func(s ward.Store) error {
				entries, err := s.Audit(c.Context(), org, after, limit)
				if err != nil {
					return err
				}
				if o.format == "json" {
					return writeJSON(o.stdout, map[string]any{"entries": entries})
				}
				tw := tabwriter.NewWriter(o.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "SEQ\tTIME\tACTOR\tORG\tACTION\tTARGET\tFROM\tDETAIL")
				for _, e := range entries {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Local().Format(time.DateTime), e.Actor, orDash(e.Org), e.Action, e.Target, orDash(e.Remote), e.Detail)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&org, "org", "", "only this organisation's entries")
	list.Flags().Int64Var(&after, "after", 0, "start after this sequence number")
	list.Flags().IntVar(&limit, "limit", 0, "at most this many (default all)")
	addFormat(list, o, "text", "json")
	c.AddCommand(verify, list, head)
	return c
}
