#!/usr/bin/python3
"""Check a vouch-publish status site in headless Chromium (tests/cli/publish-html.sh).

usage: statuspage_check.py CHROMIUM SITE OUTDIR

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe:
JSON messages ending in NUL, the browser reads fd 3 and writes fd 4), loads
the site's pages from disk, asserts what their DOM shows after the script
ran (counts, verdicts, filtering and sorting from the query string and by
clicks / typing), that no page logs a console error or throws, and takes
screenshots (OUTDIR/index.png, OUTDIR/item.png) that must be PNGs of the
viewport's size with more than one colour.  Expects the fixture
tests/cli/publish/summary.json.  Prints one line per failed check and
exits 1 if there is one.
"""
import base64
import json
import os
import select
import struct
import subprocess
import sys
import tempfile
import time
import zlib

W, H = 1200, 900
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


class Browser:
    def __init__(self, chromium, profile):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def child_fds():
            # the pipes may themselves be fds 3..6: move them out of the way first
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--mute-audio",
             "--disable-background-networking", "--disable-component-update",
             "--remote-debugging-pipe", "--user-data-dir=" + profile, "about:blank"],
            preexec_fn=child_fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(profile, "stderr"), "w"))
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        want = self.next_id
        deadline = time.time() + 30
        while True:
            m = self.read(deadline)
            if m.get("id") == want:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    def read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.from_r], [], [], left)[0]:
                raise RuntimeError("no answer from chromium")
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        m = json.loads(raw)
        if "method" in m:
            self.events.append(m)
        return m

    def wait_event(self, name, timeout=30):
        deadline = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == name and e.get("sessionId") == self.session:
                    del self.events[i]
                    return e
            self.read(deadline)

    def attach(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        r = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                      session=False)
        self.session = r["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(domain + ".enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": W, "height": H, "deviceScaleFactor": 1, "mobile": False})

    def load(self, url):
        """Navigate, wait for the load event; return the errors the page logged."""
        self.events = [e for e in self.events if e.get("sessionId") != self.session]
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")
        self.eval("1")  # let pending console events arrive
        errors = []
        for e in self.events:
            if e.get("sessionId") != self.session:
                continue
            p = e["params"]
            if e["method"] == "Runtime.exceptionThrown":
                errors.append("exception: " + json.dumps(p["exceptionDetails"])[:300])
            elif e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                errors.append("console.%s: %s" % (p["type"], json.dumps(p["args"])[:300]))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                errors.append("log: " + p["entry"]["text"][:300])
        return errors

    def eval(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate %r: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def screenshot(self, path):
        data = base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except RuntimeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def png_facts(data):
    """(width, height, number of distinct pixel rows seen): decodes 8-bit RGB(A) PNGs."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat = 8, b""
    w = h = ctype = None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                return (w, h, None)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = 3 if ctype == 2 else 4
    stride = w * bpp
    colours, prev = set(), bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        if y % 8 == 0:
            for x in range(0, stride, bpp * 8):
                colours.add(bytes(line[x:x + 3]))
        prev = line
    return (w, h, len(colours))


def check_png(data, what):
    facts = png_facts(data)
    check(facts is not None, what + ": not a PNG")
    if facts:
        check(facts[:2] == (W, H), "%s: %dx%d, expected %dx%d" % (what, facts[0], facts[1], W, H))
        check(facts[2] is not None and facts[2] > 3, "%s: blank (%s colours)" % (what, facts[2]))


def rows_shown(b):
    return b.eval("Array.prototype.filter.call(document.querySelectorAll('#items tbody tr'),"
                  "function(r){return !r.hidden && r.offsetParent!==null;}).length")


def first_name(b):
    return b.eval("(function(){var r=Array.prototype.filter.call("
                  "document.querySelectorAll('#items tbody tr'),function(r){return !r.hidden;});"
                  "return r.length?r[0].cells[0].textContent:null;})()")


def index_checks(b, base):
    url = base + "/index.html"
    errs = b.load(url)
    check(errs == [], "index: console errors: %s" % errs)
    check(b.eval("document.body.getAttribute('data-ready')") == "1",
          "index: the inline script did not run (CSP hash?)")
    counts = b.eval("['reproduced','equivalent','failed','could-not-build'].map(function(g){"
                    "return document.querySelector('#count-'+g+' b').textContent;})")
    check(counts == ["2", "1", "2", "3"], "index: group counts %s, expected 2 1 2 3" % counts)
    check(b.eval("document.getElementById('n-bad-signature').textContent") == "1",
          "index: bad-signature count")
    check(b.eval("document.getElementById('shown').textContent") == "8 of 8 items shown",
          "index: 'shown' before filtering")
    check(rows_shown(b) == 8, "index: 8 rows visible")
    check(first_name(b) == "hello", "index: summary order first (hello), got %r" % first_name(b))
    verdict = b.eval("document.querySelector('#items tbody tr[data-verdict=failed] td:nth-child(3)')"
                     ".textContent")
    check(verdict == "failed", "index: the failed row's verdict cell says %r" % verdict)
    check(b.eval("document.querySelectorAll('script').length") == 1,
          "index: a script element came from the summary")
    check(b.eval("document.querySelectorAll('img').length") == 0,
          "index: an img element came from the summary")
    check(b.eval("document.getElementById('items').textContent.indexOf('<script>alert(1)</script>')>=0"),
          "index: the hostile name is not shown as text")
    check(b.eval("document.querySelector('a[href=\"items/hello_2.10-3.proof.txt\"]').textContent") == "3",
          "index: hello's log index link")
    png = b.screenshot(os.path.join(OUT, "index.png"))
    check_png(png, "index screenshot")

    # filtering and sorting from the query string
    b.load(url + "?filter=sed")
    check(rows_shown(b) == 1 and first_name(b) == "sed", "index?filter=sed: %s rows, first %r"
          % (rows_shown(b), first_name(b)))
    check(b.eval("document.getElementById('shown').textContent") == "1 of 8 items shown",
          "index?filter=sed: 'shown'")
    b.load(url + "?verdict=could-not-build")
    check(rows_shown(b) == 3, "index?verdict=could-not-build: %s rows" % rows_shown(b))
    b.load(url + "?verdict=reproduced&filter=hello")
    check(rows_shown(b) == 1, "index?verdict=reproduced&filter=hello: %s rows" % rows_shown(b))
    b.load(url + "?sort=name&order=desc")
    check(first_name(b) == "zlib1g", "index?sort=name&order=desc: first %r" % first_name(b))
    check(b.eval("document.querySelector('th[data-col=name]').getAttribute('aria-sort')")
          == "descending", "index?sort=name&order=desc: aria-sort")

    # the same by hand: typing into the filter, clicking a heading
    errs = b.load(url)
    b.eval("(function(){var f=document.getElementById('filter');f.value='could';"
           "f.dispatchEvent(new Event('input'));})()")
    # "could" matches no name or reason; the group is not text
    check(rows_shown(b) == 0, "index: typing 'could' shows %s rows" % rows_shown(b))
    b.eval("(function(){var f=document.getElementById('filter');f.value='';"
           "f.dispatchEvent(new Event('input'));})()")
    check(rows_shown(b) == 8, "index: clearing the filter shows %s rows" % rows_shown(b))
    b.eval("document.querySelector('th[data-col=version] button').click()")
    check(first_name(b) == "<script>alert(1)</script>",
          "index: sorted by version (1.0&<b> first), got %r" % first_name(b))
    b.eval("document.querySelector('th[data-col=version] button').click()")
    check(first_name(b) == "coreutils", "index: version descending (9.1-1 first), got %r"
          % first_name(b))
    b.eval("(function(){var v=document.getElementById('verdict');v.value='failed';"
           "v.dispatchEvent(new Event('change'));})()")
    check(rows_shown(b) == 2, "index: verdict group 'failed' shows %s rows" % rows_shown(b))
    later = [e for e in b.events if e["method"] in ("Runtime.exceptionThrown",)]
    check(later == [], "index: exceptions while filtering/sorting: %s" % later)


def item_checks(b, base):
    errs = b.load(base + "/items/hello_2.10-3.html")
    check(errs == [], "item: console errors: %s" % errs)
    check(b.eval("document.getElementById('verdict').textContent") == "reproduced", "item: verdict")
    check(b.eval("document.querySelector('#log a').textContent") == "3", "item: log index")
    check(b.eval("document.querySelector('#log a').getAttribute('href')") == "hello_2.10-3.proof.txt",
          "item: proof link")
    check(b.eval("document.body.textContent.indexOf('Lab A')>=0"), "item: lab name")
    check(b.eval("document.querySelectorAll('#history tr').length") == 3, "item: history rows")
    check(b.eval("document.querySelectorAll('#history td span')[0].textContent") == "failed",
          "item: first history verdict")
    check(b.eval("document.querySelectorAll('#artifacts tr').length") == 2, "item: artifacts")
    png = b.screenshot(os.path.join(OUT, "item.png"))
    check_png(png, "item screenshot")
    report = b.eval("document.getElementById('report').href")
    errs = b.load(report)
    check(errs == [], "report: console errors: %s" % errs)
    check(b.eval("document.getElementById('diff').textContent") == "hello_2.10-3", "report content")
    proof = b.eval("1") and base + "/items/hello_2.10-3.proof.txt"
    b.load(proof)
    check(b.eval("document.body.textContent.indexOf('c2sp.org/tlog-proof@v1')>=0"), "proof copied")

    # a hostile report: its script must not run (the injected policy)
    errs = b.load(base + "/items/xss_1.0-1.report.html")
    check(b.eval("document.title") != "pwned", "hostile report: its script ran")
    check(any("Content Security Policy" in e for e in errs),
          "hostile report: no CSP refusal logged: %s" % errs)
    errs = b.load(base + "/items/xss_1.0-1.html")
    check(errs == [], "hostile item page: console errors: %s" % errs)
    check(b.eval("document.querySelector('h1').textContent") == "<script>alert(1)</script> 1.0&<b>",
          "hostile item page: heading %r" % b.eval("document.querySelector('h1').textContent"))


def main():
    global OUT
    chromium, site, OUT = sys.argv[1:4]
    base = "file://" + os.path.abspath(site)
    with tempfile.TemporaryDirectory(prefix="vouch-chromium.") as profile:
        b = Browser(chromium, profile)
        try:
            b.attach()
            index_checks(b, base)
            item_checks(b, base)
        except RuntimeError as e:
            check(False, "devtools: %s" % e)
            with open(os.path.join(profile, "stderr")) as f:
                sys.stdout.write(f.read()[-2000:])
        finally:
            b.close()
    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
