#!/bin/sh
# Build the libFuzzer harnesses with clang, ASan and UBSan in a separate
# build directory and run each for a while.
#   tests/fuzz/run.sh [SECONDS] [HARNESS...]
# Defaults: 60 seconds each, every harness.  Exits non-zero on any crash.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi)
	"$src/configure" -q CC=clang --disable-shared --enable-fuzzing \
		--enable-asan --enable-ubsan
fi
harnesses=$(sed -n 's/^noinst_PROGRAMS += \(tests\/fuzz\/fuzz_[a-z0-9_]*\)$/\1/p' "$src/Makefile.am")
make -j"$(nproc)" $harnesses >/dev/null
[ $# -gt 0 ] && harnesses=$(for h in "$@"; do echo "tests/fuzz/fuzz_$h"; done)
status=0
for h in $harnesses; do
	corpus="$build/corpus/$(basename "$h")"
	mkdir -p "$corpus"
	seeds="$src/tests/fuzz/seeds/$(basename "$h" | sed 's/^fuzz_//')"
	# a harness without seeds would start from nothing and still "pass"
	if [ ! -d "$seeds" ]; then
		echo "FAILED: $h has no seed corpus ($seeds)"
		status=1
		continue
	fi
	echo "== $h: $secs s"
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"./$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 "$corpus" $seeds 2>"$build/$(basename "$h").log"; then
		echo "FAILED: $h (log: $build/$(basename "$h").log)"
		tail -n 30 "$build/$(basename "$h").log"
		status=1
	else
		grep -E '^stat::number_of_executed_units|^Done' "$build/$(basename "$h").log" || true
	fi
done
exit $status
