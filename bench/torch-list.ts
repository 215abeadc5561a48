/**
 * Benchmark (not a test): listing the tensors of a big .pt and of a two-shard safetensors
 * checkpoint (headers only), and loading one 30522x768 float32 tensor from each, side by side
 * with torch.load(mmap=True) and safetensors' safe_open in Python where installed. Usage:
 *   npx tsx bench/torch-list.ts [--mb 2048] [--layers 24]
 * Files are written once by Python (torch, safetensors) under bench/out/ (gitignored): a BERT-like
 * state dict padded with layers to about --mb megabytes, saved with torch.save and as two
 * safetensors shards with an index. Prints a markdown table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint } from '../src/io';
import { flag } from './args';

const root = join(__dirname, '..');
const out = join(root, 'bench', 'out', 'torch');
const mb = Number(flag('mb', '2048'));
const pt = join(out, `big-${mb}.pt`);
const index = join(out, `shards-${mb}`, 'model.safetensors.index.json');
const TENSOR = 'embeddings.word_embeddings.weight';

const MAKE = `
import os, sys, json, torch
from safetensors.torch import save_file
mb, pt, d = int(sys.argv[1]), sys.argv[2], sys.argv[3]
g = torch.Generator().manual_seed(0)
sd = {'${TENSOR}': torch.randn(30522, 768, generator=g)}
size = sd['${TENSOR}'].numel() * 4
i = 0
while size < mb * 2**20:
    sd[f'encoder.layer.{i}.weight'] = torch.randn(3072, 768, generator=g)
    size += 3072 * 768 * 4
    i += 1
torch.save(sd, pt)
os.makedirs(d, exist_ok=True)
names = list(sd)
half = len(names) // 2
wm = {}
for k, part in ((1, names[:half]), (2, names[half:])):
    f = f'model-0000{k}-of-00002.safetensors'
    save_file({n: sd[n] for n in part}, os.path.join(d, f))
    wm.update({n: f for n in part})
json.dump({'metadata': {'total_size': size}, 'weight_map': wm}, open(os.path.join(d, 'model.safetensors.index.json'), 'w'))
`;

const PY_TIME = `
import sys, time, json
t0 = time.perf_counter()
import torch
from safetensors import safe_open
pt, idx, name = sys.argv[1], sys.argv[2], sys.argv[3]
r = {}
t = time.perf_counter(); sd = torch.load(pt, mmap=True, weights_only=True); r['pt_list'] = time.perf_counter() - t
t = time.perf_counter(); x = sd[name].clone(); r['pt_load'] = time.perf_counter() - t
import os
d = os.path.dirname(idx)
t = time.perf_counter()
wm = json.load(open(idx))['weight_map']
keys = []
for f in sorted(set(wm.values())):
    with safe_open(os.path.join(d, f), 'pt') as h: keys += list(h.keys())
r['st_list'] = time.perf_counter() - t
t = time.perf_counter()
with safe_open(os.path.join(d, wm[name]), 'pt') as h: y = h.get_tensor(name)
r['st_load'] = time.perf_counter() - t
print(json.dumps(r))
`;

function python(code: string, args: string[]): string | null {
  const r = spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr.slice(-400));
    return null;
  }
  return r.stdout;
}

async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [(performance.now() - t0) / 1000, v];
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  if (!existsSync(pt) || !existsSync(index)) {
    process.stderr.write(`writing ${pt} and ${index} with torch...\n`);
    if (python(MAKE, [String(mb), pt, join(out, `shards-${mb}`)]) === null)
      throw new Error('python3 with torch and safetensors is needed to write the files');
  }
  const rows: string[] = [];
  const [ptList, ptCp] = await time(() => openCheckpoint(pt));
  const ptEntry = ptCp.entries.find((e) => e.name === TENSOR);
  if (!ptEntry) throw new Error(`${TENSOR} not in ${pt}`);
  const [ptLoad] = await time(() => ptEntry.readRows());
  const [stList, stCp] = await time(() => openCheckpoint(index));
  const stEntry = stCp.entries.find((e) => e.name === TENSOR);
  if (!stEntry) throw new Error(`${TENSOR} not in ${index}`);
  const [stLoad] = await time(() => stEntry.readRows());
  const py = python(PY_TIME, [pt, index, TENSOR]);
  const p = py ? (JSON.parse(py) as Record<string, number>) : null;
  const f = (s: number | undefined): string => (s === undefined ? 'n/a' : `${(s * 1000).toFixed(1)} ms`);
  rows.push(`| file | size | tensors | list (DAGR) | list (Python) | load ${TENSOR} (DAGR) | load (Python) |`);
  rows.push('|---|---|---|---|---|---|---|');
  rows.push(
    `| .pt (torch.save) | ${(statSync(pt).size / 2 ** 20).toFixed(0)} MiB | ${ptCp.entries.length} | ${f(ptList)} | ${f(p?.pt_list)} (torch.load mmap) | ${f(ptLoad)} | ${f(p?.pt_load)} (clone) |`,
  );
  rows.push(
    `| 2 safetensors shards | ${(Number(stCp.metadata.total_size) / 2 ** 20).toFixed(0)} MiB | ${stCp.entries.length} | ${f(stList)} | ${f(p?.st_list)} (safe_open keys) | ${f(stLoad)} | ${f(p?.st_load)} (get_tensor) |`,
  );
  process.stdout.write(rows.join('\n') + '\n');
}

void main();
