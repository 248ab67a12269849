#!/usr/bin/env python3
"""Generate hostile archives for vouch-unpack's tests.

    tests/make-hostile-corpus.py OUTDIR

Writes one archive per case into OUTDIR and OUTDIR/MANIFEST, one line per
case: file name, extra vouch-unpack options (or "-"), and a fixed string the
one-line error must contain, separated by tabs.  Every case must make
vouch-unpack exit 2, leave the target absent and create nothing outside it.

Nothing binary is committed: the archives are crafted here with the standard
library (tarfile, zipfile, bz2) and a hand-written cpio writer.
"""
import bz2
import warnings
import io
import os
import stat
import sys
import tarfile
import zipfile

# An absolute path that the tests check is never created.
ABS_VICTIM = "/tmp/vouch-hostile-victim"


def tinfo(name, typ=tarfile.REGTYPE, data=b"", mode=0o644, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type = typ
    ti.mode = mode
    ti.mtime = 1700000000
    ti.linkname = linkname
    ti.size = len(data) if typ in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0
    return ti, data


def write_tar(path, members, fmt=tarfile.GNU_FORMAT, mode="w"):
    with tarfile.open(path, mode, format=fmt, encoding="utf-8",
                      errors="surrogateescape") as tf:
        for ti, data in members:
            tf.addfile(ti, io.BytesIO(data) if ti.size else None)


def write_zip(path, members):
    """members: (name, data, unix_mode)"""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in members:
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            zi.external_attr = (mode & 0xFFFF) << 16
            zi.create_system = 3
            zf.writestr(zi, data)


def cpio_newc(path, members):
    """members: (name, mode, data); a minimal SVR4 newc writer."""
    out = bytearray()
    ino = 1
    for name, mode, data in members + [("TRAILER!!!", 0, b"")]:
        nb = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 1700000000, len(data), 0, 0, 0, 0,
                  len(nb), 0]
        ino += 1
        out += b"070701" + b"".join(b"%08X" % f for f in fields) + nb
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    out += b"\0" * (-len(out) % 512)
    with open(path, "wb") as f:
        f.write(out)


def bomb_tar_bz2(path, size):
    """A tar of one file of `size` zero bytes, bzip2'd: ~1 KiB on disk."""
    c = bz2.BZ2Compressor(9)
    ti = tarfile.TarInfo("zeros.bin")
    ti.size = size
    ti.mtime = 1700000000
    parts = [c.compress(ti.tobuf(format=tarfile.USTAR_FORMAT))]
    chunk = bytes(1 << 22)
    for _ in range(size // len(chunk)):
        parts.append(c.compress(chunk))
    parts.append(c.compress(bytes(1024)))
    parts.append(c.flush())
    with open(path, "wb") as f:
        f.write(b"".join(parts))


def main():
    warnings.simplefilter("ignore")   # zipfile warns about the duplicate on purpose
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = []

    def case(name, opts, expect):
        manifest.append("%s\t%s\t%s" % (name, opts or "-", expect))

    def tar_case(name, members, expect, opts="", **kw):
        write_tar(os.path.join(out, name), members, **kw)
        case(name, opts, expect)

    # -- paths
    tar_case("abs.tar", [tinfo(ABS_VICTIM, data=b"x\n")],
             "absolute path escapes the target")
    tar_case("dotdot.tar", [tinfo("ok.txt", data=b"ok\n"),
                            tinfo("../../victim", data=b"x\n")],
             "'..' component escapes the target")
    tar_case("dotdot-inner.tar", [tinfo("a/b/../../../victim", data=b"x\n")],
             "'..' component escapes the target")
    # -- symlinks
    tar_case("symlink-through.tar", [
        tinfo("up", tarfile.SYMTYPE, linkname=".."),
        tinfo("up/victim", data=b"x\n")], "writes through symlink 'up'")
    tar_case("symlink-through-inside.tar", [
        tinfo("d/", tarfile.DIRTYPE, mode=0o755),
        tinfo("l", tarfile.SYMTYPE, linkname="d"),
        tinfo("l/x", data=b"x\n")], "writes through symlink 'l'")
    tar_case("symlink-abs.tar", [tinfo("etc", tarfile.SYMTYPE, linkname="/etc")],
             "points outside the target")
    tar_case("symlink-escape.tar", [
        tinfo("a/", tarfile.DIRTYPE, mode=0o755),
        tinfo("a/up", tarfile.SYMTYPE, linkname="../../..")],
        "points outside the target")
    # each link stays inside on its own; b goes through a/up and then up
    tar_case("symlink-chain.tar", [
        tinfo("a/", tarfile.DIRTYPE, mode=0o755),
        tinfo("a/up", tarfile.SYMTYPE, linkname=".."),
        tinfo("b", tarfile.SYMTYPE, linkname="a/up/..")],
        "entry 'b': symlink to 'a/up/..' points outside the target")
    tar_case("symlink-then-file.tar", [
        tinfo("passwd", tarfile.SYMTYPE, linkname=ABS_VICTIM),
        tinfo("passwd", data=b"x\n")], "duplicate entry",
        opts="--allow-external-links")
    # -- hard links
    tar_case("hardlink-passwd.tar", [
        tinfo("pw", tarfile.LNKTYPE, linkname="/etc/passwd")],
        "hard link to '/etc/passwd' points outside the target")
    tar_case("hardlink-dotdot.tar", [
        tinfo("pw", tarfile.LNKTYPE, linkname="../../etc/passwd")],
        "points outside the target")
    tar_case("hardlink-forward.tar", [
        tinfo("h", tarfile.LNKTYPE, linkname="later"),
        tinfo("later", data=b"x\n")], "not a regular file extracted earlier")
    tar_case("hardlink-to-symlink.tar", [
        tinfo("s", tarfile.SYMTYPE, linkname="x"),
        tinfo("h", tarfile.LNKTYPE, linkname="s")],
        "not a regular file extracted earlier")
    # -- special files
    tar_case("chardev.tar", [tinfo("null", tarfile.CHRTYPE, mode=0o666)],
             "is a character device, refused")
    tar_case("blockdev.tar", [tinfo("sda", tarfile.BLKTYPE, mode=0o660)],
             "is a block device, refused")
    tar_case("fifo.tar", [tinfo("pipe", tarfile.FIFOTYPE)], "is a FIFO, refused")
    cpio_newc(os.path.join(out, "socket.cpio"),
              [("ok.txt", stat.S_IFREG | 0o644, b"ok\n"),
               ("sock", stat.S_IFSOCK | 0o755, b"")])
    case("socket.cpio", "", "is a socket, refused")
    # -- duplicates and case
    tar_case("duplicate.tar", [tinfo("a.txt", data=b"1\n"),
                               tinfo("a.txt", data=b"2\n")], "duplicate entry")
    tar_case("dir-then-file.tar", [tinfo("a/", tarfile.DIRTYPE, mode=0o755),
                                   tinfo("a", data=b"x\n")], "duplicate entry")
    tar_case("file-then-dir.tar", [tinfo("a", data=b"x\n"),
                                   tinfo("a/b", data=b"x\n")], "'a' is not a directory")
    tar_case("case.tar", [tinfo("README", data=b"1\n"),
                          tinfo("readme", data=b"2\n")],
             "differs only by case from 'README'", opts="--portable")
    tar_case("case-dir.tar", [tinfo("Src/a.c", data=b"1\n"),
                              tinfo("src/b.c", data=b"2\n")],
             "differs only by case", opts="--portable")
    # -- names
    tar_case("newline.tar", [tinfo("evil\nname.txt", data=b"x\n")],
             "entry 'evil\\x0aname.txt': name has control characters",
             fmt=tarfile.PAX_FORMAT)
    tar_case("bad-utf8.tar",
             [tinfo(os.fsdecode(b"bad\xff\xfe.txt"), data=b"x\n")],
             "entry 'bad\\xff\\xfe.txt': name has control characters or is not "
             "valid UTF-8")
    # -- zip
    write_zip(os.path.join(out, "zipslip.zip"),
              [("ok.txt", b"ok\n", 0o100644), ("../../victim", b"x\n", 0o100644)])
    case("zipslip.zip", "", "'..' component escapes the target")
    write_zip(os.path.join(out, "zip-abs.zip"), [(ABS_VICTIM, b"x\n", 0o100644)])
    case("zip-abs.zip", "", "absolute path escapes the target")
    write_zip(os.path.join(out, "zip-symlink-through.zip"),
              [("l", b"..", 0o120777), ("l/victim", b"x\n", 0o100644)])
    case("zip-symlink-through.zip", "", "writes through symlink 'l'")
    write_zip(os.path.join(out, "zip-duplicate.zip"),
              [("a.txt", b"1\n", 0o100644), ("a.txt", b"2\n", 0o100644)])
    case("zip-duplicate.zip", "", "duplicate entry")
    # -- bombs and limits
    bomb_tar_bz2(os.path.join(out, "bomb.tar.bz2"), 256 << 20)
    case("bomb.tar.bz2", "", "(decompression bomb?)")
    with zipfile.ZipFile(os.path.join(out, "bomb.zip"), "w",
                         zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("zeros.bin", bytes(64 << 20))
    case("bomb.zip", "", "(decompression bomb?)")
    tar_case("total.tar", [tinfo("a", data=b"a" * 3000), tinfo("b", data=b"b" * 3000)],
             "archive expands past 4096 bytes in total", opts="--max-total=4K")
    tar_case("entry-size.tar", [tinfo("big", data=b"a" * 5000)],
             "file larger than 4096 bytes", opts="--max-entry-size=4K")
    tar_case("entries.tar", [tinfo("f%d" % i, data=b"x") for i in range(5)],
             "more than 3 entries", opts="--max-entries=3")
    tar_case("path-length.tar", [tinfo("d/" + "n" * 120, data=b"x")],
             "path longer than 64 bytes", opts="--max-path=64")
    tar_case("depth.tar", [tinfo("a/b/c/d/e/f/g", data=b"x")],
             "path deeper than 4 components", opts="--max-depth=4")
    tar_case("long-component.tar", [tinfo("d/" + "n" * 300, data=b"x")],
             "a component is longer than 255 bytes")
    tar_case("symlink-loop.tar", [
        tinfo("a", tarfile.SYMTYPE, linkname="b/x"),
        tinfo("b", tarfile.SYMTYPE, linkname="a/x")], "symlink loop")
    tar_case("backslash.tar", [tinfo("..\\..\\victim", data=b"x")],
             "backslash in name (--portable)", opts="--portable")
    # -- not an archive at all
    with open(os.path.join(out, "garbage.tar"), "wb") as f:
        f.write(b"this is not an archive\n" * 40)
    case("garbage.tar", "", "not a readable archive")

    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
