#!/bin/sh
# libvouch.so exports exactly the functions declared in the public headers
# (lib/vouch/*.h), both ways: nothing internal (vouch_pred_*, a file's
# helpers) is in the dynamic symbol table, and every declared function is.
#
# The declarations are read by the compiler (gcc -aux-info), not by the
# awk script that makes the export list (lib/exports.sh), so the two
# readings check each other.  The check also proves it can fail: an extra
# exported symbol and a missing one must both be refused.
set -u
: "${VOUCH_SRCDIR:?}" "${VOUCH_BUILDDIR:?}"
so=$VOUCH_BUILDDIR/lib/.libs/libvouch.so
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vouch-exports.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "exports: $*"; exit 1; }

[ -f "$so" ] || fail "'$so' was not built"
command -v gcc >/dev/null || fail "gcc is needed to read the public headers"

for h in "$VOUCH_SRCDIR"/lib/vouch/*.h; do
	echo "#include \"vouch/$(basename "$h")\""
done >"$tmp/all.c"
# _GNU_SOURCE as config.h defines it (AC_USE_SYSTEM_EXTENSIONS): clock.h needs PATH_MAX
gcc -std=c11 -D_GNU_SOURCE -I"$VOUCH_SRCDIR/lib" -fsyntax-only -aux-info "$tmp/aux" "$tmp/all.c" ||
	fail "the public headers do not compile on their own"
# "/* lib/vouch/x.h:12:NC */ extern int vouch_f (int);" -> vouch_f
grep '/lib/vouch/[a-z0-9_]*\.h:' "$tmp/aux" |
	awk '{ sub(/^\/\*[^*]*\*\/ */, ""); if (match($0, /vouch_[A-Za-z0-9_]* \(/))
		print substr($0, RSTART, RLENGTH - 2) }' | sort -u >"$tmp/declared"
nm -D --defined-only "$so" | awk '{ print $NF }' | sort -u >"$tmp/exported"

# compare EXPORTED: prints the differences, returns 1 if there is one
compare() {
	comm -13 "$tmp/declared" "$1" | sed 's/^/exports: exported but not in a public header: /'
	comm -23 "$tmp/declared" "$1" | sed 's/^/exports: declared in a public header but not exported: /'
	cmp -s "$tmp/declared" "$1"
}

n=$(wc -l <"$tmp/declared")
[ "$n" -ge 300 ] || fail "only $n functions read from the public headers"
(echo vouch_pred_check_uri; cat "$tmp/exported") | sort -u >"$tmp/extra"
compare "$tmp/extra" >/dev/null && fail "an internal symbol in the table was not noticed"
sed 1d "$tmp/exported" >"$tmp/missing"
compare "$tmp/missing" >/dev/null && fail "a missing export was not noticed"

compare "$tmp/exported" || exit 1
if grep -q '^vouch_pred_' "$tmp/exported"; then fail "vouch_pred_* is exported"; fi
echo "exports: libvouch.so exports the $n functions of the public headers, nothing else"
