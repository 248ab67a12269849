#!/bin/sh
# Slow: vouch-rebuild --vary in the pinned Debian 12 environment (see
# rebuild-debian.sh; the same cached tarball and rootfs).  The demo's hello
# is reproducible under every variation there too.  A real release as
# Debian ships it, GNU hello 2.10 (Debian's orig tarball, pinned by the
# digest in hello_2.10-3.dsc), built with autotools and a fixed
# -ffile-prefix-map=/build/hello-2.10=., is found to depend on its build
# path and on nothing else: bisection names build_path alone (8 builds), and the
# difference is in usr/bin/hello's debug information and build ID.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
real_world_test
TMPDIR="$T/tmp"
export TMPDIR
mkdir "$TMPDIR"
RB="$VOUCH_BIN/vouch-rebuild"
HELLO="$VOUCH_SRCDIR/examples/hello"

debian_env_or_fail

# --- the demo's hello in Debian: identical under every variation
tar -C "$HELLO" -cf "$T/hello-1.0.tar" hello.c Makefile
python3 - "$HELLO/recipe-debian.json" "$DIGEST" "$T/recipe.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["environment"]["digest"]["sha256"] = sys.argv[2]
json.dump(r, open(sys.argv[3], "w"))
PY
expect_status 0 "$RB" -r "$T/recipe.json" -s "$T/hello-1.0.tar" -e "$ENV" -c "$CACHE" -o "$T/h" \
	--vary
expect_grep "identical under every variation (2 builds)" "$T/err" "hello in Debian under --vary"
python3 - "$T/out" >"$T/py" 2>&1 <<'PY' && ok || fail "hello statement: $(cat "$T/py")"
import json, sys
p = json.load(open(sys.argv[1]))["predicate"]
loc = [v for v in p["variations"] if v["name"] == "locales"][0]
# the environment has no second locale: the statement says so
assert "not installed" in loc["varied"], loc
PY

# --- GNU hello 2.10 from Debian's archive
gnu_hello_recipe "$T/gnu-hello.json" 900 '["usr/bin/hello", "usr/share/man/man1/hello.1", "usr/share/info/hello.info"]'
expect_status 1 "$RB" -r "$T/gnu-hello.json" -c "$CACHE" -o "$T/g" --vary
cp "$T/out" "$T/g.json"
cat "$T/err"
expect_grep "varying the build path changes usr/bin/hello (" "$T/err" "GNU hello: the build path"
python3 - "$T/g.json" >"$T/py" 2>&1 <<'PY' && ok || fail "GNU hello statement: $(cat "$T/py")"
import json, sys
s = json.load(open(sys.argv[1])); p = s["predicate"]
assert p["culprit"] == ["build_path"], p["culprit"]
assert len(p["builds"]) <= 8, len(p["builds"])
d = {x["path"]: x for x in p["differences"]}
assert list(d) == ["usr/bin/hello"], list(d)
items = d["usr/bin/hello"]["items"]
assert ".debug_line_str" in items and ".note.gnu.build-id" in items, items
# the manual and the info page do not depend on anything varied
subj = {x["name"] for x in s["subject"]}
assert subj == {"usr/bin/hello", "usr/share/man/man1/hello.1", "usr/share/info/hello.info"}
PY
python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" "$VOUCH_SRCDIR/schemas/statement-v1.schema.json" \
	"$T/g.json" >/dev/null && ok || fail "GNU hello statement schema"
cmp -s "$T/g/control/usr/share/man/man1/hello.1" "$T/g/varied/usr/share/man/man1/hello.1" && ok ||
	fail "the manual page differs under variations"
finish
