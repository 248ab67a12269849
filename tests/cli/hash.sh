#!/bin/sh
# vouch-hash: digests agree with coreutils; sha256sum -c accepts the sum
# format (odd names included); the JSON parses and gives every name back
# exactly; -j does not change the output; every archive format; symlinks
# are recorded, not followed; bad input is reported and skipped; > 4 GiB.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
H="$VOUCH_BIN/vouch-hash"
cd "$T"

# python3 check: the JSON list in $1 is valid, and its exact names (from
# vouch_path_b64 when present) and sha256 digests match the files on disk.
json_matches_disk() {
	python3 - "$1" <<'EOF'
import base64, hashlib, json, os, sys
subjects = json.load(open(sys.argv[1], encoding="utf-8"))
for s in subjects:
    ann = s.get("annotations", {})
    name = base64.b64decode(ann["vouch_path_b64"]) if "vouch_path_b64" in ann \
        else s["name"].encode("utf-8")
    if ann.get("vouch_type") == "symlink":
        data = os.readlink(name)
        assert ann.get("vouch_link_target_b64") is None or \
            base64.b64decode(ann["vouch_link_target_b64"]) == data, name
    else:
        data = open(name, "rb").read()
    assert s["digest"]["sha256"] == hashlib.sha256(data).hexdigest(), name
print(len(subjects))
EOF
}

# ---- a tree with ordinary names: same digests as coreutils ----
mkdir -p p/sub p/a-b p/sub/deeper
printf 'hello\n' >p/a-b/x
printf 'a0\n' >p/a0
printf '' >p/empty
head -c 300000 /dev/urandom >p/sub/random
printf 'deep\n' >p/sub/deeper/f
for alg in sha256 sha512 sha384; do
	find p -type f -print0 | sort -z | xargs -0 ${alg}sum >"$T/want"
	expect_status 0 "$H" -a $alg -f sha256sum p
	expect_same "$T/want" "$T/out" "-a $alg sums equal ${alg}sum"
done
# the same as JSON, with two algorithms in one pass
expect_status 0 "$H" -a sha512 -a sha256 p
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print("\n".join(s["digest"]["sha256"]+"  "+s["name"] for s in l)); assert all(list(s["digest"])==["sha256","sha512"] for s in l)' "$T/out" >"$T/got" \
	|| fail "JSON with two algorithms"
find p -type f -print0 | sort -z | xargs -0 sha256sum >"$T/want"
expect_same "$T/want" "$T/got" "JSON digests equal sha256sum"
# trailing slash: no doubled slash in names
expect_status 0 "$H" -f sha256sum p/
expect_grep '  p/a0$' "$T/out" "dir/ gives dir/name"

# ---- odd names: newline, CR, backslash, tab, non-UTF-8, quote ----
mkdir o
printf 1 >"o/$(printf 'new\nline')"
printf 2 >"o/$(printf 'car\rret')"
printf 3 >'o/back\slash'
printf 4 >"o/$(printf 'tab\tx')"
printf 5 >"o/$(printf 'bad\377\376utf8')"
printf 6 >'o/quote"d'
printf 7 >"o/$(printf 'caf\303\251')"
printf 8 >"o/$(printf 'ctl\001x')"
ln -s "$(printf 'tar\377get')" o/badlink
expect_status 0 "$H" -f sha256sum o
cp "$T/out" "$T/o.sums"
expect_lines 8 "$T/o.sums" "one line per odd file (link left out)"
expect_grep 'note: 1 symbolic link not listed' "$T/err" "skipped link is noted"
expect_status 0 sha256sum -c --strict "$T/o.sums"
expect_grep '^\\[0-9a-f]\{64\}  o/new\\nline$' "$T/o.sums" "newline escaped as GNU does"
expect_grep '^\\[0-9a-f]\{64\}  o/back\\\\slash$' "$T/o.sums" "backslash escaped as GNU does"
(cd o && sha256sum -- * 2>/dev/null | sed 's|  |  o/|' | sort) >"$T/want"
sort "$T/o.sums" >"$T/got"
expect_same "$T/want" "$T/got" "odd names: same lines as sha256sum"
expect_status 0 "$H" o
cp "$T/out" "$T/o.json"
n=$(json_matches_disk "$T/o.json") && [ "$n" -eq 9 ] && ok || fail "odd names: JSON round-trips ($n)"
expect_grep '"vouch_path_b64":"by9iYWT//nV0Zjg="' "$T/o.json" "non-UTF-8 name carries its bytes"
expect_grep '"name":"o/new\\nline"' "$T/o.json" "newline escaped in JSON"
expect_grep '"name":"o/ctl\\u0001x"' "$T/o.json" "control character escaped in JSON"
expect_grep '"vouch_link_target_b64":"dGFy/2dldA=="' "$T/o.json" "non-UTF-8 link target"
expect_lines 11 "$T/o.json" "one subject per line"

# ---- determinism across -j, and -o ----
mkdir many
i=0
while [ $i -lt 300 ]; do
	head -c $((i * 37 % 5000)) /dev/urandom >"many/f$i"
	i=$((i + 1))
done
expect_status 0 "$H" -j 1 many o p
cp "$T/out" "$T/j1"
expect_status 0 "$H" -j 4 many o p
expect_same "$T/j1" "$T/out" "-j 1 and -j 4 give the same JSON"
expect_status 0 "$H" -j 3 -f sha256sum many
find many -type f -print0 | sort -z | xargs -0 sha256sum >"$T/want"
expect_same "$T/want" "$T/out" "-j 3 sums in path order"
expect_status 0 "$H" -j 4 -o "$T/list.json" many o p
expect_same "$T/j1" "$T/list.json" "-o writes the same list"
[ -s "$T/out" ] && fail "-o FILE wrote to stdout" || ok
ls "$T"/list.json.tmp.* >/dev/null 2>&1 && fail "-o left a temporary file" || ok
expect_status 0 "$H" -o - p/a0
expect_grep '"name":"p/a0"' "$T/out" "-o - is stdout"
expect_status 2 "$H" -o "$T/no/such/dir/list.json" p
expect_grep "list.json" "$T/err" "-o failure names the file"
if [ -w /dev/full ]; then
	expect_status 2 sh -c "'$H' many >/dev/full"
	expect_grep "error writing to standard output" "$T/err" "a full stdout is trouble"
fi

# ---- symlinks are recorded, never followed ----
mkdir -p s/real
printf 'secret\n' >outside
printf 'in\n' >s/real/f
ln -s ../outside s/evil
ln -s real s/ldir
expect_status 0 "$H" s
cp "$T/out" "$T/s.json"
expect_lines 5 "$T/s.json" "links listed once, ldir not descended"
link_sum=$(printf '../outside' | sha256sum | cut -c1-64)
expect_grep "\"name\":\"s/evil\",\"digest\":{\"sha256\":\"$link_sum\"},\"annotations\":{\"vouch_type\":\"symlink\",\"vouch_link_target\":\"../outside\"}" \
	"$T/s.json" "a link's digest is its target string's"
grep -q 's/ldir/' "$T/s.json" && fail "followed a symlinked directory" || ok
# a symlink named on the command line is followed
expect_status 0 "$H" -f sha256sum s/evil
expect_grep "^$(sha256sum <outside | cut -c1-64)  s/evil\$" "$T/out" "operand link followed"

# ---- archives: every format, members named ARCHIVE!MEMBER ----
mkdir -p m/sub
printf 'hello\n' >m/hello
head -c 100000 /dev/urandom >m/sub/data
ln -s hello m/link
ln m/hello m/hard
hello=$(sha256sum <m/hello | cut -c1-64)
data=$(sha256sum <m/sub/data | cut -c1-64)
tar cf a.tar m
gzip -9 -c a.tar >a.tar.gz
xz -c a.tar >a.tar.xz
zstd -q -c a.tar >a.tar.zst
bzip2 -c a.tar >a.tar.bz2
zip -q -r -y a.zip m
cp a.zip a.jar
find m | cpio -o -H newc --quiet >a.cpio
find m | cpio -o -H odc --quiet >a.odc
ar rc a.ar m/hello m/sub/data 2>/dev/null
genisoimage -quiet -R -o a.iso m
mkdir deb
printf '2.0\n' >deb/debian-binary
tar cJf deb/control.tar.xz m/hello
tar cJf deb/data.tar.xz m
(cd deb && ar rc ../a.deb debian-binary control.tar.xz data.tar.xz)
check_member() { # ARCHIVE MEMBER DIGEST
	expect_grep "^$3  $1!$2\$" "$T/out" "$1: member $2"
}
expect_status 0 "$H" -m -f sha256sum a.tar a.tar.gz a.tar.xz a.tar.zst a.tar.bz2 \
	a.zip a.jar a.cpio a.odc a.ar a.iso a.deb m/hello
for a in a.tar a.tar.gz a.tar.xz a.tar.zst a.tar.bz2 a.zip a.jar a.cpio a.odc; do
	check_member $a m/hello "$hello"
	check_member $a m/hard "$hello"
	check_member $a m/sub/data "$data"
	expect_grep "^$(sha256sum <$a | cut -c1-64)  $a\$" "$T/out" "$a: the archive itself"
done
check_member a.ar hello "$hello"
check_member a.ar data "$data"
check_member a.iso hello "$hello"
check_member a.iso hard "$hello"
check_member a.iso sub/data "$data"
check_member a.deb data.tar.xz "$(sha256sum <deb/data.tar.xz | cut -c1-64)"
check_member a.deb debian-binary "$(sha256sum <deb/debian-binary | cut -c1-64)"
expect_grep "^$hello  m/hello\$" "$T/out" "a non-archive is just listed"
grep -q '^[0-9a-f]*  m/hello!' "$T/out" && fail "a non-archive got members" || ok
cp "$T/out" "$T/arch.sums"
expect_status 0 sha256sum -c --ignore-missing --quiet "$T/arch.sums"
# members in JSON: links recorded, the list parses
expect_status 0 "$H" -m a.tar a.zip a.iso
expect_grep '"name":"a.tar!m/link","digest":{"sha256":"[0-9a-f]*"},"annotations":{"vouch_type":"symlink","vouch_link_target":"hello"}' \
	"$T/out" "tar symlink member recorded"
expect_grep '"name":"a.zip!m/link",.*"vouch_type":"symlink"' "$T/out" "zip symlink member recorded"
expect_grep '"name":"a.iso!link",.*"vouch_type":"symlink"' "$T/out" "iso symlink member recorded"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" && ok || fail "members JSON parses"
# standard input: one pass
expect_status 0 sh -c "cat a.tar.gz | '$H' -m -f sha256sum -"
expect_grep "^$(sha256sum <a.tar.gz | cut -c1-64)  -\$" "$T/out" "stdin archive digest"
check_member - m/sub/data "$data"
# archives inside archives, with -d
tar czf nest.tgz a.deb a.zip
expect_status 0 "$H" -d 3 -f sha256sum nest.tgz a.deb
check_member nest.tgz a.deb "$(sha256sum <a.deb | cut -c1-64)"
check_member nest.tgz a.deb!data.tar.xz!m/hello "$hello"
check_member nest.tgz a.deb!data.tar.xz!m/hard "$hello"
check_member nest.tgz a.zip!m/sub/data "$data"
check_member a.deb data.tar.xz!m/sub/data "$data"
expect_status 0 "$H" -m -f sha256sum nest.tgz
grep -q 'nest.tgz!a.deb!' "$T/out" && fail "-m alone opened a nested archive" || ok
# -j does not change member output
expect_status 0 "$H" -m -j 1 a.tar a.zip a.iso a.deb a.cpio
cp "$T/out" "$T/m1"
expect_status 0 "$H" -m -j 4 a.tar a.zip a.iso a.deb a.cpio
expect_same "$T/m1" "$T/out" "members: -j 1 and -j 4 agree"

# ---- bad input: reported by path, the rest still listed, exit 2 ----
mkfifo fifo
mkdir bad
printf 'ok\n' >bad/good
mkfifo bad/pipe
ln -s nowhere dangling
head -c 300000 /dev/urandom >big.bin
tar czf big.tar.gz big.bin
head -c 150000 big.tar.gz >trunc.tar.gz
cp a.zip corrupt.zip
printf 'XXXXXXXXXXXXXXXXXXXXXXXX' | dd of=corrupt.zip bs=1 seek=40 conv=notrunc 2>/dev/null
expect_status 2 timeout 60 "$H" -m -f sha256sum p/a0 nonexistent fifo dangling bad \
	trunc.tar.gz corrupt.zip m/hello
cp "$T/out" "$T/bad.sums"
cp "$T/err" "$T/bad.err"
expect_grep "^vouch-hash: cannot open 'nonexistent': No such file or directory\$" "$T/bad.err" "missing file named"
expect_grep "^vouch-hash: 'fifo': not a regular file\$" "$T/bad.err" "FIFO operand refused"
expect_grep "^vouch-hash: cannot open 'dangling': dangling symbolic link\$" "$T/bad.err" "dangling operand"
expect_grep "^vouch-hash: 'bad/pipe': not a regular file, directory or symbolic link\$" "$T/bad.err" "FIFO in a tree named"
expect_grep "^vouch-hash: 'trunc.tar.gz!big.bin': " "$T/bad.err" "truncated archive named"
expect_grep "^vouch-hash: 'corrupt.zip[!']" "$T/bad.err" "corrupt zip named"
expect_grep "^$(sha256sum <p/a0 | cut -c1-64)  p/a0\$" "$T/bad.sums" "good input before errors"
expect_grep "^$hello  m/hello\$" "$T/bad.sums" "good input after errors"
expect_grep "  bad/good\$" "$T/bad.sums" "good file beside a FIFO"
expect_grep "^$(sha256sum <trunc.tar.gz | cut -c1-64)  trunc.tar.gz\$" "$T/bad.sums" "damaged archive itself listed"
expect_status 0 sha256sum -c --ignore-missing --quiet "$T/bad.sums"
tar cf nestbad.tar trunc.tar.gz p/a0
expect_status 2 "$H" -d 2 -f sha256sum nestbad.tar
expect_grep "^vouch-hash: 'nestbad.tar!trunc.tar.gz!big.bin': " "$T/err" "damage inside a nested archive named"
check_member nestbad.tar trunc.tar.gz "$(sha256sum <trunc.tar.gz | cut -c1-64)"
check_member nestbad.tar p/a0 "$(sha256sum <p/a0 | cut -c1-64)"
expect_status 2 "$H" -m p/a0 nonexistent fifo bad trunc.tar.gz corrupt.zip
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" && ok || fail "JSON valid despite errors"
expect_status 2 "$H" nonexistent
printf '[]\n' >"$T/empty.json"
expect_same "$T/empty.json" "$T/out" "nothing hashed: an empty list"
if [ "$(id -u)" -ne 0 ]; then
	mkdir locked && chmod 000 locked
	expect_status 2 "$H" locked p/a0
	expect_grep "'locked'" "$T/err" "unreadable directory named"
	chmod 755 locked
fi

# ---- --tree: the same tree digest vouch-unpack computes ----
expect_status 0 "$VOUCH_BIN/vouch-unpack" a.tar unpacked
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tree"]["digest"]["vouchTree256"])' \
	"$T/out" >"$T/tree.want"
expect_status 0 "$H" --tree unpacked m/hello
expect_grep "^  {\"name\":\"unpacked\",\"digest\":{\"vouchTree256\":\"$(cat "$T/tree.want")\"}},\$" \
	"$T/out" "--tree agrees with vouch-unpack"
expect_grep "^  {\"name\":\"m/hello\",\"digest\":{\"sha256\":\"$hello\"}}\$" "$T/out" "--tree: files as usual"
expect_status 2 "$H" --tree bad p/a0
expect_grep "bad" "$T/err" "--tree names a tree it cannot digest"
expect_status 2 "$H" --tree -f sha256sum p

# ---- usage ----
expect_status 2 "$H" -f sha256sum -a sha256 -a sha512 p
expect_status 2 "$H" -f sha256sum -a sha3_256 p
expect_status 2 "$H" -a md5 p
expect_status 2 "$H" -j 0 p
expect_status 2 "$H" -d 5 p
expect_status 2 "$H" -f xml p
expect_status 2 "$H"
expect_grep "no input" "$T/err" "no operands is misuse"

# ---- a sparse file larger than 4 GiB ----
truncate -s 5G huge
expect_status 0 "$H" -f sha256sum huge
(sha256sum huge) >"$T/want"
expect_same "$T/want" "$T/out" "5 GiB file agrees with sha256sum"
rm -f huge

finish
