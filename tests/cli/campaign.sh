#!/bin/sh
# vouch-campaign with the local executor: a campaign over the demo's hello
# with one item failing in each distinct way (not reproducible, build
# error, timeout, missing source, bad signature on the shipped artifact),
# one equivalent only after normalization and reproduced ones; the summary
# against its schema, the signed campaign statement against the log,
# idempotence (a second run skips what was logged), resuming a killed
# campaign (nothing done twice), bad campaign files.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
. "$VOUCH_SRCDIR/tests/cli/campaign_fixtures.sh"
C=$VOUCH_BIN/vouch-campaign

# fixtures failing in each way
python3 - "$F/shipped/hello" "$F/shipped/tampered" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
assert d.count(b"hello, world") == 1
open(sys.argv[2], "wb").write(d.replace(b"hello, world", b"hello, w0rld"))
PY
recipe broken 'r["steps"] = [["sh", "-c", "echo the compiler broke >&2; exit 3"]]'
recipe slow 'r["steps"] = [["sleep", "30"]]; r["limits"]["timeoutSeconds"] = 1'
recipe tar 'r["steps"] = [["sh", "-c", "tar --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --mode=0644 --format=ustar -cf /out/src.tar hello.c Makefile"]]; r["outputs"] = ["src.tar"]'
tar -C "$VOUCH_SRCDIR/examples/hello" --sort=name --mtime=@1700000099 --owner=0 --group=0 \
	--numeric-owner --mode=0644 --format=ustar -cf "$F/shipped/src.tar" hello.c Makefile
# the vendor signs what it ships (lab-b's test key stands for the vendor)
cp "$VOUCH_SRCDIR/examples/labs/lab-b.test.key" "$F/vendor.key"
cp "$VOUCH_SRCDIR/examples/labs/lab-b.test.pub" "$F/vendor.pub"
vendor_sign() { # FILE OUT
	"$VOUCH_BIN/vouch-hash" "$1" >"$T/subj.json"
	python3 - "$T/subj.json" "$T/stmt.json" <<'PY'
import json, sys
s = {"_type": "https://in-toto.io/Statement/v1", "subject": json.load(open(sys.argv[1])),
     "predicateType": "https://vouch.dev/test/shipped/v1", "predicate": {}}
json.dump(s, open(sys.argv[2], "w"))
PY
	"$VOUCH_BIN/vouch-attest" -k "$F/vendor.key" -o "$2" "$T/stmt.json"
}
vendor_sign "$F/shipped/hello" "$F/shipped/hello.intoto.jsonl"
vendor_sign "$F/shipped/tampered" "$F/shipped/tampered.intoto.jsonl"

items="[$(hello_item hello-1.0),
 $(hello_item hello-signed),
 $(hello_item hello-tampered shipped/tampered),
 $(hello_item hello-broken shipped/hello broken),
 $(hello_item hello-slow shipped/hello slow),
 {\"id\": \"hello-nosource\", \"recipe\": \"hello.json\", \"source\": \"gone-1.0.tar\", \"artifacts\": [{\"shipped\": \"shipped/hello\", \"output\": \"bin/hello\"}]},
 {\"id\": \"hello-badsig\", \"recipe\": \"hello.json\", \"source\": \"hello-1.0.tar\", \"artifacts\": [{\"shipped\": \"shipped/hello\", \"output\": \"bin/hello\"}], \"signature\": \"shipped/tampered.intoto.jsonl\", \"signer\": \"vendor.pub\"},
 {\"id\": \"src-tar\", \"recipe\": \"tar.json\", \"source\": \"hello-1.0.tar\", \"normalize\": \"mtime\", \"artifacts\": [{\"shipped\": \"shipped/src.tar\", \"output\": \"src.tar\"}]}]"
campaign_json "$items" '"executor": {"type": "local", "workers": 2},'
# hello-signed carries the vendor's good signature
python3 - "$F/campaign.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for i in c["items"]:
    if i["id"] == "hello-signed":
        i["signature"] = "shipped/hello.intoto.jsonl"; i["signer"] = "vendor.pub"
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY

# the campaign file (and the fuzz seeds) follow schemas/campaign.schema.json
python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" "$VOUCH_SRCDIR/schemas/campaign.schema.json" "$F/campaign.json" \
	"$VOUCH_SRCDIR"/tests/fuzz/seeds/campaign/*.json >"$T/schema.out" 2>&1 && ok ||
	fail "campaign files fail their schema: $(cat "$T/schema.out")"
expect_status 1 "$C" run -q "$F/campaign.json"
expect_grep '^run r1-[0-9TZ]*: 2 reproduced, 1 equivalent, 1 failed, 1 build-error, 1 timeout, 1 missing-source, 1 bad-signature (0 skipped' "$T/out" "first run: one verdict of each kind"
[ ! -s "$T/err" ] && ok || fail "-q run wrote to stderr: $(head -3 "$T/err")"
S=$F/out/summary.json
python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" "$VOUCH_SRCDIR/schemas/campaign-summary.schema.json" "$S" >"$T/schema.out" 2>&1 &&
	ok || fail "summary.json fails its schema: $(cat "$T/schema.out")"
# vouch-publish reads what vouch-campaign writes (its status site of this summary)
expect_status 0 "$VOUCH_BIN/vouch-publish" -q --html "$T/publish-site" "$S"
[ -f "$T/publish-site/index.html" ] && ok || fail "vouch-publish made no site of the summary"
python3 - "$S" "$F/out" "$URL" <<'PY' >"$T/check.out" 2>&1 && ok || fail "summary contents: $(cat "$T/check.out")"
import json, os, sys
s = json.load(open(sys.argv[1])); d = sys.argv[2]
it = {i["id"]: i for i in s["items"]}
want = {"hello-1.0": "reproduced", "hello-signed": "reproduced", "hello-tampered": "failed",
        "hello-broken": "build-error", "hello-slow": "timeout", "hello-nosource": "missing-source",
        "hello-badsig": "bad-signature", "src-tar": "equivalent"}
assert {k: v["verdict"] for k, v in it.items()} == want, {k: v["verdict"] for k, v in it.items()}
assert s["log"]["url"] == sys.argv[3] and s["lab"]["name"] == "lab-a"
assert s["counts"] == {"reproduced": 2, "equivalent": 1, "failed": 1, "build-error": 1, "timeout": 1,
                       "missing-source": 1, "bad-signature": 1}, s["counts"]
assert "ELF sections differ: .rodata" in it["hello-tampered"]["reason"], it["hello-tampered"]["reason"]
assert "the compiler broke" in it["hello-broken"]["reason"] or "status 3" in it["hello-broken"]["reason"], it["hello-broken"]["reason"]
assert "timeout" in it["hello-slow"]["reason"], it["hello-slow"]["reason"]
assert "gone-1.0.tar" in it["hello-nosource"]["reason"]
assert "signature" in it["hello-badsig"]["reason"]
assert it["src-tar"]["rules"] == ["mtime"], it["src-tar"]["rules"]
# signed, logged verdicts for the comparable ones only
for k in ("hello-1.0", "hello-signed", "hello-tampered", "src-tar"):
    i = it[k]
    assert i["log_entry"] and i["envelope"] and i["report_html"], k
    for p in (i["envelope"], i["report_html"], i["log_entry"]["proof"]):
        assert os.path.isfile(os.path.join(d, p)), p
    pr = json.load(open(os.path.join(d, i["log_entry"]["proof"])))
    assert pr["index"] == i["log_entry"]["index"], k
for k in ("hello-broken", "hello-slow", "hello-nosource", "hello-badsig"):
    assert it[k]["log_entry"] is None and it[k]["envelope"] is None, k
assert len(s["runs"]) == 1 and s["runs"][0]["finished"]
assert all(len(i["history"]) == 1 for i in s["items"])
assert it["hello-1.0"]["artifacts"][0]["name"] == "hello"
PY
# the verdict envelopes verify with the lab key and name the shipped file
env=$(python3 -c 'import json,sys; print([i for i in json.load(open(sys.argv[1]))["items"] if i["id"]=="hello-1.0"][0]["envelope"])' "$S")
expect_status 0 "$VOUCH_BIN/vouch-verify" -p "$F/lab.pub" -a "$F/shipped/hello" "$F/out/$env"
expect_grep '"verificationResult":"PASSED"' "$T/out" "hello's verdict is a signed PASSED"
# the campaign statement: signed by the lab, lists the items and their log
# indices, names summary.json by digest, and is itself in the log
expect_status 0 "$VOUCH_BIN/vouch-verify" -p "$F/lab.pub" -T https://vouch.dev/attestation/campaign/v1 \
	-a "$S" "$F/out/campaign.intoto.jsonl"
python3 - "$T/out" "$S" "$VOUCH_SRCDIR/schemas/vouch-campaign-v1.schema.json" <<'PY' >"$T/check.out" 2>&1 && ok || fail "campaign statement: $(cat "$T/check.out")"
import json, sys, jsonschema
st = json.loads(open(sys.argv[1]).readline()); s = json.load(open(sys.argv[2]))
p = st["predicate"]
jsonschema.Draft202012Validator(json.load(open(sys.argv[3]))).validate(p)
assert p["counts"] == s["counts"]
pi = {i["id"]: i for i in p["items"]}
for i in s["items"]:
    assert pi[i["id"]]["verdict"] == i["verdict"]
    assert pi[i["id"]]["log_index"] == (i["log_entry"]["index"] if i["log_entry"] else None)
PY
idx=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["index"])' "$F/out/campaign.proof.json")
expect_status 0 "$VOUCH_BIN/vouch-log" -l "$URL" -K "$VKEY" get "$idx"
cmp -s "$T/out" "$F/out/campaign.intoto.jsonl" && ok ||
	{ python3 -c 'import json,sys; a=json.loads(open(sys.argv[1]).read()); b=json.loads(open(sys.argv[2]).readline()); sys.exit(a.get("payload")!=b["payload"] if isinstance(a,dict) else 1)' "$T/out" "$F/out/campaign.intoto.jsonl" && ok ||
		fail "the log's entry $idx is not the campaign statement"; }
# each logged item verdict is the envelope the summary names
li=$(python3 -c 'import json,sys; print([i for i in json.load(open(sys.argv[1]))["items"] if i["id"]=="hello-tampered"][0]["log_entry"]["index"])' "$S")
expect_status 0 "$VOUCH_BIN/vouch-log" -l "$URL" -K "$VKEY" get "$li"
expect_grep "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["payload"][:60])' "$F/out/items/hello-tampered/"*/verdict.intoto.jsonl)" "$T/out" "the log holds hello-tampered's verdict at its index"

# idempotent: a second run skips the four logged verdicts, redoes the rest
expect_status 1 "$C" run -q "$F/campaign.json"
expect_grep '^run r2-[0-9TZ]*: 2 reproduced, 1 equivalent, 1 failed, 1 build-error, 1 timeout, 1 missing-source, 1 bad-signature (4 skipped' "$T/out" "second run skips what is logged"
n=$(grep -c '"ev":"done","run":"r2-' "$F/out/state/journal.jsonl" || true)
[ "$n" -eq 4 ] && ok || fail "second run did $n items (want 4: the unlogged ones)"
python3 - "$S" <<'PY' >"$T/check.out" 2>&1 && ok || fail "history after two runs: $(cat "$T/check.out")"
import json, sys
s = json.load(open(sys.argv[1])); it = {i["id"]: i for i in s["items"]}
assert len(s["runs"]) == 2
assert len(it["hello-1.0"]["history"]) == 1 and it["hello-1.0"]["run"].startswith("r1-")
assert len(it["hello-broken"]["history"]) == 2 and it["hello-broken"]["run"].startswith("r2-")
PY
# a changed input (a new shipped binary) is verified again
cp "$F/shipped/tampered" "$F/shipped/hello2"
cp "$F/shipped/hello" "$F/shipped/tampered"
expect_status 1 "$C" run -q "$F/campaign.json"
expect_grep '^run r3-[0-9TZ]*: 3 reproduced, 1 equivalent, 0 failed, 1 build-error, 1 timeout, 1 missing-source, 1 bad-signature (3 skipped' "$T/out" "a changed shipped file is verified again"

# resumable: kill the coordinator and its workers mid-run; the next run
# continues the same run and does nothing twice
items=""
for i in $(seq 1 8); do items="$items${items:+,}$(hello_item "h$i" shipped/hello slowok)"; done
recipe slowok 'r["steps"] = [["sh", "-c", "sleep 1"]] + r["steps"]'
campaign_json "[$items]" '"executor": {"type": "local", "workers": 2},'
"$C" run -q "$F/campaign.json" >"$T/kill.out" 2>&1 &
cpid=$!
i=0
while [ "$(grep -c '"ev":"done","run":"r4-' "$F/out/state/journal.jsonl" || true)" -lt 3 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
# kill the coordinator first (so it starts nothing more), then every
# process it had started, as a power cut would
tree() { echo "$1"; for c in $(ps -o pid= --ppid "$1"); do tree "$c"; done; }
pids=$(tree "$cpid")
for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
wait "$cpid" 2>/dev/null || true
before=$(grep -c '"ev":"done","run":"r4-' "$F/out/state/journal.jsonl" || true)
[ "$before" -ge 3 ] && [ "$before" -lt 8 ] && ok || fail "kill came at the wrong time ($before of 8 done)"
expect_status 0 "$C" run -q "$F/campaign.json"
grep -q '^run r4-[0-9TZ]* (resumed): 8 reproduced' "$T/out" && ok || {
	fail "the killed run is not resumed with 8 reproduced: $(cat "$T/out")"
	python3 -c 'import json,sys; [print(" ", i["id"], i["verdict"], i["reason"]) for i in json.load(open(sys.argv[1]))["items"] if i["verdict"] != "reproduced"]' "$F/out/summary.json" >&2
}
for i in $(seq 1 8); do
	n=$(grep -c "\"ev\":\"done\",\"run\":\"r4-[0-9TZ]*\",\"id\":\"h$i\"" "$F/out/state/journal.jsonl" || true)
	[ "$n" -eq 1 ] && ok || fail "h$i done $n times in the resumed run"
done
python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" "$VOUCH_SRCDIR/schemas/campaign-summary.schema.json" "$S" >"$T/schema.out" 2>&1 &&
	ok || fail "summary after resume fails its schema: $(cat "$T/schema.out")"

# a worker killed from outside is retried, never reproduced by itself
# (the local executor sees the signal); retries 0 reports a build-error
campaign_json "[$(hello_item k1 shipped/hello slowok | sed 's/}$/, "retries": 0}/')]" '"executor": {"type": "local"},'
"$C" run -q -o "$T/kout" "$F/campaign.json" >"$T/k.out" 2>&1 &
cpid=$!
i=0
while ! pgrep -f "vouch-campaign item -o $T/kout" >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
for p in $(pgrep -f "vouch-campaign item -o $T/kout"); do kill -9 "$p"; done
set +e; wait "$cpid"; rc=$?; set -e
[ "$rc" -eq 1 ] && ok || fail "a killed item's campaign exited $rc, not 1"
expect_grep '0 reproduced, 0 equivalent, 0 failed, 1 build-error' "$T/k.out" "killed worker: build-error"
grep -q 'was killed by signal 9; not retried' "$T/kout/summary.json" && ok || fail "the reason does not say the worker was killed"

# bad campaign files: one line naming the file, exit 2, nothing written
printf '{"vouchCampaign": 1, "name": "x", "lab": {"name": "l", "key": "k"}, "log": {"url": "u"}, "items": [{"id": "a b", "recipe": "r"}]}' >"$T/bad.json"
expect_status 2 "$C" run "$T/bad.json"
expect_grep "id 'a b' is not" "$T/err" "a bad id is refused"
printf '{"vouchCampaign": 1, "name": "x", "lab": {"name": "l", "key": "k"}, "log": {"url": "u"}, "items": [{"id": "a", "recipe": "r", "artifacts": [{"shipped": "s", "output": "o"}]}, {"id": "a", "recipe": "r", "artifacts": [{"shipped": "s", "output": "o"}]}]}' >"$T/dup.json"
expect_status 2 "$C" check "$T/dup.json"
expect_grep "id 'a' appears twice" "$T/err" "duplicate ids are refused"
[ ! -e "$T/out" ] || [ ! -d "$T/out" ] && ok || fail "a refused campaign wrote its output folder"
expect_status 2 "$C" run "$T/nonexistent.json"
expect_grep "nonexistent.json" "$T/err" "a missing campaign file is named"
finish
