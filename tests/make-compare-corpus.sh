#!/bin/sh
# make-compare-corpus.sh OUTDIR - generate the vouch-compare test corpus.
#
# Writes OUTDIR/A/<case> (the "rebuilt" side) and OUTDIR/B/<case> (the
# "shipped" side) for every case; nothing binary is committed.  Needs tar,
# gzip, xz, ar (binutils), cc and python3.
#
#   identical.txt   the same bytes
#   mtime.tar       member mtimes differ
#   order.tar       member order differs
#   owner.tar       member owners differ
#   data.txt.gz     gzip header (name, mtime) differs, content equal
#   pkg.deb         ar -> data.tar.xz -> usr/share/pkg/blob.bin, one byte changed
#   buildid.elf     ELF executables differing only in the build ID
#   insn.elf        ELF executables with one changed instruction
#   debug.elf       ELF executables whose debug info names different build paths
#   bundle.zip      zip -> inner.tar.gz -> doc/list.txt, one changed line
#   tree.cpio       cpio (newc) with one changed member
#   tree.7z         7z with one changed member           (when 7zz or 7z exists)
#   tree.iso        iso9660 with one changed member      (when genisoimage exists)
#   added.tar       B has one more member (extra.txt)
#   notes.txt       text with one changed line
set -eu
out=${1:?usage: make-compare-corpus.sh OUTDIR}
mkdir -p "$out/A" "$out/B"
out=$(cd "$out" && pwd)
w=$(mktemp -d "${TMPDIR:-/tmp}/vouch-corpus.XXXXXX")
trap 'rm -rf "$w"' EXIT
TZ=UTC
export TZ

dtar() { # dtar OUT DIR [tar options...] -- deterministic unless overridden
	_o=$1
	_d=$2
	shift 2
	tar --format=gnu --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
		"$@" -cf "$_o" -C "$_d" .
}

tree() { # tree DIR: a small source tree
	mkdir -p "$1/src" "$1/doc"
	printf 'int main(void) { return 0; }\n' >"$1/src/main.c"
	printf 'hello world\n' >"$1/doc/README"
	printf 'line %s\n' 1 2 3 4 5 6 7 8 9 >"$1/doc/list.txt"
}

# identical
printf 'the same bytes\n' >"$out/A/identical.txt"
cp "$out/A/identical.txt" "$out/B/identical.txt"

# mtime only
tree "$w/t"
dtar "$out/A/mtime.tar" "$w/t"
dtar "$out/B/mtime.tar" "$w/t" --mtime=@1700009999

# owner only
dtar "$out/A/owner.tar" "$w/t"
dtar "$out/B/owner.tar" "$w/t" --owner=1000 --group=1000

# order only
touch -d @1700000000 "$w/t/doc/README" "$w/t/src/main.c"
tar --format=gnu --owner=0 --group=0 --numeric-owner -cf "$out/A/order.tar" \
	-C "$w/t" doc/README src/main.c
tar --format=gnu --owner=0 --group=0 --numeric-owner -cf "$out/B/order.tar" \
	-C "$w/t" src/main.c doc/README

# gzip header only
printf 'compressed payload %s\n' 1 2 3 4 5 >"$w/data.txt"
touch -d @1700000000 "$w/data.txt"
gzip -n -c "$w/data.txt" >"$out/A/data.txt.gz"
gzip -c "$w/data.txt" >"$out/B/data.txt.gz"

# member added
dtar "$out/A/added.tar" "$w/t"
printf 'extra\n' >"$w/t/extra.txt"
dtar "$out/B/added.tar" "$w/t"

# text with one changed line
printf 'alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\ntheta\n' >"$out/A/notes.txt"
printf 'alpha\nbeta\ngamma\nDELTA\nepsilon\nzeta\neta\ntheta\n' >"$out/B/notes.txt"

# .deb-like: ar -> data.tar.xz -> usr/share/pkg/blob.bin, one byte changed deep inside
for side in A B; do
	d="$w/deb$side"
	mkdir -p "$d/data/usr/share/pkg" "$d/control"
	python3 -c '
import random, sys
r = random.Random(42)
b = bytearray(r.getrandbits(8) for _ in range(65536))
if sys.argv[1] == "B":
    b[40000] ^= 0x5a
sys.stdout.buffer.write(bytes(b))' "$side" >"$d/data/usr/share/pkg/blob.bin"
	printf 'Package: pkg\nVersion: 1.0\n' >"$d/control/control"
	dtar "$d/data.tar" "$d/data"
	dtar "$d/control.tar" "$d/control"
	xz -9 -c "$d/data.tar" >"$d/data.tar.xz"
	xz -9 -c "$d/control.tar" >"$d/control.tar.xz"
	printf '2.0\n' >"$d/debian-binary"
	(cd "$d" && ar rcD "$out/$side/pkg.deb" debian-binary control.tar.xz data.tar.xz)
done

# ELF: build ID only, and one changed instruction
cat >"$w/prog.c" <<'EOF'
int value(int x);
int value(int x) { return x * VALUE; }
int main(int argc, char **argv) { (void)argv; return value(argc); }
EOF
cc=${CC:-cc}
"$cc" -O1 -DVALUE=3 -Wl,--build-id=0x1111111111111111111111111111111111111111 \
	-o "$out/A/buildid.elf" "$w/prog.c"
"$cc" -O1 -DVALUE=3 -Wl,--build-id=0x2222222222222222222222222222222222222222 \
	-o "$out/B/buildid.elf" "$w/prog.c"
"$cc" -O1 -DVALUE=3 -Wl,--build-id=0x3333333333333333333333333333333333333333 \
	-o "$out/A/insn.elf" "$w/prog.c"
"$cc" -O1 -DVALUE=5 -Wl,--build-id=0x3333333333333333333333333333333333333333 \
	-o "$out/B/insn.elf" "$w/prog.c"
mkdir -p "$w/b1" "$w/b2"
cp "$w/prog.c" "$w/b1/prog.c"
cp "$w/prog.c" "$w/b2/prog.c"
(cd "$w/b1" && "$cc" -g -O1 -DVALUE=3 -Wl,--build-id=none -fdebug-prefix-map="$w/b1=/build/one" \
	-o "$out/A/debug.elf" prog.c)
(cd "$w/b2" && "$cc" -g -O1 -DVALUE=3 -Wl,--build-id=none -fdebug-prefix-map="$w/b2=/build/other-path" \
	-o "$out/B/debug.elf" prog.c)

# other formats: a tarball inside a zip, cpio, 7z, iso9660 (one changed line each)
for side in A B; do
	d="$w/fmt$side"
	mkdir -p "$d/t/doc"
	printf 'line %s\n' 1 2 3 4 5 6 7 8 9 >"$d/t/doc/list.txt"
	[ "$side" = B ] && printf 'line %s\n' 1 2 3 4 five 6 7 8 9 >"$d/t/doc/list.txt"
	touch -d @1700000000 "$d/t/doc/list.txt" "$d/t/doc" "$d/t"
	dtar "$d/inner.tar" "$d/t"
	gzip -n -c "$d/inner.tar" >"$d/inner.tar.gz"
	touch -d @1700000000 "$d/inner.tar.gz"
	(cd "$d" && zip -q -X "$out/$side/bundle.zip" inner.tar.gz)
	(cd "$d/t" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible \
		>"$out/$side/tree.cpio")
	if command -v 7zz >/dev/null; then
		(cd "$d/t" && 7zz a -bd -bso0 -bsp0 "$out/$side/tree.7z" doc >/dev/null)
	elif command -v 7z >/dev/null; then
		(cd "$d/t" && 7z a -bd "$out/$side/tree.7z" doc >/dev/null)
	fi
	if command -v genisoimage >/dev/null; then
		genisoimage -quiet -R -o "$out/$side/tree.iso" "$d/t" 2>/dev/null
	fi
done
