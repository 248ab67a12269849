#!/bin/sh
# vouch-logd and vouch-log end to end on loopback: submit, read, prove,
# verify offline, monitor, lookup, bad input, write access, locking, and the
# same client commands against nginx serving the log directory.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN

command -v curl >/dev/null || { echo "curl is needed (.ci/packages)" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is needed (.ci/packages)" >&2; exit 1; }

ORIGIN=example.com/vouch-cli-test
"$B/vouch-keygen" -o "$T/log" >/dev/null
"$B/vouch-keygen" -o "$T/sub" >/dev/null
"$B/vouch-keygen" -o "$T/other" >/dev/null

# statement i, signed by key $2 (default sub)
envelope() {
	d=$(printf 'artifact-%s' "$1" | sha256sum | cut -c1-64)
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a%s","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/test","predicate":{"n":%s}}' \
		"$1" "$d" "$1" >"$T/st.json"
	"$B/vouch-attest" -k "$T/${2:-sub}.key" "$T/st.json"
}
digest_of() { printf 'artifact-%s' "$1" | sha256sum | cut -c1-64; }

# start_logd DIR NAME [options]: runs vouch-logd on a free port; sets URL
start_logd() {
	dir=$1
	name=$2
	shift 2
	rm -f "$T/$name.port"
	"$B/vouch-logd" -d "$dir" -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0 \
		--port-file "$T/$name.port" "$@" 2>"$T/$name.err" &
	LOGD_PID=$!
	PIDS="$PIDS $LOGD_PID"
	i=0
	while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$T/$name.port" ] || { cat "$T/$name.err" >&2; fail "vouch-logd did not start"; exit 1; }
	URL=http://127.0.0.1:$(cat "$T/$name.port")
}
stop_pid() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
status_of() { # status_of CURL-ARGS...: the HTTP status
	curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@" || true
}

# validate SCHEMA FILE label: every line of FILE against schemas/SCHEMA
validate() {
	if python3 - "$VOUCH_SRCDIR/schemas/$1" "$2" >"$T/py" 2>&1 <<'EOF'
import json, sys
from jsonschema import Draft202012Validator
v = Draft202012Validator(json.load(open(sys.argv[1])))
n = 0
for line in open(sys.argv[2]):
    if line.strip():
        v.validate(json.loads(line))
        n += 1
sys.exit(0 if n else 1)
EOF
	then ok; else fail "$3: $(tail -n 3 "$T/py")"; fi
}

# ---- init ----
expect_status 0 "$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o "$ORIGIN" --init
cp "$T/out" "$T/verifier"
expect_grep "^$ORIGIN+[0-9a-f]\{8\}+" "$T/verifier" "--init prints the verifier key"
expect_status 2 "$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o "$ORIGIN" --init
expect_grep "already holds a log" "$T/err" "--init refuses an existing log"
expect_status 2 "$B/vouch-logd" -d "$T/x.d" -k "$T/log.key" -o "bad origin" --init
V=$(cat "$T/verifier")
VL() { "$B/vouch-log" -l "$URL" -K "$V" -t 10 "$@"; }

start_logd "$T/log.d" main --timeout 3
MAIN_PID=$LOGD_PID

# a second writer on the same directory is refused
expect_status 2 "$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0
expect_grep "another writer" "$T/err" "the directory is locked"

# ---- submit ----
for i in 1 2 3 4 5; do envelope $i >"$T/env$i.json"; done
expect_status 0 VL submit "$T/env1.json" "$T/env2.json" "$T/env3.json"
expect_lines 3 "$T/out" "three answers"
cp "$T/out" "$T/answers"
expect_grep '"index":0,' "$T/answers" "first index 0"
expect_grep '"index":2,' "$T/answers" "third index 2"
expect_grep '"tlog_proof":"c2sp.org/tlog-proof@v1' "$T/answers" "answer carries a tlog-proof"
validate tlog-add-response.schema.json "$T/answers" "submit answers"
# the same envelope again: same index, nothing new
expect_status 0 VL submit "$T/env2.json"
expect_grep '"index":1,' "$T/out" "a duplicate gets its existing index"
# JSON Lines on stdin
cat "$T/env4.json" "$T/env5.json" | VL submit - >"$T/out" 2>"$T/err" && ok || fail "submit from stdin"
expect_lines 2 "$T/out" "two answers from stdin"
# a bad line among good ones: the log's refusal names its line, the rest is logged
{ printf '\n{"not":"an envelope"}\n'; cat "$T/env1.json"; } >"$T/mixed.jsonl"
expect_status 2 VL submit "$T/mixed.jsonl"
expect_grep "^vouch-log: line 2 of '$T/mixed.jsonl': the log answered 400: " "$T/err" "the refused line is named"
expect_grep '"index":0,' "$T/out" "the good line after it is logged (a duplicate of env1)"

# ---- read and verify ----
expect_status 0 VL checkpoint
printf '%s\n5\n' "$ORIGIN" >"$T/want"
head -n 2 "$T/out" >"$T/got"
expect_same "$T/want" "$T/got" "checkpoint of size 5"
cp "$T/out" "$T/cp5"
expect_status 0 VL get 3
expect_same "$T/env4.json" "$T/out" "get returns the entry bytes"
expect_status 2 VL get 5
expect_status 0 VL prove 3
cp "$T/out" "$T/proof3"
expect_grep '^index 3$' "$T/proof3" "tlog-proof index"
expect_status 0 "$B/vouch-log" -K "$V" verify-proof "$T/proof3" "$T/env4.json"
expect_grep "verified: entry 3" "$T/out" "offline proof verifies"
expect_status 1 "$B/vouch-log" -K "$V" verify-proof "$T/proof3" "$T/env3.json"
sed -n 1p "$T/answers" >"$T/answer0"
expect_status 0 "$B/vouch-log" -K "$V" verify-proof "$T/answer0"
expect_status 0 "$B/vouch-log" -K "$V" verify-proof "$T/answer0" "$T/env1.json"
expect_status 1 "$B/vouch-log" -K "$V" verify-proof "$T/answer0" "$T/env2.json"
# a tampered proof line, a tampered checkpoint, a wrong verifier
sed '3s/^./A/' "$T/proof3" >"$T/bad1"
cmp -s "$T/bad1" "$T/proof3" && sed '3s/^./B/' "$T/proof3" >"$T/bad1"
expect_status 1 "$B/vouch-log" -K "$V" verify-proof "$T/bad1" "$T/env4.json"
sed 's/^5$/6/' "$T/proof3" >"$T/bad2"
expect_status 1 "$B/vouch-log" -K "$V" verify-proof "$T/bad2" "$T/env4.json"
"$B/vouch-keygen" --public "$T/other.key" -n "$ORIGIN" >"$T/otherv"
OV=$(sed -n 2p "$T/otherv")
expect_status 1 "$B/vouch-log" -K "$OV" verify-proof "$T/proof3" "$T/env4.json"
expect_status 0 VL consistency 2 5
expect_grep '"old":2,"new":5' "$T/out" "consistency JSON"
validate tlog-consistency.schema.json "$T/out" "consistency output"
expect_status 2 VL consistency 0 5
expect_status 2 VL consistency 3 9
expect_status 0 VL lookup "$(digest_of 4)"
expect_lines 1 "$T/out" "lookup finds one entry"
expect_grep '"index":3,' "$T/out" "lookup hit verified"
validate tlog-entry-line.schema.json "$T/out" "lookup output"
curl -s "$URL/lookup/sha256/$(digest_of 4)" >"$T/raw"
validate tlog-lookup.schema.json "$T/raw" "/lookup answer"
expect_status 0 VL lookup "$(digest_of 99)"
expect_lines 0 "$T/out" "lookup of an unknown digest"
expect_status 2 VL lookup ABC
# a wrong verifier key: the checkpoint does not verify
expect_status 1 "$B/vouch-log" -l "$URL" -K "$OV" checkpoint

# a config file instead of options; retries against a dead port fail cleanly
printf 'log %s\nverifier %s\ntimeout 5\n' "$URL" "$V" >"$T/conf"
expect_status 0 "$B/vouch-log" -c "$T/conf" checkpoint
expect_same "$T/cp5" "$T/out" "checkpoint through --config"
printf 'bogus line\n' >"$T/badconf"
expect_status 2 "$B/vouch-log" -c "$T/badconf" checkpoint
expect_status 2 "$B/vouch-log" -l http://127.0.0.1:1 -K "$V" -r 2 -t 2 checkpoint
expect_grep "request failed" "$T/err" "unreachable log"
expect_status 2 "$B/vouch-log" -l ftp://x -K "$V" checkpoint

# ---- monitor ----
expect_status 0 VL monitor --state "$T/state" --once
expect_lines 5 "$T/out" "first round prints every entry"
validate tlog-entry-line.schema.json "$T/out" "monitor output"
for i in 6 7; do envelope $i >"$T/env$i.json"; done
VL submit "$T/env6.json" "$T/env7.json" >/dev/null
expect_status 0 VL monitor --state "$T/state" --once --subject "$(digest_of 7)"
expect_lines 1 "$T/out" "filtered round prints the matching new entry"
expect_grep '"index":6,' "$T/out" "new entry 6"
envelope 8 other >"$T/env8.json"
envelope 9 >"$T/env9.json"
VL submit "$T/env8.json" "$T/env9.json" >/dev/null
expect_status 0 VL monitor --state "$T/state" --once --signer "$T/other.pub"
expect_lines 1 "$T/out" "signer filter"
expect_grep '"index":7,' "$T/out" "entry signed by the other key"
expect_status 0 VL monitor --state "$T/state" --once
expect_lines 0 "$T/out" "nothing new"

# ---- bad input: clear HTTP errors, the server stays up ----
expect_same_status() { # want label curl-args
	want=$1
	label=$2
	shift 2
	got=$(status_of "$@")
	if [ "$got" = "$want" ]; then ok; else fail "$label: HTTP $got, expected $want"; fi
}
expect_same_status 400 "malformed JSON" -X POST --data-binary '{"payload":' "$URL/add"
expect_same_status 400 "not DSSE" -X POST --data-binary '{"a":1}' "$URL/add"
expect_same_status 400 "duplicate keys" -X POST \
	--data-binary '{"payload":"e30=","payload":"e30=","payloadType":"x","signatures":[]}' "$URL/add"
printf '{"payload":"%s","payloadType":"text/plain","signatures":[{"sig":"AAAA"}]}' \
	"$(printf hello | base64)" >"$T/notintoto"
expect_same_status 400 "payloadType not in-toto" -X POST --data-binary "@$T/notintoto" "$URL/add"
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
expect_same_status 413 "oversized body" -X POST --data-binary "@$T/big" "$URL/add"
expect_same_status 404 "unknown path" "$URL/nope"
expect_same_status 404 "traversal" --path-as-is "$URL/tile/../checkpoint"
expect_same_status 404 "traversal into .vouch" --path-as-is "$URL/tile/../.vouch/lock"
expect_same_status 404 "non-canonical tile" "$URL/tile/0/x000/000.p/5"
expect_same_status 404 "tile beyond the checkpoint" "$URL/tile/0/001"
expect_same_status 405 "GET /add" "$URL/add"
expect_same_status 405 "POST to a tile" -X POST --data-binary x "$URL/tile/0/000"
expect_same_status 404 "POST elsewhere" -X POST --data-binary x "$URL/elsewhere"
expect_same_status 400 "bad lookup digest" "$URL/lookup/sha256/XYZ"
expect_same_status 200 "partial tile" "$URL/tile/0/000.p/9"
curl -s -D "$T/hdr" -o /dev/null "$URL/tile/0/000.p/9"
expect_grep "immutable" "$T/hdr" "tiles are immutable"
expect_grep "application/octet-stream" "$T/hdr" "tile content type"
curl -s -D "$T/hdr" -o /dev/null "$URL/checkpoint"
expect_grep "text/plain" "$T/hdr" "checkpoint content type"
expect_grep "no-cache" "$T/hdr" "checkpoint is not cached long"
# slowloris: a request trickling in is cut off, others are served meanwhile
PORT=${URL##*:}
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
for i in range(40):
    time.sleep(0.5)
    try:
        s.sendall(b" ")
    except OSError:
        sys.exit(0)
sys.exit(1)
' "$PORT" 2>/dev/null &
SLOW=$!
PIDS="$PIDS $SLOW"
sleep 1
expect_status 0 VL checkpoint
if wait "$SLOW"; then ok; else fail "a slow client was not cut off"; fi
expect_status 0 VL checkpoint
kill -0 "$MAIN_PID" 2>/dev/null && ok || fail "vouch-logd died"

# ---- nginx serving the same directory ----
stop_pid "$MAIN_PID"
start_nginx "$T/log.d"
LOGD_URL=$URL
URL=http://127.0.0.1:$NPORT
expect_status 0 VL checkpoint
expect_same "$T/log.d/checkpoint" "$T/out" "nginx serves the checkpoint"
expect_status 0 VL get 7
expect_same "$T/env8.json" "$T/out" "get through nginx"
expect_status 0 VL prove 3
cp "$T/out" "$T/proof3n"
expect_status 0 "$B/vouch-log" -K "$V" verify-proof "$T/proof3n" "$T/env4.json"
rm -f "$T/nstate"
expect_status 0 VL monitor --state "$T/nstate" --once
expect_lines 9 "$T/out" "monitor through nginx sees every entry"
expect_status 0 VL consistency 1 9

# the server again, on the same directory, with --reindex
start_logd "$T/log.d" main2 --reindex
envelope 10 >"$T/env10.json"
expect_status 0 VL submit "$T/env10.json"
expect_grep '"index":9,' "$T/out" "after a restart the log continues"
expect_status 0 VL lookup "$(digest_of 10)"
expect_lines 1 "$T/out" "reindexed lookup"
LOGD2=$LOGD_PID
# nginx sees the new tiles; the monitor follows
URL=http://127.0.0.1:$NPORT
expect_status 0 VL monitor --state "$T/nstate" --once
expect_lines 1 "$T/out" "monitor through nginx sees the new entry"
stop_pid "$NGINX_PID"
stop_pid "$LOGD2"

# ---- a forked log with the same key: the monitor catches it ----
"$B/vouch-logd" -d "$T/fork.d" -k "$T/log.key" -o "$ORIGIN" --init >/dev/null
start_logd "$T/fork.d" fork
for i in 21 22 23 24 25 26 27 28 29 30 31; do envelope $i; echo; done >"$T/forkenv"
VL submit "$T/forkenv" >/dev/null
expect_status 1 VL monitor --state "$T/state" --once
expect_grep '"inconsistent"' "$T/out" "inconsistency evidence"
expect_grep '"old_checkpoint"' "$T/out" "old checkpoint in the evidence"
expect_grep '"new_checkpoint"' "$T/out" "new checkpoint in the evidence"
validate tlog-inconsistency.schema.json "$T/out" "inconsistency evidence"
stop_pid "$LOGD_PID"

# ---- a tiny queue: every answer is 200 or 503 with Retry-After ----
"$B/vouch-logd" -d "$T/q.d" -k "$T/log.key" -o "$ORIGIN" --init >/dev/null
start_logd "$T/q.d" q --max-pending 1 --max-batch 1
mkdir -p "$T/q"
for i in $(seq 40 79); do envelope $i >"$T/q/$i.json"; done
CURLS=""
for i in $(seq 40 79); do
	curl -s -D "$T/q/$i.hdr" -o /dev/null --max-time 20 -X POST \
		--data-binary "@$T/q/$i.json" "$URL/add" &
	CURLS="$CURLS $!"
done
for p in $CURLS; do wait "$p" || true; done
n200=$(grep -l '^HTTP/1.1 200' "$T"/q/*.hdr | wc -l)
n503=$(grep -l '^HTTP/1.1 503' "$T"/q/*.hdr | wc -l)
[ $((n200 + n503)) -eq 40 ] && ok || fail "queue: $n200 OK + $n503 busy of 40"
for h in $(grep -l '^HTTP/1.1 503' "$T"/q/*.hdr); do
	grep -qi '^Retry-After: 1' "$h" && ok || fail "503 without Retry-After"
done
echo "queue of 1: $n200 accepted, $n503 told to retry"
kill -0 "$LOGD_PID" && ok || fail "vouch-logd died under a full queue"
stop_pid "$LOGD_PID"

# ---- one address cannot hold every connection ----
# Four connections from 127.0.0.1 that never finish their request (a client
# sending a byte now and then would keep them so past --timeout) fill the
# per-address quota: a fifth from that address is closed at once, while
# another address (127.0.0.2, also loopback) is served, and so is the first
# once they go.
"$B/vouch-logd" -d "$T/ip.d" -k "$T/log.key" -o "$ORIGIN" --init >/dev/null
start_logd "$T/ip.d" ip --max-connections-per-ip 4
python3 - "${URL##*:}" "$T/slow.ready" <<'EOF' &
import socket, sys, time
conns = []
for i in range(4):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /checkpoint HTTP/1.1\r\nHost: vouch\r\n")
    conns.append(s)
open(sys.argv[2], "w").write("ready\n")
time.sleep(30)
EOF
SLOW=$!
PIDS="$PIDS $SLOW"
i=0
while [ ! -s "$T/slow.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(status_of "$URL/checkpoint")" = 000 ] && ok ||
	fail "a fifth connection from one address was served"
[ "$(status_of --interface 127.0.0.2 "$URL/checkpoint")" = 200 ] && ok ||
	fail "another address was refused while one held its quota"
stop_pid "$SLOW"
i=0
while [ "$(status_of "$URL/checkpoint")" != 200 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ $i -lt 50 ] && ok || fail "the address was still refused after its connections closed"
expect_status 2 "$B/vouch-logd" -d "$T/ip.d" -k "$T/log.key" -o "$ORIGIN" \
	--max-connections-per-ip x
stop_pid "$LOGD_PID"

# ---- write access: --submitters ----
cat "$T/sub.pub" >"$T/submitters"
"$B/vouch-logd" -d "$T/ac.d" -k "$T/log.key" -o "$ORIGIN" --init >/dev/null
start_logd "$T/ac.d" ac --submitters "$T/submitters"
expect_same_status 403 "unlisted signer" -X POST --data-binary "@$T/env8.json" "$URL/add"
expect_same_status 200 "listed signer" -X POST --data-binary "@$T/env1.json" "$URL/add"
expect_status 2 VL submit "$T/env8.json"
expect_grep "403" "$T/err" "client reports the refusal"
stop_pid "$LOGD_PID"

# ---- lookups as soon as the answer comes (issue 18) ----
# The index rows are written by their own thread after the commit, and a
# lookup must still find every acknowledged entry.  Entries of 400
# subjects each keep that thread busy while small entries are submitted,
# each looked up the moment its POST /add is answered.
"$B/vouch-logd" -d "$T/burst.d" -k "$T/log.key" -o "$ORIGIN" --init >/dev/null
start_logd "$T/burst.d" burst
for i in $(seq 200 231); do
	python3 -c 'import hashlib, json, sys
i = int(sys.argv[1])
subj = [{"name": "s%d-%d" % (i, k), "digest": {"sha256": hashlib.sha256(b"%d-%d" % (i, k)).hexdigest()}}
        for k in range(400)]
print(json.dumps({"_type": "https://in-toto.io/Statement/v1", "subject": subj,
                  "predicateType": "https://example.com/test", "predicate": {}}))' "$i" >"$T/st.json"
	"$B/vouch-attest" -k "$T/sub.key" "$T/st.json" >"$T/big$i.json"
done
for i in $(seq 100 107); do envelope "$i" >"$T/b$i.json"; done
BURST=""
missed=""
for i in $(seq 100 107); do
	for k in 0 1 2 3; do # four large entries just ahead of the small one
		curl -s --max-time 20 --data-binary "@$T/big$((200 + (i - 100) * 4 + k)).json" \
			"$URL/add" >/dev/null &
		BURST="$BURST $!"
	done
	# the lookup on the same connection, right after the answer
	python3 -c 'import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
c.request("POST", "/add", open(sys.argv[2], "rb").read())
r = c.getresponse()
a = json.loads(r.read())
c.request("GET", "/lookup/sha256/" + sys.argv[3])
r = c.getresponse()
sys.exit(0 if a["index"] in json.loads(r.read())["indices"] else 1)' \
		"$(cat "$T/burst.port")" "$T/b$i.json" "$(digest_of "$i")" || missed="$missed $i"
done
for p in $BURST; do wait "$p" || true; done
[ -z "$missed" ] && ok || fail "lookups right after the answer missed entries:$missed"
stop_pid "$LOGD_PID"

finish
