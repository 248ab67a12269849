#!/bin/sh
# compare.sh BUILD_DIR - vouch-compare against its peers, in one run:
#   1. two identical 1 GiB files: vouch-compare vs the SHA-256 floor, two
#      `openssl dgst -sha256` in parallel (target: within 1.2x), and cmp;
#      5 interleaved rounds, medians
#   2. two .tar.gz of ~5,000 members differing in 3 members: vouch-compare
#      vs diffoscope (target: >= 20x faster, same 3 members reported)
# Prints wall times, peak memory (/usr/bin/time -v) and the ratios.
# Needs cmp, diffoscope, python3, GNU tar, /usr/bin/time, ~2.5 GiB in TMPDIR.
set -eu
build=${1:?usage: compare.sh BUILD_DIR}
C="$(cd "$build" && pwd)/tools/vouch-compare"
[ -x "$C" ] || { echo "no $C; build first" >&2; exit 2; }
for t in cmp diffoscope python3 /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 2; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

# measure NAME cmd...: sets secs and kb (peak RSS) for the run; keeps the exit status in st
measure() {
	name=$1
	shift
	set +e
	/usr/bin/time -v -o "$T/time.$name" "$@" >"$T/out.$name" 2>"$T/err.$name"
	st=$?
	set -e
	secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/time.$name" |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time.$name")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; printf "%.2f", a / b }'; }

echo "== 1: two identical 1 GiB files"
head -c 1073741824 /dev/zero | openssl enc -aes-128-ctr -nosalt -pass pass:vouch -pbkdf2 2>/dev/null |
	head -c 1073741824 >"$T/big1"
cp "$T/big1" "$T/big2"
cat "$T/big1" "$T/big2" >/dev/null # warm the page cache for both tools
# the floor for any check that must produce both SHA-256 digests: two
# "openssl dgst -sha256" processes in parallel (SHA-NI where the CPU has it)
printf 'openssl dgst -sha256 "%s" >/dev/null & openssl dgst -sha256 "%s" >/dev/null; wait\n' "$T/big1" "$T/big2" \
	>"$T/floor.sh"
: >"$T/rounds"
for run in 1 2 3 4 5; do
	measure cmp cmp "$T/big1" "$T/big2"
	[ "$st" -eq 0 ] || { echo "cmp says they differ" >&2; exit 1; }
	c=$secs kb_c=$kb
	measure vouch "$C" -q "$T/big1" "$T/big2"
	[ "$st" -eq 0 ] || { echo "vouch-compare says they differ" >&2; exit 1; }
	v=$secs kb_v=$kb
	measure floor sh "$T/floor.sh"
	echo "$c $v $secs" >>"$T/rounds"
done
med() { awk -v k="$1" '{ print $k }' "$T/rounds" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mc=$(med 1) mv=$(med 2) mf=$(med 3)
echo "load: $(uptime | sed 's/.*load/load/')"
echo "cmp:           ${mc} s, peak ${kb_c} KiB (median of 5)"
echo "2 x openssl dgst -sha256 in parallel (the SHA-256 floor): ${mf} s (median of 5)"
echo "vouch-compare: ${mv} s, peak ${kb_v} KiB (median of 5; SHA-256 of both, one thread each)"
r1=$(ratio "$mv" "$mf")
echo "ratio vouch/floor: ${r1}x (target <= 1.2x); vouch/cmp: $(ratio "$mv" "$mc")x"
rm -f "$T/big1" "$T/big2"

echo "== 2: two .tar.gz of 5,000 members differing in 3"
python3 - "$T/tree" <<'EOF'
import os, random, sys
root = sys.argv[1]
r = random.Random(7)
for i in range(5000):
    d = os.path.join(root, "pkg", "dir%02d" % (i % 50))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "file%04d.dat" % i), "wb") as f:
        f.write(bytes(r.getrandbits(8) for _ in range(200 + (i % 7) * 300)))
EOF
tar --format=gnu --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
	-C "$T/tree" -cf - pkg | gzip -n -9 >"$T/a.tar.gz"
for f in dir07/file0107.dat dir21/file2021.dat dir49/file4999.dat; do
	printf 'changed' | dd of="$T/tree/pkg/$f" bs=1 seek=100 conv=notrunc 2>/dev/null
done
tar --format=gnu --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
	-C "$T/tree" -cf - pkg | gzip -n -9 >"$T/b.tar.gz"
measure vouch2 "$C" --json "$T/a.tar.gz" "$T/b.tar.gz"
[ "$st" -eq 1 ] || { echo "vouch-compare exit $st, expected 1" >&2; exit 1; }
sv=$secs
kv=$kb
measure dfs diffoscope --no-progress --json "$T/dfs.json" "$T/a.tar.gz" "$T/b.tar.gz"
[ "$st" -eq 1 ] || { echo "diffoscope exit $st, expected 1" >&2; cat "$T/err.dfs" >&2; exit 1; }
sd=$secs
kd=$kb
python3 - "$T/out.vouch2" "$T/dfs.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
vm = sorted(d["path"].split("/", 1)[1] for d in v["differences"])
names = []
def walk(n, depth):
    s = n.get("source2") or ""
    if n.get("unified_diff") and s.startswith(("pkg/", "./pkg/")):
        names.append(s[2:] if s.startswith("./") else s)
    for k in n.get("details", []):
        walk(k, depth + 1)
walk(json.load(open(sys.argv[2])), 0)
dm = sorted(set(names))
print("vouch-compare members:", vm)
print("diffoscope members:   ", dm)
if vm != dm or len(vm) != 3:
    sys.exit("the two tools disagree")
print("same 3 members reported: yes")
EOF
echo "vouch-compare: ${sv} s, peak ${kv} KiB"
echo "diffoscope:    ${sd} s, peak ${kd} KiB"
echo "ratio diffoscope/vouch: $(ratio "$sd" "$sv")x (target >= 20x)"
echo "peak memory ratio diffoscope/vouch: $(ratio "$kd" "$kv")x"
