#!/bin/sh
# vouch-buildinfo: a real .buildinfo (made by dpkg-genbuildinfo) as JSON
# that follows its schema; a clear-signed one checked with gpgv against a
# keyring (good, tampered, wrong key, unsigned); malformed files refused
# with one line naming the field, exit 2; --check against built packages.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
BI="$VOUCH_BIN/vouch-buildinfo"
SAMPLE="$VOUCH_SRCDIR/tests/cli/buildinfo/vouch-demo_1.0_amd64.buildinfo"

expect_status 0 "$BI" "$SAMPLE"
cp "$T/out" "$T/j.json"
ndeps=$(sed -n '/^Installed-Build-Depends:/,/^[A-Z]/p' "$SAMPLE" | grep -c '^ ')
python3 - "$T/j.json" "$VOUCH_SRCDIR/schemas/buildinfo.schema.json" "$ndeps" >"$T/py" 2>&1 <<'PY' && ok || fail "json: $(cat "$T/py")"
import json, sys, jsonschema
j = json.load(open(sys.argv[1]))
jsonschema.validate(j, json.load(open(sys.argv[2])))
assert j["source"] == "vouch-demo" and j["version"] == "1.0" and j["architecture"] == "all source"
assert j["clearsigned"] is False
assert j["buildDate"] == "Sun, 06 Dec 2026 23:27:45 +0000" and j["buildDateEpoch"] == 1796599665
assert [c["name"] for c in j["checksums"]] == ["vouch-demo_1.0.dsc", "vouch-demo_1.0_all.deb"]
assert j["checksums"][1] == {"name": "vouch-demo_1.0_all.deb", "size": 1104,
    "sha256": "270f09fc17036205889c19b6fa854e47899efbe80b07dba7fe8b37837391bcc8"}
deps = j["installedBuildDepends"]
assert len(deps) == int(sys.argv[3]), len(deps)
assert {"name": "automake", "version": "1:1.16.5-1.3"} in deps
assert j["environment"] == {"DEB_BUILD_OPTIONS": "parallel=2", "LANG": "C.UTF-8",
                            "SOURCE_DATE_EPOCH": "1700000000"}, j["environment"]
PY

# Signed: a throw-away key made here, the sample clear-signed with it.
export GNUPGHOME="$T/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'vouch test <t@vouch.invalid>' ed25519 sign 1d 2>/dev/null
gpg --batch --quiet --export >"$T/good.gpg"
gpg --batch --quiet --clearsign -o "$T/signed.buildinfo" "$SAMPLE"
expect_status 0 "$BI" -k "$T/good.gpg" "$T/signed.buildinfo"
expect_grep '"clearsigned":true' "$T/out" "a signed file says so"
sed 's/"clearsigned":true/"clearsigned":false/' "$T/out" >"$T/signed.json"
expect_same "$T/j.json" "$T/signed.json" "signed and unsigned read the same"
sed 's/^ zlib1g (= 1:1.2.13.dfsg-1)$/ zlib1g (= 1:1.2.13.dfsg-2)/' "$T/signed.buildinfo" >"$T/tampered.buildinfo"
cmp -s "$T/signed.buildinfo" "$T/tampered.buildinfo" && fail "tampering changed nothing" || ok
expect_status 0 "$BI" "$T/tampered.buildinfo"
expect_status 2 "$BI" -k "$T/good.gpg" "$T/tampered.buildinfo"
expect_grep "no good signature by a key of" "$T/err" "a tampered file is refused"
expect_lines 1 "$T/err" "one line for a bad signature"
GNUPGHOME="$T/gnupg2"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'other <o@vouch.invalid>' ed25519 sign 1d 2>/dev/null
gpg --batch --quiet --export >"$T/other.gpg"
expect_status 2 "$BI" -k "$T/other.gpg" "$T/signed.buildinfo"
expect_grep "no good signature" "$T/err" "an unknown key is refused"
expect_status 2 "$BI" -k "$T/good.gpg" "$SAMPLE"
expect_grep "is not signed" "$T/err" "an unsigned file is refused with a keyring"
# text outside the signed part is refused even without a keyring
{ cat "$T/signed.buildinfo"; echo "Version: 6.6.6"; } >"$T/after.buildinfo"
expect_status 2 "$BI" "$T/after.buildinfo"
expect_grep "text after the signature" "$T/err" "text after the signature"
{ echo "Version: 6.6.6"; cat "$T/signed.buildinfo"; } >"$T/before.buildinfo"
expect_status 2 "$BI" "$T/before.buildinfo"

# Malformed: one line naming what is wrong, exit 2, nothing on stdout.
# mangle NAME SED-EXPRESSION EXPECTED-MESSAGE
mangle() {
	sed "$2" "$SAMPLE" >"$T/$1.buildinfo"
	expect_status 2 "$BI" "$T/$1.buildinfo"
	expect_grep "$3" "$T/err" "$1"
	expect_lines 1 "$T/err" "$1: one line"
	[ -s "$T/out" ] && fail "$1: something on stdout" || ok
}
mangle dup '2a\Source: other' "duplicate field 'Source'"
mangle dupcase '2a\SOURCE: other' "duplicate field 'SOURCE'"
mangle format 's/^Format: 1.0/Format: 2.0/' "unsupported 'Format' '2.0'"
mangle noformat '/^Format:/d' "missing field 'Format'"
mangle sum 's/^ 270f09fc/ 270F09FC/' "bad 'Checksums-Sha256' line 2"
mangle size 's/ 1104 vouch-demo_1.0_all.deb/ 11x4 vouch-demo_1.0_all.deb/' "bad size in 'Checksums-Sha256' line 2"
mangle slash 's/ 1104 vouch-demo_1.0_all.deb/ 1104 ..\/x.deb/' "bad 'Checksums-Sha256' line 2"
mangle dep 's/^ bash (= 5.2.15-2+b8),/ bash (>= 5.2.15-2+b8),/' "bad 'Installed-Build-Depends' entry 'bash (>= 5.2.15-2+b8)'"
mangle comma 's/^ bash (= 5.2.15-2+b8),/ bash (= 5.2.15-2+b8)/' "must be separated by ','"
mangle date 's/^Build-Date: .*/Build-Date: yesterday/' "bad 'Build-Date' 'yesterday'"
mangle path '/^Build-Date:/a\Build-Path: /build/../etc' "bad 'Build-Path' '/build/../etc'"
mangle env 's/^ LANG="C.UTF-8"/ LANG=C.UTF-8/' "bad 'Environment' line 'LANG=C.UTF-8'"
mangle para '/^Format:/i\Foo: bar\n' "more than one paragraph"
mangle cont '1i\ leading' "continuation line before any field"
mangle nofield '2a\not a field' "line 3 is not 'Field: value'"
mangle version 's/^Version: 1.0/Version: one/' "bad 'Version' 'one'"
mangle arch 's/^Architecture: all source/Architecture: all  source/' "bad 'Architecture'"
printf 'Format: 1.0\001\n' >"$T/ctl.buildinfo"
expect_status 2 "$BI" "$T/ctl.buildinfo"
expect_grep "control character 0x01" "$T/err" "control characters are refused"
: >"$T/empty.buildinfo"
expect_status 2 "$BI" "$T/empty.buildinfo"
expect_grep "buildinfo: empty" "$T/err" "an empty file is refused"
expect_status 2 "$BI" "$T/nonexistent.buildinfo"
expect_status 2 "$BI"

# A binNMU (Binary-Only-Changes): the changelog entry decoded as dpkg's own
# parser (Dpkg::Control) decodes it, checked against it; the recipe puts it
# on top of debian/changelog (run here on a scratch tree, then read back
# with dpkg-parsechangelog); an entry for another version, without
# binary-only=yes or without its trailer is refused.
binnmu() { # the sample as binNMU 1, with extra sed expressions applied last
	sed -e 's/^Source: vouch-demo$/Source: vouch-demo (1.0)/' -e 's/^Version: 1.0$/Version: 1.0+b1/' \
		-e 's/^Architecture: all source$/Architecture: amd64/' "$SAMPLE" >"$T/bn.tmp"
	cat - >>"$T/bn.tmp" <<'ENTRY'
Binary-Only-Changes:
 vouch-demo (1.0+b1) unstable; urgency=low, binary-only=yes
 .
   * Binary-only non-maintainer upload for amd64; no source changes.
 ..
  -- amd64 Build Daemon (b1) <buildd@example.org>  Sat, 01 Jan 2028 00:00:00 +0000
ENTRY
	sed "${1:-}" "$T/bn.tmp"
}
binnmu >"$T/bn.buildinfo"
expect_status 0 "$BI" "$T/bn.buildinfo"
perl -MDpkg::Control -e '$c = Dpkg::Control->new(type => CTRL_UNKNOWN); $c->load($ARGV[0]);
	print $c->{"Binary-Only-Changes"}' "$T/bn.buildinfo" >"$T/bn.dpkg"
python3 - "$T/out" "$T/bn.dpkg" "$VOUCH_SRCDIR/schemas/buildinfo.schema.json" >"$T/py" 2>&1 <<'PY' && ok || fail "binNMU json: $(cat "$T/py")"
import json, sys, jsonschema
j = json.load(open(sys.argv[1]))
jsonschema.validate(j, json.load(open(sys.argv[3])))
want = ("vouch-demo (1.0+b1) unstable; urgency=low, binary-only=yes\n\n"
        "  * Binary-only non-maintainer upload for amd64; no source changes.\n.\n"
        " -- amd64 Build Daemon (b1) <buildd@example.org>  Sat, 01 Jan 2028 00:00:00 +0000")
assert j["binaryOnlyChanges"] == want, repr(j["binaryOnlyChanges"])
dpkg = open(sys.argv[2]).read()
assert "\n" + j["binaryOnlyChanges"] == dpkg, (repr(dpkg), repr(j["binaryOnlyChanges"]))
assert j["source"] == "vouch-demo" and j["sourceVersion"] == "1.0" and j["version"] == "1.0+b1"
PY
mkdir -p "$T/rootfs" "$T/bnsrc/x/debian"
echo "not really a .dsc" >"$T/bnsrc/vouch-demo_1.0.dsc"
expect_status 0 "$BI" --recipe --rootfs "$T/rootfs" --rootfs-tree "$(printf '%064d' 0)" \
	--arch amd64 "$T/bn.buildinfo" "$T/bnsrc/vouch-demo_1.0.dsc"
cp "$T/out" "$T/bn.recipe"
printf 'vouch-demo (1.0) unstable; urgency=medium\n\n  * Initial release.\n\n -- A <a@example.org>  Sun, 06 Dec 2026 23:27:45 +0000\n' \
	>"$T/bnsrc/x/debian/changelog"
cp "$T/bnsrc/x/debian/changelog" "$T/bn.old"
python3 - "$T/bn.recipe" "$T/bnsrc" >"$T/py" 2>&1 <<'PY' && ok || fail "binNMU recipe: $(cat "$T/py")"
import json, subprocess, sys
r = json.load(open(sys.argv[1]))
steps = r["steps"]
assert steps[0][:3] == ["dpkg-source", "--no-check", "-x"], steps[0]
st = steps[1]
assert st[:2] == ["sh", "-c"] and st[3] == "sh" and st[5].startswith("vouch-demo (1.0+b1) "), st
assert any("--build=any" in s for s in steps), steps
# the step itself, on a scratch tree named like the recipe's source directory
subprocess.run(["sh", "-c", st[2], "sh", "x", st[5]], cwd=sys.argv[2], check=True)
PY
{ python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"][1][5])' "$T/bn.recipe"; echo; cat "$T/bn.old"; } >"$T/bn.want"
expect_same "$T/bn.want" "$T/bnsrc/x/debian/changelog" "the binNMU entry is put on top of debian/changelog"
expect_status 0 dpkg-parsechangelog -l "$T/bnsrc/x/debian/changelog" -SVersion
expect_grep '^1.0+b1$' "$T/out" "dpkg reads the binNMU version from the changelog"
expect_status 0 dpkg-parsechangelog -l "$T/bnsrc/x/debian/changelog" -SBinary-Only
expect_grep '^yes$' "$T/out" "dpkg sees a binary-only entry"
# mangle_bn NAME SED-EXPRESSION EXPECTED-MESSAGE
mangle_bn() {
	binnmu "$2" >"$T/$1.buildinfo"
	expect_status 2 "$BI" "$T/$1.buildinfo"
	expect_grep "$3" "$T/err" "$1"
	expect_lines 1 "$T/err" "$1: one line"
}
mangle_bn bnver 's/^ vouch-demo (1.0+b1)/ vouch-demo (1.0+b2)/' "'Binary-Only-Changes' must begin with 'vouch-demo (1.0+b1) '"
mangle_bn bnsrc 's/^ vouch-demo (1.0+b1)/ other (1.0+b1)/' "must begin with 'vouch-demo (1.0+b1) '"
mangle_bn bnonly 's/, binary-only=yes$//' "not a binary-only entry"
mangle_bn bntrail '/^  -- amd64/d' "must end with its ' -- ' trailer line"
mangle_bn bnempty '/^Binary-Only-Changes:$/,${/^ /d;}' "field 'Binary-Only-Changes' is empty"
mangle_bn bnfirst 's/^Binary-Only-Changes:$/Binary-Only-Changes: x/' "'Binary-Only-Changes' must start on the next line"

# --check: the built package itself, a changed one, a missing one.
mkdir "$T/debs"
expect_status 1 "$BI" --check "$T/debs" "$SAMPLE"
expect_grep "^missing vouch-demo_1.0_all.deb$" "$T/out" "a missing package"
printf 'not the package' >"$T/debs/vouch-demo_1.0_all.deb"
expect_status 1 "$BI" --check "$T/debs" "$SAMPLE"
expect_grep "^differs vouch-demo_1.0_all.deb$" "$T/out" "a different package"
finish
