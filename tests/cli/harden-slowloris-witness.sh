#!/bin/sh
# Issue 17: vouch-witness has vouch-logd's defences against slow clients
# (the shared set-up in lib/tlog/httpd.c and httpd_guard.c), shown with the
# same attack as harden-slowloris.sh (tests/harden/slowloris.py): 16
# addresses, 48 connections each, one header byte every 0.5 s, reconnecting
# when cut.  The attackers are cut (a request must arrive whole within
# --timeout; past three quarters of --max-connections a new connection
# evicts the request that has waited longest) and every legitimate request
# made during the attack is answered: GET /add-checkpoint (405) and POST
# /add-checkpoint of a checkpoint the witness holds (200 with a
# cosignature).  Bounded: 768 attack sockets for 12 s.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
REF="python3 $VOUCH_SRCDIR/tests/cli/tlog_witness_ref.py"
trap stop_all EXIT
command -v curl >/dev/null || { echo "curl is needed (.ci/packages)" >&2; exit 1; }
cd "$T"
ORIGIN=example.com/vouch-slowloris-witness
WNAME=witness.example/slow
"$B/vouch-keygen" -o log -n "$ORIGIN" >log.ids
"$B/vouch-keygen" -o w -c "$WNAME" >/dev/null
"$B/vouch-witness" -s state -k w.key -n "$WNAME" --log "$(sed -n 2p log.ids)" \
	-l 127.0.0.1:0 --port-file port --max-connections 256 --max-connections-per-ip 64 \
	--timeout 2 2>w.err &
PIDS="$PIDS $!"
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s port ] || { cat w.err >&2; fail "vouch-witness did not start"; exit 1; }
URL=http://127.0.0.1:$(cat port)/add-checkpoint
$REF log log.key "$ORIGIN" 5 >first.req
$REF log log.key "$ORIGIN" 5 --old 5 >again.req
expect_status 0 curl -sf --max-time 10 --data-binary @first.req "$URL"
expect_grep "^— $WNAME " "$T/out" "first checkpoint cosigned"

python3 "$VOUCH_SRCDIR/tests/harden/slowloris.py" --read /add-checkpoint --read-ok 405 \
	--write /add-checkpoint "$(cat port)" 12 48 again.req > result.json
echo "slowloris (witness): $(cat result.json)"
python3 - result.json <<'PY' && ok || fail "slow clients were not cut, or legitimate requests not all answered"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["attack_connections"] >= 16 * 48, r
assert r["attack_cut"] >= 16 * 48, r        # every first attack socket cut at least
assert r["requests"] >= 8, r
assert r["ok"] == r["requests"], r
assert r["reads_ok"] >= 4 and r["writes_ok"] >= 4, r
PY
# the witness is still there and holds the same state afterwards
expect_status 0 curl -sf --max-time 10 --data-binary @again.req "$URL"
expect_grep "^— $WNAME " "$T/out" "cosignature after the attack"
finish
