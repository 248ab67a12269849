#!/usr/bin/env python3
"""compare-members.py - the members whose content differs, as seen by
vouch-compare, by diffoscope and by a plain extraction, in one notation:
paths below the top artifact, one per line, sorted.

  compare-members.py vouch REPORT.json
      the paths of content differences (text, elf, content, type, added,
      removed) without the top artifact's name
  compare-members.py diffoscope DIFFOSCOPE.json
      the innermost members diffoscope shows a difference in ("file list"
      and other metadata nodes are not members; the decompressed-tar level
      under NAME.tar.xz is folded into it, as vouch-compare does)
  compare-members.py files REPORT.json PREFIX TREE_A TREE_B
      for a large package: the regular files of the two extracted trees
      whose bytes differ or that exist on one side only (the check), and
      after a line "--" the files vouch-compare reported a content
      difference in, or any difference inside (a zip whose members differ
      only in mtime has different bytes)
Used by tests/cli/compare-real.sh and tests/bench/compare-real.sh.
"""
import hashlib
import json
import os
import sys

CONTENT_KINDS = {"text", "elf", "content", "type", "added", "removed"}
COMPRESSED = (".xz", ".gz", ".zst", ".bz2")


def vouch_paths(report):
    r = json.load(open(report))
    out = set()
    for d in r["differences"]:
        if d["kind"] in CONTENT_KINDS:
            p = d["path"]
            out.add(p.split("/", 1)[1] if "/" in p else p)
    return out


def is_detail(label):
    return " " in label or "{}" in label or label in ("encoding", "metadata")


def diffoscope_paths(js):
    root = json.load(open(js))
    out = set()

    def name_of(node):
        return node["source1"][2:] if node["source1"].startswith("./") else node["source1"]

    def walk(node, path):
        kids = [k for k in node.get("details", []) if k["source1"] != "file list"]
        members = [k for k in kids if not is_detail(k["source1"])]
        details = [k for k in kids if is_detail(k["source1"])]
        if path and (details or not members or node.get("unified_diff")):
            out.add(path)
        for k in members:
            n = name_of(k)
            last = path.rsplit("/", 1)[-1]
            if last.endswith(COMPRESSED) and last.rsplit(".", 1)[0] == n and n.endswith(".tar"):
                walk(k, path)  # NAME.tar.xz/NAME.tar: one level for vouch-compare
            elif n == last:
                walk(k, path)  # diffoscope repeats a member's name for its content
            else:
                walk(k, path + "/" + n if path else n)

    walk(root, "")
    return out


def tree_files(top):
    out = {}
    for dirpath, dirs, files in os.walk(top):
        for f in files:
            p = os.path.join(dirpath, f)
            rel = os.path.relpath(p, top)
            if os.path.islink(p):
                out[rel] = "link:" + os.readlink(p)
            elif os.path.isfile(p):
                h = hashlib.sha256()
                with open(p, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                out[rel] = h.hexdigest()
    return out


def files(report, prefix, ta, tb):
    fa, fb = tree_files(ta), tree_files(tb)
    check = {p for p in set(fa) | set(fb) if fa.get(p) != fb.get(p)}
    allfiles = set(fa) | set(fb)
    seen = set()
    for d in json.load(open(report))["differences"]:
        p = d["path"].split("/", 1)[1] if "/" in d["path"] else ""
        if not p.startswith(prefix + "/"):
            continue
        p = orig = p[len(prefix) + 1:]
        while p and p not in allfiles:
            p = p.rsplit("/", 1)[0] if "/" in p else ""
        # a content difference of the file, or any difference inside it
        if p and (d["kind"] in CONTENT_KINDS or p != orig):
            seen.add(p)
    return check, seen


def main():
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "vouch":
        res = vouch_paths(a[1])
    elif len(a) == 2 and a[0] == "diffoscope":
        res = diffoscope_paths(a[1])
    elif len(a) == 5 and a[0] == "files":
        check, seen = files(*a[1:])
        print("\n".join(sorted(check)))
        print("--")
        print("\n".join(sorted(seen)))
        return
    else:
        sys.exit(__doc__)
    print("\n".join(sorted(res)))


if __name__ == "__main__":
    main()
