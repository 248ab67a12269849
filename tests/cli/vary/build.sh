#!/bin/sh
# tests/cli/vary/build.sh FIXTURE: a build that embeds exactly one thing of
# its environment in /out/result (rebuild-vary.sh and reprotest.sh build it
# under variations; each must be named as the only culprit).  OUT is where
# the result goes (default /out, vouch's sandbox).
set -eu
out=${OUT:-/out}
case $1 in
none) echo "the same everywhere" ;;
date) date -u +%Y ;;                         # the clock
timezone) date -d @0 +%H%M ;;                # TZ
collation) printf 'b\nA\na\nB\n' | sort ;;   # the locale's collation
umask) : >f && stat -c %a f ;;               # umask in file modes
hostname) uname -n ;;                        # the host name
buildpath) pwd ;;                            # the build path
user) id -un ;;                              # the user name
cpus) nproc ;;                               # CPUs visible
readdir) find parts -type f ;;               # directory order of the source
home) echo "$HOME" ;;                        # HOME
env) env | grep -c _CAPTURE_ENVIRONMENT= || true ;;  # a variable not asked for
kernel) uname -r ;;                          # the kernel release
tz-and-locale)                               # both at once, neither alone
	if [ "${TZ:-UTC}" != UTC ] && [ "${LC_ALL:-C.UTF-8}" != C.UTF-8 ]; then echo both; fi ;;
random) od -An -N8 -tx8 /dev/urandom ;;        # nothing varied: itself
needs-builder) [ "$(id -un)" = builder ] && echo ok ;;  # fails as another user
*) echo "unknown fixture '$1'" >&2; exit 2 ;;
esac >"$out/result"
