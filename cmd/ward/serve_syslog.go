package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/detect"
	"github.com/wardhealth/ward/detect/syslogd"
)

// syslogFlags are ward serve's syslog receiver's flags.
type syslogFlags struct {
	udp, tcp, tlsAddr, cert, key string
	org, asset                   string
	ruleDirs                     []string
	year, maxMessage, queue      int
	maxConns, maxConnsPerAddr    int
	idle                         time.Duration
	spool                        string
	spoolMax                     int64
	demo                         bool
}

func (f *syslogFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.udp, "syslog-udp", "", "receive syslog over UDP on this address (RFC 5426; e.g. 127.0.0.1:5514)")
	fl.StringVar(&f.tcp, "syslog-tcp", "", "receive syslog over TCP on this address (RFC 6587: octet counting or newline framing)")
	fl.StringVar(&f.tlsAddr, "syslog-tls", "", "receive syslog over TLS on this address (RFC 5425), with --syslog-tls-cert and --syslog-tls-key")
	fl.StringVar(&f.cert, "syslog-tls-cert", "", "the syslog TLS certificate (PEM; default --tls-cert)")
	fl.StringVar(&f.key, "syslog-tls-key", "", "the syslog TLS private key (PEM; default --tls-key)")
	fl.StringVar(&f.org, "syslog-org", "", "the organisation whose model received events are tied to (default: the only one)")
	fl.StringVar(&f.asset, "syslog-asset", "", "the asset of messages whose host and sender address name none")
	fl.StringArrayVar(&f.ruleDirs, "syslog-rules", nil, "a directory of Sigma rules beside the built-in ones, for received syslog (repeatable)")
	fl.IntVar(&f.year, "syslog-year", 0, "the year of RFC 3164 time stamps (default: this year, or last year for a date ahead)")
	fl.IntVar(&f.maxMessage, "syslog-max-message", syslogd.DefaultMaxMessage, "the most bytes of a syslog message read; the rest is dropped and the message counted as cut")
	fl.IntVar(&f.queue, "syslog-queue", syslogd.DefaultQueue, "the most syslog messages waiting to be read; past it they are dropped and counted")
	fl.IntVar(&f.maxConns, "syslog-max-conns", syslogd.DefaultMaxConns, "the most syslog TCP and TLS connections open at once")
	fl.IntVar(&f.maxConnsPerAddr, "syslog-max-conns-per-addr", syslogd.DefaultMaxConnsPerAddr, "the most syslog connections open at once from one address")
	fl.DurationVar(&f.idle, "syslog-idle-timeout", syslogd.DefaultIdleTimeout, "close a syslog connection silent for so long")
	fl.StringVar(&f.spool, "syslog-spool", "", "keep the last messages received in this file, replayed at start so that correlation windows open before a restart go on (default: syslog.spool in the data directory; none with --db or --demo)")
	fl.Int64Var(&f.spoolMax, "syslog-spool-mib", 64, "the spool's size in MiB: past it the file is kept as FILE.1 and a new one started, so at most twice this is replayed")
}

func (f *syslogFlags) on() bool { return f.udp != "" || f.tcp != "" || f.tlsAddr != "" }

// startSyslog listens for syslog when a --syslog-* address is given, and
// reads what arrives with the detection rules until ctx ends or wait is
// called; wait returns when the receiver has stopped and its summary is
// logged.
// Each new detection is logged as it is found.
func (o *options) startSyslog(ctx context.Context, log *slog.Logger, s ward.Store, f *syslogFlags, httpCert, httpKey string) (wait func(), err error) {
	if !f.on() {
		return func() {}, nil
	}
	var m *ward.Model
	org := f.org
	if org == "" {
		orgs, err := s.Organisations(ctx)
		if err != nil {
			return nil, err
		}
		if len(orgs) == 1 {
			org = orgs[0].ID
		} else if len(orgs) > 1 {
			return nil, usageError{fmt.Errorf("--syslog-org: the store holds %d organisations; name the one the syslog comes from", len(orgs))}
		}
	}
	var rev int64
	if org != "" {
		if rev, err = s.Revision(ctx, org); err != nil {
			return nil, notFound(err)
		}
		if m, err = s.Model(ctx, org); err != nil {
			return nil, notFound(err)
		}
		if err := checkAssets(m, "--syslog-asset", f.asset); err != nil {
			return nil, err
		}
	}
	en, err := loadEngine(f.ruleDirs)
	if err != nil {
		return nil, err
	}
	cfg := syslogd.Config{UDP: f.udp, TCP: f.tcp, TLS: f.tlsAddr, MaxMessage: f.maxMessage, Queue: f.queue,
		MaxConns: f.maxConns, MaxConnsPerAddr: f.maxConnsPerAddr, IdleTimeout: f.idle, Log: log}
	if f.tlsAddr != "" {
		cert, key := f.cert, f.key
		if cert == "" && key == "" {
			cert, key = httpCert, httpKey
		}
		if cert == "" || key == "" {
			return nil, usageError{fmt.Errorf("--syslog-tls needs --syslog-tls-cert and --syslog-tls-key (or --tls-cert and --tls-key)")}
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, invalidError{fmt.Errorf("--syslog-tls: %w", err)}
		}
		cfg.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}
	}
	rcv, err := syslogd.Listen(cfg)
	if err != nil {
		return nil, err
	}
	for _, t := range []string{"udp", "tcp", "tls"} {
		if a := rcv.Addr(t); a != nil {
			fmt.Fprintf(o.stdout, "Ward receives syslog over %s on %s\n", strings.ToUpper(t), a)
		}
	}
	det := syslogd.NewDetector(en, detect.NewAssets(m, f.asset), f.year)
	sp, err := o.openSpool(f, det, log)
	if err != nil {
		rcv.Close()
		return nil, err
	}
	var k *keeper
	if org != "" {
		k = newKeeper(s, org, "ward serve (syslog)", "syslog")
	} else {
		log.Warn("the store holds no organisation: syslog detections are logged, not kept")
	}
	keep := func(ctx context.Context) {
		if k == nil {
			return
		}
		if _, _, err := k.keep(ctx, det.Detections()); err != nil {
			log.Error("keeping detections failed", "err", err)
			return
		}
		// Kept: what can no longer grow leaves memory an hour after.
		if det.Forget(time.Hour) > 0 {
			k.prune(det.Detections())
		}
	}
	keep(ctx) // what the spool's replay found
	handle := det.Handle
	if sp != nil {
		handle = func(m syslogd.Message) {
			sp.write(m)
			det.Handle(m)
		}
	}
	ctx, stop := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		rcv.Serve(ctx, handle)
		close(served)
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := detectionWatch{log: log, seen: map[string]int{}}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-served:
				w.report(det.Detections())
				keep(context.WithoutCancel(ctx))
				sp.close()
				st, read := rcv.Stats(), det.Read()
				var lines, corrupt int
				for _, r := range read {
					lines, corrupt = lines+r.Lines, corrupt+r.Corrupt
					for i, b := range r.Bad {
						if i == maxBadShown {
							break
						}
						log.Warn("syslog message not read", "message", b.String())
					}
				}
				log.Info("syslog stopped", "received", st.Received, "dropped", st.Dropped, "cut", st.Cut,
					"corrupt", corrupt, "refused_connections", st.Refused, "framing_errors", st.Framing, "detections", len(w.seen))
				return
			case <-tick.C:
				dets := det.Detections()
				w.report(dets)
				w.prune(dets)
				sp.flush()
				if n%5 == 0 {
					keep(ctx)
				}
				if n%10 == 0 && org != "" {
					rev = reloadAssets(ctx, log, s, org, rev, f.asset, det)
				}
			}
		}
	}()
	return func() { stop(); <-done }, nil
}

// reloadAssets ties messages to the organisation's model as it is now
// when its revision moved past rev (a model imported, an asset edited), and
// returns the revision in use.
func reloadAssets(ctx context.Context, log *slog.Logger, s ward.Store, org string, rev int64, asset string, det *syslogd.Detector) int64 {
	now, err := s.Revision(ctx, org)
	if err != nil || now == rev {
		return rev
	}
	m, err := s.Model(ctx, org)
	if err != nil {
		log.Warn("syslog: the model could not be read again", "err", err)
		return rev
	}
	det.SetAssets(detect.NewAssets(m, asset))
	log.Info("syslog: the model changed, messages are tied to its assets now", "revision", now)
	return now
}

// detectionWatch logs detections when they are found, and again when
// their count has grown tenfold.
type detectionWatch struct {
	log  *slog.Logger
	seen map[string]int
}

func detectionKey(d detect.Detection) string {
	return d.Rule + "\x00" + d.Asset + "\x00" + d.Host + "\x00" + strings.Join(d.Group, ",") + "\x00" + d.FirstSeen.String()
}

// prune forgets the detections no longer among dets.
func (w *detectionWatch) prune(dets []detect.Detection) {
	if len(w.seen) <= 2*len(dets)+1024 {
		return
	}
	live := make(map[string]int, len(dets))
	for _, d := range dets {
		k := detectionKey(d)
		if n, ok := w.seen[k]; ok {
			live[k] = n
		}
	}
	w.seen = live
}

func (w *detectionWatch) report(dets []detect.Detection) {
	for _, d := range dets {
		k := detectionKey(d)
		was, ok := w.seen[k]
		if ok && d.Count < 10*max(was, 1) {
			continue
		}
		w.seen[k] = d.Count
		where := d.Asset
		if where == "" {
			where = "host " + d.Host
		}
		w.log.Warn("detection", "rule", d.Rule, "title", d.Title, "level", d.Level, "asset", where,
			"group", strings.Join(d.Group, " "), "count", d.Count, "first_seen", d.FirstSeen.Format(time.RFC3339), "last_seen", d.LastSeen.Format(time.RFC3339),
			"techniques", strings.Join(d.Techniques, ","))
	}
}
