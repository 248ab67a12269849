#!/bin/sh
# Issue 14, item 2: the log maps the same envelope (payloadType, payload,
# set of signatures) to its existing index however it is spelled: pretty
# printed, keys reordered, URL-safe base64, escaped strings, a signature
# repeated, keyid hints changed, unknown fields added.  The log does not
# grow; vouch-log submit accepts the answer for the stored spelling after
# reading that entry back; a really different envelope still gets a new
# index.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
trap stop_all EXIT
cd "$T"
ORIGIN=example.com/vouch-dedup-test
"$B/vouch-keygen" -o sub >/dev/null
"$B/vouch-keygen" -o sub2 >/dev/null
serve_new_log "$ORIGIN" --submitters sub.pub
VL() { "$B/vouch-log" -l "$URL" -K "$VKEY" -t 10 "$@"; }

d=$(printf 'artifact' | sha256sum | cut -c1-64)
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/test","predicate":{"note":"caf\\u00e9"}}' \
	"$d" > st.json
"$B/vouch-attest" -k sub.key st.json > env.json
expect_status 0 VL submit env.json
expect_grep '"index":0,' "$T/out" "first submission is index 0"

# respell KIND: env.json spelled another way, same envelope
respell() {
	python3 - "$1" env.json <<'PY'
import base64, json, sys
kind, path = sys.argv[1], sys.argv[2]
e = json.load(open(path))
if kind == "pretty":
    print(json.dumps(e, indent=4)); sys.exit()
if kind == "reorder":
    print("  " + json.dumps({"signatures": e["signatures"], "payloadType": e["payloadType"],
                           "payload": e["payload"]}, separators=(" ,\t", " :  ")) + "\n"); sys.exit()
if kind == "urlsafe":
    e["payload"] = base64.urlsafe_b64encode(base64.b64decode(e["payload"])).decode()
    for s in e["signatures"]:
        s["sig"] = base64.urlsafe_b64encode(base64.b64decode(s["sig"])).decode()
elif kind == "escaped":
    print(json.dumps(e, ensure_ascii=True).replace("application/", "application\\/")
          .replace('"payloadType"', '"payload\\u0054ype"')); sys.exit()
elif kind == "twice":
    e["signatures"] = e["signatures"] * 2
elif kind == "keyid":
    e["signatures"][0]["keyid"] = "not-the-keyid"
elif kind == "unknown":
    e["x-extra"] = {"padding": "x" * 1000}
print(json.dumps(e))
PY
}
for kind in pretty reorder urlsafe escaped twice keyid unknown; do
	respell "$kind" > "$kind.json"
	if cmp -s env.json "$kind.json"; then fail "$kind: not respelled"; continue; fi
	curl -s --max-time 10 --data-binary "@$kind.json" "$URL/add" > "$kind.answer"
	expect_grep '"index":0,' "$kind.answer" "$kind: existing index"
	# vouch-log submit reads one envelope per line
	[ "$kind" = pretty ] && continue
	expect_status 0 VL submit "$kind.json"
	expect_grep '"index":0,' "$T/out" "$kind: vouch-log submit accepts the stored entry"
done
expect_status 0 VL checkpoint
expect_grep '^1$' "$T/out" "the log did not grow"
# the stored entry is the first spelling, byte for byte
expect_status 0 VL get 0
expect_same env.json "$T/out" "stored spelling is the first one"

# another envelope: same statement with a second signature -> a new entry
"$B/vouch-attest" -k sub.key -k sub2.key st.json > two.json
expect_status 0 VL submit two.json
expect_grep '"index":1,' "$T/out" "another set of signatures is a new entry"
expect_status 0 VL checkpoint
expect_grep '^2$' "$T/out" "two entries"

# issue 18: the key a submission is checked under (computed with its other
# checks, from one parse) is the one the index is rebuilt with
stop_pids
PIDS=""
rm -f "$T/port"
"$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0 \
	--port-file "$T/port" --submitters sub.pub --reindex 2>"$T/logd.err" &
PIDS="$PIDS $!"
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=http://127.0.0.1:$(cat "$T/port")
curl -s --max-time 10 --data-binary "@urlsafe.json" "$URL/add" > reindexed.answer
expect_grep '"index":0,' reindexed.answer "after --reindex: existing index"
expect_status 0 VL checkpoint
expect_grep '^2$' "$T/out" "after --reindex: the log did not grow"
finish
