#!/bin/sh
# Runs Ward and Threagile side by side on the same generated hospitals:
# 'ward gen' makes each hospital, bench/threagile/convert writes it as a
# Threagile model (assets, links, zones as trust boundaries, data), then
# 'ward assess --format json' and Threagile (risks and stats JSON only:
# no diagrams, no PDF, no Excel) each run once in a fresh process under
# /usr/bin/time. It prints wall and CPU seconds and peak memory.
#
# Threagile v0.9.1 (MIT) is fetched from the Go module proxy and built
# into WORK with its RAA plugin, as its Dockerfile builds them.
#
#   bench/threagile/compare.sh [WORK] [SIZES...]     (default: 100 1000 2000)
set -eu
cd "$(dirname "$0")/../.."
WORK=$(readlink -f "${1:-/tmp/ward-threagile}")
shift 2>/dev/null || true
SIZES=${*:-100 1000 2000}
export GOTOOLCHAIN=local
mkdir -p "$WORK"

if [ ! -x "$WORK/threagile" ] || [ ! -f "$WORK/raa.so" ]; then
	echo "building Threagile v0.9.1 into $WORK" >&2
	dir=$(cd "$WORK" && GOFLAGS=-mod=mod go mod download -json github.com/threagile/threagile@v0.9.1 | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
	rm -rf "$WORK/src" && cp -r "$dir" "$WORK/src" && chmod -R u+w "$WORK/src"
	(cd "$WORK/src" && go build -trimpath -buildmode=plugin -o "$WORK/raa.so" raa/raa/raa.go && go build -trimpath -o "$WORK/threagile" .)
fi
go build -o "$WORK/ward" ./cmd/ward
go build -o "$WORK/convert" ./bench/threagile/convert

# measure NAME CMD...: one line "NAME wall cpu rss" from GNU time.
measure() {
	name=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || { echo "$name failed:" >&2; cat "$WORK/stderr.txt" >&2; exit 1; }
	awk -v n="$name" '{printf "%-10s %8.2f s %8.2f CPU-s %8.0f MiB\n", n, $1, $2 + $3, $4 / 1024}' "$WORK/time.txt"
}

echo "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
for n in $SIZES; do
	"$WORK/ward" gen --assets "$n" -o "$WORK/h$n.yaml" >/dev/null
	"$WORK/convert" "$WORK/h$n.yaml" >"$WORK/t$n.yaml" 2>/dev/null
	rm -rf "$WORK/out$n" && mkdir -p "$WORK/out$n"
	echo "-- $n assets"
	measure ward "$WORK/ward" assess "$WORK/h$n.yaml" --format json
	measure threagile "$WORK/threagile" -model "$WORK/t$n.yaml" -output "$WORK/out$n" -raa-plugin "$WORK/raa.so" \
		-generate-data-asset-diagram=false -generate-data-flow-diagram=false -generate-report-pdf=false \
		-generate-risks-excel=false -generate-tags-excel=false
	echo "threagile risks: $(grep -o '"synthetic_id"' "$WORK/out$n/risks.json" | wc -l)"
done
