#!/bin/sh
# Every vouch-* tool follows the same command-line conventions.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

tools=$(cd "$VOUCH_BIN" && ls vouch-* 2>/dev/null | grep -v '\.o$' || true)
[ -n "$tools" ] || { echo "no tools built in $VOUCH_BIN" >&2; exit 1; }

for t in $tools; do
	[ -x "$VOUCH_BIN/$t" ] || continue
	case $t in *.*) continue ;; esac
	expect_status 0 "$VOUCH_BIN/$t" --help
	expect_grep "^usage: $t" "$T/out" "$t --help prints usage on stdout"
	[ -s "$T/err" ] && fail "$t --help wrote to stderr"

	expect_status 0 "$VOUCH_BIN/$t" --version
	expect_grep "^$t (vouch) [0-9]" "$T/out" "$t --version"

	expect_status 2 "$VOUCH_BIN/$t" --no-such-option
	expect_grep "^$t: " "$T/err" "$t misuse names itself"
	expect_grep "usage: $t" "$T/err" "$t misuse prints usage to stderr"
	[ -s "$T/out" ] && fail "$t misuse wrote to stdout"

	# A full stdout is caught at exit: exit 2 with a message.
	if [ -w /dev/full ]; then
		set +e
		"$VOUCH_BIN/$t" --help >/dev/full 2>"$T/err"
		got=$?
		set -e
		[ "$got" -eq 2 ] && ok || fail "$t --help >/dev/full exited $got, expected 2"
		expect_grep "error writing to standard output" "$T/err" "$t reports the write error"
	fi

	man="$VOUCH_SRCDIR/tools/$t.1"
	if [ -f "$man" ]; then
		ok
		for sec in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES; do
			expect_grep "^\.Sh $sec" "$man" "$t.1 has $sec"
		done
		if command -v mandoc >/dev/null 2>&1; then
			expect_status 0 mandoc -T lint -W warning "$man"
		fi
	else
		fail "$t has no man page tools/$t.1"
	fi
done
finish
