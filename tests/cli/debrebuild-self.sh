#!/bin/sh
# Slow, network: vouch vouches for itself.  vouch's own Debian source
# package (this tree's debian/, dpkg-source -b) is built once with
# vouch-debrebuild (the first build: the suite's current build
# dependencies), and rebuilt from the .buildinfo that build wrote, in a
# fresh environment made from its Installed-Build-Depends with the clock at
# its Build-Date: the .debs must be bit-identical.  The package must be
# lintian-clean (errors and warnings) but for the overrides explained in
# debian/vouch.lintian-overrides.
#
# The first build is cached in /var/cache/vouch-test by the source
# package's digest (the tree's files with their times set to the
# changelog's date, so an unchanged tree gives the same .dsc).  Needs root
# (debootstrap, chroot), Debian's archive and lintian; never skipped
# silently.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
real_world_test
debrebuild_setup
for p in dpkg-source lintian; do
	command -v $p >/dev/null || { fail "'$p' is needed (.ci/packages)"; finish; exit 1; }
done

# the source package of this tree: its tracked files (a git checkout) or
# all of it (a release tarball), times fixed
mkdir -p "$T/tree/vouch" "$T/src"
if [ -d "$VOUCH_SRCDIR/.git" ] || [ -f "$VOUCH_SRCDIR/.git" ]; then
	(cd "$VOUCH_SRCDIR" && git ls-files -z | xargs -0 tar -cf - --no-recursion) |
		tar -C "$T/tree/vouch" -xf -
else
	(cd "$VOUCH_SRCDIR" && tar -cf - --exclude=./build .) | tar -C "$T/tree/vouch" -xf -
fi
sde=$(dpkg-parsechangelog -l "$T/tree/vouch/debian/changelog" -STimestamp)
find "$T/tree/vouch" -exec touch -h -d "@$sde" {} +
(cd "$T/tree" && SOURCE_DATE_EPOCH=$sde dpkg-source -b vouch >"$T/dpkg-source.out" 2>&1 &&
	mv ./*.dsc ./*.tar.* "$T/src/") && ok || fail "dpkg-source -b: $(tail -2 "$T/dpkg-source.out")"
dsc=$(ls "$T/src"/*.dsc)
key=$(sha256sum "$dsc" | cut -c1-16)
# first builds of other trees are dropped after two days
find "$VOUCH_TEST_CACHE" -maxdepth 1 -name 'first-vouch-*' ! -name "first-vouch-$key*" \
	-mtime +1 -exec rm -rf {} +
debrebuild_first "vouch-$key" --from-archive vouch -s "$T/src" && ok ||
	fail "the first build of vouch failed"
BI=$(ls "$FIRST"/rebuilt/vouch_*.buildinfo)
grep -q '^ [0-9a-f]\{64\} [0-9]* vouch_[^_]*_[a-z0-9]*\.deb$' "$BI" && ok || fail "no vouch .deb in $BI"

# lintian: nothing but the explained overrides
lintian --fail-on error,warning \
	"$FIRST"/rebuilt/vouch_*.deb "$dsc" >"$T/lintian" 2>&1 && ok ||
	fail "lintian: $(grep -v '^N:' "$T/lintian" | head -5)"
grep -q '^[EW]:' "$T/lintian" && fail "lintian: $(grep '^[EW]:' "$T/lintian" | head -3)" || ok

# the rebuild from the first build's .buildinfo, in a fresh environment
debrebuild_again vouch -s "$T/src"
# the provenance names vouch's own source package by its digest
grep -q "\"source/$(basename "$dsc")\"" "$T/vouch/provenance.json" && ok ||
	fail "the provenance does not name $(basename "$dsc")"
finish
