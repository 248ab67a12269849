#!/usr/bin/env python3
"""make-hint-corpus.py DIR - near misses for vouch-compare's classification
hints (issue 14, item 9), as pairs DIR/A/<case> and DIR/B/<case>, and the
hint each must or must not get, one line per case in DIR/expect:
    <case> no|yes embedded-timestamp
Needs gcc and objcopy for the ELF cases."""
import os, subprocess, sys

d = sys.argv[1]
A, B = os.path.join(d, "A"), os.path.join(d, "B")
for x in (A, B):
    os.makedirs(x, exist_ok=True)
expect = []

def pair(name, a, b, want):
    open(os.path.join(A, name), "wb").write(a)
    open(os.path.join(B, name), "wb").write(b)
    expect.append("%s %s embedded-timestamp" % (name, want))

pad = bytes(range(256)) * 4      # binary, so the files are compared as bytes

# a string change next to an unchanged date (the demo's tampered binary)
s = b"\0built 2024-05-01 10:00:00\0hello, %s\0"
pair("string-near-date.bin", pad + s % b"world" + pad, pad + s % b"w0rld" + pad, "no")

# 180 new changelog entries, each with a date
old = "".join("pkg (1.%d) stable; urgency=low\n  * fix %d\n -- A <a@b> Mon, 0%d Jan 2024 10:00:00 +0000\n\n"
              % (i, i, i % 9 + 1) for i in range(20))
new = "".join("pkg (2.%d) stable; urgency=low\n  * feature %d\n -- B <b@c> Tue, 0%d Feb 2025 11:11:11 +0000\n\n"
              % (i, i, i % 9 + 1) for i in range(180)) + old
pair("changelog", old.encode(), new.encode(), "no")

# reordered domain names under an unchanged date
names = ["alpha.example.com", "beta.example.org", "gamma.example.net", "delta.example.io"]
head = "# generated 2024-05-01 10:00:00\n"
pair("domains.txt", (head + "\n".join(names) + "\n").encode(),
     (head + "\n".join(reversed(names)) + "\n").encode(), "no")
# the same list inside a binary (its window holds the date)
pair("domains.bin", pad + (head + "\0".join(names)).encode() + pad,
     pad + (head + "\0".join(reversed(names))).encode() + pad, "no")

# a 2,500-line source rewrite whose header date is unchanged
hdr = "/* Copyright 2024-01-01 12:00:00 */\n"
pair("rewrite.c", (hdr + "".join("int f%d(void) { return %d; }\n" % (i, i) for i in range(2500))).encode(),
     (hdr + "".join("long g%d(long x) { return x * %d; }\n" % (i, i) for i in range(2500))).encode(), "no")

# true positives: a build time in data, a date in text
t = b"\0compiled %s\0"
pair("build-time.bin", pad + t % b"2024-05-01 10:00:00" + pad, pad + t % b"2024-05-02 11:30:07" + pad, "yes")

# ELF cases
def cc(out, src, *flags):
    subprocess.run(["gcc", "-O1", "-g0", "-o", out, "-x", "c", "-", *flags], input=src.encode(),
                   check=True)

prog = 'int year(void) { return YEAR; }\nint main(void) { return year() == 0; }\n'
cc(os.path.join(A, "year.elf"), prog, "-DYEAR=2025")
cc(os.path.join(B, "year.elf"), prog, "-DYEAR=2026")
expect.append("year.elf yes embedded-timestamp")

dbg = 'int main(void) { return 0; }\n'
for side, content in ((A, b"debug info one\n"), (B, b"debug info two, other bytes\n")):
    elf = os.path.join(side, "debuglink.elf")
    cc(elf, dbg)
    with open(os.path.join(side, "prog.debug"), "wb") as f:
        f.write(content)
    subprocess.run(["objcopy", "--add-gnu-debuglink=prog.debug", "debuglink.elf"], cwd=side,
                   check=True)
    os.unlink(os.path.join(side, "prog.debug"))
expect.append("debuglink.elf no embedded-timestamp")

open(os.path.join(d, "expect"), "w").write("\n".join(expect) + "\n")
