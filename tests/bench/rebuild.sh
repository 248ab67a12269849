#!/bin/bash
# Sandbox overhead of vouch-rebuild against bubblewrap, and the rebuild
# time of examples/hello in the Debian environment.
#
#   tests/bench/rebuild.sh BUILD_DIR [RUNS]
#
# 1. A recipe whose only step is `true` (host environment), RUNS times
#    (default 30) each, interleaved in one loop:
#      bwrap   `bwrap --unshare-all` running `true` with the same read-only
#              binds (/usr, the /bin /lib /lib64 /sbin links or directories,
#              /etc/ld.so.cache and /etc/alternatives, a fresh /proc, a
#              minimal /dev, tmpfs /tmp, /build and /out, hostname);
#      vouch   vouch-rebuild end to end: start-up, recipe parsing, hashing
#              the (one-file) source, the sandbox, the build log, looking
#              for outputs in /out (there are none, so it exits 1, as
#              expected).  The sandbox's share is what vouch_sandbox_run()
#              reports ("sandbox ran"): making the cgroups, the namespaces
#              and the root, unpacking the source inside, the step, tearing
#              it all down and removing the cgroups;
#      nocg    the same with VOUCH_SANDBOX_NO_CGROUP=1 (rlimits only), to
#              show what the cgroups cost;
#      start   `vouch-rebuild --version`: process start-up alone (the
#              dynamic loader and the shared libraries).
#    The target (within 1.5x) is for the sandbox's overhead: vouch's
#    sandbox against bwrap's whole run, each running `true`.  The end-to-end
#    ratio is printed too; the rest of it is start-up and vouch's own work
#    (hashing, the recipe, the provenance), which bwrap does not do.
#    Wall-clock times come from bash's $EPOCHREALTIME (no process is started
#    to read the clock); CPU times (user + system of the child and all its
#    descendants) from `times`.  Prints medians.  On a loaded machine
#    wall-clock numbers are noisy: compare medians, and the CPU times, which
#    load disturbs less.
# 2. examples/hello rebuilt in the Debian 12 environment ($VOUCH_DEBIAN_ENV,
#    or /var/cache/vouch-test/debian12.tar made by examples/make-debian-env.sh),
#    cold (rootfs not yet in the cache) and warm, in seconds.
#
# Needs bash, root or unprivileged user namespaces, bwrap (Debian: bubblewrap).
set -eu
LC_ALL=C
export LC_ALL
build=$(cd "${1:?usage: rebuild.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-30}
. "$(dirname "$0")/lib.sh"
# the program itself, not a libtool wrapper script (its start-up is measured)
RB=$(tool vouch-rebuild)
command -v bwrap >/dev/null || { echo "rebuild.sh: install bubblewrap" >&2; exit 2; }
# children's user + system CPU so far, in microseconds, into $cpu (`times`
# in this shell: a subshell would have its own, empty, children's times)
sec_us() { # "XmY.ZZZs"
	local m=${1%%m*} x=${1#*m}
	x=${x%s}
	echo $(((10#$m * 60 + 10#${x%.*}) * 1000000 + 10#${x#*.} * 1000))
}
cpu_now() {
	local u s
	times >"$T/times"
	{ read -r u s; read -r u s; } <"$T/times"
	cpu=$(($(sec_us "$u") + $(sec_us "$s")))
}

echo data >"$T/f"
tar -C "$T" -cf "$T/s.tar" f
cat >"$T/true.json" <<EOF
{"vouchRecipe": 1, "name": "bench", "version": "1",
 "source": {"path": "s.tar", "digest": {"sha256": "$(sha256sum "$T/s.tar" | cut -c1-64)"}},
 "environment": "host", "sourceDateEpoch": 0, "workdir": "/build/bench",
 "steps": [["true"]], "outputs": ["nothing"]}
EOF

# bwrap's arguments, computed once
BW=(--unshare-all --die-with-parent --ro-bind /usr /usr)
for l in bin lib lib64 sbin; do
	if [ -L "/$l" ]; then
		BW+=(--symlink "$(readlink "/$l")" "/$l")
	elif [ -d "/$l" ]; then
		BW+=(--ro-bind "/$l" "/$l")
	fi
done
for f in /etc/ld.so.cache /etc/alternatives; do
	[ -e "$f" ] && BW+=(--ro-bind "$f" "$f")
done
BW+=(--proc /proc --dev /dev --tmpfs /tmp --tmpfs /build --tmpfs /out --hostname vouch
	--chdir /build true)

run_bwrap() { bwrap "${BW[@]}"; }
run_vouch() { "$RB" -r "$T/true.json" -o "$T/o" --progress >/dev/null 2>"$T/err" || true; }
run_nocg() {
	VOUCH_SANDBOX_NO_CGROUP=1 "$RB" -r "$T/true.json" -o "$T/o" --progress >/dev/null \
		2>"$T/err.nocg" || true
}
run_start() { "$RB" --version >/dev/null; }
# time one run of $1: wall and CPU microseconds appended to $T/$1.wall, .cpu
measure() {
	local c0 c1 t0 t1
	rm -rf "$T/o"
	cpu_now
	c0=$cpu
	t0=$EPOCHREALTIME
	"run_$1"
	t1=$EPOCHREALTIME
	cpu_now
	c1=$cpu
	echo $(($(usec "$t1") - $(usec "$t0"))) >>"$T/$1.wall"
	echo $((c1 - c0)) >>"$T/$1.cpu"
}

# warm up
rm -rf "$T/o"
run_vouch
run_bwrap
: >"$T/s"
: >"$T/s.nocg"
for k in bwrap vouch nocg start; do : >"$T/$k.wall"; : >"$T/$k.cpu"; done
load0=$(cut -d' ' -f1 /proc/loadavg)
i=0
while [ $i -lt "$runs" ]; do
	# rotate the order so no side always follows the same one
	case $((i % 4)) in
	0) order="bwrap vouch nocg start" ;;
	1) order="vouch nocg start bwrap" ;;
	2) order="nocg start bwrap vouch" ;;
	*) order="start bwrap vouch nocg" ;;
	esac
	for k in $order; do
		measure "$k"
		if [ "$k" = vouch ]; then
			grep -q "output 'nothing' was not produced" "$T/err" ||
				{ echo "vouch-rebuild failed unexpectedly:" >&2; cat "$T/err" >&2; exit 1; }
			sed -n 's/.*sandbox ran \([0-9.]*\) s.*/\1/p' "$T/err" >>"$T/s"
			enf=$(sed -n 's/.*(limits: \(.*\)).*/\1/p' "$T/err")
		fi
		if [ "$k" = nocg ]; then
			sed -n 's/.*sandbox ran \([0-9.]*\) s.*/\1/p' "$T/err.nocg" >>"$T/s.nocg"
		fi
	done
	i=$((i + 1))
done
ms() { awk -v x="$1" 'BEGIN { printf "%.1f", x / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
w_bwrap=$(median <"$T/bwrap.wall")
c_bwrap=$(median <"$T/bwrap.cpu")
w_vouch=$(median <"$T/vouch.wall")
c_vouch=$(median <"$T/vouch.cpu")
w_nocg=$(median <"$T/nocg.wall")
w_start=$(median <"$T/start.wall")
c_start=$(median <"$T/start.cpu")
s=$(median <"$T/s")
s=$(awk -v x="$s" 'BEGIN { printf "%d", x * 1e6 }')
s_nocg=$(median <"$T/s.nocg")
s_nocg=$(awk -v x="$s_nocg" 'BEGIN { printf "%d", x * 1e6 }')
printf 'step `true`, medians of %d interleaved runs each (wall ms / CPU ms):\n' "$runs"
printf '  bwrap --unshare-all, whole run            %6s / %5s\n' "$(ms "$w_bwrap")" \
	"$(ms "$c_bwrap")"
printf '  vouch sandbox (limits: %s)           %6s        ratio %s (target <= 1.5)\n' \
	"$enf" "$(ms "$s")" "$(ratio "$s" "$w_bwrap")"
printf '  vouch sandbox, no cgroups (rlimit)        %6s        ratio %s\n' \
	"$(ms "$s_nocg")" "$(ratio "$s_nocg" "$w_bwrap")"
printf '  vouch-rebuild end to end                  %6s / %5s   ratio %s, CPU ratio %s\n' \
	"$(ms "$w_vouch")" "$(ms "$c_vouch")" "$(ratio "$w_vouch" "$w_bwrap")" \
	"$(ratio "$c_vouch" "$c_bwrap")"
printf '    of which start-up (--version)           %6s / %5s\n' "$(ms "$w_start")" \
	"$(ms "$c_start")"
printf '  end to end without cgroups                %6s\n' "$(ms "$w_nocg")"
printf '  load average before / after: %s / %s (on %s CPUs)\n' "$load0" \
	"$(cut -d' ' -f1 /proc/loadavg)" "$(nproc)"

env=${VOUCH_DEBIAN_ENV:-/var/cache/vouch-test/debian12.tar}
if [ ! -s "$env" ]; then
	echo "hello in Debian: no environment at $env (make it with examples/make-debian-env.sh)"
	exit 0
fi
tar -C "$src/examples/hello" -cf "$T/hello-1.0.tar" hello.c Makefile
python3 - "$src/examples/hello/recipe-debian.json" "$(sha256sum "$env" | cut -c1-64)" \
	"$T/hello.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["environment"]["digest"]["sha256"] = sys.argv[2]
json.dump(r, open(sys.argv[3], "w"))
EOF
for kind in cold warm; do
	rm -rf "$T/oh"
	t0=$EPOCHREALTIME
	"$RB" -r "$T/hello.json" -s "$T/hello-1.0.tar" -e "$env" -c "$T/cache" -o "$T/oh" >/dev/null
	t1=$EPOCHREALTIME
	printf 'hello in the Debian environment, %s cache: %.2f s\n' "$kind" \
		"$(awk -v x=$(($(usec "$t1") - $(usec "$t0"))) 'BEGIN { print x / 1e6 }')"
done
