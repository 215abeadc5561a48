"""Writes test/fixtures/torch/: files saved by real PyTorch (torch.save), their safetensors/npz
twins, hostile pickles, and expected.json (sums, shapes, first values computed by numpy).

    pip install torch safetensors numpy
    python3 scripts/make_torch_fixtures.py

Fixtures are committed so `npm test` needs no Python. Deterministic: seeded generators.
"""
import io
import json
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch')
os.makedirs(OUT, exist_ok=True)
expected = {'torch_version': torch.__version__, 'files': {}}


def path(name):
    return os.path.join(OUT, name)


def describe(t):
    """Shape, dtype, float64 sum and the first values of a tensor, in C order (numpy's view)."""
    a = t.detach().to(torch.float64).numpy() if t.dtype in (torch.bfloat16, torch.float16) else t.detach().numpy()
    a = np.array(a, order='C')
    flat = a.reshape(-1)
    return {
        'shape': list(a.shape),
        'sum': float(flat.astype(np.float64).sum()),
        'first': [float(x) for x in flat[:6].astype(np.float64)],
        'last': float(flat[-1]) if flat.size else None,
    }


def record(file, tensors, **extra):
    expected['files'][file] = {'tensors': {k: describe(v) for k, v in tensors.items()}, **extra}


g = torch.Generator().manual_seed(8)

# 1. a dict of two modality tensors plus labels, and the same arrays as safetensors and npz
audio = torch.randn(64, 16, generator=g)
visual = audio @ torch.randn(16, 16, generator=g) * 0.5 + torch.randn(64, 16, generator=g) * 0.1
labels = torch.arange(64, dtype=torch.int64) % 5
pair = {'audio': audio, 'visual': visual, 'labels': labels}
torch.save(pair, path('pair.pt'))
record('pair.pt', pair)
np.savez(path('pair_twin.npz'), audio=audio.numpy(), visual=visual.numpy(), labels=labels.numpy())
try:
    from safetensors.torch import save_file

    save_file(pair, path('pair_twin.safetensors'))
    HAVE_ST = True
except ImportError:  # pragma: no cover
    HAVE_ST = False

# nested features (features.audio, features.visual)
nested = {'features': {'audio': audio[:8].clone(), 'visual': visual[:8].clone()}, 'labels': labels[:8].clone(), 'epoch': 7}
torch.save(nested, path('nested.pth'))
record('nested.pth', {'features.audio': nested['features']['audio'], 'features.visual': nested['features']['visual'], 'labels': nested['labels']}, epoch=7)

# 2. a state_dict with tied and transposed tensors, a slice with a storage offset, and an expanded view
emb = torch.randn(10, 4, generator=g)
w = torch.randn(6, 4, generator=g)
big = torch.arange(40, dtype=torch.float32).reshape(8, 5)
sd = OrderedDict()
sd['encoder.embed.weight'] = emb
sd['decoder.weight'] = emb  # tied: the same tensor object
sd['decoder.view'] = emb[2:5]  # shares the storage, storage offset 8
sd['proj.weight_t'] = w.t()  # a transposed view, saved as is (strides (1, 4))
sd['proj.bias'] = torch.randn(4, generator=g)
sd['cols'] = big[:, 1:4]  # non-contiguous slice with an offset
sd['expanded'] = torch.arange(3, dtype=torch.float32).unsqueeze(0).expand(4, 3)  # stride 0
sd['scalar'] = torch.tensor(3.5)
sd['dbl'] = torch.randn(3, 2, generator=g, dtype=torch.float64)
torch.save(sd, path('state_dict.pt'))
record('state_dict.pt', dict(sd), tied=['encoder.embed.weight', 'decoder.weight', 'decoder.view'],
       strides={'proj.weight_t': list(sd['proj.weight_t'].stride()), 'cols': list(sd['cols'].stride())})

# 3. dtypes: bf16, f16 and the integer/bool family, in a model wrapped as nn.Parameters
m = torch.nn.Linear(4, 3)
with torch.no_grad():
    m.weight.copy_(torch.randn(3, 4, generator=g))
dt = {
    'bf16': torch.randn(5, 3, generator=g).to(torch.bfloat16),
    'f16': torch.randn(5, 3, generator=g).to(torch.float16),
    'f64': torch.randn(2, 3, generator=g, dtype=torch.float64),
    'i64': torch.tensor([[-3, 2**31 - 1], [5, -2**31]], dtype=torch.int64),
    'i32': torch.tensor([1, -2, 3], dtype=torch.int32),
    'i16': torch.tensor([1, -2, 300], dtype=torch.int16),
    'i8': torch.tensor([1, -2, 127], dtype=torch.int8),
    'u8': torch.tensor([1, 2, 255], dtype=torch.uint8),
    'b': torch.tensor([True, False, True]),
}
model = {'model': m.state_dict(), 'param': torch.nn.Parameter(torch.randn(2, 2, generator=g)), **dt}
torch.save(model, path('dtypes.pt'))
record('dtypes.pt', {**{f'model.{k}': v for k, v in m.state_dict().items()}, 'param': model['param'], **dt})

# 4. the legacy (non-zip) format
legacy = OrderedDict([('audio', audio[:16].clone()), ('visual', visual[:16].clone()), ('wt', w.t()),
                      ('half', dt['f16']), ('labels', labels[:16].clone())])
torch.save(legacy, path('legacy.pt'), _use_new_zipfile_serialization=False)
record('legacy.pt', dict(legacy))
# legacy with a sparse tensor: its storages take their place in the file though no dense tensor uses them
lsp = {'dense': torch.randn(3, 2, generator=g), 'sparse': torch.randn(4, 4, generator=g).relu().to_sparse()}
torch.save(lsp, path('legacy_sparse.pt'), _use_new_zipfile_serialization=False)
record('legacy_sparse.pt', {'dense': lsp['dense']}, skipped=['sparse'])

# 5. a Lightning-style checkpoint with optimizer state
lin = torch.nn.Linear(16, 8)
opt = torch.optim.Adam(lin.parameters(), lr=1e-3)
lin(torch.randn(4, 16, generator=g)).sum().backward()
opt.step()
ckpt = {
    'epoch': 3, 'global_step': 120, 'pytorch-lightning_version': '2.4.0',
    'state_dict': OrderedDict((f'model.{k}', v) for k, v in lin.state_dict().items()),
    'optimizer_states': [opt.state_dict()],
    'lr_schedulers': [],
    'hyper_parameters': {'lr': 1e-3, 'dim': 16},
}
torch.save(ckpt, path('lightning.ckpt'))
record('lightning.ckpt', {f'state_dict.{k}': v for k, v in ckpt['state_dict'].items()}, epoch=3, step=120)

# 6. a two-shard Hugging Face checkpoint with its index, as safetensors and as .bin
shard_sd = OrderedDict([('embeddings.word_embeddings.weight', torch.randn(12, 8, generator=g)),
                        ('encoder.layer.0.weight', torch.randn(8, 8, generator=g)),
                        ('encoder.layer.0.bias', torch.randn(8, generator=g)),
                        ('pooler.weight', torch.randn(8, 8, generator=g))])
names = list(shard_sd)
split = {names[0]: 1, names[1]: 1, names[2]: 2, names[3]: 2}
for ext, stem in (('safetensors', 'model'), ('bin', 'pytorch_model')):
    d = os.path.join(OUT, f'sharded_{ext}')
    os.makedirs(d, exist_ok=True)
    wm = {}
    total = 0
    for k in (1, 2):
        part = OrderedDict((n, t.contiguous()) for n, t in shard_sd.items() if split[n] == k)
        fname = f'{stem}-0000{k}-of-00002.{ext}'
        if ext == 'safetensors':
            save_file(part, os.path.join(d, fname), metadata={'format': 'pt'})
        else:
            torch.save(part, os.path.join(d, fname))
        for n, t in part.items():
            wm[n] = fname
            total += t.numel() * t.element_size()
    with open(os.path.join(d, f'{stem}.{ext}.index.json'), 'w') as f:
        json.dump({'metadata': {'total_size': total}, 'weight_map': wm}, f, indent=2)
    record(f'sharded_{ext}/{stem}.{ext}.index.json', dict(shard_sd))

# 7. tensors this reader lists as skipped: complex, quantized, sparse, float8, plus a plain one
unsup = {
    'plain': torch.randn(4, 3, generator=g),
    'complex': torch.randn(3, 2, generator=g, dtype=torch.complex64),
    'quantized': torch.quantize_per_tensor(torch.randn(4, 4, generator=g), 0.1, 0, torch.qint8),
    'sparse': torch.randn(4, 4, generator=g).relu().to_sparse(),
}
if hasattr(torch, 'float8_e4m3fn'):
    unsup['float8'] = torch.randn(4, 2, generator=g).to(torch.float8_e4m3fn)
if hasattr(torch, 'uint16'):
    unsup['u16'] = torch.tensor([1, 2, 65535], dtype=torch.uint16)
torch.save(unsup, path('unsupported.pt'))
record('unsupported.pt', {'plain': unsup['plain']}, skipped=sorted(k for k in unsup if k not in ('plain', 'u16')),
       u16=[1, 2, 65535] if 'u16' in unsup else None)

# 8. hostile pickles, written by hand (never loaded here)
MARKER = '/tmp/dagr-pwned-8f3a'


class Evil:
    def __reduce__(self):
        return (os.system, (f'touch {MARKER}',))


# torch.save of an object whose __reduce__ calls os.system (zip archive, data.pkl has posix.system)
torch.save({'weights': audio[:4].clone(), 'evil': Evil()}, path('evil_reduce.pt'))
# the same as a bare legacy-style pickle (what pickle.dumps writes, protocol 2)
with open(path('evil_plain.pkl.pt'), 'wb') as f:
    f.write(pickle.dumps(Evil(), protocol=2))
# an unknown class (not in the allowed set) beside a tensor: listed as skipped, never imported
torch.save({'weights': audio[:4].clone(), 'cfg': zipfile.ZipInfo('x')}, path('foreign_global.pt'))
expected['marker'] = MARKER


def zip_with_pickle(name, pkl, extra=None):
    """A torch-style archive around a hand-written data.pkl."""
    with zipfile.ZipFile(path(name), 'w', zipfile.ZIP_STORED) as z:
        z.writestr('archive/data.pkl', pkl)
        z.writestr('archive/byteorder', 'little')
        for k, v in (extra or {}).items():
            z.writestr(f'archive/data/{k}', v)
        z.writestr('archive/version', '3\n')


# deep nesting: 100000 nested lists (EMPTY_LIST + APPEND chains)
deep = b'\x80\x02' + b']' * 100000 + b'a' * 99999 + b'.'
zip_with_pickle('deep_nesting.pt', deep)
# memo bomb: each level is a list holding the previous level twice (2^60 paths, 60 objects)
bomb = bytearray(b'\x80\x02]q\x00')
for i in range(1, 61):
    bomb += b'](h' + bytes([i - 1]) + b'h' + bytes([i - 1]) + b'eq' + bytes([i])  # EMPTY_LIST MARK GET GET APPENDS BINPUT
bomb += b'.'
zip_with_pickle('memo_bomb.pt', bytes(bomb))
# a BINUNICODE that declares 4 GiB - 1 bytes
zip_with_pickle('huge_unicode.pt', b'\x80\x02X\xff\xff\xff\xffabc.')
# a tensor whose storage claims more elements than its data/0 member holds, and a view past its storage
def tensor_pickle(numel, size, stride, offset=0):
    buf = io.BytesIO()
    buf.write(b'\x80\x02}q\x00X\x01\x00\x00\x00wq\x01')
    buf.write(b'ctorch._utils\n_rebuild_tensor_v2\nq\x02(')
    buf.write(b'(X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x000q\x05X\x03\x00\x00\x00cpuq\x06')
    buf.write(b'J' + struct.pack('<i', numel) + b'tq\x07Q')
    buf.write(b'J' + struct.pack('<i', offset))
    buf.write(b'(' + b''.join(b'J' + struct.pack('<i', s) for s in size) + b't')
    buf.write(b'(' + b''.join(b'J' + struct.pack('<i', s) for s in stride) + b't')
    buf.write(b'\x89ccollections\nOrderedDict\n)Rq\x08tq\tRq\ns.')
    return buf.getvalue()


zip_with_pickle('storage_too_small.pt', tensor_pickle(1000000, [1000, 1000], [1000, 1]), {'0': b'\0' * 64})
zip_with_pickle('view_past_storage.pt', tensor_pickle(16, [4, 4], [4, 1], offset=8), {'0': b'\0' * 64})
zip_with_pickle('missing_storage.pt', tensor_pickle(16, [4, 4], [4, 1]), {})
# a valid hand-written one, to prove the helper is right
zip_with_pickle('handmade_ok.pt', tensor_pickle(16, [4, 4], [4, 1]), {'0': np.arange(16, dtype='<f4').tobytes()})

with open(path('expected.json'), 'w') as f:
    json.dump(expected, f, indent=1, sort_keys=True)

total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(OUT) for fn in fns)
print(f'wrote {OUT} ({total} bytes), safetensors twin: {HAVE_ST}')
