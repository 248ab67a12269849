#!/bin/sh
# vouch-unpack: hostile archives are refused cleanly; every supported format
# of one tree gives the same tree and the same tree digest, which matches an
# independent python3 implementation of schemas/tree-digest.md.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
U="$VOUCH_BIN/vouch-unpack"
VICTIM=/tmp/vouch-hostile-victim

for tool in python3 tar gzip xz zstd bzip2 lzip zip cpio 7zz genisoimage ar; do
	command -v "$tool" >/dev/null 2>&1 || { echo "missing peer tool: $tool" >&2; exit 1; }
done

# The reference tree digest, written from schemas/tree-digest.md alone.
cat >"$T/treedigest.py" <<'EOF'
import hashlib, os, stat, struct, sys
def tree_digest(root):
    recs = []
    def walk(rel):
        for name in os.listdir(os.path.join(root, rel) if rel else root):
            p = os.path.join(rel, name) if rel else name
            full = os.path.join(root, p)
            st = os.lstat(full)
            pb = os.fsencode(p)
            head = struct.pack(">Q", len(pb)) + pb
            if stat.S_ISDIR(st.st_mode):
                recs.append((pb, b"d" + head))
                walk(p)
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    data = f.read()
                t = b"x" if st.st_mode & 0o100 else b"f"
                recs.append((pb, t + head + struct.pack(">Q", len(data)) +
                             hashlib.sha256(data).digest()))
            elif stat.S_ISLNK(st.st_mode):
                tg = os.fsencode(os.readlink(full))
                recs.append((pb, b"l" + head + struct.pack(">Q", len(tg)) + tg))
            else:
                raise SystemExit("unsupported file type: %r" % p)
    walk("")
    recs.sort(key=lambda r: r[0])
    return hashlib.sha256(b"vouch-tree-v1\n" + b"".join(r[1] for r in recs)).hexdigest()
print(tree_digest(sys.argv[1]))
EOF
treedigest() { python3 "$T/treedigest.py" "$1"; }
jget() {  # jget FILE python-expression-on-d
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
listing() {  # type, mode, path, link target of everything in a tree
	(cd "$1" && find . -printf '%y %m %p %l\n' | LC_ALL=C sort)
}
schema_ok() {
	if python3 - "$VOUCH_SRCDIR/schemas/unpack-output.schema.json" "$1" <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.load(open(sys.argv[2])), schema,
                    cls=jsonschema.Draft202012Validator)
EOF
	then ok; else fail "$1 does not match the output schema"; fi
}

# ---- the schema's own worked example ----
mkdir -p "$T/ex/bin" "$T/ex/empty"
printf 'hello\n' >"$T/ex/a.txt"
printf '#!/bin/sh\n' >"$T/ex/bin/run"
chmod 644 "$T/ex/a.txt"
chmod 755 "$T/ex/bin/run"
ln -s a.txt "$T/ex/link"
[ "$(treedigest "$T/ex")" = 1e94512ee15ffcca46c110b51de3cddeedabd7a9252e6e0c1e5012b428449a3c ] \
	&& ok || fail "python reference disagrees with the worked example in tree-digest.md"
tar -cf "$T/ex.tar" -C "$T/ex" .
expect_status 0 "$U" "$T/ex.tar" "$T/ex.out"
[ "$(jget "$T/out" 'd["tree"]["digest"]["vouchTree256"]')" = \
  1e94512ee15ffcca46c110b51de3cddeedabd7a9252e6e0c1e5012b428449a3c ] \
	&& ok || fail "vouch-unpack disagrees with the worked example"

# ---- the hostile corpus ----
python3 -W ignore "$VOUCH_SRCDIR/tests/make-hostile-corpus.py" "$T/corpus"
rm -f "$VICTIM"
ncase=0
tab=$(printf '\t')
while IFS="$tab" read -r file opts expect; do
	ncase=$((ncase + 1))
	[ "$opts" = - ] && opts=
	w="$T/w.$ncase"
	mkdir -p "$w/a/b"
	# $opts is a word list on purpose
	# shellcheck disable=SC2086
	expect_status 2 "$U" $opts "$T/corpus/$file" "$w/a/b/target"
	expect_grep "^vouch-unpack: '.*$file': " "$T/err" "$file: message names the archive"
	if grep -qF -- "$expect" "$T/err"; then ok; else
		fail "$file: expected '$expect' in: $(cat "$T/err")"
	fi
	expect_lines 1 "$T/err" "$file: one line on stderr"
	[ -s "$T/out" ] && fail "$file: wrote to stdout"
	left=$(cd "$w" && find . | LC_ALL=C sort | tr '\n' ' ')
	[ "$left" = ". ./a ./a/b " ] && ok || fail "$file: left behind: $left"
	[ -e "$VICTIM" ] || [ -L "$VICTIM" ] && fail "$file: created $VICTIM"
	rm -rf "$w"
done <"$T/corpus/MANIFEST"
[ "$ncase" -ge 30 ] && ok || fail "corpus has only $ncase cases"

# ---- one tree, every format ----
S="$T/src"
mkdir -p "$S/lib/deep/er" "$S/empty" "$S/bin"
printf 'hello\n' >"$S/README"
printf 'int x;\n' >"$S/lib/a.c"
printf 'deep\n' >"$S/lib/deep/er/file.txt"
printf '#!/bin/sh\necho hi\n' >"$S/bin/run"
chmod 755 "$S/bin/run"
printf 'u\n' >"$S/$(printf '\303\274n\303\257code name.txt')"
head -c 70000 /dev/zero | tr '\0' 'z' >"$S/lib/blob.txt"
ln -s README "$S/readme.link"
ln -s lib/deep "$S/libdeep"
ln "$S/README" "$S/README.hard"
TD=$(treedigest "$S")

A="$T/arch"
mkdir -p "$A"
tar -czf "$A/s.tar.gz" -C "$S" .
tar -cJf "$A/s.tar.xz" -C "$S" .
tar --zstd -cf "$A/s.tar.zst" -C "$S" .
tar -cjf "$A/s.tar.bz2" -C "$S" .
tar --lzip -cf "$A/s.tar.lz" -C "$S" .
tar --format=pax -cf "$A/s.pax.tar" -C "$S" .
(cd "$S" && zip -qry --symlinks "$A/s.zip" .)
(cd "$S" && find . | cpio -o -H newc --quiet >"$A/s.cpio")
(cd "$S" && 7zz a -snl -bd "$A/s.7z" . >/dev/null)
genisoimage -quiet -R -input-charset utf-8 -o "$A/s.iso" "$S" 2>/dev/null

first=
for f in s.tar.gz s.tar.xz s.tar.zst s.tar.bz2 s.tar.lz s.pax.tar s.zip s.cpio s.7z s.iso; do
	o="$T/o.$f"
	expect_status 0 "$U" "$A/$f" "$o"
	cp "$T/out" "$T/$f.json"
	schema_ok "$T/$f.json"
	dg=$(jget "$T/$f.json" 'd["tree"]["digest"]["vouchTree256"]')
	[ "$dg" = "$TD" ] && ok || fail "$f: tree digest $dg, expected $TD"
	[ "$(treedigest "$o")" = "$TD" ] && ok || fail "$f: extracted tree differs"
	[ "$(jget "$T/$f.json" 'd["subject"]["digest"]["vouchTree256"]')" = "$TD" ] \
		&& ok || fail "$f: subject lacks the tree digest"
	[ "$(jget "$T/$f.json" 'd["archive"]["digest"]["sha256"]')" = \
	  "$(sha256sum <"$A/$f" | cut -d' ' -f1)" ] && ok || fail "$f: archive sha256 wrong"
	listing "$o" >"$T/$f.list"
	if [ -z "$first" ]; then first=$f; else
		expect_same "$T/$first.list" "$T/$f.list" "$f: tree differs from $first"
	fi
	if diff -r --no-dereference "$S" "$o" >/dev/null; then ok; else
		fail "$f: contents differ from the source"
	fi
done
expect_grep '"kind":"empty-dir","path":"empty"' "$T/s.tar.gz.json" "empty dir is notable"
expect_grep '"kind":"executable","path":"bin/run"' "$T/s.tar.gz.json" "executable is notable"
expect_grep '"kind":"symlink","path":"libdeep","target":"lib/deep"' "$T/s.tar.gz.json" \
	"symlink is notable"
expect_grep '"kind":"hardlink"' "$T/s.tar.gz.json" "hard link is notable"

# vouch-hash --tree names a directory the same way
expect_status 0 "$VOUCH_BIN/vouch-hash" --tree "$T/o.s.zip"
expect_grep "\"vouchTree256\":\"$TD\"" "$T/out" "vouch-hash --tree agrees with vouch-unpack"

# ar holds flat files only
mkdir -p "$T/flat"
printf 'one\n' >"$T/flat/one.txt"
printf 'two\n' >"$T/flat/two.o"
(cd "$T/flat" && ar rc "$A/s.a" one.txt two.o)
expect_status 0 "$U" "$A/s.a" "$T/o.ar"
[ "$(jget "$T/out" 'd["tree"]["digest"]["vouchTree256"]')" = "$(treedigest "$T/flat")" ] \
	&& ok || fail "ar: tree digest differs from the flat source"

# ---- determinism ----
expect_status 0 "$U" "$A/s.tar.gz" "$T/again"
expect_same "$T/s.tar.gz.json" "$T/out" "extracting twice gives the same JSON"
# order, timestamps and owners do not matter; one byte does
(cd "$S" && find . -mindepth 1 | LC_ALL=C sort -r >"$T/rev.list")
tar --no-recursion --owner=4242 --group=4242 --mtime=@0 -czf "$A/rev.tar.gz" \
	-C "$S" -T "$T/rev.list"
expect_status 0 "$U" "$A/rev.tar.gz" "$T/o.rev"
[ "$(jget "$T/out" 'd["tree"]["digest"]["vouchTree256"]')" = "$TD" ] \
	&& ok || fail "entry order, owners or times changed the tree digest"
printf 'hellO\n' >"$S/README"
tar -czf "$A/changed.tar.gz" -C "$S" .
expect_status 0 "$U" "$A/changed.tar.gz" "$T/o.changed"
[ "$(jget "$T/out" 'd["tree"]["digest"]["vouchTree256"]')" != "$TD" ] \
	&& ok || fail "a one-byte change kept the tree digest"
chmod 644 "$S/bin/run"
printf 'hello\n' >"$S/README"
tar -czf "$A/noexec.tar.gz" -C "$S" .
expect_status 0 "$U" "$A/noexec.tar.gz" "$T/o.noexec"
[ "$(jget "$T/out" 'd["tree"]["digest"]["vouchTree256"]')" != "$TD" ] \
	&& ok || fail "dropping the executable bit kept the tree digest"

# ---- stdin, targets, modes, options ----
expect_status 0 sh -c "cat '$A/s.7z' | '$U' - '$T/o.stdin'"
[ "$(jget "$T/out" 'd["tree"]["digest"]["vouchTree256"]')" = "$TD" ] \
	&& ok || fail "7z from a pipe"
expect_grep '"name":"-"' "$T/out" "stdin is named '-'"
mkdir "$T/emptytarget"
expect_status 0 "$U" -q "$A/s.zip" "$T/emptytarget"
[ -s "$T/out" ] && fail "-q printed something"
[ -f "$T/emptytarget/README" ] && ok || fail "extracting into an empty directory"
expect_status 2 "$U" "$A/s.zip" "$T/emptytarget"
expect_grep "is not empty" "$T/err" "a non-empty target is refused"
python3 - "$A/setuid.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tf:
    for name, mode in (("su", 0o4755), ("sg", 0o2711), ("st/", 0o1777)):
        ti = tarfile.TarInfo(name.rstrip("/"))
        ti.mode = mode
        if name.endswith("/"):
            ti.type = tarfile.DIRTYPE
            tf.addfile(ti)
        else:
            ti.size = 3
            tf.addfile(ti, io.BytesIO(b"hi\n"))
EOF
expect_status 0 "$U" "$A/setuid.tar" "$T/o.setuid"
[ "$(stat -c %a "$T/o.setuid/su")" = 755 ] && ok || fail "setuid not stripped"
[ "$(stat -c %a "$T/o.setuid/sg")" = 755 ] && ok || fail "setgid not stripped"
[ "$(stat -c %a "$T/o.setuid/st")" = 755 ] && ok || fail "sticky not stripped"
expect_grep '"kind":"mode-stripped","path":"su","mode":"4755"' "$T/out" "stripped mode noted"
expect_status 0 "$U" --allow-external-links "$T/corpus/symlink-abs.tar" "$T/o.ext"
expect_grep '"kind":"external-symlink","path":"etc","target":"/etc"' "$T/out" \
	"--allow-external-links keeps and notes the link"
[ -L "$T/o.ext/etc" ] && ok || fail "external link not created"
expect_status 0 "$U" --max-ratio=0 "$T/corpus/bomb.zip" "$T/o.bomb"
[ "$(stat -c %s "$T/o.bomb/zeros.bin")" = 67108864 ] && ok || fail "--max-ratio=0 turns the check off"
rm -rf "$T/o.bomb"
expect_status 2 "$U" --max-depth=x "$A/s.zip" "$T/o.bad"
expect_grep "usage: vouch-unpack" "$T/err" "bad option value is a usage error"
expect_status 2 "$U" "$A/s.zip"
expect_status 2 "$U" "$T/no-such.tar" "$T/o.none"
expect_grep "cannot open" "$T/err" "missing archive"
[ -e "$T/o.none" ] && fail "missing archive left a target"
finish
