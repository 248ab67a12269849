#!/bin/bash
# What `vouch-rebuild --vary` costs, and how many builds bisection needs.
#
#   tests/bench/vary.sh BUILD_DIR [RUNS]
#
# 1. Overhead beyond the two builds.  examples/hello (host environment) is
#    reproducible under every variation, so --vary runs exactly two builds.
#    RUNS times (default 7), interleaved in one loop, order alternating:
#      vary    `vouch-rebuild --vary` (two builds, the comparison, the
#              statement);
#      twice   two plain `vouch-rebuild` runs of the same recipe, back to
#              back (what the two builds cost without --vary);
#      reprotest  Debian's reprotest on the same source and make command,
#              all its variations (its own control and experiment builds).
#    Prints medians, the overhead (vary - twice) and the ratios.  --vary
#    also reports its own split (time inside the rebuilds vs. in all).
# 2. Builds for one culprit among the 12 variations: the single-variation
#    fixtures of tests/cli/vary/build.sh, each once with --vary (all 12);
#    prints the builds each needed, their maximum and the bound
#    2*log2(12)+2 = 9.17.  reprotest --auto-build on the build-path fixture
#    for comparison: it builds the control twice, all variations, then each
#    variation in turn (3 + one per variation it has); its time is printed.
#
# Needs bash, root (reprotest's domain_host and fileordering), reprotest.
set -eu
LC_ALL=C
export LC_ALL
build=$(cd "${1:?usage: vary.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-7}
. "$(dirname "$0")/lib.sh"
RB=$(tool vouch-rebuild)
command -v reprotest >/dev/null || { echo "vary.sh: install reprotest" >&2; exit 2; }

HELLO="$src/examples/hello"
tar -C "$HELLO" -cf "$T/hello-1.0.tar" hello.c Makefile
mkdir "$T/hsrc"
cp "$HELLO/hello.c" "$HELLO/Makefile" "$T/hsrc/"

run_vary() {
	rm -rf "$T/v"
	"$RB" -r "$HELLO/recipe-host.json" -s "$T/hello-1.0.tar" -o "$T/v" --vary --progress \
		>/dev/null 2>"$T/vary.err"
	sed -n 's/.* \([0-9.]*\) s building, \([0-9.]*\) s in all/\1 \2/p' "$T/vary.err" >>"$T/split"
}
run_twice() {
	rm -rf "$T/a" "$T/b"
	"$RB" -r "$HELLO/recipe-host.json" -s "$T/hello-1.0.tar" -o "$T/a" >/dev/null
	"$RB" -r "$HELLO/recipe-host.json" -s "$T/hello-1.0.tar" -o "$T/b" >/dev/null
}
run_reprotest() {
	(cd "$T/hsrc" && reprotest --store-dir="$T/rs-$i" \
		'make -s SOURCE_DATE_EPOCH=1700000000 CFLAGS="-O2 -g" && mkdir -p out && cp hello out/' \
		'out/hello') >"$T/rp.log" 2>&1 || { echo "reprotest failed:" >&2; tail "$T/rp.log" >&2; exit 1; }
	rm -rf "$T/rs-$i"
}
measure() {
	local t0 t1
	t0=$EPOCHREALTIME
	"run_$1"
	t1=$EPOCHREALTIME
	echo $(($(usec "$t1") - $(usec "$t0"))) >>"$T/$1.wall"
}

run_vary
grep -q "identical under every variation (2 builds)" "$T/vary.err" ||
	{ echo "hello is not reproducible under --vary:" >&2; cat "$T/vary.err" >&2; exit 1; }
: >"$T/split"
for k in vary twice reprotest; do : >"$T/$k.wall"; done
i=0
while [ $i -lt "$runs" ]; do
	case $((i % 3)) in
	0) order="vary twice reprotest" ;;
	1) order="twice reprotest vary" ;;
	*) order="reprotest vary twice" ;;
	esac
	for k in $order; do measure "$k"; done
	i=$((i + 1))
done
v=$(median <"$T/vary.wall")
w=$(median <"$T/twice.wall")
r=$(median <"$T/reprotest.wall")
echo "1. --vary on examples/hello (reproducible: 2 builds), median of $runs, ms:"
awk -v v="$v" -v w="$w" -v r="$r" 'BEGIN {
	printf "   vouch-rebuild --vary        %8.1f\n", v / 1000
	printf "   two vouch-rebuild runs      %8.1f\n", w / 1000
	printf "   reprotest (all variations)  %8.1f\n", r / 1000
	printf "   overhead of --vary beyond the two builds: %.1f ms (ratio vary/twice %.2f)\n", (v - w) / 1000, v / w
	printf "   ratio reprotest / vouch --vary: %.1f\n", r / v }'
echo "   inside --vary (median): $(cut -d' ' -f1 "$T/split" | median) s in the two rebuilds," \
	"$(cut -d' ' -f2 "$T/split" | median) s in all, $(awk '{print ($2 - $1) * 1000}' "$T/split" |
	median) ms outside the rebuilds (comparison, statement)"

echo "2. builds to find one culprit among 12 variations (bound 2*log2(12)+2 = 9.17):"
tar -C "$src/tests/cli/vary" -cf "$T/fix.tar" build.sh parts
FSHA=$(sha256sum "$T/fix.tar" | cut -c1-64)
: >"$T/counts"
for f in date timezone collation umask hostname buildpath user cpus readdir home env kernel; do
	cat >"$T/fix-$f.json" <<JSON
{"vouchRecipe": 1, "name": "fixture-$f", "version": "1",
 "source": {"path": "fix.tar", "digest": {"sha256": "$FSHA"}},
 "environment": "host", "sourceDateEpoch": 1700000000, "workdir": "/build/fix",
 "steps": [["sh", "build.sh", "$f"]], "outputs": ["result"]}
JSON
	"$RB" -r "$T/fix-$f.json" -o "$T/f-$f" --vary >"$T/st-$f.json" 2>/dev/null || true
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["predicate"]; print(len(p["builds"]), ",".join(p["culprit"]))' \
		"$T/st-$f.json" >"$T/n"
	read -r n c <"$T/n"
	echo "$n" >>"$T/counts"
	printf '   %-10s %-13s %d builds\n' "$f" "$c" "$n"
done
echo "   maximum $(sort -n "$T/counts" | tail -1), median $(median <"$T/counts")"
cp -R "$src/tests/cli/vary" "$T/rsrc"
t0=$EPOCHREALTIME
"$RB" -r "$T/fix-buildpath.json" -o "$T/f-again" --vary >/dev/null 2>&1 || true
t1=$EPOCHREALTIME
(cd "$T/rsrc" && reprotest --auto-build --store-dir="$T/rs-auto" 'OUT=. sh build.sh buildpath' result) \
	>"$T/auto.log" 2>&1 || true
t2=$EPOCHREALTIME
nv=$(/usr/bin/python3 -c 'from reprotest.build import VariationSpec; print(len(VariationSpec.all_names()))')
awk -v a=$(($(usec "$t1") - $(usec "$t0"))) -v b=$(($(usec "$t2") - $(usec "$t1"))) -v nv="$nv" \
	-v c="$(sed -n '/Observed unreproducibility when varying each of the following:/{n;p;}' "$T/auto.log")" \
	'BEGIN { printf "   build-path fixture: vouch --vary %.1f s; reprotest --auto-build %.1f s, %d builds (3 + %d variations), culprit: %s\n", a / 1e6, b / 1e6, 3 + nv, nv, c }'
