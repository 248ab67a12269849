#!/bin/sh
# compare-real.sh - vouch-compare on real Debian 12 packages nobody here
# prepared (tests/real-corpus.sh: fetched with apt-get download, pinned by
# SHA-256, cached in /var/cache/vouch-test/debs; skipped only when the
# archive is unreachable):
#   1. libssl3 3.0.20-1~deb12u2 (bookworm) vs 3.0.22-1~deb12u2 (security):
#      the differing members and ELF sections, the classifications, the
#      changed functions, and diffoscope finding a difference in exactly the
#      same members;
#   2. hello 2.10-3 and a DERIVED copy (tests/make-build-id-variant.py: not
#      a real rebuild) whose only change is what a rebuild elsewhere makes:
#      a new build ID, the matching debug link, the md5sums line;
#   2b. hello 2.10-3 REBUILT from Debian's source by vouch-debrebuild
#      (tests/cli/debrebuild-real.sh caches it in
#      /var/cache/vouch-test/first-hello) against the shipped .deb, when the
#      cache has it (said when it has not): it differs in more than the build
#      ID, a year compiled into .text (hello's configure takes it from the
#      build date, not SOURCE_DATE_EPOCH), so no normalization excuses it;
#   2c. hello 2.10-3 REBUILT from Debian's source with the build's clock at
#      SOURCE_DATE_EPOCH (vouch-debrebuild --clock source-date-epoch: the
#      debian/changelog date, 2022, so configure's `date +%Y` gives the
#      year Debian's build saw), made by this test once and cached in
#      /var/cache/vouch-test/first-hello-sde (flock'd; a few minutes of
#      package build the first time; needs root like debrebuild-real.sh),
#      against the shipped .deb: it differs only by build ID (the note, the
#      debug link, the md5sums line), so build-id,debug-link makes it
#      equivalent, and diffoscope finds the same two members;
#   3. openjdk-17-jre-headless, 44 MB .debs, bookworm vs security: the
#      differing files against a plain extraction (diffoscope needs more
#      than 10 minutes here: it runs in tests/bench/compare-real.sh).
# First run downloads ~95 MB; later runs use the cache.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
real_world_test
debrebuild_setup # pair 2c rebuilds hello (root: debootstrap, chroot)
. "$VOUCH_SRCDIR/tests/real-corpus.sh"

C="$VOUCH_BIN/vouch-compare"
M="python3 $VOUCH_SRCDIR/tests/compare-members.py"
for t in apt-get diffoscope python3 dpkg-deb; do
	command -v "$t" >/dev/null || { echo "$t is required (.ci/packages)" >&2; exit 1; }
done
cat >"$T/q.py" <<'EOF'
# q.py REPORT EXPR: print eval(EXPR) with r = the JSON report, at(p) = the
# difference whose path ends with p
import json, sys
r = json.load(open(sys.argv[1]))
def at(p):
    return next(d for d in r["differences"] if d["path"].endswith(p) and d["kind"] != "metadata")
print(eval(sys.argv[2]))
EOF
jq_is() {
	got=$(python3 "$T/q.py" "$1" "$2" 2>&1) || true
	if [ "$got" = "$3" ]; then ok; else fail "$4: got '$got', expected '$3'"; fi
}
# diffoscope, without the commands that make it take minutes (objdump,
# readelf, strings): it still reports every member whose bytes differ
dscope() {
	set +e
	diffoscope --json "$3" --exclude-command '^objdump' --exclude-command '^readelf' \
		--exclude-command '^strings' "$1" "$2" >"$T/dscope.out" 2>&1
	st=$?
	set -e
	[ "$st" -eq 1 ] || { fail "diffoscope exit $st"; tail -n 5 "$T/dscope.out" >&2; }
}

corpus_deb $REAL_LIBSSL_A
SSL_A=$deb
corpus_deb $REAL_LIBSSL_B
SSL_B=$deb
corpus_deb $REAL_HELLO
HELLO=$deb
corpus_deb $REAL_JDK_A
JDK_A=$deb
corpus_deb $REAL_JDK_B
JDK_B=$deb

# ---- 1. libssl3, two security levels ----
expect_status 1 "$C" --json "$SSL_A" "$SSL_B"
cp "$T/out" "$T/ssl.json"
$M vouch "$T/ssl.json" >"$T/ssl.vouch"
cat >"$T/ssl.want" <<'EOF'
control.tar.xz/control
control.tar.xz/md5sums
control.tar.xz/shlibs
data.tar.xz/usr/lib/x86_64-linux-gnu/engines-3/afalg.so
data.tar.xz/usr/lib/x86_64-linux-gnu/engines-3/loader_attic.so
data.tar.xz/usr/lib/x86_64-linux-gnu/engines-3/padlock.so
data.tar.xz/usr/lib/x86_64-linux-gnu/libcrypto.so.3
data.tar.xz/usr/lib/x86_64-linux-gnu/libssl.so.3
data.tar.xz/usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so
data.tar.xz/usr/share/doc/libssl3/changelog.Debian.gz/changelog.Debian
data.tar.xz/usr/share/doc/libssl3/changelog.gz/changelog
EOF
expect_same "$T/ssl.want" "$T/ssl.vouch" "libssl3: the differing members"
jq_is "$T/ssl.json" '[(c["name"], c["count"]) for c in r["classifications"]]' \
	"[('metadata: mtime', 27), ('text: content-changed', 5), ('elf: elf-debug-only', 2), ('elf: code changed', 3), ('elf: content-changed', 1)]" \
	"libssl3: counts per classification"
jq_is "$T/ssl.json" '[i["name"] for i in at("/afalg.so")["items"]]' "['.gnu_debugaltlink', '.gnu_debuglink']" \
	"afalg.so: same code, only the debug links differ"
jq_is "$T/ssl.json" '(at("/afalg.so")["classification"], at("/padlock.so")["classification"])' \
	"('elf: elf-debug-only', 'elf: elf-debug-only')" "afalg.so and padlock.so: same code"
jq_is "$T/ssl.json" '[i["name"] for i in at("/libssl.so.3")["items"]]' \
	"['[program headers]', '.note.gnu.build-id', '.gnu.hash', '.dynsym', '.dynstr', '.gnu.version', '.gnu.version_d', '.gnu.version_r', '.rela.dyn', '.rela.plt', '.init', '.plt', '.plt.got', '.text', '.rodata', '.eh_frame_hdr', '.eh_frame', '.init_array', '.fini_array', '.data.rel.ro', '.dynamic', '.got', '.data', '.gnu_debuglink']" \
	"libssl.so.3: every differing section, not only the first"
jq_is "$T/ssl.json" '(at("/libssl.so.3")["functionsTotal"], [(f["name"], f["size"], f["differingBytes"]) for f in at("/libssl.so.3")["functions"][2:5]])' \
	"(269, [('SSL_trace', 6993, 205), ('SSL_dane_tlsa_add', 2083, 143), ('SSL_CIPHER_description', 1564, 91)])" \
	"libssl.so.3: changed functions by .dynsym symbol, largest first"
jq_is "$T/ssl.json" '[(f["name"], f["symbolTable"], f["size"], f["differingBytes"]) for f in at("/loader_attic.so")["functions"] if f["name"] != "(no symbol)"]' \
	"[('bind_engine', '.dynsym', 659, 48)]" "loader_attic.so: the one exported function that changed"
dscope "$SSL_A" "$SSL_B" "$T/ssl.dscope.json"
$M diffoscope "$T/ssl.dscope.json" >"$T/ssl.dscope"
expect_same "$T/ssl.vouch" "$T/ssl.dscope" "libssl3: diffoscope finds differences in exactly these members"

# ---- 2. hello and a build-ID variant (derived, not rebuilt) ----
python3 "$VOUCH_SRCDIR/tests/make-build-id-variant.py" "$HELLO" "$T/hello_2.10-3_amd64.deb" usr/bin/hello
expect_status 1 "$C" --json "$T/hello_2.10-3_amd64.deb" "$HELLO"
cp "$T/out" "$T/hello.json"
$M vouch "$T/hello.json" >"$T/hello.vouch"
printf 'control.tar.xz/md5sums\ndata.tar.xz/usr/bin/hello\n' >"$T/hello.want"
expect_same "$T/hello.want" "$T/hello.vouch" "hello variant: the differing members"
jq_is "$T/hello.json" '([i["name"] for i in at("/usr/bin/hello")["items"]], at("/usr/bin/hello")["classification"], [d["excused"] for d in r["differences"]])' \
	"(['.note.gnu.build-id', '.gnu_debuglink'], 'elf: only build-id, debug-link', [False, False])" \
	"hello variant, strict: build ID note and debug link only, not excused"
expect_status 1 "$C" --normalize build-id "$T/hello_2.10-3_amd64.deb" "$HELLO"
expect_grep '\.gnu_debuglink: size 52 -> size 52' "$T/out" "build-id alone leaves the debug link unexcused"
expect_status 0 "$C" --normalize build-id,debug-link --json "$T/hello_2.10-3_amd64.deb" "$HELLO"
jq_is "$T/out" '(r["verdict"], r["rulesNeeded"], [(c["name"], c["count"], c["excused"]) for c in r["classifications"]])' \
	"('equivalent', ['build-id', 'debug-link'], [('text: checksums-of-excused-files', 1, 1), ('elf: only build-id, debug-link', 1, 1)])" \
	"hello variant: equivalent under build-id,debug-link; the md5sums line follows"
jq_is "$T/out" '[(m["path"].split("/", 1)[-1], m["status"]) for m in r["members"] if m["status"] != "same"]' \
	"[('hello_2.10-3_amd64.deb', 'equivalent'), ('control.tar.xz', 'equivalent'), ('control.tar.xz/md5sums', 'equivalent'), ('data.tar.xz', 'equivalent'), ('data.tar.xz/usr/bin/hello', 'equivalent')]" \
	"hello variant: containers settle as equivalent"
expect_status 0 "$C" --normalize build-id,debug-link "$T/hello_2.10-3_amd64.deb" "$HELLO"
expect_grep '^not bit for bit' "$T/out" "equivalent is never presented as bit for bit"
dscope "$T/hello_2.10-3_amd64.deb" "$HELLO" "$T/hello.dscope.json"
$M diffoscope "$T/hello.dscope.json" >"$T/hello.dscope"
expect_same "$T/hello.vouch" "$T/hello.dscope" "hello variant: diffoscope agrees"

# ---- 2b. hello rebuilt for real (when debrebuild-real.sh left it) ----
REBUILT=${VOUCH_TEST_CACHE:-/var/cache/vouch-test}/first-hello
if [ -f "$REBUILT/done" ] && [ -f "$REBUILT/rebuilt/hello_2.10-3_amd64.deb" ]; then
	RH="$REBUILT/rebuilt/hello_2.10-3_amd64.deb"
	expect_status 1 "$C" --json "$RH" "$HELLO"
	cp "$T/out" "$T/rh.json"
	$M vouch "$T/rh.json" >"$T/rh.vouch"
	expect_same "$T/hello.want" "$T/rh.vouch" "real hello rebuild: the differing members"
	jq_is "$T/rh.json" '([i["name"] for i in at("/usr/bin/hello")["items"]], at("/usr/bin/hello")["hints"], [(f["name"], f["differingBytes"]) for f in at("/usr/bin/hello")["functions"]])' \
		"(['.note.gnu.build-id', '.text', '.gnu_debuglink'], ['embedded-timestamp'], [('(no symbol)', 1)])" \
		"real hello rebuild: build ID, debug link and one byte of .text, a compiled-in year"
	expect_status 1 "$C" --normalize build-id,debug-link --json "$RH" "$HELLO"
	jq_is "$T/out" '[(d["path"].split("/")[-1], d["excused"]) for d in r["differences"] if d["kind"] != "metadata"]' \
		"[('md5sums', False), ('hello', False)]" \
		"real hello rebuild: the year in .text is not excused, nor the md5sums line that follows"
	dscope "$RH" "$HELLO" "$T/rh.dscope.json"
	$M diffoscope "$T/rh.dscope.json" >"$T/rh.dscope"
	expect_same "$T/rh.vouch" "$T/rh.dscope" "real hello rebuild: diffoscope agrees"
else
	echo "note: no real hello rebuild in $REBUILT (tests/cli/debrebuild-real.sh makes it): pair 2b not compared"
fi

# ---- 2c. hello rebuilt for real with the clock at SOURCE_DATE_EPOCH ----
# Its own cache entry (not debrebuild-real.sh's first build, which keeps
# the real clock on purpose): built once, here, niced (a package build
# beside the other tests).
if (renice -n 10 -p "$(sh -c 'echo $PPID')" >/dev/null &&
	debrebuild_first hello-sde --from-archive hello=2.10-3 --clock source-date-epoch); then
	ok
else
	fail "the fixed-clock rebuild of hello failed"
fi
FIRST=/var/cache/vouch-test/first-hello-sde
SH="$FIRST/rebuilt/hello_2.10-3_amd64.deb"
python3 - "$FIRST/provenance.json" >"$T/py" 2>&1 <<'PY' && ok || fail "2c provenance: $(cat "$T/py")"
import json, sys
clock = json.load(open(sys.argv[1]))["predicate"]["buildDefinition"]["internalParameters"]["sandbox"]["clock"]
assert clock["kind"] == "libfaketime" and clock["from"] == "sourceDateEpoch", clock
assert clock["startsAt"].startswith("2022-"), clock
PY
expect_status 1 "$C" --json "$SH" "$HELLO"
cp "$T/out" "$T/sh.json"
$M vouch "$T/sh.json" >"$T/sh.vouch"
expect_same "$T/hello.want" "$T/sh.vouch" "fixed-clock hello rebuild: the differing members"
jq_is "$T/sh.json" '([i["name"] for i in at("/usr/bin/hello")["items"]], at("/usr/bin/hello")["classification"], at("/usr/bin/hello").get("functions", []), [d["excused"] for d in r["differences"]])' \
	"(['.note.gnu.build-id', '.gnu_debuglink'], 'elf: only build-id, debug-link', [], [False, False])" \
	"fixed-clock hello rebuild, strict: build ID note and debug link only, same code"
expect_status 0 "$C" --normalize build-id,debug-link --json "$SH" "$HELLO"
jq_is "$T/out" '(r["verdict"], r["rulesNeeded"], [(c["name"], c["count"], c["excused"]) for c in r["classifications"]])' \
	"('equivalent', ['build-id', 'debug-link'], [('text: checksums-of-excused-files', 1, 1), ('elf: only build-id, debug-link', 1, 1)])" \
	"fixed-clock hello rebuild: equivalent under build-id,debug-link"
expect_status 0 "$C" --normalize build-id,debug-link "$SH" "$HELLO"
expect_grep '^not bit for bit' "$T/out" "fixed-clock hello rebuild: equivalent, not bit for bit"
expect_status 1 "$C" --normalize build-id "$SH" "$HELLO"
dscope "$SH" "$HELLO" "$T/sh.dscope.json"
$M diffoscope "$T/sh.dscope.json" >"$T/sh.dscope"
expect_same "$T/sh.vouch" "$T/sh.dscope" "fixed-clock hello rebuild: diffoscope agrees"

# ---- 3. openjdk-17-jre-headless: 44 MB, 16,000+ entries ----
# one run: the summary, the JSON report and the HTML page
expect_status 1 "$C" --normalize mtime --report "$T/jdk.json" --html "$T/jdk.html" "$JDK_A" "$JDK_B"
n=$(wc -l <"$T/out")
if [ "$n" -le 450 ]; then ok; else fail "openjdk summary is $n lines"; fi
expect_grep '^    16111  metadata: mtime (excused)$' "$T/out" "openjdk: the mtime-only count, in one line"
expect_grep '^excused differences: 16111 (--verbose lists them)$' "$T/out" "openjdk: excused ones not listed"
expect_grep '<details id="g0"><summary>16111 &times; metadata: mtime (excused)' "$T/jdk.html" \
	"openjdk HTML: the mtime group is collapsed"
expect_grep '<p class="hint">15611 more of this classification: see the JSON report' "$T/jdk.html" \
	"openjdk HTML: 500 shown per classification"
n=$(wc -c <"$T/jdk.html")
if [ "$n" -lt 5000000 ]; then ok; else fail "openjdk HTML is $n bytes"; fi
# embedded-timestamp only where every differing byte is date or time text
# on both sides (issue 14, item 9): one text file and one binary file whose
# changes go beyond a date are content-changed.
jq_is "$T/jdk.json" '[(c["name"], c["count"]) for c in r["classifications"]]' \
	"[('metadata: mtime', 16111), ('text: content-changed', 12), ('removed', 7), ('added', 1), ('content: content-changed', 216), ('elf: content-changed', 4), ('elf: only build-id', 22), ('elf: code changed', 10), ('elf: only build-id, debug-link', 5), ('text: embedded-timestamp, content-changed', 1)]" \
	"openjdk: counts per classification"
mkdir -p "$T/ja" "$T/jb"
dpkg-deb -x "$JDK_A" "$T/ja"
dpkg-deb -x "$JDK_B" "$T/jb"
$M files "$T/jdk.json" data.tar.xz "$T/ja" "$T/jb" >"$T/jdk.files"
sed '/^--$/q' "$T/jdk.files" | sed '$d' >"$T/jdk.check"
sed '1,/^--$/d' "$T/jdk.files" >"$T/jdk.seen"
expect_same "$T/jdk.check" "$T/jdk.seen" "openjdk: the files whose bytes differ (plain extraction)"
n=$(wc -l <"$T/jdk.check")
if [ "$n" -eq 58 ]; then ok; else fail "openjdk: $n differing files, expected 58"; fi
rm -rf "$T/ja" "$T/jb"
finish
