#!/bin/sh
# vouch-rebuild: reproducible rebuilds of examples/hello, provenance, bad
# recipes refused before any step, and every limit stopping a hostile step.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
# sandbox mount points go here, so the test can see none is left behind
TMPDIR="$T/tmp"
export TMPDIR
mkdir "$TMPDIR"

RB="$VOUCH_BIN/vouch-rebuild"
find /sys/fs/cgroup -maxdepth 5 -type d -name 'vouch-sandbox-*' >"$T/cgroups-before" 2>/dev/null ||
	true
HELLO="$VOUCH_SRCDIR/examples/hello"

# The hello source archive: the recipe pins its tree digest, so any tar of
# the two files will do.
tar -C "$HELLO" -cf "$T/hello-1.0.tar" hello.c Makefile

# --- reproducible: twice, bit-identical, provenance differs in metadata only
expect_status 0 "$RB" -r "$HELLO/recipe-host.json" -s "$T/hello-1.0.tar" -o "$T/o1"
cp "$T/out" "$T/p1.json"
expect_status 0 "$RB" -r "$HELLO/recipe-host.json" -s "$T/hello-1.0.tar" -o "$T/o2" --progress
cp "$T/out" "$T/p2.json"
expect_grep "step 1/2" "$T/err" "--progress reports steps"
expect_grep "step 2/2" "$T/err" "--progress reports steps"
if cmp -s "$T/o1/bin/hello" "$T/o2/bin/hello"; then ok; else fail "hello differs between rebuilds"; fi
expect_same "$T/o1/build.log" "$T/o2/build.log" "build logs differ between rebuilds"
[ "$("$T/o1/bin/hello")" = "hello, world (built at epoch 1700000000)" ] && ok ||
	fail "rebuilt hello does not run as expected"
expect_grep "## vouch: step 1/2: make" "$T/o1/build.log" "the log has the steps"

python3 - "$T/p1.json" "$T/p2.json" "$T/o1/bin/hello" "$T/o1/build.log" \
	"$VOUCH_SRCDIR/schemas/statement-v1.schema.json" >"$T/py" 2>&1 <<'EOF' || fail "provenance: $(cat "$T/py")"
import copy, hashlib, json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
def sha(p): return hashlib.sha256(open(p, 'rb').read()).hexdigest()
assert a["_type"] == "https://in-toto.io/Statement/v1"
assert a["predicateType"] == "https://slsa.dev/provenance/v1"
assert a["subject"] == [{"name": "bin/hello", "digest": {"sha256": sha(sys.argv[3])}}], a["subject"]
p = a["predicate"]; bd = p["buildDefinition"]; rd = p["runDetails"]
assert bd["buildType"] == "https://vouch.dev/attestation/rebuild/v1"
ext = bd["externalParameters"]
assert ext["recipe"]["name"] == "hello" and ext["recipe"]["version"] == "1.0"
assert len(ext["recipe"]["digest"]["sha256"]) == 64
assert ext["environment"] == "host"
assert bd["internalParameters"]["sandbox"]["hermetic"] is False
deps = {d["name"]: d for d in bd["resolvedDependencies"]}
assert set(deps) == {"source", "environment", "recipe"}, deps
assert "vouchTree256" in deps["source"]["digest"] and "sha256" in deps["source"]["digest"]
assert deps["recipe"]["digest"] == ext["recipe"]["digest"]
assert rd["builder"]["id"] == "https://vouch.dev/attestation/builder/v1"
assert "vouch" in rd["builder"]["version"]
m = rd["metadata"]
assert m["startedOn"].endswith("Z") and m["finishedOn"].endswith("Z") and len(m["invocationId"]) == 36
assert rd["byproducts"] == [{"name": "build.log", "digest": {"sha256": sha(sys.argv[4])}}]
# the two runs differ only in runDetails.metadata
assert a["predicate"]["runDetails"]["metadata"]["invocationId"] != b["predicate"]["runDetails"]["metadata"]["invocationId"]
x = copy.deepcopy(a); y = copy.deepcopy(b)
del x["predicate"]["runDetails"]["metadata"]; del y["predicate"]["runDetails"]["metadata"]
assert x == y, "provenance differs outside runDetails.metadata"
try:
    import jsonschema
    jsonschema.validate(a, json.load(open(sys.argv[5])))
except ImportError:
    pass
EOF
ok

# the example recipes follow the schema
python3 - "$VOUCH_SRCDIR/schemas/recipe.schema.json" "$HELLO/recipe-host.json" \
	"$HELLO/recipe-debian.json" >"$T/py" 2>&1 <<'EOF' && ok || fail "recipe schema: $(cat "$T/py")"
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(s)
for f in sys.argv[2:]:
    jsonschema.validate(json.load(open(f)), s)
EOF

# the provenance pipes into vouch-attest, and vouch-verify matches the binary
if [ -x "$VOUCH_BIN/vouch-attest" ] && [ -x "$VOUCH_BIN/vouch-keygen" ] &&
	[ -x "$VOUCH_BIN/vouch-verify" ]; then
	expect_status 0 "$VOUCH_BIN/vouch-keygen" -o "$T/lab"
	"$RB" -r "$HELLO/recipe-host.json" -s "$T/hello-1.0.tar" -o "$T/o4" 2>/dev/null |
		"$VOUCH_BIN/vouch-attest" -k "$T/lab.key" >"$T/env.json" && ok ||
		fail "vouch-rebuild | vouch-attest"
	expect_status 0 "$VOUCH_BIN/vouch-verify" -p "$T/lab.pub" -a "$T/o1/bin/hello" "$T/env.json"
else
	fail "vouch-keygen, vouch-attest or vouch-verify not built"
fi

# --builder-id lands in runDetails
expect_status 0 "$RB" -r "$HELLO/recipe-host.json" -s "$T/hello-1.0.tar" -o "$T/o3" \
	-b https://lab.example/builder
expect_grep '"id":"https://lab.example/builder"' "$T/out" "--builder-id is recorded"

# --- bad input: exit 2, nothing run --------------------------------------------
# A source whose steps would announce themselves; pinned by its sha256.
mkdir "$T/src"
echo data >"$T/src/file"
tar -C "$T/src" -cf "$T/s.tar" file
SHA=$(sha256sum "$T/s.tar" | cut -c1-64)
ZERO=0000000000000000000000000000000000000000000000000000000000000000

# recipe NAME SOURCE-DIGEST-JSON ENVIRONMENT-JSON STEPS-JSON [OUTPUTS-JSON [LIMITS-JSON]]
recipe() {
	outs=${5:-'["r"]'}
	lims=${6:-'{}'}
	cat >"$T/$1.json" <<EOF
{"vouchRecipe": 1, "name": "t", "version": "1",
 "source": {"path": "s.tar", "digest": $2},
 "environment": $3, "sourceDateEpoch": 0, "workdir": "/build/t",
 "steps": $4, "outputs": $outs, "limits": $lims}
EOF
}
STEP='[["sh", "-c", "echo STEP-RAN; echo x > /out/r"]]'

# refused with exit 2, with a message, and no step output anywhere
refused() { # label recipe-name [extra args]
	label=$1
	name=$2
	shift 2
	rm -rf "$T/ob"
	expect_status 2 "$RB" -r "$T/$name.json" -o "$T/ob" "$@"
	expect_grep "^vouch-rebuild: " "$T/err" "$label: message"
	if grep -q STEP-RAN "$T/err" "$T/out" "$T/ob/build.log" 2>/dev/null; then
		fail "$label: a step ran"
	else
		ok
	fi
}

recipe good "{\"sha256\": \"$SHA\"}" '"host"' "$STEP"
expect_status 0 "$RB" -r "$T/good.json" -o "$T/og"
expect_grep STEP-RAN "$T/og/build.log" "the control recipe runs its step"

recipe schema "{\"sha256\": \"$SHA\"}" '"host"' '[["true"]]' '["../escape"]'
refused "schema: output outside /out" schema
recipe schema2 "{\"sha256\": \"$SHA\"}" '"host"' "$STEP" '["r"]' '{"cpus": 4}'
refused "schema: unknown limit" schema2
printf '{"vouchRecipe": 1, "vouchRecipe": 1}' >"$T/dup.json"
refused "schema: duplicate key" dup
recipe mismatch "{\"sha256\": \"$ZERO\"}" '"host"' "$STEP"
refused "source digest mismatch" mismatch
expect_grep "the recipe pins" "$T/err" "mismatch names the digests"
recipe treemismatch "{\"vouchTree256\": \"$ZERO\"}" '"host"' "$STEP"
refused "source tree digest mismatch" treemismatch
expect_grep "source tree" "$T/err" "tree mismatch is named"
recipe good2 "{\"sha256\": \"$SHA\"}" '"host"' "$STEP"
refused "missing source" good2 -s "$T/no-such.tar"
expect_grep "missing source" "$T/err" "missing source is named"
recipe unknownenv "{\"sha256\": \"$SHA\"}" '"docker"' "$STEP"
refused "unknown environment name" unknownenv
recipe noenv "{\"sha256\": \"$SHA\"}" "{\"rootfs\": \"no-such.tar\", \"digest\": {\"sha256\": \"$SHA\"}}" "$STEP"
refused "missing environment" noenv
expect_grep "unknown environment" "$T/err" "missing environment is named"
recipe envmismatch "{\"sha256\": \"$SHA\"}" "{\"rootfs\": \"s.tar\", \"digest\": {\"sha256\": \"$ZERO\"}}" "$STEP"
refused "environment digest mismatch" envmismatch
# a hostile source archive is refused by the unpacker, inside the sandbox
python3 - "$T/evil.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("../evil"); i.size = 4
    t.addfile(i, io.BytesIO(b"evil"))
EOF
recipe evil "{\"sha256\": \"$(sha256sum "$T/evil.tar" | cut -c1-64)\"}" '"host"' "$STEP"
refused "hostile source archive" evil -s "$T/evil.tar"
expect_grep "\.\./evil" "$T/err" "the refused entry is named"
mkdir -p "$T/full"
echo x >"$T/full/x"
expect_status 2 "$RB" -r "$T/good.json" -o "$T/full"
expect_grep "not empty" "$T/err" "a non-empty outdir is refused"
expect_status 2 "$RB" -o "$T/o9"
expect_status 2 "$RB" -r "$T/good.json"

# a step that fails: exit 1 and the end of the log on stderr
recipe failing "{\"sha256\": \"$SHA\"}" '"host"' '[["sh", "-c", "echo about to fail; exit 3"]]'
expect_status 1 "$RB" -r "$T/failing.json" -o "$T/of"
expect_grep "step 1/1 'sh' exited with status 3" "$T/err" "a failed step is named"
expect_grep "about to fail" "$T/err" "the log tail is printed"
recipe noout "{\"sha256\": \"$SHA\"}" '"host"' '[["true"]]' '["missing/*"]'
expect_status 1 "$RB" -r "$T/noout.json" -o "$T/on"
expect_grep "output 'missing/\*' was not produced" "$T/err" "a missing output is named"

# outputs: globs, directories, symlinks are never followed
recipe outs "{\"sha256\": \"$SHA\"}" '"host"' \
	'[["sh", "-c", "mkdir -p /out/d/e && echo 1 > /out/a.txt && echo 2 > /out/d/e/f && ln -s /etc/passwd /out/l.txt && echo 3 > /out/skip"]]' \
	'["*.txt", "d"]'
expect_status 0 "$RB" -r "$T/outs.json" -o "$T/oo"
[ -f "$T/oo/a.txt" ] && [ -f "$T/oo/d/e/f" ] && [ ! -e "$T/oo/l.txt" ] && [ ! -e "$T/oo/skip" ] &&
	ok || fail "output collection: $(cd "$T/oo" && find . | sort | tr '\n' ' ')"
expect_grep '"name":"d/e/f"' "$T/out" "subjects list directory members"

# the steps' world: cleared environment, umask, open-files limit, hostname
recipe world "{\"sha256\": \"$SHA\"}" '"host"' \
	'[["sh", "-c", "env | sort > /out/env; umask > /out/umask; ulimit -n > /out/nofile; cat /proc/sys/kernel/hostname > /out/host; pwd > /out/pwd"]]' \
	'["env", "umask", "nofile", "host", "pwd"]' '{"openFiles": 64}'
sed -i 's/"workdir": "\/build\/t",/"workdir": "\/build\/t", "env": {"CC": "gcc"},/' "$T/world.json"
expect_status 0 env SECRET_HOST_VAR=leak "$RB" -r "$T/world.json" -o "$T/ow"
cat >"$T/want-env" <<'EOF'
CC=gcc
HOME=/tmp
LC_ALL=C.UTF-8
LOGNAME=builder
PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
PWD=/build/t
SOURCE_DATE_EPOCH=0
TZ=UTC
USER=builder
EOF
grep -v '^_=' "$T/ow/env" | grep -v '^SHLVL=' >"$T/got-env" || true
expect_same "$T/want-env" "$T/got-env" "the steps' environment"
expect_grep "^0022$" "$T/ow/umask" "umask 022"
expect_grep "^64$" "$T/ow/nofile" "the open-files limit applies"
expect_grep "^vouch$" "$T/ow/host" "fixed hostname"
expect_grep "^/build/t$" "$T/ow/pwd" "steps run in the working directory"

# what ordinary build scripts expect of /dev: "echo >/dev/stderr" (the log
# pipe opened again through /proc/self/fd: as root it is ours, not the build
# user's), process substitution (/dev/fd), POSIX semaphores (sem_open in
# /dev/shm, here /tmp; Python's multiprocessing locks use them)
recipe devs "{\"sha256\": \"$SHA\"}" '"host"' \
	'[["bash", "-c", "echo to-stderr >/dev/stderr && echo to-stdout >/dev/stdout && cat <(echo via-dev-fd) && python3 -c \"import multiprocessing; multiprocessing.Lock(); print(\\\"semaphore-ok\\\")\" && echo x > /out/r"]]'
expect_status 0 "$RB" -r "$T/devs.json" -o "$T/odev"
for w in to-stderr to-stdout via-dev-fd semaphore-ok; do
	expect_grep "^$w$" "$T/odev/build.log" "/dev for build scripts: $w"
done

# the unpacked tree's times are all SOURCE_DATE_EPOCH: archive times are not
# in the pinned tree digest, and make must not find a shipped generated file
# older than its source because of the order of extraction (gen.txt comes
# first in this archive; its rule would fail if make ran it)
python3 - "$T/times.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, data, mtime in (("gen.txt", b"generated\n", 1000),
                              ("Makefile", b"gen.txt: src.txt\n\tfalse\n", 1000),
                              ("src.txt", b"source\n", 2000000000)):
        i = tarfile.TarInfo(name); i.size = len(data); i.mtime = mtime
        t.addfile(i, io.BytesIO(data))
EOF
recipe times "{\"sha256\": \"$(sha256sum "$T/times.tar" | cut -c1-64)\"}" '"host"' \
	'[["sh", "-c", "make gen.txt && stat -c %Y . Makefile gen.txt src.txt > /out/r"]]'
sed -i 's/"sourceDateEpoch": 0/"sourceDateEpoch": 1700000000/' "$T/times.json"
expect_status 0 "$RB" -r "$T/times.json" -s "$T/times.tar" -o "$T/otimes"
[ "$(sort -u "$T/otimes/r" 2>/dev/null)" = 1700000000 ] && ok ||
	fail "unpacked times: $(tr '\n' ' ' <"$T/otimes/r" 2>/dev/null)"
expect_grep "is up to date" "$T/otimes/build.log" "make finds the shipped file current"

# --- limits: each hostile step stops at its limit, with a clear error -----------
ENF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["internalParameters"]["sandbox"]["limitEnforcement"])' "$T/p1.json")
limit_case() { # label limits-json step-json expected-message [outputs]
	recipe lim "{\"sha256\": \"$SHA\"}" '"host"' "$3" "${5:-[\"r\"]}" "$2"
	rm -rf "$T/ol"
	start=$(date +%s)
	expect_status 1 "$RB" -r "$T/lim.json" -o "$T/ol"
	expect_grep "$4" "$T/err" "$1"
	[ $(($(date +%s) - start)) -lt 60 ] && ok || fail "$1: took too long"
}
limit_case "endless loop hits the timeout" '{"timeoutSeconds": 2}' \
	'[["sh", "-c", "while :; do :; done"]]' "timeout limit of 2 s reached in step 1/1"
limit_case "fork bomb hits the process limit ($ENF)" '{"maxProcesses": 64, "timeoutSeconds": 30}' \
	'[["sh", "-c", "b() { b | b & }; b; sleep 100"]]' "processes limit of 64 reached"
# without a cgroup only RLIMIT_NPROC holds the bomb; the refused fork in the
# log names the limit (the bomb is over long before the timeout)
VOUCH_SANDBOX_NO_CGROUP=1
export VOUCH_SANDBOX_NO_CGROUP
limit_case "fork bomb hits the process limit (rlimit)" \
	'{"maxProcesses": 64, "timeoutSeconds": 30}' \
	'[["sh", "-c", "b() { b | b & }; b; sleep 100"]]' "processes limit of 64 reached"
unset VOUCH_SANDBOX_NO_CGROUP
limit_case "too many open files is named" '{"openFiles": 32}' \
	'[["python3", "-c", "fs = [open(\"/dev/null\") for i in range(100)]"]]' \
	"open files limit of 32 reached in step 1/1 'python3'"
limit_case "disk filler hits the output size limit" '{"outputBytes": 1048576}' \
	'[["dd", "if=/dev/zero", "of=/out/fill", "bs=65536", "count=1000"]]' \
	"output size limit of 1048576 bytes reached"
limit_case "disk filler hits the disk limit in /tmp" '{"diskBytes": 2097152}' \
	'[["dd", "if=/dev/zero", "of=/tmp/fill", "bs=65536", "count=1000"]]' \
	"disk limit of 2097152 bytes reached"
limit_case "disk filler hits the disk limit in the workdir" '{"diskBytes": 2097152}' \
	'[["dd", "if=/dev/zero", "of=fill", "bs=65536", "count=1000"]]' \
	"disk limit of 2097152 bytes reached"
# memory: a cgroup kills the whole sandbox and says so; with only
# RLIMIT_AS (no cgroup available) the hog's allocation fails instead
if [ "$ENF" = rlimit ]; then
	limit_case "memory hog fails under RLIMIT_AS" '{"memoryBytes": 67108864}' \
		'[["sh", "-c", "x=$(head -c 400000000 /dev/zero | tr \"\\\\000\" a); echo ${#x}"]]' \
		"step 1/1 'sh'"
else
	limit_case "memory hog hits the memory limit ($ENF)" '{"memoryBytes": 67108864}' \
		'[["sh", "-c", "x=$(head -c 400000000 /dev/zero | tr \"\\\\000\" a); echo ${#x}"]]' \
		"memory limit of 67108864 bytes reached"
fi

# --- killing vouch-rebuild (SIGKILL) leaves no process of the build behind ----
MARK="vouch-kill-test-$$"
recipe sleeper "{\"sha256\": \"$SHA\"}" '"host"' \
	"[[\"sh\", \"-c\", \"sleep 300 & sleep 301; : $MARK\"]]"
"$RB" -r "$T/sleeper.json" -o "$T/os" >/dev/null 2>&1 &
rbpid=$!
i=0
while ! pgrep -f "$MARK" >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
pgrep -f "$MARK" >/dev/null 2>&1 && ok || fail "the sleeper step never started"
# the sandbox's root is mounted over TMPDIR in its own namespace: the host
# sees nothing there
[ -z "$(ls -A "$TMPDIR")" ] && ok || fail "the sandbox left traces in TMPDIR: $(ls -A "$TMPDIR")"
kill -KILL $rbpid
wait $rbpid 2>/dev/null || true
i=0
while pgrep -f "$MARK" >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if pgrep -f "$MARK" >/dev/null 2>&1; then
	fail "processes of the build survived SIGKILL of vouch-rebuild"
	pgrep -a -f "$MARK" >&2 || true
else
	ok
fi

# --- a rootfs tarball: unpacked once into the cache, stamped, checked ------------
# A tiny environment: dash and the libraries it needs.
MINI="$T/minirfs"
mkdir -p "$MINI/bin" "$MINI/etc"
cp "$(readlink -f /bin/sh)" "$MINI/bin/sh"
for lib in $(ldd "$(readlink -f /bin/sh)" | grep -o '/[^ ]*'); do
	mkdir -p "$MINI$(dirname "$lib")"
	cp "$(readlink -f "$lib")" "$MINI$lib"
done
: >"$MINI/etc/passwd"
: >"$MINI/etc/group"
: >"$MINI/etc/hosts"
(cd "$MINI" && tar --sort=name --owner=0 --group=0 --mtime=@0 -cf "$T/mini.tar" *)
MSHA=$(sha256sum "$T/mini.tar" | cut -c1-64)
recipe mini "{\"sha256\": \"$SHA\"}" "{\"rootfs\": \"mini.tar\", \"digest\": {\"sha256\": \"$MSHA\"}}" \
	'[["/bin/sh", "-c", "echo in-mini > /out/r"]]'
C="$T/cache"
E="$C/rootfs-$MSHA"
expect_status 0 "$RB" -r "$T/mini.json" -c "$C" -o "$T/om1"
expect_grep "^in-mini$" "$T/om1/r" "a step runs in the rootfs tarball's environment"
[ -x "$E/tree/bin/sh" ] && ok || fail "the rootfs is unpacked into the cache"
"$VOUCH_BIN/vouch-hash" -t "$E/tree" >"$T/minitree.json"
TREE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["digest"]["vouchTree256"])' "$T/minitree.json")
printf 'vouch-rootfs-cache 1\nsha256 %s\nvouchTree256 %s\n' "$MSHA" "$TREE" >"$T/want-stamp"
expect_same "$T/want-stamp" "$E/complete" "the cache entry is stamped with both digests"
# a rootfs below TMPDIR (which the sandbox's root is mounted over) is fine
expect_status 0 "$RB" -r "$T/mini.json" -c "$TMPDIR/cache" -o "$T/om0"
expect_grep "^in-mini$" "$T/om0/r" "a cache below TMPDIR is reachable"
rm -rf "$TMPDIR/cache"
# reused, not unpacked again
ino=$(stat -c %i "$E/tree/bin/sh")
expect_status 0 "$RB" -r "$T/mini.json" -c "$C" -o "$T/om2"
[ "$(stat -c %i "$E/tree/bin/sh")" = "$ino" ] && ok || fail "the cached rootfs was unpacked again"
# work directories of dead runs are removed, those of live runs kept
sh -c 'exit 0' &
dead=$!
wait $dead || true
mkdir -p "$C/.tmp-$dead-AbCdEf/tree.vouch-unpack-XyZ123/usr" "$C/.tmp-$$-live00"
expect_status 0 "$RB" -r "$T/mini.json" -c "$C" -o "$T/om3"
[ ! -e "$C/.tmp-$dead-AbCdEf" ] && ok || fail "a dead run's work directory is left in the cache"
[ -d "$C/.tmp-$$-live00" ] && ok || fail "a live run's work directory was removed"
rmdir "$C/.tmp-$$-live00"
# a modified entry: trusted by its stamp, refused by --verify-cache
echo planted >>"$E/tree/bin/sh"
expect_status 0 "$RB" -r "$T/mini.json" -c "$C" -o "$T/om4"
refused "--verify-cache refuses a modified cache entry" mini -c "$C" --verify-cache
expect_grep "environment cache '$E' was modified" "$T/err" "--verify-cache names the entry"
# an entry without its stamp (an older layout, an interrupted copy) is
# unpacked again
rm "$E/complete"
expect_status 0 "$RB" -r "$T/mini.json" -c "$C" -o "$T/om5" --verify-cache
expect_same "$T/want-stamp" "$E/complete" "an unstamped entry is rebuilt and stamped"
cmp -s "$E/tree/bin/sh" "$MINI/bin/sh" && ok || fail "the unstamped entry's tree was reused"
[ "$(ls -A "$C")" = "rootfs-$MSHA" ] && ok ||
	fail "the cache holds more than the entry: $(ls -A "$C")"
# a rootfs tarball the unpacker refuses leaves nothing in the cache
rm -rf "$C"
ESHA=$(sha256sum "$T/evil.tar" | cut -c1-64)
recipe minievil "{\"sha256\": \"$SHA\"}" \
	"{\"rootfs\": \"evil.tar\", \"digest\": {\"sha256\": \"$ESHA\"}}" "$STEP"
refused "a hostile rootfs tarball" minievil -c "$C"
expect_grep "environment: .*\.\./evil" "$T/err" "the refused rootfs entry is named"
[ -d "$C" ] && [ -z "$(ls -A "$C")" ] && ok || fail "a refused rootfs left: $(ls -A "$C" 2>&1)"

# --- the host is unharmed: nothing of this test left running, no mount point
# or cgroup left behind (every sandbox's init has "-r $T/..." in its cmdline)
if pgrep -f "$T/" >/dev/null 2>&1; then
	fail "processes of this test's builds left running"
	pgrep -a -f "$T/" >&2 || true
else
	ok
fi
expect_status 0 "$RB" -r "$T/good.json" -o "$T/og2"
left=$(ls -d "$TMPDIR"/vouch-root-* 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && ok || fail "$left sandbox mount points left in $TMPDIR"
# cgroups of finished runs are gone (those of live runs, e.g. a parallel
# test, may exist)
stale=0
for d in $(find /sys/fs/cgroup -maxdepth 5 -type d -name 'vouch-sandbox-*' 2>/dev/null); do
	grep -qx "$d" "$T/cgroups-before" && continue
	pid=$(basename "$d" | cut -d- -f3)
	kill -0 "$pid" 2>/dev/null && continue
	# a run of a parallel test may have removed its own and ended since
	# find listed it: stale is what is still there once its owner is gone
	[ -d "$d" ] && stale=$((stale + 1))
done
[ "$stale" -eq 0 ] && ok || fail "$stale cgroups of finished runs left"
finish
