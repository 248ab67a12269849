#!/bin/sh
# vectors.sh - the committed test vectors are what the independent
# implementations compute today: tests/vectors/gen-tlog.go (Go's
# golang.org/x/mod/sumdb/{tlog,note}) and tests/vectors/gen-dsse.py
# (python3-cryptography) are run afresh and their output must equal the
# committed files byte for byte, so a vector can neither drift nor be
# edited by hand.  Also checks that nothing the build, the tests, CI or the
# examples read lies outside the source tree.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
V=$VOUCH_SRCDIR/tests/vectors

# Go's build cache goes to the scratch directory: a test writes nothing
# outside it.  GOPATH mode finds x/mod where Debian's package puts it.
GOCACHE=$T/gocache GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local \
	go run "$V/gen-tlog.go" >"$T/tlog.json" 2>"$T/go.err" ||
	{ cat "$T/go.err" >&2; fail "gen-tlog.go failed (golang-go and golang-golang-x-mod-dev installed?)"; }
expect_same "$V/tlog.json" "$T/tlog.json" "tests/vectors/tlog.json differs from gen-tlog.go's output"

# ECDSA signatures are random: the generator verifies the committed ones
# with python3-cryptography and keeps them; the rest is recomputed.
python3 "$V/gen-dsse.py" --reuse-ecdsa "$V/dsse.json" >"$T/dsse.json" 2>"$T/py.err" ||
	{ cat "$T/py.err" >&2; fail "gen-dsse.py failed"; }
expect_same "$V/dsse.json" "$T/dsse.json" "tests/vectors/dsse.json differs from gen-dsse.py's output"

# A hand edit to a committed vector is caught: a changed ECDSA signature
# no longer verifies, so the generator refuses it.
sed 's/"sig_der_b64": "MEQCIA/"sig_der_b64": "MEQCIB/' "$V/dsse.json" >"$T/edited.json"
expect_status 1 python3 "$V/gen-dsse.py" --reuse-ecdsa "$T/edited.json"
expect_grep "does not verify" "$T/err" "an edited ECDSA vector is refused"

# Self-contained: no file of the build, the tests, CI or the examples
# reaches outside the tree for its inputs.
cd "$VOUCH_SRCDIR"
hits=$(grep -rlE '\.\./shared|/work/shared' configure.ac Makefile.am tests .ci examples 2>/dev/null |
	grep -v '^tests/cli/vectors.sh$' || true)
if [ -z "$hits" ]; then ok; else fail "files read outside the tree: $hits"; fi
finish
