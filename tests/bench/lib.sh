# Sourced by the benches after they set `build` (the build directory).  It
# gives them:
#   src        the source tree
#   B          the build's tools directory
#   T          a scratch directory, removed on exit ($BENCH_TMPDIR, else
#              $TMPDIR, else /tmp)
#   PIDS       processes stopped on exit: add each server's pid as it starts
#   tool NAME  the path of the program NAME itself, not of libtool's wrapper
#              script around it, so that its start-up is what is timed
#              (LD_LIBRARY_PATH then finds the uninstalled libvouch)
#   median     the median of the numbers on stdin, one a line
#   usec S     seconds with six decimals ($EPOCHREALTIME) in microseconds
# POSIX sh: hash.sh and unpack.sh run under dash.
src=$(cd "$(dirname "$0")/../.." && pwd)
B=$build/tools
T=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/vouch-bench.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -d "$build/lib/.libs" ]; then
	LD_LIBRARY_PATH="$build/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export LD_LIBRARY_PATH
fi
tool() {
	if [ "$(head -c 4 "$B/$1" 2>/dev/null | od -An -c | tr -d ' ')" = 177ELF ] ||
	    [ ! -x "$B/.libs/$1" ]; then
		echo "$B/$1"
	else
		echo "$B/.libs/$1"
	fi
}
median() {
	sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
usec() {
	set -- "${1%.*}" "${1#*.}000000"
	set -- "$1" "$(printf '%.6s' "$2")"
	echo $(($1 * 1000000 + 1$2 - 1000000))
}
