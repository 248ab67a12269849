#!/bin/sh
# vouch-attest: DSSE envelopes checked by an independent verifier
# (python3-cryptography with its own PAE), add-signature, encrypted keys,
# refusals, schemas, and legacy links accepted by Debian's in-toto-verify.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
. "$VOUCH_SRCDIR/tests/cli/attest_keys.sh"
A=$VOUCH_BIN/vouch-attest
S=$VOUCH_SRCDIR/tests/cli
cd "$T"

# Statements made by the library's builders.
expect_status 0 "$VOUCH_BUILDDIR/tests/cli/attest_emit"
head -n 1 "$T/out" > prov.json
sed -n 2p "$T/out" > vsa.json

# -- the vector statement signed with key A is byte-identical to dsse.json
expect_status 0 "$A" -k A.key vector-statement.json
cp "$T/out" vec.jsonl
expect_grep '"sig":"gBl+LHgRLYlYBO81oDMG1y3yWVI5tvqzrrpv2FqP35i0M6y5uDavc5Q2GjjbBXUMSPrWsH8kaITUO414rJXZBA=="' vec.jsonl "deterministic Ed25519 signature"
expect_grep '"keyid":"06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9"' vec.jsonl "keyid is SHA-256 of SPKI"
expect_lines 1 vec.jsonl "one envelope, one line"

# -- several keys, both algorithms, verified by python3-cryptography
expect_status 0 "$A" -k A.key -k E.key prov.json
cp "$T/out" bundle.jsonl
expect_status 0 "$A" -k B.key < vsa.json
cat "$T/out" >> bundle.jsonl
expect_status 0 "$PY" "$S/dsse_verify.py" vec.jsonl A.pub
expect_status 1 "$PY" "$S/dsse_verify.py" bundle.jsonl A.pub E.pub B.pub
expect_grep "envelope 1: 2 of 3 keys" "$T/out" "python verifies A and E on envelope 1"
expect_grep "envelope 2: 1 of 3 keys" "$T/out" "python verifies B on envelope 2"
head -n 1 bundle.jsonl > ae.jsonl
expect_status 0 "$PY" "$S/dsse_verify.py" ae.jsonl A.pub E.pub
expect_status 1 "$PY" "$S/dsse_verify.py" ae.jsonl B.pub

# -- add a signature without touching the payload
expect_status 0 "$A" -k B.key --add-signature vec.jsonl
cp "$T/out" vec2.jsonl
expect_status 0 "$PY" "$S/dsse_verify.py" vec2.jsonl A.pub B.pub
"$PY" -c 'import json,sys; a,b=[json.load(open(f)) for f in sys.argv[1:]]; sys.exit(not(a["payload"]==b["payload"] and a["payloadType"]==b["payloadType"] and b["signatures"][0]==a["signatures"][0] and len(b["signatures"])==2))' vec.jsonl vec2.jsonl && ok || fail "add-signature changed the payload or the first signature"
expect_status 0 "$A" -k E.key -a - < vec2.jsonl
expect_status 0 "$PY" "$S/dsse_verify.py" "$T/out" A.pub B.pub E.pub
expect_status 2 "$A" -k A.key -a vec2.jsonl
expect_grep "already carries a signature" "$T/err" "same key twice refused"

# -- encrypted keys
openssl pkey -in A.key -aes-256-cbc -passout pass:correct-horse -out Aenc.key 2>/dev/null
printf 'correct-horse\n' > pass
expect_status 0 "$A" -k Aenc.key --passphrase-file pass vector-statement.json
expect_same vec.jsonl "$T/out" "encrypted key signs the same"
expect_status 0 sh -c '"$1" -k Aenc.key --passphrase-fd 3 vector-statement.json 3<pass' sh "$A"
printf 'wrong\n' > badpass
expect_status 2 "$A" -k Aenc.key --passphrase-file badpass vector-statement.json
expect_grep "passphrase" "$T/err" "wrong passphrase reported"
expect_status 2 "$A" -k Aenc.key vector-statement.json
expect_grep "passphrase is needed" "$T/err" "missing passphrase reported"

# -- refusals: each is exit 2 with a message, nothing on stdout
H=a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447
P='{"_type":"https://in-toto.io/Statement/v1",'
Q=',"predicateType":"https://slsa.dev/provenance/v1"}'
refuse() {
	printf '%s' "$2" > bad.json
	expect_status 2 "$A" -k A.key bad.json
	expect_grep "$3" "$T/err" "refused: $1"
	[ -s "$T/out" ] && fail "refused $1 but wrote output" || ok
}
refuse "empty subject" "$P\"subject\":[]$Q" "subject' is empty"
refuse "uppercase hex" "$P\"subject\":[{\"digest\":{\"sha256\":\"$(echo $H | tr a-f A-F)\"}}]$Q" "lowercase hex"
refuse "short hex" "$P\"subject\":[{\"digest\":{\"sha256\":\"abcd\"}}]$Q" "64 lowercase hex"
refuse "md5" "$P\"subject\":[{\"digest\":{\"md5\":\"0123456789abcdef0123456789abcdef\",\"sha256\":\"$H\"}}]$Q" "'md5' is refused"
refuse "duplicate key" "$P\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}],\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}]$Q" "duplicate"
refuse "case-variant key" "$P\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}],\"Subject\":[]$Q" "differ only in case\|case"
refuse "missing predicateType" "$P\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}]}" "predicateType"
refuse "not JSON" "hello" "invalid JSON"
printf 'plain text' > plain.txt
expect_status 0 "$A" -k A.key -t text/plain plain.txt
expect_grep '"payloadType":"text/plain"' "$T/out" "-t signs other payloads"
cp "$T/out" plain.jsonl
expect_status 2 "$A" -k B.key -a plain.jsonl
expect_grep "confirm it with -t" "$T/err" "add-signature to non-statement needs -t"
expect_status 0 "$A" -k B.key -t text/plain -a plain.jsonl
expect_status 2 "$A" -k A.pub vector-statement.json
expect_grep "public key" "$T/err" "public key cannot sign"
expect_status 2 "$A" -k A.key --max-size 100 vector-statement.json
expect_grep "size limit" "$T/err" "input over the limit"
expect_status 2 "$A" -k A.key -k A.key vector-statement.json
expect_status 2 "$A" vector-statement.json
expect_status 2 "$A" -k A.key -n step vector-statement.json

# -- batch signing: many files, or JSON Lines, in one run
S1="$P\"subject\":[{\"name\":\"one\",\"digest\":{\"sha256\":\"$H\"}}]$Q"
S2="$P\"subject\":[{\"name\":\"two\",\"digest\":{\"sha256\":\"$H\"}}]$Q"
printf '%s' "$S1" > s1.json
printf '%s' "$S2" > s2.json
expect_status 0 "$A" -k A.key s1.json
cp "$T/out" one.jsonl
expect_status 0 "$A" -k A.key s2.json
cat one.jsonl "$T/out" > want12.jsonl
expect_status 0 "$A" -k A.key s1.json s2.json
expect_same want12.jsonl "$T/out" "two files: the two envelopes one run each would write"
printf '%s\n%s\n%s' "$S1" "$S2" "$S1" > three.jsonl  # the last line has no newline
cat want12.jsonl one.jsonl > want121.jsonl
expect_status 0 "$A" -k A.key -l three.jsonl
expect_same want121.jsonl "$T/out" "-l: one envelope per line, payload = the line"
expect_status 0 "$A" -k A.key -l - < three.jsonl
expect_same want121.jsonl "$T/out" "-l from stdin"
expect_status 0 "$A" -k A.key -k E.key -l three.jsonl s1.json
expect_lines 4 "$T/out" "-l with several inputs and keys"
cp "$T/out" ae4.jsonl
expect_status 0 "$PY" "$S/dsse_verify.py" ae4.jsonl A.pub E.pub
# a bad statement on line 3: named, exit 2; lines 1-2 were written, whole
printf '%s\n%s\n{"not":"a statement"}\n%s\n' "$S1" "$S2" "$S1" > bad3.jsonl
expect_status 2 "$A" -k A.key -l bad3.jsonl
expect_grep "^vouch-attest: line 3 of 'bad3.jsonl': not a valid in-toto statement" "$T/err" "bad line named"
expect_lines 1 "$T/err" "one line of error"
expect_same want12.jsonl "$T/out" "the envelopes before the bad line are written, complete"
# with -o nothing is written: the old file stays
printf 'old\n' > keep.jsonl
expect_status 2 "$A" -k A.key -l -o keep.jsonl bad3.jsonl
printf 'old\n' > old.txt
expect_same old.txt keep.jsonl "-o: a failed batch leaves the file as it was"
expect_status 0 "$A" -k A.key -l -o keep.jsonl three.jsonl
expect_same want121.jsonl keep.jsonl "-o: a good batch replaces the file"
expect_status 2 "$A" -k A.key s1.json bad.json s2.json
expect_grep "^vouch-attest: 'bad.json': not a valid in-toto statement" "$T/err" "bad file named"
expect_same one.jsonl "$T/out" "files before the bad one are written"
expect_status 2 "$A" -k A.key bad.json
expect_grep "^vouch-attest: 'bad.json': not a valid in-toto statement" "$T/err" "a single bad file is named too"
# a line over --max-size is named too, and an empty line is no statement
expect_status 2 "$A" -k A.key -l --max-size 200 three.jsonl
expect_grep "line 1 of 'three.jsonl': longer than the limit of 200 bytes" "$T/err" "long line named"
printf '%s\n\n' "$S1" > blank.jsonl
expect_status 2 "$A" -k A.key -l blank.jsonl
expect_grep "line 2 of 'blank.jsonl'" "$T/err" "empty line refused"
expect_status 2 "$A" -k A.key -l -a vec.jsonl
expect_status 2 "$A" -k A.key - -
expect_grep "only once" "$T/err" "stdin twice refused"

# -- every document vouch emits validates against its schema
cat vec.jsonl vec2.jsonl >> bundle.jsonl
expect_status 0 "$PY" "$S/schema_check.py" dsse-envelope.schema.json+payload bundle.jsonl
expect_grep "provenance/v1 predicate valid" "$T/out" "provenance predicate checked"
expect_grep "verification_summary/v1 predicate valid" "$T/out" "VSA predicate checked"
expect_status 0 "$PY" "$S/schema_check.py" statement-v1.schema.json prov.json vsa.json
# the schema is not vacuous: a statement with an uppercase digest fails it
printf '%s' "$P\"subject\":[{\"digest\":{\"sha256\":\"$(echo $H | tr a-f A-F)\"}}]$Q" > upper.json
expect_status 1 "$PY" "$S/schema_check.py" statement-v1.schema.json upper.json

# -- legacy in-toto links, verified by Debian's in-toto-verify (threshold 2)
printf 'hello\n' > hello
printf 'source\n' > src.tar
HH=$(sha256sum hello | cut -d' ' -f1)
printf '%s' "$P\"subject\":[{\"name\":\"hello\",\"digest\":{\"sha256\":\"$HH\"}}]$Q" > hello.json
printf '%s' "$P\"subject\":[{\"name\":\"hello\",\"digest\":{\"sha256\":\"$H\"}}]$Q" > other.json
mkdir links bad1 bad2
expect_status 0 "$PY" "$S/intoto_layout.py" "$T" A.pub B.pub
expect_status 0 "$A" -f link -n rebuild -k A.key -m src.tar -o links hello.json
expect_status 0 "$A" -f link -n rebuild -k B.key -m src.tar -o links hello.json
[ -f links/rebuild.01e8764e.link ] && [ -f links/rebuild.fbd39e23.link ] && ok || fail "link file names"
expect_status 0 "$PY" "$S/schema_check.py" intoto-link-v0.9.schema.json links/rebuild.01e8764e.link
expect_status 0 in-toto-verify -l root.layout -k owner.pub -t ed25519 --link-dir links
# one rebuilder reports a different product: the two links disagree
cp links/rebuild.01e8764e.link bad1/
expect_status 0 "$A" -f link -n rebuild -k B.key -m src.tar -o bad1 other.json
expect_status 1 in-toto-verify -l root.layout -k owner.pub -t ed25519 --link-dir bad1
expect_grep "different artifacts" "$T/err" "in-toto-verify sees the disagreement"
# one link's product altered after signing: its signature no longer holds
cp links/*.link bad2/
sed 's/"hello":{"sha256":"5/"hello":{"sha256":"0/' links/rebuild.fbd39e23.link > bad2/rebuild.fbd39e23.link
cmp -s links/rebuild.fbd39e23.link bad2/rebuild.fbd39e23.link && fail "sed did not alter the link" || ok
expect_status 1 in-toto-verify -l root.layout -k owner.pub -t ed25519 --link-dir bad2
# a link needs an Ed25519 key and named subjects
expect_status 2 "$A" -f link -n rebuild -k E.key hello.json
printf '%s' "$P\"subject\":[{\"digest\":{\"sha256\":\"$H\"}}]$Q" > noname.json
expect_status 2 "$A" -f link -n rebuild -k A.key -o x.link noname.json
expect_grep "needs a name" "$T/err" "link products need names"

finish
