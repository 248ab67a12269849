#!/bin/sh
# debian-sample.sh - vouch against the .debs Debian ships, and against
# itself from .buildinfo files.  Not part of make check (network, root,
# minutes per package).
#
#   tests/bench/debian-sample.sh [-o RESULTS] [-c CACHE] [-k KEEP] [-r] [-n] [-C] SOURCE...
#
# For each source package of bookworm: a first build with vouch-debrebuild
# --from-archive (build dependencies at the suite's current versions, the
# clock at SOURCE_DATE_EPOCH) compared with the .debs the archive ships:
# identical (bit for bit), equivalent under a declared normalization
# (vouch-compare --normalize build-id,debug-link, then all: the first that
# makes them equal is named), or differ (with vouch-compare's first hint
# why).  The .buildinfo of that first build is not Debian's (Debian's
# builders' .buildinfo files are not on the archive): it is made by
# vouch-debrebuild from apt's resolution of the source's Build-Depends
# against the mirror's current suite, with Build-Path
# /build/reproducible-path/SRC-VERSION, DEB_BUILD_OPTIONS=parallel=2,
# LANG=C.UTF-8 and SOURCE_DATE_EPOCH from debian/changelog.
# with -r, then a rebuild from that first build's .buildinfo in a fresh
# environment, which must give the same .debs bit for bit.  One line per
# package goes to RESULTS (default tests/bench/debian-sample.txt).  -n
# leaves the security archive out (the suite's own versions).  -C reuses
# the first builds already in KEEP (classifies again, builds what is
# missing).
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
bin=${VOUCH_BIN:-$here/../../build/check/tools}
results=$here/debian-sample.txt
cache=/var/cache/vouch-test/debrebuild
rebuild=
secopt=
keep=
again=
while getopts o:c:rnk:C opt; do
	case $opt in
	o) results=$OPTARG ;;
	c) cache=$OPTARG ;;
	r) rebuild=1 ;;
	n) secopt="--security none" ;;
	k) keep=$OPTARG ;;
	C) again=1 ;;
	*) echo "usage: debian-sample.sh [-o RESULTS] [-c CACHE] [-k KEEP] [-r] [-n] [-C] SOURCE..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
# the results of each package are kept in KEEP (-k; default a temporary
# directory removed at the end)
work=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/vouch-sample.XXXXXX")}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
export VOUCH_BINDIR="$bin"
# buildsys LOG: the build system debhelper drove, as its log shows
buildsys() {
	if grep -q -- '--buildsystem=pybuild\|I: pybuild ' "$1"; then echo Python
	elif grep -q '^	cd obj-[^ ]* && cmake \|^	cmake ' "$1"; then echo CMake
	elif grep -q '^	meson \|^	cd obj-[^ ]* && .*meson setup\|^	LC_ALL=[^ ]* meson ' "$1"; then echo Meson
	elif grep -q '^	/usr/bin/perl \(-I. \)\{0,1\}\(Makefile\|Build\).PL' "$1"; then echo Perl
	elif grep -q '^	\(\.\./\)*\./configure ' "$1"; then echo autotools
	elif grep -q '^	make -j[0-9]* \|^	make$\|^	make ' "$1"; then echo make
	else echo "none (debhelper)"
	fi
}
# normalized DEB: the normalization that makes the rebuilt DEB equal to
# the shipped one (downloaded with apt-get, checked against the host's
# signed indexes), or nothing
normalized() {
	mkdir -p "$work/shipped"
	n=$(basename "$1" .deb)
	p=${n%%_*}
	v=${n#*_}
	v=${v%_*}
	[ -f "$work/shipped/$n.deb" ] ||
		(cd "$work/shipped" && apt-get -q download "$p=$(echo "$v" | sed 's/%3a/:/')" >/dev/null 2>&1) ||
		return 0
	for norm in build-id,debug-link all; do
		if "$bin/vouch-compare" -q --normalize "$norm" "$1" "$work/shipped/$n.deb"; then
			echo "$norm"
			return 0
		fi
	done
}
for src in "$@"; do
	o=$work/$src
	t0=$(date +%s)
	set +e
	if [ -n "$again" ] && [ -s "$o.first/check.txt" ]; then
		rc=0
	else
		rm -rf "$o.first"
		# shellcheck disable=SC2086
		"$bin/vouch-debrebuild" -c "$cache" $secopt --clock source-date-epoch --shipped archive \
			--from-archive "$src" -o "$o.first" >"$work/$src.out" 2>"$work/$src.err"
		rc=$?
	fi
	set -e
	t1=$(date +%s)
	if [ $rc -gt 1 ] || [ ! -s "$o.first/check.txt" ]; then
		if grep -q "Failed to fetch" "$work/$src.err"; then
			echo "$src source-unavailable $(grep -o 'Failed to fetch [^ ]*' "$work/$src.err" | head -1)" >>"$results"
		else
			echo "$src first-build-failed $(tail -1 "$work/$src.err" | cut -c1-150)" >>"$results"
		fi
		continue
	fi
	ver=$(sed -n 's/^Version: //p' "$o.first/rebuilt"/*.buildinfo | head -1)
	sys=$(buildsys "$o.first/rebuilt/build.log")
	for f in "$o.first/rebuilt"/*deb; do
		n=$(basename "$f")
		case $n in *-dbgsym_*|*.ddeb) continue ;; esac
		txt=$o.first/vsa/$n.txt
		if grep -q "^shipped-identical $n" "$work/$src.out"; then
			v=$(sed -n 's/^verdict: //p' "$txt" | head -1)
			case $v in identical*) r=identical ;; *) r="equivalent ($v)" ;; esac
		elif grep -q "^shipped-differs $n" "$work/$src.out"; then
			why=$(grep -m1 'hint' "$txt" | sed 's/.*hint[^:]*: //')
			what=$(grep -m1 '^  [^ ]' "$txt" | sed 's/^ *//' | cut -c1-110)
			norm=$(normalized "$f")
			if [ -n "$norm" ]; then
				r="equivalent (--normalize $norm): $what; hint $why"
			else
				r="differs: $what; hint $why"
			fi
		else
			r="not-shipped"
		fi
		echo "$src $ver $sys $n first-build $((t1 - t0))s shipped $r" >>"$results"
	done
	if [ -n "$rebuild" ]; then
		bi=$(ls "$o.first/rebuilt"/*.buildinfo)
		set +e
		# shellcheck disable=SC2086
		"$bin/vouch-debrebuild" -c "$cache" $secopt -o "$o.re" "$bi" >"$work/$src.re.log" 2>&1
		rc=$?
		set -e
		echo "$src $ver rebuild-from-buildinfo exit $rc: $(grep -c '^reproduced' "$work/$src.re.log") reproduced, $(grep -c '^differs\|^missing' "$work/$src.re.log") not; clock build-date$([ $rc -eq 2 ] && echo "; $(tail -1 "$work/$src.re.log" | cut -c1-150)")" >>"$results"
	fi
done
