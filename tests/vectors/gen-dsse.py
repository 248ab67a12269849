#!/usr/bin/env python3
"""gen-dsse.py - compute tests/vectors/dsse.json with python3-cryptography.

DSSE v1 pre-authentication encodings, and envelopes signed with Ed25519
(RFC 8032 test keys 1 and 2, so deterministic) and ECDSA P-256, for vouch's
tests to check against an implementation they share nothing with.

    tests/vectors/gen-dsse.py [--reuse-ecdsa COMMITTED.json] > dsse.json

ECDSA signatures use a random nonce and key E was generated at random, so
they cannot be recomputed bit for bit.  With --reuse-ecdsa the key E and
the two ECDSA signatures are taken from COMMITTED.json after this script
has verified each of them (it exits 1 if one does not verify); everything
else is computed afresh.  Without it, E and its signatures are new.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)

RFC8032_SEEDS = {
    "A": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "B": "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
}
INTOTO = "application/vnd.in-toto+json"
HELLO_TYPE = "http://example.com/HelloWorld"


def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def b64(data):
    return base64.b64encode(data).decode()


def statement(subject_sha256):
    st = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "hello", "digest": {"sha256": subject_sha256}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {"buildType": "https://example.com/rebuild/v1",
                                "externalParameters": {}},
            "runDetails": {"builder": {"id": "https://example.com/lab"}},
        },
    }
    return json.dumps(st, sort_keys=True, separators=(",", ":")).encode()


def key_entry(kind, priv):
    pub = priv.public_key()
    spki = pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "type": kind,
        "private_pem": priv.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode(),
        "public_pem": pub.public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
        "spki_sha256": hashlib.sha256(spki).hexdigest(),
    }


def envelope(payload, payload_type, sigs):
    return {"payload": b64(payload), "payloadType": payload_type,
            "signatures": sigs}


def ecdsa_reused(old, name, key, message):
    """The DER signature of case NAME in OLD, verified over MESSAGE."""
    case = next(c for c in old["cases"] if c["name"] == name)
    der = base64.b64decode(case.get("sig_der_b64") or
                           case["envelope"]["signatures"][0]["sig"])
    try:
        key.public_key().verify(der, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        sys.exit("gen-dsse: committed ECDSA signature of '%s' does not verify" % name)
    return der


def main(argv):
    old = None
    if len(argv) == 3 and argv[1] == "--reuse-ecdsa":
        with open(argv[2], encoding="utf-8") as f:
            old = json.load(f)
    elif len(argv) != 1:
        sys.exit("usage: gen-dsse.py [--reuse-ecdsa COMMITTED.json]")

    keys = {n: ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(s))
            for n, s in RFC8032_SEEDS.items()}
    if old:
        keys["E"] = serialization.load_pem_private_key(
            old["keys"]["E"]["private_pem"].encode(), password=None)
    else:
        keys["E"] = ec.generate_private_key(ec.SECP256R1())

    payload = statement(hashlib.sha256(b"hello world\n").hexdigest())
    tampered = statement("0" * 64)
    msg = pae(INTOTO, payload)
    sig_a = b64(keys["A"].sign(msg))
    sig_b = b64(keys["B"].sign(msg))
    hello_msg = pae(HELLO_TYPE, b"hello world")

    if old:
        der_st = ecdsa_reused(old, "ecdsa-p256-der", keys["E"], msg)
        der_hello = ecdsa_reused(old, "dsse-spec-ecdsa-raw-rs", keys["E"], hello_msg)
    else:
        der_st = keys["E"].sign(msg, ec.ECDSA(hashes.SHA256()))
        der_hello = keys["E"].sign(hello_msg, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der_hello)
    raw_rs = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert encode_dss_signature(r, s) == der_hello

    pae_cases = [
        ("pae-spec-example", HELLO_TYPE, b"hello world"),
        ("pae-non-ascii-type", "application/vnd.exämple+json", b"{}"),
        ("pae-empty-body", INTOTO, b""),
    ]
    cases = [{"name": n, "payloadType": t, "payload_b64": b64(p),
              "pae_hex": pae(t, p).hex()} for n, t, p in pae_cases]
    cases += [
        {"name": "ed25519-single",
         "envelope": envelope(payload, INTOTO, [{"keyid": "", "sig": sig_a}]),
         "expect": "valid with key A, threshold 1"},
        {"name": "ed25519-two-keys",
         "envelope": envelope(payload, INTOTO, [{"keyid": "a", "sig": sig_a},
                                                {"keyid": "b", "sig": sig_b}]),
         "expect": "valid with keys A and B, threshold 2"},
        {"name": "ed25519-one-key-twice",
         "envelope": envelope(payload, INTOTO, [{"keyid": "a", "sig": sig_a},
                                                {"keyid": "other", "sig": sig_a}]),
         "expect": "threshold 2 with keys A and B must FAIL: "
                   "one key signing twice counts once"},
        {"name": "ed25519-url-safe-base64",
         "envelope": envelope(payload, INTOTO, [
             {"sig": base64.urlsafe_b64encode(base64.b64decode(sig_a)).decode()}]),
         "expect": "valid with key A (verifiers accept URL-safe base64)"},
        {"name": "ed25519-tampered-payload",
         "envelope": envelope(tampered, INTOTO, [{"keyid": "", "sig": sig_a}]),
         "expect": "INVALID"},
        {"name": "ed25519-payload-type-swapped",
         "envelope": envelope(payload, "application/vnd.in-toto.other+json",
                              [{"keyid": "", "sig": sig_a}]),
         "expect": "INVALID (signature covers payloadType)"},
        {"name": "ecdsa-p256-der",
         "envelope": envelope(payload, INTOTO, [{"keyid": "", "sig": b64(der_st)}]),
         "expect": "valid with key E (ASN.1 DER ECDSA signature)"},
        {"name": "dsse-spec-ecdsa-raw-rs",
         "envelope": envelope(b"hello world", HELLO_TYPE,
                              [{"keyid": "", "sig": b64(raw_rs)}]),
         "expect": "signature is raw r||s (64 bytes) over the PAE; key E; "
                   "DER form of the same signature below",
         "sig_der_b64": b64(der_hello)},
    ]
    out = {
        "generator": "python3-cryptography 38 (independent of the project); "
                     "Ed25519 keys are RFC 8032 test keys 1 and 2",
        "keys": {"A": key_entry("ed25519", keys["A"]),
                 "B": key_entry("ed25519", keys["B"]),
                 "E": key_entry("ecdsa-p256", keys["E"])},
        "statement_payload": payload.decode(),
        "cases": cases,
    }
    sys.stdout.write(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv)
