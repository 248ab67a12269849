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

# --check: the built package itself, a changed one, a missing one.
mkdir "$T/debs"
expect_status 1 "$BI" --check "$T/debs" "$SAMPLE"
expect_grep "^missing vouch-demo_1.0_all.deb$" "$T/out" "a missing package"
printf 'not the package' >"$T/debs/vouch-demo_1.0_all.deb"
expect_status 1 "$BI" --check "$T/debs" "$SAMPLE"
expect_grep "^differs vouch-demo_1.0_all.deb$" "$T/out" "a different package"
finish
