#!/usr/bin/python3
"""Independent DSSE check for tests/cli/attest.sh: python3-cryptography and
a PAE written here, nothing from vouch.

usage: dsse_verify.py ENVELOPES PUBKEY_PEM...

ENVELOPES holds one envelope per line.  Exit 0 when, for every envelope,
every given key produced a valid signature; print one line per envelope
with the number of keys that verified.
"""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def pae(payload_type: bytes, body: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(body), body)


def key_verifies(key, sig: bytes, msg: bytes) -> bool:
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, msg)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, msg, ec.ECDSA(hashes.SHA256()))
        else:
            return False
        return True
    except InvalidSignature:
        return False


def main():
    path, keyfiles = sys.argv[1], sys.argv[2:]
    keys = []
    for kf in keyfiles:
        with open(kf, "rb") as f:
            keys.append(serialization.load_pem_public_key(f.read()))
    ok = True
    with open(path) as f:
        for n, line in enumerate(f, 1):
            env = json.loads(line)
            body = base64.b64decode(env["payload"], validate=True)
            msg = pae(env["payloadType"].encode("utf-8"), body)
            sigs = [base64.b64decode(s["sig"], validate=True) for s in env["signatures"]]
            good = sum(1 for k in keys if any(key_verifies(k, s, msg) for s in sigs))
            print("envelope %d: %d of %d keys verified" % (n, good, len(keys)))
            ok = ok and good == len(keys)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
