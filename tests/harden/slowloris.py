#!/usr/bin/env python3
"""slowloris.py [--read PATH] [--write PATH] [--read-ok CODES] [--write-ok CODES]
       PORT SECONDS PER_ADDR BODY... - a bounded slow-client attack on a
libvouch HTTP server: vouch-logd for tests/cli/harden-slowloris.sh (issue
14, item 3), vouch-witness for tests/cli/harden-slowloris-witness.sh.

From each of 16 loopback addresses 127.0.0.2-127.0.0.17, PER_ADDR
connections each send one byte of an endless request header every 0.5 s
and reconnect when cut.  Meanwhile 127.0.0.1 makes legitimate requests in
turn: GET the read PATH (default /checkpoint), then POST the next BODY to
the write PATH (default /add).  A request is answered ("ok") when its
status is one of the comma-separated CODES (default 200).  After SECONDS it
stops and prints one JSON object: the legitimate requests' outcomes and
latencies, and how often the attackers were cut."""
import json, selectors, socket, sys, threading, time, urllib.error, urllib.request

opts = {"--read": "/checkpoint", "--write": "/add", "--read-ok": "200", "--write-ok": "200"}
args = sys.argv[1:]
while args and args[0] in opts:
    opts[args[0]] = args[1]
    args = args[2:]
port, seconds, per_addr = int(args[0]), float(args[1]), int(args[2])
envelopes = args[3:]
OK = {"read": {int(c) for c in opts["--read-ok"].split(",")},
      "write": {int(c) for c in opts["--write-ok"].split(",")}}
ADDRS = ["127.0.0.%d" % i for i in range(2, 18)]
HEADER = b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
stop = time.monotonic() + seconds
stats = {"attack_connections": 0, "attack_cut": 0, "attack_refused": 0}

def attacker():
    sel = selectors.DefaultSelector()
    conns = {}
    def connect(addr):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((addr, 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            stats["attack_refused"] += 1
            return
        conns[s] = [addr, 0]
        sel.register(s, selectors.EVENT_READ)
        stats["attack_connections"] += 1
    for a in ADDRS:
        for _ in range(per_addr):
            connect(a)
    next_tick = time.monotonic()
    while time.monotonic() < stop:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:        # cut by the server: come back
                addr = conns.pop(s)[0]
                sel.unregister(s)
                s.close()
                stats["attack_cut"] += 1
                connect(addr)
        if time.monotonic() >= next_tick:
            next_tick += 0.5
            for s, st in list(conns.items()):
                try:
                    s.send(HEADER[st[1]:st[1] + 1])
                    st[1] += 1
                except OSError:
                    pass
    for s in conns:
        s.close()

results = []
errors = []
def legit():
    time.sleep(1.5)             # let the attack fill the server first
    i = 0
    while time.monotonic() < stop - 1:
        if i % 2 == 0:
            req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, opts["--read"]))
            kind = "read"
        else:
            body = open(envelopes[(i // 2) % len(envelopes)], "rb").read()
            req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, opts["--write"]),
                                         data=body, method="POST")
            kind = "write"
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=8) as r:
                ok = r.status in OK[kind]
                r.read()
        except urllib.error.HTTPError as e:    # an answer all the same
            ok = e.code in OK[kind]
            if not ok:
                errors.append("%s: %s" % (kind, e))
        except Exception as e:
            ok = False
            errors.append("%s: %s" % (kind, e))
        results.append({"kind": kind, "ok": ok, "ms": round((time.monotonic() - t0) * 1000, 1)})
        i += 1
        time.sleep(0.3)

t = threading.Thread(target=attacker)
t.start()
legit()
t.join()
lat = sorted(r["ms"] for r in results if r["ok"])
print(json.dumps({
    "requests": len(results),
    "ok": sum(r["ok"] for r in results),
    "reads_ok": sum(r["ok"] for r in results if r["kind"] == "read"),
    "writes_ok": sum(r["ok"] for r in results if r["kind"] == "write"),
    "median_ms": lat[len(lat) // 2] if lat else None,
    "max_ms": lat[-1] if lat else None,
    "errors": errors[:5],
    **stats}))
