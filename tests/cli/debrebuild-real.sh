#!/bin/sh
# Slow, network: GNU hello as Debian 12 ships its source, built once by
# vouch-debrebuild --from-archive (the first build: the suite's current build
# dependencies, real clock), then rebuilt from the .buildinfo that build
# wrote, in a fresh environment made from its Installed-Build-Depends, with
# the clock at its Build-Date: the .debs must be bit-identical, the
# provenance must name the environment and the clock, and the comparison
# with the .deb Debian ships must yield a VSA statement.  The same for a
# binNMU of hello (Binary-Only-Changes).
#
# Environments and the first build are cached in /var/cache/vouch-test
# (flock'd), so a second run of the suite builds hello once.  Needs root
# (debootstrap, chroot) and Debian's archive; never skipped silently.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
real_world_test
debrebuild_setup
DR="$VOUCH_BIN/vouch-debrebuild"
CACHE=$VOUCH_TEST_CACHE/debrebuild
mkdir -p "$CACHE"

# The first build, once (its .buildinfo and .debs are kept).
debrebuild_first hello --from-archive hello=2.10-3 && ok || fail "the first build of hello failed"
BI=$FIRST/rebuilt/hello_2.10-3_amd64.buildinfo
expect_status 0 "$VOUCH_BIN/vouch-buildinfo" "$BI"
expect_grep '"buildPath":"/build/reproducible-path/hello-2.10"' "$T/out" "the first build's Build-Path"

# The rebuild from that .buildinfo, compared with the first build and with
# what Debian ships.
# exit 1 when Debian's .deb differs (hello 2.10-3 was built in 2022 with an
# older toolchain: its build id differs), 0 if it is identical
set +e
"$DR" -c "$CACHE" --shipped archive -o "$T/re" "$BI" >"$T/re.out" 2>"$T/err"
rc=$?
set -e
[ $rc -le 1 ] && ok || { fail "vouch-debrebuild exited $rc"; head -5 "$T/err" >&2; }
if grep -q '^shipped-differs' "$T/re.out"; then
	[ $rc -eq 1 ] && ok || fail "a differing shipped .deb must make the exit status 1"
else
	[ $rc -eq 0 ] && ok || fail "all reproduced and identical must be exit 0"
fi
expect_grep "^reproduced hello_2.10-3_amd64.deb$" "$T/re.out" "hello reproduces from its .buildinfo"
cmp -s "$FIRST/rebuilt/hello_2.10-3_amd64.deb" "$T/re/rebuilt/hello_2.10-3_amd64.deb" && ok ||
	fail "the rebuilt hello .deb differs from the first build's"
expect_grep "^shipped-\(identical\|differs\) hello_2.10-3_amd64.deb$" "$T/re.out" \
	"a verdict against the shipped .deb"
python3 - "$T/re" "$BI" "$VOUCH_SRCDIR/schemas" >"$T/py" 2>&1 <<'PY' && ok || fail "results: $(cat "$T/py")"
import json, re, sys, jsonschema
d, bi, sc = sys.argv[1:4]
st = json.load(open(d + "/provenance.json"))
jsonschema.validate(st["predicate"], json.load(open(sc + "/vouch-provenance-v1.schema.json")))
p = st["predicate"]["buildDefinition"]
clock = p["internalParameters"]["sandbox"]["clock"]
date = re.search(r"^Build-Date: (.*)$", open(bi).read(), re.M).group(1)
assert clock["kind"] == "libfaketime" and clock["from"] == "recipe", clock
deps = {x["name"]: x for x in p["resolvedDependencies"]}
assert "vouchTree256" in deps["environment"]["digest"], deps["environment"]
assert any(n.startswith("source/") and n.endswith(".dsc") for n in deps), deps
names = {s["name"] for s in st["subject"]}
assert "hello_2.10-3_amd64.deb" in names, names
vsa = json.load(open(d + "/vsa/hello_2.10-3_amd64.deb.json"))
assert vsa["predicateType"] == "https://slsa.dev/verification_summary/v1"
assert vsa["predicate"]["verificationResult"] in ("PASSED", "FAILED")
env = open(d + "/environment.list").read().split("\n")
assert any(l.startswith("debhelper amd64 ") or l.startswith("debhelper all ") for l in env), env[:3]
PY

# The environment is cached by its identity (the sha256 of the sorted
# package list) and reused: the second rebuild uses the same entry, made
# once (other runs may add entries for other packages meanwhile).
id=$(sha256sum "$T/re/environment.list" | cut -c1-64)
[ -f "$CACHE/debenv-$id/complete" ] && ok || fail "no cache entry debenv-$id"
m1=$(stat -c %Y "$CACHE/debenv-$id/complete")
expect_status 0 "$DR" -c "$CACHE" -o "$T/re2" "$BI"
m2=$(stat -c %Y "$CACHE/debenv-$id/complete")
[ "$m1" = "$m2" ] && ok || fail "the second rebuild remade its environment"
expect_same "$T/re/environment.list" "$T/re2/environment.list" "same environment both times"
expect_grep "^reproduced hello_2.10-3_amd64.deb$" "$T/out" "reproduced again"

# A version the mirror does not carry: one line, exit 2, nothing cached.
sed 's/^ debhelper (= [^)]*)/ debhelper (= 99.0-1)/' "$BI" >"$T/missing.buildinfo"
expect_status 2 "$DR" -c "$T/c2" -o "$T/miss" "$T/missing.buildinfo"
expect_grep "99.0-1" "$T/err" "the missing version is named"
expect_lines 1 "$T/err" "one line for a missing version"
[ -z "$(ls -A "$T/c2")" ] && [ ! -e "$T/miss" ] && ok ||
	fail "something was left for a missing version: $(ls -A "$T/c2")"
# An unreachable mirror: one line, exit 2.
expect_status 2 "$DR" -c "$T/c2" -m http://127.0.0.1:9/debian --security none -o "$T/unr" "$BI"
expect_lines 1 "$T/err" "one line for an unreachable mirror"
expect_grep "mirror 'http://127.0.0.1:9/debian'" "$T/err" "the unreachable mirror is named"

# A binNMU: a first build as binNMU 1 (--binnmu, as Debian's builders make
# one), then the rebuild from the .buildinfo dpkg wrote for it, whose
# Binary-Only-Changes entry must go back on top of debian/changelog:
# bit-identical, and the entry is the package's changelog.Debian.amd64.
debrebuild_first hello-binnmu --from-archive hello=2.10-3 --binnmu 1 && ok ||
	fail "the binNMU first build of hello failed"
BI=$FIRST/rebuilt/hello_2.10-3+b1_amd64.buildinfo
expect_status 0 "$VOUCH_BIN/vouch-buildinfo" "$BI"
expect_grep '"sourceVersion":"2.10-3","version":"2.10-3+b1"' "$T/out" "the first build is a binNMU"
expect_grep '"binaryOnlyChanges":"hello (2.10-3+b1) unstable; urgency=low, binary-only=yes' "$T/out" \
	"its .buildinfo holds the binNMU entry"
debrebuild_again hello-binnmu
dpkg-deb --fsys-tarfile "$T/hello-binnmu/rebuilt/hello_2.10-3+b1_amd64.deb" |
	tar -xO ./usr/share/doc/hello/changelog.Debian.amd64.gz | gzip -dc >"$T/bn.changelog"
expect_grep '^hello (2.10-3+b1) unstable; urgency=low, binary-only=yes$' "$T/bn.changelog" \
	"the rebuilt package carries the binNMU entry"
finish
