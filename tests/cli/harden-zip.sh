#!/bin/sh
# Issue 14, item 7: a zip whose central directory disagrees with its local
# headers (another name; several entries over one local header) is refused
# by vouch-unpack, vouch-hash and vouch-compare alike (exit 2, one line),
# as unzip refuses or warns; a plain zip still works everywhere.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
MK="python3 $VOUCH_SRCDIR/tests/harden/mkzip.py"
cd "$T"
for k in rename overlap same good; do $MK $k $k.zip; done
# what unzip makes of them: the reason they must be refused
unzip -l rename.zip | grep -q 'docs/install.sh' && ok || fail "unzip lists the central name"
unzip -t same.zip >/dev/null 2>&1 && fail "unzip accepts overlapped entries" || ok

refused() { # zip reason
	expect_status 2 "$B/vouch-unpack" "$1.zip" "u-$1"
	echo "vouch-unpack: '$1.zip': zip: $2" > want
	expect_same want "$T/err" "unpack $1: one line"
	[ ! -e "u-$1" ] && ok || fail "unpack $1: target created"
	expect_status 2 "$B/vouch-hash" -m "$1.zip"
	echo "vouch-hash: '$1.zip': zip: $2" > want
	expect_same want "$T/err" "hash $1: one line"
	expect_status 2 "$B/vouch-compare" "$1.zip" good.zip
	echo "vouch-compare: '$T/$1.zip': zip: $2" > want
	expect_same want "$T/err" "compare $1 (A): one line"
	expect_status 2 "$B/vouch-compare" --statement good.zip "$1.zip"
	expect_same /dev/null "$T/out" "compare $1 (B): no statement"
	# inside another zip: compare extracts it, and refuses it there too
	rm -f in.zip && cp "$1.zip" inner.zip && zip -q in.zip inner.zip
	rm -f in-good.zip && cp good.zip inner.zip && zip -q in-good.zip inner.zip
	expect_status 2 "$B/vouch-compare" in-good.zip in.zip
	expect_grep "'in.zip/inner.zip (B)': zip: $2" "$T/err" "compare $1 nested"
}
refused rename "entry 'docs/install.sh': its local header names it 'docs/readme.txt'"
refused overlap "entry 'b.txt': its local header names it 'a.txt'"
refused same "entries 'a.txt' and 'a.txt' overlap"

# a plain zip still goes through every reader
expect_status 0 "$B/vouch-unpack" -q good.zip u-good
[ -f u-good/docs/readme.txt ] && ok || fail "good zip not extracted"
expect_status 0 "$B/vouch-hash" -m good.zip
expect_grep 'good.zip!docs/readme.txt' "$T/out" "good zip members listed"
expect_status 0 "$B/vouch-compare" good.zip good.zip
# a self-extracting stub before the zip shifts every offset: still accepted
{ printf '#!/bin/sh\necho stub\nexit 0\n'; cat good.zip; } > sfx.zip
expect_status 0 "$B/vouch-hash" -m sfx.zip
expect_grep 'sfx.zip!a.txt' "$T/out" "zip after a stub listed"
finish
