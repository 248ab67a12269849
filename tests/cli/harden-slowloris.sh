#!/bin/sh
# Issue 14, item 3: slow clients from 16 addresses (127.0.0.2-17, 48
# connections each, one header byte every 0.5 s, reconnecting when cut)
# must not take vouch-logd down: every legitimate read (GET /checkpoint)
# and write (POST /add) made during the attack is answered.  A request
# must arrive whole within --timeout from its start, and past three
# quarters of --max-connections a new connection evicts the request that
# has waited longest.  Bounded: 768 attack sockets for 12 s.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
trap stop_all EXIT
cd "$T"
ORIGIN=example.com/vouch-slowloris-test
"$B/vouch-keygen" -o sub >/dev/null
serve_new_log "$ORIGIN" --max-connections 256 --max-connections-per-ip 64 --timeout 2
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/t","predicate":{"n":%s}}' \
		"$(printf 'a%s' "$n" | sha256sum | cut -c1-64)" "$n" > st.json
	"$B/vouch-attest" -k sub.key st.json > "env$n.json"
done

python3 "$VOUCH_SRCDIR/tests/harden/slowloris.py" "$(cat port)" 12 48 env*.json > result.json
echo "slowloris: $(cat result.json)"
python3 - result.json <<'PY' && ok || fail "legitimate requests were not all answered under attack"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["attack_connections"] >= 16 * 48, r
assert r["requests"] >= 8, r
assert r["ok"] == r["requests"], r
assert r["reads_ok"] >= 4 and r["writes_ok"] >= 4, r
PY
# the server is still there and consistent afterwards
expect_status 0 curl -s --max-time 10 "$URL/checkpoint"
expect_grep "^$ORIGIN\$" "$T/out" "checkpoint after the attack"
finish
