# Sourced by the benches that start servers (tlog.sh, witness.sh) after
# they set `build`: the source tree (src), a scratch directory (T) removed on
# exit, the tools (B), and the server processes to stop on exit (PIDS: add
# each pid as it starts).
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
B=$build/tools
