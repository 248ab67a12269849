#!/bin/sh
# Issue 13: one input opener (vouch_input_open in lib/core/input.c) for
# every tool.  vouch-hash, vouch-compare, vouch-attest (statements, -l,
# -m materials), vouch-verify (envelopes, -a artifacts) and vouch-unpack
# meet a missing file, a dangling symlink, a FIFO without a writer, a
# directory and "-" as a directory or a device, and each says the same
# thing in the same words: one line "TOOL: ..." naming the input in
# quotes (control bytes escaped), exit 2, nothing on stdout but what the
# tool lists for its good operands, and nothing left behind.  A pipe on
# "-" is read by all that take "-".
. "$VOUCH_SRCDIR/tests/cli/lib.sh"

B=$VOUCH_BIN
cd "$T"
"$B/vouch-keygen" -o k >/dev/null
printf 'hello\n' > plain
mkdir adir
printf 'x\n' > adir/f
ln -s nowhere dangling
mkfifo fifo
sha=$(sha256sum plain | cut -c1-64)
printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"plain","digest":{"sha256":"%s"}}],"predicateType":"https://example.com/p","predicate":{}}\n' \
	"$sha" > st.json
nl='
'
odd="mis${nl}sing"     # a name with a newline: shown as \x0a

# what each case must say (after "TOOL: ")
want_of() { # case -> expected message
	case $1 in
	missing) echo "cannot open 'missing': No such file or directory" ;;
	odd) echo "cannot open 'mis\\x0asing': No such file or directory" ;;
	dangling) echo "cannot open 'dangling': dangling symbolic link" ;;
	fifo) echo "'fifo': not a regular file" ;;
	adir) echo "'adir': is a directory" ;;
	stdin-dir) echo "'<stdin>': is a directory" ;;
	stdin-dev) echo "'<stdin>': not a file or pipe" ;;
	esac
}

# check TOOL CASE cmd... (the input is $IN in cmd; stdin per CASE)
check() {
	tool=$1 case=$2
	shift 2
	set +e
	case $case in
	stdin-dir) timeout 20 "$@" >"$T/out" 2>"$T/err" <adir ;;
	stdin-dev) timeout 20 "$@" >"$T/out" 2>"$T/err" </dev/zero ;;
	*) timeout 20 "$@" >"$T/out" 2>"$T/err" </dev/null ;;
	esac
	got=$?
	set -e
	if [ "$got" -ne 2 ]; then
		fail "$tool $case: exit $got, expected 2"
		head -n 3 "$T/err" >&2
		return 0
	fi
	ok
	printf '%s: %s\n' "$tool" "$(want_of "$case")" > "$T/want"
	# the first line names the input; a tool that reads several inputs
	# may add one summary line after it (vouch-verify's "no envelope")
	head -n 1 "$T/err" > "$T/first"
	expect_same "$T/want" "$T/first" "$tool $case: message"
	n=$(grep -c "" "$T/err")
	[ "$n" -le 2 ] && ok || fail "$tool $case: $n lines on stderr"
	[ ! -e target ] && ok || fail "$tool $case: left a target behind"
	rm -rf target
}

for c in missing odd dangling fifo adir; do
	case $c in
	odd) IN=$odd ;;
	*) IN=$c ;;
	esac
	if [ "$c" != adir ]; then       # these two take directories
		check vouch-hash "$c" "$B/vouch-hash" "$IN"
		check vouch-compare "$c" "$B/vouch-compare" plain "$IN"
		check vouch-compare "$c" "$B/vouch-compare" "$IN" plain
	fi
	check vouch-attest "$c" "$B/vouch-attest" -k k.key "$IN"
	check vouch-attest "$c" "$B/vouch-attest" -l -k k.key "$IN"
	check vouch-attest "$c" "$B/vouch-attest" -f link -n step -k k.key -m "$IN" st.json
	check vouch-verify "$c" "$B/vouch-verify" -p k.pub "$IN"
	check vouch-verify "$c" "$B/vouch-verify" -p k.pub -a "$IN" plain
	check vouch-unpack "$c" "$B/vouch-unpack" "$IN" target
done

# "-" that is a directory or a device
for c in stdin-dir stdin-dev; do
	check vouch-hash "$c" "$B/vouch-hash" -
	check vouch-attest "$c" "$B/vouch-attest" -k k.key -
	check vouch-attest "$c" "$B/vouch-attest" -l -k k.key -
	check vouch-verify "$c" "$B/vouch-verify" -p k.pub -
	check vouch-unpack "$c" "$B/vouch-unpack" - target
done

# vouch-compare reads no standard input: "-" is a file name like any other
expect_status 2 "$B/vouch-compare" plain -
echo "vouch-compare: cannot open '-': No such file or directory" > want
expect_same want "$T/err" "compare: '-' is a name"

# a pipe on "-" is read, and gives what the file gives
expect_status 0 sh -c 'cat plain | "$1" -f sha256sum -' sh "$B/vouch-hash"
echo "$sha  -" > want
expect_same want "$T/out" "hash: a pipe on -"
expect_status 0 sh -c 'cat st.json | "$1" -k k.key -' sh "$B/vouch-attest"
cp "$T/out" env.json
expect_status 0 sh -c 'cat st.json | "$1" -l -k k.key -' sh "$B/vouch-attest"
expect_status 0 sh -c 'cat env.json | "$1" -p k.pub -a plain -' sh "$B/vouch-verify"
tar -cf a.tar plain
expect_status 0 sh -c 'cat a.tar | "$1" - target' sh "$B/vouch-unpack"
expect_same plain target/plain "unpack: a pipe on -"
rm -rf target

# a directory: vouch-hash lists what is in it, vouch-compare compares it
expect_status 0 "$B/vouch-hash" -f sha256sum adir
expect_grep "  adir/f\$" "$T/out" "hash: a directory"
mkdir bdir
printf 'x\n' > bdir/f
expect_status 0 "$B/vouch-compare" adir bdir

rm -f fifo
finish
