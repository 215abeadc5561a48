#!/usr/bin/env python3
"""Writes the small checkpoint fixtures of test/unit/io-*.test.ts into test/fixtures/io/.

numpy only: safetensors is written by hand (struct + json), bfloat16 by truncating float32 bits,
zip64 by hand and with zipfile's force_zip64. expected.json holds what the readers must return
(values as float64 after the reader's conversion: float16/bfloat16 -> float32, ints -> int32).
Run: python3 scripts/make_io_fixtures.py   (deterministic; rewrites the folder)
"""
import io
import json
import os
import shutil
import struct
import time
import zipfile
import zlib

import numpy as np

# zipfile stamps members with the current local time; pin it so reruns give identical bytes.
os.environ['TZ'] = 'UTC'
time.tzset()
time.time = lambda: 1767225600.0  # 2026-01-01

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'io')
rng = np.random.default_rng(20260129)
expected = {}


def rel(path):
    return os.path.relpath(path, ROOT).replace(os.sep, '/')


def reader_values(arr, kind):
    """What ArrayEntry.readRows returns, as float64, flattened in C order."""
    if kind == 'bfloat16':
        return arr.astype(np.float64).ravel(order='C')
    a = np.asarray(arr)
    if a.dtype.kind == 'f' and a.dtype.itemsize == 8:
        return a.astype(np.float64).ravel(order='C')  # float64 is read as float64
    if a.dtype.kind == 'f':
        return a.astype(np.float32).astype(np.float64).ravel(order='C')
    return a.astype(np.int64).astype(np.float64).ravel(order='C')


def describe(arr, dtype_name, kind=None):
    v = reader_values(arr, kind)
    return {
        'dtype': dtype_name,
        'shape': list(np.shape(arr)),
        'sum': float(v.sum()),
        'absSum': float(np.abs(v).sum()),
        'first': [float(x) for x in v[:6]],
        'last': float(v[-1]) if v.size else None,
    }


def record(path, arrays, metadata=None, fmt=None):
    expected[rel(path)] = {'format': fmt, 'arrays': arrays, 'metadata': metadata or {}}


NPY_NAMES = {
    'f2': 'float16', 'f4': 'float32', 'f8': 'float64',
    'i1': 'int8', 'i2': 'int16', 'i4': 'int32', 'i8': 'int64',
    'u1': 'uint8', 'u2': 'uint16', 'u4': 'uint32', 'u8': 'uint64', 'b1': 'bool',
}


def sample(code, shape):
    kind = np.dtype(code).kind
    if kind == 'f':
        return (rng.standard_normal(shape) * 3).astype(code)
    if kind == 'b':
        return rng.integers(0, 2, shape).astype(bool)
    info = np.iinfo(code)
    lo, hi = max(info.min, -100000), min(info.max, 100000)
    return rng.integers(lo, hi, shape, endpoint=True).astype(code)


# ---------------------------------------------------------------- safetensors
ST_CODES = {
    'F64': ('<f8', 'float64'), 'F32': ('<f4', 'float32'), 'F16': ('<f2', 'float16'),
    'I64': ('<i8', 'int64'), 'I32': ('<i4', 'int32'), 'I16': ('<i2', 'int16'), 'I8': ('i1', 'int8'),
    'U8': ('u1', 'uint8'), 'U16': ('<u2', 'uint16'), 'U32': ('<u4', 'uint32'), 'U64': ('<u8', 'uint64'),
    'BOOL': ('?', 'bool'),
}


def bf16_bytes(f32):
    bits = np.asarray(f32, dtype='<f4').view('<u4')
    top = (bits >> 16).astype('<u2')
    truncated = (top.astype('<u4') << 16).view('<f4')
    return top.tobytes(), truncated


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, st_dtype, shape, raw bytes)."""
    header = {}
    if metadata is not None:
        header['__metadata__'] = metadata
    off = 0
    for name, dt, shape, raw in tensors:
        header[name] = {'dtype': dt, 'shape': list(shape), 'data_offsets': [off, off + len(raw)]}
        off += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for t in tensors:
            f.write(t[3])


def make_safetensors():
    d = os.path.join(ROOT, 'safetensors')
    os.makedirs(d)
    tensors, arrays = [], {}
    for st, (code, name) in ST_CODES.items():
        a = sample(code if code != '?' else 'b1', (5, 3))
        tensors.append((f't_{st.lower()}', st, a.shape, a.astype(code).tobytes()))
        arrays[f't_{st.lower()}'] = describe(a, name)
    f32 = (rng.standard_normal((5, 3)) * 3).astype('<f4')
    raw, trunc = bf16_bytes(f32)
    tensors.append(('t_bf16', 'BF16', f32.shape, raw))
    arrays['t_bf16'] = describe(trunc, 'bfloat16', 'bfloat16')
    scalar = np.array(2.5, dtype='<f4')
    tensors.append(('scalar', 'F32', (), scalar.tobytes()))
    arrays['scalar'] = describe(scalar, 'float32')
    empty = np.zeros((0, 4), dtype='<f4')
    tensors.append(('empty', 'F32', (0, 4), b''))
    arrays['empty'] = describe(empty, 'float32')
    meta = {'epoch': '3', 'step': '120', 'note': 'all dtypes'}
    p = os.path.join(d, 'all_dtypes.safetensors')
    write_safetensors(p, tensors, meta)
    record(p, arrays, {'epoch': 3, 'step': 120, 'note': 'all dtypes'}, 'safetensors')

    audio = rng.standard_normal((6, 4)).astype('<f4')
    text = rng.standard_normal((6, 5)).astype('<f2')
    labels = np.arange(6, dtype='<i8') % 3
    other = rng.standard_normal((2, 2)).astype('<f4')
    p = os.path.join(d, 'embeddings.safetensors')
    write_safetensors(p, [
        ('audio.embeddings', 'F32', audio.shape, audio.tobytes()),
        ('text.embeddings', 'F16', text.shape, text.tobytes()),
        ('labels', 'I64', labels.shape, labels.tobytes()),
        ('head.weight', 'F32', other.shape, other.tobytes()),
    ])
    record(p, {'audio.embeddings': describe(audio, 'float32'), 'text.embeddings': describe(text, 'float16'),
               'labels': describe(labels, 'int64'), 'head.weight': describe(other, 'float32')}, {}, 'safetensors')

    big = np.array([1, 2, 2 ** 40], dtype='<i8')
    p = os.path.join(d, 'int64_out_of_range.safetensors')
    write_safetensors(p, [('ids', 'I64', big.shape, big.tobytes())])


# ---------------------------------------------------------------- npy
def save_npy(path, arr, version=None):
    with open(path, 'wb') as f:
        np.lib.format.write_array(f, arr, version=version, allow_pickle=False)


def make_npy():
    d = os.path.join(ROOT, 'npy')
    os.makedirs(d)
    for code, name in NPY_NAMES.items():
        base = sample(code, (4, 3))
        orders = ['|'] if code in ('i1', 'u1', 'b1') else ['<', '>']
        for bo in orders:
            for order in ('C', 'F'):
                descr = (bo if bo != '|' else '') + code if code != 'b1' else '?'
                a = np.array(base, dtype=np.dtype(descr), order=order)
                tag = {'<': 'le', '>': 'be', '|': 'na'}[bo]
                p = os.path.join(d, f'{code}_{tag}_{order}.npy')
                save_npy(p, a)
                record(p, {f'{code}_{tag}_{order}': describe(a, name)}, {}, 'npy')
    # Fortran order in 3-D: the row layout is a permutation, not just a transpose.
    a3 = np.asfortranarray(rng.standard_normal((5, 2, 3)).astype('>f4'))
    p = os.path.join(d, 'f4_be_F_3d.npy')
    save_npy(p, a3)
    record(p, {'f4_be_F_3d': describe(a3, 'float32')}, {}, 'npy')
    for ver in ((2, 0), (3, 0)):
        a = rng.standard_normal((7, 3)).astype('<f4')
        p = os.path.join(d, f'v{ver[0]}.npy')
        save_npy(p, a, version=ver)
        record(p, {f'v{ver[0]}': describe(a, 'float32')}, {}, 'npy')
    for name, a in (('zero_d', np.array(7.25, dtype='<f8')), ('one_d', np.arange(9, dtype='<i4')),
                    ('empty_rows', np.zeros((0, 3), dtype='<f4'))):
        p = os.path.join(d, f'{name}.npy')
        save_npy(p, a)
        record(p, {name: describe(a, NPY_NAMES[a.dtype.str[1:]])}, {}, 'npy')
    # A larger one for the byte-range tests: 64 rows x 16 columns, both orders.
    for order in ('C', 'F'):
        a = np.array(rng.standard_normal((64, 16)).astype('<f4'), order=order)
        p = os.path.join(d, f'rows_{order}.npy')
        save_npy(p, a)
        record(p, {f'rows_{order}': describe(a, 'float32')}, {}, 'npy')
    big = np.array([5, -(2 ** 35)], dtype='<i8')
    save_npy(os.path.join(d, 'int64_out_of_range.npy'), big)


# ---------------------------------------------------------------- npz
def npy_bytes(arr):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, allow_pickle=False)
    return b.getvalue()


def zip64_by_hand(path, members):
    """Stored members with zip64 extra fields everywhere and a zip64 end record + locator."""
    out = bytearray()
    central = bytearray()
    for name, data in members:
        nb = name.encode()
        crc = zlib.crc32(data) & 0xffffffff
        off = len(out)
        extra = struct.pack('<HHQQ', 1, 16, len(data), len(data))
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 45, 0, 0, 0, 0x21, crc, 0xffffffff, 0xffffffff, len(nb), len(extra))
        out += nb + extra + data
        cextra = struct.pack('<HHQQQ', 1, 24, len(data), len(data), off)
        central += struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 45, 45, 0, 0, 0, 0x21, crc, 0xffffffff, 0xffffffff,
                               len(nb), len(cextra), 0, 0, 0, 0, 0xffffffff)
        central += nb + cextra
    cd_off = len(out)
    out += central
    z64 = len(out)
    out += struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, len(members), len(members), len(central), cd_off)
    out += struct.pack('<IIQI', 0x07064b50, 0, z64, 1)
    out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xffffffff, 0)
    with open(path, 'wb') as f:
        f.write(out)


def make_npz():
    d = os.path.join(ROOT, 'npz')
    os.makedirs(d)
    audio = rng.standard_normal((6, 4)).astype('<f4')
    visual = np.asfortranarray(rng.standard_normal((6, 3)).astype('>f8'))
    labels = (np.arange(6) % 2).astype('<i8')
    arrays = {'audio': describe(audio, 'float32'), 'visual': describe(visual, 'float64'), 'labels': describe(labels, 'int64')}

    p = os.path.join(d, 'stored.npz')
    np.savez(p, audio=audio, visual=visual, labels=labels, epoch=np.array(4))
    record(p, arrays, {'epoch': 4}, 'npz')

    p = os.path.join(d, 'deflated.npz')
    np.savez_compressed(p, audio=audio, visual=visual, labels=labels, step=np.array(900))
    record(p, arrays, {'step': 900}, 'npz')

    p = os.path.join(d, 'zip64.npz')
    zip64_by_hand(p, [('audio.npy', npy_bytes(audio)), ('visual.npy', npy_bytes(visual)), ('labels.npy', npy_bytes(labels))])
    record(p, arrays, {}, 'npz')

    p = os.path.join(d, 'force_zip64.npz')
    with zipfile.ZipFile(p, 'w', compression=zipfile.ZIP_DEFLATED) as z:
        for name, a in (('audio', audio), ('visual', visual), ('labels', labels)):
            with z.open(name + '.npy', 'w', force_zip64=True) as f:
                f.write(npy_bytes(a))
    record(p, arrays, {}, 'npz')

    # An archive comment after the end record, and a member in a subfolder.
    p = os.path.join(d, 'commented.npz')
    with zipfile.ZipFile(p, 'w', compression=zipfile.ZIP_STORED) as z:
        z.writestr('audio.npy', npy_bytes(audio))
        z.writestr('nested/visual.npy', npy_bytes(visual))
        z.comment = b'an archive comment: PK'
    record(p, {'audio': arrays['audio'], 'nested/visual': arrays['visual']}, {}, 'npz')

    # One bigger deflated member for the byte-count tests (64 x 16).
    big = rng.standard_normal((64, 16)).astype('<f4')
    p = os.path.join(d, 'rows.npz')
    np.savez(p, big=big)
    record(p, {'big': describe(big, 'float32')}, {}, 'npz')


# ---------------------------------------------------------------- folder, json, runs
def make_folder_json_runs():
    d = os.path.join(ROOT, 'folder')
    os.makedirs(d)
    audio = rng.standard_normal((5, 4)).astype('<f4')
    text = rng.standard_normal((5, 6)).astype('<f8')
    y = np.array([0, 1, 0, 1, 1], dtype='<i4')
    np.save(os.path.join(d, 'audio.npy'), audio)
    np.save(os.path.join(d, 'text.npy'), text)
    np.save(os.path.join(d, 'y.npy'), y)
    np.save(os.path.join(d, 'epoch.npy'), np.array(12))
    np.save(os.path.join(d, 'step.npy'), np.array(5_000_000_000, dtype='<i8'))  # past int32: metadata is read exactly
    record(d, {'audio': describe(audio, 'float32'), 'text': describe(text, 'float64'), 'y': describe(y, 'int32')},
           {'epoch': 12, 'step': 5_000_000_000}, 'npy-folder')

    d = os.path.join(ROOT, 'json')
    os.makedirs(d)
    img = np.round(rng.standard_normal((4, 3)), 4)
    txt = np.round(rng.standard_normal((4, 3)), 4)
    labels = [2, 0, 1, 2]
    p = os.path.join(d, 'ckpt.json')
    with open(p, 'w') as f:
        json.dump({'image': img.tolist(), 'text': txt.tolist(), 'labels': labels, '__metadata__': {'epoch': 2, 'step': '40', 'model': 'toy'}}, f)
    record(p, {'image': describe(img, 'float64'), 'text': describe(txt, 'float64'), 'labels': describe(np.array(labels, dtype='<i4'), 'int32')},
           {'epoch': 2, 'step': 40, 'model': 'toy'}, 'json')

    runs = os.path.join(ROOT, 'run_folders')  # not 'runs': .gitignore ignores runs/
    # Metadata decides the order, not the names.
    r = os.path.join(runs, 'by_metadata')
    os.makedirs(r)
    for fname, ep in (('ckpt_a.safetensors', 2), ('ckpt_b.safetensors', 1), ('ckpt_c.safetensors', 10)):
        a = rng.standard_normal((3, 2)).astype('<f4')
        write_safetensors(os.path.join(r, fname), [('audio', 'F32', a.shape, a.tobytes())], {'epoch': str(ep)})
    with open(os.path.join(r, 'config.json'), 'w') as f:
        json.dump({'lr': 0.001, 'name': 'not a checkpoint'}, f)
    with open(os.path.join(r, 'metrics.json'), 'w') as f:
        json.dump({'loss': [0.5, 0.25], '__metadata__': {'epoch': 0}}, f)
    opt = np.zeros(4, dtype='<f4')
    write_safetensors(os.path.join(r, 'optimizer.safetensors'), [('momentum', 'F32', opt.shape, opt.tobytes())])
    # No metadata: the last number in the name decides.
    r = os.path.join(runs, 'by_name')
    os.makedirs(r)
    for e in (1, 10, 2):
        np.savez(os.path.join(r, f'run3_epoch_{e}.npz'), audio=rng.standard_normal((3, 2)).astype('<f4'))
    # A numbered series of .npy files is a run; a folder per epoch is a run.
    r = os.path.join(runs, 'npy_series')
    os.makedirs(r)
    for e in (3, 1, 20):
        np.save(os.path.join(r, f'emb_{e:03d}.npy'), rng.standard_normal((3, 2)).astype('<f4'))
    np.save(os.path.join(r, 'labels.npy'), np.arange(3))
    r = os.path.join(runs, 'folders')
    for e in (2, 1):
        sub = os.path.join(r, f'epoch_{e}')
        os.makedirs(sub)
        np.save(os.path.join(sub, 'audio.npy'), rng.standard_normal((3, 2)).astype('<f4'))
        np.save(os.path.join(sub, 'text.npy'), rng.standard_normal((3, 2)).astype('<f4'))
    # Digits in modality names do not make a folder a run.
    r = os.path.join(runs, 'not_a_run')
    os.makedirs(r)
    np.save(os.path.join(r, 'clip_b32.npy'), rng.standard_normal((3, 2)).astype('<f4'))
    np.save(os.path.join(r, 'wav2vec2.npy'), rng.standard_normal((3, 2)).astype('<f4'))


# Written by other scripts into this folder; kept when this one starts afresh.
OTHER_SCRIPTS = [os.path.join('safetensors', 'library')]  # scripts/make_safetensors_fixtures.py


def main():
    import tempfile
    keep = tempfile.mkdtemp(prefix='dagr-io-fixtures-')
    for k, rel_dir in enumerate(OTHER_SCRIPTS):
        if os.path.isdir(os.path.join(ROOT, rel_dir)):
            shutil.move(os.path.join(ROOT, rel_dir), os.path.join(keep, str(k)))
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    make_safetensors()
    make_npy()
    make_npz()
    make_folder_json_runs()
    with open(os.path.join(ROOT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write('\n')
    # The folder was emptied above: rewrite the hostile zips and npz-with-unreadable-members too.
    import make_zip_fixtures
    make_zip_fixtures.main()
    for k, rel_dir in enumerate(OTHER_SCRIPTS):
        if os.path.isdir(os.path.join(keep, str(k))):
            shutil.move(os.path.join(keep, str(k)), os.path.join(ROOT, rel_dir))
    shutil.rmtree(keep)


if __name__ == '__main__':
    main()
