#!/bin/sh
# vouch-keygen: keys interoperate with openssl pkey/genpkey both ways, files
# are 0600 and never replaced, passphrases come from fds/files only.
. "$VOUCH_SRCDIR/tests/cli/lib.sh"
KG="$VOUCH_BIN/vouch-keygen"
command -v openssl >/dev/null || { echo "openssl(1) is required" >&2; exit 1; }

spki_id() { # keyid of a PEM key the way openssl computes it
	openssl pkey "$@" -pubout -outform DER | sha256sum | cut -d' ' -f1
}
mode_of() { stat -c %a "$1"; }

# ---- new key pairs load in openssl; printed keyid = sha256(DER SPKI) ----
for type in ed25519 ecdsa-p256; do
	expect_status 0 "$KG" -t "$type" -o "$T/$type"
	expect_lines 1 "$T/out" "$type: one line"
	id=$(cat "$T/out")
	expect_grep '^[0-9a-f]\{64\}$' "$T/out" "$type: keyid shape"
	[ "$(mode_of "$T/$type.key")" = 600 ] && ok || fail "$type.key mode $(mode_of "$T/$type.key")"
	expect_grep '^-----BEGIN PRIVATE KEY-----$' "$T/$type.key" "$type: PKCS#8"
	expect_grep '^-----BEGIN PUBLIC KEY-----$' "$T/$type.pub" "$type: SPKI"
	expect_status 0 openssl pkey -in "$T/$type.key" -noout
	[ "$(spki_id -in "$T/$type.key")" = "$id" ] && ok || fail "$type: keyid vs private key"
	[ "$(spki_id -pubin -in "$T/$type.pub")" = "$id" ] && ok || fail "$type: keyid vs public key"
	[ "$(openssl pkey -pubin -in "$T/$type.pub" -outform DER | sha256sum | cut -d' ' -f1)" = "$id" ] \
		&& ok || fail "$type: keyid vs openssl pkey -pubin -outform DER"
	# --public on either half prints the same keyid
	expect_status 0 "$KG" --public "$T/$type.key"
	[ "$(cat "$T/out")" = "$id" ] && ok || fail "$type: --public on the private key"
	expect_status 0 "$KG" --public "$T/$type.pub"
	[ "$(cat "$T/out")" = "$id" ] && ok || fail "$type: --public on the public key"
	expect_status 0 "$KG" --public - <"$T/$type.pub"
	[ "$(cat "$T/out")" = "$id" ] && ok || fail "$type: --public from stdin"
done
openssl pkey -in "$T/ed25519.key" -text -noout 2>/dev/null | grep -q 'ED25519 Private-Key' \
	&& ok || fail "openssl does not see an Ed25519 key"
openssl pkey -in "$T/ecdsa-p256.key" -text -noout 2>/dev/null | grep -q 'NIST CURVE: P-256' \
	&& ok || fail "openssl does not see a P-256 key"
expect_status 0 "$KG" -o "$T/default"
openssl pkey -in "$T/default.key" -text -noout 2>/dev/null | grep -q 'ED25519' \
	&& ok || fail "the default type is not Ed25519"

# ---- keys from openssl genpkey load in vouch ----
openssl genpkey -algorithm ed25519 -out "$T/g-ed.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/g-ec.pem" 2>/dev/null
for k in g-ed g-ec; do
	openssl pkey -in "$T/$k.pem" -pubout -out "$T/$k.pub" 2>/dev/null
	kid=$(spki_id -in "$T/$k.pem")
	expect_status 0 "$KG" --public "$T/$k.pem"
	[ "$(cat "$T/out")" = "$kid" ] && ok || fail "$k: keyid of an openssl private key"
	expect_status 0 "$KG" --public "$T/$k.pub"
	[ "$(cat "$T/out")" = "$kid" ] && ok || fail "$k: keyid of an openssl public key"
done
# encrypted by openssl, read by vouch
printf 's3cret\n' >"$T/pass"
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$T/g-ed.pem" -passout pass:s3cret -out "$T/g-ed-enc.pem"
expect_status 0 "$KG" --public "$T/g-ed-enc.pem" --passphrase-file "$T/pass"
[ "$(cat "$T/out")" = "$(spki_id -in "$T/g-ed.pem")" ] && ok || fail "openssl-encrypted key"
expect_status 2 "$KG" --public "$T/g-ed-enc.pem"
expect_grep 'passphrase' "$T/err" "encrypted key without passphrase"

# ---- other key types refused ----
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/rsa.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/p384.pem" 2>/dev/null
expect_status 2 "$KG" --public "$T/rsa.pem"
expect_grep "^vouch-keygen: .*unsupported key type 'RSA'" "$T/err" "RSA refused"
expect_status 2 "$KG" --public "$T/p384.pem"
expect_grep "unsupported EC curve 'secp384r1'" "$T/err" "P-384 refused"

# ---- never overwrite; symlinks; both files checked first ----
cp "$T/ed25519.key" "$T/before.key"
expect_status 2 "$KG" -o "$T/ed25519"
expect_grep "already exists" "$T/err" "refuses to overwrite"
expect_same "$T/before.key" "$T/ed25519.key" "existing key untouched"
echo public >"$T/only.pub"
expect_status 2 "$KG" -o "$T/only"
[ ! -e "$T/only.key" ] && ok || fail "wrote .key although .pub existed"
expect_grep "only.pub' already exists" "$T/err" "names the .pub"
ln -s "$T/nowhere" "$T/link.key"
expect_status 2 "$KG" -o "$T/link"
[ ! -e "$T/nowhere" ] && ok || fail "followed a dangling symlink"
[ ! -e "$T/link.pub" ] && ok || fail "wrote .pub next to a symlinked .key"
echo victim >"$T/victim"
ln -s "$T/victim" "$T/link2.pub"
expect_status 2 "$KG" -o "$T/link2"
[ "$(cat "$T/victim")" = victim ] && ok || fail "wrote through a symlink"
[ ! -e "$T/link2.key" ] && ok || fail "wrote .key next to a symlinked .pub"

# ---- encryption: openssl reads it with -passin; wrong/empty passphrases ----
expect_status 0 "$KG" -t ecdsa-p256 --passphrase-file "$T/pass" -o "$T/enc"
id=$(cat "$T/out")
expect_grep '^-----BEGIN ENCRYPTED PRIVATE KEY-----$' "$T/enc.key" "encrypted PEM"
[ "$(mode_of "$T/enc.key")" = 600 ] && ok || fail "enc.key mode"
[ "$(spki_id -in "$T/enc.key" -passin pass:s3cret)" = "$id" ] && ok || fail "openssl -passin"
expect_status 1 openssl pkey -in "$T/enc.key" -passin pass:wrong -noout
openssl asn1parse -in "$T/enc.key" | grep -q ':scrypt' && ok || fail "not scrypt"
openssl asn1parse -in "$T/enc.key" | grep -q 'aes-256-cbc' && ok || fail "not AES-256-CBC"
expect_status 0 "$KG" --public "$T/enc.key" --passphrase-fd 3 3<"$T/pass"
[ "$(cat "$T/out")" = "$id" ] && ok || fail "decrypt with --passphrase-fd"
printf 's3cret' | "$KG" --public "$T/enc.key" --passphrase-fd 0 >"$T/out2" 2>&1 \
	&& ok || fail "passphrase without newline on stdin"
printf 'wrong\n' >"$T/wrong"
expect_status 2 "$KG" --public "$T/enc.key" --passphrase-file "$T/wrong"
expect_grep "wrong passphrase" "$T/err" "wrong passphrase message"
: >"$T/empty"
expect_status 2 "$KG" --passphrase-file "$T/empty" -o "$T/e1"
expect_grep "empty passphrase" "$T/err" "empty passphrase refused"
[ ! -e "$T/e1.key" ] && ok || fail "wrote a key with an empty passphrase"
printf '\n' >"$T/nl"
expect_status 2 "$KG" --passphrase-file "$T/nl" -o "$T/e2"
[ ! -e "$T/e2.key" ] && ok || fail "wrote a key with a newline-only passphrase"
expect_status 2 "$KG" --passphrase-fd 9 -o "$T/e3"
expect_grep "fd 9" "$T/err" "bad fd named"
[ ! -e "$T/e3.key" ] && ok || fail "wrote a key after a bad passphrase fd"
expect_status 2 "$KG" --passphrase-fd x -o "$T/e4"
expect_status 2 "$KG" --passphrase-file "$T/no-such" -o "$T/e5"
expect_status 2 "$KG" --passphrase-fd 0 --passphrase-file "$T/pass" -o "$T/e6"

# ---- --note-name: name+8hex+base64(0x01||pub), and the tlog.json vector ----
expect_status 0 "$KG" -n example.com/log -o "$T/log"
expect_lines 2 "$T/out" "keyid and verifier key"
sed -n 2p "$T/out" >"$T/vkey"
expect_grep '^example\.com/log+[0-9a-f]\{8\}+A[A-Za-z0-9+/]\{43\}$' "$T/vkey" "verifier key shape"
# the base64 part is 0x01 || the raw public key, which ends the DER SPKI
cut -d+ -f3- "$T/vkey" | base64 -d | od -An -tx1 | tr -d ' \n' >"$T/vraw"
openssl pkey -pubin -in "$T/log.pub" -outform DER | od -An -tx1 | tr -d ' \n' | tail -c 64 >"$T/praw"
[ "$(cat "$T/vraw")" = "01$(cat "$T/praw")" ] && ok || fail "verifier key holds the public key"
expect_status 0 "$KG" --public "$T/log.pub" -n example.com/log
sed -n 2p "$T/out" >"$T/vkey2"
expect_same "$T/vkey" "$T/vkey2" "verifier key from --public"
if [ -n "${VOUCH_TESTVECTORS:-}" ] && [ -f "$VOUCH_TESTVECTORS/tlog.json" ]; then
	seed=$(sed -n 's/.*"ed25519_seed_hex": *"\([0-9a-f]*\)".*/\1/p' "$VOUCH_TESTVECTORS/tlog.json")
	vk=$(sed -n 's/.*"verifier_key": *"\([^"]*\)".*/\1/p' "$VOUCH_TESTVECTORS/tlog.json")
	# PKCS#8 for an Ed25519 seed: fixed 16-byte prefix, then the 32 bytes
	perl -e 'print pack("H*", $ARGV[0])' "302e020100300506032b657004220420$seed" | \
		openssl pkey -inform DER -out "$T/seed.pem"
	expect_status 0 "$KG" --public "$T/seed.pem" -n example.com/vouch-test-log
	[ "$(sed -n 2p "$T/out")" = "$vk" ] && ok || fail "tlog.json verifier_key"
else
	fail "VOUCH_TESTVECTORS/tlog.json not found"
fi
expect_status 2 "$KG" -t ecdsa-p256 -n x -o "$T/n1"
[ ! -e "$T/n1.key" ] && ok || fail "wrote an ECDSA key for --note-name"
expect_status 2 "$KG" --public "$T/ecdsa-p256.pub" -n x
expect_grep "Ed25519" "$T/err" "--note-name on ECDSA explained"
expect_status 2 "$KG" -n 'a+b' -o "$T/n2"
[ ! -e "$T/n2.key" ] && ok || fail "wrote a key for a bad note name"

# ---- --json ----
expect_status 0 "$KG" --json -n example.com/log -o "$T/j"
expect_lines 1 "$T/out" "--json: one line"
expect_grep '"type":"ed25519"' "$T/out" "--json type"
expect_grep "\"keyid\":\"$(spki_id -pubin -in "$T/j.pub")\"" "$T/out" "--json keyid"
expect_grep '"note_verifier_key":"example.com/log+' "$T/out" "--json verifier"
expect_grep '"public_key":"' "$T/out" "--json public_key"
expect_grep '"private":true' "$T/out" "--json private"
expect_status 0 "$KG" --json --public "$T/j.pub"
expect_grep '"private":false' "$T/out" "--json public key"

# ---- witness cosigner vkeys (type 0x04) ----
expect_status 0 "$KG" --public "$T/j.pub" -n log.example/l -c witness.example/w --json
expect_grep '"cosigner_vkey":"witness.example/w+[0-9a-f]\{8\}+B' "$T/out" "--json cosigner vkey"
expect_status 0 "$KG" --public "$T/j.pub" -n log.example/l -c witness.example/w
expect_lines 3 "$T/out" "keyid, note vkey, cosigner vkey"
[ "$(sed -n 2p "$T/out" | cut -d+ -f3 | cut -c2-)" = "$(sed -n 3p "$T/out" | cut -d+ -f3 | cut -c2-)" ] &&
	fail "type byte not in the vkey" || ok
expect_status 2 "$KG" -t ecdsa-p256 -o "$T/m4" -c witness.example/w
expect_grep "needs an Ed25519 key" "$T/err" "cosigner with ECDSA"
expect_status 2 "$KG" --public "$T/j.pub" -c "bad name"

# ---- misuse ----
expect_status 2 "$KG"
expect_status 2 "$KG" -t rsa -o "$T/m1"
expect_status 2 "$KG" -o "$T/m2" --public "$T/j.pub"
expect_status 2 "$KG" -o "$T/m3" extra
expect_status 2 "$KG" -o -
expect_status 2 "$KG" --public "$T/no-such-key"
expect_grep "no-such-key" "$T/err" "missing key named"
printf 'junk\n' >"$T/junk.pem"
expect_status 2 "$KG" --public "$T/junk.pem"
expect_grep "junk.pem" "$T/err" "bad key named"
[ ! -e "$T/m1.key" ] && [ ! -e "$T/m2.key" ] && [ ! -e "$T/m3.key" ] && [ ! -e "$T/m4.key" ] && ok || fail "misuse wrote files"
finish
