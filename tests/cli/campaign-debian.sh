#!/bin/sh
# Slow, network: a campaign item through the .buildinfo path.  GNU hello as
# Debian 12 ships its source, built once by vouch-debrebuild --from-archive
# (cached in /var/cache/vouch-test by tests/cli/debrebuild-real.sh, or here),
# is verified by vouch-campaign from its .buildinfo with its .debs as the
# shipped packages: vouch-debrebuild rebuilds it in a fresh environment, the
# verdict is reproduced, signed and logged, and the summary names the .debs.
# Needs root (debootstrap, chroot) and Debian's archive.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
real_world_test
if [ "$(id -u)" -ne 0 ]; then
	fail "needs root (debootstrap, chroot) and Debian's archive"
	finish
	exit 1
fi
VOUCH_BINDIR=$VOUCH_BIN
export VOUCH_BINDIR
CACHE=/var/cache/vouch-test/debrebuild
mkdir -p "$CACHE"
FIRST=/var/cache/vouch-test/first-hello
(
	flock 9
	if [ ! -f "$FIRST/done" ]; then
		rm -rf "$FIRST"
		"$VOUCH_BIN/vouch-debrebuild" -c "$CACHE" --from-archive hello=2.10-3 -o "$FIRST.tmp" >"$T/first.out" 2>&1 || {
			tail -5 "$T/first.out" >&2
			rm -rf "$FIRST.tmp"
			exit 1
		}
		touch "$FIRST.tmp/done"
		mv "$FIRST.tmp" "$FIRST"
	fi
) 9>/var/cache/vouch-test/first-hello.lock && ok || fail "the first build of hello failed"

mkdir -p "$T/c/debs"
cp "$FIRST/rebuilt/"*.deb "$T/c/debs/"
cp "$FIRST/rebuilt/hello_2.10-3_amd64.buildinfo" "$T/c/"
cp "$VOUCH_SRCDIR/examples/labs/lab-a.test.key" "$T/c/lab.key"
serve_new_log campaign-debian.test/log
cat >"$T/c/campaign.json" <<EOF
{"vouchCampaign": 1, "name": "bookworm-hello", "lab": {"name": "lab-a", "key": "lab.key"},
 "log": {"url": "$URL", "verifier": "$VKEY"}, "output": "out",
 "debian": {"cache": "$CACHE"},
 "items": [{"id": "hello_2.10-3", "buildinfo": "hello_2.10-3_amd64.buildinfo", "shipped": "debs"}]}
EOF
expect_status 0 "$VOUCH_BIN/vouch-campaign" run -q "$T/c/campaign.json"
expect_grep '^run r1-[0-9TZ]*: 1 reproduced' "$T/out" "hello reproduced through the .buildinfo path"
[ -s "$T/err" ] && sed 's/^/  /' "$T/err" | head -5 >&2
python3 "$VOUCH_SRCDIR/tests/cli/schema_check.py" "$VOUCH_SRCDIR/schemas/campaign-summary.schema.json" \
	"$T/c/out/summary.json" >"$T/schema.out" 2>&1 && ok || fail "summary fails its schema: $(cat "$T/schema.out")"
python3 - "$T/c/out/summary.json" "$T/c/out" <<'PY' >"$T/check.out" 2>&1 && ok || fail "summary: $(cat "$T/check.out")"
import json, os, sys
s = json.load(open(sys.argv[1])); i = s["items"][0]
assert i["name"] == "hello" and i["version"] == "2.10-3", (i["name"], i["version"])
assert i["verdict"] == "reproduced" and i["log_entry"] is not None, i
assert "hello_2.10-3_amd64.deb" in [a["name"] for a in i["artifacts"]], i["artifacts"]
assert os.path.isfile(os.path.join(sys.argv[2], i["envelope"]))
PY
env=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["envelope"])' "$T/c/out/summary.json")
expect_status 0 "$VOUCH_BIN/vouch-verify" -p "$VOUCH_SRCDIR/examples/labs/lab-a.test.pub" \
	-a "$T/c/debs/hello_2.10-3_amd64.deb" "$T/c/out/$env"
expect_grep '"verificationResult":"PASSED"' "$T/out" "the signed verdict covers the shipped .deb"
finish
