#!/bin/sh
# The read-size sweep behind VOUCH_READ_CHUNK (lib/vouch/file.h): CPU time
# (user + system) to SHA-256 a file in the page cache with read(2) into a
# buffer of each size, page-aligned (offset 0, vouch_chunk_alloc) and 16
# bytes past a page (where malloc puts a block it takes from mmap), next
# to `openssl dgst -sha256` (8 KiB reads) in the same rounds.
#   tests/bench/chunk.sh BUILD_DIR [MIB]
# 5 rounds, every variant once per round; medians.  Informational (exit 0).
set -eu
LC_ALL=C
export LC_ALL
build=$(cd "${1:?usage: tests/bench/chunk.sh BUILD_DIR [MIB]}" && pwd)
mib=${2:-1024}
BC=$build/tests/bench/bench_chunk
[ -x "$BC" ] || { echo "build $BC first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
head -c $((mib * 1048576)) /dev/urandom >"$T/big"
cat "$T/big" >/dev/null
cpu() {
	/usr/bin/time -f '%U %S' -o "$T/time" "$@" >/dev/null
	awk '{ printf "%.2f\n", $1 + $2 }' "$T/time"
}
sizes="16 32 64 128 256 512 1024"
for _ in 1 2 3 4 5; do
	echo "openssl $(cpu openssl dgst -sha256 "$T/big")"
	for k in $sizes; do
		echo "$k/0 $(cpu "$BC" "$T/big" "$k" 0)"
		echo "$k/16 $(cpu "$BC" "$T/big" "$k" 16)"
	done
done >"$T/runs"
med() { awk -v k="$1" '$1 == k { print $2 }' "$T/runs" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
o=$(med openssl)
printf '%d MiB in the page cache; medians of 5; load: %s\n' "$mib" "$(uptime | sed 's/.*load/load/')"
printf '%8s %12s %12s %10s\n' "KiB" "aligned s" "page+16 s" "openssl s"
for k in $sizes; do
	printf '%8s %12s %12s %10s\n' "$k" "$(med "$k/0")" "$(med "$k/16")" "$o"
done
