#!/bin/sh
# vouch-unpack, vouch-hash and vouch-compare read one set of archives (the
# one reader, vouch/reader.h): every format and compression filter the
# reference tools in .ci/packages produce is accepted by all three, and what
# is not an archive they read (mtree, plain text) is refused by all three.
#   accepted by vouch-hash -m:     it lists the members (NAME!a.txt)
#   accepted by vouch-unpack:      exit 0, a.txt extracted with its content
#   accepted by vouch-compare:     the difference is found at member b.txt
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
cd "$T"

mkdir -p x/sub y/sub
printf 'alpha\n' >x/a.txt
printf 'beta\n' >x/sub/b.txt
printf 'alpha\n' >y/a.txt
printf 'beta 2\n' >y/sub/b.txt

# mk KIND OUT DIR: an archive of DIR's files made by a reference tool
mk() {
	o=$PWD/$2 d=$3
	case $1 in
	ustar | pax | gnu | v7) (cd "$d" && tar --format="$1" -cf "$o" a.txt sub/b.txt) ;;
	newc | odc | crc) (cd "$d" && printf 'a.txt\nsub\nsub/b.txt\n' | cpio -o -H "$1" --quiet >"$o") ;;
	zip) (cd "$d" && zip -q -r "$o" a.txt sub) ;;
	7z) (cd "$d" && 7z a -bd "$o" a.txt sub >/dev/null) ;;
	iso) genisoimage -quiet -R -o "$o" "$d" ;;
	ar) (cd "$d" && ar rc "$o" a.txt sub/b.txt) ;;
	gz) mk ustar "$2.t" "$3" && gzip -n -c "$2.t" >"$2" ;;
	bz2) mk ustar "$2.t" "$3" && bzip2 -c "$2.t" >"$2" ;;
	xz) mk ustar "$2.t" "$3" && xz -c "$2.t" >"$2" ;;
	lzma) mk ustar "$2.t" "$3" && xz --format=lzma -c "$2.t" >"$2" ;;
	lz) mk ustar "$2.t" "$3" && lzip -c "$2.t" >"$2" ;;
	zst) mk ustar "$2.t" "$3" && zstd -q -c "$2.t" >"$2" ;;
	lz4) mk ustar "$2.t" "$3" && lz4 -q -c "$2.t" >"$2" ;;
	Z) mk ustar "$2.t" "$3" && compress -c "$2.t" >"$2" ;;
	cpio.xz) mk newc "$2.t" "$3" && xz -c "$2.t" >"$2" ;;
	mtree) printf '#mtree\n./a.txt type=file size=%s\n' "$(wc -c <"$d/sub/b.txt")" >"$o" ;;
	text) cat "$d/a.txt" "$d/sub/b.txt" >"$o" ;;
	esac
}

# check KIND WANT: WANT is 1 (all three accept) or 0 (all three refuse)
check() {
	kind=$1 want=$2
	if ! mk "$kind" "x.$kind" x || ! mk "$kind" "y.$kind" y; then
		fail "$kind: the reference tool could not make the archive"
		return 0
	fi
	set +e
	"$VOUCH_BIN/vouch-hash" -m "x.$kind" >hash.out 2>hash.err
	grep -q "\"x\\.$kind!\\(\\./\\)\\{0,1\\}a\\.txt\"" hash.out && h=1 || h=0
	rm -rf u
	"$VOUCH_BIN/vouch-unpack" "x.$kind" u >unpack.out 2>unpack.err
	urc=$?
	[ "$urc" -eq 0 ] && [ "$(find u -name a.txt -exec cat {} \; 2>/dev/null)" = alpha ] && u=1 || u=0
	[ "$urc" -eq 0 ] || [ "$urc" -eq 2 ] || fail "$kind: vouch-unpack exit $urc"
	"$VOUCH_BIN/vouch-compare" --json "x.$kind" "y.$kind" >cmp.out 2>cmp.err
	crc=$?
	set -e
	[ "$crc" -eq 1 ] || fail "$kind: vouch-compare exit $crc, not 1 (different)"
	python3 - cmp.out <<'PY' && c=1 || c=0
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if any(d["path"].endswith("b.txt") for d in r["differences"]) else 1)
PY
	if [ "$h$u$c" = "$want$want$want" ]; then
		ok
	else
		fail "$kind: hash/unpack/compare accept $h/$u/$c, want all $want"
		head -n 3 hash.err unpack.err cmp.err >&2
	fi
}

for k in ustar pax gnu v7 newc odc crc zip 7z iso ar gz bz2 xz lzma lz zst lz4 Z cpio.xz; do
	check "$k" 1
done
for k in mtree text; do
	check "$k" 0
done
finish
