#!/bin/sh
# debrebuild.sh - vouch-rebuild of a Debian package from its .buildinfo
# against the same dpkg-buildpackage in a plain chroot of the same
# environment (the physical floor), paired and interleaved, median of N.
#
#   tests/bench/debrebuild.sh DEBREBUILD-OUTDIR [N]
#
# DEBREBUILD-OUTDIR is what vouch-debrebuild -o left (recipe.json names the
# cached environment and the source files).  The chroot side does the work
# the sandbox gives the build, laid out the same way: a tmpfs root holding
# the environment's top-level directories bound read-only (no overlay, no
# copy: the same files through the same page cache), tmpfs /build, /tmp and
# /out, uid 1000, the same environment variables and steps, and with a
# recipe clock the host's libfaketime preloaded with the same settings.  It
# lacks the sandbox's checks (digests of the environment and sources), its
# namespaces and limits: the difference is vouch's overhead.  The chroot
# build runs in a session of its own (setsid), as the sandbox's does: with
# the kernel's autogroup scheduling (sched_autogroup_enabled) a new session
# gets its own CPU share, so a chroot build left in the caller's session
# shares one share with everything else that session runs, and on a busy
# machine comes out far slower than the sandbox's for that reason alone
# (the first version of this bench measured ratios of 0.39 to 0.85).  The pairs
# alternate which side runs first (ABBA), so neither always gets the page
# cache the other warmed or the machine's quieter moment.  Needs root.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
bin=${VOUCH_BIN:-$here/../../build/check/tools}
d=${1:?usage: debrebuild.sh DEBREBUILD-OUTDIR [N]}
n=${2:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 2' INT TERM HUP
python3 - "$d/recipe.json" "$work" <<'PY'
import json, shlex, sys
r = json.load(open(sys.argv[1]))
w = sys.argv[2]
open(w + "/rootfs", "w").write(r["environment"]["rootfs"])
open(w + "/workdir", "w").write(r["workdir"])
open(w + "/files", "w").write("\n".join(f["path"] for f in r["source"]["files"]) + "\n")
env = {"SOURCE_DATE_EPOCH": str(r["sourceDateEpoch"]), "TZ": "UTC", "LC_ALL": "C.UTF-8",
       "HOME": "/tmp", "USER": "builder", "LOGNAME": "builder",
       "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}
clock = r.get("clock")
if clock is not None:
    # what the sandbox sets for a fixed clock (lib/sandbox/clock.c)
    import time
    at = clock["startsAt"] if isinstance(clock, dict) else r["sourceDateEpoch"]
    env.update({"LD_PRELOAD": "/.vouch/libfaketime.so.1",
                "FAKETIME": time.strftime("@%Y-%m-%d %H:%M:%S", time.gmtime(at)),
                "FAKETIME_DONT_FAKE_MONOTONIC": "1", "NO_FAKE_STAT": "1", "FAKE_UTIME": "1"})
    open(w + "/clock", "w").write("1")
with open(w + "/steps.sh", "w") as f:
    f.write("set -e\ncd %s\n" % shlex.quote(r["workdir"]))
    for s in r["steps"]:
        f.write("env -i %s %s\n" % (" ".join(shlex.quote(k + "=" + v) for k, v in env.items()),
                                    " ".join(shlex.quote(a) for a in s)))
PY
root=$(cat "$work/rootfs")
wd=$(cat "$work/workdir")
fake=
if [ -f "$work/clock" ]; then
	for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
		[ -f "$f" ] && fake=$f && break
	done
	[ -n "$fake" ] || { echo "debrebuild.sh: the recipe fixes the clock: install libfaketime" >&2; exit 2; }
fi
chroot_build() {
	unshare -m sh -c '
		set -e
		env=$1 wd=$2 work=$3 fake=$4
		root=$work/root
		mkdir -p "$root"
		mount --make-rprivate /
		mount -t tmpfs -o mode=0755 tmpfs "$root"
		# the environment stays untouched and is read where it lies: its
		# top-level entries bound read-only, as the sandbox does
		for e in "$env"/*; do
			n=${e##*/}
			case $n in
			dev|proc|sys|tmp|run|out|build|home|root|mnt|media|lost+found) continue ;;
			esac
			if [ -L "$e" ]; then
				cp -P "$e" "$root/$n"
			elif [ -d "$e" ]; then
				mkdir "$root/$n"
				mount --bind "$e" "$root/$n"
				mount -o remount,bind,ro "$root/$n"
			elif [ -f "$e" ]; then
				: >"$root/$n"
				mount --bind "$e" "$root/$n"
				mount -o remount,bind,ro "$root/$n"
			fi
		done
		mkdir -p "$root/dev" "$root/proc" "$root/tmp" "$root/build" "$root/out" "$root/run" \
			"$root/home" "$root/root"
		mount -t tmpfs -o size=16g tmpfs "$root/build"
		mount -t tmpfs -o size=16g,mode=1777 tmpfs "$root/tmp"
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount -t tmpfs -o mode=1777 tmpfs "$root/out"
		if [ -n "$fake" ]; then
			mkdir "$root/.vouch"
			: >"$root/.vouch/libfaketime.so.1"
			mount --bind "$fake" "$root/.vouch/libfaketime.so.1"
			mount -o remount,bind,ro "$root/.vouch/libfaketime.so.1"
		fi
		mkdir -p "$root$wd"
		while read -r f; do cp "$f" "$root$wd/"; done <"$work/files"
		chown -R 1000:1000 "$root/build"
		cp "$work/steps.sh" "$root/tmp/steps.sh"
		setsid -w chroot --userspec=1000:1000 "$root" sh /tmp/steps.sh >"$work/chroot.log" 2>&1 || {
			tail -5 "$work/chroot.log" >&2
			exit 1
		}
	' sh "$root" "$wd" "$work" "$fake"
}
vouch_build() {
	rm -rf "$work/o"
	"$bin/vouch-rebuild" -r "$d/recipe.json" -o "$work/o" >/dev/null
}
now() { date +%s.%N; }
# one side, timed: "wall-seconds cpu-seconds" appended to $1, the CPU
# seconds (user + system) of the children this shell waited for meanwhile:
# the build's processes, which the sandbox's init and the chroot pass up
# (times must run in this shell: a subshell has no children)
timed() {
	out=$1
	shift
	times >"$work/t0"
	t0=$(now)
	"$@"
	t1=$(now)
	times >"$work/t1"
	c=$(awk 'FNR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] }
		if (FILENAME == ARGV[1]) s = t; else e = t } END { printf "%.2f\n", e - s }' \
		"$work/t0" "$work/t1")
	echo "$(echo "$t1 - $t0" | bc) $c" >>"$out"
}
: >"$work/v"
: >"$work/c"
i=0
while [ $i -lt "$n" ]; do
	if [ $((i % 2)) -eq 0 ]; then
		timed "$work/v" vouch_build; timed "$work/c" chroot_build
	else
		timed "$work/c" chroot_build; timed "$work/v" vouch_build
	fi
	set -- $(tail -1 "$work/v") $(tail -1 "$work/c")
	printf 'pair %d (%s first): vouch %.1f s (CPU %.1f s), chroot %.1f s (CPU %.1f s), ratio %.3f (CPU %.3f)\n' \
		$((i + 1)) "$([ $((i % 2)) -eq 0 ] && echo vouch || echo chroot)" "$1" "$2" "$3" "$4" \
		"$(echo "$1 / $3" | bc -l)" "$(echo "$2 / $4" | bc -l)"
	i=$((i + 1))
done
med() { cut -d' ' -f"$2" "$1" | sort -n |
	awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mv=$(med "$work/v" 1)
mc=$(med "$work/c" 1)
cv=$(med "$work/v" 2)
cc=$(med "$work/c" 2)
printf 'median of %d: vouch-rebuild %.2f s, plain chroot %.2f s, ratio %.3f (overhead %.1f%%)\n' \
	"$n" "$mv" "$mc" "$(echo "$mv / $mc" | bc -l)" "$(echo "($mv / $mc - 1) * 100" | bc -l)"
printf 'median CPU (user + system): vouch-rebuild %.2f s, plain chroot %.2f s, ratio %.3f (overhead %.1f%%)\n' \
	"$cv" "$cc" "$(echo "$cv / $cc" | bc -l)" "$(echo "($cv / $cc - 1) * 100" | bc -l)"
