#!/usr/bin/env python3
"""Writes hostile zip archives and npz files with unreadable members into test/fixtures/io/.

  python3 scripts/make_zip_fixtures.py             small fixtures for test/unit/io-zip-hostile.test.ts
                                                   (hostile/) and test/unit/io-npz-skip.test.ts (npz_skip/)
  python3 scripts/make_zip_fixtures.py --big DIR   the full-size cases of bench/hostile.ts (about 70 MB)

numpy writes every .npy member and every npz whose layout numpy or zipfile can produce; the
archives numpy would never write (overlapping entries, lying sizes, flipped bits) are assembled
by hand around numpy-written members. Deterministic: reruns give identical bytes.
"""
import io
import os
import shutil
import struct
import sys
import time
import zipfile
import zlib

import numpy as np

os.environ['TZ'] = 'UTC'
time.tzset()
time.time = lambda: 1767225600.0  # zipfile stamps members with the current time: pin it

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'io')
rng = np.random.default_rng(20260130)


def npy_bytes(arr, allow_pickle=False):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, allow_pickle=allow_pickle)
    return b.getvalue()


def npy_header(descr, shape):
    """The bytes numpy writes before the data of an array of this dtype and shape."""
    b = io.BytesIO()
    np.lib.format.write_array_header_1_0(b, {'descr': descr, 'fortran_order': False, 'shape': shape})
    return b.getvalue()  # write_array_header_1_0 writes the magic too


def deflate(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflate_zeros(header, nbytes, level=9):
    """header + nbytes of zeros, deflated in pieces (a GiB never sits in memory)."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = [c.compress(header)]
    crc = zlib.crc32(header)
    block = bytes(1 << 24)
    left = nbytes
    while left > 0:
        piece = block if left >= len(block) else bytes(left)
        out.append(c.compress(piece))
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
    out.append(c.flush())
    return b''.join(out), crc & 0xffffffff, len(header) + nbytes


class Zip:
    """A hand-made zip: local entries written in order; central entries may point anywhere."""

    def __init__(self):
        self.out = bytearray()
        self.central = []

    def local(self, name, body, method, crc, usize, local_extra=b''):
        off = len(self.out)
        nb = name.encode()
        self.out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, method, 0, 0x21, crc, len(body), usize, len(nb), len(local_extra))
        self.out += nb + local_extra + body
        return off

    def entry(self, name, method, crc, csize, usize, offset, extra=b''):
        self.central.append((name, method, crc, csize, usize, offset, extra))

    def member(self, name, data, method=0, level=6, crc=None, usize=None):
        body = deflate(data, level) if method == 8 else data
        crc = zlib.crc32(data) & 0xffffffff if crc is None else crc
        usize = len(data) if usize is None else usize
        off = self.local(name, body, method, crc, usize)
        self.entry(name, method, crc, len(body), usize, off)
        return off, len(body)

    def bytes(self):
        cd = bytearray()
        for name, method, crc, csize, usize, offset, extra in self.central:
            nb = name.encode()
            c32 = lambda v: 0xffffffff if v >= 0xffffffff else v  # noqa: E731
            cd += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, method, 0, 0x21, crc,
                              0xffffffff if extra else c32(csize), 0xffffffff if extra else c32(usize),
                              len(nb), len(extra), 0, 0, 0, 0, offset if not extra else 0xffffffff)
            cd += nb + extra
        cd_off = len(self.out)
        n = len(self.central)
        return bytes(self.out + cd + struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, n, n, len(cd), cd_off, 0))


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def flip_bit(data, at, bit=0):
    b = bytearray(data)
    b[at] ^= 1 << bit
    return bytes(b)


# ---------------------------------------------------------------- hostile archives
def make_hostile(d, big=False):
    """Small by default (tests); big=True writes the bench's full-size versions of the same cases."""
    os.makedirs(d, exist_ok=True)
    emb = rng.standard_normal((16, 8)).astype('<f4')
    labels = (np.arange(16) % 4).astype('<i8')

    # Many central entries share one local header (one deflate stream of zeros): the classic
    # overlapping-files zip bomb. Each entry alone is honest; together they multiply the output.
    rows = 262144 if big else 4096
    z = Zip()
    body, crc, usize = deflate_zeros(npy_header('<f4', (rows, 256)), rows * 256 * 4)
    off = z.local('kernel.npy', body, 8, crc, usize)
    for k in range(11 if big else 3):
        z.entry(f'm{k}.npy', 8, crc, len(body), usize, off)
    write(os.path.join(d, 'overlap_same_header.npz'), z.bytes())

    # Member "outer" quotes member "inner" (its local header and data) as its own stored data.
    z = Zip()
    inner = npy_bytes(emb)
    outer_off = len(z.out)
    z.out += b'\0' * (30 + len('outer.npy'))  # outer's local header, written below
    inner_off = z.local('inner.npy', inner, 0, zlib.crc32(inner) & 0xffffffff, len(inner))
    quoted = bytes(z.out[inner_off:])
    hdr = struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 0, 0, 0x21, zlib.crc32(quoted) & 0xffffffff, len(quoted), len(quoted), len('outer.npy'), 0)
    z.out[outer_off:outer_off + 30 + len('outer.npy')] = hdr + b'outer.npy'
    z.entry('outer.npy', 0, zlib.crc32(quoted) & 0xffffffff, len(quoted), len(quoted), outer_off)
    z.entry('inner.npy', 0, zlib.crc32(inner) & 0xffffffff, len(inner), len(inner), inner_off)
    write(os.path.join(d, 'overlap_quoted.npz'), z.bytes())

    # A stored member whose declared size runs into the central directory.
    z = Zip()
    data = npy_bytes(emb)
    off = z.local('emb.npy', data, 0, zlib.crc32(data) & 0xffffffff, len(data))
    z.entry('emb.npy', 0, zlib.crc32(data) & 0xffffffff, len(data) + 40, len(data) + 40, off)
    write(os.path.join(d, 'overlap_central_directory.npz'), z.bytes())

    # The central directory leaves room, but the local header's extra field pushes the data into the next member.
    z = Zip()
    a = npy_bytes(emb)
    off_a = z.local('a.npy', a, 0, zlib.crc32(a) & 0xffffffff, len(a), local_extra=b'')
    z.entry('a.npy', 0, zlib.crc32(a) & 0xffffffff, len(a), len(a), off_a)
    b = npy_bytes(labels)
    z.member('b.npy', b)
    raw = bytearray(z.bytes())
    struct.pack_into('<H', raw, off_a + 28, 64)  # local extra length 64: a's data now starts 64 bytes later
    write(os.path.join(d, 'overlap_local_extra.npz'), bytes(raw))

    # Declares what its npy header promises (64 float32), inflates to far more zeros.
    bomb_bytes = (1 << 30) if big else (64 << 20)
    z = Zip()
    head = npy_header('<f4', (64,))
    body, _, _ = deflate_zeros(head, bomb_bytes)
    small = head + bytes(256)
    off = z.local('emb.npy', body, 8, zlib.crc32(small) & 0xffffffff, len(small))
    z.entry('emb.npy', 8, zlib.crc32(small) & 0xffffffff, len(body), len(small), off)
    write(os.path.join(d, 'deflate_bomb.npz'), z.bytes())

    # Declares 16 MiB (a consistent npy header) but inflates to 4x that: caught mid-stream.
    z = Zip()
    head = npy_header('<f4', (4096, 1024))
    body, _, _ = deflate_zeros(head, 4 * 4096 * 1024 * 4)
    declared = len(head) + 4096 * 1024 * 4
    off = z.local('emb.npy', body, 8, 0, declared)
    z.entry('emb.npy', 8, 0, len(body), declared, off)
    write(os.path.join(d, 'deflate_bomb_streamed.npz'), z.bytes())

    # Declares more than deflate can produce from its compressed bytes (1 GiB from ~200 bytes).
    z = Zip()
    data = npy_bytes(emb)
    body = deflate(data)
    off = z.local('emb.npy', body, 8, zlib.crc32(data) & 0xffffffff, len(data))
    z.entry('emb.npy', 8, zlib.crc32(data) & 0xffffffff, len(body), 1 << 30, off)
    write(os.path.join(d, 'ratio_bomb.npz'), z.bytes())

    # zip64 extra fields that lie: a size of 2^40 for a small member, an offset into the central directory.
    z = Zip()
    off = z.local('emb.npy', body, 8, zlib.crc32(data) & 0xffffffff, len(data))
    z.entry('emb.npy', 8, zlib.crc32(data) & 0xffffffff, len(body), 1 << 40, off,
            extra=struct.pack('<HHQQQ', 1, 24, 1 << 40, len(body), off))
    raw = bytearray(z.bytes())
    write(os.path.join(d, 'zip64_lying_size.npz'), bytes(raw))
    z = Zip()
    off = z.local('emb.npy', body, 8, zlib.crc32(data) & 0xffffffff, len(data))
    cd_at = len(z.out)
    z.entry('emb.npy', 8, zlib.crc32(data) & 0xffffffff, len(body), len(data), cd_at,
            extra=struct.pack('<HHQQQ', 1, 24, len(data), len(body), cd_at))
    write(os.path.join(d, 'zip64_lying_offset.npz'), z.bytes())

    # One flipped bit in the last data byte of a stored member (numpy's savez) and of a deflated one.
    crc_rows = 65536 if big else 64
    e = rng.standard_normal((crc_rows, 256 if big else 8)).astype('<f4')
    buf = io.BytesIO()
    np.savez(buf, emb=e, labels=(np.arange(crc_rows) % 4).astype('<i8'))
    good = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        info = zf.getinfo('emb.npy')
    data_start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    write(os.path.join(d, 'crc_stored.npz'), flip_bit(good, data_start + info.compress_size - 1, 3))
    # Deflate at level 0 keeps the bytes as they are (stored blocks), so the flip is a CRC error, not a decode error.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=0) as zf:
        zf.writestr('emb.npy', npy_bytes(e))
    good = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        info = zf.getinfo('emb.npy')
    data_start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    write(os.path.join(d, 'crc_deflated.npz'), flip_bit(good, data_start + info.compress_size - 10, 3))

    # An honest member of zeros: (rows, 1024) float32 deflated, 1 GiB for the bench, 64 MiB here.
    z_rows = 262144 if big else 16384
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open('emb.npy', 'w', force_zip64=True) as f:
            f.write(npy_header('<f4', (z_rows, 1024)))
            block = bytes(1 << 24)
            for _ in range(z_rows * 1024 * 4 // len(block)):
                f.write(block)
    write(os.path.join(d, 'zeros_honest.npz'), buf.getvalue())


# ---------------------------------------------------------------- npz with unreadable members
def make_npz_skip(d):
    os.makedirs(d, exist_ok=True)
    emb = rng.standard_normal((8, 4)).astype('<f4')
    ids = np.array([f'clip_{i:03d}.wav' for i in range(8)])  # <U12
    tags = np.array([b'dog', b'cat', b'car', b'sea', b'dog', b'cat', b'car', b'sea'])  # |S3
    labels = (np.arange(8) % 2).astype('<i8')
    np.savez(os.path.join(d, 'strings.npz'), emb=emb, ids=ids, tags=tags, labels=labels)
    obj = np.array([{'path': 'a.wav'}, None, 'x', 3, [1, 2], (1,), 2.5, b'z'], dtype=object)
    np.savez(os.path.join(d, 'object.npz'), emb=emb, meta=obj)  # written with allow_pickle (savez's default)
    pdescr = [('x', '<i4', (2,)), ('y', '<f8', (2, 2)), ('z', 'u1')]
    rec = np.array([([3, 2], [[6., 4.], [6., 4.]], 8), ([4, 3], [[7., 5.], [7., 5.]], 9)], dtype=pdescr)
    np.savez(os.path.join(d, 'structured.npz'), emb=emb, rec=rec,
             cplx=(rng.standard_normal(8) + 1j).astype('<c8'),
             when=np.arange(8).astype('datetime64[s]'), big=np.zeros(3, dtype='>f16' if hasattr(np, 'float128') else '<f8'))
    np.savez_compressed(os.path.join(d, 'compressed_mixed.npz'), emb=emb, ids=ids, meta=obj, epoch=np.array(3))
    # Members numpy would not write: a header that does not parse, a member compressed with LZMA.
    with zipfile.ZipFile(os.path.join(d, 'bad_members.npz'), 'w') as zf:
        zf.writestr('emb.npy', npy_bytes(emb))
        head = npy_header('<f4', (2,))
        zf.writestr('broken.npy', head.replace(b"'shape': (2,)", b"'shape': (2;)") + bytes(8))
        zf.writestr('notnpy.npy', b'this member is text, not an array')
        zf.writestr('lzma.npy', npy_bytes(emb), compress_type=zipfile.ZIP_LZMA)
        zf.writestr('readme.txt', 'not a .npy member: ignored')
    np.savez(os.path.join(d, 'only_strings.npz'), ids=ids)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == '--big':
        make_hostile(sys.argv[2], big=True)
        return
    for sub in ('hostile', 'npz_skip'):
        shutil.rmtree(os.path.join(ROOT, sub), ignore_errors=True)
    make_hostile(os.path.join(ROOT, 'hostile'))
    make_npz_skip(os.path.join(ROOT, 'npz_skip'))


if __name__ == '__main__':
    main()
