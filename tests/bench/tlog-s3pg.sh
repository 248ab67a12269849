#!/bin/sh
# Benchmark the log's storage back ends side by side (issue 20):
#  - POST /add submissions/s and p50/p99 acknowledgement latency with 256
#    concurrent clients, vouch-logd on a directory (POSIX + SQLite, fsync
#    on) and on s3rver + PostgreSQL 15, paired and interleaved, a fresh log
#    each run, median of ROUNDS (>= 5), and their ratio;
#  - failover: SIGKILL of the writer to the standby listening, median of
#    ROUNDS.
#   tests/bench/tlog-s3pg.sh BUILD_DIR [SECONDS] [ROUNDS]
set -eu
build=$(cd "${1:?usage: tlog-s3pg.sh BUILD_DIR [SECONDS] [ROUNDS]}" && pwd)
secs=${2:-4}
rounds=${3:-5}
VOUCH_SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
VOUCH_BIN=$build/tools
export VOUCH_SRCDIR VOUCH_BIN
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
. "$VOUCH_SRCDIR/tests/cli/s3pg-lib.sh"
trap 'pg_stop; stop_all' EXIT
B=$VOUCH_BIN

cc -O2 -pthread -o "$T/load" "$VOUCH_SRCDIR/tests/bench/tlog-load.c"
"$B/vouch-keygen" -o "$T/log" >/dev/null
python3 "$VOUCH_SRCDIR/tests/bench/gen-envs.py" "$T/envs" 100000
pg_start
s3_start
O=bench.example/log
LIMITS="--max-connections 2048 --max-connections-per-ip 0 --max-pending 65536"

# run KIND N: one load run on a fresh log; appends "rate p50 p99" to $T/KIND
run() {
	kind=$1 n=$2
	if [ "$kind" = posix ]; then
		S="-d $T/log$n.d"
	else
		S="--storage s3://vouch-test/bench$n --endpoint $S3_URL --db $DB"
	fi
	"$B/vouch-logd" $S -k "$T/log.key" -o $O --init >/dev/null
	rm -f "$T/port"
	"$B/vouch-logd" $S -k "$T/log.key" -o $O -l 127.0.0.1:0 --port-file "$T/port" $LIMITS \
		2>"$T/logd.err" &
	pid=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	"$T/load" "$(cat "$T/port")" post 256 "$secs" "$T/envs" >"$T/out.$kind.$n"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	awk '{ print $8, $10, $12 }' "$T/out.$kind.$n" >>"$T/$kind"
	echo "  $kind round $n: $(cat "$T/out.$kind.$n")"
}
median() { # median of column $2 of file $1
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "== POST /add, 256 concurrent clients, ${secs}s per run, $rounds rounds interleaved"
n=1
while [ $n -le "$rounds" ]; do
	run posix "$n"
	run s3pg "$n"
	n=$((n + 1))
done
pr=$(median "$T/posix" 1) sr=$(median "$T/s3pg" 1)
echo "submissions/s (median): posix+sqlite $pr, s3rver+postgresql $sr, ratio s3pg/posix $(awk -v a="$sr" -v b="$pr" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
echo "ack latency p50/p99 ms (median): posix $(median "$T/posix" 2)/$(median "$T/posix" 3), s3pg $(median "$T/s3pg" 2)/$(median "$T/s3pg" 3)"

echo "== failover: SIGKILL of the writer until the standby listens, $rounds rounds"
S="--storage s3://vouch-test/failover --endpoint $S3_URL --db $DB"
"$B/vouch-logd" $S -k "$T/log.key" -o $O --init >/dev/null
rm -f "$T/p0"
"$B/vouch-logd" $S -k "$T/log.key" -o $O -l 127.0.0.1:0 --port-file "$T/p0" 2>/dev/null &
active=$!
PIDS="$PIDS $active"
n=1
while [ $n -le "$rounds" ]; do
	while [ ! -s "$T/p$((n - 1))" ]; do sleep 0.02; done
	rm -f "$T/p$n"
	"$B/vouch-logd" $S -k "$T/log.key" -o $O -l 127.0.0.1:0 --port-file "$T/p$n" 2>/dev/null &
	standby=$!
	PIDS="$PIDS $standby"
	sleep 0.5
	"$T/load" "$(cat "$T/p$((n - 1))")" post 16 1 "$T/envs" >/dev/null 2>&1 || true
	t0=$(date +%s%N)
	kill -9 "$active"
	while [ ! -s "$T/p$n" ]; do sleep 0.005; done
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >>"$T/failover"
	echo "  round $n: $(((t1 - t0) / 1000000)) ms"
	active=$standby
	n=$((n + 1))
done
echo "failover ms (median of $rounds): $(median "$T/failover" 1)"
