#!/bin/sh
# compare-html.sh - the --html report opens in headless Chromium, renders the
# differing member's path, and stays inert with hostile member names.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

C="$VOUCH_BIN/vouch-compare"
command -v chromium >/dev/null || { echo "chromium is required (.ci/packages)" >&2; exit 1; }
sh "$VOUCH_SRCDIR/tests/make-compare-corpus.sh" "$T/c" >"$T/corpus.log" 2>&1 ||
	{ cat "$T/corpus.log" >&2; exit 1; }

chrome() { # chrome OUT.png FILE: screenshot; the DOM goes to $T/dom
	p=$(mktemp -d "$T/prof.XXXXXX")
	set -- --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$p" --window-size=1200,900 "$1" "file://$2"
	timeout 120 chromium "$@" >"$T/chrome.out" 2>"$T/chrome.err"
}

# one changed byte deep inside the .deb, and a changed text line
expect_status 1 "$C" --html "$T/deb.html" "$T/c/A/pkg.deb" "$T/c/B/pkg.deb"
expect_status 1 "$C" --html "$T/txt.html" "$T/c/A/notes.txt" "$T/c/B/notes.txt"
for f in deb txt; do
	if grep -Eiq '(src|href)=|<script|@import|url\(' "$T/$f.html"; then
		fail "$f.html refers to something outside itself"
	else
		ok
	fi
	if chrome --screenshot="$T/$f.png" "$T/$f.html"; then ok; else fail "chromium screenshot $f"; cat "$T/chrome.err" >&2; fi
	if [ -s "$T/$f.png" ]; then ok; else fail "$f.png is empty"; fi
done
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$(mktemp -d "$T/prof.XXXXXX")" --dump-dom "file://$T/deb.html" \
	>"$T/dom" 2>"$T/chrome.err" || true
expect_grep 'pkg.deb/data.tar.xz/usr/share/pkg/blob.bin' "$T/dom" "rendered DOM names the member"
expect_grep 'class="m-different"' "$T/dom" "member tree marks the difference"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$(mktemp -d "$T/prof.XXXXXX")" --dump-dom "file://$T/txt.html" \
	>"$T/dom2" 2>"$T/chrome.err" || true
expect_grep 'DELTA' "$T/dom2" "side-by-side text rendered"

# hostile member names and contents
mkdir -p "$T/h/a" "$T/h/b"
for s in a b; do
	printf 'x\n' >"$T/h/$s/<img src=x onerror=alert(1)>.txt"
	printf '%s %s\n' "<script>document.title='pwned'</script>" "$s" >"$T/h/$s/page.html"
done
tar --format=gnu -cf "$T/h/a.tar" -C "$T/h/a" .
printf 'y\n' >"$T/h/a/<img src=x onerror=alert(1)>.txt"
tar --format=gnu -cf "$T/h/b.tar" -C "$T/h/a" . -C "$T/h/b" page.html
expect_status 1 "$C" --html "$T/hostile.html" "$T/h/a.tar" "$T/h/b.tar"
if grep -q '<script\|<img' "$T/hostile.html"; then fail "hostile names reach the HTML unescaped"; else ok; fi
expect_grep '&lt;img src=x onerror=alert(1)&gt;.txt' "$T/hostile.html" "hostile name escaped"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$(mktemp -d "$T/prof.XXXXXX")" --dump-dom "file://$T/hostile.html" \
	>"$T/dom3" 2>"$T/chrome.err" || true
expect_grep '<title>vouch-compare: different</title>' "$T/dom3" "no script ran"
finish
