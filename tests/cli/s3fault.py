#!/usr/bin/env python3
"""s3fault.py - a fault-injecting HTTP proxy the storage tests put in front
of s3rver (issue 20).

    s3fault.py UPSTREAM_PORT PORT_FILE CONTROL LOG

Listens on a free port of 127.0.0.1 (written to PORT_FILE) and forwards
each request to 127.0.0.1:UPSTREAM_PORT.  Before each PUT it reads CONTROL
(if present): "STATUS N" answers the next N PUTs with STATUS (500, 503)
without forwarding them; "hang N" holds the next N PUTs for 30 s before
answering nothing (a timeout).  LOG gets one line per request: the method,
the path, "signed" if it carried an AWS SigV4 Authorization header, and
what the proxy did (fwd, 500, 503, hang)."""
import http.client
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UP = int(sys.argv[1])
CONTROL = sys.argv[3]
LOG = sys.argv[4]
lock = threading.Lock()


def take_fault():
    """The fault for this PUT, consuming one from CONTROL."""
    with lock:
        try:
            with open(CONTROL) as f:
                kind, n = f.read().split()
            n = int(n)
        except (OSError, ValueError):
            return None
        if n <= 0:
            return None
        with open(CONTROL + ".tmp", "w") as f:
            f.write("%s %d\n" % (kind, n - 1))
        os.replace(CONTROL + ".tmp", CONTROL)
        return kind


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def note(self, what):
        signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
        with lock, open(LOG, "a") as f:
            f.write("%s %s %s %s\n" % (self.command, self.path,
                                       "signed" if signed else "anonymous", what))

    def forward(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        if self.command == "PUT":
            fault = take_fault()
            if fault == "hang":
                self.note("hang")
                time.sleep(30)
                self.close_connection = True
                return
            if fault is not None:
                self.note(fault)
                msg = b"<Error><Code>InternalError</Code></Error>"
                self.send_response(int(fault))
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)
                return
        c = http.client.HTTPConnection("127.0.0.1", UP, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        self.note("fwd %d" % r.status)
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        c.close()

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = forward


srv = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
srv.daemon_threads = True
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
