#!/bin/sh
# Replays LOG through Debian's CrowdSec (crowdsec 1.4.6, its sshd, nginx
# and http collections as the package enables them), in time-machine mode
# (-dsn file://... -type syslog), against a local API of its own on a free
# loopback port with a database in WORK, and without the central API
# (-no-capi), with as many parser routines as cores (ROUTINES, default 2).
# It prints the wall and CPU time, the peak memory and the alerts by
# scenario.
#
# -no-api, as CrowdSec's documentation suggests for replays, does not run
# in 1.4.6: its outputs still log in to a local API ("starting outputs
# error: authenticate watcher ... connection refused") and it stops; so
# the local API runs here, alone and on loopback.
#
#   bench/detect/crowdsec.sh /tmp/mixed-1g.log /tmp/cs-work
set -eu
LOG=$(readlink -f "$1")
WORK=${2:-$(mktemp -d)}
PORT=${PORT:-18181}
mkdir -p "$WORK"
rm -f "$WORK"/crowdsec.db*
sed -e 's/log_media: file/log_media: stdout/' \
    -e "s|db_path: .*|db_path: $WORK/crowdsec.db|" \
    -e "s|listen_uri: .*|listen_uri: 127.0.0.1:$PORT|" \
    -e "s|credentials_path: /etc/crowdsec/local_api_credentials.yaml|credentials_path: $WORK/local_api_credentials.yaml|" \
    -e 's/enabled: true/enabled: false/' \
    -e 's/daemonize: true/daemonize: false/' \
    -e "s/parser_routines: 1/parser_routines: ${ROUTINES:-2}/" \
    /etc/crowdsec/config.yaml > "$WORK/config.yaml"
cscli -c "$WORK/config.yaml" machines add ward-bench --auto --force --file "$WORK/local_api_credentials.yaml" >/dev/null 2>&1
/usr/bin/time -v -o "$WORK/time.txt" crowdsec -c "$WORK/config.yaml" -dsn "file://$LOG" -type syslog -no-capi > "$WORK/crowdsec.out" 2>&1 || true
grep -E "Elapsed|Maximum resident|User time|System time" "$WORK/time.txt"
echo "alerts by scenario:"
grep -o "performed '[^']*'" "$WORK/crowdsec.out" | sort | uniq -c
grep -c "performed '" "$WORK/crowdsec.out" | sed 's/^/alerts: /'
