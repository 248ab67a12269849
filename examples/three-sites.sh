#!/bin/sh
# Three sites, one truth: Brussels, Rome and Nanjing each run a lab that
# publishes verdicts to its own log (vouch-logd), a witness (vouch-witness)
# that cosigns all three logs, and mirrors (vouch-log mirror) of the two
# other sites' logs.  A log publishes a checkpoint once two of the three
# witnesses cosigned it, and mirrors take only such checkpoints, so no site
# can be shown a history the others did not see.
#
# Each site is a network namespace linked to a "wan" namespace, where a
# relay of our own (wanrelay.py: this kernel has no netem) delays every
# byte stream by the one-way delay of the link (Brussels-Rome 20 ms,
# Brussels/Rome-Nanjing 150 ms) and models 1% loss as retransmissions.
#
#   sudo examples/three-sites.sh     (needs root; tools from VOUCH_BIN or PATH)
#
# It shows, and checks: propagation from a lab's acknowledgement to
# "visible and verified at every other site" (p50/p99); Nanjing cut off
# and healed, catching up with nothing acknowledged lost; a witness killed
# with SIGKILL and restarted without rolling back; and a forked Rome log
# shown to Nanjing: refused by every witness, caught by Nanjing's mirror
# with a proof of misbehaviour, refused by a policy that needs cosignatures.
# Exit status 0 when every check held.  Everything it makes (namespaces
# named v3s<pid>*, processes, files) is removed at exit.
set -eu
LC_ALL=C
export LC_ALL
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${VOUCH_BIN:-$(dirname "$(command -v vouch-logd)")}
N1=${THREE_SITES_N:-8}          # verdicts per lab in the first round
[ "$(id -u)" -eq 0 ] || { echo "three-sites: needs root (network namespaces)" >&2; exit 2; }
command -v ip >/dev/null || { echo "three-sites: needs ip(8) (iproute2)" >&2; exit 2; }
command -v curl >/dev/null || { echo "three-sites: needs curl" >&2; exit 2; }

P=v3s$$
D=$(mktemp -d "${TMPDIR:-/tmp}/three-sites.XXXXXX")
chmod 755 "$D"
SITES="brussels rome nanjing"
PIDS=""
LABS=""
failed=0
cleanup() {
	for p in $PIDS $LABS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS $LABS; do wait "$p" 2>/dev/null || true; done
	for ns in "${P}brussels" "${P}rome" "${P}nanjing" "${P}wan"; do
		# anything still running in our namespaces was started here
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
check() { # check LABEL CMD...: run, report
	label=$1
	shift
	if "$@" >"$D/check.out" 2>&1; then
		say "  ok: $label"
	else
		say "  FAILED: $label"
		sed 's/^/    /' "$D/check.out" | head -n 8
		failed=$((failed + 1))
	fi
}
idx() { case $1 in brussels) echo 1 ;; rome) echo 2 ;; nanjing) echo 3 ;; esac; }
delay() { # one-way ms between two sites
	case "$1$2" in brusselsrome | romebrussels) echo 20 ;; *) echo 150 ;; esac
}
inns() { ns=$1; shift; ip netns exec "$P$ns" "$@"; }
local_url() { echo "http://10.17.$(idx "$1").1:$((8080 + $2))"; }  # site svc
remote_url() { echo "http://10.17.$(idx "$1").2:$((9000 + 10 * $(idx "$2") + $3))"; } # from to svc
until_ok() { # until_ok SECONDS CMD...: retry every 0.1 s
	end=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}
bg() { # bg LOGFILE SITE|- CMD...: start a service (in SITE's namespace), remember it
	log=$1
	ns=$2
	shift 2
	if [ "$ns" = - ]; then
		"$@" >>"$log" 2>&1 &
	else
		ip netns exec "$P$ns" "$@" >>"$log" 2>&1 &
	fi
	PIDS="$PIDS $!"
	LAST=$!
}

# ---- the network ----
say "== three sites: namespaces ${P}{brussels,rome,nanjing} joined through ${P}wan"
ip netns add "${P}wan"
ip -n "${P}wan" link set lo up
for s in $SITES; do
	i=$(idx "$s")
	ip netns add "$P$s"
	ip -n "$P$s" link set lo up
	ip link add "${P}$i" type veth peer name "${P}w$i"
	ip link set "${P}$i" netns "$P$s"
	ip link set "${P}w$i" netns "${P}wan"
	ip -n "$P$s" addr add "10.17.$i.1/24" dev "${P}$i"
	ip -n "${P}wan" addr add "10.17.$i.2/24" dev "${P}w$i"
	ip -n "$P$s" link set "${P}$i" up
	ip -n "${P}wan" link set "${P}w$i" up
	mkdir -p "$D/$s"
done
: >"$D/routes"
for a in $SITES; do
	for b in $SITES; do
		[ "$a" = "$b" ] && continue
		for svc in 0 1 2; do # log, witness, (a second server for the forked log)
			echo "10.17.$(idx "$a").2 $((9000 + 10 * $(idx "$b") + svc)) 10.17.$(idx "$b").1 $((8080 + svc)) $(delay "$a" "$b") 0.01" >>"$D/routes"
		done
	done
done
bg "$D/relay.log" wan python3 "$HERE/wanrelay.py" "$D/routes" "$D/relay.stats"
until_ok 10 test -s "$D/relay.stats.ready" || { say "the relay did not start"; cat "$D/relay.log"; exit 1; }

# ---- keys, witnesses, logs, mirrors ----
for s in $SITES; do
	"$BIN/vouch-keygen" -o "$D/$s/log" -n "log.$s.example" >"$D/$s/log.ids"
	"$BIN/vouch-keygen" -o "$D/$s/w" -c "witness.$s.example" >"$D/$s/w.ids"
	"$BIN/vouch-keygen" -o "$D/$s/lab" >/dev/null
	eval "VK_$s=\$(sed -n 2p \"\$D/\$s/log.ids\")"
	eval "WVK_$s=\$(sed -n 2p \"\$D/\$s/w.ids\")"
	"$BIN/vouch-logd" -d "$D/$s/log" -k "$D/$s/log.key" -o "log.$s.example" --init >/dev/null
done
vk() { eval "echo \"\$VK_$1\""; }
wvk() { eval "echo \"\$WVK_$1\""; }
WITNESSES="--witness $WVK_brussels --witness $WVK_rome --witness $WVK_nanjing --quorum 2"
start_witness() { # site
	bg "$D/$1/witness.log" "$1" "$BIN/vouch-witness" -s "$D/$1/wstate" -k "$D/$1/w.key" \
		-n "witness.$1.example" --log "$VK_brussels" --log "$VK_rome" --log "$VK_nanjing" \
		-l "10.17.$(idx "$1").1:8081"
	eval "WPID_$1=\$LAST"
	until_ok 10 inns "$1" curl -s -o /dev/null "$(local_url "$1" 1)/add-checkpoint"
}
for s in $SITES; do
	start_witness "$s"
	: >"$D/$s/witnesses"
	for t in $SITES; do
		if [ "$t" = "$s" ]; then u=$(local_url "$s" 1); else u=$(remote_url "$s" "$t" 1); fi
		echo "$(wvk "$t") $u" >>"$D/$s/witnesses"
	done
	bg "$D/$s/logd.log" "$s" "$BIN/vouch-logd" -d "$D/$s/log" -k "$D/$s/log.key" \
		-o "log.$s.example" -l "10.17.$(idx "$s").1:8080" --max-wait 5 \
		--witnesses "$D/$s/witnesses" --quorum 2 --witness-timeout 3 --witness-wait 5000
	until_ok 10 inns "$s" curl -s -o /dev/null "$(local_url "$s" 0)/tile/0/000"
done
start_mirror() { # at of
	bg "$D/$1/mirror-$2.log" "$1" "$BIN/vouch-log" -l "$(remote_url "$1" "$2" 0)" \
		-K "$(vk "$2")" $WITNESSES -t 10 -r 0 mirror --dir "$D/$1/mirror-$2" --poll-ms 50
	eval "MPID_$1_$2=\$LAST"
}
MDIRS=""
for s in $SITES; do
	for t in $SITES; do
		[ "$s" = "$t" ] && continue
		start_mirror "$s" "$t"
		MDIRS="$MDIRS $D/$s/mirror-$t"
	done
done
bg "$D/watch.log" - python3 "$HERE/propagation.py" watch "$D/visible" $MDIRS
WATCH_PID=$LAST

# ---- labs publish ----
publish() { # site n tag: n verdicts, acknowledgements to $D/acks
	s=$1
	k=0
	while [ $k -lt "$2" ]; do
		d=$(printf '%s-%s-%s' "$s" "$3" "$k" | sha256sum | cut -c1-64)
		printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"firmware-%s.bin","digest":{"sha256":"%s"}}],"predicateType":"https://vouch.example/verdict/v1","predicate":{"lab":"%s","reproduced":true}}' \
			"$k" "$d" "$s" >"$D/$s/st.json"
		"$BIN/vouch-attest" -k "$D/$s/lab.key" "$D/$s/st.json" >"$D/$s/env.json"
		if inns "$s" "$BIN/vouch-log" -l "$(local_url "$s" 0)" -K "$(vk "$s")" -t 30 \
			submit "$D/$s/env.json" >"$D/$s/ack.json" 2>>"$D/$s/submit.err"; then
			i=$(sed -n 's/^{"index":\([0-9]*\),.*/\1/p' "$D/$s/ack.json")
			echo "$s $i $(date +%s%N)" >>"$D/acks"
			echo "$s $i" >>"$D/acked"
		else
			echo "$s" >>"$D/nacked"
		fi
		k=$((k + 1))
	done
}
log_size() { sed -n 2p "$D/$1/log/checkpoint"; }
mirror_size() { sed -n 2p "$D/$1/mirror-$2/checkpoint" 2>/dev/null || echo 0; }
all_mirrored() { # every mirror holds its log's full tree
	for s in $SITES; do
		for t in $SITES; do
			[ "$s" = "$t" ] && continue
			[ "$(mirror_size "$s" "$t")" = "$(log_size "$t")" ] || return 1
		done
	done
}

say "== round 1: every lab publishes $N1 verdicts"
: >"$D/acks"
: >"$D/acked"
t0=$(date +%s)
LABS=""
for s in $SITES; do publish "$s" "$N1" r1 & LABS="$LABS $!"; done
wait $LABS || true
check "every verdict acknowledged ($((3 * N1)))" test "$(wc -l <"$D/acked")" -eq $((3 * N1))
check "every site's mirrors hold every entry (within 60 s)" until_ok 60 all_mirrored
sleep 0.2
kill "$WATCH_PID"
python3 "$HERE/propagation.py" report "$D/acks" "$D/visible" | tee "$D/prop1"
check "propagation measured for every entry" grep -q "^propagation over $((3 * N1)) entries" "$D/prop1"
say "  (round 1 took $(($(date +%s) - t0)) s)"

say "== round 2: Nanjing is cut off while Brussels and Rome publish, then healed"
ip -n "${P}wan" link set "${P}w3" down
SIZE_N=$(mirror_size brussels nanjing)
: >"$D/acks"
publish brussels 4 r2 & LABS=$!
publish rome 4 r2 & LABS="$LABS $!"
publish nanjing 2 r2 & LABS="$LABS $!"
wait $LABS || true
check "Brussels mirrors Rome during the cut" until_ok 30 test "$(mirror_size brussels rome)" = "$(log_size rome)"
check "Rome mirrors Brussels during the cut" until_ok 30 test "$(mirror_size rome brussels)" = "$(log_size brussels)"
check "Nanjing's log kept sequencing while cut off" test "$(log_size nanjing)" -gt "$SIZE_N"
check "Nanjing's entries are not (yet) cosigned elsewhere" test "$(mirror_size brussels nanjing)" = "$SIZE_N"
ip -n "${P}wan" link set "${P}w3" up
check "after healing every mirror catches up (within 90 s)" until_ok 90 all_mirrored

say "== round 3: Brussels's witness is killed with SIGKILL and restarted"
probe() { # probe FROMSITE WITNESSURL LOG: the size the witness holds for LOG
	printf 'old 0\n\n' >"$D/probe.req"
	cat "$D/$3/log/checkpoint" >>"$D/probe.req"
	inns "$1" curl -s --max-time 10 --data-binary @"$D/probe.req" "$2/add-checkpoint"
}
publish brussels 3 r3 &
LABS=$!
sleep 0.3
for t in $SITES; do eval "B4_$t=\$(probe brussels \"\$(local_url brussels 1)\" $t)"; done
kill -9 "$WPID_brussels"
wait "$WPID_brussels" 2>/dev/null || true
start_witness brussels
wait $LABS || true
for t in $SITES; do
	after=$(probe brussels "$(local_url brussels 1)" "$t")
	eval "before=\$B4_$t"
	check "witness record of log.$t.example after SIGKILL: $after >= $before" test "${after:-0}" -ge "${before:-0}"
done
check "all mirrors hold every entry after the restart (within 60 s)" until_ok 60 all_mirrored
# nothing acknowledged is lost anywhere: every mirror's tiles are the log's
same_tiles() {
	(cd "$D/$1/mirror-$2" && find tile -type f) | while read -r f; do
		cmp -s "$D/$2/log/$f" "$D/$1/mirror-$2/$f" || { echo "differs: $1 mirror of $2: $f"; exit 1; }
	done
}
for s in $SITES; do for t in $SITES; do
	[ "$s" = "$t" ] && continue
	check "$s's mirror of $t: tiles identical to the log's" same_tiles "$s" "$t"
	check "$s's mirror of $t: no misbehaviour" test ! -e "$D/$s/mirror-$t/misbehaviour.json"
done; done
check "nothing acknowledged was lost" awk -v d="$D" '
	{ f = d "/" $1 "/log/checkpoint"; getline l < f; getline n < f; close(f); if ($2 >= n) exit 1 }' "$D/acked"

say "== round 4: a forked Rome log is shown to Nanjing"
kill "$(eval echo "\$MPID_nanjing_rome")" 2>/dev/null || true
"$BIN/vouch-logd" -d "$D/rome/evil" -k "$D/rome/log.key" -o log.rome.example --init >/dev/null
bg "$D/rome/evil.log" rome "$BIN/vouch-logd" -d "$D/rome/evil" -k "$D/rome/log.key" \
	-o log.rome.example -l 10.17.2.1:8082 --max-wait 5
until_ok 10 inns rome curl -s -o /dev/null http://10.17.2.1:8082/checkpoint
RSIZE=$(log_size rome)
k=0
while [ $k -lt "$RSIZE" ]; do
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"forged-%s","digest":{"sha256":"%s"}}],"predicateType":"https://vouch.example/verdict/v1","predicate":{"lab":"rome","reproduced":true}}' \
		"$k" "$(printf 'forged-%s' "$k" | sha256sum | cut -c1-64)" >"$D/rome/st.json"
	"$BIN/vouch-attest" -k "$D/rome/lab.key" "$D/rome/st.json"
	k=$((k + 1))
done >"$D/rome/forged.jsonl"
inns rome "$BIN/vouch-log" -l http://10.17.2.1:8082 -K "$VK_rome" submit "$D/rome/forged.jsonl" >/dev/null
cp "$D/rome/evil/checkpoint" "$D/evil.cp"
check "the forked log signed a tree of Rome's size ($RSIZE)" test "$(sed -n 2p "$D/evil.cp")" = "$RSIZE"
{ printf 'old %s\n\n' "$RSIZE"; cat "$D/evil.cp"; } >"$D/evil.req"
for t in $SITES; do
	if [ "$t" = rome ]; then u=$(local_url rome 1); else u=$(remote_url rome "$t" 1); fi
	code=$(inns rome curl -s -o "$D/evil.ans" -w '%{http_code}' --max-time 10 --data-binary @"$D/evil.req" "$u/add-checkpoint" || true)
	check "witness.$t.example refuses the forked checkpoint (409, got $code)" test "$code" = 409
done
EVIL_URL=$(remote_url nanjing rome 2)
check "Nanjing's mirror will not take an uncosigned checkpoint" inns nanjing sh -c \
	'! "$0/vouch-log" -l "$1" -K "$2" $3 -r 0 mirror --dir "$4" --once' \
	"$BIN" "$EVIL_URL" "$VK_rome" "$WITNESSES" "$D/nanjing/mirror-rome"
set +e
inns nanjing "$BIN/vouch-log" -l "$EVIL_URL" -K "$VK_rome" -r 0 mirror --dir "$D/nanjing/mirror-rome" --once >"$D/fork.out" 2>"$D/fork.err"
rc=$?
set -e
check "Nanjing's mirror (looking without witnesses) detects the fork (exit 1, got $rc)" test "$rc" -eq 1
check "and writes a proof of misbehaviour" grep -q '"misbehaviour":"fork"' "$D/nanjing/mirror-rome/misbehaviour.json"
check "vouch-log check-misbehaviour proves it" "$BIN/vouch-log" -K "$VK_rome" check-misbehaviour "$D/nanjing/mirror-rome/misbehaviour.json"
check "the mirror kept its last good state" test "$(mirror_size nanjing rome)" = "$RSIZE"
set +e
"$BIN/vouch-log" -K "$VK_rome" $WITNESSES verify-checkpoint "$D/evil.cp" >"$D/pol.out" 2>&1
rc=$?
set -e
check "an operator's witness policy refuses the forked view (exit 1)" test "$rc" -eq 1
check "with a clear reason" grep -q "cosigned by 0 of the 3 witnesses, 2 required" "$D/pol.out"
sed 's/^/  policy: /' "$D/pol.out"

BYTES=$(cat "$D/relay.stats")
say "== wide-area traffic relayed: $BYTES bytes"
check "traffic bounded (< 64 MiB)" test "$BYTES" -lt 67108864
if [ "$failed" -eq 0 ]; then say "three sites: every check held"; else say "three sites: $failed checks FAILED"; fi
[ "$failed" -eq 0 ]
