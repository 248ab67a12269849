#!/bin/sh
# Issue 14, item 1: the chain rebuilt file -> provenance -> verdict must
# hold.  vouch-compare --statement --provenance refuses a provenance that
# does not name the rebuilt file's digest; vouch-verify --policy refuses a
# verdict whose linked provenance (carried in the evidence) does not name
# the verdict's rebuilt digests or was signed by another key, per lab.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
cd "$T"
for l in a b; do "$B/vouch-keygen" -o "lab-$l" >/dev/null; done
printf 'firmware 1.0\n' > fw.bin
cp fw.bin rebuilt.bin
printf 'something else\n' > other.bin
# provenance FILE SUBJECT: an unsigned SLSA provenance naming SUBJECT
provenance() {
	d=$(sha256sum "$2" | cut -c1-64)
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"%s","digest":{"sha256":"%s"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://example.com/b","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/lab"}}}}\n' \
		"$2" "$d" > "$1"
}
provenance prov-good.json rebuilt.bin
provenance prov-bad.json other.bin
"$B/vouch-attest" -k lab-a.key prov-good.json > prov-good.a.jsonl
"$B/vouch-attest" -k lab-a.key prov-bad.json > prov-bad.a.jsonl
"$B/vouch-attest" -k lab-b.key prov-good.json > prov-good.b.jsonl

# -- vouch-compare: only a provenance of the rebuilt file can be linked
expect_status 2 "$B/vouch-compare" --statement --provenance prov-bad.json rebuilt.bin fw.bin
expect_same /dev/null "$T/out" "no verdict for a foreign provenance"
d=$(sha256sum rebuilt.bin | cut -c1-16)
echo "vouch-compare: provenance 'prov-bad.json' does not name the rebuilt 'fw.bin' (sha256 $d...)" > want
expect_same want "$T/err" "one line naming the provenance and the artifact"
expect_status 2 "$B/vouch-compare" --statement --provenance prov-bad.a.jsonl rebuilt.bin fw.bin
expect_status 2 "$B/vouch-compare" --statement --provenance fw.bin rebuilt.bin fw.bin
expect_grep "not an in-toto statement" "$T/err" "provenance that is no statement"
expect_status 0 "$B/vouch-compare" --statement --provenance prov-good.json rebuilt.bin fw.bin
expect_status 0 "$B/vouch-compare" --statement --provenance prov-good.a.jsonl rebuilt.bin fw.bin
cp "$T/out" verdict.json

# -- the policy: a verdict linked to a provenance that does not hold
cat > p.json <<'P'
{"vouchPolicy": 1, "name": "t",
 "rebuilders": [{"name": "lab-a", "publicKey": "lab-a.pub"},
                {"name": "lab-b", "publicKey": "lab-b.pub"}],
 "threshold": 1}
P
# relink VERDICT PROVFILE: the verdict pointing at PROVFILE's digest, as a
# tampered or careless lab would make it (vouch-compare refuses to)
relink() {
	python3 - "$1" "$2" <<'PY'
import hashlib, json, sys
v = json.load(open(sys.argv[1]))
d = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
v["predicate"]["inputAttestations"] = [{"uri": "file:" + sys.argv[2], "digest": {"sha256": d}}]
print(json.dumps(v))
PY
}
relink verdict.json prov-bad.a.jsonl > v-bad.json
"$B/vouch-attest" -k lab-a.key v-bad.json > v-bad.a.jsonl
relink verdict.json prov-good.b.jsonl > v-otherkey.json
"$B/vouch-attest" -k lab-a.key v-otherkey.json > v-otherkey.a.jsonl
"$B/vouch-attest" -k lab-a.key verdict.json > v-good.a.jsonl

cat v-good.a.jsonl prov-good.a.jsonl > good.jsonl
expect_status 0 "$B/vouch-verify" --policy p.json --bundle good.jsonl fw.bin
expect_grep "policy MET" "$T/out" "a provenance of the rebuilt file, same key: met"

cat v-bad.a.jsonl prov-bad.a.jsonl > bad.jsonl
expect_status 1 "$B/vouch-verify" --policy p.json --bundle bad.jsonl fw.bin
expect_grep "policy NOT MET" "$T/out" "foreign provenance: not met"
expect_grep "^  rejected   lab-a  " "$T/out" "foreign provenance: lab-a rejected"
expect_grep "^  *its provenance 'file:prov-bad.a.jsonl' does not name the rebuilt 'fw.bin'\$" \
	"$T/out" "foreign provenance: the reason"

cat v-otherkey.a.jsonl prov-good.b.jsonl > otherkey.jsonl
expect_status 1 "$B/vouch-verify" --policy p.json --bundle otherkey.jsonl fw.bin
expect_grep "^  rejected   lab-a  " "$T/out" "provenance by another key: lab-a rejected"
expect_grep "^  *its provenance 'file:prov-good.b.jsonl' was signed by another key than the verdict\$" \
	"$T/out" "provenance by another key: the reason"

# the same verdicts as JSON say it per item too
expect_status 1 "$B/vouch-verify" --policy p.json --bundle bad.jsonl --json fw.bin
expect_grep '"reason":"its provenance' "$T/out" "JSON reason"
# when the evidence does not carry the provenance there is nothing to hold
expect_status 0 "$B/vouch-verify" --policy p.json --bundle v-bad.a.jsonl fw.bin
finish
