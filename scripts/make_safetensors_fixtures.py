#!/usr/bin/env python3
"""Writes safetensors fixtures with the real safetensors library into
test/fixtures/io/safetensors/library/, for test/unit/io-safetensors-rules.test.ts.

Unlike scripts/make_io_fixtures.py (which writes safetensors by hand), every file here comes out of
the library itself: `safetensors.numpy.save_file` for the numpy dtypes, and the library's raw
`serialize_file` (TensorSpec from bytes) for BF16, float8 and F4, which numpy cannot hold.
expected.json records, per file, what our reader must return: the header's tensors in file order
with their library dtype and shape, every value (as float64, the reader's conversion: float16 and
bfloat16 exactly, ints to int32), numpy's float64 sum, the metadata, and the tensors that must be
skipped (dtypes the reader does not decode).

Needs: pip install safetensors numpy. Deterministic; rewrites only its own folder.
Run: python3 scripts/make_safetensors_fixtures.py
"""
import json
import os
import shutil
import struct

import numpy as np
import safetensors
from safetensors import TensorSpec, serialize_file, safe_open
from safetensors.numpy import load_file, save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'io', 'safetensors', 'library')
rng = np.random.default_rng(20260730)
expected = {'library': f'safetensors {safetensors.__version__}, numpy {np.__version__}', 'files': {}}

# What the reader returns for each decodable safetensors dtype (see ArrayEntry.readRows).
DECODED = {'F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL'}


def header_of(path):
    """The tensors in file order (by data_offsets), as the file's own header lists them."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
    meta = header.pop('__metadata__', None)
    order = sorted(header.items(), key=lambda kv: (kv[1]['data_offsets'][0], kv[1]['data_offsets'][1], kv[0]))
    return order, meta


def tensor_expect(dtype, shape, values):
    v = np.asarray(values, dtype=np.float64).ravel(order='C')
    return {
        'dtype': dtype,
        'shape': list(shape),
        'values': [float(x) for x in v],
        'sum': float(np.sum(v)),
    }


def record(name, values_by_name, skipped=()):
    """values_by_name: tensor -> float64 values the reader must return. Checks the header agrees."""
    path = os.path.join(OUT, name)
    order, meta = header_of(path)
    tensors = []
    for tname, info in order:
        if info['dtype'] not in DECODED:
            assert tname in skipped, (name, tname, info['dtype'])
            continue
        vals = values_by_name[tname]
        assert np.asarray(vals).size == int(np.prod(info['shape'], dtype=np.int64)), (name, tname)
        tensors.append({'name': tname, **tensor_expect(info['dtype'], info['shape'], vals)})
    skip = [{'name': t, 'dtype': info['dtype']} for t, info in order if info['dtype'] not in DECODED]
    assert sorted(s['name'] for s in skip) == sorted(skipped), (name, skip)
    expected['files'][name] = {
        'metadata': meta,
        'tensors': tensors,
        'skipped': skip,
        'bytes': os.path.getsize(path),
    }


def as_read(arr):
    """float64 values of a numpy array as the reader returns them (bool -> 0/1)."""
    return np.asarray(arr).astype(np.float64)


def numpy_file(name, tensors, metadata=None, skipped=()):
    path = os.path.join(OUT, name)
    save_file(tensors, path, metadata=metadata)
    # The library reads back what it wrote (numpy dtypes): the values we expect are its own.
    back = load_file(path)
    values = {}
    for k, v in tensors.items():
        assert np.array_equal(back[k], v), (name, k)
        if k not in skipped:
            values[k] = as_read(back[k])
    record(name, values, skipped)


def raw_file(name, specs, metadata=None, skipped=()):
    """specs: name -> (library dtype name, logical shape, raw little-endian bytes, values or None)."""
    path = os.path.join(OUT, name)
    keep = []  # the buffers must stay alive while the library reads them
    tensor_dict = {}
    values = {}
    for k, (dt, shape, raw, vals) in specs.items():
        buf = np.frombuffer(raw, dtype=np.uint8).copy() if raw else np.zeros(1, dtype=np.uint8)
        keep.append(buf)
        tensor_dict[k] = TensorSpec(dtype=dt, shape=list(shape), data_ptr=buf.ctypes.data, data_len=len(raw))
        if vals is not None:
            values[k] = vals
    serialize_file(tensor_dict, path, metadata=metadata)
    del keep
    record(name, values, skipped)


def small_ints(dtype, shape):
    info = np.iinfo(dtype)
    lo = max(int(info.min), -(2**31))
    hi = min(int(info.max), 2**31 - 1)
    a = rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64).astype(dtype)
    # the extremes each reader must carry exactly
    flat = a.reshape(-1)
    if flat.size >= 2:
        flat[0] = lo
        flat[-1] = hi
    return a


def bf16_bits(values):
    """bfloat16 bits of float32 values (round to nearest even), and the exact bfloat16 values."""
    f = np.asarray(values, dtype=np.float32)
    u = f.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    exact = (r.astype(np.uint32) << 16).view(np.float32)
    return r, exact


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)

    # Every dtype safetensors.numpy writes that the reader decodes, several shapes, metadata.
    f32 = rng.standard_normal((5, 3)).astype(np.float32)
    f32[0, 0] = np.float32(3.4028235e38)
    f32[0, 1] = np.float32(1e-45)  # subnormal
    f32[0, 2] = -0.0
    f16 = rng.standard_normal((2, 3, 4)).astype(np.float16)
    f16.reshape(-1)[:3] = [np.float16(65504), np.float16(6e-8), np.float16(-0.0)]
    numpy_file('numpy_dtypes.safetensors', {
        'f64': rng.standard_normal((4, 3)),
        'f32': f32,
        'f16': f16,
        'i64': small_ints(np.int64, (3, 2)),
        'i32': small_ints(np.int32, (2, 5)),
        'i16': small_ints(np.int16, (7,)),
        'i8': small_ints(np.int8, (2, 2, 2)),
        'u64': small_ints(np.uint64, (3,)),
        'u32': small_ints(np.uint32, (4,)),
        'u16': small_ints(np.uint16, (3, 1)),
        'u8': small_ints(np.uint8, (9,)),
        'bool': rng.random((3, 3)) < 0.5,
    }, metadata={'epoch': '3', 'step': '120', 'format': 'np', 'note': 'caf\u00e9 \u2713 "quoted" \\ back'})

    # Empty tensors (a zero in the shape) and 0-d scalars, between ordinary ones.
    numpy_file('empty_and_scalar.safetensors', {
        'a_scalar_f32': np.array(1.5, dtype=np.float32),
        'b_empty_1d': np.zeros((0,), dtype=np.float32),
        'c_empty_rows': np.zeros((0, 4), dtype=np.float64),
        'd_empty_cols': np.zeros((3, 0), dtype=np.int32),
        'e_matrix': rng.standard_normal((2, 2)).astype(np.float32),
        'f_scalar_i64': np.array(-7, dtype=np.int64),
        'g_scalar_bool': np.array(True),
    })

    # Only metadata, and nothing at all.
    numpy_file('no_tensors.safetensors', {})
    numpy_file('metadata_only.safetensors', {}, metadata={'epoch': '9', 'framework': 'pt'})

    # Big-endian numpy arrays: the library byte-swaps them to little-endian. (Fortran-order and
    # strided arrays it writes in memory order, garbling them: safetensors 0.8.0 requires C-contiguous
    # input, so they go through np.ascontiguousarray first.)
    be = (np.arange(12, dtype=np.float64).reshape(3, 4) / 7).astype('>f4')
    be8 = (np.arange(-3, 3, dtype=np.int64) * 1000003).astype('>i8')
    assert be.dtype.byteorder == '>' and be8.dtype.byteorder == '>'
    fo = np.ascontiguousarray(np.asfortranarray(rng.standard_normal((3, 5))))
    st = np.ascontiguousarray(rng.standard_normal((6, 6)).astype(np.float32)[::2, 1::2])
    numpy_file('byte_order.safetensors', {'big_endian_f4': be, 'big_endian_i8': be8, 'fortran': fo, 'strided': st})

    # Names JSON key order would reorder (integer-like keys first), and non-ASCII names.
    numpy_file('names.safetensors', {
        '10': np.full((2,), 10, dtype=np.float32),
        '2': np.full((2,), 2, dtype=np.float32),
        'layer.0.weight': np.eye(3, dtype=np.float32),
        '\u00e9mbedding': np.arange(4, dtype=np.float16).reshape(2, 2),
        '': np.array([42], dtype=np.int32),
    })

    # C64 beside floats: numpy can write it, the reader skips it and reads the rest.
    numpy_file('complex_beside_float.safetensors', {
        'z': (rng.standard_normal(4) + 1j * rng.standard_normal(4)).astype(np.complex64),
        'w': rng.standard_normal((2, 3)).astype(np.float32),
    }, skipped=['z'])

    # BF16 (decoded) and the float8 / F4 / E8M0 dtypes (skipped), written from raw bytes.
    bvals = rng.standard_normal((3, 4)).astype(np.float32) * 10
    bvals.reshape(-1)[:2] = [3.0e38, -1.0e-38]
    bits, exact = bf16_bits(bvals)
    f8 = rng.integers(0, 256, size=(2, 4), dtype=np.uint8)
    w = rng.standard_normal((2, 4)).astype(np.float32)
    raw_file('bf16_and_float8.safetensors', {
        'bf16': ('bfloat16', (3, 4), bits.astype('<u2').tobytes(), exact),
        'f8_e4m3': ('float8_e4m3fn', (2, 4), f8.tobytes(), None),
        'f8_e5m2': ('float8_e5m2', (2, 4), f8.tobytes(), None),
        'f8_e4m3fnuz': ('float8_e4m3fnuz', (2, 4), f8.tobytes(), None),
        'f8_e8m0': ('float8_e8m0fnu', (8,), f8.tobytes(), None),
        'f4': ('float4_e2m1fn_x2', (2, 2), f8[:, :2].tobytes(), None),  # storage shape; logical [2, 4]
        'w': ('float32', (2, 4), w.astype('<f4').tobytes(), w),
    }, metadata={'quantization': 'fp8'}, skipped=['f8_e4m3', 'f8_e5m2', 'f8_e4m3fnuz', 'f8_e8m0', 'f4'])

    # A file that is all float8: opens with nothing to read, everything skipped.
    raw_file('only_float8.safetensors', {
        'q': ('float8_e4m3fn', (4,), f8[0].tobytes(), None),
    }, skipped=['q'])

    with open(os.path.join(OUT, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write('\n')
    for n in os.listdir(OUT):
        os.chmod(os.path.join(OUT, n), 0o644)  # the library writes through a 0600 temp file
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f'wrote {len(expected["files"])} files + expected.json to {OUT} ({total} bytes)')


if __name__ == '__main__':
    main()
