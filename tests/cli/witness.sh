#!/bin/sh
# vouch-witness (C2SP tlog-witness) on loopback: every status code of
# add-checkpoint, the compare-and-swap under concurrent requests, the state
# across SIGKILL (no rollback, no second cosignature for another tree of a
# recorded size), and interop both ways with tlog_witness_ref.py, an
# independent implementation written from the spec texts
# (python3-cryptography): its cosignatures verify in vouch-log and vouch's
# in it; vkeys agree.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
REF="python3 $VOUCH_SRCDIR/tests/cli/tlog_witness_ref.py"
command -v curl >/dev/null || { echo "curl is needed (.ci/packages)" >&2; exit 1; }

ORIGIN=example.com/vouch-witness-test
WNAME=witness.example/w1
PNAME=witness.example/py
"$B/vouch-keygen" -o "$T/log" -n "$ORIGIN" >"$T/log.ids"
"$B/vouch-keygen" -o "$T/w" -c "$WNAME" >"$T/w.ids"
"$B/vouch-keygen" -o "$T/p" -c "$PNAME" >"$T/p.ids"
"$B/vouch-keygen" -o "$T/other" >/dev/null
LOGVK=$(sed -n 2p "$T/log.ids")
WVK=$(sed -n 2p "$T/w.ids")
PVK=$(sed -n 2p "$T/p.ids")

# vkeys: vouch-keygen and the reference agree, for both key types
[ "$($REF vkey "$T/log.key" "$ORIGIN" 1)" = "$LOGVK" ] && ok || fail "note vkey differs"
[ "$($REF vkey "$T/w.key" "$WNAME" 4)" = "$WVK" ] && ok || fail "cosigner vkey differs"
expect_grep "^$WNAME+[0-9a-f]\{8\}+B" "$T/w.ids" "cosigner vkey has type 0x04"

start_witness() {
	rm -f "$T/w.port"
	"$B/vouch-witness" -s "$T/state" -k "$T/w.key" -n "$WNAME" --log "$LOGVK" \
		-l 127.0.0.1:0 --port-file "$T/w.port" "$@" 2>>"$T/w.err" &
	WPID=$!
	PIDS="$PIDS $WPID"
	i=0
	while [ ! -s "$T/w.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$T/w.port" ] || { cat "$T/w.err" >&2; fail "vouch-witness did not start"; exit 1; }
	WURL=http://127.0.0.1:$(cat "$T/w.port")/add-checkpoint
}
# post BODYFILE: the status; the answer in $T/body, its type in $T/type
post() {
	curl -s -o "$T/body" -w '%{http_code} %{content_type}' --max-time 10 \
		--data-binary @"$1" "$WURL" >"$T/st" || true
	cut -d' ' -f2- "$T/st" >"$T/type"
	cut -d' ' -f1 "$T/st"
}
# req NAME ARGS...: an add-checkpoint body from the reference log double
req() { n=$1; shift; $REF log "$T/log.key" "$ORIGIN" "$@" >"$T/$n.req"; }
note_of() { sed '1,/^$/d' "$T/$1.req"; }
expect_code() { # expect_code WANT GOT label
	[ "$1" = "$2" ] && ok || { fail "$3: status $2, expected $1"; sed 's/^/  body: /' "$T/body" >&2; }
}

start_witness

# ---- bad requests ----
$REF log "$T/log.key" example.com/not-witnessed 5 >"$T/unknown.req"
expect_code 404 "$(post "$T/unknown.req")" "unknown origin"
$REF log "$T/other.key" "$ORIGIN" 5 >"$T/forged.req"
expect_code 403 "$(post "$T/forged.req")" "checkpoint signed by another key"
printf 'old x\n\n' >"$T/bad.req"
expect_code 400 "$(post "$T/bad.req")" "malformed old line"
req r5 5
{ printf 'old 01\n'; sed 1d "$T/r5.req"; } >"$T/lead0.req"
expect_code 400 "$(post "$T/lead0.req")" "old size with a leading zero"
{ printf 'old 6\n'; sed 1d "$T/r5.req"; } >"$T/above.req"
expect_code 400 "$(post "$T/above.req")" "old size above the checkpoint's"
{ printf 'old 0\n'; i=0; while [ $i -lt 64 ]; do echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; i=$((i + 1)); done; sed 1d "$T/r5.req"; } >"$T/long.req"
expect_code 400 "$(post "$T/long.req")" "64 proof lines"
head -c 80000 /dev/zero | tr '\0' a >"$T/huge.req"
expect_code 413 "$(post "$T/huge.req")" "body over the limit"
expect_code 405 "$(curl -s -o "$T/body" -w '%{http_code}' "$WURL")" "GET add-checkpoint"
expect_code 404 "$(curl -s -o "$T/body" -w '%{http_code}' --data-binary x "${WURL%/add-checkpoint}/other")" "unknown path"

# ---- first contact, then growth with a consistency proof ----
expect_code 200 "$(post "$T/r5.req")" "first checkpoint"
expect_grep "^— $WNAME " "$T/body" "cosignature line"
expect_lines 1 "$T/body" "one cosignature line"
{ note_of r5; cat "$T/body"; } >"$T/cp5"
# C cosigned, the reference verifies
$REF verify "$LOGVK" 1 "$WVK" <"$T/cp5" >"$T/out" && ok || { fail "reference refuses vouch's cosignature"; cat "$T/out" >&2; }
# ... and so does vouch-log
expect_status 0 "$B/vouch-log" -K "$LOGVK" --witness "$WVK" verify-checkpoint "$T/cp5"
expect_grep "cosigned by at least 1 of 1" "$T/out" "verify-checkpoint"
req r8 8
expect_code 409 "$(post "$T/r8.req")" "stale old size"
expect_same /dev/stdin "$T/body" "409 body is the recorded size" <<EOF2
5
EOF2
expect_grep "text/x.tlog.size" "$T/type" "409 content type"
req r8 8 --old 5
expect_code 200 "$(post "$T/r8.req")" "5 -> 8 with a proof"
# the same again: equal sizes, equal roots
{ printf 'old 8\n\n'; note_of r8; } >"$T/same.req"
expect_code 200 "$(post "$T/same.req")" "8 -> 8, same root"
# a proof that does not verify
req r12 12 --old 8
awk 'NR==2{ $0 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } { print }' "$T/r12.req" >"$T/badproof.req"
expect_code 422 "$(post "$T/badproof.req")" "bad consistency proof"
# a tree that rewrote entry 3: its proof is of the forked tree
req fork12 12 --old 8 --fork 3
expect_code 422 "$(post "$T/fork12.req")" "forked history"
# another tree of the recorded size
req fork8 8 --old 8 --fork 7
expect_code 409 "$(post "$T/fork8.req")" "second tree of size 8"
expect_grep "different root" "$T/body" "fork at equal size message"
grep -q "two trees of size 8" "$T/w.err" && ok || fail "the fork is not logged"

# ---- compare-and-swap: 16 racing requests from old 8 to 12 or 16 ----
req r16 16 --old 8
i=0
RACE=""
while [ $i -lt 16 ]; do
	if [ $((i % 2)) -eq 0 ]; then f=r12; else f=r16; fi
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 --data-binary @"$T/$f.req" "$WURL" >"$T/race.$i" &
	RACE="$RACE $!"
	i=$((i + 1))
done
wait $RACE
n200=$(cat "$T"/race.* | grep -c '^200$' || true)
n409=$(cat "$T"/race.* | grep -c '^409$' || true)
[ "$n200" -eq 1 ] && [ "$n409" -eq 15 ] && ok || fail "race: $n200 x 200 and $n409 x 409, expected 1 and 15"
{ printf 'old 0\n\n'; note_of r5; } >"$T/probe.req"
expect_code 409 "$(post "$T/probe.req")" "probe"
RACED=$(cat "$T/body")
[ "$RACED" = 12 ] || [ "$RACED" = 16 ] && ok || fail "recorded size after the race: $RACED"

# ---- SIGKILL: the state survives, nothing rolls back ----
req r20 20 --old "$RACED"
expect_code 200 "$(post "$T/r20.req")" "$RACED -> 20"
kill -9 "$WPID"
wait "$WPID" 2>/dev/null || true
start_witness
expect_code 409 "$(post "$T/probe.req")" "probe after SIGKILL"
[ "$(cat "$T/body")" = 20 ] && ok || fail "after SIGKILL the witness records $(cat "$T/body"), not 20"
req fork20 20 --old 20 --fork 19
expect_code 409 "$(post "$T/fork20.req")" "another tree of size 20 after the restart"
{ printf 'old 20\n\n'; note_of r8; } >"$T/back.req"
expect_code 400 "$(post "$T/back.req")" "a smaller checkpoint"
# one witness per state directory
expect_status 2 "$B/vouch-witness" -s "$T/state" -k "$T/w.key" -n "$WNAME" --log "$LOGVK" -l 127.0.0.1:0
expect_grep "in use by another witness" "$T/err" "second witness on one state"

# ---- the reference cosigns, vouch verifies; quorum ----
$REF cosign "$T/p.key" "$PNAME" 1700000000 <"$T/cp5" >"$T/cp5b"
expect_status 0 "$B/vouch-log" -K "$LOGVK" --witness "$WVK" --witness "$PVK" --quorum 2 verify-checkpoint "$T/cp5b"
$REF verify "$LOGVK" 2 "$WVK" "$PVK" <"$T/cp5b" >"$T/out" && ok || fail "reference: quorum 2"
expect_status 1 "$B/vouch-log" -K "$LOGVK" --witness "$WVK" --witness "$PVK" verify-checkpoint "$T/cp5"
expect_grep "cosigned by 1 of the 2 witnesses, 2 required" "$T/err" "quorum message"
# a tampered cosignature by a known witness is refused by both
awk 'END { } { if (NR > 1) print prev; prev = $0 }
	END { c = substr(prev, length(prev) - 20, 1); r = (c == "A") ? "B" : "A"
	      print substr(prev, 1, length(prev) - 21) r substr(prev, length(prev) - 19) }' \
	"$T/cp5b" >"$T/cp5bad"
cmp -s "$T/cp5b" "$T/cp5bad" && fail "the tampering changed nothing"
expect_status 1 "$B/vouch-log" -K "$LOGVK" --witness "$PVK" --quorum 1 verify-checkpoint "$T/cp5bad"
expect_grep "cosignature by '$PNAME' does not verify" "$T/err" "tampered cosignature message"
! $REF verify "$LOGVK" 1 "$PVK" <"$T/cp5bad" >/dev/null 2>&1 && ok || fail "reference takes a tampered cosignature"
# bad command lines
expect_status 2 "$B/vouch-witness" -s "$T/state2" -k "$T/w.key" -n "$WNAME"
expect_grep "give the logs" "$T/err" "no logs"
expect_status 2 "$B/vouch-witness" -s "$T/state2" -k "$T/w.key" -n "$WNAME" --log "$WVK"
expect_grep "type 0x01" "$T/err" "a cosigner key is not a log key"
expect_status 2 "$B/vouch-log" -K "$LOGVK" --witness "$WVK" --quorum 2 verify-checkpoint "$T/cp5"

echo "witness: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
