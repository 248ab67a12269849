#!/bin/sh
# vouch-rebuild with a recipe "clock": date(1) and a C program calling
# time(), gettimeofday() and clock_gettime(CLOCK_REALTIME) see the fixed
# time, whatever TZ a step sets; the monotonic clock and sleep stay real;
# a static program sees the real clock (what the man page says is not
# covered); the provenance records the clock and the library's digest;
# bad clocks and a missing library are refused before anything runs.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
TMPDIR="$T/tmp"
export TMPDIR
mkdir "$TMPDIR"

RB="$VOUCH_BIN/vouch-rebuild"
LIB=$(for f in /usr/lib/*-linux-gnu/faketime/libfaketime.so.1; do echo "$f"; done | head -1)
[ -f "$LIB" ] || { fail "libfaketime is not installed (.ci/packages lists it)"; finish; exit 1; }

tar -C "$VOUCH_SRCDIR/tests/cli/clock" -cf "$T/clock.tar" clock.c
SHA=$(sha256sum "$T/clock.tar" | cut -c1-64)
real_year=$(date -u +%Y)

# recipe CLOCK [ENV]
recipe() {
	cat <<JSON
{"vouchRecipe": 1, "name": "clock", "version": "1",
 "source": {"path": "$T/clock.tar", "digest": {"sha256": "$SHA"}},
 "environment": "host", "sourceDateEpoch": 1700000000, "workdir": "/build/clock",
 $1 ${2:-}
 "steps": [["gcc", "-O0", "-o", "clock", "clock.c"],
           ["gcc", "-O0", "-static", "-o", "clock-static", "clock.c"],
           ["sh", "-c", "date +%Y > /out/year; date -u +%s > /out/date; TZ=Asia/Tokyo date -u +%s > /out/date-tz; ./clock > /out/dynamic; ./clock-static > /out/static; a=\$(cut -d' ' -f1 /proc/uptime); sleep 1; b=\$(cut -d' ' -f1 /proc/uptime); echo \"\$a \$b\" > /out/mono"],
           ["sh", "-c", "touch -d @1000000000 /tmp/u && perl -e 'utime(undef, undef, \\"/tmp/u\\") or die \\"utime: \$!\\"' && stat -c %Y /tmp/u > /out/utime"]],
 "outputs": ["year", "date", "date-tz", "dynamic", "static", "mono", "utime"]}
JSON
}

recipe '"clock": "sourceDateEpoch",' >"$T/fixed.json"
expect_status 0 "$RB" -r "$T/fixed.json" -o "$T/o1"
cp "$T/out" "$T/p1.json"
expect_grep "^2023$" "$T/o1/year" "date +%Y sees the fixed year"
for f in date date-tz; do
	v=$(cat "$T/o1/$f")
	[ "$v" -ge 1700000000 ] && [ "$v" -lt 1700000600 ] && ok ||
		fail "date ($f) saw $v, not the fixed clock"
done
for call in time gettimeofday clock_gettime; do
	v=$(sed -n "s/^$call //p" "$T/o1/dynamic")
	[ -n "$v" ] && [ "$v" -ge 1700000000 ] && [ "$v" -lt 1700000600 ] && ok ||
		fail "$call() in a dynamic program saw '$v', not the fixed clock"
done
# documented as not covered: a static program reads the real clock
v=$(sed -n 's/^time //p' "$T/o1/static")
[ "$v" -gt 1700000600 ] && ok || fail "a static program saw $v (expected the real clock)"
# the monotonic clock is real: sleep 1 took about a second of uptime
awk '{ d = $2 - $1; exit !(d >= 0.9 && d < 30) }' "$T/o1/mono" && ok ||
	fail "monotonic clock around sleep 1: $(cat "$T/o1/mono")"

# utime(path, NULL) works (dpkg-source needs it) and gives the real time
v=$(cat "$T/o1/utime")
[ "$v" -gt 1700000600 ] && ok || fail "utime(path, NULL) under the fixed clock gave $v"

python3 - "$T/p1.json" "$LIB" >"$T/py" 2>&1 <<'PY' && ok || fail "provenance: $(cat "$T/py")"
import hashlib, json, sys
p = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]
c = p["internalParameters"]["sandbox"]["clock"]
assert c["kind"] == "libfaketime", c
assert c["startsAt"] == "2023-11-14T22:13:20Z" and c["epoch"] == 1700000000, c
assert c["from"] == "sourceDateEpoch" and c["library"] == sys.argv[2], c
assert c["monotonic"] == "real" and c["fileTimes"] == "real"
assert any("static" in g for g in c["notCovered"]), c
deps = {d["name"]: d for d in p["resolvedDependencies"]}
sha = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert deps["clock"] == {"name": "clock", "uri": "file://" + sys.argv[2],
                         "digest": {"sha256": sha}}, deps["clock"]
PY

# The recipes with a clock follow the schema, which refuses the bad ones
# below too; the provenance follows the statement and provenance schemas.
python3 - "$VOUCH_SRCDIR/schemas" "$T/p1.json" >"$T/py" 2>&1 <<'PY' && ok || fail "schema: $(cat "$T/py")"
import json, sys, jsonschema
d = sys.argv[1]
s = json.load(open(d + "/recipe.schema.json"))
r = json.load(open(sys.argv[2].replace("p1.json", "fixed.json")))
jsonschema.validate(r, s)
r["clock"] = {"startsAt": 946684800}; jsonschema.validate(r, s)
for bad in ["now", {"startsAt": "soon"}, {"startsAt": -1}, {}, {"startsAt": 1, "x": 1}]:
    r["clock"] = bad
    try: jsonschema.validate(r, s)
    except jsonschema.ValidationError: continue
    raise SystemExit("schema accepts clock %r" % (bad,))
st = json.load(open(sys.argv[2]))
jsonschema.validate(st, json.load(open(d + "/statement-v1.schema.json")))
jsonschema.validate(st["predicate"], json.load(open(d + "/vouch-provenance-v1.schema.json")))
PY

# An explicit start, given with --clock-lib.
recipe '"clock": {"startsAt": 946684800},' >"$T/y2k.json"
expect_status 0 "$RB" -r "$T/y2k.json" --clock-lib "$LIB" -o "$T/o2"
expect_grep "^2000$" "$T/o2/year" "clock.startsAt is the year 2000"
expect_grep '"from":"recipe"' "$T/out" "provenance says the recipe chose the start"

# Without a clock the build sees the real one, and the provenance says so.
recipe '' >"$T/real.json"
expect_status 0 "$RB" -r "$T/real.json" -o "$T/o3"
expect_grep "^$real_year$" "$T/o3/year" "without a clock, the real year"
expect_grep '"clock":{"kind":"real"}' "$T/out" "provenance records the real clock"
if grep -q '"name":"clock","uri"' "$T/out"; then fail "a clock dependency without a clock"
else ok; fi

# Refused before anything runs, one line, exit 2, no outdir made.
expect_status 2 "$RB" -r "$T/fixed.json" --clock-lib "$T/nonexistent.so" -o "$T/bad1"
expect_grep "clock library '.*nonexistent.so'" "$T/err" "a missing library is named"
expect_lines 1 "$T/err" "one line for a missing library"
[ ! -e "$T/bad1" ] && ok || fail "an outdir was made for a refused clock"
expect_status 2 "$RB" -r "$T/fixed.json" --clock-lib "$T" -o "$T/bad2"
expect_grep "is not a regular file" "$T/err" "a directory is not a library"
recipe '"clock": {"startsAt": "soon"},' >"$T/bad.json"
expect_status 2 "$RB" -r "$T/bad.json" -o "$T/bad3"
expect_grep "'clock.startsAt' must be an integer" "$T/err" "a bad start is named"
recipe '"clock": "now",' >"$T/bad.json"
expect_status 2 "$RB" -r "$T/bad.json" -o "$T/bad4"
expect_grep "unknown clock 'now'" "$T/err" "an unknown clock is named"
recipe '"clock": "sourceDateEpoch",' '"env": {"LD_PRELOAD": "/x.so"},' >"$T/bad.json"
expect_status 2 "$RB" -r "$T/bad.json" -o "$T/bad5"
expect_grep "'env.LD_PRELOAD' is set by the fixed clock" "$T/err" "LD_PRELOAD is the clock's"
# fakeroot works in the sandbox when vouch runs as root (uid 0 is mapped,
# so chown to 0 fails with EPERM, which fakeroot hides, not EINVAL), and
# with the clock's preload next to its own.
if [ "$(id -u)" -eq 0 ]; then
	cat >"$T/fr.json" <<JSON
{"vouchRecipe": 1, "name": "fr", "version": "1",
 "source": {"path": "$T/clock.tar", "digest": {"sha256": "$SHA"}},
 "environment": "host", "sourceDateEpoch": 1700000000, "workdir": "/build/fr",
 "clock": "sourceDateEpoch",
 "steps": [["fakeroot", "sh", "-c", "touch x && chown 0:0 x && stat -c '%u %g' x > /out/owner && date +%Y > /out/year"]],
 "outputs": ["owner", "year"]}
JSON
	expect_status 0 "$RB" -r "$T/fr.json" -o "$T/fr"
	expect_grep "^0 0$" "$T/fr/owner" "fakeroot's chown works in the sandbox"
	expect_grep "^2023$" "$T/fr/year" "the fixed clock under fakeroot"
fi
VOUCH_FAKETIME_LIB=$T/none.so expect_status 2 "$RB" -r "$T/fixed.json" -o "$T/bad6"
expect_grep "none.so" "$T/err" "VOUCH_FAKETIME_LIB names the library"

# A recipe with a fixed clock rebuilt with --vary=time: what wins.  The
# control build keeps the recipe's clock (2023); in the varied build the
# variation wins (its FAKETIME, +12 years from the real clock, replaces the
# recipe's start), so a build that writes the year is reported as changed
# by the clock, not silently "identical" under a variation that did not
# happen.
cat >"$T/cv.json" <<JSON
{"vouchRecipe": 1, "name": "cv", "version": "1",
 "source": {"path": "$T/clock.tar", "digest": {"sha256": "$SHA"}},
 "environment": "host", "sourceDateEpoch": 1700000000, "workdir": "/build/cv",
 "clock": "sourceDateEpoch",
 "steps": [["sh", "-c", "date -u +%Y > /out/year"]], "outputs": ["year"]}
JSON
expect_status 1 "$RB" -r "$T/cv.json" -o "$T/cv" --vary=time
expect_grep "varying the clock changes year" "$T/err" "--vary=time over a fixed clock"
expect_grep "^2023$" "$T/cv/control/year" "the control build keeps the recipe's clock"
v=$(cat "$T/cv/varied/year")
[ "$v" -ge $((real_year + 11)) ] && [ "$v" -le $((real_year + 13)) ] && ok ||
	fail "the varied build saw the year $v, not the real clock 12 years ahead"
finish
