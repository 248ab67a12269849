#!/bin/sh
# Benchmark vouch-logd on loopback:
#  - sustained POST /add submissions/s with 256 concurrent clients (fsync on),
#    p50/p99 time to an acknowledged inclusion proof, the ratio to the goal
#    (10,000/s, p99 <= the batch interval + 50 ms: issue 18), and the CPU
#    time per submission of the server and of the load generator apart (on
#    a shared machine the rate is bounded by the CPU the two get: the CPU
#    per submission tells the rate an idle 2-core machine would give);
#  - tile GETs/s from vouch-logd vs nginx serving the same directory.
#   [ROUNDS=5] [PREFILL=N] [VOUCH_LOGD_BASE=older/vouch-logd] tests/bench/tlog.sh BUILD_DIR [SECONDS]
# PREFILL=N: every round starts from a copy of a log already holding N
# other entries (its index as large as a log in service has), instead of
# an empty one.
set -eu
build=$(cd "${1:?usage: tlog.sh BUILD_DIR [SECONDS]}" && pwd)
secs=${2:-8}
. "$(dirname "$0")/lib.sh"
. "$src/tests/cli/nginx.sh"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cc -O2 -pthread -o "$T/load" "$src/tests/bench/tlog-load.c"
"$B/vouch-keygen" -o "$T/log" >/dev/null
"$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o bench.example/log --init >/dev/null
python3 "$src/tests/bench/gen-envs.py" "$T/envs" 120000
prefill=${PREFILL:-0}

# CPU seconds (user + system) a process has used
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
# start_logd BINARY DIR: serve DIR (made with --init), sets LOGD and PORT
start_logd() {
	rm -f "$T/port"
	"$1" -d "$2" -k "$T/log.key" -o bench.example/log -l 127.0.0.1:0 \
		--port-file "$T/port" --max-connections 2048 \
		--max-connections-per-ip 0 --max-pending 65536 2>>"$T/logd.err" &
	LOGD=$!
	PIDS="$PIDS $LOGD"
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	PORT=$(cat "$T/port")
}
# post_round BINARY: a fresh log (or a copy of the prefilled one), 256
# clients for $secs; appends
# "rate p50 p99 server_us generator_us" to $T/rounds.<basename of dir>
post_round() {
	rm -rf "$T/round.d"
	if [ "$prefill" -gt 0 ]; then
		cp -a "$T/pre.d" "$T/round.d"
		# the copy's dirty pages must not be what a round's syncfs writes
		sync
	else
		"$1" -d "$T/round.d" -k "$T/log.key" -o bench.example/log --init >/dev/null
	fi
	start_logd "$1" "$T/round.d"
	c0=$(cpu_of "$LOGD")
	"$T/load" "$PORT" post 256 "$secs" "$T/envs" >"$T/post"
	c1=$(cpu_of "$LOGD")
	kill "$LOGD"
	wait "$LOGD" 2>/dev/null || true
	awk -v a="$c0" -v b="$c1" '{ printf "%s %s %s %.0f %s\n", $8, $10, $12,
		($4 > 0 ? (b - a) * 1e6 / $4 : 0), $16 }' "$T/post" | tee -a "$T/rounds.$2"
}
# median COLUMN FILE
median() { awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

if [ "$prefill" -gt 0 ]; then
	# entries numbered from 10^9: none is among the rounds' 120,000
	python3 "$src/tests/bench/gen-envs.py" "$T/pre-envs" "$prefill" 1000000000
	"$B/vouch-logd" -d "$T/pre.d" -k "$T/log.key" -o bench.example/log --init >/dev/null
	start_logd "$B/vouch-logd" "$T/pre.d"
	"$T/load" "$PORT" post 256 3600 "$T/pre-envs" >/dev/null
	kill "$LOGD"
	wait "$LOGD" 2>/dev/null || true
	rm -f "$T/pre-envs"
	echo "prefilled: $(sed -n 2p "$T/pre.d/checkpoint") entries ($(du -sh "$T/pre.d" | cut -f1))"
fi

# VOUCH_LOGD_BASE=/path/to/an/older/vouch-logd: the same rounds with it,
# interleaved, and the ratios (before and after a change)
rounds=${ROUNDS:-5}
echo "== POST /add, 256 concurrent clients, ${secs}s, fsync on, median of $rounds rounds" \
	"(rate/s p50 ms p99 ms server-CPU us/submission generator-CPU us/submission)"
r=0
while [ $r -lt "$rounds" ]; do
	post_round "$B/vouch-logd" new
	[ -z "${VOUCH_LOGD_BASE:-}" ] || post_round "$VOUCH_LOGD_BASE" base
	r=$((r + 1))
done
rate=$(median 1 "$T/rounds.new")
p50=$(median 2 "$T/rounds.new")
p99=$(median 3 "$T/rounds.new")
srv=$(median 4 "$T/rounds.new")
gen=$(median 5 "$T/rounds.new")
echo "submissions/s: $rate, ratio to the goal of 10000: $(awk -v r="$rate" 'BEGIN { printf "%.2f", r / 10000 }')"
echo "acknowledgement: p50 $p50 ms, p99 $p99 ms, ratio p99 / (500 ms batch interval + 50 ms): $(awk -v p="$p99" 'BEGIN { printf "%.2f", p / 550 }')"
echo "CPU per submission: vouch-logd $srv us, load generator $gen us"
echo "rate two idle cores would allow (2 s of CPU per second / CPU per submission): $(awk -v s="$srv" -v g="$gen" 'BEGIN { printf "%.0f", ((s + g) > 0 ? 2e6 / (s + g) : 0) }')/s"
if [ -n "${VOUCH_LOGD_BASE:-}" ]; then
	echo "base $VOUCH_LOGD_BASE: $(median 1 "$T/rounds.base")/s, p50 $(median 2 "$T/rounds.base") ms, p99 $(median 3 "$T/rounds.base") ms, server CPU $(median 4 "$T/rounds.base") us/submission"
	echo "ratio new/base: rate $(awk -v a="$rate" -v b="$(median 1 "$T/rounds.base")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'), server CPU per submission $(awk -v a="$srv" -v b="$(median 4 "$T/rounds.base")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
fi
echo "issue 18 goal: >= 10000 submissions/s $(awk -v r="$rate" 'BEGIN { print (r >= 10000 ? "met" : "NOT met") }'), p99 <= 550 ms $(awk -v p="$p99" 'BEGIN { print (p <= 550 ? "met" : "NOT met") }') (the rate needs an idle machine: compare the CPU per submission when it is not)"
echo "load: $(uptime | sed 's/.*load/load/') (the load generator runs on the same machine)"

# the read side: a log with entries, served by vouch-logd and by nginx
start_logd "$B/vouch-logd" "$T/log.d"
"$T/load" "$PORT" post 256 3 "$T/envs" >/dev/null
echo "log size: $(sed -n 2p "$T/log.d/checkpoint")"

# tile paths the checkpoint covers (all files on disk are committed now)
(cd "$T/log.d" && find tile -type f | sort) >"$T/paths"
echo "== tile GETs ($(wc -l <"$T/paths") distinct tiles), 64 connections, 5s"
"$T/load" "$PORT" get 64 5 "$T/paths" | tee "$T/get-logd"

NGINX_WORKERS=2 NGINX_CONNECTIONS=1024 NGINX_KEEPALIVE=100000
start_nginx "$T/log.d"
"$T/load" "$NPORT" get 64 5 "$T/paths" | tee "$T/get-nginx"
a=$(awk '{ print $8 }' "$T/get-logd")
b=$(awk '{ print $8 }' "$T/get-nginx")
echo "tile GETs/s: vouch-logd $a, nginx $b, ratio vouch-logd/nginx $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
