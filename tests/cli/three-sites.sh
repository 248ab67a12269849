#!/bin/sh
# The three-site story (examples/three-sites.sh) in CI: three network
# namespaces with emulated 20/150 ms links and 1% loss, each running a lab,
# a witness and mirrors; propagation p50/p99, a partition healed, a witness
# killed with SIGKILL, a forked log.  Needs root and iproute2 (as CI runs).
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "three-sites: needs root for network namespaces" >&2; exit 1; }
command -v ip >/dev/null || { echo "three-sites: iproute2 is needed (.ci/packages)" >&2; exit 1; }
THREE_SITES_N=6 VOUCH_BIN=$VOUCH_BIN TMPDIR=$T \
	timeout 600 sh "$VOUCH_SRCDIR/examples/three-sites.sh" >"$T/story" 2>&1 && ok ||
	fail "examples/three-sites.sh failed"
cat "$T/story"
expect_grep "^propagation over 18 entries: p50 [0-9]* ms, p99 [0-9]* ms" "$T/story" "propagation measured"
expect_grep "after healing every mirror catches up" "$T/story" "partition healed"
expect_grep "ok: nothing acknowledged was lost" "$T/story" "nothing lost"
expect_grep "ok: witness.rome.example refuses the forked checkpoint" "$T/story" "fork refused"
expect_grep "ok: vouch-log check-misbehaviour proves it" "$T/story" "fork proved"
expect_grep "three sites: every check held" "$T/story" "every check"
if grep -q 'FAILED' "$T/story"; then fail "a check of the story failed"; else ok; fi
# nothing of the run is left behind (the story removes its namespaces itself)
[ -z "$(ls "$T" | grep three-sites)" ] && ok || fail "the story left files behind"

echo "three-sites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
