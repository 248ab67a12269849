#!/bin/sh
# tlog-s3pg.sh - the log on S3-compatible storage + PostgreSQL (issue 20),
# against real components the test starts: PostgreSQL 15 (Debian) and
# s3rver (npm), with a fault-injecting proxy (s3fault.py) between
# vouch-logd and s3rver.  Reads go to the bucket directly: vouch-log and Go's
# reference check (tlog_check.go) verify the log with no vouch process in
# the way.  Covers signing, dedup, lookup, one writer (a second one waits;
# a deposed writer's commit is refused by the fencing token), S3 500/503
# and timeouts mid-batch (retried; beyond the retries no checkpoint is
# published for tiles that are not all there) and migration both ways.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
. "$VOUCH_SRCDIR/tests/cli/s3pg-lib.sh"
trap 'pg_stop; stop_all' EXIT
B=$VOUCH_BIN
ORIGIN=example.com/vouch-s3pg-test

pg_start
s3_start
python3 "$VOUCH_SRCDIR/tests/cli/s3fault.py" "$S3_PORT" "$T/proxy.port" "$T/fault" \
	"$T/proxy.log" 2>"$T/proxy.err" &
PIDS="$PIDS $!"
i=0
while [ ! -s "$T/proxy.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
EP=http://127.0.0.1:$(cat "$T/proxy.port")
BUCKET=$S3_URL/vouch-test/logs/a
ST="--storage s3://vouch-test/logs/a --endpoint $EP --db $DB"
"$B/vouch-keygen" -o "$T/log" >/dev/null
"$B/vouch-keygen" -o "$T/sub" >/dev/null

envelope() {
	d=$(printf 'artifact-%s' "$1" | sha256sum | cut -c1-64)
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a%s","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/test","predicate":{"n":%s}}' \
		"$1" "$d" "$1" >"$T/st.json"
	"$B/vouch-attest" -k "$T/sub.key" "$T/st.json" >"$T/env$1.json"
}
for i in $(seq 1 40); do envelope "$i"; done

# start_logd NAME [options]: vouch-logd on the bucket; sets URL once it
# listens (a standby listens only once it holds the log)
start_logd() {
	name=$1
	shift
	rm -f "$T/$name.port"
	"$B/vouch-logd" $ST -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0 --max-wait 20 \
		--port-file "$T/$name.port" "$@" 2>"$T/$name.err" &
	LOGD_PID=$!
	PIDS="$PIDS $LOGD_PID"
}
wait_port() {
	i=0
	while [ ! -s "$T/$1.port" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$T/$1.port" ] || { cat "$T/$1.err" >&2; fail "vouch-logd $1 did not start"; exit 1; }
	URL=http://127.0.0.1:$(cat "$T/$1.port")
}
size_of() { # the size of the checkpoint in the bucket
	curl -s "$BUCKET/checkpoint" | sed -n 2p
}
psql_q() { psql -X -A -t -q "$DB" -c "$1"; }

# ---- bad configuration: exit 2, one line naming the thing ----
expect_status 2 "$B/vouch-logd" --storage s3://vouch-test/a --endpoint "$EP" \
	--db "postgresql://vouch:secret@127.0.0.1:$PG_PORT/postgres" -k "$T/log.key" -o "$ORIGIN" --init
expect_grep "carries a password" "$T/err" "a password on the command line is refused"
expect_status 2 "$B/vouch-logd" --storage s3://AB -k "$T/log.key" -o "$ORIGIN" --init
expect_grep "'s3://AB' is not" "$T/err" "a bad bucket is named"
expect_status 2 "$B/vouch-logd" --storage s3://vouch-test/a --endpoint "ftp://x" --db "$DB" \
	-k "$T/log.key" -o "$ORIGIN" --init
expect_grep "'ftp://x' is not" "$T/err" "a bad endpoint is named"
expect_status 2 "$B/vouch-logd" --storage s3://vouch-test/a --endpoint "$EP" \
	-k "$T/log.key" -o "$ORIGIN" --init
expect_grep "needs a database" "$T/err" "s3 storage needs --db"

# ---- init, serve, submit ----
expect_status 0 "$B/vouch-logd" $ST -k "$T/log.key" -o "$ORIGIN" --init
V=$(cat "$T/out")
expect_status 2 "$B/vouch-logd" $ST -k "$T/log.key" -o "$ORIGIN" --init
expect_grep "already holds a log" "$T/err" "--init refuses an existing log"
start_logd a
wait_port a
A_PID=$LOGD_PID
VL() { "$B/vouch-log" -l "$URL" -K "$V" -t 20 "$@"; }
VB() { "$B/vouch-log" -l "$BUCKET" -K "$V" -t 20 "$@"; }
expect_status 0 VL submit "$T/env1.json" "$T/env2.json" "$T/env3.json"
expect_grep '"index":2,' "$T/out" "third index 2"
expect_status 0 VL submit "$T/env2.json"
expect_grep '"index":1,' "$T/out" "a duplicate gets its existing index (PostgreSQL index)"
expect_status 0 VL lookup "$(printf 'artifact-3' | sha256sum | cut -c1-64)"
expect_grep '"index":2,' "$T/out" "lookup by subject digest"
# the bucket alone serves the log
expect_status 0 VB checkpoint
expect_grep '^3$' "$T/out" "the bucket's checkpoint has size 3"
expect_status 0 VB get 1
expect_same "$T/env2.json" "$T/out" "vouch-log reads an entry from the bucket"
expect_status 0 VB prove 2
expect_status 0 go_check "$BUCKET" "$V"
expect_grep '^ok 3 ' "$T/out" "Go's tlog+note verify the bucket over HTTP"
if grep '^PUT ' "$T/proxy.log" | grep -qv ' signed '; then
	fail "an unsigned PUT reached S3"
else ok; fi
expect_grep '^PUT /vouch-test/logs/a/tile/0/000.p/3 signed fwd 200' "$T/proxy.log" \
	"tiles are put under the prefix, tlog-tiles paths, SigV4-signed"
fence=$(psql_q "SELECT fence FROM vouch_log WHERE log = 'vouch-test/logs/a/'")
curl -s -D "$T/hdr" -o /dev/null "$BUCKET/checkpoint"
expect_grep "x-amz-meta-vouch-fence: $fence" "$T/hdr" "the checkpoint carries the writer's fencing token"

# ---- one writer ----
start_logd b
B_PID=$LOGD_PID
sleep 2
if [ -s "$T/b.port" ]; then fail "a second writer did not wait"; else ok; fi
expect_status 0 VL submit "$T/env4.json"
expect_grep '"index":3,' "$T/out" "the first writer keeps the log while the second waits"
# SIGTERM ends a waiting standby at once
kill "$B_PID"
i=0
while kill -0 "$B_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$B_PID" 2>/dev/null; then
	fail "SIGTERM does not stop a waiting standby"
	kill -9 "$B_PID"
else ok; fi
wait "$B_PID" 2>/dev/null || true
# a writer deposed behind its back (the token moved on) signs nothing
psql_q "UPDATE vouch_log SET fence = fence + 1 WHERE log = 'vouch-test/logs/a/'"
before=$(curl -s "$BUCKET/checkpoint")
expect_status 2 VL -r 0 submit "$T/env5.json"
expect_grep "taken over by another writer" "$T/a.err" "the fencing token refuses the commit"
after=$(curl -s "$BUCKET/checkpoint")
if [ "$before" = "$after" ]; then ok; else fail "a deposed writer changed the checkpoint"; fi
if psql_q "SELECT count(*) FROM vouch_leaves WHERE idx >= 4" | grep -qx 0; then ok; else
	fail "a refused commit left index rows"; fi
# it reopened with a new token and goes on
expect_status 0 VL submit "$T/env5.json"
expect_grep '"index":4,' "$T/out" "after reopening, the writer goes on"

# ---- S3 faults mid-batch ----
kill "$A_PID"
wait "$A_PID" 2>/dev/null || true
start_logd a --s3-timeout 1500
wait_port a
A_PID=$LOGD_PID
n0=$(grep -c . "$T/proxy.log")
echo "503 3" >"$T/fault"
expect_status 0 VL submit "$T/env6.json" "$T/env7.json"
echo "500 2" >"$T/fault"
expect_status 0 VL submit "$T/env8.json"
echo "hang 1" >"$T/fault"
expect_status 0 VL submit "$T/env9.json"
expect_grep '"index":8,' "$T/out" "PUTs answered 503, 500 or timing out are retried"
tail -n +"$n0" "$T/proxy.log" | grep -c ' 503$' >"$T/n503" || true
expect_grep '^3$' "$T/n503" "three 503s were injected"
expect_grep ' hang$' "$T/proxy.log" "a timeout was injected"
# beyond the retries: the commit fails, the checkpoint stays whole
echo "503 1000" >"$T/fault"
expect_status 2 VL -r 0 submit "$T/env10.json"
expect_grep 'could not be committed' "$T/err" "the submitter gets an error to retry"
expect_status 0 go_check "$BUCKET" "$V"
expect_grep '^ok 9 ' "$T/out" "no checkpoint is published without its tiles"
rm -f "$T/fault"
expect_status 0 VL submit "$T/env10.json"
expect_grep '"index":9,' "$T/out" "once S3 answers, the retried entry is logged"
expect_status 0 go_check "$BUCKET" "$V"
expect_grep '^ok 10 ' "$T/out" "Go check after the faults"

# ---- migration: bucket -> directory -> bucket ----
kill "$A_PID"
wait "$A_PID" 2>/dev/null || true
expect_status 0 "$B/vouch-logd" $ST -k "$T/log.key" -o "$ORIGIN" --copy-to "posix:$T/copy.d"
expect_same "$T/s3/vouch-test/logs/a/checkpoint._S3rver_object" "$T/copy.d/checkpoint" \
	"the copy has the same signed checkpoint"
"$B/vouch-logd" -d "$T/copy.d" -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0 \
	--port-file "$T/c.port" 2>"$T/c.err" &
C_PID=$!
PIDS="$PIDS $C_PID"
wait_port c
expect_status 0 go_check "$URL" "$V"
expect_grep '^ok 10 ' "$T/out" "Go check of the directory copy"
expect_status 0 VL lookup "$(printf 'artifact-3' | sha256sum | cut -c1-64)"
expect_grep '"index":2,' "$T/out" "the copy's SQLite index is built"
kill "$C_PID"
wait "$C_PID" 2>/dev/null || true
expect_status 0 "$B/vouch-logd" -d "$T/copy.d" -k "$T/log.key" -o "$ORIGIN" \
	--endpoint "$EP" --db "$DB" --copy-to s3://vouch-test/logs/b
expect_status 0 go_check "$S3_URL/vouch-test/logs/b" "$V"
expect_grep '^ok 10 ' "$T/out" "Go check of the copy back into the bucket"
expect_status 2 "$B/vouch-logd" -d "$T/copy.d" -k "$T/log.key" -o "$ORIGIN" \
	--endpoint "$EP" --db "$DB" --copy-to s3://vouch-test/logs/b
expect_grep "already holds a log" "$T/err" "a copy never overwrites a log"
ST="--storage s3://vouch-test/logs/b --endpoint $EP --db $DB"
start_logd b
wait_port b
expect_status 0 VL submit "$T/env2.json" "$T/env11.json"
expect_grep '"index":1,' "$T/out" "the migrated index deduplicates"
expect_grep '"index":10,' "$T/out" "the migrated log takes new entries"
finish
