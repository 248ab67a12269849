#!/usr/bin/env python3
"""An independent implementation of C2SP signed-note, tlog-checkpoint,
tlog-cosignature (Ed25519 cosignature/v1) and tlog-witness add-checkpoint,
written from the spec texts with python3-cryptography, to test vouch against.
It shares no code with vouch.

  vkey PEM NAME TYPE                  print the vkey (TYPE 1: note, 4: cosigner)
  log PEM ORIGIN N [--fork I] [--old M]
                                      print an add-checkpoint body: the proof
                                      from M (default 0) to N and the log's
                                      signed checkpoint of N entries "entry-<i>\\n"
                                      (--fork I: entry I differs: a forked tree)
  cosign PEM NAME TIME < NOTE         print NOTE with one more cosignature
  verify LOGVKEY K WVKEY... < NOTE    exit 0 when the log signed NOTE and K of
                                      the witnesses cosigned it, else 1
  serve PEM NAME LOGVKEY STATE PORTFILE
                                      a witness on 127.0.0.1 (add-checkpoint)
"""
import base64
import hashlib
import http.server
import os
import struct
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DASH = "\u2014 "


def load_priv(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def raw_pub(priv):
    return priv.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw)


def key_id(name, typ, pub):
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pub).digest()[:4]


def vkey(name, typ, pub):
    return "%s+%s+%s" % (name, key_id(name, typ, pub).hex(),
                         base64.b64encode(bytes([typ]) + pub).decode())


def parse_vkey(s):
    name, hid, b64 = s.split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    typ, pub = raw[0], raw[1:]
    assert len(pub) == 32 and key_id(name, typ, pub).hex() == hid
    return name, typ, bytes.fromhex(hid), Ed25519PublicKey.from_public_bytes(pub)


# ---- RFC 6962 Merkle tree ----

def leaf(e):
    return hashlib.sha256(b"\x00" + e).digest()


def node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def mth(leaves):
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))


def subproof(m, leaves, b):
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def consistency_ok(m, n, old_root, new_root, proof):
    """RFC 9162 2.1.4.2."""
    if m == n:
        return not proof and old_root == new_root
    if m == 0 or m > n:
        return False
    if m & (m - 1) == 0:
        proof = [old_root] + proof
    if not proof:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# ---- notes ----

def sign_note(text, name, priv):
    sig = priv.sign(text.encode())
    kid = key_id(name, 1, raw_pub(priv))
    return text + "\n" + DASH + name + " " + base64.b64encode(kid + sig).decode() + "\n"


def split_note(note):
    i = note.rindex("\n\n")
    text, sigs = note[:i + 1], note[i + 2:]
    out = []
    for line in sigs.split("\n")[:-1]:
        assert line.startswith(DASH)
        name, b64 = line[len(DASH):].split(" ")
        raw = base64.b64decode(b64, validate=True)
        out.append((name, raw[:4], raw[4:]))
    return text, out


def cosig_message(text, t):
    return ("cosignature/v1\ntime %d\n" % t).encode() + text.encode()


def cosign_line(text, name, priv, t):
    sig = priv.sign(cosig_message(text, t))
    kid = key_id(name, 4, raw_pub(priv))
    return DASH + name + " " + base64.b64encode(kid + struct.pack(">Q", t) + sig).decode() + "\n"


def log_signed(note, logvk):
    name, typ, kid, pub = logvk
    text, sigs = split_note(note)
    ok = False
    for n, k, s in sigs:
        if n == name and k == kid:
            pub.verify(s, text.encode())  # raises when bad
            ok = True
    return text, ok


def cosigners(note, wvks):
    text, sigs = split_note(note)
    good = set()
    for n, k, s in sigs:
        for name, typ, kid, pub in wvks:
            if typ == 4 and n == name and k == kid:
                t = struct.unpack(">Q", s[:8])[0]
                pub.verify(s[8:], cosig_message(text, t))
                good.add(pub.public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw))
    return len(good)


# ---- commands ----

def cmd_log(pem, origin, n, fork, old):
    entries = [b"entry-%d\n" % i for i in range(n)]
    if fork is not None:
        entries[fork] = b"forked-%d\n" % fork
    leaves = [leaf(e) for e in entries]
    root = mth(leaves)
    text = "%s\n%d\n%s\n" % (origin, n, base64.b64encode(root).decode())
    proof = subproof(old, leaves, True) if 0 < old < n else []
    body = "old %d\n" % old + "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    sys.stdout.write(body + "\n" + sign_note(text, origin, load_priv(pem)))


def cmd_verify(logvk, k, wvks):
    note = sys.stdin.read()
    try:
        _, ok = log_signed(note, parse_vkey(logvk))
        n = cosigners(note, [parse_vkey(w) for w in wvks])
    except (InvalidSignature, ValueError, AssertionError) as e:
        print("refused: %r" % e)
        return 1
    print("log signature %s, %d cosigners" % ("ok" if ok else "missing", n))
    return 0 if ok and n >= k else 1


class Witness(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

    def do_POST(self):
        srv = self.server
        n = int(self.headers.get("Content-Length", "0"))
        if self.path != "/add-checkpoint" or n > 100000:
            return self.reply(404, b"not found\n")
        body = self.rfile.read(n).decode()
        try:
            head, note = body.split("\n\n", 1)
            lines = head.split("\n")
            assert lines[0].startswith("old ")
            old = int(lines[0][4:])
            proof = [base64.b64decode(x, validate=True) for x in lines[1:]]
            text, ok = log_signed(note, srv.logvk)
            origin, size, root = text.split("\n")[:3]
            size, root = int(size), base64.b64decode(root)
        except InvalidSignature:
            return self.reply(403, b"bad signature\n")
        except (ValueError, AssertionError):
            return self.reply(400, b"bad request\n")
        if origin != srv.logvk[0]:
            return self.reply(404, b"unknown log\n")
        if not ok:
            return self.reply(403, b"not signed\n")
        if old > size:
            return self.reply(400, b"old > size\n")
        have_size, have_root = srv.state
        if old != have_size:
            return self.reply(409, b"%d\n" % have_size, "text/x.tlog.size")
        if old == size and old and root != have_root:
            return self.reply(409, b"fork\n")
        if old and old != size and not consistency_ok(old, size, have_root, root, proof):
            return self.reply(422, b"bad proof\n")
        with open(srv.statefile + ".tmp", "w") as f:
            f.write("%d %s\n" % (size, root.hex()))
            f.flush()
            os.fsync(f.fileno())
        os.rename(srv.statefile + ".tmp", srv.statefile)
        srv.state = (size, root)
        self.reply(200, cosign_line(text, srv.name, srv.priv, int(time.time())).encode())


def cmd_serve(pem, name, logvk, statefile, portfile):
    srv = http.server.HTTPServer(("127.0.0.1", 0), Witness)
    srv.priv, srv.name, srv.logvk, srv.statefile = load_priv(pem), name, parse_vkey(logvk), statefile
    srv.state = (0, b"")
    if os.path.exists(statefile):
        s, r = open(statefile).read().split()
        srv.state = (int(s), bytes.fromhex(r))
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


def main(a):
    if a[0] == "vkey":
        print(vkey(a[2], int(a[3]), raw_pub(load_priv(a[1]))))
    elif a[0] == "log":
        fork = int(a[a.index("--fork") + 1]) if "--fork" in a else None
        old = int(a[a.index("--old") + 1]) if "--old" in a else 0
        cmd_log(a[1], a[2], int(a[3]), fork, old)
    elif a[0] == "cosign":
        note = sys.stdin.read()
        text, _ = split_note(note)
        sys.stdout.write(note + cosign_line(text, a[2], load_priv(a[1]), int(a[3])))
    elif a[0] == "verify":
        return cmd_verify(a[1], int(a[2]), a[3:])
    elif a[0] == "serve":
        cmd_serve(*a[1:6])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
