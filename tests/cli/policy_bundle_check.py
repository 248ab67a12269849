#!/usr/bin/python3
"""Independent check of a vouch evidence bundle (schemas/bundle.md) for
tests/cli/policy.sh: python3 and python3-cryptography only, nothing from vouch.

usage: policy_bundle_check.py BUNDLE LOG_VERIFIER_KEY PUBKEY_PEM...

Every envelope line must carry a valid Ed25519 signature (DSSE PAE) by one of
the keys; every inclusion line must name an envelope line by its SHA-256, and
its c2sp.org/tlog-proof@v1 must verify: the checkpoint's signed-note
signature under the verifier key, and the RFC 9162 inclusion path of
SHA-256(0x00 || line) up to the checkpoint's root.  Prints a summary; exit 0
when everything verified and every envelope has a proof.
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

INCLUSION = "https://vouch.dev/attestation/bundle/inclusion/v1"


def pae(t: bytes, body: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def dsse_ok(env, keys) -> bool:
    body = base64.b64decode(env["payload"])
    msg = pae(env["payloadType"].encode(), body)
    for s in env["signatures"]:
        for k in keys:
            try:
                k.verify(base64.b64decode(s["sig"]), msg)
                return True
            except Exception:
                pass
    return False


def note_verify(note: str, vkey: str) -> str:
    name, hexid, b64 = vkey.split("+", 2)  # base64 may hold "+"
    raw = base64.b64decode(b64)
    assert raw[0] == 1
    pub = ed25519.Ed25519PublicKey.from_public_bytes(raw[1:])
    text, sigs = note.split("\n\n", 1)
    text += "\n"
    for line in sigs.splitlines():
        dash, sname, sb64 = line.split(" ")
        assert dash == "\u2014"
        sig = base64.b64decode(sb64)
        if sname == name and sig[:4].hex() == hexid:
            pub.verify(sig[4:], text.encode())
            return text
    raise ValueError("no signature by the log")


def node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def inclusion_ok(leaf: bytes, index: int, size: int, root: bytes, path) -> bool:
    # RFC 9162, 2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def main():
    bundle, vkey, pems = sys.argv[1], sys.argv[2], sys.argv[3:]
    keys = [serialization.load_pem_public_key(open(p, "rb").read()) for p in pems]
    envs, proofs = {}, []
    for line in open(bundle, "rb").read().split(b"\n"):
        if not line:
            continue
        d = json.loads(line)
        if d.get("_type") == INCLUSION:
            proofs.append(d)
        elif "payload" in d:
            if not dsse_ok(d, keys):
                sys.exit("envelope signature does not verify")
            envs[hashlib.sha256(line).hexdigest()] = line
    proved = set()
    for d in proofs:
        h = d["entry"]["sha256"]
        line = envs[h]
        head, note = d["tlogProof"].split("\n\n", 1)
        hl = head.split("\n")
        assert hl[0] == "c2sp.org/tlog-proof@v1"
        hl = hl[1:]
        if hl[0].startswith("extra "):
            hl = hl[1:]
        index = int(hl[0].split(" ")[1])
        path = [base64.b64decode(x) for x in hl[1:]]
        text = note_verify(note, vkey).split("\n")
        size, root = int(text[1]), base64.b64decode(text[2])
        leaf = hashlib.sha256(b"\x00" + line).digest()
        if not inclusion_ok(leaf, index, size, root, path):
            sys.exit("inclusion proof for index %d does not verify" % index)
        proved.add(h)
    if set(envs) != proved:
        sys.exit("%d envelopes without a proof" % (len(envs) - len(proved)))
    print("%d envelopes, %d inclusion proofs verified" % (len(envs), len(proofs)))


main()
