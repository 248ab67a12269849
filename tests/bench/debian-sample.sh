#!/bin/sh
# debian-sample.sh - vouch against the .debs Debian ships, and against
# itself from .buildinfo files.  Not part of make check (network, root,
# minutes per package).
#
#   tests/bench/debian-sample.sh [-o RESULTS] [-c CACHE] [-k KEEP] [-r] [-n] SOURCE...
#
# For each source package of bookworm: a first build with vouch-debrebuild
# --from-archive (build dependencies at the suite's current versions, the
# clock at SOURCE_DATE_EPOCH) compared with the .debs the archive ships
# (identical / equivalent / differ, and vouch-compare's first hint why);
# with -r, then a rebuild from that first build's .buildinfo in a fresh
# environment, which must give the same .debs bit for bit.  One line per
# package goes to RESULTS (default tests/bench/debian-sample.txt).  -n
# leaves the security archive out (the suite's own versions).
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
bin=${VOUCH_BIN:-$here/../../build/check/tools}
results=$here/debian-sample.txt
cache=/var/cache/vouch-test/debrebuild
rebuild=
secopt=
keep=
while getopts o:c:rnk: opt; do
	case $opt in
	o) results=$OPTARG ;;
	c) cache=$OPTARG ;;
	r) rebuild=1 ;;
	n) secopt="--security none" ;;
	k) keep=$OPTARG ;;
	*) echo "usage: debian-sample.sh [-o RESULTS] [-c CACHE] [-r] SOURCE..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
# the results of each package are kept in KEEP (-k; default a temporary
# directory removed at the end)
work=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/vouch-sample.XXXXXX")}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
export VOUCH_BINDIR="$bin"
for src in "$@"; do
	o=$work/$src
	t0=$(date +%s)
	set +e
	# shellcheck disable=SC2086
	"$bin/vouch-debrebuild" -c "$cache" $secopt --clock source-date-epoch --shipped archive \
		--from-archive "$src" -o "$o.first" >"$work/$src.out" 2>"$work/$src.err"
	rc=$?
	set -e
	t1=$(date +%s)
	if [ $rc -gt 1 ] || [ ! -s "$o.first/check.txt" ]; then
		if grep -q "Failed to fetch" "$work/$src.err"; then
			echo "$src source-unavailable $(grep -o 'Failed to fetch [^ ]*' "$work/$src.err" | head -1)" >>"$results"
		else
			echo "$src first-build-failed $(tail -1 "$work/$src.err" | cut -c1-150)" >>"$results"
		fi
		continue
	fi
	ver=$(sed -n 's/^Version: //p' "$o.first/rebuilt"/*.buildinfo | head -1)
	for f in "$o.first/rebuilt"/*deb; do
		n=$(basename "$f")
		case $n in *-dbgsym_*|*.ddeb) continue ;; esac
		txt=$o.first/vsa/$n.txt
		if grep -q "^shipped-identical $n" "$work/$src.out"; then
			v=$(sed -n 's/^verdict: //p' "$txt" | head -1)
			case $v in identical*) r=identical ;; *) r="equivalent ($v)" ;; esac
		elif grep -q "^shipped-differs $n" "$work/$src.out"; then
			why=$(grep -m1 'hint' "$txt" | sed 's/.*hint[^:]*: //')
			what=$(grep -m1 '^  [^ ]' "$txt" | sed 's/^ *//' | cut -c1-110)
			r="differs: $what; hint $why"
		else
			r="not-shipped"
		fi
		echo "$src $ver $n first-build ${t1}s-${t0}s shipped $r" |
			sed "s/ \([0-9]*\)s-\([0-9]*\)s / $((t1 - t0))s /" >>"$results"
	done
	if [ -n "$rebuild" ]; then
		bi=$(ls "$o.first/rebuilt"/*.buildinfo)
		set +e
		# shellcheck disable=SC2086
		"$bin/vouch-debrebuild" -c "$cache" $secopt -o "$o.re" "$bi" >"$work/$src.re.log" 2>&1
		rc=$?
		set -e
		echo "$src $ver rebuild-from-buildinfo exit $rc: $(grep -c '^reproduced' "$work/$src.re.log") reproduced, $(grep -c '^differs\|^missing' "$work/$src.re.log") not; clock build-date$([ $rc -eq 2 ] && echo "; $(tail -1 "$work/$src.re.log" | cut -c1-150)")" >>"$results"
	fi
done
