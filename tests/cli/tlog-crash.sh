#!/bin/sh
# Crash test: concurrent submissions while vouch-logd is killed with SIGKILL
# at random moments, several times.  Afterwards every acknowledged entry is
# in the log at the index it was given, and every checkpoint ever served is
# consistent with the final one.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
PIDS=""
LOGD_PID=""
cleanup() {
	for p in $PIDS $LOGD_PID; do kill -9 "$p" 2>/dev/null || true; done
	for p in $PIDS $LOGD_PID; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

ORIGIN=example.com/vouch-crash-test
N=120        # envelopes
WORKERS=6
ROUNDS=4     # SIGKILLs

"$B/vouch-keygen" -o "$T/log" >/dev/null
"$B/vouch-keygen" -o "$T/sub" >/dev/null
"$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o "$ORIGIN" --init >"$T/verifier"
V=$(cat "$T/verifier")
mkdir -p "$T/env" "$T/ack" "$T/cps"
i=0
while [ $i -lt $N ]; do
	d=$(printf 'crash-%s' "$i" | sha256sum | cut -c1-64)
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"c%s","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/crash","predicate":{}}' \
		"$i" "$d" >"$T/st.json"
	"$B/vouch-attest" -k "$T/sub.key" "$T/st.json" >"$T/env/$i"
	i=$((i + 1))
done

start() {
	rm -f "$T/port"
	"$B/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o "$ORIGIN" -l 127.0.0.1:0 \
		--port-file "$T/port" --max-wait 20 2>>"$T/logd.err" &
	LOGD_PID=$!
	j=0
	while [ ! -s "$T/port" ] && [ $j -lt 100 ]; do sleep 0.1; j=$((j + 1)); done
	[ -s "$T/port" ] || { cat "$T/logd.err" >&2; fail "vouch-logd did not restart"; exit 1; }
	ok
}

# worker W submits envelopes W, W+WORKERS, ... retrying across crashes
worker() {
	w=$1
	k=$w
	while [ $k -lt $N ]; do
		a=0
		while [ $a -lt 40 ]; do
			port=$(cat "$T/port" 2>/dev/null || true)
			if [ -n "$port" ] &&
				"$B/vouch-log" -l "http://127.0.0.1:$port" -K "$V" -r 0 -t 5 \
					submit "$T/env/$k" >"$T/ack/$k.$a" 2>/dev/null; then
				break
			fi
			rm -f "$T/ack/$k.$a"
			a=$((a + 1))
			sleep 0.1
		done
		k=$((k + WORKERS))
	done
}

start
w=0
while [ $w -lt $WORKERS ]; do
	worker $w &
	PIDS="$PIDS $!"
	w=$((w + 1))
done
r=0
while [ $r -lt $ROUNDS ]; do
	# a random moment: 0.2 to 1.1 s
	ms=$(( ($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 900) + 200 ))
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	curl -s --max-time 2 "http://127.0.0.1:$(cat "$T/port")/checkpoint" >"$T/cps/fetched.$r" || true
	kill -9 "$LOGD_PID"
	wait "$LOGD_PID" 2>/dev/null || true
	start
	r=$((r + 1))
done
for p in $PIDS; do wait "$p" || true; done
PIDS=""
URL=http://127.0.0.1:$(cat "$T/port")

# every envelope was acknowledged at least once (workers retry across crashes)
acks=$(ls "$T/ack" | wc -l)
[ "$acks" -ge $N ] && ok || fail "only $acks acknowledgements for $N envelopes"

# every acknowledgement: the entry is at its index, the same index each time
i=0
bad=0
while [ $i -lt $N ]; do
	first=""
	for f in "$T/ack/$i".*; do
		[ -f "$f" ] || continue
		idx=$(sed -n 's/^{"index":\([0-9]*\),.*/\1/p' "$f")
		leaf=$(sed -n 's/.*"leaf_hash":"\([0-9a-f]*\)".*/\1/p' "$f")
		[ -n "$first" ] && [ "$first" != "$idx" ] && { fail "envelope $i acknowledged at $first and $idx"; bad=1; }
		first=$idx
		"$B/vouch-log" -l "$URL" -K "$V" get "$idx" >"$T/got" || { fail "get $idx"; bad=1; continue; }
		cmp -s "$T/got" "$T/env/$i" || { fail "entry $idx is not envelope $i"; bad=1; }
		got=$({ printf '\000'; printf '%s' "$(cat "$T/got")"; } | sha256sum | cut -c1-64)
		[ "$got" = "$leaf" ] || { fail "entry $idx leaf hash $got, acknowledged $leaf"; bad=1; }
		# the checkpoint in the answer was served: keep it
		python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["checkpoint"])' \
			"$f" >"$T/cps/ack.$i.${f##*.}"
	done
	i=$((i + 1))
done
[ $bad -eq 0 ] && ok

# every checkpoint ever served is consistent with the final one
"$B/vouch-log" -l "$URL" -K "$V" checkpoint >"$T/final" && ok || fail "final checkpoint"
checked=0
# one file per distinct checkpoint
(cd "$T/cps" && for c in *; do [ -s "$c" ] && echo "$(sha256sum <"$c" | cut -c1-64) $c"; done) |
	sort -u -k1,1 | cut -d' ' -f2 >"$T/distinct"
for c in $(cat "$T/distinct"); do
	cp "$T/cps/$c" "$T/state"
	if "$B/vouch-log" -l "$URL" -K "$V" monitor --state "$T/state" --once >/dev/null 2>"$T/err"; then
		checked=$((checked + 1))
	else
		fail "checkpoint $c is not consistent with the final one: $(cat "$T/err")"
	fi
done
[ $checked -gt $ROUNDS ] && ok || fail "only $checked checkpoints checked"
echo "checked $checked distinct served checkpoints; final size $(sed -n 2p "$T/final")"
kill "$LOGD_PID"
wait "$LOGD_PID" 2>/dev/null || true
LOGD_PID=""
finish
