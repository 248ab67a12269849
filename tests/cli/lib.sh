# lib.sh - sourced by the shell tests.  Gives each test a scratch directory,
# helpers that assert exit status and output, and a pass/fail count.
set -eu
LC_ALL=C
export LC_ALL
: "${VOUCH_BIN:?run the shell tests through make check}"
: "${VOUCH_SRCDIR:?run the shell tests through make check}"

T=$(mktemp -d "${TMPDIR:-/tmp}/vouch-sh.XXXXXX")
# background processes a test started (PIDS="$PIDS $!"): stopped at exit
PIDS=""
stop_pids() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
}
trap 'stop_pids; rm -rf "$T"' EXIT
passed=0
failed=0

# A test that sets its own 'trap stop_all EXIT' still stops PIDS and
# removes $T at exit.
stop_all() {
	stop_pids
	rm -rf "$T"
}

# serve_new_log ORIGIN [vouch-logd options]: a new log in $T/log.d signed by
# $T/log.key, served by vouch-logd on a free loopback port (stopped by
# stop_all); sets URL and VKEY (the log's verifier key).
serve_new_log() {
	origin=$1
	shift
	"$VOUCH_BIN/vouch-keygen" -o "$T/log" >/dev/null
	VKEY=$("$VOUCH_BIN/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o "$origin" --init)
	"$VOUCH_BIN/vouch-logd" -d "$T/log.d" -k "$T/log.key" -o "$origin" -l 127.0.0.1:0 \
		--port-file "$T/port" "$@" 2>"$T/logd.err" &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$T/port" ] || { cat "$T/logd.err" >&2; fail "vouch-logd did not start"; exit 1; }
	URL=http://127.0.0.1:$(cat "$T/port")
}

fail() {
	echo "FAIL: $*" >&2
	failed=$((failed + 1))
}
ok() {
	passed=$((passed + 1))
}

. "$VOUCH_SRCDIR/tests/cli/nginx.sh"

# expect_status N cmd...  runs cmd with stdout to $T/out, stderr to $T/err
expect_status() {
	want=$1
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		fail "expected exit $want, got $got: $*"
		sed 's/^/  stderr: /' "$T/err" | head -n 5 >&2
		return 0
	fi
	ok
}

# expect_same EXPECTED_FILE ACTUAL_FILE label
expect_same() {
	if diff -u "$1" "$2" >"$T/diff"; then
		ok
	else
		fail "$3"
		head -n 20 "$T/diff" >&2
	fi
}

# expect_grep PATTERN FILE label
expect_grep() {
	if grep -q -- "$1" "$2"; then
		ok
	else
		fail "$3: '$1' not found in $(basename "$2")"
		head -n 5 "$2" >&2
	fi
}

expect_lines() {
	n=$(wc -l <"$2" | tr -d ' ')
	if [ "$n" -eq "$1" ]; then ok; else fail "$3: $n lines, expected $1"; fi
}

# debian_env: set DEBIAN_ENV to the Debian 12 build environment tarball of
# examples/make-debian-env.sh: $VOUCH_DEBIAN_ENV when given, else (as root)
# /var/cache/vouch-test/debian12.tar, built once (debootstrap, minutes) and
# shared by every test that needs it.  Returns non-zero when unavailable.
debian_env() {
	if [ -n "${VOUCH_DEBIAN_ENV:-}" ]; then
		DEBIAN_ENV=$VOUCH_DEBIAN_ENV
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || return 1
	mkdir -p /var/cache/vouch-test
	DEBIAN_ENV=/var/cache/vouch-test/debian12.tar
	[ -s "$DEBIAN_ENV" ] && return 0
	echo "building the Debian 12 environment (debootstrap; takes minutes)"
	# one builder at a time when the suite runs in parallel
	(
		flock 9
		[ -s "$DEBIAN_ENV" ] ||
			{ "$VOUCH_SRCDIR/examples/make-debian-env.sh" "$DEBIAN_ENV.new" >/dev/null &&
				mv "$DEBIAN_ENV.new" "$DEBIAN_ENV"; }
	) 9>/var/cache/vouch-test/.lock || true
	[ -s "$DEBIAN_ENV" ]
}

# debian_env_or_fail: ENV (the tarball), CACHE (its unpacked rootfs cache)
# and DIGEST (its sha256), or the test fails here: never skipped.
debian_env_or_fail() {
	if ! debian_env; then
		fail "needs root (debootstrap) or VOUCH_DEBIAN_ENV=<tarball made by make-debian-env.sh>, or the build failed"
		finish
		exit 1
	fi
	ENV=$DEBIAN_ENV
	if [ -n "${VOUCH_DEBIAN_ENV:-}" ]; then
		CACHE=${VOUCH_DEBIAN_CACHE:-$T/cache}
	else
		CACHE=/var/cache/vouch-test/cache
	fi
	DIGEST=$(sha256sum "$ENV" | cut -c1-64)
}

# gnu_hello_orig: set ORIG to GNU hello 2.10 as Debian ships it (its orig
# tarball, fetched once from Debian's archive) and ORIG_SHA to the digest
# Debian's hello_2.10-3.dsc pins; kept in /var/cache/vouch-test as root
# (with the Debian environment), else in $T.
gnu_hello_orig() {
	ORIG_SHA=31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b
	if [ "$(id -u)" -eq 0 ] && [ -z "${VOUCH_DEBIAN_ENV:-}" ]; then
		ORIG=/var/cache/vouch-test/hello_2.10.orig.tar.gz
	else
		ORIG=$T/hello_2.10.orig.tar.gz
	fi
	if [ "$(sha256sum "$ORIG" 2>/dev/null | cut -c1-64)" != "$ORIG_SHA" ]; then
		curl -sSf --max-time 120 -o "$ORIG.new.$$" \
			http://deb.debian.org/debian/pool/main/h/hello/hello_2.10.orig.tar.gz &&
			mv "$ORIG.new.$$" "$ORIG"
	fi
}

# gnu_hello_recipe FILE TIMEOUT OUTPUTS [check]: write to FILE a recipe that
# builds GNU hello 2.10 (gnu_hello_orig) with autotools in the Debian
# environment $ENV ($DIGEST): configure, make, `make check` when asked,
# install; OUTPUTS is the JSON list of the files it keeps.
gnu_hello_recipe() {
	gnu_hello_orig
	_check=
	[ "${4:-}" != check ] || _check='["make", "-C", "hello-2.10", "check"],'
	cat >"$1" <<EOF
{"vouchRecipe": 1, "name": "hello", "version": "2.10",
 "source": {"path": "$ORIG", "digest": {"sha256": "$ORIG_SHA"}},
 "environment": {"rootfs": "$ENV", "digest": {"sha256": "$DIGEST"}},
 "sourceDateEpoch": 1700000000, "workdir": "/build/hello-2.10",
 "env": {"CFLAGS": "-O2 -g -ffile-prefix-map=/build/hello-2.10=."},
 "steps": [["sh", "-c", "cd hello-2.10 && ./configure --prefix=/usr --disable-nls"],
           ["make", "-C", "hello-2.10", "-j2"], $_check
           ["make", "-C", "hello-2.10", "install", "DESTDIR=/out"]],
 "outputs": $3,
 "limits": {"timeoutSeconds": $2, "memoryBytes": 2147483648, "maxProcesses": 512,
            "diskBytes": 1073741824}}
EOF
}

# real_world_test: the tests that rebuild real packages or run a peer tool
# on real ones take minutes each; tests/run-all.sh runs them in its first
# pass only and sets VOUCH_REAL_WORLD=done for its distcheck and sanitizer
# passes, where they report SKIP (exit 77), visibly, in the summary.
real_world_test() {
	if [ "${VOUCH_REAL_WORLD:-}" = done ]; then
		echo "SKIP: a real-world test; it ran in this tests/run-all.sh's first pass"
		exit 77
	fi
}

# The debrebuild tests' first builds and environments live below
# VOUCH_TEST_CACHE (default /var/cache/vouch-test, shared between runs; a
# fresh directory measures a cold run).
VOUCH_TEST_CACHE=${VOUCH_TEST_CACHE:-/var/cache/vouch-test}

# debrebuild_setup: the tests that rebuild real Debian packages need root
# (debootstrap, chroot) and Debian's archive; vouch-debrebuild finds the
# tools of this build.
debrebuild_setup() {
	if [ "$(id -u)" -ne 0 ]; then
		fail "needs root (debootstrap, chroot) and Debian's archive"
		finish
		exit 1
	fi
	VOUCH_BINDIR=$VOUCH_BIN
	export VOUCH_BINDIR
}

# debrebuild_again NAME [vouch-debrebuild options]: rebuilds from the first
# build's .buildinfo ($BI, in $FIRST) into $T/NAME (the source from the
# archive, or e.g. -s DIR), in the environment the .buildinfo's list makes:
# vouch-debrebuild exits 0, every .deb the .buildinfo lists is reproduced
# and bit-identical to the first build's, the environment is not the first
# build's (that list was apt's resolution, without the Essential set) and
# the provenance names the clock (fixed, unless the options say --clock
# real).
debrebuild_again() {
	n=$1
	shift
	sed -n '/^Checksums-Sha256:/,/^[^ ]/s/^ [0-9a-f]\{64\} [0-9]* \(.*deb\)$/\1/p' "$BI" |
		sort >"$T/$n.want"
	[ -s "$T/$n.want" ] && ok || fail "$n: the .buildinfo names no .deb"
	set +e
	"$VOUCH_BIN/vouch-debrebuild" -c "$VOUCH_TEST_CACHE/debrebuild" "$@" -o "$T/$n" "$BI" \
		>"$T/$n.out" 2>"$T/$n.err"
	rc=$?
	set -e
	[ $rc -eq 0 ] && ok || fail "$n: vouch-debrebuild exited $rc: $(head -3 "$T/$n.err") $(grep -v '^reproduced' "$T/$n.out" | head -3)"
	sed -n 's/^reproduced //p' "$T/$n.out" | sort >"$T/$n.got"
	expect_same "$T/$n.want" "$T/$n.got" "$n: every .deb reproduced"
	while read -r d; do
		cmp -s "$FIRST/rebuilt/$d" "$T/$n/rebuilt/$d" && ok ||
			fail "$n: $d differs from the first build's"
	done <"$T/$n.want"
	cmp -s "$FIRST/environment.list" "$T/$n/environment.list" &&
		fail "$n: the rebuild reused the first build's environment" || ok
	# the clock the provenance must name: what --clock asked for, else
	# $DEBREBUILD_CLOCK (a default the caller expects), else libfaketime
	case " $* " in
	*" --clock real "*) clock=real ;;
	*) clock=${DEBREBUILD_CLOCK:-libfaketime} ;;
	esac
	grep -q "\"clock\":{\"kind\":\"$clock\"" "$T/$n/provenance.json" && ok ||
		fail "$n: the provenance does not say the clock was $clock"
}

# debrebuild_first NAME [vouch-debrebuild options]: the first build of a
# Debian source package (vouch-debrebuild with the options given, e.g.
# --from-archive SRC=VERSION or -s DIR), made once into
# $VOUCH_TEST_CACHE/first-NAME (flock'd; renamed into place when
# complete, so an entry is whole or absent); sets FIRST.  Needs root.
debrebuild_first() {
	fname=$1
	shift
	FIRST="$VOUCH_TEST_CACHE/first-$fname"
	mkdir -p "$VOUCH_TEST_CACHE/debrebuild"
	(
		flock 9
		if [ ! -f "$FIRST/done" ]; then
			rm -rf "$FIRST" "$FIRST.tmp"
			VOUCH_BINDIR=$VOUCH_BIN "$VOUCH_BIN/vouch-debrebuild" \
				-c "$VOUCH_TEST_CACHE/debrebuild" "$@" -o "$FIRST.tmp" \
				>"$T/first-$fname.out" 2>&1 || {
				tail -5 "$T/first-$fname.out" >&2
				rm -rf "$FIRST.tmp"
				exit 1
			}
			touch "$FIRST.tmp/done"
			mv "$FIRST.tmp" "$FIRST"
		fi
	) 9>"$VOUCH_TEST_CACHE/first-$fname.lock"
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
