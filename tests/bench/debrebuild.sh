#!/bin/sh
# debrebuild.sh - vouch-rebuild of a Debian package from its .buildinfo
# against the same dpkg-buildpackage in a plain chroot of the same
# environment (the physical floor), paired and interleaved, median of N.
#
#   tests/bench/debrebuild.sh DEBREBUILD-OUTDIR [N]
#
# DEBREBUILD-OUTDIR is what vouch-debrebuild -o left (recipe.json names the
# cached environment and the source files).  The chroot side gets what the
# sandbox gives the build: tmpfs /build and /tmp, a private mount
# namespace, uid 1000, the same environment variables and steps, over an
# overlay of the environment (which must stay unchanged); it lacks
# the sandbox's checks (digests of the environment and sources), its
# namespaces and limits.  Needs root.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
bin=${VOUCH_BIN:-$here/../../build/check/tools}
d=${1:?usage: debrebuild.sh DEBREBUILD-OUTDIR [N]}
n=${2:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bench-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
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
with open(w + "/steps.sh", "w") as f:
    f.write("set -e\ncd %s\n" % shlex.quote(r["workdir"]))
    for s in r["steps"]:
        f.write("env -i %s %s\n" % (" ".join(shlex.quote(k + "=" + v) for k, v in env.items()),
                                    " ".join(shlex.quote(a) for a in s)))
PY
root=$(cat "$work/rootfs")
wd=$(cat "$work/workdir")
chroot_build() {
	unshare -m sh -c '
		set -e
		lower=$1 wd=$2 work=$3
		# the cached environment stays untouched: the chroot writes to an
		# overlay, as the sandbox puts tmpfs over a read-only view
		mkdir -p "$work/ov" && mount -t tmpfs tmpfs "$work/ov"
		mkdir "$work/ov/u" "$work/ov/w" "$work/ov/m"
		mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/ov/u,workdir=$work/ov/w" \
			"$work/ov/m"
		root=$work/ov/m
		mkdir -p "$root/build" "$root/out"
		mount -t tmpfs -o size=16g tmpfs "$root/build"
		mount -t tmpfs -o size=16g,mode=1777 tmpfs "$root/tmp"
		mount -t proc proc "$root/proc"
		# the environment has an empty /dev, as the sandbox fills its own
		mount --rbind /dev "$root/dev"
		mount -t tmpfs -o mode=1777 tmpfs "$root/out"
		mkdir -p "$root$wd"
		while read -r f; do cp "$f" "$root$wd/"; done <"$work/files"
		chown -R 1000:1000 "$root/build"
		cp "$work/steps.sh" "$root/tmp/steps.sh"
		chroot --userspec=1000:1000 "$root" sh /tmp/steps.sh >"$work/chroot.log" 2>&1 || {
			tail -5 "$work/chroot.log" >&2
			exit 1
		}
	' sh "$root" "$wd" "$work"
}
vouch_build() {
	rm -rf "$work/o"
	"$bin/vouch-rebuild" -r "$d/recipe.json" -o "$work/o" >/dev/null
}
now() { date +%s.%N; }
: >"$work/v"
: >"$work/c"
i=0
while [ $i -lt "$n" ]; do
	t0=$(now); vouch_build; t1=$(now); chroot_build; t2=$(now)
	echo "$t1 - $t0" | bc >>"$work/v"
	echo "$t2 - $t1" | bc >>"$work/c"
	printf 'pair %d: vouch %.1f s, chroot %.1f s\n' $((i + 1)) "$(tail -1 "$work/v")" \
		"$(tail -1 "$work/c")"
	i=$((i + 1))
done
med() { sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mv=$(med "$work/v")
mc=$(med "$work/c")
printf 'median of %d: vouch-rebuild %.2f s, plain chroot %.2f s, ratio %.3f (overhead %.1f%%)\n' \
	"$n" "$mv" "$mc" "$(echo "$mv / $mc" | bc -l)" "$(echo "($mv / $mc - 1) * 100" | bc -l)"
