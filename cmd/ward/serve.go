package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/catalog"
	"github.com/wardhealth/ward/demo"
	"github.com/wardhealth/ward/server"
	"github.com/wardhealth/ward/share"
	"github.com/wardhealth/ward/store/sqlite"
)

func serveCmd(o *options) *cobra.Command {
	var addr, certFile, keyFile string
	var demoMode bool
	var catalogs, syncCollections, trustedProxies []string
	var sync, hub peerFlags
	var hubCollection string
	var syncEvery time.Duration
	var syslog syslogFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboard and the API",
		Long: `Serve Ward's web dashboard, its JSON API (/api/v1, described at
/api/v1/openapi.json), Prometheus metrics (/metrics) and health checks
(/healthz, /readyz) on one address.

With --demo, Ward starts on a fresh embedded store holding the demo
hospital and a generated administrator, and prints the address and the
credentials; the store is removed when the server stops.

Otherwise it serves the store of --data or --db; several servers may share
one PostgreSQL database. Create the first administrator with
'ward users add NAME --admin'. --tls-cert and --tls-key serve HTTPS (cookies
then Secure, HSTS sent).

With --sync-from and --sync-collection, the server pulls a hub's TAXII
collections every --sync-every, as 'ward share pull' does (credentials from
$WARD_SHARE_TOKEN, or --sync-user and $WARD_SHARE_PASSWORD).

With --hub and --hub-collection, organisation admins send incident reports
to the CSIRT's hub from the dashboard and the API, as 'ward incident send'
does (credentials as for --sync-from, with --hub-user).

With --syslog-udp, --syslog-tcp or --syslog-tls, the server also receives
syslog (RFC 5424 and RFC 3164; over TCP octet counting or newline framing,
RFC 6587; TLS as RFC 5425) and reads it with the rules of 'ward detect',
each message tied to an asset of the stored model by the host it names or
the address it came from (else --syslog-asset). Messages are read up to
--syslog-max-message bytes (64 KiB; the rest is cut and counted) and wait
in a bounded queue (--syslog-queue; past it they are dropped and counted).
Detections are logged as they are found. See docs/detection.md.`,
		Example: `  ward serve --demo
  ward serve --addr :8443 --tls-cert cert.pem --tls-key key.pem --db postgres://ward@db/ward
  ward serve --syslog-udp 127.0.0.1:5514 --syslog-tls :6514 --syslog-tls-cert cert.pem --syslog-tls-key key.pem`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if (certFile == "") != (keyFile == "") {
				return usageError{errors.New("--tls-cert and --tls-key go together")}
			}
			ctx := c.Context()
			log := slog.New(slog.NewTextHandler(o.stderr, nil))
			var store ward.Store
			var adminPassword string
			var key []byte
			if demoMode {
				dir, err := os.MkdirTemp("", "ward-demo-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				s, err := sqlite.Open(ctx, dir)
				if err != nil {
					return err
				}
				key = []byte(server.NewPassword())
				s.SetAudit(key, filepath.Join(dir, "audit.head"))
				store = s
				if adminPassword, err = seedDemo(ctx, s); err != nil {
					s.Close()
					return err
				}
			} else {
				s, err := o.openStore(ctx)
				if err != nil {
					return err
				}
				store = s
				if key, err = o.auditKey(false); err != nil {
					return err
				}
				if users, err := s.Users(ctx); err == nil && len(users) == 0 {
					log.Warn("no users yet: create an administrator with 'ward users add NAME --admin'")
				}
			}
			defer store.Close()
			cat, err := loadCatalog(catalogs)
			if err != nil {
				return err
			}
			proxies, err := parseProxies(trustedProxies)
			if err != nil {
				return err
			}
			cfg := server.Config{Store: store, Catalog: cat, Version: version, Log: log, TLS: certFile != "", TrustedProxies: proxies, Key: key}
			if hub.url != "" || hubCollection != "" {
				if hubCollection == "" {
					return usageError{errors.New("--hub-collection: name the hub's collection incident reports go to")}
				}
				if cfg.Hub, err = hub.client("hub", o.stderr); err != nil {
					return err
				}
				cfg.HubCollection = hubCollection
			}
			srv, err := server.New(cfg)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
				WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
				ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
			scheme := "http"
			if certFile != "" {
				scheme = "https"
				hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			url := fmt.Sprintf("%s://%s/", scheme, displayAddr(ln.Addr()))
			fmt.Fprintf(o.stdout, "Ward is serving on %s\n", url)
			if demoMode {
				fmt.Fprintf(o.stdout, "Demo hospital: St. Example General. Sign in as admin with password %s\n", adminPassword)
				fmt.Fprintln(o.stdout, "The demo store is temporary: it is removed when Ward stops (Ctrl-C).")
			}
			if len(syncCollections) > 0 {
				client, err := sync.client("sync-from", o.stderr)
				if err != nil {
					return err
				}
				go syncLoop(ctx, log, client, store, syncCollections, syncEvery)
			}
			syslog.demo = demoMode
			waitSyslog, err := o.startSyslog(ctx, log, store, &syslog, certFile, keyFile)
			if err != nil {
				return err
			}
			defer waitSyslog()
			errc := make(chan error, 1)
			go func() {
				if certFile != "" {
					errc <- hs.ServeTLS(ln, certFile, keyFile)
				} else {
					errc <- hs.Serve(ln)
				}
			}()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			fmt.Fprintln(o.stderr, "ward: stopping")
			err = hs.Shutdown(shutdown)
			// Plans in money under way stop with the server.
			srv.Close()
			return err
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; :PORT for every interface)")
	c.Flags().BoolVar(&demoMode, "demo", false, "serve the demo hospital from a fresh temporary store")
	c.Flags().StringVar(&certFile, "tls-cert", "", "TLS certificate file (PEM), to serve HTTPS")
	c.Flags().StringVar(&keyFile, "tls-key", "", "TLS private key file (PEM)")
	c.Flags().StringSliceVar(&trustedProxies, "trusted-proxy", nil, "a reverse proxy in front of Ward (address or CIDR, repeatable): from it, the client is the rightmost address of X-Forwarded-For that is not a trusted proxy")
	c.Flags().StringArrayVar(&catalogs, "catalog", nil, "directory of catalog files to add (repeatable)")
	sync.flags(c, "sync-from", "sync-")
	c.Flags().StringSliceVar(&syncCollections, "sync-collection", nil, "the hub's collections to pull (ids)")
	c.Flags().DurationVar(&syncEvery, "sync-every", 15*time.Minute, "how often to pull")
	hub.flags(c, "hub", "hub-")
	c.Flags().StringVar(&hubCollection, "hub-collection", "", "the hub's collection incident reports are sent to")
	syslog.add(c)
	return c
}

// syncLoop pulls a hub's collections now and then every interval, until
// the server stops. Failures are logged and retried at the next turn.
func syncLoop(ctx context.Context, log *slog.Logger, client *share.Client, s ward.Store, collections []string, every time.Duration) {
	tick := time.NewTicker(max(every, time.Second))
	defer tick.Stop()
	for {
		for _, col := range collections {
			rep, err := share.PullInto(ctx, client, s, col, col, time.Now())
			if err != nil {
				log.Warn("sync failed", "peer", client.APIRoot, "collection", col, "err", err)
			}
			for _, r := range rep.Refused {
				log.Warn("sync refused an object", "peer", client.APIRoot, "collection", col, "object", r.ID, "reason", r.Reason)
			}
			// A turn that brings nothing new writes nothing.
			if rep.Added > 0 || len(rep.Refused) > 0 {
				log.Info("synced", "peer", client.APIRoot, "collection", col, "received", rep.Received, "new", rep.Added, "refused", len(rep.Refused))
				if _, err := s.AppendAudit(ctx, ward.AuditEntry{Time: time.Now(), Actor: "ward serve (sync)", Action: "share.pull", Target: col,
					Detail: pullDetail(rep, client.APIRoot)}); err != nil {
					log.Error("audit of a sync failed", "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func displayAddr(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", ta.Port)
	}
	return a.String()
}

// seedDemo stores the demo hospital and an administrator with a generated
// password, which it returns.
func seedDemo(ctx context.Context, s ward.Store) (string, error) {
	m, err := demo.Model()
	if err != nil {
		return "", err
	}
	if err := s.PutModels(ctx, []*ward.Model{m}); err != nil {
		return "", err
	}
	// its devices' advisories and a KEV excerpt, to see matches at once
	files, err := demoFeedFiles(time.Now())
	if err != nil {
		return "", err
	}
	if err := s.PutFeeds(ctx, files); err != nil {
		return "", err
	}
	password := server.NewPassword()
	hash, err := server.HashPassword(password)
	if err != nil {
		return "", err
	}
	admin := ward.User{ID: "u-admin", Name: "admin", PasswordHash: hash, Admin: true, Created: time.Now().UTC(),
		Memberships: []ward.Membership{{Org: m.Organisation.ID, Role: ward.RoleAdmin}}}
	if err := s.PutUser(ctx, admin); err != nil {
		return "", err
	}
	// A collection to try TAXII with, and the catalog's good practices in
	// it (TLP:CLEAR).
	col := ward.Collection{ID: share.NewCollectionID(), Title: "Community: medical-device intelligence", Readers: []string{ward.AllOrganisations},
		Writers: []string{m.Organisation.ID}, Created: time.Now().UTC()}
	if err := s.PutCollection(ctx, col); err != nil {
		return "", err
	}
	cat, err := catalog.Load()
	if err != nil {
		return "", err
	}
	var practices []ward.SharedObject
	for _, o := range share.Practices(cat, "", share.Clear, time.Now()) {
		so, err := share.Shared(col.ID, &o, m.Organisation.ID)
		if err != nil {
			return "", err
		}
		practices = append(practices, so)
	}
	if _, err := s.AddObjects(ctx, practices, time.Now(), nil); err != nil {
		return "", err
	}
	_, err = s.AppendAudit(ctx, ward.AuditEntry{Time: time.Now(), Actor: "ward serve --demo", Org: m.Organisation.ID, Action: "model.import", Target: m.Organisation.ID, Detail: "demo hospital"})
	return password, err
}

// parseProxies reads --trusted-proxy values: addresses or CIDR prefixes.
func parseProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, usageError{fmt.Errorf("--trusted-proxy %q: an address (10.0.0.5) or a CIDR prefix (10.0.0.0/24)", v)}
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// pullDetail is the audit detail of a pull.
func pullDetail(rep share.PullReport, from string) string {
	d := fmt.Sprintf("%d received, %d new from %s", rep.Received, rep.Added, from)
	if n := len(rep.Refused); n > 0 {
		d += fmt.Sprintf("; %d refused (first: %s: %s)", n, rep.Refused[0].ID, rep.Refused[0].Reason)
	}
	return d
}
