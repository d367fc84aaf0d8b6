#!/usr/bin/env bash
# Measures Ward on generated hospitals, each command in a fresh process under
# /usr/bin/time -v (wall and CPU seconds, peak resident memory), and writes
# the table into docs/performance.md between its "perf.sh" markers, with the
# date, the core count and the machine's load. With --old BINARY the same
# commands run with that binary too, side by side in one run.
#
#   bench/perf.sh                      # 1k, 10k and 100k assets: some 20 minutes
#   bench/perf.sh --quick              # 1k and 10k: a few minutes
#   bench/perf.sh --old /tmp/ward-base # old vs new side by side
#   bench/perf.sh --sizes 300000 --scenarios validate,assess --no-doc
#   bench/perf.sh --variety realistic --no-doc  # assets unlike each other
#
# Options: --ward BINARY (default: built from this checkout), --sizes LIST,
# --links-per-asset N (10), --scenarios LIST (validate,import,assess,
# quantify,plan,whatif), --plan-max N (largest size plan runs at; default
# 10000: at ten links an asset it takes half a minute at 100,000), --timeout SECONDS per
# command (1800), --work DIR (kept inputs; default a temporary directory),
# --variety low|realistic|high (inputs by 'ward gen --variety', where each
# asset of a site has its own version, controls and links at realistic;
# default: 'ward bench gen', the low variety's templates), --no-doc (print
# the table only).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
ward="" old="" sizes="1000,10000,100000" lpa=10 doc=1 work="" timeout=1800 planmax=10000 variety=""
scenarios="validate,import,assess,quantify,plan,whatif"
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) sizes="1000,10000" ;;
	--ward) ward=$2; shift ;;
	--old) old=$2; shift ;;
	--sizes) sizes=$2; shift ;;
	--links-per-asset) lpa=$2; shift ;;
	--scenarios) scenarios=$2; shift ;;
	--plan-max) planmax=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--work) work=$2; shift ;;
	--variety) variety=$2; shift ;;
	--no-doc) doc=0 ;;
	*) echo "perf.sh: unknown option $1 (see the comment at the top)" >&2; exit 2 ;;
	esac
	shift
done
[ -x /usr/bin/time ] || { echo "perf.sh: needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 2; }
if [ -z "$work" ]; then
	work=$(mktemp -d /tmp/ward-perf.XXXXXX)
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
if [ -z "$ward" ]; then
	ward=$work/ward
	(cd "$root" && go build -o "$ward" ./cmd/ward)
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# measure LABEL BINARY ARGS...: one fresh process; prints "wall cpu rss_mib"
# or "- - -" when it failed or ran out of time.
measure() {
	local out=$work/time.$$ rc=0
	(cd "$work" && WARD_DATA=$work/store-$RANDOM timeout "$timeout" /usr/bin/time -v -o "$out" "$@" >/dev/null 2>"$work/stderr") || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "perf.sh: $* exited $rc: $(tail -n 3 "$work/stderr" | tr '\n' ' ')" >&2
		echo "- - -"
		return
	fi
	awk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, p, ":"); wall = 0; for (i = 1; i <= n; i++) wall = wall * 60 + p[i] }
		/User time/ { cpu += $2 }
		/System time/ { cpu += $2 }
		/Maximum resident set size/ { rss = $2 / 1024 }
		END { printf "%.2f %.2f %.0f\n", wall, cpu, rss }' "$out"
	rm -rf "$work"/store-*
}

thousands() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/; ta'; }

mib() { awk -v b="$(stat -L -c %s "$1")" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

rows=$work/rows.md
: >"$rows"
IFS=, read -ra ns <<<"$sizes"
for n in "${ns[@]}"; do
	links=$((n * lpa))
	h=h$n${variety:+-$variety}
	for f in yaml json; do
		if [ -s "$work/$h.$f" ]; then
			continue
		elif [ -n "$variety" ]; then
			"$ward" gen --assets "$n" --links-per-asset "$lpa" --variety "$variety" --format "$f" -o "$work/$h.$f" >"$work/$h.gen"
		else
			"$ward" bench gen --assets "$n" --links "$links" --format "$f" -o "$work/$h.$f" >"$work/$h.gen"
		fi
	done
	fail=$(grep -m1 -o '"id": "core-sw-[0-9]*"' "$work/$h.json" | cut -d'"' -f4)
	links=$(grep -o '[0-9]* links' "$work/$h.gen" | cut -d' ' -f1)
	jobs=()
	for s in ${scenarios//,/ }; do
		case $s in
		validate) jobs+=("validate|yaml|validate FILE" "validate|json|validate FILE") ;;
		import) jobs+=("import (SQLite)|yaml|import FILE" "import (SQLite)|json|import FILE") ;;
		assess) jobs+=("assess|yaml|assess FILE" "assess|json|assess FILE") ;;
		quantify) jobs+=("assess --quantify|json|assess FILE --quantify") ;;
		plan) [ "$n" -le "$planmax" ] && jobs+=("plan|json|plan FILE") ;;
		whatif) jobs+=("whatif --fail $fail --for 4h|json|whatif FILE --fail $fail --for 4h") ;;
		*) echo "perf.sh: unknown scenario $s" >&2; exit 2 ;;
		esac
	done
	for j in "${jobs[@]}"; do
		IFS='|' read -r label f cmd <<<"$j"
		file=$work/$h.$f
		read -ra argv <<<"${cmd//FILE/$file}"
		echo "perf.sh: $n assets: ward ${argv[*]##*/}" >&2
		row="| $label | $(thousands "$n") | $(thousands "$links") | ${f^^} | $(mib "$file") |"
		read -r w c r <<<"$(measure "$ward" "${argv[@]}" --max-size 8192)"
		row+=" $w | $c | $r |"
		if [ -n "$old" ]; then
			read -r w c r <<<"$(measure "$old" "${argv[@]}" --max-size 8192)"
			row+=" $w | $c | $r |"
		fi
		echo "$row" >>"$rows"
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

table=$work/table.md
{
	echo "Measured by \`bench/perf.sh$([ -n "$old" ] && echo " --old OLD")\` on $(date -u +%Y-%m-%d) at $(date -u +%H:%M) UTC:"
	echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(go version 2>/dev/null | cut -d' ' -f3),"
	echo "load average $load_before before and $load_after after (the machine is shared: CPU seconds"
	echo "say more than the wall clock). Each row is a fresh process (\`/usr/bin/time -v\`):"
	echo "wall and CPU (user + system) seconds, peak resident memory (MiB). Inputs:"
	if [ -n "$variety" ]; then
		echo "\`ward gen --assets N --links-per-asset $lpa --variety $variety\` (seed 1)."
	else
		echo "\`ward bench gen --assets N --links $lpa×N\` (seed 1)."
	fi
	echo
	if [ -n "$old" ]; then
		echo "| command | assets | links | format | file | wall s | CPU s | peak RSS MiB | old wall s | old CPU s | old peak RSS MiB |"
		echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
	else
		echo "| command | assets | links | format | file | wall s | CPU s | peak RSS MiB |"
		echo "|---|---:|---:|---|---:|---:|---:|---:|"
	fi
	cat "$rows"
} >"$table"
if [ "$doc" = 0 ]; then
	cat "$table"
	exit 0
fi
md=$root/docs/performance.md
grep -q '^<!-- perf.sh begin -->$' "$md" || { echo "perf.sh: $md has no <!-- perf.sh begin --> marker" >&2; exit 1; }
awk -v table="$table" '
	/^<!-- perf.sh begin -->$/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
	/^<!-- perf.sh end -->$/ { skip = 0 }
	!skip' "$md" >"$work/performance.md"
cp "$work/performance.md" "$md"
echo "perf.sh: wrote $md" >&2
