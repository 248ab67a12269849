#!/bin/sh
# vouch-rebuild with a source release of several files ("source": {"files"}):
# each file is pinned by its sha256 and placed, as it is, in the working
# directory; the steps see them all; the provenance names each; a wrong,
# missing or doubled file is refused before anything runs; -s names a
# directory holding them; an optional tree digest pins the set.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
TMPDIR="$T/tmp"
export TMPDIR
mkdir "$TMPDIR"
RB="$VOUCH_BIN/vouch-rebuild"

# A release like a Debian source package: a description, an upstream
# tarball, its signature, a packaging tarball.
mkdir -p "$T/rel" "$T/up/demo-1.0" "$T/pk/debian"
printf 'int main(void) { return 0; }\n' >"$T/up/demo-1.0/demo.c"
printf 'packaging\n' >"$T/pk/debian/rules"
tar -C "$T/up" -czf "$T/rel/demo_1.0.orig.tar.gz" demo-1.0
tar -C "$T/pk" -cJf "$T/rel/demo_1.0-1.debian.tar.xz" debian
printf -- '-----BEGIN PGP SIGNATURE-----\nnot a real one\n-----END PGP SIGNATURE-----\n' \
	>"$T/rel/demo_1.0.orig.tar.gz.asc"
printf 'Format: 3.0 (quilt)\nSource: demo\nVersion: 1.0-1\n' >"$T/rel/demo_1.0-1.dsc"
sha() { sha256sum "$1" | cut -c1-64; }

# recipe OUT [SOURCE-DIGEST-MEMBER] [EXTRA FILE ENTRY]
recipe() {
	cat >"$1" <<JSON
{"vouchRecipe": 1, "name": "demo", "version": "1.0-1",
 "source": {"files": [
   {"path": "rel/demo_1.0-1.dsc", "uri": "https://example.org/demo_1.0-1.dsc",
    "digest": {"sha256": "$(sha "$T/rel/demo_1.0-1.dsc")"}},
   {"path": "rel/demo_1.0.orig.tar.gz", "digest": {"sha256": "$(sha "$T/rel/demo_1.0.orig.tar.gz")"}},
   {"path": "rel/demo_1.0.orig.tar.gz.asc", "digest": {"sha256": "$(sha "$T/rel/demo_1.0.orig.tar.gz.asc")"}},
   {"path": "$T/rel/demo_1.0-1.debian.tar.xz", "digest": {"sha256": "$(sha "$T/rel/demo_1.0-1.debian.tar.xz")"}}
   ${3:-}]${2:-}},
 "environment": "host", "sourceDateEpoch": 1700000000, "workdir": "/build/demo",
 "steps": [["sh", "-c", "ls -la --time-style=+%s | sed 1d | awk '{print \$1, \$6, \$7}' > /out/listing; sha256sum * > /out/sums; tar xzf demo_1.0.orig.tar.gz && tar xJf demo_1.0-1.debian.tar.xz -C demo-1.0 && ls demo-1.0 demo-1.0/debian > /out/tree"]],
 "outputs": ["listing", "sums", "tree"]}
JSON
}

recipe "$T/r.json"
expect_status 0 "$RB" -r "$T/r.json" -o "$T/o1"
cp "$T/out" "$T/p1.json"
(cd "$T/rel" && sha256sum -- *) | sort -k2 >"$T/want-sums"
sort -k2 "$T/o1/sums" >"$T/got-sums"
expect_same "$T/want-sums" "$T/got-sums" "the files reach the build byte for byte"
expect_grep "^debian$" "$T/o1/tree" "the packaging tarball is there to unpack"
expect_grep "^demo.c$" "$T/o1/tree" "the upstream tarball is there to unpack"
# placed as plain files with SOURCE_DATE_EPOCH as their time
awk '$2 != 1700000000 && $3 ~ /^demo_/ { bad = 1 } END { exit bad }' "$T/o1/listing" && ok ||
	fail "placed files have SOURCE_DATE_EPOCH: $(cat "$T/o1/listing")"
[ "$(grep -c '^-rw-r--r--' "$T/o1/listing")" -eq 4 ] && ok || fail "four regular files: $(cat "$T/o1/listing")"

python3 - "$T/p1.json" "$T/rel" "$VOUCH_SRCDIR/schemas" >"$T/py" 2>&1 <<'PY' && ok || fail "provenance: $(cat "$T/py")"
import hashlib, json, os, sys, jsonschema
st = json.load(open(sys.argv[1]))
bd = st["predicate"]["buildDefinition"]
def sha(n): return hashlib.sha256(open(os.path.join(sys.argv[2], n), "rb").read()).hexdigest()
names = ["demo_1.0-1.dsc", "demo_1.0.orig.tar.gz", "demo_1.0.orig.tar.gz.asc", "demo_1.0-1.debian.tar.xz"]
files = bd["externalParameters"]["source"]["files"]
assert [f["name"] for f in files] == names, files
assert all(f["digest"] == {"sha256": sha(f["name"])} for f in files)
assert files[0]["uri"] == "https://example.org/demo_1.0-1.dsc"
deps = {d["name"]: d for d in bd["resolvedDependencies"]}
for n in names:
    assert deps["source/" + n]["digest"] == {"sha256": sha(n)}, deps
assert deps["source/demo_1.0-1.dsc"]["uri"] == "https://example.org/demo_1.0-1.dsc"
assert deps["source"]["uri"] == "file:///build/demo" and len(deps["source"]["digest"]["vouchTree256"]) == 64
jsonschema.validate(st, json.load(open(sys.argv[3] + "/statement-v1.schema.json")))
jsonschema.validate(st["predicate"], json.load(open(sys.argv[3] + "/vouch-provenance-v1.schema.json")))
r = json.load(open(sys.argv[1].replace("p1.json", "r.json")))
jsonschema.validate(r, json.load(open(sys.argv[3] + "/recipe.schema.json")))
print(deps["source"]["digest"]["vouchTree256"])
PY
TREE=$(tail -1 "$T/py")

# The tree digest of the placed files can be pinned; a wrong one is refused.
recipe "$T/tree.json" ", \"digest\": {\"vouchTree256\": \"$TREE\"}"
expect_status 0 "$RB" -r "$T/tree.json" -o "$T/o2"
expect_same "$T/o1/sums" "$T/o2/sums" "same files with the tree pinned"
recipe "$T/badtree.json" ", \"digest\": {\"vouchTree256\": \"$(printf '%064d' 0)\"}"
expect_status 2 "$RB" -r "$T/badtree.json" -o "$T/o3"
[ ! -e "$T/o3/listing" ] && ok || fail "a step ran with the wrong tree"

# -s DIR: the files by name in another directory.
mkdir "$T/elsewhere"
cp "$T/rel"/* "$T/elsewhere/"
mv "$T/rel" "$T/rel.away"
expect_status 2 "$RB" -r "$T/r.json" -o "$T/o4"
expect_grep "missing source file '.*demo_1.0-1.dsc'" "$T/err" "a missing file is named"
expect_lines 1 "$T/err" "one line for a missing file"
[ ! -e "$T/o4" ] && ok || fail "an outdir was made for a missing file"
expect_status 0 "$RB" -r "$T/r.json" -s "$T/elsewhere" -o "$T/o5"
expect_same "$T/o1/sums" "$T/o5/sums" "-s DIR finds the files by name"
mv "$T/rel.away" "$T/rel"

# A changed file is refused, naming it and both digests, before anything runs.
echo tampered >>"$T/elsewhere/demo_1.0.orig.tar.gz.asc"
expect_status 2 "$RB" -r "$T/r.json" -s "$T/elsewhere" -o "$T/o6"
expect_grep "source file '.*demo_1.0.orig.tar.gz.asc' has [0-9a-f]\{64\}, the recipe pins" \
	"$T/err" "a tampered file is named"
[ ! -e "$T/o6" ] && ok || fail "an outdir was made for a tampered file"

# Refused recipes: two files of one name, a bad name, a file without sha256,
# a uri-only file without -s.
recipe "$T/dup.json" "" ", {\"path\": \"elsewhere/demo_1.0-1.dsc\", \"digest\": {\"sha256\": \"$(sha "$T/rel/demo_1.0-1.dsc")\"}}"
expect_status 2 "$RB" -r "$T/dup.json" -o "$T/o7"
expect_grep "two source files named 'demo_1.0-1.dsc'" "$T/err" "duplicate names are refused"
recipe "$T/name.json" "" ", {\"path\": \"rel/x\", \"name\": \"a b\", \"digest\": {\"sha256\": \"$(sha "$T/rel/demo_1.0-1.dsc")\"}}"
expect_status 2 "$RB" -r "$T/name.json" -o "$T/o8"
expect_grep "bad file name 'a b'" "$T/err" "a bad name is refused"
recipe "$T/tree1.json" "" ", {\"path\": \"rel/x\", \"digest\": {\"vouchTree256\": \"$TREE\"}}"
expect_status 2 "$RB" -r "$T/tree1.json" -o "$T/o9"
expect_grep "must be a sha256 only" "$T/err" "each file needs its sha256"
recipe "$T/uri.json" "" ", {\"uri\": \"https://example.org/extra.tar\", \"digest\": {\"sha256\": \"$(sha "$T/rel/demo_1.0-1.dsc")\"}}"
expect_status 2 "$RB" -r "$T/uri.json" -o "$T/o10"
expect_grep "gives only the uri 'https://example.org/extra.tar'" "$T/err" "a uri-only file needs -s"
finish
