#!/usr/bin/env python3
"""mkzip.py KIND OUT - zip archives that unzip reads differently from a
naive reader (issue 14, item 7), for tests/cli/harden-zip.sh:
  rename   the central directory names the entry 'docs/install.sh', its
           local header 'docs/readme.txt'
  overlap  three central entries (a.txt, b.txt, c.txt) point at one local
           header
  same     three central entries of one name point at one local header
  good     a plain zip of two files
"""
import struct, sys, zipfile, io
def base(names):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_STORED) as z:
        for n in names:
            z.writestr(zipfile.ZipInfo(n, (2020,1,1,0,0,0)), ('content of %s\n' % n).encode())
    return bytearray(b.getvalue())
def cdir(d):
    e = d.rfind(b'PK\x05\x06')
    cnt, size, off = struct.unpack('<HIIxx', d[e+10:e+22])[0], *struct.unpack('<II', d[e+12:e+20])
    return e, cnt, size, off
kind, out = sys.argv[1], sys.argv[2]
if kind == 'rename':          # central name differs from the local one
    d = base(['docs/readme.txt'])
    e, cnt, size, off = cdir(d)
    assert d[off+46:off+46+15] == b'docs/readme.txt'
    d[off+46:off+46+15] = b'docs/install.sh'
elif kind == 'overlap':       # three central entries, one local header
    d = base(['a.txt'])
    e, cnt, size, off = cdir(d)
    ent = bytes(d[off:off+size])
    nl = struct.unpack('<H', ent[28:30])[0]
    cen = b''
    for n in (b'a.txt', b'b.txt', b'c.txt'):
        cen += ent[:46] + n + ent[46+nl:]
    d = d[:off] + cen + struct.pack('<4sHHHHIIH', b'PK\x05\x06', 0, 0, 3, 3, len(cen), off, 0)
elif kind == 'same':          # three central entries of one name, one local header
    d = base(['a.txt'])
    e, cnt, size, off = cdir(d)
    ent = bytes(d[off:off+size])
    cen = ent * 3
    d = d[:off] + cen + struct.pack('<4sHHHHIIH', b'PK\x05\x06', 0, 0, 3, 3, len(cen), off, 0)
elif kind == 'good':
    d = base(['docs/readme.txt', 'a.txt'])
open(out, 'wb').write(d)
