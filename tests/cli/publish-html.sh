#!/bin/sh
# publish-html.sh - vouch-publish --html: the status site of the fixture
# campaign (tests/cli/publish/summary.json: one item per verdict, a second
# run, a hostile item) checked in headless Chromium by statuspage_check.py:
# counts, verdicts, log index and proof links, history, filtering and
# sorting (from the query string, by typing and by clicks), no console
# errors, a hostile report's script blocked, screenshots of the index and
# of an item page.  Then the same checker on a site whose script was
# altered (its CSP hash no longer matches) must fail: the checks can fail.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

P="$VOUCH_BIN/vouch-publish"
F="$VOUCH_SRCDIR/tests/cli/publish"
PY=${VOUCH_PYTHON:-/usr/bin/python3}
command -v chromium >/dev/null || { echo "chromium is required (.ci/packages)" >&2; exit 1; }

expect_status 0 "$P" -q --html "$T/site" "$F/summary.json"
# nothing is fetched from elsewhere: no src=, no absolute or scheme links but the log's
if grep -Eho '(src|href)="[^"]*"|url\(|@import' "$T/site/index.html" "$T/site/items/"*.html |
	grep -v '^href="items/[A-Za-z0-9._+-]*\.\(html\|proof\.txt\|report\.html\|envelope\.json\)"$' |
	grep -v '^href="\(\.\./index\.html\|https://log\.example\.org/lab-a\)"$' |
	grep -v '^href="[A-Za-z0-9._+-]*\.\(proof\.txt\|report\.html\|envelope\.json\)"$' >"$T/refs"; then
	fail "the site refers to something else: $(head -n 3 "$T/refs")"
else
	ok
fi
mkdir "$T/shots"
if nice "$PY" "$VOUCH_SRCDIR/tests/cli/statuspage_check.py" chromium "$T/site" "$T/shots" \
	>"$T/check.out" 2>&1; then
	ok
else
	fail "statuspage_check.py"
	cat "$T/check.out" >&2
fi
for png in index item; do
	[ "$(head -c 8 "$T/shots/$png.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
		[ "$(wc -c <"$T/shots/$png.png")" -gt 10000 ] && ok || fail "$png.png is not a screenshot"
done

# the checker sees a broken script: same site, one byte of the script changed
cp -R "$T/site" "$T/broken"
sed 's/items shown/items SHOWN/' "$T/site/index.html" >"$T/broken/index.html"
mkdir "$T/shots2"
if nice "$PY" "$VOUCH_SRCDIR/tests/cli/statuspage_check.py" chromium "$T/broken" "$T/shots2" \
	>"$T/check2.out" 2>&1; then
	fail "statuspage_check.py passed a site whose script the CSP blocks"
else
	ok
fi
expect_grep "the inline script did not run" "$T/check2.out" "blocked script noticed"
expect_grep "console errors" "$T/check2.out" "CSP refusal noticed as a console error"
finish
