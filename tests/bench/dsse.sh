#!/bin/sh
# Sign and verify 10,000 DSSE envelopes in one process and compare with the
# raw Ed25519 rates `openssl speed ed25519` measures in the same run.
#   tests/bench/dsse.sh BUILD_DIR [N]
# Both sides are per second of CPU time (what `openssl speed` reports by
# default), so other load on the machine skews neither; wall-clock rates are
# printed for information.  Target: vouch >= 70% of the raw rate, for both
# sign and verify.  Exit 0 when met, 1 when not, 2 on trouble.
set -eu
build=${1:?usage: tests/bench/dsse.sh BUILD_DIR [N]}
n=${2:-10000}
bench=$build/tests/bench/bench_dsse
[ -x "$bench" ] || { echo "build $bench first (make in $build)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 2; }

run1=$("$bench" "$n")
raw=$(openssl speed -seconds 3 ed25519 2>/dev/null | awk '/EdDSA \(Ed25519\)/ { print $(NF-1), $NF }')
[ -n "$raw" ] || { echo "could not read openssl speed output" >&2; exit 2; }
run2=$("$bench" "$n")

# shellcheck disable=SC2086
printf '%s %s\n' "$(echo $run1)" "$(echo $run2)" | awk -v raw="$raw" '
	{ for (i = 1; i < NF; i += 2) { if ($i in a) b[$i] = $(i + 1); else a[$i] = $(i + 1) } }
	END {
		split(raw, r, " ")
		s = a["sign"] > b["sign"] ? a["sign"] : b["sign"]
		v = a["verify"] > b["verify"] ? a["verify"] : b["verify"]
		sw = a["sign_wall"] > b["sign_wall"] ? a["sign_wall"] : b["sign_wall"]
		vw = a["verify_wall"] > b["verify_wall"] ? a["verify_wall"] : b["verify_wall"]
		printf "%d envelopes per run, one process, best of 2 runs (CPU time)\n", a["envelopes"]
		printf "%-28s %12s %14s %8s %14s\n", "", "vouch env/s", "openssl op/s", "ratio", "vouch wall/s"
		printf "%-28s %12.0f %14.0f %7.1f%% %14.0f\n", "sign (new+sign+serialise)", s, r[1], 100 * s / r[1], sw
		printf "%-28s %12.0f %14.0f %7.1f%% %14.0f\n", "verify (parse+verify+copy)", v, r[2], 100 * v / r[2], vw
		ok = (s / r[1] >= 0.7 && v / r[2] >= 0.7)
		print ok ? "target >= 70% of openssl speed: met" : "target >= 70% of openssl speed: NOT met"
		exit ok ? 0 : 1
	}'
