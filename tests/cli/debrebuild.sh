#!/bin/sh
# vouch-debrebuild's refusals that need no network: usage, a malformed or
# badly signed .buildinfo (one line, exit 2, nothing made in the cache or
# the output directory), a non-empty output directory.  The rebuilds of
# real packages are tests/bench/debian-sample.sh (network, minutes).
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
DR="$VOUCH_BIN/vouch-debrebuild"
VOUCH_BINDIR=$VOUCH_BIN
export VOUCH_BINDIR
SAMPLE="$VOUCH_SRCDIR/tests/cli/buildinfo/vouch-demo_1.0_amd64.buildinfo"

expect_status 0 "$DR" --help
expect_grep "^usage: vouch-debrebuild" "$T/out" "--help prints the usage"
expect_status 0 "$DR" --version
expect_status 2 "$DR" -o "$T/o"
expect_grep "one .buildinfo file is required" "$T/err" "the .buildinfo is required"
expect_status 2 "$DR" "$SAMPLE"
expect_grep "-o OUTDIR is required" "$T/err" "-o is required"
expect_status 2 "$DR" --clock never -o "$T/o" "$SAMPLE"
expect_grep "unknown clock 'never'" "$T/err" "a bad clock is named"
expect_status 2 "$DR" --bogus -o "$T/o" "$SAMPLE"
expect_status 2 "$DR" --binnmu 1 -o "$T/o" "$SAMPLE"
expect_grep "binnmu needs --from-archive" "$T/err" "--binnmu is for a first build"
expect_status 2 "$DR" --binnmu 100 --from-archive hello -o "$T/o"
expect_grep "bad binNMU number '100' (1 to 99)" "$T/err" "a bad binNMU number is named"
expect_lines 1 "$T/err" "one line for a bad binNMU number"
[ ! -e "$T/o" ] && ok || fail "something was made for a bad binNMU number"

sed 's/^Format: 1.0/Format: 9/' "$SAMPLE" >"$T/bad.buildinfo"
expect_status 2 "$DR" -c "$T/cache" -o "$T/o" "$T/bad.buildinfo"
expect_grep "unsupported 'Format' '9'" "$T/err" "a malformed .buildinfo is named"
expect_lines 1 "$T/err" "one line for a malformed .buildinfo"
[ ! -e "$T/cache" ] && [ ! -e "$T/o" ] && ok || fail "something was made for a malformed .buildinfo"
export GNUPGHOME="$T/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'vouch test <t@vouch.invalid>' ed25519 sign 1d 2>/dev/null
gpg --batch --quiet --export >"$T/k.gpg"
expect_status 2 "$DR" -k "$T/k.gpg" -c "$T/cache" -o "$T/o" "$SAMPLE"
expect_grep "is not signed" "$T/err" "an unsigned .buildinfo is refused with a keyring"
[ ! -e "$T/cache" ] && ok || fail "a cache was made for an unsigned .buildinfo"
mkdir "$T/full"
touch "$T/full/x"
expect_status 2 "$DR" -c "$T/cache" -o "$T/full" "$SAMPLE"
expect_grep "is not empty" "$T/err" "a non-empty output directory is refused"
finish
