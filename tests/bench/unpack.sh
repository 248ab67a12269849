#!/bin/sh
# Benchmark: vouch-unpack (extraction + tree digest in one pass) against
# bsdtar -xf (the same libarchive) on a generated ~200 MiB source tarball of
# ~20,000 files, plain and gzip'd.  Prints the best of RUNS for each and the
# ratio vouch/bsdtar (the goal is <= 1.2).  Works in /dev/shm when it has
# room (set BENCH_TMPDIR to choose), so disk noise does not drown the
# difference; the load average is printed because other jobs skew it.
#   tests/bench/unpack.sh BUILD_DIR [RUNS]
set -eu
LC_ALL=C
export LC_ALL
build=$(cd "${1:?usage: tests/bench/unpack.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-5}
[ -x "$build/tools/vouch-unpack" ] || { echo "no $build/tools/vouch-unpack; build first" >&2; exit 2; }
command -v bsdtar >/dev/null || { echo "bsdtar missing (libarchive-tools)" >&2; exit 2; }
if [ -z "${BENCH_TMPDIR:-}" ]; then
	BENCH_TMPDIR=${TMPDIR:-/tmp}
	if [ -d /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt 2000000 ]; then
		BENCH_TMPDIR=/dev/shm
	fi
fi
. "$(dirname "$0")/lib.sh"
# Time the program, not a libtool wrapper script around it.
U=$(tool vouch-unpack)

# 20,000 files in 400 directories, 1..20 KiB each of source-like text.
python3 - "$T/src.tar" <<'EOF'
import base64, io, random, sys, tarfile
rnd = random.Random(42)
words = [base64.b32encode(rnd.randbytes(6)).decode().lower() for _ in range(4000)]
def text(n):
    out, size = [], 0
    while size < n:
        line = " ".join(rnd.choice(words) for _ in range(rnd.randint(2, 12))) + ";\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as tf:
    for d in range(400):
        di = tarfile.TarInfo("proj-1.0/mod%02d/sub%03d" % (d // 20, d))
        di.type, di.mode, di.mtime = tarfile.DIRTYPE, 0o755, 1700000000
        tf.addfile(di)
        for f in range(50):
            data = text(rnd.randint(1024, 20 * 1024))
            ti = tarfile.TarInfo("%s/file%02d.c" % (di.name, f))
            ti.size, ti.mtime = len(data), 1700000000
            ti.mode = 0o755 if f == 0 else 0o644
            tf.addfile(ti, io.BytesIO(data))
EOF
gzip -1 -c "$T/src.tar" >"$T/src.tar.gz"

now() { date +%s.%N; }
best() {  # best CMD... : the fastest of $runs runs, in seconds
	b=
	i=0
	while [ "$i" -lt "$runs" ]; do
		i=$((i + 1))
		rm -rf "$T/out"
		s=$(now)
		"$@" >/dev/null
		e=$(now)
		t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
		if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then
			b=$t
		fi
	done
	rm -rf "$T/out"
	echo "$b"
}

echo "in $BENCH_TMPDIR, best of $runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for a in src.tar src.tar.gz; do
	size=$(stat -c %s "$T/$a")
	cat "$T/$a" >/dev/null   # warm the page cache for both
	tb=$(best sh -c "mkdir '$T/out' && bsdtar -xf '$T/$a' -C '$T/out'")
	tv=$(best "$U" -q "$T/$a" "$T/out")
	awk -v a="$a" -v size="$size" -v tb="$tb" -v tv="$tv" 'BEGIN {
		printf "%-11s %6.1f MiB  20000 files  bsdtar -xf %6.3f s  " \
		       "vouch-unpack %6.3f s  ratio %.2f\n", a, size / 1048576, tb, tv, tv / tb }' 
done
