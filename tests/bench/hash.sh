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
H="$build/tools/vouch-hash"
[ -x "$H" ] || { echo "no $H: build first" >&2; exit 2; }
# Time the program, not a libtool wrapper script around it (the tools
# are programs when they link libvouch statically, as they do now).
if [ "$(head -c 4 "$H" | od -An -c | tr -d ' ')" != 177ELF ]; then
	H="$build/tools/.libs/vouch-hash"
	LD_LIBRARY_PATH="$build/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export LD_LIBRARY_PATH
fi
command -v openssl >/dev/null || { echo "openssl is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM

# timed CMD: wall and CPU (user + system) seconds of one run, as "WALL CPU"
timed() {
	/usr/bin/time -f '%e %U %S' -o "$W/time" sh -c "$1" >/dev/null
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$W/time"
}
# race 'CMD A' 'CMD B': run A and B alternately 5 times each (so a change in
# machine load hits both alike); sets wa wb (median wall) and ca cb (median
# CPU).
race() {
	: >"$W/race"
	for _ in 1 2 3 4 5; do
		echo "$(timed "$1") $(timed "$2")" >>"$W/race"
	done
	wa=$(med 1) ca=$(med 2) wb=$(med 3) cb=$(med 4)
}
med() { awk -v k="$1" '{ print $k }' "$W/race" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mibs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1048576 / (s > 0 ? s : 0.01) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
meets() { awk -v r="$1" -v t="$2" 'BEGIN { exit !(r >= t) }'; }

status=0

# (a) one 1 GiB file
head -c 1073741824 /dev/urandom >"$W/big"
cat "$W/big" >/dev/null
[ "$("$H" -f sha256sum "$W/big" | cut -c1-64)" = "$(openssl dgst -sha256 -r "$W/big" | cut -c1-64)" ] \
	|| { echo "digests differ" >&2; exit 1; }
race "'$H' -f sha256sum '$W/big'" "openssl dgst -sha256 '$W/big'"
r=$(ratio "$cb" "$ca")
rw=$(ratio "$wb" "$wa")
echo "1 GiB file: vouch-hash $(mibs 1073741824 "$ca") MiB/s, openssl dgst -sha256 $(mibs 1073741824 "$cb") MiB/s per CPU second: ratio ${r}x (target >= 0.95x)"
echo "  wall clock: vouch-hash $(mibs 1073741824 "$wa") MiB/s, openssl $(mibs 1073741824 "$wb") MiB/s, ratio ${rw}x (target >= 0.95x)"
echo "  load: $(uptime | sed 's/.*load/load/')"
meets "$r" 0.95 || { echo "  CPU below target"; status=1; }
meets "$rw" 0.95 || { echo "  wall clock below target"; status=1; }

# (b) 2,000 files of 512 KiB (the first 1000 MiB of the same data)
mkdir "$W/many"
head -c 1048576000 "$W/big" | (cd "$W/many" && split -b 524288 -a 4 - f)
rm -f "$W/big"
n=$(ls "$W/many" | wc -l)
[ "$n" -eq 2000 ] || { echo "expected 2000 files, made $n" >&2; exit 1; }
cat "$W"/many/* >/dev/null
(cd "$W" && "$H" -j2 -f sha256sum many) >"$W/a.sums"
(cd "$W" && sha256sum many/*) >"$W/b.sums"
cmp -s "$W/a.sums" "$W/b.sums" || { echo "sum lists differ" >&2; exit 1; }
race "cd '$W' && '$H' -j2 -f sha256sum many" "cd '$W' && sha256sum many/*"
r=$(ratio "$wb" "$wa")
echo "2000 x 512 KiB: vouch-hash -j2 $(mibs 1048576000 "$wa") MiB/s, sha256sum $(mibs 1048576000 "$wb") MiB/s wall clock: ratio ${r}x (target >= 3x)"
echo "  per CPU second: vouch-hash $(mibs 1048576000 "$ca") MiB/s, sha256sum $(mibs 1048576000 "$cb") MiB/s"
meets "$r" 3 || { echo "  below target"; status=1; }
exit $status
