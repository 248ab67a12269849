#!/bin/sh
# compare.sh - vouch-compare on the generated corpus: verdict, member path and
# classification for each case, and diffoscope finding a difference at the
# same place.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

C="$VOUCH_BIN/vouch-compare"
command -v diffoscope >/dev/null || { echo "diffoscope is required (.ci/packages)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
sh "$VOUCH_SRCDIR/tests/make-compare-corpus.sh" "$T/c" >"$T/corpus.log" 2>&1 ||
	{ cat "$T/corpus.log" >&2; exit 1; }
A="$T/c/A"
B="$T/c/B"

cat >"$T/vcheck.py" <<'EOF'
# vcheck.py REPORT VERDICT PATH KIND HINT [ITEM]: the report has this verdict
# and a difference at PATH of KIND with HINT (and an item named ITEM).
import json, sys
r = json.load(open(sys.argv[1]))
verdict, path, kind, hint = sys.argv[2:6]
item = sys.argv[6] if len(sys.argv) > 6 else None
if r["verdict"] != verdict:
    sys.exit("verdict %s, expected %s" % (r["verdict"], verdict))
for d in r["differences"]:
    if d["path"] == path and d["kind"] == kind and hint in d["hints"]:
        if item is None or any(i["name"] == item for i in d.get("items", [])):
            sys.exit(0)
sys.exit("no %s difference at %s with hint %s%s; have %s" % (
    kind, path, hint, " and item " + item if item else "",
    [(d["path"], d["kind"], d["hints"]) for d in r["differences"]]))
EOF

cat >"$T/dcheck.py" <<'EOF'
# dcheck.py DIFFOSCOPE_JSON MODE ARG: diffoscope found a difference there.
#   member PATH   a node chain whose names contain PATH's segments in order
#   listing NAME  a "file list" diff with a changed line naming NAME
#   section NAME  a node whose command mentions section NAME, with a diff
#   top WORD      a diff directly under the top node mentioning WORD
import json, sys
d = json.load(open(sys.argv[1]))
mode, arg = sys.argv[2], sys.argv[3]
nodes = []
def walk(n, chain, depth):
    name = (n.get("source2") or "")
    c = chain + [name]
    nodes.append((c, n.get("unified_diff") or "", depth))
    for k in n.get("details", []):
        walk(k, c, depth + 1)
walk(d, [], 0)
def segs(chain):
    out = [chain[0].rsplit("/", 1)[-1]]
    for s in chain[1:]:
        out += [x for x in s.split("/") if x not in ("", ".")]
    return out
def changed(diff):
    return [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))]
ok = False
if mode == "member":
    want = arg.split("/")
    for c, diff, _ in nodes:
        s = segs(c)
        it = iter(s)
        if diff and s[-1] == want[-1] and all(w in it for w in want):
            ok = True
elif mode == "listing":
    ok = any(c[-1] == "file list" and any(arg in l for l in changed(diff)) for c, diff, _ in nodes)
elif mode == "section":
    ok = any(arg in c[-1] and changed(diff) for c, diff, _ in nodes)
elif mode == "top":
    ok = any(depth <= 1 and any(arg in l for l in changed(diff)) for c, diff, depth in nodes)
if not ok:
    sys.exit("diffoscope reports no difference for %s %s" % (mode, arg))
EOF

# case FILE EXIT VERDICT PATH KIND HINT [ITEM]
case_is() {
	f=$1
	st=$2
	shift 2
	expect_status "$st" "$C" --json "$A/$f" "$B/$f"
	cp "$T/out" "$T/$f.json"
	if python3 "$T/vcheck.py" "$T/$f.json" "$@" 2>"$T/why"; then ok; else fail "$f: $(cat "$T/why")"; fi
}

# diffoscope_at FILE MODE ARG
diffoscope_at() {
	set +e
	diffoscope --no-progress --json "$T/$1.dfs.json" "$A/$1" "$B/$1" >/dev/null 2>"$T/dfs.err"
	s=$?
	set -e
	if [ "$s" -ne 1 ]; then
		fail "$1: diffoscope exit $s"
		head -n 5 "$T/dfs.err" >&2
		return 0
	fi
	if python3 "$T/dcheck.py" "$T/$1.dfs.json" "$2" "$3" 2>"$T/why"; then ok; else fail "$1: $(cat "$T/why")"; fi
}

# identical
expect_status 0 "$C" --json "$A/identical.txt" "$B/identical.txt"
expect_grep '"verdict":"identical"' "$T/out" "identical verdict"
expect_status 0 diffoscope --no-progress "$A/identical.txt" "$B/identical.txt"

# archive metadata only: mtimes, owners, order
case_is mtime.tar 1 different mtime.tar/doc/README metadata archive-metadata-only mtime
diffoscope_at mtime.tar listing doc/README
case_is owner.tar 1 different owner.tar/src/main.c metadata archive-metadata-only uid
diffoscope_at owner.tar listing src/main.c
case_is order.tar 1 different order.tar order archive-metadata-only
diffoscope_at order.tar listing doc/README

# gzip header only
case_is data.txt.gz 1 different data.txt.gz compression-header compression-header-only "gzip mtime"
python3 - "$T/data.txt.gz.json" <<'EOF' && ok || fail "gzip: the content itself was reported"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(any(d["kind"] != "compression-header" for d in r["differences"]))
EOF
diffoscope_at data.txt.gz top data.txt

# one changed byte deep in a nested archive
case_is pkg.deb 1 different pkg.deb/data.tar.xz/usr/share/pkg/blob.bin content content-changed
expect_grep '"offset":40000,"differingBytes":1' "$T/pkg.deb.json" "deb: offset and count"
diffoscope_at pkg.deb member pkg.deb/data.tar.xz/usr/share/pkg/blob.bin

# ELF: build id only; one changed instruction
case_is buildid.elf 1 different buildid.elf elf elf-build-id-only .note.gnu.build-id
diffoscope_at buildid.elf section notes
case_is insn.elf 1 different insn.elf elf content-changed .text
diffoscope_at insn.elf section .text

case_is debug.elf 1 different debug.elf elf elf-debug-only .debug_line_str
case_is debug.elf 1 different debug.elf elf embedded-build-path
diffoscope_at debug.elf section .debug_line_str

# member added
case_is added.tar 1 different added.tar/extra.txt added member-added
diffoscope_at added.tar listing extra.txt

# text with a changed line
case_is notes.txt 1 different notes.txt text content-changed
expect_grep '+DELTA' "$T/notes.txt.json" "text: unified diff"
diffoscope_at notes.txt top DELTA

# other formats: a tarball inside a zip; cpio; 7z; iso9660
case_is bundle.zip 1 different bundle.zip/inner.tar.gz/doc/list.txt text content-changed
diffoscope_at bundle.zip member bundle.zip/inner.tar.gz/doc/list.txt
case_is tree.cpio 1 different tree.cpio/doc/list.txt text content-changed
diffoscope_at tree.cpio listing doc/list.txt
for f in tree.7z tree.iso; do
	if [ -f "$A/$f" ]; then
		case_is "$f" 1 different "$f/doc/list.txt" text content-changed
	else
		fail "$f not generated (7zip / genisoimage missing, see .ci/packages)"
	fi
done

# normalization: equivalent, and the rules needed are reported
for pair in mtime.tar:mtime owner.tar:owner order.tar:order data.txt.gz:gzip-header \
	buildid.elf:build-id; do
	f=${pair%%:*}
	rule=${pair#*:}
	expect_status 0 "$C" --json --normalize="$rule" "$A/$f" "$B/$f"
	expect_grep '"verdict":"equivalent"' "$T/out" "$f under $rule"
	expect_grep "\"rulesNeeded\":\[\"$rule\"\]" "$T/out" "$f: rules needed"
done
# a rule that does not cover the difference changes nothing
expect_status 1 "$C" --normalize=all "$A/pkg.deb" "$B/pkg.deb"
expect_status 1 "$C" --normalize=mtime "$A/owner.tar" "$B/owner.tar"

# directories pair by relative path; the human summary names the member
expect_status 1 "$C" "$A" "$B"
expect_grep '^verdict: different (mode: strict)' "$T/out" "dir summary verdict"
expect_grep 'pkg.deb/data.tar.xz/usr/share/pkg/blob.bin \[content\]' "$T/out" "dir summary path"
expect_grep 'hint (probable cause, not proof): archive-metadata-only' "$T/out" "hints labelled"

# statement: subject = B, FAILED / PASSED, digest of the report
# the provenance must name the rebuilt (A) file (issue 14: harden-provenance.sh)
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"pkg.deb","digest":{"sha256":"%s"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}\n' \
	"$(sha256sum "$A/pkg.deb" | cut -c1-64)" >"$T/prov.json"
expect_status 1 "$C" --statement --report "$T/rep.json" --provenance "$T/prov.json" \
	"$A/pkg.deb" "$B/pkg.deb"
cp "$T/out" "$T/st.json"
python3 - "$T/st.json" "$T/rep.json" "$B/pkg.deb" "$A/pkg.deb" "$T/prov.json" <<'EOF' && ok || fail "statement content"
import hashlib, json, sys
st = json.load(open(sys.argv[1]))
h = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
p = st["predicate"]
assert st["_type"] == "https://in-toto.io/Statement/v1", st["_type"]
assert st["predicateType"] == "https://slsa.dev/verification_summary/v1"
assert st["subject"] == [{"name": "pkg.deb", "digest": {"sha256": h(sys.argv[3])}}], st["subject"]
assert p["verificationResult"] == "FAILED"
assert p["inputAttestations"][0]["digest"]["sha256"] == h(sys.argv[5])
c = p["vouch_comparison"]
assert c["reportDigest"]["sha256"] == h(sys.argv[2])
assert c["mode"] == "strict"
assert c["rebuilt"][0]["digest"]["sha256"] == h(sys.argv[4])
EOF
expect_status 0 "$C" --statement --normalize=mtime "$A/mtime.tar" "$B/mtime.tar"
cp "$T/out" "$T/st2.json"
expect_grep '"verificationResult":"PASSED"' "$T/out" "statement PASSED when equivalent"
expect_grep '"rulesNeeded":\["mtime"\]' "$T/out" "statement carries the rules"
expect_grep '"policy":{"uri":"https://vouch.dev/attestation/policy/reproducible-normalized/v1"' \
	"$T/out" "equivalent is not claimed as bit for bit"
expect_status 0 "$C" --statement "$A/identical.txt" "$B/identical.txt"
cp "$T/out" "$T/st3.json"
expect_grep '"policy":{"uri":"https://vouch.dev/attestation/policy/reproducible/v1"' \
	"$T/out" "identical: the reproducible policy"
python3 - "$VOUCH_SRCDIR/schemas" "$T/st.json" "$T/st2.json" "$T/st3.json" <<'EOF2' && ok || fail "statement schemas"
import json, sys, jsonschema
st = json.load(open(sys.argv[1] + "/statement-v1.schema.json"))
vsa = json.load(open(sys.argv[1] + "/vouch-vsa-v1.schema.json"))
for p in sys.argv[2:]:
    doc = json.load(open(p))
    jsonschema.validate(doc, st, cls=jsonschema.Draft202012Validator)
    jsonschema.validate(doc["predicate"], vsa, cls=jsonschema.Draft202012Validator)
EOF2

# limits are reported, not fatal
expect_status 1 "$C" --json --max-depth 1 "$A/pkg.deb" "$B/pkg.deb"
expect_grep '"hit":true' "$T/out" "depth limit reported"
expect_grep 'depth limit' "$T/out" "depth limit note"
expect_status 2 "$C" --json --max-members 2 "$A/mtime.tar" "$B/mtime.tar"
expect_grep 'member limit' "$T/out" "member limit note"
expect_status 2 "$C" --json --max-size 100 "$A/pkg.deb" "$B/pkg.deb"
expect_grep '"verdict":"incomplete"' "$T/out" "size limit: incomplete"
# a size limit smaller than the ELF files: compared as bytes, no crash
expect_status 1 "$C" --json --max-size 1000 "$A" "$B"
expect_grep '"path":"insn.elf","kind":"content"' "$T/out" "small limit: ELF compared as bytes"

# every report written above matches the schema
"$C" --json "$A" "$B" >"$T/dir.json" || true
cp "$T/rep.json" "$T/rep2.json"
python3 - "$VOUCH_SRCDIR/schemas/compare-report.schema.json" "$T"/*.json <<'EOF2' && ok || fail "schema"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
n = 0
for p in sys.argv[2:]:
    if p.endswith((".dfs.json", "st.json", "st2.json", "st3.json", "prov.json")):
        continue
    jsonschema.validate(json.load(open(p)), schema, cls=jsonschema.Draft202012Validator)
    n += 1
assert n >= 10, n
EOF2

# trouble
expect_status 2 "$C" "$A/missing" "$B/pkg.deb"
expect_status 2 "$C" --normalize=bogus "$A/pkg.deb" "$B/pkg.deb"

finish
