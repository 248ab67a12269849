#!/bin/sh
# Issue 14, item 4: a file that changes while a tool reads it gives an
# error (exit 2), never a digest of content that never existed: vouch-hash
# on a file, in tree mode and on an archive, vouch-unpack's archive pass and
# vouch-compare.  The change is made deterministically by an LD_PRELOAD shim
# (tests/harden/mutate_preload.c) on the first read of the named file.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
SHIM=$VOUCH_BUILDDIR/tests/harden/.libs/mutate_preload.so
[ -f "$SHIM" ] || { echo "FAIL: $SHIM not built" >&2; exit 1; }
# a sanitizer runtime must otherwise come first in the link order
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
cd "$T"

# mutated HOW FILE cmd...: run cmd while FILE changes under it
mutated() {
	how=$1 file=$2
	shift 2
	VOUCH_TEST_MUTATE=$file VOUCH_TEST_MUTATE_HOW=$how LD_PRELOAD=$SHIM "$@"
}
fresh() { # a 1 MiB file of varied bytes
	head -c 1048576 /dev/urandom > "$1"
}

for how in truncate grow touch; do
	fresh big.bin
	expect_status 2 mutated "$how" big.bin "$B/vouch-hash" big.bin
	expect_grep "'big.bin': changed while being read" "$T/err" "hash $how: named"
	! grep -q sha256 "$T/out" && ok || fail "hash $how: a digest was printed"

	mkdir -p tree && fresh tree/f.bin
	expect_status 2 mutated "$how" tree/f.bin "$B/vouch-hash" --tree tree
	expect_grep "changed while being read" "$T/err" "hash --tree $how"

	rm -rf tree && mkdir tree && fresh tree/f.bin && tar -cf a.tar tree
	expect_status 2 mutated "$how" a.tar "$B/vouch-hash" --members a.tar
	expect_grep "'a.tar': changed while being read" "$T/err" "hash --members $how"

	rm -rf dest
	expect_status 2 mutated "$how" a.tar "$B/vouch-unpack" a.tar dest
	# cut short, the tar reader may notice first; either way exit 2
	expect_grep "'a.tar': \(changed while being read\|entry .*: Truncated tar archive\)" \
		"$T/err" "unpack $how"
	[ ! -e dest ] && ok || fail "unpack $how: target created"

	tar -cf b.tar tree
	expect_status 2 mutated "$how" a.tar "$B/vouch-compare" a.tar b.tar
	expect_grep "^vouch-compare: '[^']*/a.tar': changed while being read\$" "$T/err" "compare $how"
	expect_same /dev/null "$T/out" "compare $how: no report"
done

# the same runs without a change still succeed (the shim alone changes nothing)
fresh big.bin
expect_status 0 env LD_PRELOAD="$SHIM" "$B/vouch-hash" big.bin
expect_status 0 mutated touch nothing-here "$B/vouch-hash" big.bin
finish
