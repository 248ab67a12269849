#!/bin/sh
# vouch-logd with witnesses: two vouch-witness servers and the independent
# reference witness (tests/cli/tlog_witness_ref.py, so vouch's
# add-checkpoint client is checked against a second implementation), quorum
# 2.  Published checkpoints carry the quorum's cosignatures; with witnesses
# down the log keeps sequencing, /add answers with the log-signed
# checkpoint after --witness-wait, /checkpoint stays at the last cosigned
# one, and it catches up once a witness is back; checkpoint.cosigned is
# reloaded at restart; 503 while nothing is cosigned.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
REF="python3 $VOUCH_SRCDIR/tests/cli/tlog_witness_ref.py"
command -v curl >/dev/null || { echo "curl is needed (.ci/packages)" >&2; exit 1; }

ORIGIN=example.com/vouch-logd-witness-test
"$B/vouch-keygen" -o "$T/log" -n "$ORIGIN" >"$T/log.ids"
LOGVK=$(sed -n 2p "$T/log.ids")
for w in w1 w2 py; do
	"$B/vouch-keygen" -o "$T/$w" -c "witness.example/$w" >"$T/$w.ids"
	eval "VK_$w=\$(sed -n 2p \"\$T/$w.ids\")"
done
"$B/vouch-keygen" -o "$T/sub" >/dev/null

wait_file() { i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; [ -s "$1" ]; }
start_witness() { # name [port]
	rm -f "$T/$1.port"
	wport=${2:-0}
	if [ "$1" = py ]; then
		$REF serve "$T/py.key" witness.example/py "$LOGVK" "$T/py.state" "$T/py.port" 2>>"$T/py.err" &
	else
		"$B/vouch-witness" -s "$T/$1.state" -k "$T/$1.key" -n "witness.example/$1" \
			--log "$LOGVK" -l "127.0.0.1:$wport" --port-file "$T/$1.port" 2>>"$T/$1.err" &
	fi
	eval "PID_$1=\$!"
	PIDS="$PIDS $!"
	wait_file "$T/$1.port" || { fail "witness $1 did not start"; exit 1; }
	eval "URL_$1=http://127.0.0.1:\$(cat \"\$T/$1.port\")"
}
stop_witness() { eval "p=\$PID_$1"; kill "$p"; wait "$p" 2>/dev/null || true; }
start_logd() { # extra options
	rm -f "$T/logd.port"
	"$B/vouch-logd" -d "$T/log" -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0 \
		--port-file "$T/logd.port" --witnesses "$T/witnesses" --quorum 2 \
		--witness-timeout 2 --witness-wait 500 "$@" 2>>"$T/logd.err" &
	LOGD_PID=$!
	PIDS="$PIDS $LOGD_PID"
	wait_file "$T/logd.port" || { cat "$T/logd.err" >&2; fail "vouch-logd did not start"; exit 1; }
	LOG=http://127.0.0.1:$(cat "$T/logd.port")
}
stop_logd() { kill "$LOGD_PID"; wait "$LOGD_PID" 2>/dev/null || true; }
envelope() {
	d=$(printf 'artifact-%s' "$1" | sha256sum | cut -c1-64)
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a%s","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/test","predicate":{"n":%s}}' \
		"$1" "$d" "$1" >"$T/st.json"
	"$B/vouch-attest" -k "$T/sub.key" "$T/st.json"
}
size_of() { sed -n 2p "$1"; }
VLOG() { "$B/vouch-log" -l "$LOG" -K "$LOGVK" -r 0 "$@"; }
QUORUM="--witness $VK_w1 --witness $VK_w2 --witness $VK_py --quorum 2"

"$B/vouch-logd" -d "$T/log" -k "$T/log.key" -o "$ORIGIN" --init >/dev/null
# ---- nothing cosigned yet: 503 ----
# (ports that nobody listens on: witnesses are down)
cat >"$T/witnesses" <<EOF2
# three witnesses, none up
$VK_w1 http://127.0.0.1:9/
$VK_w2 http://127.0.0.1:9/
$VK_py http://127.0.0.1:9/
EOF2
start_logd
expect_code() { [ "$1" = "$2" ] && ok || fail "$3: status $2, expected $1"; }
expect_code 503 "$(curl -s -o "$T/body" -w '%{http_code}' "$LOG/checkpoint")" "no cosigned checkpoint"
expect_grep "no checkpoint is cosigned" "$T/body" "503 message"
# the log still sequences: /add answers with the log-signed checkpoint
envelope 0 >"$T/e0"
t0=$(date +%s%N)
expect_status 0 "$B/vouch-log" -l "$LOG" -K "$LOGVK" submit "$T/e0"
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -ge 450 ] && ok || fail "/add did not wait for witnesses"
expect_grep '"index":0' "$T/out" "sequenced while witnesses are down"
# (the hand-off thread logs it on its own time, maybe after the answer)
i=0
while ! grep -q "witness 'witness.example/w1'" "$T/logd.err" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "witness 'witness.example/w1'" "$T/logd.err" && ok || fail "unreachable witness not logged"
stop_logd

# ---- three witnesses up, quorum 2 ----
start_witness w1
start_witness w2
start_witness py
cat >"$T/witnesses" <<EOF2
$VK_w1 $URL_w1
$VK_w2 $URL_w2
$VK_py $URL_py
EOF2
start_logd
i=1
while [ $i -le 5 ]; do envelope $i; i=$((i + 1)); done >"$T/batch.jsonl"
expect_status 0 "$B/vouch-log" -l "$LOG" -K "$LOGVK" submit "$T/batch.jsonl"
expect_lines 5 "$T/out" "five answers"
# every answer's checkpoint is cosigned by the quorum
python3 -c '
import json, sys
for n, l in enumerate(open(sys.argv[1])):
    open("%s.%d" % (sys.argv[2], n), "w").write(json.loads(l)["checkpoint"])
' "$T/out" "$T/ans"
for f in "$T"/ans.*; do
	"$B/vouch-log" -K "$LOGVK" $QUORUM verify-checkpoint "$f" >/dev/null 2>"$T/err" && ok ||
		{ fail "answer checkpoint not cosigned by 2"; cat "$T/err" >&2; }
done
expect_status 0 VLOG $QUORUM checkpoint
cp "$T/out" "$T/cp.pub"
[ "$(size_of "$T/cp.pub")" -ge 6 ] && ok || fail "published size $(size_of "$T/cp.pub")"
$REF verify "$LOGVK" 2 "$VK_w1" "$VK_w2" "$VK_py" <"$T/cp.pub" >"$T/refout" && ok || fail "reference: quorum"
# all three cosign in time, the reference witness too (vouch's client spoke to it)
i=0
while [ $i -lt 50 ]; do
	curl -s "$LOG/checkpoint" >"$T/cp.all"
	grep -q '^— witness.example/py ' "$T/cp.all" && break
	sleep 0.1; i=$((i + 1))
done
expect_status 0 "$B/vouch-log" -K "$LOGVK" --witness "$VK_py" verify-checkpoint "$T/cp.all"
expect_status 0 "$B/vouch-log" -K "$LOGVK" --witness "$VK_w1" --witness "$VK_w2" --witness "$VK_py" verify-checkpoint "$T/cp.all"
# the file for static servers
expect_status 0 "$B/vouch-log" -K "$LOGVK" $QUORUM verify-checkpoint "$T/log/checkpoint.cosigned"

# the monitor checks cosignatures too
expect_status 0 VLOG $QUORUM monitor --state "$T/mon" --once
expect_lines 6 "$T/out" "monitor with a witness quorum"
"$B/vouch-keygen" -o "$T/w9" -c witness.example/w9 >"$T/w9.ids"
expect_status 2 VLOG --witness "$VK_w1" --witness "$(sed -n 2p "$T/w9.ids")" --quorum 2 monitor --state "$T/mon3" --once
expect_grep "not accepted: checkpoint cosigned by 1 of the 2 witnesses, 2 required" "$T/err" "monitor refuses a checkpoint without the quorum"
[ ! -e "$T/mon3" ] && ok || fail "the monitor stored a checkpoint without the quorum"

# ---- two of three down: sequencing goes on, publishing waits ----
stop_witness w2
stop_witness py
PUB=$(size_of "$T/cp.all")
envelope 6 >"$T/e6"
expect_status 0 "$B/vouch-log" -l "$LOG" -K "$LOGVK" submit "$T/e6"
expect_grep '"index":6' "$T/out" "sequenced with one witness"
python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read())["checkpoint"], end="")' "$T/out" >"$T/cp6"
expect_status 1 "$B/vouch-log" -K "$LOGVK" $QUORUM verify-checkpoint "$T/cp6"
curl -s "$LOG/checkpoint" >"$T/cp.now"
[ "$(size_of "$T/cp.now")" = "$PUB" ] && ok || fail "/checkpoint moved without a quorum"
# w2 comes back (same state and port): the published checkpoint catches up
start_witness w2 "${URL_w2##*:}"
i=0
while [ $i -lt 100 ]; do
	curl -s "$LOG/checkpoint" >"$T/cp.now"
	[ "$(size_of "$T/cp.now")" = 7 ] && break
	sleep 0.1; i=$((i + 1))
done
[ "$(size_of "$T/cp.now")" = 7 ] && ok || fail "no catch-up after a witness came back: $(size_of "$T/cp.now")"
expect_status 0 "$B/vouch-log" -K "$LOGVK" $QUORUM verify-checkpoint "$T/cp.now"

# ---- restart with every witness down: the cosigned checkpoint is reloaded ----
stop_logd
stop_witness w1
stop_witness w2
start_logd
expect_code 200 "$(curl -s -o "$T/cp.re" -w '%{http_code}' "$LOG/checkpoint")" "reloaded checkpoint"
cmp -s "$T/cp.re" "$T/log/checkpoint.cosigned" && ok || fail "reloaded checkpoint differs"
[ "$(size_of "$T/cp.re")" = 7 ] && ok || fail "reloaded size $(size_of "$T/cp.re")"
# bad witness options
expect_status 2 "$B/vouch-logd" -d "$T/log" -k "$T/log.key" -o "$ORIGIN" --witness "$VK_w1"
expect_grep "expected" "$T/err" "witness without URL"
expect_status 2 "$B/vouch-logd" -d "$T/log" -k "$T/log.key" -o "$ORIGIN" --witness "$LOGVK http://x/"
# a URL shorter than its scheme (found by fuzz_witness: read past the end)
expect_status 2 "$B/vouch-logd" -d "$T/log" -k "$T/log.key" -o "$ORIGIN" --witness "$VK_w1 http"
expect_grep "expected an http(s) URL" "$T/err" "short URL"
expect_status 2 "$B/vouch-logd" -d "$T/log" -k "$T/log.key" -o "$ORIGIN" --witness "$VK_w1 http://x/" --quorum 2

echo "logd-witness: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
