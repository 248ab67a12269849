#!/usr/bin/env python3
"""make-build-id-variant.py IN.deb OUT.deb MEMBER

Writes OUT.deb: IN.deb with one change, the one a rebuild in another
build directory makes to a stripped Debian binary: the ELF file MEMBER
(for example usr/bin/hello) gets a new GNU build ID, its .gnu_debuglink
gets the matching name (Debian names the debug file after the build ID)
and a new CRC, and its line in control.tar's md5sums gets the new MD5.

This is a DERIVED package, not a real rebuild: the bytes are patched in
place inside the decompressed tar streams (tar headers, member order and
all other bytes are untouched), the streams are recompressed with the
same xz check, and the ar archive is rewritten with the same member
headers (only the sizes change).  Used by tests/cli/compare-real.sh.
"""
import hashlib
import io
import lzma
import struct
import sys
import tarfile
import zlib


def read_ar(data):
    if data[:8] != b"!<arch>\n":
        sys.exit("make-build-id-variant: not an ar archive")
    off, out = 8, []
    while off < len(data):
        hdr = data[off:off + 60]
        size = int(hdr[48:58].decode().strip())
        out.append((hdr, data[off + 60:off + 60 + size]))
        off += 60 + size + (size & 1)
    return out


def write_ar(members):
    buf = bytearray(b"!<arch>\n")
    for hdr, body in members:
        size = str(len(body)).encode().ljust(10)
        buf += hdr[:48] + size + hdr[58:60] + body
        if len(body) & 1:
            buf += b"\n"
    return bytes(buf)


def sections(elf):
    """name -> (offset, size) of each section of a little-endian ELF64 file."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        sys.exit("make-build-id-variant: member is not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3a)
    hdrs = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    out = {}
    for h in hdrs:
        name = elf[stroff + h[0]:elf.index(b"\0", stroff + h[0])].decode()
        out[name] = (h[4], h[5])
    return out


def patch_elf(elf):
    elf = bytearray(elf)
    sec = sections(elf)
    off, size = sec[".note.gnu.build-id"]
    namesz, descsz, ntype = struct.unpack_from("<III", elf, off)
    assert ntype == 3 and namesz == 4 and elf[off + 12:off + 16] == b"GNU\0"
    old = bytes(elf[off + 16:off + 16 + descsz])
    new = hashlib.sha1(b"vouch derived build id " + old).digest()[:descsz]
    elf[off + 16:off + 16 + descsz] = new
    off, size = sec[".gnu_debuglink"]
    name = bytes(elf[off:elf.index(b"\0", off)])
    newname = name.replace(old.hex()[2:].encode(), new.hex()[2:].encode())
    assert newname != name and len(newname) == len(name), "debug link does not spell the build id"
    elf[off:off + len(name)] = newname
    crc = zlib.crc32(b"vouch derived debug file " + new) & 0xffffffff
    struct.pack_into("<I", elf, off + size - 4, crc)
    return bytes(elf)


def tar_member(tar_bytes, path):
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as t:
        for m in t.getmembers():
            if m.name.lstrip("./") == path:
                return m.offset_data, m.size
    sys.exit("make-build-id-variant: no member '%s'" % path)


def recompress(orig, raw):
    check = lzma.CHECK_CRC64 if orig[7] == 4 else lzma.CHECK_CRC32 if orig[7] == 1 else lzma.CHECK_NONE
    return lzma.compress(raw, format=lzma.FORMAT_XZ, check=check, preset=6)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: make-build-id-variant.py IN.deb OUT.deb MEMBER")
    src, dst, path = sys.argv[1:]
    members = read_ar(open(src, "rb").read())
    names = [h[:16].decode().strip().rstrip("/") for h, _ in members]
    di, ci = names.index("data.tar.xz"), names.index("control.tar.xz")

    data = bytearray(lzma.decompress(members[di][1]))
    off, size = tar_member(bytes(data), path)
    old_elf = bytes(data[off:off + size])
    new_elf = patch_elf(old_elf)
    data[off:off + size] = new_elf

    control = bytearray(lzma.decompress(members[ci][1]))
    moff, msize = tar_member(bytes(control), "md5sums")
    md5sums = bytes(control[moff:moff + msize])
    old_line = hashlib.md5(old_elf).hexdigest().encode() + b"  " + path.encode() + b"\n"
    new_line = hashlib.md5(new_elf).hexdigest().encode() + b"  " + path.encode() + b"\n"
    assert md5sums.count(old_line) == 1, "md5sums has no line for the member"
    control[moff:moff + msize] = md5sums.replace(old_line, new_line)

    members[di] = (members[di][0], recompress(members[di][1], bytes(data)))
    members[ci] = (members[ci][0], recompress(members[ci][1], bytes(control)))
    with open(dst, "wb") as f:
        f.write(write_ar(members))


if __name__ == "__main__":
    main()
