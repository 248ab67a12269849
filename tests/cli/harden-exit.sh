#!/bin/sh
# Issue 14, item 10: exit codes and messages for special and empty inputs.
# Special files are trouble (exit 2) in every tool, a FIFO without a writer
# is refused at once (never a hang), an empty submission is not success,
# unknown config lines are shown escaped, a key file is named once, a full
# disk names the entry, and the policy's reason never cuts a path mid-word.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
cd "$T"
printf 'x\n' > file
mkfifo fifo

# -- vouch-compare: a device or a FIFO is not "different"
expect_status 2 "$B/vouch-compare" /dev/null /dev/null
expect_same /dev/null "$T/out" "compare /dev/null: no report"
echo "vouch-compare: '/dev/null': not a regular file" > want
expect_same want "$T/err" "compare /dev/null: one line"
expect_status 2 timeout 20 "$B/vouch-compare" fifo file
expect_grep "'fifo': not a regular file\$" "$T/err" "compare FIFO"
expect_status 2 timeout 20 "$B/vouch-compare" --statement file fifo

# -- a FIFO with no writer: refused at once by every tool, as vouch-hash does
"$B/vouch-keygen" -o lab >/dev/null
printf '{"a":1}\n' > s.json
fifo_refused() { # label cmd...
	label=$1
	shift
	expect_status 2 timeout 20 "$@"
	expect_grep "'fifo': not a regular file\$" "$T/err" "$label: FIFO refused"
}
fifo_refused hash "$B/vouch-hash" fifo
fifo_refused attest "$B/vouch-attest" -k lab.key fifo
fifo_refused "attest key" "$B/vouch-attest" -k fifo s.json
fifo_refused "attest passphrase" "$B/vouch-attest" -k lab.key --passphrase-file fifo s.json
fifo_refused verify "$B/vouch-verify" -p lab.pub fifo
fifo_refused "verify key" "$B/vouch-verify" -p fifo s.json
fifo_refused "verify policy" "$B/vouch-verify" --policy fifo file
fifo_refused keygen "$B/vouch-keygen" --public fifo
fifo_refused rebuild "$B/vouch-rebuild" -r fifo -o outdir
fifo_refused unpack "$B/vouch-unpack" fifo target
fifo_refused "log submit" "$B/vouch-log" -l http://127.0.0.1:9 submit fifo
fifo_refused "log config" "$B/vouch-log" -c fifo checkpoint
[ ! -e outdir ] && [ ! -e target ] && ok || fail "a refused FIFO left output behind"
# a device named on the command line, or as standard input, is refused too
expect_status 2 "$B/vouch-unpack" /dev/zero target
expect_grep "'/dev/zero': not a regular file" "$T/err" "unpack /dev/zero"
expect_status 2 sh -c '"$1" - target </dev/zero' sh "$B/vouch-unpack"
expect_grep "'<stdin>': not a file or pipe" "$T/err" "unpack stdin /dev/zero"
[ ! -e target ] && ok || fail "unpack /dev/zero left a target"

# -- vouch-log submit of an empty file sends nothing: not success
: > empty.jsonl
printf '\n\n' > blank.jsonl
expect_status 2 "$B/vouch-log" -l http://127.0.0.1:9 submit empty.jsonl
expect_grep "^vouch-log: 'empty.jsonl': no envelope in it\$" "$T/err" "empty submission"
expect_status 2 "$B/vouch-log" -l http://127.0.0.1:9 submit blank.jsonl
expect_grep "'blank.jsonl': no envelope in it" "$T/err" "blank submission"

# -- vouch-log -c: an unknown line is shown escaped, no raw control bytes
printf 'log http://127.0.0.1:9\n\033]0;owned\007\033[2Jx\n' > bad.conf
expect_status 2 "$B/vouch-log" -c bad.conf checkpoint
expect_grep "unknown line '\\\\x1b]0;owned\\\\x07\\\\x1b\\[2Jx'" "$T/err" "config line escaped"
if LC_ALL=C grep -q "$(printf '\033')" "$T/err"; then fail "raw ESC on stderr"; else ok; fi

# -- a key file that is not PEM is named once
: > empty
expect_status 2 "$B/vouch-verify" -p empty s.json
echo "vouch-verify: 'empty': no valid PEM block found" > want
expect_same want "$T/err" "verify: key named once"
expect_status 2 "$B/vouch-attest" -k empty s.json
echo "vouch-attest: 'empty': no valid PEM block found" > want
expect_same want "$T/err" "attest: key named once"
expect_status 2 "$B/vouch-rebuild" -r nothing.json -o outdir
expect_grep "^vouch-rebuild: cannot open 'nothing.json': No such file or directory\$" \
	"$T/err" "rebuild: recipe named once"

# -- a full disk (here: the file size limit) names the entry being written
mkdir src && head -c 262144 /dev/urandom > src/payload.bin && tar -cf big.tar src
expect_status 2 sh -c 'trap "" XFSZ; ulimit -f 64; exec "$1" big.tar target' sh \
	"$B/vouch-unpack"
expect_grep "^vouch-unpack: 'big.tar': entry 'src/payload.bin': cannot write: File too large\$" \
	"$T/err" "full disk names the entry"
[ ! -e target ] && ok || fail "a failed unpack left a target"

# -- the policy's reason shows differing paths whole, never cut mid-word
"$B/vouch-keygen" -o lab-a >/dev/null
printf 'firmware\n' > fw.bin
printf 'firmware, changed\n' > rebuilt.bin
expect_status 1 "$B/vouch-compare" --statement rebuilt.bin fw.bin
long="rebuilt-firmware-image-for-the-regulator.bin: [elf header], [program headers], .note.gnu.build-id, .gnu_debuglink"
python3 - "$T/out" "$long" > failed.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["predicate"]["vouch_comparison"]
c["differingPaths"] = [sys.argv[2], "second.bin: .text", "third.bin: .data", "fourth.bin: .bss"]
print(json.dumps(d))
PY
"$B/vouch-attest" -k lab-a.key failed.json > failed.jsonl
cat > p.json <<'P'
{"vouchPolicy": 1, "name": "t", "rebuilders": [{"name": "lab-a", "publicKey": "lab-a.pub"}],
 "threshold": 1}
P
expect_status 1 "$B/vouch-verify" --policy p.json --bundle failed.jsonl fw.bin
if grep -qF "reports FAILED (1 difference: $long, second.bin: .text, third.bin: .data, ...)" \
	"$T/out"; then ok; else fail "differing paths whole, then ..."; fi

# -- a name with terminal escapes and a newline, in every tool's messages:
# one line, the escapes shown as \xHH (the newline as \x0a or a space), never raw,
# whether the file is missing or malformed
evil=$(printf 'ev\033]0;owned\007il\nname')
no_raw_control() { # label: stderr holds no byte below 0x20 but the newlines
	if LC_ALL=C tr -d '\n' <"$T/err" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		fail "$1: raw control bytes on stderr"
	else
		ok
	fi
	expect_grep 'ev\\x1b]0;owned\\x07il' "$T/err" "$1: the name escaped"
	expect_lines 1 "$T/err" "$1: one line"
}
evil_name() { # TOOL ARGS...: vouch-TOOL ARGS... "$evil" is trouble, said safely
	tool=$1
	shift
	expect_status 2 "$B/vouch-$tool" "$@" "$evil"
	no_raw_control "vouch-$tool, $state name"
}
for state in missing malformed; do
	if [ $state = missing ]; then
		evil_name hash
		evil_name verify -p lab.pub
		evil_name compare file
		evil_name log -l http://127.0.0.1:9 submit
	else
		printf '{"x":1}\n' >"$evil"
	fi
	evil_name attest -k lab.key
	evil_name buildinfo
	evil_name rebuild -o outdir -r
	evil_name campaign check
	evil_name publish --html site
	expect_status 2 "$B/vouch-unpack" "$evil" outdir
	no_raw_control "vouch-unpack, $state name"
	rm -f "$evil"
done
finish
