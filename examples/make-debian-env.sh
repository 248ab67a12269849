#!/bin/sh
# make-debian-env.sh - build a Debian 12 (bookworm) build environment for
# vouch-rebuild and pack it as a deterministic tarball.
#
#   examples/make-debian-env.sh [-m MIRROR] [-s SUITE] [-t SNAPSHOT_EPOCH] OUT.tar
#
# Runs debootstrap (variant minbase, plus build-essential) into a scratch
# directory, removes what records the moment or the machine of the build
# (apt lists and caches, logs, machine-id, backup files, device nodes), then
# packs the tree with sorted names, one fixed mtime, owner and group 0 and a
# fixed tar format, so two runs over the same package set give the same
# bytes.  The sha256 of OUT.tar is printed on stdout: pin it in a recipe's
# "environment": {"rootfs": ..., "sha256": ...}.
#
# Publishing and checking an environment:
#   A vendor publishes OUT.tar and its digest next to the source release
#   (and names the mirror snapshot it used: with -m http://snapshot.debian.org/
#   archive/debian/<timestamp>/ the package set is frozen).  An auditor either
#   downloads that tarball and lets vouch-rebuild check the digest pinned in
#   the recipe, or runs this script against the same snapshot and compares
#   the printed digest with the vendor's: equal digests mean the same
#   environment, byte for byte.  vouch-rebuild records the digest in the
#   provenance (resolvedDependencies), so every rebuild says which one it used.
#
# Needs root (debootstrap), debootstrap and tar.  Takes several minutes.
set -eu
LC_ALL=C
export LC_ALL

mirror=http://deb.debian.org/debian
suite=bookworm
epoch=1700000000
usage() {
	echo "usage: make-debian-env.sh [-m MIRROR] [-s SUITE] [-t EPOCH] OUT.tar" >&2
	exit 2
}
while getopts m:s:t:h opt; do
	case $opt in
	m) mirror=$OPTARG ;;
	s) suite=$OPTARG ;;
	t) epoch=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
out=$1
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
[ "$(id -u)" -eq 0 ] || { echo "make-debian-env.sh: debootstrap needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "make-debian-env.sh: install debootstrap" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vouch-debenv.XXXXXX")
cleanup() {
	# debootstrap may leave proc/sys mounted when it fails half-way
	for m in proc sys dev/pts dev; do
		umount -l "$work/root/$m" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
root=$work/root

SOURCE_DATE_EPOCH=$epoch
export SOURCE_DATE_EPOCH
debootstrap --variant=minbase --include=build-essential --merged-usr \
	"$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
	tail -n 30 "$work/debootstrap.log" >&2
	echo "make-debian-env.sh: debootstrap failed" >&2
	exit 2
}

# Drop what depends on the time or machine of the build, not on the packages.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* \
	"$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old \
	"$root"/var/cache/ldconfig/aux-cache "$root"/var/log/* \
	"$root"/var/lib/dpkg/available "$root"/tmp/* "$root"/var/tmp/* \
	"$root"/run/* "$root"/dev/* "$root"/proc/* "$root"/sys/*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root/etc/hostname" "$root/etc/resolv.conf"
# debootstrap copies these from the machine it runs on
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$root/etc/hosts"
# shadow's "last changed" field counts days since the build date
if [ -f "$root/etc/shadow" ]; then
	awk -F: 'BEGIN { OFS = ":" } NF >= 3 { $3 = "" } { print }' \
		"$root/etc/shadow" >"$work/shadow"
	cat "$work/shadow" >"$root/etc/shadow"
fi
find "$root" -name '*.pyc' -delete

tar --create --file="$out.tmp" --directory="$root" \
	--sort=name --format=gnu --numeric-owner --owner=0 --group=0 \
	--mtime="@$epoch" --no-acls --no-xattrs --no-selinux \
	--exclude=./dev/* --exclude=./proc/* --exclude=./sys/* .
mv -f "$out.tmp" "$out"
sha256sum "$out" | cut -d' ' -f1
