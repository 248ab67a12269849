#!/bin/sh
# vouch-log mirror: follows a log into a tlog-tiles directory whose tiles
# are byte-identical to the log's and which nginx serves read-only to the
# other vouch-log commands; a log that shows a mirror another tree of the
# held size, or a tree of another history (a test double: a second
# vouch-logd with the same key and origin over other entries), stops the
# mirror, which keeps its last good state and writes a proof of
# misbehaviour (schemas/tlog-misbehaviour.schema.json) that
# vouch-log check-misbehaviour proves; a tampered proof proves nothing.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
command -v curl >/dev/null || { echo "curl is needed (.ci/packages)" >&2; exit 1; }
ORIGIN=example.com/vouch-mirror-test
"$B/vouch-keygen" -o "$T/log" -n "$ORIGIN" >"$T/log.ids"
LOGVK=$(sed -n 2p "$T/log.ids")
"$B/vouch-keygen" -o "$T/w" -c witness.example/w >"$T/w.ids"
WVK=$(sed -n 2p "$T/w.ids")

wait_file() { i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; [ -s "$1" ]; }
start_logd() { # DIR NAME -> URL_NAME
	"$B/vouch-logd" -d "$1" -k "$T/log.key" -o "$ORIGIN" --init >/dev/null 2>&1 || true
	"$B/vouch-logd" -d "$1" -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0 --max-wait 0 \
		--port-file "$T/$2.port" 2>>"$T/$2.err" &
	PIDS="$PIDS $!"
	wait_file "$T/$2.port" || { fail "vouch-logd $2 did not start"; exit 1; }
	eval "URL_$2=http://127.0.0.1:\$(cat \"\$T/$2.port\")"
}
envelope() { # N [variant]
	d=$(printf 'artifact-%s%s' "$1" "${2:-}" | sha256sum | cut -c1-64)
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a%s","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/test","predicate":{"n":%s}}' \
		"$1" "$d" "$1" >"$T/st.json"
	"$B/vouch-attest" -k "$T/log.key" "$T/st.json"
}
submit() { # URL FROM TO [variant]: entries FROM..TO-1, in order
	i=$2
	while [ "$i" -lt "$3" ]; do envelope "$i" "${4:-}"; i=$((i + 1)); done >"$T/sub.jsonl"
	"$B/vouch-log" -l "$1" -K "$LOGVK" submit "$T/sub.jsonl" >/dev/null
}
MIRROR() { # URL DIR
	u=$1; d=$2; shift 2
	"$B/vouch-log" -l "$u" -K "$LOGVK" -r 0 "$@" mirror --dir "$d" --once
}
same_tiles() { # LOGDIR MIRRORDIR: every tile the mirror holds equals the log's
	(cd "$2" && find tile -type f) | sort >"$T/mfiles"
	[ -s "$T/mfiles" ] || { fail "the mirror holds no tiles"; return; }
	bad=0
	while read -r f; do cmp -s "$1/$f" "$2/$f" || { bad=1; echo "  differs: $f" >&2; }; done <"$T/mfiles"
	[ $bad -eq 0 ] && ok || fail "mirror tiles differ from the log's"
}

start_logd "$T/a" A
submit "$URL_A" 0 5
# two mirrors at size 5 (one to see a fork of size 5, one a longer fork)
expect_status 0 MIRROR "$URL_A" "$T/m"
expect_grep "mirrored $ORIGIN at tree size 5" "$T/out" "first round"
cp -r "$T/m" "$T/m5"
cp -r "$T/m" "$T/m5b"
same_tiles "$T/a" "$T/m"
cmp -s "$T/a/checkpoint" "$T/m/checkpoint" && ok || fail "mirror checkpoint differs"
# nothing new: no output, still 0
expect_status 0 MIRROR "$URL_A" "$T/m"
expect_lines 0 "$T/out" "nothing new"
# across a tile boundary
submit "$URL_A" 5 300
expect_status 0 MIRROR "$URL_A" "$T/m"
expect_grep "at tree size 300" "$T/out" "second round"
same_tiles "$T/a" "$T/m"
[ -f "$T/m/tile/entries/000" ] && [ -f "$T/m/tile/0/000" ] && ok || fail "full tiles missing"
# nginx serves the mirror; the client commands verify it
start_nginx "$T/m"
MURL=http://127.0.0.1:$NPORT
expect_status 0 "$B/vouch-log" -l "$MURL" -K "$LOGVK" get 299
envelope 299 >"$T/e299"
expect_same "$T/e299" "$T/out" "entry 299 from the mirror"
expect_status 0 "$B/vouch-log" -l "$MURL" -K "$LOGVK" prove 17
expect_status 0 "$B/vouch-log" -l "$MURL" -K "$LOGVK" monitor --state "$T/mon" --once
expect_lines 300 "$T/out" "the monitor reads every entry from the mirror"
# a mirror of the mirror, which cosigns what it stored (tlog-mirror)
expect_status 0 MIRROR "$MURL" "$T/mm" --cosign-key "$T/w.key" --cosign-name witness.example/w
same_tiles "$T/a" "$T/mm"
expect_status 0 "$B/vouch-log" -K "$LOGVK" --witness "$WVK" verify-checkpoint "$T/mm/checkpoint"
submit "$URL_A" 300 302
expect_status 0 MIRROR "$URL_A" "$T/mm" --cosign-key "$T/w.key" --cosign-name witness.example/w
expect_status 0 "$B/vouch-log" -K "$LOGVK" --witness "$WVK" verify-checkpoint "$T/mm/checkpoint"
expect_grep "at tree size 302" "$T/out" "the cosigned mirror follows"
python3 "$VOUCH_SRCDIR/tests/cli/tlog_witness_ref.py" verify "$LOGVK" 1 "$WVK" <"$T/mm/checkpoint" >"$T/refout" &&
	ok || fail "the reference does not verify the mirror's cosignature"
expect_status 2 MIRROR "$URL_A" "$T/mm" --cosign-key "$T/w.key"

# ---- the same log key shows another tree of size 5 ----
start_logd "$T/b" B
submit "$URL_B" 0 4
submit "$URL_B" 4 5 forked
expect_status 1 MIRROR "$URL_B" "$T/m5"
expect_grep '"misbehaviour":"fork"' "$T/out" "fork proof on stdout"
expect_grep "misbehaved" "$T/err" "fork message"
expect_grep "^5$" "$T/m5/checkpoint" "the mirror keeps its last good checkpoint"
expect_status 0 python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" tlog-misbehaviour.schema.json "$T/m5/misbehaviour.json"
expect_status 0 "$B/vouch-log" -K "$LOGVK" check-misbehaviour "$T/m5/misbehaviour.json"
expect_grep "proved: the log signed two trees of size 5" "$T/out" "fork proved"
# stopped until the proof is moved away, also against the honest log
expect_status 1 MIRROR "$URL_A" "$T/m5"
expect_grep "stopped" "$T/err" "a stopped mirror says so"

# ---- another history, longer: the log's own account proves it ----
submit "$URL_B" 5 9 forked
expect_status 1 MIRROR "$URL_B" "$T/m5b"
expect_grep '"misbehaviour":"inconsistent"' "$T/m5b/misbehaviour.json" "inconsistent kind"
expect_status 0 python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" tlog-misbehaviour.schema.json "$T/m5b/misbehaviour.json"
expect_status 0 "$B/vouch-log" -K "$LOGVK" check-misbehaviour "$T/m5b/misbehaviour.json"
expect_grep "extends a tree of size 5 other than the one the log signed" "$T/out" "inconsistency proved"
# tampered: the honest old checkpoint replaced by B's own (consistent) view
python3 - "$T/m5b/misbehaviour.json" "$T/tampered.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
j["old_size_root"] = j["new_checkpoint"].split("\n")[2]
json.dump(j, open(sys.argv[2], "w"))
EOF
expect_status 1 "$B/vouch-log" -K "$LOGVK" check-misbehaviour "$T/tampered.json"
# a proof under another key proves nothing about this log
"$B/vouch-keygen" -o "$T/other" -n "$ORIGIN" >"$T/other.ids"
expect_status 2 "$B/vouch-log" -K "$(sed -n 2p "$T/other.ids")" check-misbehaviour "$T/m5/misbehaviour.json"
# the honest log is consistent with what the forked mirrors held: no proof there
expect_status 0 MIRROR "$URL_A" "$T/m"

# ---- witnesses required: an uncosigned checkpoint is not taken ----
expect_status 2 MIRROR "$URL_A" "$T/mw" --witness "$WVK"
expect_grep "not accepted" "$T/err" "uncosigned checkpoint refused"
[ ! -e "$T/mw/checkpoint" ] && ok || fail "the mirror took an uncosigned checkpoint"

echo "mirror: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
