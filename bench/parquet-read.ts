/**
 * Parquet reading: time to list a N x d float32 embedding file (footer only) and to read one
 * column (all rows, and one row group), through src/io/parquet.ts (hyparquet), side by side with
 * pyarrow where python3 has it. The file is written by pyarrow in the setup (list<float32>
 * columns `audio` and `visual`, int64 `label`, row groups of 10,000 rows, snappy).
 *
 *   npx tsx bench/parquet-read.ts [--rows 100000] [--dim 768] [--out /tmp/dagr-bench.parquet]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint } from '../src/io';
import { flag } from './args';

const rows = Number(flag('rows', '100000'));
const dim = Number(flag('dim', '768'));
const out = flag('out', `/tmp/dagr-bench-parquet-${rows}x${dim}.parquet`);

const hasPyarrow = spawnSync('python3', ['-c', 'import pyarrow, numpy'], { stdio: 'ignore' }).status === 0;
if (!existsSync(out)) {
  if (!hasPyarrow) {
    console.error('pyarrow is not installed (pip install pyarrow numpy): it writes the bench file');
    process.exit(2);
  }
  const py = `
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
rng = np.random.default_rng(1)
def col(a):
    return pa.ListArray.from_arrays(pa.array(np.arange(0, a.size + 1, a.shape[1], dtype=np.int32)), pa.array(a.reshape(-1)))
t = pa.table({'audio': col(rng.standard_normal((${rows}, ${dim}), dtype=np.float32)),
              'visual': col(rng.standard_normal((${rows}, ${dim}), dtype=np.float32)),
              'label': pa.array(rng.integers(0, 10, ${rows}))})
pq.write_table(t, '${out}', row_group_size=10000, compression='snappy')
`;
  const r = spawnSync('python3', ['-c', py], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(2);
}

async function main(): Promise<void> {
  const size = statSync(out).size;
  console.log(`file: ${out} (${(size / 2 ** 20).toFixed(1)} MiB, ${rows} x ${dim} float32 x 2 columns)`);
  let t0 = performance.now();
  const cp = await openCheckpoint(out);
  const listMs = performance.now() - t0;
  const audio = cp.entries.find((e) => e.name === 'audio');
  if (!audio) throw new Error('no audio column');
  t0 = performance.now();
  await audio.readRows(0, Math.min(rows, 10000));
  const groupMs = performance.now() - t0;
  t0 = performance.now();
  const all = await audio.readRows();
  const colMs = performance.now() - t0;
  let s = 0;
  for (let i = 0; i < all.length; i += 997) s += all[i] as number;
  console.log(
    `dagr (hyparquet ${(JSON.parse(readFileSync(join(__dirname, '..', 'node_modules', 'hyparquet', 'package.json'), 'utf8')) as { version: string }).version}): list ${listMs.toFixed(0)} ms, one row group ${groupMs.toFixed(0)} ms, column audio ${colMs.toFixed(0)} ms (${(all.byteLength / 2 ** 20).toFixed(0)} MiB; checksum ${s.toFixed(3)})`,
  );

  if (hasPyarrow) {
    const py = `
import time, pyarrow.parquet as pq, numpy as np
t=time.perf_counter(); f=pq.ParquetFile('${out}'); f.schema_arrow; l=(time.perf_counter()-t)*1e3
t=time.perf_counter(); g=f.read_row_group(0, columns=['audio']); a=g.column('audio').combine_chunks().values.to_numpy().reshape(-1, ${dim}); rg=(time.perf_counter()-t)*1e3
t=time.perf_counter(); c=pq.read_table('${out}', columns=['audio']).column('audio').combine_chunks(); a=c.values.to_numpy().reshape(-1, ${dim}); c2=(time.perf_counter()-t)*1e3
print(f'pyarrow: list {l:.0f} ms, one row group {rg:.0f} ms, column audio {c2:.0f} ms (to a numpy array)')
`;
    spawnSync('python3', ['-c', py], { stdio: 'inherit' });
  }
}

void main();
