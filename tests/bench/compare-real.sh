#!/bin/sh
# compare-real.sh BUILD_DIR - vouch-compare against diffoscope on real Debian
# 12 packages (tests/real-corpus.sh: apt-get download, pinned by SHA-256,
# cached in /var/cache/vouch-test/debs), in one run:
#   1. library pair: libssl3 3.0.20-1~deb12u2 vs 3.0.22-1~deb12u2.  Paired,
#      interleaved runs (RUNS, default 5), medians, the ratio (target:
#      vouch >= 100x faster), peak memory, and the members both found,
#      side by side.
#   2. large pair: openjdk-17-jre-headless 17.0.19 vs 17.0.21.1 (44 MB .debs,
#      16,000+ entries).  vouch-compare RUNS times (targets: median < 30 s,
#      peak < 200 MB), and one diffoscope run (after the first) under a
#      time limit (DIFFOSCOPE_LIMIT seconds, default 600): its time and the
#      members both found, or that it was stopped.
# diffoscope runs with its defaults (objdump, readelf: what an auditor gets).
# The load average is printed before and after each pair: on a shared
# machine wall times mean little without it.  To compare ratios on a loaded
# machine run the whole script under nice (both tools niced equally).
# ONLY=1 or ONLY=2 runs one of the two.
#
# Where vouch-compare's time goes on the libssl3 pair (perf record -g,
# strace -f -tt, /usr/bin/time; issue 15, measured beside a build of the
# commit before): xz decompression of the two data.tar.xz (5.9 MB of tar
# each) is the floor, ~0.18 s of CPU (`xz -dc`: 0.09 s a side), about 60%
# of vouch's CPU with liblzma's own copies (libc memmove) on top.  The
# rest was: writing the members the listing pass had read into memory to
# /tmp and reading them back (ext4 writes, page faults: ~12% of CPU, all
# of it on one thread after both sides were decompressed), an MD5 of both
# sides of every differing ELF file (libcrypto.so.3: ~8%; only needed for
# a manifest line naming an excused file), and buffers grown by doubling
# (copies of 4.7 MB).  Held members are now compared in memory
# (lib/compare/compare_int.h, CMP_HOLD_MAX), the MD5 is taken only for
# excused files and buffers are sized once: ~12% less CPU, with the same
# reports (tests/golden.sh).  Five interleaved runs of each, all niced,
# load average 2.9-5.6 on 2 CPUs: before 0.37 s wall / 0.31 s CPU / 37 MiB,
# after 0.33 s / 0.28 s / 35 MiB, diffoscope 38.2 s / 26.9 s / 308 MiB:
# 103x -> 116x wall, 87x -> 96x CPU.  What is left: process start with its
# libraries (~10 ms), SHA-256 of every member (~5%), the ELF section and
# symbol mapping of libcrypto.so.3 (~8%, after the listing).  The two
# sides are already listed in two threads, so on 2 CPUs the xz work fills
# both; comparing members while they are decompressed would overlap only
# that last ~10%, so it was not done.  The CPU ratio cannot reach 100x
# while xz alone is ~0.18 s and diffoscope ~20 s; the wall ratio does.
# Needs diffoscope, python3, apt-get, /usr/bin/time, timeout.
set -eu
build=${1:?usage: compare-real.sh BUILD_DIR}
C="$(cd "$build" && pwd)/tools/vouch-compare"
[ -x "$C" ] || { echo "no $C; build first" >&2; exit 2; }
here=$(cd "$(dirname "$0")/../.." && pwd)
for t in diffoscope python3 apt-get /usr/bin/time timeout; do
	command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 2; }
done
RUNS=${RUNS:-5}
LIMIT=${DIFFOSCOPE_LIMIT:-600}
T=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$here/tests/real-corpus.sh"
M="python3 $here/tests/compare-members.py"

# measure NAME cmd...: appends "wall-secs peak-kb cpu-secs" to $T/NAME.runs
# (cpu: user + system, children included); exit status in st
measure() {
	name=$1
	shift
	set +e
	/usr/bin/time -f '%e %M %U %S' -o "$T/time" "$@" >"$T/out.$name" 2>"$T/err.$name"
	st=$?
	set -e
	tail -n 1 "$T/time" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' >>"$T/$name.runs"
}
load() { echo "$(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { cut -d' ' -f"$2" "$T/$1.runs" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; printf "%.0f", a / b }'; }
side_by_side() { # VOUCH_SET DIFFOSCOPE_SET
	python3 - "$1" "$2" <<'EOF'
import sys
a = set(open(sys.argv[1]).read().split())
b = set(open(sys.argv[2]).read().split())
w = max([len(p) for p in a | b] + [12])
print("  %-*s  %-10s %-10s" % (w, "member", "vouch", "diffoscope"))
for p in sorted(a | b):
    print("  %-*s  %-10s %-10s" % (w, p, "differs" if p in a else "-", "differs" if p in b else "-"))
print("  same members: %s" % ("yes" if a == b else "NO"))
EOF
}

corpus_deb $REAL_LIBSSL_A
SA=$deb
corpus_deb $REAL_LIBSSL_B
SB=$deb
corpus_deb $REAL_JDK_A
JA=$deb
corpus_deb $REAL_JDK_B
JB=$deb
cat "$SA" "$SB" "$JA" "$JB" >/dev/null # page cache warm for both tools

ONLY=${ONLY:-}
if [ "$ONLY" != 2 ]; then
echo "== 1: libssl3 3.0.20-1~deb12u2 vs 3.0.22-1~deb12u2 ($RUNS paired runs)"
echo "load average at the start: $(load)"
i=0
while [ $i -lt "$RUNS" ]; do
	measure vssl "$C" --report "$T/vssl.json" "$SA" "$SB"
	[ "$st" -eq 1 ] || { echo "vouch-compare exit $st" >&2; exit 1; }
	measure dssl diffoscope --json "$T/dssl.json" "$SA" "$SB"
	[ "$st" -eq 1 ] || { echo "diffoscope exit $st" >&2; tail -n 3 "$T/err.dssl" >&2; exit 1; }
	i=$((i + 1))
done
vs=$(col vssl 1) vk=$(col vssl 2) vc=$(col vssl 3) ds=$(col dssl 1) dk=$(col dssl 2) dc=$(col dssl 3)
echo "load average at the end: $(load)"
echo "vouch-compare: median ${vs} s wall, ${vc} s CPU, peak ${vk} KiB"
echo "diffoscope:    median ${ds} s wall, ${dc} s CPU, peak ${dk} KiB"
echo "ratio diffoscope/vouch: wall $(ratio "$ds" "$vs")x, CPU $(ratio "$dc" "$vc")x (target >= 100x;" \
	"on a loaded machine wall time favours diffoscope's many processes)"
$M vouch "$T/vssl.json" >"$T/vssl.set"
$M diffoscope "$T/dssl.json" >"$T/dssl.set"
side_by_side "$T/vssl.set" "$T/dssl.set"
fi
[ "$ONLY" = 1 ] && exit 0

echo "== 2: openjdk-17-jre-headless 17.0.19+10-1~deb12u2 vs 17.0.21.1+2-1~deb12u1"
echo "load average at the start: $(load)"
dgave=""
i=0
while [ $i -lt "$RUNS" ]; do
	measure vjdk "$C" --report "$T/vjdk.json" "$JA" "$JB"
	[ "$st" -eq 1 ] || { echo "vouch-compare exit $st" >&2; exit 1; }
	if [ $i -eq 0 ]; then # one diffoscope run: it takes minutes
		measure djdk timeout "$LIMIT" diffoscope --json "$T/djdk.json" "$JA" "$JB"
		[ "$st" -eq 124 ] && dgave="stopped after ${LIMIT} s (peak $(cut -d' ' -f2 "$T/djdk.runs" | tail -n 1) KiB)"
	fi
	i=$((i + 1))
done
js=$(col vjdk 1) jk=$(col vjdk 2) jc=$(col vjdk 3)
echo "load average at the end: $(load)"
echo "vouch-compare: median ${js} s wall, ${jc} s CPU, peak ${jk} KiB (targets: < 30 s, < 204800 KiB)"
if [ -n "$dgave" ]; then
	echo "diffoscope: $dgave"
	$M vouch "$T/vjdk.json" | sed 's/^/  vouch-compare: /' | head -n 70
else
	d2=$(col djdk 1)
	echo "diffoscope: median ${d2} s wall, $(col djdk 3) s CPU, peak $(col djdk 2) KiB; wall ratio $(ratio "$d2" "$js")x"
	$M vouch "$T/vjdk.json" >"$T/vjdk.set"
	$M diffoscope "$T/djdk.json" >"$T/djdk.set"
	side_by_side "$T/vjdk.set" "$T/djdk.set"
fi
