#!/bin/sh
# tlog-failover.sh - one writer, a standby that takes over (issue 20).  Two
# vouch-logd on the same bucket (s3rver) and database (PostgreSQL 15): the
# second waits.  A burst of submissions goes to the first, which is
# SIGKILLed mid-burst; the standby must take over within a bounded time
# (measured and printed); every acknowledged entry keeps its index; every
# envelope is logged exactly once after the submitters retry; no tree size
# is ever signed with two roots; Go's reference check verifies the bucket.
# Then PostgreSQL is restarted mid-burst under the new writer.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
. "$VOUCH_SRCDIR/tests/cli/s3pg-lib.sh"
trap 'pg_stop; stop_all' EXIT
B=$VOUCH_BIN
ORIGIN=example.com/vouch-failover-test
TAKEOVER_MAX_MS=${TAKEOVER_MAX_MS:-15000}

pg_start
s3_start
BUCKET=$S3_URL/vouch-test/fo
ST="--storage s3://vouch-test/fo --endpoint $S3_URL --db $DB"
"$B/vouch-keygen" -o "$T/log" >/dev/null
"$B/vouch-keygen" -o "$T/sub" >/dev/null
mkdir -p "$T/e"
i=1
while [ $i -le 160 ]; do
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a%s","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/test","predicate":{"n":%s}}' \
		"$i" "$(printf 'artifact-%s' "$i" | sha256sum | cut -c1-64)" "$i" >"$T/st.json"
	"$B/vouch-attest" -k "$T/sub.key" "$T/st.json" >"$T/e/$i.json"
	i=$((i + 1))
done
V=$("$B/vouch-logd" $ST -k "$T/log.key" -o "$ORIGIN" --init)

start_logd() {
	rm -f "$T/$1.port"
	"$B/vouch-logd" $ST -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0 --max-wait 10 \
		--port-file "$T/$1.port" 2>"$T/$1.err" &
	LOGD_PID=$!
	PIDS="$PIDS $LOGD_PID"
}
wait_port() {
	i=0
	while [ ! -s "$T/$1.port" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$T/$1.port" ] || { cat "$T/$1.err" >&2; fail "vouch-logd $1 did not start"; exit 1; }
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# burst URL FIRST LAST WORKERS TAG: WORKERS submitters, each one envelope
# per request, no retries; acknowledged answers go to
# $T/ack.TAG.* as "N <answer>", failures to $T/nack.TAG.* (and vouch-log's
# message to $T/err.TAG.*)
burst() {
	url=$1 first=$2 last=$3 workers=$4 tag=$5
	w=0
	while [ $w -lt "$workers" ]; do
		(
			n=$((first + w))
			while [ $n -le "$last" ]; do
				if a=$("$B/vouch-log" -l "$url" -K "$V" -t 20 -r 0 submit "$T/e/$n.json" 2>>"$T/err.$tag.$w"); then
					printf "%s %s\n" "$n" "$a" >>"$T/ack.$tag.$w"
				else
					echo "$n" >>"$T/nack.$tag.$w"
				fi
				n=$((n + workers))
			done
		) &
		BURST="$BURST $!"
		w=$((w + 1))
	done
}
acked() { cat "$T"/ack."$1".* 2>/dev/null | grep -c . || true; }

start_logd a
wait_port a
A_PID=$LOGD_PID
start_logd b
B_PID=$LOGD_PID
sleep 1
if [ -s "$T/b.port" ]; then fail "the standby listens while the writer holds the log"; else ok; fi

# ---- SIGKILL the writer mid-burst ----
BURST=""
burst "http://127.0.0.1:$(cat "$T/a.port")" 1 120 4 one
i=0
while [ "$(acked one)" -lt 30 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(now_ms)
kill -9 "$A_PID"
wait_port b
t1=$(now_ms)
for p in $BURST; do wait "$p" || true; done
takeover=$((t1 - t0))
echo "failover: standby serving ${takeover} ms after SIGKILL; $(acked one) of 120 acknowledged before"
echo "$takeover" >"$T/takeover_ms"
if [ "$takeover" -le "$TAKEOVER_MAX_MS" ]; then ok; else
	fail "takeover took $takeover ms (bound $TAKEOVER_MAX_MS)"; fi
if [ "$(acked one)" -ge 30 ]; then ok; else fail "the burst was not under way"; fi
URL=http://127.0.0.1:$(cat "$T/b.port")
# the submitters retry everything against the new writer
BURST=""
burst "$URL" 1 120 4 two
for p in $BURST; do wait "$p" || true; done
expect_status 0 sh -c "cat $T/nack.two.* 2>/dev/null | grep -c . | grep -qx 0"

# every acknowledged entry is in the log at its index; each envelope once
check_acks() {
	python3 - "$T" "$@" <<'PY' >"$T/acks.out" 2>&1
import glob, json, sys, re
t = sys.argv[1]
want_size = int(sys.argv[2])
index_of, roots = {}, {}
for f in sorted(glob.glob(t + "/ack.*")):
    for line in open(f):
        n, a = line.split(" ", 1)
        a = json.loads(a)
        if n in index_of and index_of[n] != a["index"]:
            sys.exit("envelope %s acknowledged at %d and %d" % (n, index_of[n], a["index"]))
        index_of[n] = a["index"]
        body = a["checkpoint"].split("\n")
        size, root = int(body[1]), body[2]
        if roots.setdefault(size, root) != root:
            sys.exit("size %d signed with two roots" % size)
idx = sorted(index_of.values())
if idx != list(range(want_size)):
    sys.exit("indices are not 0..%d once each: %d acknowledged" % (want_size - 1, len(idx)))
print("ok %d envelopes, %d checkpoints seen" % (len(idx), len(roots)))
PY
}
if check_acks 120; then ok; else fail "$(cat "$T/acks.out")"; fi
for n in 3 77 120; do
	a=$(cat "$T"/ack.one.* "$T"/ack.two.* | grep "^$n " | head -n 1 | sed 's/.*"index":\([0-9]*\),.*/\1/')
	"$B/vouch-log" -l "$BUCKET" -K "$V" get "$a" >"$T/got" 2>&1
	expect_same "$T/e/$n.json" "$T/got" "envelope $n read back from the bucket at its index"
done
expect_status 0 go_check "$BUCKET" "$V"
expect_grep '^ok 120 ' "$T/out" "Go check after the failover"

# ---- PostgreSQL restarted mid-burst ----
BURST=""
burst "$URL" 121 160 4 three
i=0
while [ "$(acked three)" -lt 8 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(now_ms)
pg_restart
t1=$(now_ms)
for p in $BURST; do wait "$p" || true; done
echo "postgres restart: down for $((t1 - t0)) ms; $(acked three) of 40 acknowledged in the burst"
# vouch-logd waits for the database to come back (its writer commits the
# interrupted batch again when the log reopened at the size it had, its
# lookups reconnect): no submission of the burst is refused
if [ "$(acked three)" -eq 40 ]; then ok; else
	fail "$(cat "$T"/nack.three.* | grep -c .) of 40 refused across the restart: $(cat "$T"/err.three.* | head -n 3)"; fi
# Every envelope again, as a client unsure of its answer would send it:
# each is answered with the index it already has, nothing logged twice
BURST=""
burst "$URL" 121 160 2 four
for p in $BURST; do wait "$p" || true; done
expect_status 0 sh -c "cat $T/nack.four.* 2>/dev/null | grep -c . | grep -qx 0"
if check_acks 160; then ok; else fail "$(cat "$T/acks.out")"; fi
expect_status 0 go_check "$BUCKET" "$V"
expect_grep '^ok 160 ' "$T/out" "Go check after the database restart"
finish
