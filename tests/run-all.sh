#!/bin/sh
# The full test suite, as CI runs it:
#   1. a warning-free build (-Werror) and `make check`,
#   2. `make distcheck` (tarball builds, VPATH, install/uninstall),
#   3. the same `make check` under AddressSanitizer + UBSan.
# The real-world tests (tests/cli/lib.sh: real_world_test) run in step 1
# only and show as SKIP in steps 2 and 3.
# Builds happen in build/ under the source tree; missing Debian packages are
# installed first when run as root.
#   tests/run-all.sh [--quick]     (--quick: step 1 only)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
quick=no
[ "${1:-}" = "--quick" ] && quick=yes
jobs=$(nproc 2>/dev/null || echo 2)

"$src/.ci/install-deps"
cd "$src"
# (re)generate configure when it is missing or older than its sources
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null
fi

show_failures() { # directory: the log of every test that failed under it
	for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find "$1" -name '*.trs') 2>/dev/null); do
		echo "---- ${f%.trs}.log"
		tail -n 60 "${f%.trs}.log"
	done
}

run_check() { # name, configure args...
	name=$1
	shift
	echo "== $name: configure $*"
	mkdir -p "$src/build/$name"
	cd "$src/build/$name"
	"$src/configure" -q "$@"
	make -j"$jobs" >/dev/null
	if ! make -j"$jobs" check; then
		show_failures .
		exit 1
	fi
	cd "$src"
}

run_check check --enable-werror
[ "$quick" = yes ] && exit 0
# The real-world tests (real Debian packages, peer tools on them) have run
# once above; the distcheck and sanitizer passes list them as SKIP.
VOUCH_REAL_WORLD=done
export VOUCH_REAL_WORLD
echo "== distcheck"
if ! (cd "$src/build/check" && make -j"$jobs" distcheck >distcheck.log 2>&1); then
	tail -n 60 "$src/build/check/distcheck.log"
	show_failures "$src/build/check"
	echo "distcheck failed (log: build/check/distcheck.log)"
	exit 1
fi
echo "distcheck passed"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_check sanitize --enable-asan --enable-ubsan
echo "all test passes completed"
