#!/usr/bin/python3
"""Write an in-toto v0.9 root layout for tests/cli/attest.sh.

usage: intoto_layout.py OUTDIR FUNCTIONARY_PEM...

Creates a fresh Ed25519 layout key (OUTDIR/owner.pub in securesystemslib
JSON), and OUTDIR/root.layout signed by it: one step "rebuild" whose
functionaries are the given Ed25519 PEM keys (public or private), threshold
= number of functionaries, expected product "hello".  Keys are described
in the securesystemslib legacy format, with keyids computed by
securesystemslib itself (not by vouch).
"""
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from in_toto.models.layout import Layout, Step
from in_toto.models.metadata import Metablock
from securesystemslib.keys import format_keyval_to_metadata, _get_keyid


def raw_public(pem):
    data = pem.encode()
    try:
        key = serialization.load_pem_private_key(data, None).public_key()
    except ValueError:
        key = serialization.load_pem_public_key(data)
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def key_dict(pub_hex, priv_hex=None):
    keyval = {"public": pub_hex}
    d = {
        "keytype": "ed25519",
        "scheme": "ed25519",
        "keyid_hash_algorithms": ["sha256", "sha512"],
        "keyval": keyval,
    }
    d["keyid"] = _get_keyid("ed25519", "ed25519", {"public": pub_hex})
    if priv_hex is not None:
        d = dict(d, keyval={"public": pub_hex, "private": priv_hex})
    return d


def main():
    outdir, pems = sys.argv[1], sys.argv[2:]
    owner = ed25519.Ed25519PrivateKey.generate()
    priv = owner.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                               serialization.NoEncryption()).hex()
    pub = owner.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw).hex()
    owner_key = key_dict(pub, priv)
    with open(outdir + "/owner.pub", "w") as f:
        json.dump(key_dict(pub), f)

    layout = Layout()
    layout.set_relative_expiration(days=1)
    step = Step(name="rebuild")
    for path in pems:
        with open(path) as f:
            fkey = key_dict(raw_public(f.read()))
        layout.add_functionary_key(fkey)
        step.pubkeys.append(fkey["keyid"])
    step.threshold = len(pems)
    step.expected_materials = [["ALLOW", "src.tar"], ["DISALLOW", "*"]]
    step.expected_products = [["CREATE", "hello"], ["DISALLOW", "*"]]
    layout.steps = [step]
    mb = Metablock(signed=layout)
    mb.sign(owner_key)
    mb.dump(outdir + "/root.layout")
    for kid in step.pubkeys:
        print(kid)


if __name__ == "__main__":
    main()
