"""Writes test/fixtures/parquet/: Parquet files written by pyarrow, their .npz twins (the same
arrays saved by numpy) and expected.json (sums and first values computed by numpy).

    pip install pyarrow numpy
    python3 scripts/make_parquet_fixtures.py

Fixtures are committed so `npm test` needs no Python. Deterministic: seeded generators.
Every file has N = 64 rows in row groups of 10 (7 row groups), unless said otherwise.
"""
import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'parquet')
os.makedirs(OUT, exist_ok=True)
N, D, RG = 64, 16, 10
rng = np.random.default_rng(20260808)
expected = {'pyarrow_version': pa.__version__, 'rows': N, 'dim': D, 'row_group_size': RG, 'files': {}}


def path(name):
    return os.path.join(OUT, name)


def describe(a):
    flat = np.asarray(a).reshape(-1)
    return {
        'dtype': str(np.asarray(a).dtype),
        'shape': list(np.asarray(a).shape),
        'sum': float(flat.astype(np.float64).sum()),
        'first': [float(x) for x in flat[:6].astype(np.float64)],
        'last': float(flat[-1].astype(np.float64)),
    }


def list_column(a, fixed, value_type):
    """A (N, d) numpy array as a list<...> or fixed_size_list<..., d> Arrow column."""
    values = pa.array(a.reshape(-1), type=value_type)
    if fixed:
        return pa.FixedSizeListArray.from_arrays(values, a.shape[1])
    offsets = pa.array(np.arange(0, a.size + 1, a.shape[1], dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, values)


audio32 = rng.standard_normal((N, D)).astype(np.float32)
visual32 = (0.5 * audio32 + rng.standard_normal((N, D)).astype(np.float32)).astype(np.float32)
labels = rng.integers(0, 4, size=N).astype(np.int64)
ids = [f'sample-{i:03d}' for i in range(N)]
audio64 = rng.standard_normal((N, D)) * 1e3
visual64 = rng.standard_normal((N, D)) * 1e-3
audio16 = rng.standard_normal((N, D)).astype(np.float16)
visual16 = rng.standard_normal((N, D)).astype(np.float16)


def write(name, table, compression, note, arrays, twin=None, **kw):
    pq.write_table(table, path(name), row_group_size=RG, compression=compression, **kw)
    meta = pq.ParquetFile(path(name)).metadata
    entry = {
        'note': note,
        'compression': compression,
        'row_groups': meta.num_row_groups,
        'size': os.path.getsize(path(name)),
        'arrays': {k: describe(v) for k, v in arrays.items()},
    }
    if twin:
        np.savez(path(twin), **arrays)
        entry['twin'] = twin
    expected['files'][name] = entry


def table(a, v, value_type, fixed):
    return pa.table({
        'id': pa.array(ids, type=pa.string()),
        'audio': list_column(a, fixed, value_type),
        'visual': list_column(v, fixed, value_type),
        'label': pa.array(labels, type=pa.int64()),
    })


f32 = {'audio': audio32, 'visual': visual32, 'labels': labels}
write('list_f32_snappy.parquet', table(audio32, visual32, pa.float32(), False), 'snappy',
      'list<float32> audio/visual, int64 label, string id', f32, twin='f32.npz')
write('fixed_f32_zstd.parquet', table(audio32, visual32, pa.float32(), True), 'zstd',
      'fixed_size_list<float32, 16>', f32)
write('list_f32_gzip.parquet', table(audio32, visual32, pa.float32(), False), 'gzip', 'gzip', f32)
write('fixed_f32_none.parquet', table(audio32, visual32, pa.float32(), True), 'none', 'uncompressed', f32)
write('list_f32_brotli.parquet', table(audio32, visual32, pa.float32(), False), 'brotli', 'brotli', f32)
write('list_f32_lz4.parquet', table(audio32, visual32, pa.float32(), False), 'lz4', 'lz4 (LZ4_RAW)', f32)
write('list_f32_v1_dict.parquet', table(audio32, visual32, pa.float32(), False), 'snappy',
      'data page v1 with dictionary encoding', f32, data_page_version='1.0', use_dictionary=True)
write('list_f32_v2_plain.parquet', table(audio32, visual32, pa.float32(), False), 'snappy',
      'data page v2, plain encoding, small pages', f32, data_page_version='2.0', use_dictionary=False,
      data_page_size=256)

f64 = {'audio': audio64, 'visual': visual64, 'labels': labels}
write('list_f64.parquet', table(audio64, visual64, pa.float64(), False), 'snappy', 'list<float64>', f64, twin='f64.npz')
f16 = {'audio': audio16, 'visual': visual16, 'labels': labels}
write('fixed_f16.parquet', table(audio16, visual16, pa.float16(), True), 'snappy',
      'fixed_size_list<float16, 16> (FLOAT16 logical type)', f16, twin='f16.npz')

# labels named y (int32), a split column and scalar extras: a float score and a bool flag
split = (np.arange(N) % 5 == 4).astype(np.int8)
extra = pa.table({
    'audio': list_column(audio32, False, pa.float32()),
    'y': pa.array(labels.astype(np.int32), type=pa.int32()),
    'split': pa.array(split, type=pa.int8()),
    'score': pa.array(np.linspace(0, 1, N), type=pa.float64()),
    'flag': pa.array(np.arange(N) % 2 == 0, type=pa.bool_()),
    'meta': pa.array([{'a': i, 'b': str(i)} for i in range(N)]),
    'tokens': pa.array([[f't{i}', 'x'] for i in range(N)], type=pa.list_(pa.string())),
    'ints': pa.array([[i, i + 1] for i in range(N)], type=pa.list_(pa.int64())),
    'when': pa.array(np.arange(N).astype('datetime64[s]')),
})
write('extras.parquet', extra, 'snappy', 'y labels, split, scalar and nested columns', {
    'audio': audio32, 'y': labels.astype(np.int32), 'split': split})

# a ragged list column beside a good one
lengths = [D if i % 7 else D - 3 for i in range(N)]
ragged = pa.array([list(map(float, audio32[i, :lengths[i]])) for i in range(N)], type=pa.list_(pa.float32()))
write('ragged.parquet', pa.table({'audio': list_column(audio32, False, pa.float32()), 'ragged': ragged,
                                  'label': pa.array(labels)}), 'snappy',
      'a list column whose rows differ in length (row 7 has 13 values)', {'audio': audio32})

# nulls in a modality column: a null row (row 23), and a null value inside a row (row 37)
null_rows = [None if i == 23 else list(map(float, audio32[i])) for i in range(N)]
null_vals = [list(map(float, audio32[i])) for i in range(N)]
null_vals[37][5] = None
write('null_row.parquet', pa.table({'audio': pa.array(null_rows, type=pa.list_(pa.float32())),
                                    'visual': list_column(visual32, False, pa.float32())}), 'snappy',
      'audio row 23 is null', {'visual': visual32})
write('null_value.parquet', pa.table({'audio': pa.array(null_vals, type=pa.list_(pa.float32())),
                                      'visual': list_column(visual32, False, pa.float32())}), 'snappy',
      'audio row 37 has a null value', {'visual': visual32})

# a label column of large int64 values (out of int32 range)
big = labels.copy()
big[12] = 2 ** 40
write('big_label.parquet', pa.table({'audio': list_column(audio32, False, pa.float32()), 'label': pa.array(big)}),
      'snappy', 'label row 12 is 2^40, outside int32', {'audio': audio32})

# no float list column at all
write('no_modalities.parquet', pa.table({'id': pa.array(ids), 'label': pa.array(labels)}), 'snappy',
      'only an id and a label', {'labels': labels})

with open(path('expected.json'), 'w') as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write('\n')
print('wrote', len(expected['files']), 'parquet files to', os.path.normpath(OUT))
