#!/bin/sh
# Slow, network: real Debian 12 source packages of the build systems
# debrebuild-real.sh (GNU hello, autotools) does not cover -- CMake (cjson),
# Meson (libesmtp), Perl (liburi-perl, ExtUtils::MakeMaker) and Python
# (python-xmltodict, dh-python's pybuild with setuptools) -- each built once
# by vouch-debrebuild --from-archive (the first build: the suite's current
# build dependencies), then rebuilt from the .buildinfo that build wrote, in
# a fresh environment made from its Installed-Build-Depends with the clock
# at its Build-Date (Meson: the real clock, see below): every .deb must be
# bit-identical to the first build's.
#
# First builds and environments are cached in $VOUCH_TEST_CACHE (default
# /var/cache/vouch-test, flock'd); with them warm the test is four
# rebuilds.  Measured on the 2-core lab machine shared with other builds
# (load 4-7), 2026-12-07: cold (an empty cache: debootstrap, eight
# environments, eight builds) 692 s wall, 361 s CPU; warm 178 s wall, 97 s
# CPU (both counting make's rebuild of the unit tests).  Needs root
# (debootstrap, chroot) and Debian's archive; never skipped silently.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
real_world_test
debrebuild_setup

# source=version, the build system, a build dependency that proves the
# package is built by it, and the rebuild's clock.  Meson cannot be given
# a clock in the past: the files it writes carry the kernel's real time,
# which it then finds "in the future" and stops (clock skew), so
# vouch-debrebuild's default for a package built with meson is the real
# clock: libesmtp is rebuilt with that default (no --clock), and its
# provenance must say the clock was real; the others at their Build-Date.
for spec in \
	"cjson=1.7.15-1+deb12u4 CMake cmake build-date" \
	"libesmtp=1.1.0-3.1~deb12u1 Meson meson default" \
	"liburi-perl=5.17-1 Perl libtest-needs-perl build-date" \
	"python-xmltodict=0.13.0-1.1~deb12u1 Python dh-python build-date"; do
	# shellcheck disable=SC2086
	set -- $spec
	src=${1%%=*}
	sys=$2
	clock=$4
	if ! debrebuild_first "$src" --from-archive "$1"; then
		fail "the first build of $src ($sys) failed"
		continue
	fi
	ok
	BI=$(ls "$FIRST"/rebuilt/*.buildinfo)
	grep -q "^ $3 (= " "$BI" && ok || fail "$src's first build did not use $3 ($sys)"
	if [ "$clock" = default ]; then
		DEBREBUILD_CLOCK=real
		debrebuild_again "$src"
		unset DEBREBUILD_CLOCK
	else
		debrebuild_again "$src" --clock "$clock"
	fi
	rm -rf "${T:?}/$src"
done
finish
