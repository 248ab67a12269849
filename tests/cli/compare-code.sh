#!/bin/sh
# compare-code.sh - what an auditor needs from vouch-compare, on small
# programs built here: the changed function by name, size and differing
# bytes; "same symbols, reordered"; build-id/debug-link equivalence followed
# into a sha256sums manifest (and refused when anything else differs); the
# summary by classification; a renamed top directory.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

C="$VOUCH_BIN/vouch-compare"
for t in cc objcopy python3; do
	command -v "$t" >/dev/null || { echo "$t is required (.ci/packages)" >&2; exit 1; }
done
J="python3 $T/q.py"
cat >"$T/q.py" <<'EOF'
# q.py REPORT EXPR: print eval(EXPR) with r = the JSON report
import json, sys
r = json.load(open(sys.argv[1]))
elf = [d for d in r["differences"] if d["kind"] == "elf"]
print(eval(sys.argv[2]))
EOF
# jq_is REPORT EXPR WANT LABEL
jq_is() {
	got=$($J "$1" "$2" 2>&1) || true
	if [ "$got" = "$3" ]; then ok; else fail "$4: got '$got', expected '$3'"; fi
}

# ---- 1. one function changed: named, with size and differing bytes ----
mkdir -p "$T/a" "$T/b"
for s in a b; do
	k=0x11111 # the same instruction length on both sides: nothing else moves
	[ "$s" = b ] && k=0x22222
	cat >"$T/$s/prog.c" <<EOF
int keep(int x) { return x * 3 + 1; }
int scale(int x) { int y = 0; for (int i = 0; i < x; i++) y += i ^ $k; return y; }
int main(int argc, char **argv) { (void)argv; return keep(argc) + scale(argc); }
EOF
	cc -O1 -fno-inline -fcf-protection=none -o "$T/$s/prog" "$T/$s/prog.c"
done
expect_status 1 "$C" --json "$T/a/prog" "$T/b/prog"
cp "$T/out" "$T/r1.json"
jq_is "$T/r1.json" '[f["name"] for f in elf[0]["functions"] if f["status"] == "changed"]' \
	"['scale']" "the changed function is named, and only it"
jq_is "$T/r1.json" '[(f["symbolTable"], f["section"], f["size"] > 0, 0 < f["differingBytes"] <= 4) for f in elf[0]["functions"]]' \
	"[('.symtab', '.text', True, True)]" "symbol table, section, size and differing bytes"
jq_is "$T/r1.json" 'elf[0]["functions"][0]["differingBytes"]' "3" "0x11111 -> 0x22222: 3 bytes"
jq_is "$T/r1.json" 'elf[0]["detail"]' "hex" "without --html the detail is hex"
jq_is "$T/r1.json" 'elf[0]["classification"]' "elf: code changed" "classification"
expect_status 1 "$C" "$T/a/prog" "$T/b/prog"
expect_grep 'changed functions: 1 (detail: hex' "$T/out" "text names the detail shown"
expect_grep '      scale (.text): size [0-9]*, [0-9]* differing bytes' "$T/out" "text lists the function"
if command -v objdump >/dev/null; then
	expect_status 1 "$C" --html "$T/r1.html" --json "$T/a/prog" "$T/b/prog"
	jq_is "$T/out" 'elf[0]["detail"]' "disassembly" "with --html and objdump: disassembly"
	jq_is "$T/out" '[l for l in elf[0]["functions"][0]["diff"].splitlines() if l[:1] in "-+" and "xor" in l]' \
		"['-\txor    \$0x11111,%ecx', '+\txor    \$0x22222,%ecx']" "the detail is the changed instruction"
	expect_grep 'scale (disassembly)' "$T/r1.html" "HTML shows the function's disassembly"
	# without objdump on PATH: hex, and the report says so
	mkdir -p "$T/nobin"
	for t in sh cat; do ln -sf "$(command -v $t)" "$T/nobin/$t"; done
	expect_status 1 env PATH="$T/nobin" "$C" --html "$T/r2.html" --json "$T/a/prog" "$T/b/prog"
	jq_is "$T/out" 'elf[0]["detail"]' "hex" "no objdump: hex"
	expect_grep 'detail: hex (objdump is not installed' "$T/r2.html" "HTML says hex"
fi

if command -v objdump >/dev/null; then
	expect_status 1 "$C" --html "$T/r3.html" --report "$T/r3.json" "$T/a/prog" "$T/b/prog"
	expect_status 0 python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" compare-report.schema.json \
		"$T/r1.json" "$T/r3.json"
fi

# ---- 2. the same symbols in another order ----
cp "$T/a/prog" "$T/a/prog2"
python3 - "$T/a/prog" "$T/b/prog2" <<'EOF'
# swap the .symtab entries of keep and scale (both global, both FUNC)
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28)
_, shnum, shstr = struct.unpack_from("<HHH", b, 0x3a)
sh = [struct.unpack_from("<IIQQQQIIQQ", b, shoff + 64 * i) for i in range(shnum)]
def name(off, i): return bytes(b[off + i:b.index(b"\0", off + i)])
secname = lambda h: name(sh[shstr][4], h[0])
symtab = next(h for h in sh if secname(h) == b".symtab")
strtab = sh[symtab[6]]
idx = {}
for i in range(symtab[5] // 24):
    o = symtab[4] + 24 * i
    idx[name(strtab[4], struct.unpack_from("<I", b, o)[0])] = o
x, y = idx[b"keep"], idx[b"scale"]
b[x:x + 24], b[y:y + 24] = b[y:y + 24], b[x:x + 24]
open(sys.argv[2], "wb").write(b)
EOF
expect_status 1 "$C" --json "$T/a/prog2" "$T/b/prog2"
jq_is "$T/out" '("same-symbols-reordered" in elf[0]["hints"], [i["name"] for i in elf[0]["items"]], "same symbols, reordered" in elf[0]["items"][0]["note"])' \
	"(True, ['.symtab'], True)" "reordered symbol table classified"

# ---- 3. build ID and debug link only, followed into sha256sums ----
mkdir -p "$T/m/A" "$T/m/B"
printf 'int main(void) { return 0; }\n' >"$T/m/t.c"
for s in A B; do
	id=0123456789abcdef0123456789abcdef0123456$([ $s = A ] && echo 1 || echo 2)
	cc -O1 -Wl,--build-id=0x$id -o "$T/m/$s/tool.full" "$T/m/t.c"
	objcopy --only-keep-debug "$T/m/$s/tool.full" "$T/m/$s/tool.debug"
	printf '%s' "$s" >>"$T/m/$s/tool.debug" # a different debug file: a different CRC
	objcopy --strip-all --add-gnu-debuglink="$T/m/$s/tool.debug" "$T/m/$s/tool.full" "$T/m/$s/tool"
	rm "$T/m/$s/tool.full" "$T/m/$s/tool.debug"
	printf 'same\n' >"$T/m/$s/README"
	(cd "$T/m/$s" && sha256sum tool README >sha256sums)
done
expect_status 1 "$C" --json "$T/m/A" "$T/m/B"
jq_is "$T/out" 'sorted(d["path"] for d in r["differences"])' "['sha256sums', 'tool']" \
	"strict: the tool and its manifest line differ"
expect_status 1 "$C" --normalize build-id --json "$T/m/A" "$T/m/B"
jq_is "$T/out" '[d["path"] for d in r["differences"] if not d["excused"]]' "['sha256sums', 'tool']" \
	"build-id alone does not excuse the debug-link CRC, nor the manifest"
expect_status 0 "$C" --normalize build-id,debug-link --json "$T/m/A" "$T/m/B"
jq_is "$T/out" '(r["verdict"], r["rulesNeeded"], [d["classification"] for d in r["differences"]])' \
	"('equivalent', ['build-id', 'debug-link'], ['text: checksums-of-excused-files', 'elf: only build-id, debug-link'])" \
	"equivalent, naming the rules; the manifest follows the excused file"
cp "$T/out" "$T/m.json"
expect_status 0 python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" compare-report.schema.json "$T/m.json"
expect_status 0 "$C" --normalize build-id,debug-link "$T/m/A" "$T/m/B"
expect_grep '^verdict: equivalent' "$T/out" "text verdict"
expect_grep '^not bit for bit' "$T/out" "an equivalent verdict never reads as bit for bit"
expect_status 0 "$C" --normalize build-id,debug-link --statement "$T/m/A" "$T/m/B"
expect_grep 'equivalent' "$T/out" "the statement says equivalent"
# anything else in the manifest still fails: another line, a wrong digest
cp -r "$T/m/B" "$T/m/B2"
printf 'changed\n' >"$T/m/B2/README"
(cd "$T/m/B2" && sha256sum tool README >sha256sums)
expect_status 1 "$C" --normalize all --json "$T/m/A" "$T/m/B2"
jq_is "$T/out" 'sorted(d["path"] for d in r["differences"] if not d["excused"])' "['README', 'sha256sums']" \
	"a manifest with a line for an unexcused file is not excused"
cp -r "$T/m/B" "$T/m/B3"
(cd "$T/m/B3" && sha256sum README >x && printf '%064d  tool\n' 0 >sha256sums && cat x >>sha256sums && rm x)
expect_status 1 "$C" --normalize all --json "$T/m/A" "$T/m/B3"
jq_is "$T/out" '[d["path"] for d in r["differences"] if not d["excused"]]' "['sha256sums']" \
	"a manifest line whose digest is not the file's is not excused"
# a code change next to the new build ID: not excused
cp -r "$T/m/A" "$T/m/A4"
python3 - "$T/m/A4/tool" <<'EOF'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28)
_, shnum, shstr = struct.unpack_from("<HHH", b, 0x3a)
sh = [struct.unpack_from("<IIQQQQIIQQ", b, shoff + 64 * i) for i in range(shnum)]
so = sh[shstr][4]
text = next(h for h in sh if b[so + h[0]:so + h[0] + 6] == b".text\0")
b[text[4] + 1] ^= 0xff
open(p, "wb").write(b)
EOF
(cd "$T/m/A4" && sha256sum tool README >sha256sums)
expect_status 1 "$C" --normalize all --json "$T/m/A4" "$T/m/B"
jq_is "$T/out" 'sorted(d["path"] for d in r["differences"] if not d["excused"])' "['sha256sums', 'tool']" \
	"a code change is never excused by build-id"

# ---- 4. summaries: 60 members differing only in mtime ----
mkdir -p "$T/s/x"
i=0
while [ $i -lt 60 ]; do printf '%s\n' $i >"$T/s/x/f$i"; i=$((i + 1)); done
printf 'one\n' >"$T/s/x/changed"
tar --format=gnu --mtime=@1000000000 -cf "$T/s/a.tar" -C "$T/s" x
printf 'two\n' >"$T/s/x/changed"
tar --format=gnu --mtime=@1100000000 -cf "$T/s/b.tar" -C "$T/s" x
expect_status 1 "$C" "$T/s/a.tar" "$T/s/b.tar"
expect_grep '^       62  metadata: mtime$' "$T/out" "count per classification"
expect_grep '^  \.\.\. 57 more "metadata: mtime" (--verbose or --json lists them)$' "$T/out" \
	"long runs of one classification are cut short"
expect_grep 'b.tar/x/changed \[text\]' "$T/out" "the content change is printed in full"
n=$(wc -l <"$T/out")
if [ "$n" -le 60 ]; then ok; else fail "strict summary is $n lines"; fi
expect_status 1 "$C" --normalize mtime "$T/s/a.tar" "$T/s/b.tar"
expect_grep '^       62  metadata: mtime (excused)$' "$T/out" "excused count"
expect_grep '^excused differences: 62 (--verbose lists them)$' "$T/out" "excused ones not listed"
if grep -q '(excused): archive member metadata' "$T/out"; then fail "excused listed without --verbose"; else ok; fi
expect_status 1 "$C" --normalize mtime --verbose "$T/s/a.tar" "$T/s/b.tar"
n=$(grep -c '\[metadata\] (excused)' "$T/out" || true)
if [ "$n" -eq 62 ]; then ok; else fail "--verbose lists $n excused, expected 62"; fi
expect_status 1 "$C" --normalize mtime --json "$T/s/a.tar" "$T/s/b.tar"
cp "$T/out" "$T/s.json"
expect_status 0 python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" compare-report.schema.json "$T/s.json"
jq_is "$T/s.json" '(len(r["differences"]), r["classifications"])' \
	"(63, [{'name': 'metadata: mtime', 'count': 62, 'excused': 62}, {'name': 'text: content-changed', 'count': 1, 'excused': 0}])" \
	"--json keeps every entry and the counts"
expect_status 1 "$C" --normalize mtime --html "$T/s.html" "$T/s/a.tar" "$T/s/b.tar"
expect_grep '<details id="g0"><summary>62 &times; metadata: mtime (excused)' "$T/s.html" \
	"HTML: excused group collapsed"
expect_grep '<details id="g1" open><summary>1 &times; text: content-changed' "$T/s.html" \
	"HTML: short unexcused group open"

# ---- 5. renamed top directory (tarballs and directories) ----
mkdir -p "$T/r/proj-1.0/src" "$T/r/proj-1.1/src"
printf 'a\n' >"$T/r/proj-1.0/src/same.c"
printf 'a\n' >"$T/r/proj-1.1/src/same.c"
printf 'x\n' >"$T/r/proj-1.0/src/diff.c"
printf 'y\n' >"$T/r/proj-1.1/src/diff.c"
tar --format=gnu --mtime=@1000000000 -czf "$T/r/a.tar.gz" -C "$T/r" proj-1.0
tar --format=gnu --mtime=@1000000000 -czf "$T/r/b.tar.gz" -C "$T/r" proj-1.1
expect_status 1 "$C" --json "$T/r/a.tar.gz" "$T/r/b.tar.gz"
jq_is "$T/out" '[(d["kind"], d["path"]) for d in r["differences"] if d["kind"] != "compression-header"]' \
	"[('rename', 'b.tar.gz'), ('text', 'b.tar.gz/proj-1.1/src/diff.c')]" \
	"archive: one rename and the one changed file"
jq_is "$T/out" '[(i["a"], i["b"]) for d in r["differences"] if d["kind"] == "rename" for i in d["items"]]' \
	"[('proj-1.0', 'proj-1.1')]" "the rename names both"
# one file under different names is not a renamed directory
printf 'same\n' >"$T/r/one.txt"
printf 'same\n' >"$T/r/two.txt"
tar --format=gnu --mtime=@1000000000 -cf "$T/r/one.tar" -C "$T/r" one.txt
tar --format=gnu --mtime=@1000000000 -cf "$T/r/two.tar" -C "$T/r" two.txt
expect_status 1 "$C" --json "$T/r/one.tar" "$T/r/two.tar"
jq_is "$T/out" '[d["kind"] for d in r["differences"]]' "['removed', 'added']" \
	"a single file renamed is removed and added, not paired"
# one top directory each, nothing in common beneath: not a rename either
mkdir -p "$T/r/u/usr" "$T/r/e/etc"
printf 'x\n' >"$T/r/u/usr/x"
printf 'y\n' >"$T/r/e/etc/y"
tar --format=gnu --mtime=@1000000000 -cf "$T/r/u.tar" -C "$T/r/u" usr
tar --format=gnu --mtime=@1000000000 -cf "$T/r/e.tar" -C "$T/r/e" etc
expect_status 1 "$C" --json "$T/r/u.tar" "$T/r/e.tar"
jq_is "$T/out" 'sorted(d["kind"] for d in r["differences"])' "['added', 'added', 'removed', 'removed']" \
	"different top directories with nothing in common are not a rename"
mkdir -p "$T/r/da" "$T/r/db"
cp -r "$T/r/proj-1.0" "$T/r/da/"
cp -r "$T/r/proj-1.1" "$T/r/db/"
expect_status 1 "$C" --json "$T/r/da" "$T/r/db"
jq_is "$T/out" '[(d["kind"], d["path"]) for d in r["differences"]]' \
	"[('rename', '.'), ('text', 'proj-1.1/src/diff.c')]" "directories: one rename and the one changed file"
cp "$T/out" "$T/rn.json"
expect_status 0 python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" compare-report.schema.json "$T/rn.json"
finish
