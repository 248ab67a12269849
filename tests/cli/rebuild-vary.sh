#!/bin/sh
# vouch-rebuild --vary: the demo's hello is reproducible under every
# variation; fixtures that each embed one thing of their environment
# (tests/cli/vary/build.sh) are reported unreproducible with exactly that
# variation named, in at most 3 + ceil(log2 12) + 1 = 8 builds (the bound
# the issue sets is 2*log2(12)+2 = 9.17); a pair
# that matters only together is named together; a build that fails when
# varied is named; the statement follows its schema and can be signed.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
TMPDIR="$T/tmp"
export TMPDIR
mkdir "$TMPDIR"

RB="$VOUCH_BIN/vouch-rebuild"
HELLO="$VOUCH_SRCDIR/examples/hello"
SCHEMAS="$VOUCH_SRCDIR/schemas"
CHECK="$VOUCH_SRCDIR/tests/cli/schema_check.py"

# --- the demo's hello: identical under all twelve variations, in two builds
tar -C "$HELLO" -cf "$T/hello-1.0.tar" hello.c Makefile
expect_status 0 "$RB" -r "$HELLO/recipe-host.json" -s "$T/hello-1.0.tar" -o "$T/h" --vary
cp "$T/out" "$T/hello.json"
expect_grep "reproducible: the outputs are identical under every variation (2 builds)" \
	"$T/err" "hello is reproducible under every variation"
python3 "$CHECK" "$SCHEMAS/statement-v1.schema.json" "$T/hello.json" >/dev/null && ok ||
	fail "the hello vary statement does not follow its schema"
python3 - "$T/hello.json" "$T/h/control/bin/hello" >"$T/py" 2>&1 <<'PY' && ok || fail "hello statement: $(cat "$T/py")"
import hashlib, json, sys
s = json.load(open(sys.argv[1]))
p = s["predicate"]
assert s["predicateType"] == "https://vouch.dev/attestation/vary/v1"
assert s["subject"] == [{"name": "bin/hello", "digest": {"sha256":
    hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()}}], s["subject"]
assert p["result"] == "REPRODUCIBLE" and p["culprit"] == [] and p["differences"] == []
names = [v["name"] for v in p["variations"]] + p["skipped"]
assert sorted(names) == sorted(["time", "timezone", "locales", "umask", "domain_host",
    "build_path", "user_group", "num_cpus", "environment", "fileordering", "home",
    "kernel"]), names
assert not any(v["changesOutput"] for v in p["variations"])
assert len(p["builds"]) == 2 and p["builds"][0]["variations"] == []
assert p["builds"][0]["outputs"] == p["builds"][1]["outputs"] == s["subject"]
PY
[ -f "$T/h/control/bin/hello" ] && [ -f "$T/h/varied/bin/hello" ] && [ -s "$T/h/control.log" ] &&
	[ ! -e "$T/h/control/build.log" ] && ok || fail "outdir layout"
cmp -s "$T/h/control/bin/hello" "$T/h/varied/bin/hello" && ok || fail "hello differs"

# --- one fixture per variation ------------------------------------------------
tar -C "$VOUCH_SRCDIR/tests/cli/vary" -cf "$T/fix.tar" build.sh parts
FSHA=$(sha256sum "$T/fix.tar" | cut -c1-64)
fixture() { # name -> $T/fix-name.json
	cat >"$T/fix-$1.json" <<JSON
{"vouchRecipe": 1, "name": "fixture-$1", "version": "1",
 "source": {"path": "fix.tar", "digest": {"sha256": "$FSHA"}},
 "environment": "host", "sourceDateEpoch": 1700000000, "workdir": "/build/fix",
 "steps": [["sh", "build.sh", "$1"]], "outputs": ["result"],
 "limits": {"timeoutSeconds": 60}}
JSON
}

# fixture  variation  words the sentence has
while read -r fix var phrase; do
	fixture "$fix"
	expect_status 1 "$RB" -r "$T/fix-$fix.json" -o "$T/f-$fix" --vary
	cp "$T/out" "$T/st-$fix.json"
	expect_grep "varying $phrase changes result" "$T/err" "$fix: the sentence names $var"
	python3 - "$T/st-$fix.json" "$var" >"$T/py" 2>&1 <<'PY' && ok || fail "$fix: $(cat "$T/py")"
import json, sys
s = json.load(open(sys.argv[1])); p = s["predicate"]; var = sys.argv[2]
assert p["result"] == "UNREPRODUCIBLE", p["result"]
assert p["culprit"] == [var], p["culprit"]
assert [v["name"] for v in p["variations"] if v["changesOutput"]] == [var]
assert len(p["builds"]) <= 8, len(p["builds"])
assert p["builds"][0]["variations"] == [] and not p["builds"][0]["differs"]
assert p["builds"][1]["differs"] and len(p["builds"][1]["variations"]) >= 11
last = [b for b in p["builds"] if b["variations"] == [var]]
assert last and last[0]["differs"], "no build with only the culprit"
assert p["differences"][0]["path"] == "result", p["differences"]
PY
	python3 "$CHECK" "$SCHEMAS/statement-v1.schema.json" "$T/st-$fix.json" >/dev/null && ok ||
		fail "$fix: the statement does not follow its schema"
	[ -f "$T/f-$fix/report.txt" ] && grep -q "^verdict: different" "$T/f-$fix/report.txt" &&
		ok || fail "$fix: no comparison report"
	echo "$fix -> $var: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["predicate"]["builds"]))' "$T/st-$fix.json") builds"
done <<EOF_FIX
date time the clock
timezone timezone the time zone
collation locales the locale
umask umask the umask
hostname domain_host the host and domain name
buildpath build_path the build path
user user_group the user and group
cpus num_cpus the number of CPUs
readdir fileordering the directory order
home home the home directory
env environment the environment variables
kernel kernel the kernel version
EOF_FIX

# what the varied builds saw, from the bisection's build of each alone
[ "$(cat "$T/f-collation/control/result" | tr '\n' ' ')" = "A B a b " ] &&
	[ "$(cat "$T/f-collation/culprit/result" | tr '\n' ' ')" = "a A b B " ] && ok ||
	fail "collation: C.UTF-8 then fr_CH.UTF-8 order"
[ "$(cat "$T/f-umask/control/result")" = 644 ] && [ "$(cat "$T/f-umask/culprit/result")" = 664 ] &&
	ok || fail "umask 022 then 002"
[ "$(cat "$T/f-kernel/culprit/result" | cut -c1-4)" = 2.6. ] && ok || fail "kernel: 2.6.x"
[ "$(cat "$T/f-date/culprit/result")" -ge $(($(date -u +%Y) + 11)) ] && ok || fail "date: years ahead"
[ "$(cat "$T/f-cpus/culprit/result")" = 1 ] && ok || fail "cpus: one"
[ "$(cat "$T/f-buildpath/culprit/result")" = /build/varied-build-path/fix ] && ok ||
	fail "build path"
sort "$T/f-readdir/control/result" >"$T/a"
sort "$T/f-readdir/culprit/result" >"$T/b"
tac "$T/f-readdir/control/result" >"$T/c"
expect_same "$T/a" "$T/b" "readdir: the same files"
expect_same "$T/c" "$T/f-readdir/culprit/result" "readdir: in reverse order"

# --- two variations that change the output only together are named together
fixture tz-and-locale
expect_status 1 "$RB" -r "$T/fix-tz-and-locale.json" -o "$T/f-tl" --vary
expect_grep "varying the time zone and the locale together changes result" "$T/err" \
	"a pair is named together"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["predicate"]; assert p["culprit"]==["timezone","locales"], p["culprit"]' "$T/out" && ok || fail "pair culprit"

# --- a build that fails when varied: named, exit 1
fixture needs-builder
expect_status 1 "$RB" -r "$T/fix-needs-builder.json" -o "$T/f-nb" --vary
expect_grep "varying the user and group makes the build fail" "$T/err" "a failing varied build"

# --- a subset, and a fixture with no dependence
fixture none
expect_status 0 "$RB" -r "$T/fix-none.json" -o "$T/f-none" --vary=umask,build_path
expect_grep "identical under umask,build_path (2 builds)" "$T/err" "--vary=LIST"
expect_status 0 "$RB" -r "$T/fix-buildpath.json" -o "$T/f-bp2" --vary=all,-build_path
expect_status 1 "$RB" -r "$T/fix-buildpath.json" -o "$T/f-bp3" --vary=build_path
expect_grep "^vouch-rebuild: 3 builds" "$T/err" "a single variation needs no bisection"

# --- a build that differs from itself: no variation is blamed
fixture random
expect_status 1 "$RB" -r "$T/fix-random.json" -o "$T/f-rnd" --vary
expect_grep "not reproducible even without variations: building twice as the recipe says changes result" \
	"$T/err" "a nondeterministic build is called so"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["predicate"]; assert p["culprit"]==[] and p["deterministic"] is False and p["result"]=="UNREPRODUCIBLE" and len(p["builds"])==3, p' "$T/out" &&
	ok || fail "nondeterministic statement"
[ -f "$T/f-rnd/control-again/result" ] && ok || fail "control-again is kept"

# --- the statement signs like any other, and verifies against the control's output
if [ -x "$VOUCH_BIN/vouch-attest" ] && [ -x "$VOUCH_BIN/vouch-keygen" ]; then
	expect_status 0 "$VOUCH_BIN/vouch-keygen" -o "$T/lab"
	"$VOUCH_BIN/vouch-attest" -k "$T/lab.key" <"$T/st-buildpath.json" >"$T/env.json" && ok ||
		fail "vouch-attest of a vary statement"
	python3 "$CHECK" "$SCHEMAS/dsse-envelope.schema.json+payload" "$T/env.json" >"$T/py" 2>&1 &&
		grep -q "vary/v1 predicate valid" "$T/py" && ok ||
		fail "signed vary statement: $(cat "$T/py")"
	expect_status 0 "$VOUCH_BIN/vouch-verify" -p "$T/lab.pub" -a "$T/f-buildpath/control/result" \
		"$T/env.json"
	# and it is logged like any other: submitted, then found by the output's digest
	expect_status 0 "$VOUCH_BIN/vouch-logd" -d "$T/log.d" -k "$T/lab.key" -o example.com/vary \
		--init
	V=$(cat "$T/out")
	"$VOUCH_BIN/vouch-logd" -d "$T/log.d" -k "$T/lab.key" -o example.com/vary -l 127.0.0.1:0 \
		--port-file "$T/port" 2>"$T/logd.err" &
	LOGD=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	URL=http://127.0.0.1:$(cat "$T/port")
	expect_status 0 "$VOUCH_BIN/vouch-log" -l "$URL" -K "$V" -t 10 submit "$T/env.json"
	expect_status 0 "$VOUCH_BIN/vouch-log" -l "$URL" -K "$V" -t 10 lookup \
		"$(sha256sum "$T/f-buildpath/control/result" | cut -c1-64)"
	expect_lines 1 "$T/out" "the logged vary statement is found by the control's output"
	kill "$LOGD" 2>/dev/null || true
	wait "$LOGD" 2>/dev/null || true
else
	fail "vouch-keygen or vouch-attest not built"
fi

# --- bad input: exit 2, one line, nothing built
expect_status 2 "$RB" -r "$T/fix-none.json" -o "$T/bad" --vary=time,bogus
expect_grep "unknown variation 'bogus'" "$T/err" "an unknown variation is named"
[ ! -e "$T/bad" ] && ok || fail "a bad --vary made the output directory"
mkdir -p "$T/full/x"
expect_status 2 "$RB" -r "$T/fix-none.json" -o "$T/full" --vary
expect_grep "is not empty" "$T/err" "a non-empty outdir is refused"
expect_status 2 env VOUCH_FAKETIME_LIB=relative.so "$RB" -r "$T/fix-none.json" -o "$T/ft" --vary
expect_grep "VOUCH_FAKETIME_LIB" "$T/err" "a bad clock library is named"
finish
