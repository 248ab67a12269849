#!/bin/sh
# publish.sh - vouch-publish on the fixture campaign and on hostile
# variants of it: the summary's schema, what the site and the apt tree
# hold, and refusals (exit 2, one line naming the problem, nothing written,
# an existing directory left alone).
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

P="$VOUCH_BIN/vouch-publish"
F="$VOUCH_SRCDIR/tests/cli/publish"
S="$VOUCH_SRCDIR/tests/cli"
PY=${VOUCH_PYTHON:-/usr/bin/python3}

expect_status 0 "$P" --help
expect_grep "usage: vouch-publish" "$T/out" "--help on stdout"
expect_status 2 "$P" "$F/summary.json"
expect_grep "nothing to do" "$T/err" "no output asked for"
expect_status 2 "$P" --apt-intoto "$T/x" "$F/summary.json"
expect_grep "needs the lab's key" "$T/err" "--apt-intoto without a key"
expect_status 2 "$P" --html "$T/x" "$F/summary.json" "$F/summary.json"
[ ! -e "$T/x" ] && ok || fail "a usage error wrote something"

# the fixture is what the campaign's schema describes
expect_status 0 "$PY" "$S/schema_check.py" campaign-summary.schema.json "$F/summary.json"

# ---- the site ----
expect_status 0 "$P" --html "$T/site" "$F/summary.json"
echo "vouch-publish: '$T/site': status site of 8 items" >"$T/want"
expect_same "$T/want" "$T/err" "summary line"
(cd "$T/site" && find . -type f | sort) >"$T/files"
cat >"$T/want" <<'LIST'
./index.html
./items/coreutils_9.1-1.envelope.json
./items/coreutils_9.1-1.html
./items/coreutils_9.1-1.proof.txt
./items/coreutils_9.1-1.report.html
./items/gawk_5.2.1-2.html
./items/grep_3.8-5.html
./items/hello_2.10-3.envelope.json
./items/hello_2.10-3.html
./items/hello_2.10-3.proof.txt
./items/hello_2.10-3.report.html
./items/sed_4.9-1.envelope.json
./items/sed_4.9-1.html
./items/sed_4.9-1.proof.txt
./items/sed_4.9-1.report.html
./items/tar_1.34-1.html
./items/xss_1.0-1.envelope.json
./items/xss_1.0-1.html
./items/xss_1.0-1.proof.txt
./items/xss_1.0-1.report.html
./items/zlib_1.2.13-1.envelope.json
./items/zlib_1.2.13-1.html
./items/zlib_1.2.13-1.proof.txt
LIST
expect_same "$T/want" "$T/files" "the site's files"
cmp -s "$F/proofs/hello_2.10-3.proof" "$T/site/items/hello_2.10-3.proof.txt" && ok || fail "proof copied"
cmp -s "$F/envelopes/sed_4.9-1.intoto.json" "$T/site/items/sed_4.9-1.envelope.json" && ok ||
	fail "envelope copied"
# the summary's strings are escaped: the hostile item's name appears only as text
grep -c '<script' "$T/site/index.html" >"$T/n" || true
echo 1 >"$T/want"
expect_same "$T/want" "$T/n" "one script element in the index (its own)"
expect_grep '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/site/index.html" "hostile name escaped"
expect_grep '&quot;quoted&quot; &lt;img src=x onerror=alert(2)&gt; &amp; &#39;single&#39;' \
	"$T/site/index.html" "hostile reason escaped"
# the copied report carries a script-less policy right after <head>
expect_grep "<head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><meta charset" \
	"$T/site/items/xss_1.0-1.report.html" "report policy injected"

# an existing, non-empty output directory is left alone
mkdir "$T/full" && echo keep >"$T/full/keep"
expect_status 2 "$P" --html "$T/full" "$F/summary.json"
expect_grep "is not empty" "$T/err" "non-empty output refused"
[ "$(ls "$T/full")" = keep ] && [ "$(cat "$T/full/keep")" = keep ] && ok || fail "existing output touched"

# ---- hostile summaries: exit 2, one line, nothing written ----
mkdir "$T/h"
cp -R "$F/reports" "$F/proofs" "$F/envelopes" "$T/h/"
variant() { # variant NAME PYTHON-EXPRESSION-ON-d
	"$PY" - "$F/summary.json" "$T/h/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
open(sys.argv[2], "w").write(d if isinstance(d, str) else json.dumps(d))
PY
}
refused() { # refused NAME MESSAGE-PATTERN
	expect_status 2 "$P" --html "$T/h/out" "$T/h/$1.json"
	expect_grep "$2" "$T/err" "$1"
	expect_lines 1 "$T/err" "$1: one line"
	[ ! -e "$T/h/out" ] && [ -z "$(ls -d "$T"/h/out.tmp.* 2>/dev/null)" ] && ok ||
		fail "$1: something was left behind"
}
variant dotdot 'd["items"][0]["report_html"] = "../publish/reports/hello_2.10-3.html"'
refused dotdot "'report_html' is not a relative path beneath the summary ('../publish"
variant abs 'd["items"][0]["log_entry"]["proof"] = "/etc/passwd"'
refused abs "'proof' is not a relative path beneath the summary ('/etc/passwd')"
variant inner 'd["items"][2]["envelope"] = "envelopes/../../x"'
refused inner "'envelope' is not a relative path"
ln -s /etc/passwd "$T/h/reports/evil.html"
variant link 'd["items"][0]["report_html"] = "reports/evil.html"'
refused link "'reports/evil.html' goes through a symbolic link"
ln -s /etc "$T/h/etc"
variant linkdir 'd["items"][0]["log_entry"]["proof"] = "etc/passwd"'
refused linkdir "'etc/passwd' goes through a symbolic link"
variant missing 'd["items"][1]["report_html"] = "reports/nothere.html"'
refused missing "item 'coreutils_9.1-1': 'reports/nothere.html': No such file"
echo '<html><body>no head</body></html>' >"$T/h/reports/nohead.html"
variant nohead 'd["items"][0]["report_html"] = "reports/nohead.html"'
refused nohead "report 'reports/nohead.html' has no <head> tag"
variant counts 'd["counts"]["failed"] = 2'
refused counts "counts say 2 failed, the items 1"
variant dup 'd["items"][1]["id"] = d["items"][0]["id"]; d["counts"]["reproduced"] += 1; d["counts"]["equivalent"] -= 1; d["items"][1]["verdict"] = "reproduced"'
refused dup "item id 'hello_2.10-3' appears twice"
variant unknown 'd["items"][0]["verdikt"] = "failed"'
refused unknown "unknown member 'verdikt'"
variant verdict 'd["items"][0]["verdict"] = "REPRODUCED"'
refused verdict "unknown verdict 'REPRODUCED'"
variant ctrl 'd["items"][0]["reason"] = "two\nlines"'
refused ctrl "'reason' holds a control character"
variant url 'd["log"]["url"] = "javascript:alert(1)"'
refused url "url 'javascript:alert(1)' is not http:// or https://"
variant id 'd["items"][0]["id"] = "a/b"'
refused id "'id' is not an id"
variant time 'd["generated"] = "2026-12-05 12:00:00"'
refused time "'generated' is not an RFC 3339 UTC time"
variant type 'd["_type"] = "https://vouch.dev/campaign-summary/v2"'
refused type "'_type' is not 'https://vouch.dev/campaign-summary/v1'"
variant dupkey 'd = json.dumps(d)[:-1] + ", \"items\": []}"'
refused dupkey "duplicate"
variant hex 'd["items"][0]["artifacts"][0]["sha256"] = "AB" * 32'
refused hex "sha256 is not 64 lowercase hex"
truncate -s 33M "$T/h/big.json"
refused big "larger than"

# ---- the apt in-toto tree ----
kid=$("$VOUCH_BIN/vouch-keygen" -o "$T/lab")
"$VOUCH_BIN/vouch-keygen" -t ecdsa-p256 -o "$T/ec" >/dev/null
variant lab "d[\"lab\"][\"keyid\"] = \"$kid\""
expect_status 2 "$P" --apt-intoto "$T/apt0" -k "$T/lab.key" "$F/summary.json"
expect_grep "is not the lab's key" "$T/err" "another lab's summary refused"
[ ! -e "$T/apt0" ] && ok || fail "refused apt tree written"
expect_status 2 "$P" --apt-intoto "$T/apt0" -k "$T/ec.key" "$T/h/lab.json"
expect_grep "need an Ed25519 private key" "$T/err" "ECDSA key refused"
expect_status 0 "$P" --apt-intoto "$T/apt" -k "$T/lab.key" "$T/h/lab.json"
expect_grep "2 in-toto links for apt (0 reproduced items without a .deb)" "$T/err" "apt summary line"
(cd "$T/apt" && find . -type f | sort) >"$T/files"
printf './sources/hello/2.10-3/metadata\n./sources/xss/1.0-1/metadata\n' >"$T/want"
expect_same "$T/want" "$T/files" "links for the reproduced items only"
expect_status 0 "$PY" "$S/schema_check.py" intoto-link-v0.9.schema.json "$T/apt/sources/hello/2.10-3/metadata"
"$PY" - "$T/apt/sources/hello/2.10-3/metadata" >"$T/prod" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
print(l["signed"]["name"], json.dumps(l["signed"]["products"], sort_keys=True))
PY
printf 'rebuild {"hello_2.10-3_amd64.deb": {"sha256": "084a192aa7dab16e721919cdb420a20541155395f7abdaf5256268e7cb222b44"}}\n' >"$T/want"
expect_same "$T/want" "$T/prod" "the link's step and products"
# an epoch in a .deb name is refused (apt names the file differently)
variant epoch "d[\"lab\"][\"keyid\"] = \"$kid\"; d[\"items\"][0][\"artifacts\"][0][\"name\"] = \"hello_1:2.10-3_amd64.deb\""
expect_status 2 "$P" --apt-intoto "$T/apt1" -k "$T/lab.key" "$T/h/epoch.json"
expect_grep "is not a Debian pool name" "$T/err" "epoch refused"
[ ! -e "$T/apt1" ] && ok || fail "refused apt tree written"
finish
