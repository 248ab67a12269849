#!/bin/sh
# vouch-verify: every dsse.json case, thresholds by distinct key, bundles
# with foreign lines, artifacts, predicate types, and every rejection with
# a message and the documented exit status.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
. "$VOUCH_SRCDIR/tests/cli/attest_keys.sh"
V=$VOUCH_BIN/vouch-verify
A=$VOUCH_BIN/vouch-attest
cd "$T"
printf '%s\n' "$(cat vector-statement.json)" > vector-line.json

# -- the dsse.json cases
expect_status 0 "$V" -p A.pub case-ed25519-single.json
expect_same vector-line.json "$T/out" "verified statement is the signed payload"
expect_status 1 "$V" -p B.pub case-ed25519-single.json
expect_grep "no valid signature by a trusted key" "$T/err" "wrong key"
expect_status 0 "$V" -p A.pub -p B.pub -t 2 case-ed25519-two-keys.json
expect_status 1 "$V" -p A.pub -p B.pub -t 2 case-ed25519-one-key-twice.json
expect_grep "only 1 of the 2 required distinct trusted keys" "$T/err" "one key twice counts once"
[ -s "$T/out" ] && fail "unverified statement printed" || ok
expect_status 0 "$V" -p A.pub -p B.pub -t 1 case-ed25519-one-key-twice.json
expect_status 0 "$V" -p A.pub case-ed25519-url-safe-base64.json
expect_status 1 "$V" -p A.pub case-ed25519-tampered-payload.json
expect_grep "not verified" "$T/err" "tampered payload"
expect_status 1 "$V" -p A.pub case-ed25519-payload-type-swapped.json
expect_grep "not verified" "$T/err" "swapped payloadType"
expect_status 0 "$V" -p E.pub case-ecdsa-p256-der.json
expect_status 1 "$V" -p E.pub case-dsse-spec-ecdsa-raw-rs.json
expect_grep "payloadType 'http://example.com/HelloWorld' is not" "$T/err" "only in-toto payloads are statements"
# the same public key given twice is one key
expect_status 2 "$V" -p A.pub -p A.key -t 2 case-ed25519-two-keys.json
expect_grep "distinct" "$T/err" "duplicate trusted key"

# -- envelopes we sign; stdin; bundles with foreign lines
"$A" -k A.key vector-statement.json > a.jsonl
"$A" -k B.key vector-statement.json > b.jsonl
expect_status 0 sh -c '"$1" -p A.pub < a.jsonl' sh "$V"
expect_status 0 "$V" -p A.pub - < a.jsonl
{ cat a.jsonl; echo; echo 'not json at all'; echo '{"some":"other record"}'; cat a.jsonl; } > bundle.intoto.jsonl
expect_status 0 "$V" -p A.pub bundle.intoto.jsonl
expect_lines 2 "$T/out" "two statements from the bundle"
expect_grep "bundle.intoto.jsonl:3: skipped, not an envelope" "$T/err" "foreign line reported"
expect_grep "bundle.intoto.jsonl:4: skipped" "$T/err" "foreign object reported"
"$PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out" && ok || fail "output is JSON Lines"
cp "$T/out" verified.jsonl
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" statement-v1.schema.json verified.jsonl
expect_grep "2 documents valid" "$T/out" "verified statements match the schema"
cat a.jsonl b.jsonl > ab.jsonl
expect_status 1 "$V" -p A.pub ab.jsonl
expect_grep "ab.jsonl:2: not verified" "$T/err" "B's envelope is not verified by A"
expect_grep "1 of 2 envelopes not verified" "$T/err" "summary"
expect_lines 1 "$T/out" "A's statement still printed"
expect_status 0 "$V" -p A.pub -p B.pub ab.jsonl
: > empty.jsonl
expect_status 1 "$V" -p A.pub empty.jsonl
expect_grep "no envelope found" "$T/err" "empty input"

# -- artifacts: matched by digest, never by name
printf 'hello\n' > hello
HH=$(sha256sum hello | cut -d' ' -f1)
P='{"_type":"https://in-toto.io/Statement/v1",'
printf '%s' "$P\"subject\":[{\"name\":\"other-name\",\"digest\":{\"sha256\":\"$HH\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\"}" > h.json
"$A" -k A.key h.json > h.jsonl
cat h.jsonl ab.jsonl > mixed.jsonl
expect_status 0 "$V" -p A.pub -a hello mixed.jsonl
expect_lines 1 "$T/out" "only the statement covering the artifact"
printf 'hellO\n' > hello2
expect_status 1 "$V" -p A.pub -a hello2 mixed.jsonl
expect_grep "'hello2': no verified statement covers" "$T/err" "uncovered artifact"
expect_status 1 "$V" -p A.pub -a hello -a hello2 mixed.jsonl
expect_status 1 "$V" -p B.pub -a hello mixed.jsonl
expect_status 2 "$V" -p A.pub -a /nonexistent/file mixed.jsonl

# -- predicate type filter
expect_status 0 "$V" -p A.pub -T https://slsa.dev/provenance/v1 h.jsonl
expect_status 1 "$V" -p A.pub -T https://slsa.dev/verification_summary/v1 h.jsonl
expect_grep "no verified statement has predicateType" "$T/err" "filtered out"

# -- signed but invalid statements, signed here by python3-cryptography
sign() {
	"$PY" - A.key "$1" > "$2" <<'PYEOF'
import base64, json, sys
from cryptography.hazmat.primitives import serialization
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
body = sys.argv[2].encode()
t = b"application/vnd.in-toto+json"
sig = key.sign(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
print(json.dumps({"payload": base64.b64encode(body).decode(), "payloadType": t.decode(),
                  "signatures": [{"keyid": "", "sig": base64.b64encode(sig).decode()}]}))
PYEOF
}
H=a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447
Q=',"predicateType":"https://slsa.dev/provenance/v1"}'
reject() {
	sign "$2" bad.jsonl
	expect_status 1 "$V" -p A.pub bad.jsonl
	expect_grep "$3" "$T/err" "rejected: $1"
	[ -s "$T/out" ] && fail "$1: printed a statement" || ok
}
sign "$P\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}]$Q" good.jsonl
expect_status 0 "$V" -p A.pub good.jsonl
reject "duplicate key" "$P\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}],\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}]$Q" "duplicate key 'subject'"
reject "case-variant key" "$P\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}],\"Subject\":[]$Q" "differ only in case"
reject "uppercase hex" "$P\"subject\":[{\"digest\":{\"sha256\":\"$(echo $H | tr a-f A-F)\"}}]$Q" "lowercase hex"
reject "wrong-length hex" "$P\"subject\":[{\"digest\":{\"sha256\":\"${H}00\"}}]$Q" "lowercase hex"
reject "empty subject" "$P\"subject\":[]$Q" "subject' is empty"
reject "md5" "$P\"subject\":[{\"digest\":{\"md5\":\"0123456789abcdef0123456789abcdef\"}}]$Q" "md5"

# -- envelope over the size limit; base64 garbage
expect_status 1 "$V" -p A.pub --max-size 200 a.jsonl
expect_grep "over the limit of 200" "$T/err" "size limit"
sed 's/"payload":"[^"]*"/"payload":"@@@@garbage@@@"/' a.jsonl > garbage.jsonl
expect_status 1 "$V" -p A.pub garbage.jsonl
expect_grep "invalid base64" "$T/err" "payload base64 garbage"
sed 's/"sig":"[^"]*"/"sig":"%%%%"/' a.jsonl > badsig.jsonl
expect_status 1 "$V" -p A.pub badsig.jsonl
expect_grep "invalid base64" "$T/err" "signature base64 garbage"

# -- trouble is exit 2
expect_status 2 "$V" case-ed25519-single.json
expect_status 2 "$V" -p A.pub -t 2 case-ed25519-single.json
expect_status 2 "$V" -p /nonexistent.pub case-ed25519-single.json
expect_status 2 "$V" -p A.pub /nonexistent.jsonl
expect_status 2 "$V" -p A.pub a.jsonl /nonexistent.jsonl
expect_lines 1 "$T/out" "other inputs still processed"

finish
