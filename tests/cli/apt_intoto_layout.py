#!/usr/bin/python3
"""Write the in-toto root layout apt-transport-in-toto checks (tests/cli/publish-apt.sh).

usage: apt_intoto_layout.py OUT GPG_HOME GPG_KEYID K FUNCTIONARY_PEM...

The layout is Debian's (the one apt-transport-in-toto ships in
/etc/intoto/root.layout) with other functionaries: a step "rebuild" whose
links the given Ed25519 keys (vouch PEM, public or private) sign, at least
K of them, each listing the .debs as products; an inspection that matches
the downloaded .deb against those products.  It is signed with the GPG key
GPG_KEYID of GPG_HOME, as the transport wants (it reads the layout keys
from a GPG keyring).  Keys are described, and their keyids computed, by
securesystemslib itself, not by vouch.
"""
import sys

from cryptography.hazmat.primitives import serialization
from in_toto.models.layout import Inspection, Layout, Step
from in_toto.models.metadata import Metablock
from securesystemslib.keys import _get_keyid


def functionary(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        key = serialization.load_pem_private_key(data, None).public_key()
    except ValueError:
        key = serialization.load_pem_public_key(data)
    pub = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    return {
        "keytype": "ed25519",
        "scheme": "ed25519",
        "keyid_hash_algorithms": ["sha256", "sha512"],
        "keyval": {"public": pub},
        "keyid": _get_keyid("ed25519", "ed25519", {"public": pub}),
    }


def main():
    out, gpg_home, gpg_keyid, k, pems = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), \
        sys.argv[5:]
    layout = Layout()
    layout.set_relative_expiration(days=1)
    step = Step(name="rebuild")
    for path in pems:
        key = functionary(path)
        layout.add_functionary_key(key)
        step.pubkeys.append(key["keyid"])
    step.threshold = k
    step.expected_materials = []
    step.expected_products = [["CREATE", "*.deb"], ["DISALLOW", "*.deb"]]
    inspection = Inspection(name="verify-reprobuilds")
    inspection.set_run_from_string("/usr/bin/true")
    inspection.expected_materials = [["MATCH", "*.deb", "WITH", "PRODUCTS", "FROM", "rebuild"],
                                     ["DISALLOW", "*.deb"]]
    inspection.expected_products = []
    layout.steps = [step]
    layout.inspect = [inspection]
    mb = Metablock(signed=layout)
    mb.sign_gpg(gpg_keyid=gpg_keyid, gpg_home=gpg_home)
    mb.dump(out)
    for kid in step.pubkeys:
        print(kid)


if __name__ == "__main__":
    main()
