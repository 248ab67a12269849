#!/bin/sh
# Benchmark vouch-hash against its peers, side by side in one run:
#   (a) one 1 GiB file: vouch-hash vs `openssl dgst -sha256` (target >= 0.95x,
#       CPU and wall clock)
#   (b) 2,000 files of 512 KiB: vouch-hash -j2 vs sha256sum (target >= 3x)
# Usage: tests/bench/hash.sh BUILD_DIR
# Files are cached in memory before timing; the two sides run alternately
# and each timing is the median of 5.  (a) is judged on CPU time and on
# wall-clock time (both sides are single-threaded: on a shared machine the
# CPU figure is the steadier), (b) on wall-clock time (parallelism is the
# point).
# Exits 1 when a target is missed.
set -eu
LC_ALL=C
export LC_ALL
build=$(cd "${1:?usage: tests/bench/hash.sh BUILD_DIR}" && pwd)
[ -x "$build/tools/vouch-hash" ] || { echo "no $build/tools/vouch-hash: build first" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
# Time the program, not a libtool wrapper script around it.
H=$(tool vouch-hash)
command -v openssl >/dev/null || { echo "openssl is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 2; }

# timed CMD: wall and CPU (user + system) seconds of one run, as "WALL CPU"
timed() {
	/usr/bin/time -f '%e %U %S' -o "$T/time" sh -c "$1" >/dev/null
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$T/time"
}
# race 'CMD A' 'CMD B': run A and B alternately 5 times each (so a change in
# machine load hits both alike); sets wa wb (median wall) and ca cb (median
# CPU).
race() {
	: >"$T/race"
	for _ in 1 2 3 4 5; do
		echo "$(timed "$1") $(timed "$2")" >>"$T/race"
	done
	wa=$(med 1) ca=$(med 2) wb=$(med 3) cb=$(med 4)
}
med() { awk -v k="$1" '{ print $k }' "$T/race" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mibs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1048576 / (s > 0 ? s : 0.01) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
meets() { awk -v r="$1" -v t="$2" 'BEGIN { exit !(r >= t) }'; }

status=0

# (a) one 1 GiB file
head -c 1073741824 /dev/urandom >"$T/big"
cat "$T/big" >/dev/null
[ "$("$H" -f sha256sum "$T/big" | cut -c1-64)" = "$(openssl dgst -sha256 -r "$T/big" | cut -c1-64)" ] \
	|| { echo "digests differ" >&2; exit 1; }
race "'$H' -f sha256sum '$T/big'" "openssl dgst -sha256 '$T/big'"
r=$(ratio "$cb" "$ca")
rw=$(ratio "$wb" "$wa")
echo "1 GiB file: vouch-hash $(mibs 1073741824 "$ca") MiB/s, openssl dgst -sha256 $(mibs 1073741824 "$cb") MiB/s per CPU second: ratio ${r}x (target >= 0.95x)"
echo "  wall clock: vouch-hash $(mibs 1073741824 "$wa") MiB/s, openssl $(mibs 1073741824 "$wb") MiB/s, ratio ${rw}x (target >= 0.95x)"
echo "  load: $(uptime | sed 's/.*load/load/')"
meets "$r" 0.95 || { echo "  CPU below target"; status=1; }
meets "$rw" 0.95 || { echo "  wall clock below target"; status=1; }

# (b) 2,000 files of 512 KiB (the first 1000 MiB of the same data)
mkdir "$T/many"
head -c 1048576000 "$T/big" | (cd "$T/many" && split -b 524288 -a 4 - f)
rm -f "$T/big"
n=$(ls "$T/many" | wc -l)
[ "$n" -eq 2000 ] || { echo "expected 2000 files, made $n" >&2; exit 1; }
cat "$T"/many/* >/dev/null
(cd "$T" && "$H" -j2 -f sha256sum many) >"$T/a.sums"
(cd "$T" && sha256sum many/*) >"$T/b.sums"
cmp -s "$T/a.sums" "$T/b.sums" || { echo "sum lists differ" >&2; exit 1; }
race "cd '$T' && '$H' -j2 -f sha256sum many" "cd '$T' && sha256sum many/*"
r=$(ratio "$wb" "$wa")
echo "2000 x 512 KiB: vouch-hash -j2 $(mibs 1048576000 "$wa") MiB/s, sha256sum $(mibs 1048576000 "$wb") MiB/s wall clock: ratio ${r}x (target >= 3x)"
echo "  per CPU second: vouch-hash $(mibs 1048576000 "$ca") MiB/s, sha256sum $(mibs 1048576000 "$cb") MiB/s"
meets "$r" 3 || { echo "  below target"; status=1; }
exit $status
