#!/bin/sh
# vouch-verify --policy with evidence made by the real tools (vouch-keygen,
# vouch-compare --statement, vouch-attest, vouch-logd, vouch-log): the
# policy cases of issue 8 (k-1 labs, one lab twice, another digest, not in
# the log, a forked log, expired, untrusted key, truncated proof), FAILED
# verdicts, online lookup, saved bundles, JSON output against its schema,
# bundles read by other in-toto readers, and usage errors.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
V=$B/vouch-verify
PY=python3
cd "$T"

for l in a b c x; do "$B/vouch-keygen" -o "lab-$l" >/dev/null; done
"$B/vouch-keygen" -o logkey >/dev/null

# the shipped binary, a faithful rebuild and a tampered one
printf 'firmware 1.0\n' > fw.bin
cp fw.bin rebuilt.bin
printf 'firmware 1.0 with a backdoor\n' > evil.bin
printf 'firmware 2.0\n' > other.bin
"$B/vouch-compare" --statement rebuilt.bin fw.bin > pass.json
expect_status 1 "$B/vouch-compare" --statement rebuilt.bin evil.bin
cp "$T/out" fail.json
"$B/vouch-compare" --statement other.bin other.bin > other.json
sign() { "$B/vouch-attest" -k "lab-$1.key" "$2"; }

policy() { # policy FILE THRESHOLD [extra members]
	cat > "$1" <<P
{"vouchPolicy": 1, "name": "test operator",
 "rebuilders": [{"name": "lab-a", "publicKey": "lab-a.pub"},
                {"name": "lab-b", "publicKey": "lab-b.pub"},
                {"name": "lab-c", "publicKey": "lab-c.pub"}],
 "threshold": $2${3:-}}
P
}
policy p.json 2

# -- met, text and JSON
{ sign a pass.json; sign b pass.json; } > ab.jsonl
expect_status 0 "$V" --policy p.json --bundle ab.jsonl fw.bin
expect_grep "fw.bin: policy MET: 2 trusted rebuilders reproduced it" "$T/out" "met"
expect_grep "counted    lab-a" "$T/out" "lab-a listed"
expect_status 0 "$V" --policy p.json --bundle ab.jsonl --json fw.bin
cp "$T/out" met.json
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" policy-result.schema.json met.json
expect_status 0 "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["met"] and d["counted"]==2 and {e["rebuilder"] for e in d["evidence"]}=={"lab-a","lab-b"}' met.json
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" policy.schema.json p.json
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" policy.schema.json "$VOUCH_SRCDIR/examples/policy.json"

# -- k-1 labs only
sign a pass.json > a.jsonl
expect_status 1 "$V" --policy p.json --bundle a.jsonl fw.bin
expect_grep "only 1 of the 2 required trusted rebuilders" "$T/out" "k-1 labs"

# -- one lab signing twice (one key signing twice in one envelope: test_policy)
{ sign a pass.json; sign a pass.json; } > aa.jsonl
expect_status 1 "$V" --policy p.json --bundle aa.jsonl fw.bin
expect_grep "only 1 of the 2" "$T/out" "one lab twice counts once"

# -- PASSED verdicts for another digest
{ sign a other.json; sign b other.json; } > other.jsonl
expect_status 1 "$V" --policy p.json --bundle other.jsonl fw.bin
expect_grep "only 0 of the 2" "$T/out" "another digest does not count"
expect_status 0 "$V" --policy p.json --bundle other.jsonl other.bin

# -- untrusted key: listed, ignored
{ sign a pass.json; sign x pass.json; } > ax.jsonl
expect_status 1 "$V" --policy p.json --bundle ax.jsonl fw.bin
expect_grep "ignored    untrusted key" "$T/out" "untrusted key listed"

# -- expired verdicts
policy old.json 2 ', "maxAgeSeconds": 86400'
expect_status 0 "$V" --policy old.json --bundle ab.jsonl fw.bin
expect_status 1 "$V" --policy old.json --bundle ab.jsonl --at 2099-01-01T00:00:00Z fw.bin
expect_grep "expired: verified" "$T/out" "expired verdict"
expect_status 2 "$V" --policy old.json --bundle ab.jsonl --at yesterday fw.bin

# -- a trusted FAILED verdict: lab c's rebuild differs from the shipped fw.bin
printf 'firmware 1.0, rebuilt differently\n' > c-rebuilt.bin
"$B/vouch-compare" --statement c-rebuilt.bin fw.bin > c-fail.json || true
sign c c-fail.json > c-fail.jsonl
cat ab.jsonl c-fail.jsonl > abc.jsonl
expect_status 1 "$V" --policy p.json --bundle abc.jsonl fw.bin
expect_grep "trusted rebuilder 'lab-c' reports FAILED" "$T/out" "FAILED fails the artifact"
expect_grep "conflict   lab-c" "$T/out" "conflict listed"
policy report.json 2 ', "onFailed": "report"'
expect_status 0 "$V" --policy report.json --bundle abc.jsonl fw.bin
expect_grep "conflict   lab-c" "$T/out" "conflict still listed with onFailed report"
sign a fail.json > a-evil.jsonl
expect_status 1 "$V" --policy p.json --bundle a-evil.jsonl evil.bin

# -- the log: labs a and b are logged, c is not
"$B/vouch-logd" -d log.d -k logkey.key -o test.vouch/log --init > verifier
start_logd() { # start_logd DIR NAME: sets LOGURL
	rm -f "$2.port"
	"$B/vouch-logd" -d "$1" -k logkey.key -o test.vouch/log -l 127.0.0.1:0 --max-wait 20 \
		--port-file "$2.port" >"$2.out" 2>"$2.err" &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$2.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$2.port" ] || { cat "$2.err" >&2; fail "vouch-logd did not start"; exit 1; }
	LOGURL="http://127.0.0.1:$(cat "$2.port")"
}
start_logd log.d real
URL=$LOGURL
VK=$(cat verifier)
sign c pass.json > c.jsonl
expect_status 0 "$B/vouch-log" -l "$URL" -K "$VK" submit ab.jsonl
policy logp.json 2 ", \"logs\": [{\"origin\": \"test.vouch/log\", \"verifierKey\": \"$VK\", \"url\": \"$URL\", \"inclusionRequired\": true}]"
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" policy.schema.json logp.json
# online: looked up by digest, every entry proved
expect_status 0 "$V" --policy logp.json --save-bundle saved.intoto.jsonl fw.bin
expect_grep "log test.vouch/log #0" "$T/out" "online evidence carries the log index"
expect_grep "log test.vouch/log #1" "$T/out" "both labs logged"
# vouch-log bundle: by digest and by index, the same offline evidence
FWSHA=$(sha256sum fw.bin | cut -c1-64)
expect_status 0 "$B/vouch-log" -l "$URL" -K "$VK" bundle -o logbundle.jsonl "$FWSHA"
expect_status 0 "$V" --policy logp.json --offline --bundle logbundle.jsonl fw.bin
expect_grep "policy MET" "$T/out" "vouch-log bundle by digest"
expect_status 0 "$B/vouch-log" -l "$URL" -K "$VK" bundle 1 0
sort "$T/out" > byindex.sorted
sort logbundle.jsonl > logbundle.sorted
expect_same logbundle.sorted byindex.sorted "bundle by index holds what the bundle by digest holds"
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/policy_bundle_check.py" logbundle.jsonl "$VK" lab-a.pub lab-b.pub
expect_status 2 "$B/vouch-log" -l "$URL" -K "$VK" bundle not-a-digest
expect_status 2 "$B/vouch-log" -l "$URL" -K "$VK" bundle 99
# a log whose checkpoint does not verify with the policy's key is trouble
"$B/vouch-keygen" -o wrong -n test.vouch/log > wrong.out
WRONGVK=$(grep '^test.vouch/log+' wrong.out)
policy wrongp.json 2 ", \"logs\": [{\"origin\": \"test.vouch/log\", \"verifierKey\": \"$WRONGVK\", \"url\": \"$URL\", \"inclusionRequired\": true}]"
expect_status 2 "$V" --policy wrongp.json fw.bin
expect_grep "log 'test.vouch/log'" "$T/err" "unverifiable log named"
# offline from the saved bundle, no network
expect_status 0 "$V" --policy logp.json --offline --bundle saved.intoto.jsonl fw.bin
expect_grep "policy MET" "$T/out" "offline bundle suffices"
# a valid verdict that is not in the log does not count
cat a.jsonl c.jsonl > ac.jsonl
expect_status 1 "$V" --policy logp.json --offline --bundle ac.jsonl fw.bin
expect_grep "no inclusion proof for log 'test.vouch/log', which the policy requires" "$T/out" "not logged"
# ... even next to a logged one
"$PY" - saved.intoto.jsonl > a-only.jsonl <<'PYEOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
# keep the first envelope and its proof only
env = [l for l in lines if "payload" in json.loads(l)]
keep = env[0]
import hashlib
h = hashlib.sha256(keep.encode()).hexdigest()
print(keep)
for l in lines:
    d = json.loads(l)
    if d.get("entry", {}).get("sha256") == h:
        print(l)
PYEOF
cat a-only.jsonl c.jsonl > ac-logged.jsonl
expect_status 1 "$V" --policy logp.json --offline --bundle ac-logged.jsonl fw.bin
expect_grep "only 1 of the 2" "$T/out" "one logged, one not"

# -- a truncated proof
"$PY" - saved.intoto.jsonl > truncated.jsonl <<'PYEOF'
import json, sys
for l in open(sys.argv[1]).read().splitlines():
    d = json.loads(l)
    if "tlogProof" in d:
        p = d["tlogProof"]
        d["tlogProof"] = p[: p.index("\nindex ") + 20]  # cut inside the path
        l = json.dumps(d, separators=(",", ":"))
    print(l)
PYEOF
expect_status 1 "$V" --policy logp.json --offline --bundle truncated.jsonl fw.bin
expect_grep "inclusion proof unreadable" "$T/out" "truncated proof reported"
"$PY" - saved.intoto.jsonl > shortpath.jsonl <<'PYEOF'
import json, sys
for l in open(sys.argv[1]).read().splitlines():
    d = json.loads(l)
    if "tlogProof" in d:
        head, note = d["tlogProof"].split("\n\n", 1)
        lines = head.split("\n")
        if len(lines) > 2:
            lines = lines[:-1]  # drop the last hash of the path
        d["tlogProof"] = "\n".join(lines) + "\n\n" + note
        l = json.dumps(d, separators=(",", ":"))
    print(l)
PYEOF
expect_status 1 "$V" --policy logp.json --offline --bundle shortpath.jsonl fw.bin
expect_grep "does not verify" "$T/out" "proof with a hash cut off"

# -- a log that rewrote history: a fake server with the log's key and origin
# holds another history of the same size
"$B/vouch-logd" -d fake.d -k logkey.key -o test.vouch/log --init > /dev/null
start_logd fake.d fake
FAKE=$LOGURL
cat a.jsonl c.jsonl > fake-entries.jsonl
expect_status 0 "$B/vouch-log" -l "$FAKE" -K "$VK" submit fake-entries.jsonl
policy fakep.json 2 ", \"logs\": [{\"origin\": \"test.vouch/log\", \"verifierKey\": \"$VK\", \"url\": \"$FAKE\", \"inclusionRequired\": true}]"
expect_status 0 "$V" --policy fakep.json --save-bundle fake.intoto.jsonl fw.bin
# the fake bundle against the real log: the same size, another root
expect_status 1 "$V" --policy logp.json --online --bundle fake.intoto.jsonl fw.bin
expect_grep "log 'test.vouch/log' rewrote history" "$T/out" "fork detected online"
expect_grep "FORK of log test.vouch/log at size 2" "$T/out" "both checkpoints shown"
"$B/vouch-log" -l "$URL" -K "$VK" checkpoint > real.checkpoint
expect_status 1 "$V" --policy logp.json --offline --checkpoint real.checkpoint --bundle fake.intoto.jsonl --json fw.bin
cp "$T/out" fork.json
expect_status 0 "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["met"] and len(d["forks"])==1 and d["forks"][0]["size"]==2' fork.json
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" policy-result.schema.json fork.json
# a fake history of another size: [c] against the real [a, b]; the bundle's
# checkpoint is proved inconsistent with the live log from its tiles
"$B/vouch-logd" -d fake1.d -k logkey.key -o test.vouch/log --init > /dev/null
start_logd fake1.d fake1
FAKE1=$LOGURL
expect_status 0 "$B/vouch-log" -l "$FAKE1" -K "$VK" submit c.jsonl
policy fake1p.json 1 ", \"logs\": [{\"origin\": \"test.vouch/log\", \"verifierKey\": \"$VK\", \"url\": \"$FAKE1\", \"inclusionRequired\": true}]"
expect_status 0 "$V" --policy fake1p.json --save-bundle fake1.intoto.jsonl fw.bin
expect_status 1 "$V" --policy logp.json --online --bundle fake1.intoto.jsonl fw.bin
expect_grep "its checkpoint of size 1 is not consistent with the one of size 2" "$T/out" "fork of another size detected online"
expect_status 1 "$V" --policy logp.json --online --bundle fake1.intoto.jsonl --json fw.bin
cp "$T/out" fork1.json
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" policy-result.schema.json fork1.json
# the genuine saved bundle is consistent with the live log
expect_status 0 "$V" --policy logp.json --online --bundle saved.intoto.jsonl fw.bin
# both bundles together, offline
expect_status 1 "$V" --policy logp.json --offline --bundle saved.intoto.jsonl --bundle fake.intoto.jsonl fw.bin
expect_grep "rewrote history" "$T/out" "fork between two bundles"

# -- other in-toto readers: envelope lines are plain envelopes, vouch lines are skipped
expect_status 0 "$PY" - saved.intoto.jsonl <<'PYEOF'
import base64, json, sys
n = 0
for l in open(sys.argv[1]).read().splitlines():
    d = json.loads(l)
    if "payload" in d:
        assert d["payloadType"] == "application/vnd.in-toto+json"
        json.loads(base64.b64decode(d["payload"]))
        n += 1
    else:
        assert "signatures" not in d and "payloadType" not in d
assert n == 2, n
PYEOF
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/policy_bundle_check.py" saved.intoto.jsonl "$VK" lab-a.pub lab-b.pub
expect_grep "2 envelopes, 2 inclusion proofs verified" "$T/out" "an independent verifier accepts the bundle"
expect_status 1 "$PY" "$VOUCH_SRCDIR/tests/cli/policy_bundle_check.py" shortpath.jsonl "$VK" lab-a.pub lab-b.pub
expect_status 0 "$V" -p lab-a.pub -p lab-b.pub saved.intoto.jsonl
expect_grep "skipped, not an envelope" "$T/err" "signature mode skips vouch lines"
expect_lines 2 "$T/out" "both statements verified in signature mode"
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" dsse-envelope.schema.json+payload ab.jsonl

# -- trouble and misuse: exit 2
expect_status 2 "$V" --policy p.json -p lab-a.pub fw.bin
expect_status 2 "$V" --bundle ab.jsonl fw.bin
expect_status 2 "$V" --policy p.json --bundle ab.jsonl
expect_status 2 "$V" --policy nonexistent.json --bundle ab.jsonl fw.bin
expect_status 2 "$V" --policy p.json --bundle ab.jsonl missing.bin
expect_status 2 "$V" --policy p.json --bundle missing.jsonl fw.bin
echo '{"vouchPolicy": 1, "rebuilders": [], "threshold": 1}' > bad.json
expect_status 2 "$V" --policy bad.json --bundle ab.jsonl fw.bin
expect_grep "policy 'bad.json'" "$T/err" "bad policy named"
policy priv.json 1
sed -i 's/lab-a.pub/lab-a.key/' priv.json
expect_status 2 "$V" --policy priv.json --bundle ab.jsonl fw.bin
expect_grep "private key" "$T/err" "private key refused as trust anchor"
# -- witnesses (issue 17): a log whose checkpoints two witnesses cosign
for w in w1 w2 w3; do "$B/vouch-keygen" -o "$w" -c "witness.test/$w" > "$w.ids"; done
WVK1=$(sed -n 2p w1.ids); WVK2=$(sed -n 2p w2.ids); WVK3=$(sed -n 2p w3.ids)
for w in w1 w2; do
	"$B/vouch-witness" -s "$w.state" -k "$w.key" -n "witness.test/$w" --log "$VK" \
		-l 127.0.0.1:0 --port-file "$w.port" 2>"$w.err" &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$w.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
done
printf '%s http://127.0.0.1:%s\n' "$WVK1" "$(cat w1.port)" "$WVK2" "$(cat w2.port)" > witnesses
"$B/vouch-logd" -d wlog.d -k logkey.key -o test.vouch/log --init > /dev/null
rm -f wlog.port
"$B/vouch-logd" -d wlog.d -k logkey.key -o test.vouch/log -l 127.0.0.1:0 --max-wait 20 \
	--witnesses witnesses --port-file wlog.port 2>wlog.err &
PIDS="$PIDS $!"
i=0
while [ ! -s wlog.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
WURL="http://127.0.0.1:$(cat wlog.port)"
expect_status 0 "$B/vouch-log" -l "$WURL" -K "$VK" submit ab.jsonl
policy wp.json 2 ", \"logs\": [{\"origin\": \"test.vouch/log\", \"verifierKey\": \"$VK\", \"url\": \"$WURL\", \"inclusionRequired\": true, \"witnesses\": [\"$WVK1\", \"$WVK2\", \"$WVK3\"], \"witnessQuorum\": 2}]"
expect_status 0 "$PY" "$VOUCH_SRCDIR/tests/cli/schema_check.py" policy.schema.json wp.json
# online: the log serves cosigned checkpoints, the policy is met
expect_status 0 "$V" --policy wp.json --save-bundle wsaved.intoto.jsonl fw.bin
expect_grep "policy MET" "$T/out" "witness policy met online"
# offline: the bundle carries the cosigned checkpoint
expect_status 0 "$V" --policy wp.json --offline --bundle wsaved.intoto.jsonl fw.bin
grep -q 'witness.test/w1' wsaved.intoto.jsonl && ok || fail "the bundle does not carry the cosignatures"
"$B/vouch-log" -l "$WURL" -K "$VK" bundle -o wlogbundle.jsonl "$FWSHA"
expect_status 0 "$V" --policy wp.json --offline --bundle wlogbundle.jsonl fw.bin
# three required, two cosigned: not met, and the reason says why
sed 's/"witnessQuorum": 2/"witnessQuorum": 3/' wp.json > wp3.json
expect_status 1 "$V" --policy wp3.json --offline --bundle wsaved.intoto.jsonl fw.bin
expect_grep "cosigned by 2 of the 3 witnesses, 3 required" "$T/out" "quorum reason"
# evidence from the log without witnesses (and the forked view) fails the witness policy
expect_status 1 "$V" --policy wp.json --offline --bundle saved.intoto.jsonl fw.bin
expect_grep "cosigned by 0 of the 3 witnesses, 2 required" "$T/out" "uncosigned evidence refused"
expect_status 1 "$V" --policy wp.json --offline --bundle fake.intoto.jsonl fw.bin
# bad witness members
policy wbad.json 2 ", \"logs\": [{\"origin\": \"test.vouch/log\", \"verifierKey\": \"$VK\", \"witnesses\": [\"$VK\"]}]"
expect_status 2 "$V" --policy wbad.json --bundle ab.jsonl fw.bin
expect_grep "witness" "$T/err" "a log key is not a witness key"
policy wbad2.json 2 ", \"logs\": [{\"origin\": \"test.vouch/log\", \"verifierKey\": \"$VK\", \"witnesses\": [\"$WVK1\"], \"witnessQuorum\": 2}]"
expect_status 2 "$V" --policy wbad2.json --bundle ab.jsonl fw.bin
expect_grep "witnessQuorum" "$T/err" "quorum above the witnesses"

# the log is gone: online lookup is trouble, offline still works
for p in $PIDS; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
PIDS=""
expect_status 2 "$V" --policy logp.json fw.bin
expect_status 0 "$V" --policy logp.json --offline --bundle saved.intoto.jsonl fw.bin

finish
