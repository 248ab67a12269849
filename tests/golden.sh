#!/bin/sh
# golden.sh OLD_BUILD NEW_BUILD [OUTDIR] - run every tool of two builds on
# one fixed set of invocations and compare what each prints on stdout and
# stderr and its exit status.  For a refactoring (issue 13) that must not
# change behaviour: build the commit before the change in one directory,
# the change in another, and run this.  Prints one line per invocation
# that differs (with its number; OUTDIR/N.{old,new}.{out,err,rc} keep the
# evidence), then the counts.  Exit 0 when all are the same, 1 otherwise.
#
# What would differ from run to run is masked in both: the build and work
# directories (as BUILD and WORK), RFC 3339 times (TIME) and UUIDs (a
# rebuild's invocationId, as UUID).  One key pair,
# made once, signs for both, so signatures are comparable (Ed25519 is
# deterministic).  Runs the sandbox (vouch-rebuild) only as root.
#
# Not run by make check (it needs two builds); tests/run-all.sh does not
# call it either.  Example:
#   git worktree add /tmp/old main && (cd /tmp/old && autoreconf -fi &&
#     mkdir b && cd b && ../configure && make -j2)
#   tests/golden.sh /tmp/old/b build/check
set -u
here=$(cd "$(dirname "$0")" && pwd)
LC_ALL=C
export LC_ALL
old=$(cd "${1:?usage: tests/golden.sh OLD_BUILD NEW_BUILD [OUTDIR]}" && pwd)
new=$(cd "${2:?usage: tests/golden.sh OLD_BUILD NEW_BUILD [OUTDIR]}" && pwd)
out=${3:-$(mktemp -d "${TMPDIR:-/tmp}/vouch-golden.XXXXXX")}
mkdir -p "$out"
out=$(cd "$out" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/vouch-golden-work.XXXXXX")
trap 'rm -rf "$W"' EXIT

# ---- the fixture: files every invocation starts from (a fresh copy each) ----
F="$W/fixture"
mkdir -p "$F/tree/sub" "$F/tree2/sub" "$F/adir"
cd "$F"
printf 'hello\n' > plain
printf 'other\n' > other
printf 'a\n' > tree/a
printf 'b\n' > tree/sub/b
ln -s a tree/link
printf 'a\n' > tree2/a
printf 'B\n' > tree2/sub/b
ln -s a tree2/link
tar -C tree -cf t.tar .
tar -C tree -czf t.tgz .
tar -C tree2 -cf t2.tar .
(cd tree && zip -qrX ../t.zip .)
printf 'not an archive\n' > junk.tar
ln -s nowhere dangling
mkfifo fifo
"$old/tools/vouch-keygen" -o k >/dev/null 2>&1
"$old/tools/vouch-keygen" -o k2 >/dev/null 2>&1
sha=$(sha256sum plain | cut -c1-64)
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"plain","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/p","predicate":{}}\n' \
	"$sha" > st.json
printf '%s\n%s\n' "$(cat st.json)" "$(cat st.json)" > st.jsonl
"$old/tools/vouch-attest" -k k.key st.json > env.json 2>/dev/null
printf '{"a":1}\n' > notst.json
printf 'garbage\n' > bad.key
cat > policy.json <<EOF
{"vouchPolicy": 1, "keys": [{"name": "k", "publicKey": "k.pub"}],
 "rules": [{"artifact": "plain", "require": [{"signedBy": ["k"], "threshold": 1}]}]}
EOF
mkdir src
printf 'data\n' > src/file
tar -C src -cf s.tar file
ssha=$(sha256sum s.tar | cut -c1-64)
cat > recipe.json <<EOF
{"vouchRecipe": 1, "name": "t", "version": "1",
 "source": {"path": "s.tar", "digest": {"sha256": "$ssha"}},
 "environment": "host", "sourceDateEpoch": 0, "workdir": "/build/t",
 "steps": [["sh", "-c", "cat file > /out/r; echo built"]], "outputs": ["r"]}
EOF
sed 's/"r"\]}/"missing"]}/' recipe.json > recipe-noout.json
printf '{"vouchRecipe": 2}\n' > recipe-bad.json
cp "$here/cli/buildinfo/vouch-demo_1.0_amd64.buildinfo" demo.buildinfo

# ---- the invocations: one a line, run with sh -c in a copy of the fixture;
# $V is the tools directory.  Lines starting with # are comments. ----
cat > "$W/cases" <<'EOF'
# vouch-hash
$V/vouch-hash plain
$V/vouch-hash -f sha256sum plain other
$V/vouch-hash -a sha512 -a sha3_256 plain
$V/vouch-hash tree
$V/vouch-hash -t tree
$V/vouch-hash -m t.tar
$V/vouch-hash -m t.zip t.tgz
$V/vouch-hash -j 1 -f sha256sum tree plain
$V/vouch-hash -f sha256sum -a sha256 -a sha512 plain
$V/vouch-hash -o hashes.json plain; cat hashes.json
$V/vouch-hash - < plain
cat plain | $V/vouch-hash -f sha256sum -
$V/vouch-hash missing
$V/vouch-hash dangling
$V/vouch-hash fifo
$V/vouch-hash -m junk.tar
$V/vouch-hash -a md5 plain
$V/vouch-hash --bogus
$V/vouch-hash -d 9 -m t.tar
$V/vouch-hash --help
$V/vouch-hash - < adir
# vouch-unpack
$V/vouch-unpack t.tar out; find out | sort
$V/vouch-unpack t.tgz out
$V/vouch-unpack t.zip out
$V/vouch-unpack -a sha512 t.tar out
$V/vouch-unpack t.tar out; $V/vouch-unpack t.tar out
$V/vouch-unpack - out < t.tar
cat t.tgz | $V/vouch-unpack - out
$V/vouch-unpack junk.tar out; ls
$V/vouch-unpack missing out
$V/vouch-unpack dangling out
$V/vouch-unpack fifo out
$V/vouch-unpack adir out
$V/vouch-unpack --max-entries 1 t.tar out; ls
$V/vouch-unpack --max-total 1 t.tar out
$V/vouch-unpack t.tar
$V/vouch-unpack --help
$V/vouch-unpack - out < adir
# vouch-compare
$V/vouch-compare plain plain
$V/vouch-compare plain other
$V/vouch-compare tree tree2
$V/vouch-compare --json tree tree2
$V/vouch-compare -v tree tree2
$V/vouch-compare t.tar t2.tar
$V/vouch-compare --json t.tar t.tar
$V/vouch-compare --statement plain plain
$V/vouch-compare --report r.json tree tree2; cat r.json
$V/vouch-compare --html h.html plain other; wc -c < h.html
$V/vouch-compare --normalize mtime,order t.tar t2.tar
$V/vouch-compare plain missing
$V/vouch-compare plain dangling
$V/vouch-compare plain fifo
$V/vouch-compare plain
$V/vouch-compare --normalize bogus plain plain
$V/vouch-compare --help
# vouch-keygen
$V/vouch-keygen --public k.key
$V/vouch-keygen --public k.key --json
$V/vouch-keygen --public bad.key
$V/vouch-keygen --public missing
$V/vouch-keygen
$V/vouch-keygen -t rsa -o x
$V/vouch-keygen --help
# vouch-attest
$V/vouch-attest -k k.key st.json
$V/vouch-attest -k k.key -k k2.key st.json
$V/vouch-attest -k k.key -l st.jsonl
$V/vouch-attest -k k.key - < st.json
$V/vouch-attest -k k.key -o env2.json st.json; cat env2.json
$V/vouch-attest -k k.key --add-signature env.json
$V/vouch-attest -k k2.key --add-signature env.json
$V/vouch-attest -k k.key -t text/plain plain
$V/vouch-attest -f link -n step -k k.key -m plain st.json
$V/vouch-attest -k k.key notst.json
$V/vouch-attest -k k.key -k k.key st.json
$V/vouch-attest -k bad.key st.json
$V/vouch-attest -k k.key missing
$V/vouch-attest -k k.key dangling
$V/vouch-attest -k k.key fifo
$V/vouch-attest -k k.key adir
$V/vouch-attest st.json
$V/vouch-attest --help
$V/vouch-attest -k k.key - < adir
$V/vouch-attest -k k.key -l - < adir
# vouch-verify
$V/vouch-verify -p k.pub env.json
$V/vouch-verify -p k.pub -a plain env.json
$V/vouch-verify -p k.pub -a other env.json
$V/vouch-verify -p k2.pub env.json
$V/vouch-verify -p k.pub -p k2.pub -t 2 env.json
$V/vouch-verify -p k.pub -v env.json
$V/vouch-verify -p k.pub - < env.json
$V/vouch-verify -p k.pub -T https://example.com/p env.json
$V/vouch-verify -p k.pub -T https://example.com/q env.json
$V/vouch-verify -p k.pub st.json
$V/vouch-verify -p k.pub missing
$V/vouch-verify -p k.pub dangling
$V/vouch-verify -p k.pub fifo
$V/vouch-verify -p k.pub adir
$V/vouch-verify -p bad.key env.json
$V/vouch-verify --policy policy.json plain
$V/vouch-verify --policy policy.json other
$V/vouch-verify --policy missing plain
$V/vouch-verify env.json
$V/vouch-verify --help
$V/vouch-verify -p k.pub - < adir
# vouch-rebuild (the sandbox: root only, see below)
@root $V/vouch-rebuild -r recipe.json -o ob; ls ob
@root $V/vouch-rebuild -r recipe.json -o ob -b https://lab.example/b
@root $V/vouch-rebuild -r recipe-noout.json -o ob; ls
$V/vouch-rebuild -r recipe-bad.json -o ob
$V/vouch-rebuild -r missing -o ob
$V/vouch-rebuild -r fifo -o ob
$V/vouch-rebuild -o ob
$V/vouch-rebuild --help
# vouch-buildinfo
$V/vouch-buildinfo demo.buildinfo
$V/vouch-buildinfo plain
$V/vouch-buildinfo missing
$V/vouch-buildinfo --help
# vouch-log, vouch-logd, vouch-witness: arguments only (no servers)
$V/vouch-log --help
$V/vouch-log bogus
$V/vouch-log -l http://127.0.0.1:9 verify-proof missing
$V/vouch-log -c fifo checkpoint
$V/vouch-logd --help
$V/vouch-logd --bogus
$V/vouch-witness --help
$V/vouch-witness --bogus
EOF

mask() { # file: mask the run's paths and times
	sed -e "s#$1#BUILD#g" -e "s#$W/run[^/ '\"]*#WORK#g" \
	    -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\(\.[0-9]*\)\{0,1\}Z/TIME/g' \
	    -e 's/[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}/UUID/g'
}

run_one() { # side tools-dir n cmd
	side=$1 V=$2 n=$3 cmd=$4
	d="$W/run$n-$side"
	rm -rf "$d"
	cp -a "$F" "$d"
	(cd "$d" && V=$V timeout 60 sh -c "$cmd" </dev/null >"$out/$n.$side.out.raw" \
		2>"$out/$n.$side.err.raw"; echo $? >"$out/$n.$side.rc")
	b=$(dirname "$V")
	mask "$b" <"$out/$n.$side.out.raw" >"$out/$n.$side.out"
	mask "$b" <"$out/$n.$side.err.raw" >"$out/$n.$side.err"
	rm -f "$out/$n.$side.out.raw" "$out/$n.$side.err.raw"
	rm -rf "$d"
}

n=0 same=0 differ=0 skipped=0
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	n=$((n + 1))
	case $line in
	'@root '*)
		line=${line#@root }
		if [ "$(id -u)" -ne 0 ]; then
			skipped=$((skipped + 1))
			echo "skipped $n (not root): $line"
			continue
		fi ;;
	esac
	run_one old "$old/tools" "$n" "$line"
	run_one new "$new/tools" "$n" "$line"
	if cmp -s "$out/$n.old.out" "$out/$n.new.out" && cmp -s "$out/$n.old.err" "$out/$n.new.err" &&
	    cmp -s "$out/$n.old.rc" "$out/$n.new.rc"; then
		same=$((same + 1))
		rm -f "$out/$n".*
	else
		differ=$((differ + 1))
		echo "differs $n: $line"
		echo "$line" > "$out/$n.cmd"
		for s in out err rc; do
			cmp -s "$out/$n.old.$s" "$out/$n.new.$s" ||
				diff "$out/$n.old.$s" "$out/$n.new.$s" | sed 's/^/    '"$s"': /' |
				cut -c1-160 | head -n 6
		done
	fi
done < "$W/cases"
echo "golden: $n invocations, $same same, $differ differ, $skipped skipped (evidence in $out)"
[ "$differ" -eq 0 ]
