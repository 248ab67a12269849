#!/bin/sh
# examples/demo.sh as an integration test: it must run from the built tools,
# meet the policy for the genuine binary, fail it for the tampered one with
# the reason, show the differing section, end with a consistent log, clean
# up after itself, exit 0, and stay well under two minutes.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

start=$(date +%s)
TMPDIR=$T expect_status 0 "$VOUCH_SRCDIR/examples/demo.sh"
took=$(($(date +%s) - start))
cp "$T/out" "$T/demo.out"
cp "$T/err" "$T/demo.err"
[ -s "$T/demo.err" ] && sed 's/^/  demo stderr: /' "$T/demo.err" | head -n 5 >&2
expect_grep "shipped/hello: policy MET: 3 trusted rebuilders reproduced it" "$T/demo.out" "genuine binary meets the policy"
expect_grep "=> policy MET: deploy" "$T/demo.out" "operator deploys"
expect_grep "air-gapped (--offline, the bundle only): policy MET" "$T/demo.out" "offline bundle"
expect_grep "tampered/hello: policy NOT MET: trusted rebuilder 'lab-a' reports FAILED" "$T/demo.out" "tampered binary fails"
expect_grep "ELF sections differ: .rodata" "$T/demo.out" "differing section shown"
expect_grep "conflict   lab-c        FAILED" "$T/demo.out" "every lab's FAILED verdict listed"
expect_grep "log consistent: .*tree sizes 0 -> 6 -> 12 -> 12" "$T/demo.out" "log consistent at the end"
expect_grep "^demo finished" "$T/demo.out" "the story ends"
# it cleaned up its directory and left no server behind
left=$(find "$T" -maxdepth 1 -name 'vouch-demo.*' | wc -l)
[ "$left" -eq 0 ] && ok || fail "demo left $left directories"
running=$(for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' < "$f"; } 2>/dev/null; echo; done |
	grep -c "[v]ouch-logd -d log.d -k $VOUCH_SRCDIR/examples/labs/demo-log" || true)
[ "$running" -eq 0 ] && ok || fail "vouch-logd still running"
[ "$took" -lt 120 ] && ok || fail "demo took $took s (limit 120)"

# --hermetic: the same story in the pinned Debian 12 environment
# (examples/make-debian-env.sh; built once and shared with rebuild-debian.sh).
if debian_env; then
	VOUCH_DEBIAN_ENV=$DEBIAN_ENV TMPDIR=$T expect_status 0 "$VOUCH_SRCDIR/examples/demo.sh" --hermetic
	expect_grep "build environment: the Debian 12 root filesystem sha256 $(sha256sum "$DEBIAN_ENV" | cut -c1-16)" \
		"$T/out" "hermetic demo builds in the Debian environment"
	expect_grep "shipped/hello: policy MET: 3 trusted rebuilders" "$T/out" "hermetic: genuine binary meets the policy"
	expect_grep "tampered/hello: policy NOT MET" "$T/out" "hermetic: tampered binary fails"
	expect_grep "^demo finished" "$T/out" "hermetic: the story ends"
else
	fail "no Debian 12 build environment for the --hermetic demo (needs root for debootstrap, or VOUCH_DEBIAN_ENV)"
fi
finish
