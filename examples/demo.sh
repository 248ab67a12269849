#!/bin/sh
# demo.sh - the vouch story end to end, on this machine, in a temporary
# directory that is removed at the end:
#
#   1. a local transparency log (vouch-logd on loopback);
#   2. the vendor makes a source release of examples/hello (reproducibly,
#      from the files in the repository), builds it and ships the binary;
#   3. three labs each rebuild it in the sandbox, compare with what was
#      shipped, sign PASSED verdicts and publish them to the log;
#   4. the operator checks the log and verifies the shipped binary against
#      a policy requiring 2 of the 3 labs: met; then again air-gapped, from
#      an offline evidence bundle;
#   5. a tampered binary (one changed string, as a backdoor would be) is
#      shipped instead; the labs rebuild and compare, publish FAILED
#      verdicts, and the operator's verification fails, naming the reason
#      and the differing section;
#   6. the operator's monitor proves the log consistent from start to end.
#
#   examples/demo.sh [--hermetic] [--keep]
#
# The tools must be on PATH (examples/quickstart.sh builds them and runs
# this).  --hermetic builds in the Debian 12 environment that
# examples/make-debian-env.sh makes (debootstrap; slow the first time)
# instead of the host.  --keep leaves the directory for inspection.
#
# The keys under examples/labs/ are TEST keys committed to the repository
# for this demo only; never trust them for anything real.
set -eu
LC_ALL=C
export LC_ALL
ex=$(cd "$(dirname "$0")" && pwd)
hermetic=0 keep=0
for a in "$@"; do
	case $a in
	--hermetic) hermetic=1 ;;
	--keep) keep=1 ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown argument '$a'" >&2; exit 2 ;;
	esac
done
for t in vouch-keygen vouch-rebuild vouch-compare vouch-attest vouch-verify vouch-log vouch-logd; do
	command -v "$t" >/dev/null || { echo "demo.sh: $t is not on PATH (build vouch first)" >&2; exit 2; }
done

D=$(mktemp -d "${TMPDIR:-/tmp}/vouch-demo.XXXXXX")
LOGD=
cleanup() {
	[ -z "$LOGD" ] || { kill "$LOGD" 2>/dev/null || true; wait "$LOGD" 2>/dev/null || true; }
	if [ "$keep" -eq 1 ]; then echo "(kept $D)"; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$D"

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
indent() { sed 's/^/   | /'; }

recipe=$ex/hello/recipe-host.json
envopt=
if [ "$hermetic" -eq 1 ]; then
	# The environment tarball: $VOUCH_DEBIAN_ENV, or built once into the cache.
	envtar=${VOUCH_DEBIAN_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/vouch/debian12-build-env.tar}
	if [ ! -s "$envtar" ]; then
		mkdir -p "$(dirname "$envtar")"
		say "building the Debian 12 build environment (debootstrap, once)..."
		"$ex/make-debian-env.sh" "$envtar.new" >/dev/null && mv "$envtar.new" "$envtar"
	fi
	envdigest=$(sha256sum "$envtar" | cut -c1-64)
	pinned=$(sed -n 's/.*"sha256": *"\([0-9a-f]\{64\}\)".*/\1/p' "$ex/hello/recipe-debian.json" | tail -n 1)
	recipe=$D/recipe-debian.json
	# A vendor publishes the environment and its digest; every lab pins it.
	# Debian's archive moves on, so an environment built today may differ from
	# the one recipe-debian.json pins: the demo then pins the one it has.
	sed "s/$pinned/$envdigest/" "$ex/hello/recipe-debian.json" > "$recipe"
	envopt="-e $envtar"
fi

ORIGIN=demo.vouch.dev/log
LABS="a b c"

step "1. the transparency log"
vouch-logd -d log.d -k "$ex/labs/demo-log.test.key" -o "$ORIGIN" --init > log.verifier
VK=$(cat log.verifier)
vouch-logd -d log.d -k "$ex/labs/demo-log.test.key" -o "$ORIGIN" -l 127.0.0.1:0 \
	--max-wait 20 --port-file log.port > logd.out 2> logd.err &
LOGD=$!
i=0
while [ ! -s log.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s log.port ] || { cat logd.err >&2; echo "demo.sh: vouch-logd did not start" >&2; exit 2; }
URL=http://127.0.0.1:$(cat log.port)
say "vouch-logd serves $ORIGIN at $URL (verifier key $VK)"
# the operator's policy: examples/policy.json plus where the log answers
sed "s|\"inclusionRequired\": true|\"url\": \"$URL\", \"inclusionRequired\": true|; s|\"labs/|\"$ex/labs/|g" \
	"$ex/policy.json" > policy.json
grep -q "\"url\": \"$URL\"" policy.json || { echo "demo.sh: could not adapt policy.json" >&2; exit 2; }
# the operator starts watching the log now
vouch-log -l "$URL" -K "$VK" monitor --once --state operator.state > /dev/null
say "the operator's monitor holds checkpoint size $(sed -n 2p operator.state)"

step "2. the vendor releases hello 1.0 and ships the binary"
# a reproducible source archive from the files in the repository
tar -C "$ex/hello" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
	--format=ustar -cf hello-1.0.tar hello.c Makefile
say "source release hello-1.0.tar  sha256 $(sha256sum hello-1.0.tar | cut -c1-16)..."
# shellcheck disable=SC2086
vouch-rebuild -r "$recipe" -s hello-1.0.tar $envopt -o vendor > /dev/null
mkdir shipped
cp vendor/bin/hello shipped/hello
say "shipped: hello  sha256 $(sha256sum shipped/hello | cut -c1-16)...  ($(./shipped/hello))"

lab_round() { # lab_round ROUND SHIPPED
	for l in $LABS; do
		set +e
		# shellcheck disable=SC2086
		"$ex/lab.sh" -n "lab-$l" -k "$ex/labs/lab-$l.test.key" -r "$recipe" -s hello-1.0.tar \
			$envopt -a "$2" -p bin/hello -o "$1-lab-$l" -l "$URL" -K "$VK"
		rc=$?
		set -e
		[ "$rc" -le 1 ] || { echo "demo.sh: lab-$l failed" >&2; exit 2; }
		idx=$(sed -n 's/.*"index":\([0-9]*\).*/\1/p' "$1-lab-$l/submitted.jsonl" | tr '\n' ' ')
		# shellcheck disable=SC2086 # the indices, one word each
		set -- "$1" "$2" $idx
		if [ "$rc" -eq 0 ]; then v=PASSED; else v=FAILED; fi
		say "lab-$l: rebuilt in the sandbox, $(head -1 "$1-lab-$l/report.txt" | cut -d' ' -f2) to the shipped one; signed and logged provenance (#$3) and a $v verdict (#$4)"
	done
}

step "3. three labs rebuild, compare, attest and publish"
if [ "$hermetic" -eq 1 ]; then
	say "build environment: the Debian 12 root filesystem sha256 $(printf %.16s "$envdigest")... pinned by the recipe (hermetic)"
else
	say "build environment: the host's /usr, read-only ($(basename "$recipe"), recorded as non-hermetic)"
fi
lab_round r1 shipped/hello

step "4. the operator verifies the shipped binary (policy: 2 of 3 labs, logged)"
set +e
"$ex/operator.sh" -P policy.json -l "$URL" -K "$VK" -s operator.state shipped/hello \
	> verify1.txt 2> verify1.err
rc=$?
set -e
indent < verify1.txt
[ "$rc" -eq 0 ] || { cat verify1.err >&2; echo "demo.sh: expected the policy to be met" >&2; exit 1; }
seen="0 -> $(sed -n 2p operator.state)"
say "=> policy MET: deploy"
vouch-log -l "$URL" -K "$VK" bundle -o hello.intoto.jsonl "$(sha256sum shipped/hello | cut -c1-64)"
say "vouch-log bundle: hello.intoto.jsonl, $(grep -c '"payload"' hello.intoto.jsonl) envelopes with their inclusion proofs, for the air-gapped site"
vouch-verify --policy policy.json --offline --bundle hello.intoto.jsonl shipped/hello > verify1b.txt
say "air-gapped (--offline, the bundle only): $(head -1 verify1b.txt | sed 's/^[^:]*: //')"

step "5. a tampered binary is shipped: one string changed, as a backdoor would be"
mkdir tampered
python3 - shipped/hello tampered/hello <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
assert data.count(b"hello, world") == 1
open(sys.argv[2], "wb").write(data.replace(b"hello, world", b"hello, w0rld"))
PY
chmod +x tampered/hello
say "tampered: hello  sha256 $(sha256sum tampered/hello | cut -c1-16)...  ($(./tampered/hello))"
lab_round r2 tampered/hello
say "what lab-a's comparison found:"
sed -n '1,12p' r2-lab-a/report.txt | indent
set +e
"$ex/operator.sh" -P policy.json -l "$URL" -K "$VK" -s operator.state tampered/hello \
	> verify2.txt 2> verify2.err
rc=$?
set -e
indent < verify2.txt
[ "$rc" -eq 1 ] || { cat verify2.err >&2; echo "demo.sh: expected the policy to fail" >&2; exit 1; }
say "=> policy NOT MET: do not deploy ($(head -1 verify2.txt | sed 's/.*NOT MET: //'))"

seen="$seen -> $(sed -n 2p operator.state)"

step "6. the log, start to end"
vouch-log -l "$URL" -K "$VK" monitor --once --state operator.state > /dev/null
seen="$seen -> $(sed -n 2p operator.state)"
say "log consistent: the operator's monitor proved each checkpoint it saw consistent with the one before (tree sizes $seen), and checked every entry against the tiles"

printf '\ndemo finished: the genuine binary met the policy, the tampered one did not, and the log stayed consistent.\n'
