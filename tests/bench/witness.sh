#!/bin/sh
# Benchmark witnesses and mirrors on loopback, links emulated by
# examples/wanrelay.py:
#  - the latency cosigning adds to a submission: POST /add to a log without
#    witnesses, and to logs whose two witnesses (quorum 2) sit behind 20 ms
#    and 150 ms one-way links; paired and interleaved, median of ROUNDS;
#  - mirror throughput: entries/s that vouch-log mirror verifies and stores
#    (one round from scratch) against the rate at which the log sequenced
#    them (64 concurrent submitters); median of 5 fresh logs.
#   tests/bench/witness.sh BUILD_DIR [ROUNDS]
set -eu
build=$(cd "${1:?usage: witness.sh BUILD_DIR [ROUNDS]}" && pwd)
rounds=${2:-9}
. "$(dirname "$0")/lib.sh"
wait_file() { i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; [ -s "$1" ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

cc -O2 -pthread -o "$T/load" "$src/tests/bench/tlog-load.c"
python3 - "$T/envs" 60000 <<'EOF'
import base64, hashlib, json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        st = {"_type": "https://in-toto.io/Statement/v1",
              "subject": [{"name": "a%d" % i,
                           "digest": {"sha256": hashlib.sha256(b"w%d" % i).hexdigest()}}],
              "predicateType": "https://example.com/bench", "predicate": {"i": i}}
        p = base64.b64encode(json.dumps(st, separators=(",", ":")).encode()).decode()
        f.write(json.dumps({"payload": p, "payloadType": "application/vnd.in-toto+json",
                            "signatures": [{"keyid": "", "sig": "AAAA"}]},
                           separators=(",", ":")) + "\n")
EOF

# ---- the logs and witnesses ----
for l in plain w20 w150; do
	"$B/vouch-keygen" -o "$T/$l" -n "bench.example/$l" >"$T/$l.ids"
	"$B/vouch-logd" -d "$T/$l.d" -k "$T/$l.key" -o "bench.example/$l" --init >/dev/null
done
for w in a b; do
	"$B/vouch-keygen" -o "$T/w$w" -c "witness.example/$w" >"$T/w$w.ids"
	"$B/vouch-witness" -s "$T/w$w.state" -k "$T/w$w.key" -n "witness.example/$w" \
		--log "$(sed -n 2p "$T/w20.ids")" --log "$(sed -n 2p "$T/w150.ids")" \
		-l 127.0.0.1:0 --port-file "$T/w$w.port" 2>>"$T/w$w.err" &
	PIDS="$PIDS $!"
	wait_file "$T/w$w.port"
done
for d in 20 150; do
	for w in a b; do echo "127.0.0.1 0 127.0.0.1 $(cat "$T/w$w.port") $d 0.01"; done
done >"$T/routes"
python3 "$src/examples/wanrelay.py" "$T/routes" "$T/relay.stats" &
PIDS="$PIDS $!"
wait_file "$T/relay.stats.ready"
start_logd() { # name [options]
	n=$1
	shift
	"$B/vouch-logd" -d "$T/$n.d" -k "$T/$n.key" -o "bench.example/$n" -l 127.0.0.1:0 \
		--port-file "$T/$n.port" --max-wait 0 "$@" 2>>"$T/$n.err" &
	PIDS="$PIDS $!"
	wait_file "$T/$n.port"
}
start_logd plain
start_logd w20 --quorum 2 --witness-wait 10000 \
	--witness "$(sed -n 2p "$T/wa.ids") http://127.0.0.1:$(sed -n 1p "$T/relay.stats.ready")" \
	--witness "$(sed -n 2p "$T/wb.ids") http://127.0.0.1:$(sed -n 2p "$T/relay.stats.ready")"
start_logd w150 --quorum 2 --witness-wait 10000 \
	--witness "$(sed -n 2p "$T/wa.ids") http://127.0.0.1:$(sed -n 3p "$T/relay.stats.ready")" \
	--witness "$(sed -n 2p "$T/wb.ids") http://127.0.0.1:$(sed -n 4p "$T/relay.stats.ready")"

# ---- cosigning latency ----
submit() { # name line: ms for one acknowledged submission
	sed -n "${2}p" "$T/envs" >"$T/one.json"
	t0=$(now_ms)
	"$B/vouch-log" -l "http://127.0.0.1:$(cat "$T/$1.port")" -K "$(sed -n 2p "$T/$1.ids")" \
		submit "$T/one.json" >"$T/ack" 2>>"$T/submit.err"
	t1=$(now_ms)
	grep -q '"index"' "$T/ack" || { echo "submission to $1 failed" >&2; exit 1; }
	echo $((t1 - t0))
}
echo "== latency of one submission, $rounds rounds interleaved (loopback; witnesses behind the relay)"
line=1
: >"$T/lat.plain"; : >"$T/lat.w20"; : >"$T/lat.w150"
r=0
while [ $r -lt "$rounds" ]; do
	case $((r % 3)) in
	0) order="plain w20 w150" ;; 1) order="w20 w150 plain" ;; *) order="w150 plain w20" ;;
	esac
	for n in $order; do submit "$n" "$line" >>"$T/lat.$n"; line=$((line + 1)); done
	r=$((r + 1))
done
p=$(median <"$T/lat.plain"); a=$(median <"$T/lat.w20"); b=$(median <"$T/lat.w150")
echo "median ms: no witnesses $p, witnesses at 20 ms $a, at 150 ms $b"
echo "cosigning adds: $((a - p)) ms at 20 ms (x$(echo "scale=2; $a / $p" | bc)), $((b - p)) ms at 150 ms (x$(echo "scale=2; $b / $p" | bc))"

# ---- mirror throughput against the log's own rate ----
echo "== mirror throughput vs the log's rate, 5 fresh logs of 3 s of 64 concurrent submitters"
: >"$T/lograte"; : >"$T/mirrate"
k=0
while [ $k -lt 5 ]; do
	rm -rf "$T/m.d" "$T/mir" "$T/m.port"
	"$B/vouch-logd" -d "$T/m.d" -k "$T/plain.key" -o bench.example/plain --init >/dev/null
	"$B/vouch-logd" -d "$T/m.d" -k "$T/plain.key" -o bench.example/plain -l 127.0.0.1:0 \
		--port-file "$T/m.port" --max-connections-per-ip 0 --max-pending 65536 2>>"$T/m.err" &
	M=$!
	wait_file "$T/m.port"
	tail -n +$((k * 12000 + 1)) "$T/envs" | head -n 12000 >"$T/part"
	"$T/load" "$(cat "$T/m.port")" post 64 3 "$T/part" >"$T/post"
	size=$(sed -n 2p "$T/m.d/checkpoint")
	awk '{ print $8 }' "$T/post" >>"$T/lograte"
	t0=$(now_ms)
	"$B/vouch-log" -l "http://127.0.0.1:$(cat "$T/m.port")" -K "$(sed -n 2p "$T/plain.ids")" \
		mirror --dir "$T/mir" --once >/dev/null
	t1=$(now_ms)
	[ "$(sed -n 2p "$T/mir/checkpoint")" = "$size" ] || { echo "the mirror is incomplete" >&2; exit 1; }
	echo "$size $((t1 - t0))" | awk '{ printf "%d\n", $1 * 1000 / ($2 > 0 ? $2 : 1) }' >>"$T/mirrate"
	kill "$M"
	wait "$M" 2>/dev/null || true
	k=$((k + 1))
done
lr=$(median <"$T/lograte"); mr=$(median <"$T/mirrate")
echo "median entries/s: log sequenced $lr, mirror verified and stored $mr (mirror/log x$(echo "scale=2; $mr / $lr" | bc))"
