#!/bin/sh
# Policy verification speed: one artifact against
#   (1) an offline bundle of N verdicts (default 1,000) from 10 labs, each
#       with an inclusion proof that must verify (inclusionRequired), and
#   (2) online, against vouch-logd serving a log of M entries (default
#       100,000) that holds those verdicts among filler: lookup by digest,
#       every hit fetched from the tiles and proved.
# Prints the time per verification (wall and CPU, best of R runs) next to
# the floor: the CPU time of the signature checks alone (N Ed25519
# verifications plus one checkpoint), from the Ed25519 verify rate that
# `openssl speed ed25519` measures in the same run.
#   tests/bench/policy.sh BUILD_DIR [N] [M] [R]
set -eu
build=${1:?usage: tests/bench/policy.sh BUILD_DIR [N] [M] [R]}
n=${2:-1000}
m=${3:-100000}
runs=${4:-3}
gen=$build/tests/bench/bench_policy
V=$build/tools/vouch-verify
LOGD=$build/tools/vouch-logd
for x in "$gen" "$V" "$LOGD"; do [ -x "$x" ] || { echo "build $x first" >&2; exit 2; }; done
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench-policy.XXXXXX")
PID=
cleanup() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
	rm -rf "$T"
}
trap cleanup EXIT

echo "generating $n verdicts from 10 labs in a log of $m entries..." >&2
"$gen" "$T/ev" "$n" 10 $((m - n)) >/dev/null
VK=$(cat "$T/ev/log.verifier")
policy() { # policy FILE [url]
	{
		printf '{"vouchPolicy": 1, "rebuilders": ['
		i=0
		while [ $i -lt 10 ]; do
			[ $i -eq 0 ] || printf ','
			printf '{"name": "lab-%d", "publicKey": "lab-%d.pub"}' $i $i
			i=$((i + 1))
		done
		printf '], "threshold": 7, "logs": [{"origin": "bench.vouch/log", "verifierKey": "%s"%s, "inclusionRequired": true}]}\n' \
			"$VK" "${2:+, \"url\": \"$2\"}"
	} > "$1"
}
policy "$T/ev/offline.json"

# best of R runs: wall and CPU seconds of one verification
timed() {
	best_w=999999 best_c=999999
	r=0
	while [ $r -lt "$runs" ]; do
		/usr/bin/time -f '%e %U %S' -o "$T/time" "$@" > "$T/out" 2> "$T/err" || {
			cat "$T/err" >&2; echo "verification failed" >&2; exit 2; }
		set -- "$@"
		read -r w u s < "$T/time"
		best_w=$(echo "$w $best_w" | awk '{ print ($1 < $2) ? $1 : $2 }')
		best_c=$(echo "$u $s $best_c" | awk '{ c = $1 + $2; print (c < $3) ? c : $3 }')
		r=$((r + 1))
	done
	grep -q "policy MET: 10 trusted rebuilders" "$T/out" || { cat "$T/out" >&2; echo "unexpected result" >&2; exit 2; }
	echo "$best_w $best_c"
}

off=$(timed "$V" --policy "$T/ev/offline.json" --offline --bundle "$T/ev/bundle.intoto.jsonl" "$T/ev/artifact")

rm -f "$T/port"
"$LOGD" -d "$T/ev/log.d" -k "$T/ev/log.key" -o bench.vouch/log -l 127.0.0.1:0 \
	--port-file "$T/port" > "$T/logd.out" 2> "$T/logd.err" &
PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/port" ] || { cat "$T/logd.err" >&2; exit 2; }
policy "$T/ev/online.json" "http://127.0.0.1:$(cat "$T/port")"
on=$(timed "$V" --policy "$T/ev/online.json" "$T/ev/artifact")

rate=$(openssl speed -seconds 2 ed25519 2>/dev/null | awk '/EdDSA \(Ed25519\)/ { print $NF }')
[ -n "$rate" ] || { echo "could not read openssl speed output" >&2; exit 2; }

echo "$off $on $rate" | awk -v n="$n" -v m="$m" -v runs="$runs" '{
	floor = (n + 1) / $5
	printf "one artifact, %d verdicts from 10 labs, each proved into a %d-entry log (best of %d)\n", n, m, runs
	printf "%-34s %10s %10s %14s\n", "", "wall ms", "CPU ms", "CPU / floor"
	printf "%-34s %10.1f %10.1f %13.1fx\n", "offline bundle (--offline)", 1000 * $1, 1000 * $2, $2 / floor
	printf "%-34s %10.1f %10.1f %13.1fx\n", "online (vouch-logd, lookup+tiles)", 1000 * $3, 1000 * $4, $4 / floor
	printf "%-34s %10s %10.1f %14s\n", "floor: signature checks alone", "", 1000 * floor, "1.0x"
	printf "(floor = %d Ed25519 verifications at %.0f/s, openssl speed, this run; process start, hashing the artifact and reading keys are in the vouch figures)\n", n + 1, $5
}'
